//! Surge detection over the store: reads the probe cells, builds the
//! hourly series `hirundo-surge` judges, keeps each alert with its
//! evidence, and delivers what changed.
//!
//! A run is idempotent. It scans a window of hours (with a week of
//! history before it for the baselines) and matches each alert it finds
//! to a stored one by subject and start: a stored alert is updated in
//! place, a new one is stored and delivered as "opened", one that closed
//! since is delivered as "closed". Running it every hour over the last two
//! days, or once over a month after an import, gives the same alerts.

use std::collections::HashMap;

use hirundo_deliver::{Mailer, Webhook};
use hirundo_fingerprint::Tags;
use hirundo_rollup::{CellSketch, PortKey, NANOS_PER_HOUR};
use hirundo_store::{DayRange, Filter, HourRange, SeriesOf, SourceQuery, Store, StoreError};
use hirundo_surge::{
    scan, Alert, AlertStatus, Config, Evidence, EvidencePoint, EvidenceSource, Grain, Point,
    Series, SeriesKey, Subject,
};

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where alerts go besides the store (which the dashboard and the Atom
/// feed read).
#[derive(Default)]
pub struct Delivery {
    pub webhooks: Vec<Webhook>,
    pub mailer: Option<Mailer>,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub hours: i64,
    /// Series judged (those that ever had enough sources to alert).
    pub series: usize,
    pub opened: usize,
    pub updated: usize,
    pub closed: usize,
    /// Deliveries that failed; each is also in `problems`.
    pub failed_deliveries: usize,
    pub problems: Vec<String>,
}

/// Sources listed in an alert's evidence.
const EVIDENCE_SOURCES: usize = 10;
/// Buckets of series kept as evidence before the alert's start (a day of
/// hours, or 24 days).
const EVIDENCE_LEAD: i64 = 24;

/// Scans the buckets of `grain` that hours `[from, to)` fall in (whole
/// days for [`Grain::Day`]) and reconciles the alerts with the store.
/// `config` is the grain's (`Config::hourly`, `Config::daily`).
pub fn run(
    store: &dyn Store,
    config: &Config,
    grain: Grain,
    hours: HourRange,
    delivery: &Delivery,
) -> Result<RunReport, WatchError> {
    let width = grain.bucket_ns() / NANOS_PER_HOUR;
    let buckets = (
        hours.from.div_euclid(width),
        (hours.to + width - 1).div_euclid(width),
    );
    // History reaches back a baseline, but never before the first bucket
    // with data: buckets before it are missing, not quiet, and a series
    // that "starts" from zeros would make everything look new.
    let wanted = buckets.0 - config.baseline as i64;
    let first = store
        .series(
            &Filter::hours(HourRange {
                from: wanted * width,
                to: buckets.1 * width,
            }),
            &SeriesOf::Total,
            hirundo_store::Grain::Hour,
        )?
        .first()
        .map_or(buckets.0, |b| b.at.div_euclid(width).max(wanted));
    let series = load_series(store, config, width, first, buckets.1)?;
    let mut report = RunReport {
        hours: (buckets.1 - buckets.0) * width,
        series: series.points.len(),
        ..RunReport::default()
    };
    let bucket_ns = grain.bucket_ns();
    let changes = scan(
        config,
        grain,
        &series,
        bucket_ns,
        buckets.0 * bucket_ns,
        buckets.1 * bucket_ns,
    );
    // The last state of each alert the window saw.
    let mut latest: Vec<Alert> = Vec::new();
    for change in changes {
        let alert = change.alert().clone();
        match latest
            .iter_mut()
            .find(|a| a.subject == alert.subject && a.started_ns == alert.started_ns)
        {
            Some(slot) => *slot = alert,
            None => latest.push(alert),
        }
    }
    let latest = absorb_country_alerts(store, &series, bucket_ns, latest)?;
    let stored = store.alerts(wanted.saturating_mul(bucket_ns), i64::MAX, 100_000)?;
    for mut alert in latest {
        let known = stored.iter().find(|a| {
            a.grain == alert.grain && a.subject == alert.subject && a.started_ns == alert.started_ns
        });
        alert.evidence = evidence(store, &series, bucket_ns, &alert)?;
        let event = match known {
            None => {
                report.opened += 1;
                Some("opened")
            }
            Some(old) => {
                alert.id = old.id;
                if old.status == AlertStatus::Ongoing && alert.status == AlertStatus::Closed {
                    report.closed += 1;
                    Some("closed")
                } else {
                    report.updated += 1;
                    None
                }
            }
        };
        alert.id = store.save_alert(&alert)?;
        if let Some(event) = event {
            deliver(delivery, &alert, event, &mut report);
        }
    }
    Ok(report)
}

/// Folds a country alert into a port alert of the same hours when ports
/// with alerts of their own explain at least half of what the country
/// sent above its baseline in its peak hour: a campaign from many
/// countries lifts some of them too, and one campaign should be one alert.
/// The port alert that took most of it then names the country.
fn absorb_country_alerts(
    store: &dyn Store,
    series: &Series,
    bucket_ns: i64,
    alerts: Vec<Alert>,
) -> Result<Vec<Alert>, StoreError> {
    let (countries, mut ports): (Vec<Alert>, Vec<Alert>) = alerts
        .into_iter()
        .partition(|a| matches!(a.subject, Subject::Country { .. }));
    let mut kept = Vec::new();
    for alert in countries {
        let Subject::Country { cc } = &alert.subject else {
            unreachable!("partitioned on it")
        };
        let first = series.first_ns / bucket_ns;
        let (from, to) = (alert.started_ns / bucket_ns, alert.last_ns / bucket_ns + 1);
        let points = cc_of(cc).and_then(|c| series.points.get(&SeriesKey::Country(c)));
        let peak = (from..to)
            .max_by_key(|&b| {
                points
                    .and_then(|p| p.get((b - first) as usize))
                    .map_or(0, |p| p.packets)
            })
            .unwrap_or(from);
        let width = bucket_ns / NANOS_PER_HOUR;
        let cells = store.cells(HourRange {
            from: peak * width,
            to: (peak + 1) * width,
        })?;
        let of_country = |port: PortKey| -> u64 {
            cells
                .iter()
                .filter(|c| &c.cc == cc && c.port == port)
                .map(|c| c.packets)
                .sum()
        };
        // What the country sent above its baseline in its peak hour, and
        // how much of it went to ports that have their own alert.
        let excess = (alert.packets as f64 - alert.baseline).max(1.0);
        let mut best: Option<(usize, u64)> = None;
        let mut explained = 0;
        for (i, p) in ports.iter().enumerate() {
            let Subject::Port { proto, port } = &p.subject else {
                continue;
            };
            let Some(key) = port_key(proto, *port) else {
                continue;
            };
            if p.started_ns > alert.last_ns || alert.started_ns > p.last_ns {
                continue;
            }
            let on_port = of_country(key);
            explained += on_port;
            if best.is_none_or(|(_, most)| on_port > most) {
                best = Some((i, on_port));
            }
        }
        match best {
            Some((i, _)) if 2.0 * explained as f64 >= excess => {
                if !ports[i].countries.contains(cc) {
                    ports[i].countries.push(cc.clone());
                }
            }
            _ => kept.push(alert),
        }
    }
    ports.extend(kept);
    Ok(ports)
}

/// Both grains over `hours`: hourly series with [`Config::hourly`], then
/// daily ones (the whole days the hours touch) with [`Config::daily`],
/// which see slow campaigns that no single hour shows.
pub fn run_all(
    store: &dyn Store,
    hours: HourRange,
    delivery: &Delivery,
) -> Result<RunReport, WatchError> {
    let mut report = run(store, &Config::hourly(), Grain::Hour, hours, delivery)?;
    let daily = run(store, &Config::daily(), Grain::Day, hours, delivery)?;
    report.series += daily.series;
    report.opened += daily.opened;
    report.updated += daily.updated;
    report.closed += daily.closed;
    report.failed_deliveries += daily.failed_deliveries;
    report.problems.extend(daily.problems);
    Ok(report)
}

fn deliver(delivery: &Delivery, alert: &Alert, event: &str, report: &mut RunReport) {
    for hook in &delivery.webhooks {
        if let Err(e) = hook.post(alert, event) {
            report.failed_deliveries += 1;
            report
                .problems
                .push(format!("alert {}: webhook: {e}", alert.id));
        }
    }
    if let Some(mailer) = &delivery.mailer {
        if let Err(e) = mailer.send(alert, event) {
            report.failed_deliveries += 1;
            report
                .problems
                .push(format!("alert {}: e-mail: {e}", alert.id));
        }
    }
}

/// One bucket's points per key, from the cells of its hours. Every
/// series takes the union of its cells' source sketches: one scanner
/// probing a thousand ports is one source of its country, not a
/// thousand, and one seen every hour of a day is one source of the day.
fn bucket_points(cells: &[hirundo_store::CellRow]) -> HashMap<SeriesKey, Point> {
    let mut sums: HashMap<SeriesKey, (u64, CellSketch)> = HashMap::with_capacity(cells.len());
    for cell in cells {
        let Some(cc) = cc_of(&cell.cc) else { continue };
        for key in [
            SeriesKey::PortCountry(cell.port, cc),
            SeriesKey::Port(cell.port),
            SeriesKey::Country(cc),
        ] {
            let (packets, sketch) = sums.entry(key).or_default();
            *packets += cell.packets;
            for &h in cell.sources.hashes() {
                sketch.insert(h);
            }
        }
    }
    sums.into_iter()
        .map(|(key, (packets, sketch))| (key, Point::new(packets, sketch.estimate())))
        .collect()
}

fn cc_of(cc: &str) -> Option<[u8; 2]> {
    cc.as_bytes().try_into().ok()
}

/// The series of buckets `[first, to)` (`width` hours each) that could
/// ever alert.
///
/// Two passes over the cells, a bucket at a time: the first finds the
/// keys whose sources ever reach the detector's floor (a few hundred among
/// hundreds of thousands, most of which are one scanner's one probe), the
/// second fills only their series. Memory stays that of one bucket plus
/// the candidates.
fn load_series(
    store: &dyn Store,
    config: &Config,
    width: i64,
    first: i64,
    to: i64,
) -> Result<Series, StoreError> {
    let cells_of = |bucket: i64| {
        store.cells(HourRange {
            from: bucket * width,
            to: (bucket + 1) * width,
        })
    };
    let floor = config.min_sources.min(config.new_port_min_sources);
    let mut candidates: std::collections::HashSet<SeriesKey> = Default::default();
    for bucket in first..to {
        for (key, point) in bucket_points(&cells_of(bucket)?) {
            if point.sources >= floor {
                candidates.insert(key);
            }
        }
    }
    let mut series = Series::new(first * width * NANOS_PER_HOUR);
    for bucket in first..to {
        let index = (bucket - first) as usize;
        for (key, point) in bucket_points(&cells_of(bucket)?) {
            if candidates.contains(&key) {
                series.set(key, index, point);
            }
        }
    }
    // Every candidate spans the whole window, zeros included.
    let len = (to - first) as usize;
    for points in series.points.values_mut() {
        points.resize(len, Point::default());
    }
    Ok(series)
}

/// The alert's series around it, its busiest sources while it was open,
/// and their fingerprints.
fn evidence(
    store: &dyn Store,
    series: &Series,
    bucket_ns: i64,
    alert: &Alert,
) -> Result<Evidence, StoreError> {
    let key = match &alert.subject {
        Subject::Port { proto, port } => port_key(proto, *port).map(SeriesKey::Port),
        Subject::Country { cc } => cc_of(cc).map(SeriesKey::Country),
    };
    let mut points = Vec::new();
    if let Some(values) = key.as_ref().and_then(|k| series.points.get(k)) {
        let first = series.first_ns / bucket_ns;
        let from = alert.started_ns / bucket_ns - EVIDENCE_LEAD;
        let to = alert.last_ns / bucket_ns + 1;
        for bucket in from.max(first)..to {
            if let Some(p) = values.get((bucket - first) as usize) {
                points.push(EvidencePoint {
                    at_ns: bucket * bucket_ns,
                    packets: p.packets,
                    sources: p.sources,
                });
            }
        }
    }
    let days = DayRange {
        from: alert.started_ns.div_euclid(24 * NANOS_PER_HOUR),
        to: alert.last_ns.div_euclid(24 * NANOS_PER_HOUR) + 1,
    };
    let query = match &alert.subject {
        Subject::Port { proto, port } => SourceQuery {
            port: port_key(proto, *port),
            // One country drives it: its sources first.
            cc: (alert.countries.len() == 1).then(|| alert.countries[0].clone()),
            exclude_research: true,
            ..SourceQuery::default()
        },
        Subject::Country { cc } => SourceQuery {
            cc: Some(cc.clone()),
            exclude_research: true,
            ..SourceQuery::default()
        },
    };
    let sources = store.top_sources(days, &query, 100)?;
    let mut mix: Vec<(String, u64)> = Tags::ALL
        .iter()
        .map(|&(tag, name)| {
            let n = sources.iter().filter(|s| s.tags.contains(tag)).count() as u64;
            (name.to_string(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let untagged = sources.iter().filter(|s| s.tags.is_empty()).count() as u64;
    if untagged > 0 {
        mix.push(("none".to_string(), untagged));
    }
    Ok(Evidence {
        series: points,
        top_sources: sources
            .iter()
            .take(EVIDENCE_SOURCES)
            .map(|s| EvidenceSource {
                addr: s.source.to_string(),
                cc: s.cc.clone(),
                asn: s.asn,
                packets: s.packets,
                tags: s.tags.iter().map(|(_, name)| name.to_string()).collect(),
            })
            .collect(),
        fingerprints: mix,
    })
}

fn port_key(proto: &str, port: u16) -> Option<PortKey> {
    let proto = match proto {
        "tcp" => hirundo_rollup::PortProto::Tcp,
        "udp" => hirundo_rollup::PortProto::Udp,
        _ => return None,
    };
    Some(PortKey::new(proto, port))
}
