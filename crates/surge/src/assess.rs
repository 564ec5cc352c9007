//! One bucket against its own history: the robust baseline and the rules
//! that make a finding.

use crate::{AlertKind, Config};

/// One bucket of a series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Point {
    pub packets: u64,
    /// Distinct sources, research scanners excluded.
    pub sources: u64,
}

impl Point {
    pub fn new(packets: u64, sources: u64) -> Point {
        Point { packets, sources }
    }
}

/// A bucket far above its series' normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    pub kind: AlertKind,
    pub packets: u64,
    pub sources: u64,
    /// Median packets per bucket over the history.
    pub baseline: f64,
    /// Robust deviations of the bucket's packets above that median.
    pub score: f64,
}

/// Consistency constant that makes the MAD estimate a normal law's
/// standard deviation.
const MAD_TO_SIGMA: f64 = 1.4826;

/// Judges `current` against `history`, the buckets right before it, oldest
/// first and zero-filled (a bucket with no traffic is `Point{0, 0}`); only
/// the last `config.baseline` of them count. The series may be new (a port
/// or port × country series); for country series use
/// [`crate::assess_key`], which never calls a country new.
pub fn assess(config: &Config, history: &[Point], current: Point) -> Option<Finding> {
    Scratch::default().assess(config, history, current, true)
}

/// A reusable buffer, so that a scan over many series allocates once.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    values: Vec<f64>,
}

/// Median and robust scale of one column of the history.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    /// max(1.4826·MAD, √median, 1): the MAD of a sparse series is 0, and a
    /// Poisson count's deviation is at least √mean, so neither a quiet
    /// series nor a flat one makes every blip look enormous.
    scale: f64,
}

impl Scratch {
    /// [`assess`] with this buffer; `can_be_new` is false for series that
    /// cannot be a new port (countries).
    pub(crate) fn assess(
        &mut self,
        config: &Config,
        history: &[Point],
        current: Point,
        can_be_new: bool,
    ) -> Option<Finding> {
        let history = &history[history.len().saturating_sub(config.baseline)..];
        if history.is_empty() || history.len() < config.min_history {
            return None;
        }
        // The cheap tests first: most buckets of most series stop here,
        // before any median is taken.
        if current.packets < config.min_packets {
            return None;
        }
        let may_surge = current.sources >= config.min_sources;
        let may_be_new = can_be_new && current.sources >= config.new_port_min_sources;
        if may_be_new && history.iter().all(|p| p.packets == 0) {
            return Some(Finding {
                kind: AlertKind::NewPort,
                packets: current.packets,
                sources: current.sources,
                baseline: 0.0,
                // The score the surge rule would give: the baseline is 0
                // and the scale its floor of 1.
                score: current.packets as f64,
            });
        }
        if !may_surge {
            return None;
        }
        let packets = current.packets as f64;
        let sources = current.sources as f64;
        let min_new = config.min_new_sources as f64;
        // The packets' median must stay below this; when more than half
        // the history is above it, the median is too, and no median is
        // needed.
        let packet_limit = packets / config.min_ratio;
        if above_half(history, |p| p.packets as f64 > packet_limit) {
            return None;
        }
        let p = self.spread(history.iter().map(|p| p.packets as f64));
        if p.median.max(1.0) > packet_limit {
            return None;
        }
        let score = (packets - p.median) / p.scale;
        // Written so that a NaN threshold (a bad config) finds nothing.
        if score
            .partial_cmp(&config.threshold)
            .is_none_or(|o| o.is_lt())
        {
            return None;
        }
        let s = self.spread(history.iter().map(|p| p.sources as f64));
        let excess = sources - s.median;
        let z = config.source_threshold;
        let enough = excess >= min_new
            && excess >= z * s.scale + poisson_skew(z)
            && s.median <= sources / config.min_source_ratio;
        if !enough {
            return None;
        }
        Some(Finding {
            kind: AlertKind::Surge,
            packets: current.packets,
            sources: current.sources,
            baseline: p.median,
            score,
        })
    }

    fn spread(&mut self, values: impl Iterator<Item = f64>) -> Spread {
        self.values.clear();
        self.values.extend(values);
        let median = median_of(&mut self.values);
        for v in &mut self.values {
            *v = (*v - median).abs();
        }
        let mad = median_of(&mut self.values);
        Spread {
            median,
            scale: (MAD_TO_SIGMA * mad).max(median.sqrt()).max(1.0),
        }
    }
}

/// How much further than `z` normal deviations a Poisson count's tail
/// reaches: the Cornish-Fisher term (z² − 1)/6 (5.8 sources at z = 6). A
/// few sources an hour are a Poisson count, and without it a cell that
/// usually sees 4 sources would alert at 18 about once a month somewhere.
fn poisson_skew(z: f64) -> f64 {
    ((z * z - 1.0) / 6.0).max(0.0)
}

