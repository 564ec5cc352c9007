//! The three families of series, a table of them, and the batch driver
//! that runs the detector and a [`Tracker`] over stored data.

use std::collections::BTreeMap;

use hirundo_rollup::PortKey;

use crate::assess::Scratch;
use crate::{Change, Config, Finding, Grain, Point, Tracker};

/// Which series: one (proto, port), one source country, or one port from
/// one country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SeriesKey {
    Port(PortKey),
    /// ISO 3166-1 alpha-2, upper case.
    Country([u8; 2]),
    PortCountry(PortKey, [u8; 2]),
}

impl SeriesKey {
    /// Whether a silent history makes this series a new port: true for
    /// ports, false for countries.
    pub fn can_be_new(&self) -> bool {
        !matches!(self, SeriesKey::Country(_))
    }
}

/// [`crate::assess`] for the series `key`: a country with no history is
/// judged as a surge, never as a new port.
pub fn assess_key(
    config: &Config,
    key: &SeriesKey,
    history: &[Point],
    current: Point,
) -> Option<Finding> {
    Scratch::default().assess(config, history, current, key.can_be_new())
}

/// A table of series on one grid of buckets: bucket `i` of every series
/// starts at `first_ns + i × bucket_ns`. Vectors are dense from bucket 0
/// and may stop early: buckets past a vector's end are `Point{0, 0}`, and
/// there is no data before `first_ns` (those buckets count as missing
/// history, not as zeros).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub first_ns: i64,
    pub points: BTreeMap<SeriesKey, Vec<Point>>,
}

impl Series {
    pub fn new(first_ns: i64) -> Series {
        Series {
            first_ns,
            points: BTreeMap::new(),
        }
    }

    /// Sets bucket `index` of `key`, zero-filling the buckets before it.
    pub fn set(&mut self, key: SeriesKey, index: usize, point: Point) {
        let points = self.points.entry(key).or_default();
        if points.len() <= index {
            points.resize(index + 1, Point::default());
        }
        points[index] = point;
    }

    /// Adds to bucket `index` of `key`: how the (port, country) cells of
    /// one port sum into its port series. Sources add up too, which is
    /// exact across one port's countries (a source has one country) but
    /// not across one country's ports: a country series needs its distinct
    /// sources, given with [`Series::set`], or one scanner sweeping many
    /// ports would look like many sources.
    pub fn add(&mut self, key: SeriesKey, index: usize, point: Point) {
        let points = self.points.entry(key).or_default();
        if points.len() <= index {
            points.resize(index + 1, Point::default());
        }
        let p = &mut points[index];
        p.packets = p.packets.saturating_add(point.packets);
        p.sources = p.sources.saturating_add(point.sources);
    }

    /// Buckets in the longest series.
    pub fn len(&self) -> usize {
        self.points.values().map(Vec::len).max().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs the detector and a [`Tracker`] over the buckets of `series` that
/// start in `[from, to)`, in order, and returns every change. History
/// before `from` feeds the baselines. `bucket_ns` is the grid's width and
/// should be the grain's ([`Grain::bucket_ns`]), and `config` one that
/// passes [`Config::validate`]. Alerts still open at `to` are not closed.
///
/// Cost: a bucket below the floors (`min_packets`, `min_sources`) is one
/// comparison, and one whose packets or sources are already exceeded by
/// half its history is one pass over it, so only candidates pay for the
/// medians.
pub fn scan(
    config: &Config,
    grain: Grain,
    series: &Series,
    bucket_ns: i64,
    from: i64,
    to: i64,
) -> Vec<Change> {
    let Some(range) = bucket_range(series, bucket_ns, from, to, config.quiet_to_close) else {
        return Vec::new();
    };
    // Series by series, for locality; then replayed bucket by bucket.
    let keys: Vec<&SeriesKey> = series.points.keys().collect();
    let mut found: Vec<(usize, usize, Finding)> = Vec::new();
    let mut scratch = Scratch::default();
    for (k, (key, points)) in series.points.iter().enumerate() {
        let can_be_new = key.can_be_new();
        let end = range.end.min(points.len());
        for i in range.start..end {
            let current = points[i];
            let history = &points[i.saturating_sub(config.baseline)..i];
            if let Some(f) = scratch.assess(config, history, current, can_be_new) {
                found.push((i, k, f));
            }
        }
    }
    found.sort_by_key(|&(i, k, _)| (i, k));

    let mut tracker = Tracker::with_bucket_ns(config.clone(), grain, bucket_ns);
    let mut changes = Vec::new();
    let mut bucket = Vec::new();
    let mut next = found.iter().peekable();
    for i in range {
        bucket.clear();
        while let Some((_, k, f)) = next.next_if(|(j, _, _)| *j == i) {
            bucket.push((*keys[*k], *f));
        }
        let at = series
            .first_ns
            .saturating_add((i as i64).saturating_mul(bucket_ns));
        changes.extend(tracker.observe(at, &bucket));
    }
    changes
}

/// The bucket indices that start in `[from, to)`, cut where the data ends
/// plus long enough for every alert to close: past the data there are no
/// findings, so walking further would change nothing.
fn bucket_range(
    series: &Series,
    bucket_ns: i64,
    from: i64,
    to: i64,
    quiet_to_close: u32,
) -> Option<std::ops::Range<usize>> {
    if bucket_ns <= 0 || from >= to {
        return None;
    }
    let first = i128::from(series.first_ns);
    let width = i128::from(bucket_ns);
    let index = |t: i64| -> i128 { (i128::from(t) - first + width - 1).div_euclid(width).max(0) };
    let limit = series.len() as i128 + i128::from(quiet_to_close) + 1;
    let start = usize::try_from(index(from).min(limit)).ok()?;
    let end = usize::try_from(index(to).min(limit)).ok()?;
    (start < end).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_rollup::PortProto;

    const HOUR: i64 = 3_600_000_000_000;

    #[test]
    fn bucket_range_rounds_up_and_clamps() {
        let mut series = Series::new(10 * HOUR);
        series.set(SeriesKey::Country(*b"BR"), 99, Point::new(1, 1));
        assert_eq!(bucket_range(&series, HOUR, 0, 15 * HOUR, 12), Some(0..5));
        assert_eq!(
            bucket_range(&series, HOUR, 12 * HOUR + 1, 20 * HOUR, 12),
            Some(3..10)
        );
        // Far past the data: only until every alert has closed.
        assert_eq!(
            bucket_range(&series, HOUR, 10 * HOUR, i64::MAX, 12),
            Some(0..113)
        );
        assert_eq!(bucket_range(&series, HOUR, 5 * HOUR, 5 * HOUR, 12), None);
        assert_eq!(bucket_range(&series, 0, 0, HOUR, 12), None);
        assert_eq!(
            bucket_range(&series, HOUR, i64::MIN, i64::MIN + 1, 12),
            None
        );
    }

    #[test]
    fn scan_finds_a_campaign_with_history_before_from() {
        let port = PortKey::new(PortProto::Tcp, 8728);
        let mut series = Series::new(0);
        for h in 0..300 {
            series.set(SeriesKey::Port(port), h, Point::new(4, 2));
        }
        for h in 200..204 {
            series.set(SeriesKey::Port(port), h, Point::new(120, 40));
            series.set(SeriesKey::PortCountry(port, *b"BR"), h, Point::new(116, 38));
        }
        // From hour 190: the week before still makes the baseline.
        let changes = scan(
            &Config::hourly(),
            Grain::Hour,
            &series,
            HOUR,
            190 * HOUR,
            300 * HOUR,
        );
        let summary: Vec<(&str, i64)> = changes
            .iter()
            .map(|c| match c {
                Change::Opened(a) => ("opened", a.started_ns / HOUR),
                Change::Updated(a) => ("updated", a.last_ns / HOUR),
                Change::Closed(a) => ("closed", a.last_ns / HOUR),
            })
            .collect();
        assert_eq!(summary, vec![("opened", 200), ("closed", 203)]);
        let Change::Closed(alert) = &changes[1] else {
            unreachable!()
        };
        assert_eq!(alert.countries, vec!["BR".to_string()]);
        assert_eq!(alert.closed_ns, Some((203 + 12 + 1) * HOUR));
        assert_eq!(alert.baseline, 4.0);
    }
}