/// Whether more than half of `history` passes `test`: then the median
/// does too, for a median that is the middle value or the mean of the two
/// middle ones.
fn above_half(history: &[Point], test: impl Fn(&Point) -> bool) -> bool {
    history.iter().filter(|p| test(p)).count() > history.len() / 2
}

/// The median, reordering `values`; 0 for none. Selection, not a sort:
/// this runs for every candidate bucket of tens of thousands of series.
fn median_of(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let k = n / 2;
    let (lower, upper, _) = values.select_nth_unstable_by(k, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn flat(n: usize, packets: u64, sources: u64) -> Vec<Point> {
        vec![Point::new(packets, sources); n]
    }

    /// A small deterministic generator (SplitMix64), so the tests need no
    /// random-number crate and give the same numbers everywhere.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }

        /// Knuth's method below 30, a rounded normal above: enough for
        /// counts of a few hundred.
        fn poisson(&mut self, mean: f64) -> u64 {
            if mean < 30.0 {
                let limit = (-mean).exp();
                let mut product = self.uniform();
                let mut k = 0;
                while product > limit {
                    product *= self.uniform();
                    k += 1;
                }
                return k;
            }
            let u1 = self.uniform().max(f64::MIN_POSITIVE);
            let u2 = self.uniform();
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            (mean + normal * mean.sqrt()).round().max(0.0) as u64
        }
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median_of(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_of(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median_of(&mut []), 0.0);
    }

    #[test]
    fn flat_series_and_a_spike_is_a_surge() {
        let history = flat(168, 100, 20);
        let finding = assess(&Config::hourly(), &history, Point::new(1_000, 80)).unwrap();
        assert_eq!(finding.kind, AlertKind::Surge);
        assert_eq!(finding.baseline, 100.0);
        // MAD 0, so the scale is √100 = 10: (1000 − 100) / 10.
        assert_eq!(finding.score, 90.0);
        assert_eq!((finding.packets, finding.sources), (1_000, 80));
        // The usual level is not.
        assert_eq!(
            assess(&Config::hourly(), &history, Point::new(110, 22)),
            None
        );
    }

    #[test]
    fn one_source_sending_ten_thousand_packets_is_not_a_surge() {
        let config = Config::hourly();
        // A busy port, and one more source that floods it.
        let busy = flat(168, 400, 60);
        assert_eq!(assess(&config, &busy, Point::new(10_400, 61)), None);
        // A quiet port, and the one source that ever scans it.
        let quiet = flat(168, 1, 1);
        assert_eq!(assess(&config, &quiet, Point::new(10_000, 1)), None);
        // A port never scanned before, by one source.
        assert_eq!(
            assess(&config, &flat(168, 0, 0), Point::new(10_000, 1)),
            None
        );
    }

    #[test]
    fn sparse_port_never_seen_then_thirty_sources_is_a_new_port() {
        let config = Config::hourly();
        let finding = assess(&config, &flat(168, 0, 0), Point::new(45, 30)).unwrap();
        assert_eq!(finding.kind, AlertKind::NewPort);
        assert_eq!((finding.packets, finding.sources), (45, 30));
        assert_eq!(finding.baseline, 0.0);
        // A week of history is needed; less is the warm-up.
        assert!(assess(&config, &flat(168, 0, 0), Point::new(45, 30)).is_some());
        assert_eq!(assess(&config, &flat(167, 0, 0), Point::new(45, 30)), None);
        // Seen once in the week: a surge, not a new port.
        let mut once = flat(168, 0, 0);
        once[100] = Point::new(2, 1);
        let finding = assess(&config, &once, Point::new(45, 30)).unwrap();
        assert_eq!(finding.kind, AlertKind::Surge);
    }

    #[test]
    fn countries_are_never_new() {
        let key = crate::SeriesKey::Country(*b"BR");
        let finding = crate::assess_key(
            &Config::hourly(),
            &key,
            &flat(168, 0, 0),
            Point::new(45, 30),
        )
        .unwrap();
        assert_eq!(finding.kind, AlertKind::Surge);
    }

    #[test]
    fn only_the_last_baseline_buckets_count() {
        // A week of quiet after a month of heavy traffic: the old month no
        // longer holds the median up.
        let mut history = flat(600, 5_000, 500);
        history.extend(flat(168, 10, 2));
        let finding = assess(&Config::hourly(), &history, Point::new(300, 40)).unwrap();
        assert_eq!(finding.baseline, 10.0);
    }

    #[test]
    fn existing_sources_sending_more_is_not_a_surge() {
        // Packets twenty times the median, but only two sources more than
        // usual: the same scanners, busier.
        let history = flat(168, 50, 12);
        assert_eq!(
            assess(&Config::hourly(), &history, Point::new(1_000, 14)),
            None
        );
    }

    #[test]
    fn daily_swing_with_poisson_noise_raises_nothing_in_thirty_days() {
        let config = Config::hourly();
        let mut rng = SplitMix(7);
        // Series from a busy port to a sparse one: mean sources per hour,
        // packets per source.
        let kinds = [
            (400.0, 4.0),
            (120.0, 3.0),
            (30.0, 2.0),
            (8.0, 2.0),
            (3.0, 1.5),
            (1.0, 2.0),
            (0.2, 2.0),
        ];
        let mut tests = 0;
        for (series, &(mean_sources, per_source)) in kinds.iter().cycle().take(70).enumerate() {
            let hours = 720;
            let points: Vec<Point> = (0..hours)
                .map(|h| {
                    let phase = (h as f64 + series as f64) / 24.0 * std::f64::consts::TAU;
                    let swing = 1.0 + 0.3 * phase.sin();
                    let sources = rng.poisson(mean_sources * swing);
                    let packets = (0..sources)
                        .map(|_| 1 + rng.poisson(per_source - 1.0))
                        .sum();
                    Point::new(packets, sources)
                })
                .collect();
            for h in 1..hours {
                tests += 1;
                let found = assess(&config, &points[..h], points[h]);
                assert_eq!(found, None, "series {series} hour {h}: {:?}", points[h]);
            }
        }
        assert_eq!(tests, 70 * 719);
    }

    fn arb_config() -> impl Strategy<Value = Config> {
        (
            1usize..200,
            0usize..200,
            0u64..100,
            0u64..50,
            0u64..50,
            prop_oneof![Just(f64::NAN), -1.0..20.0f64],
            0.0..20.0f64,
            prop_oneof![Just(0.0), 0.5..10.0f64],
            0u64..50,
            prop_oneof![Just(f64::NAN), Just(0.0), 0.5..4.0f64],
        )
            .prop_map(
                |(baseline, min_history, min_packets, min_sources, min_new, t, st, r, new, sr)| {
                    Config {
                        baseline,
                        min_history,
                        min_packets,
                        min_sources,
                        min_new_sources: min_new,
                        threshold: t,
                        source_threshold: st,
                        min_ratio: r,
                        min_source_ratio: sr,
                        new_port_min_sources: new,
                        ..Config::hourly()
                    }
                },
            )
    }

    fn arb_point() -> impl Strategy<Value = Point> {
        prop_oneof![
            (0u64..5, 0u64..3).prop_map(|(p, s)| Point::new(p, s)),
            (0u64..2_000, 0u64..200).prop_map(|(p, s)| Point::new(p, s)),
            (any::<u64>(), any::<u64>()).prop_map(|(p, s)| Point::new(p, s)),
        ]
    }

    proptest! {
        #[test]
        fn never_panics(
            config in arb_config(),
            history in proptest::collection::vec(arb_point(), 0..300),
            current in arb_point(),
        ) {
            if let Some(f) = assess(&config, &history, current) {
                prop_assert_eq!((f.packets, f.sources), (current.packets, current.sources));
                prop_assert!(f.score.is_finite() && f.baseline.is_finite());
            }
        }

        #[test]
        fn more_packets_or_sources_never_remove_a_finding(
            history in proptest::collection::vec(arb_point(), 0..200),
            current in (0u64..3_000, 0u64..300).prop_map(|(p, s)| Point::new(p, s)),
            more_packets in 0u64..5_000,
            more_sources in 0u64..500,
            hourly in any::<bool>(),
        ) {
            let config = if hourly { Config::hourly() } else { Config::daily() };
            if assess(&config, &history, current).is_some() {
                let raised = Point::new(current.packets + more_packets, current.sources + more_sources);
                prop_assert!(assess(&config, &history, raised).is_some());
                let raised = Point::new(current.packets + more_packets, current.sources);
                prop_assert!(assess(&config, &history, raised).is_some());
                let raised = Point::new(current.packets, current.sources + more_sources);
                prop_assert!(assess(&config, &history, raised).is_some());
            }
        }

        #[test]
        fn monotone_near_the_thresholds(
            level in 0u64..60,
            sources in 0u64..15,
            current in (0u64..400, 0u64..60).prop_map(|(p, s)| Point::new(p, s)),
            step in 1u64..20,
        ) {
            // Flat histories near the floors, where a random history would
            // rarely find the edge.
            let history = flat(168, level, sources);
            let config = Config::hourly();
            if assess(&config, &history, current).is_some() {
                prop_assert!(assess(&config, &history, Point::new(current.packets + step, current.sources)).is_some());
                prop_assert!(assess(&config, &history, Point::new(current.packets, current.sources + step)).is_some());
            }
        }
    }
}
