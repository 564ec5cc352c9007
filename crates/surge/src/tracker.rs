//! From findings, bucket by bucket, to alerts: one per campaign where the
//! data allow, opened, updated while it grows, closed when it is over.

use std::collections::BTreeMap;

use hirundo_rollup::PortKey;

use crate::{Alert, AlertKind, AlertStatus, Config, Evidence, Finding, Grain, SeriesKey, Subject};

/// What one bucket changed. Each carries the alert as it now is.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new alert: a subject with no open alert has a finding.
    Opened(Alert),
    /// An open alert's peak bucket or list of countries changed. Buckets
    /// that only continue it do not count as changes (its `last_ns` moves
    /// on quietly), so a feed is not sent the same alert every hour.
    Updated(Alert),
    /// `quiet_to_close` buckets passed without a finding.
    Closed(Alert),
}

impl Change {
    pub fn alert(&self) -> &Alert {
        match self {
            Change::Opened(a) | Change::Updated(a) | Change::Closed(a) => a,
        }
    }
}

/// What an alert is kept under: its subject, in the series' own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Port(PortKey),
    Country([u8; 2]),
}

#[derive(Debug)]
struct Open {
    alert: Alert,
    /// Packets per country from the port × country findings, summed over
    /// the alert's buckets: the order of `alert.countries`.
    by_country: BTreeMap<[u8; 2], u64>,
}

/// Turns the findings of successive buckets of one grain into alerts.
///
/// Port and port × country findings on one (proto, port) make one port
/// alert, which names the countries whose cells surged. Country findings
/// make country alerts, except that a country named by an open port alert
/// raises none of its own: one campaign, one alert. An alert's numbers are
/// those of its peak, the bucket with the most packets.
#[derive(Debug)]
pub struct Tracker {
    config: Config,
    grain: Grain,
    bucket_ns: i64,
    open: BTreeMap<Target, Open>,
    last_bucket: Option<i64>,
}

/// The finding that speaks for a port in one bucket: the whole port's,
/// else the country cell with the most packets.
struct PortBucket<'a> {
    headline: &'a Finding,
    /// From the port × country findings.
    cells: Vec<([u8; 2], u64)>,
}

impl Tracker {
    pub fn new(config: Config, grain: Grain) -> Tracker {
        Tracker::with_bucket_ns(config, grain, grain.bucket_ns())
    }

    /// For buckets that are not the grain's usual width.
    pub(crate) fn with_bucket_ns(config: Config, grain: Grain, bucket_ns: i64) -> Tracker {
        Tracker {
            config,
            grain,
            bucket_ns: bucket_ns.max(1),
            open: BTreeMap::new(),
            last_bucket: None,
        }
    }

    /// All findings of one bucket (start time `bucket_ns`); returns what
    /// changed: alerts closed by the quiet before it, then alerts opened
    /// or updated by it (ports, then countries), then alerts whose quiet
    /// it completes. Buckets come in order, each once, including those
    /// with no finding (they are how alerts close); a bucket at or before
    /// one already seen is ignored. A skipped bucket counts as quiet.
    pub fn observe(&mut self, bucket_ns: i64, findings: &[(SeriesKey, Finding)]) -> Vec<Change> {
        if self.last_bucket.is_some_and(|last| bucket_ns <= last) {
            return Vec::new();
        }
        self.last_bucket = Some(bucket_ns);
        let q = i64::from(self.config.quiet_to_close);
        // Alerts whose quiet ran out in buckets the caller skipped: `gap - 1`
        // buckets lie between their last finding and this one.
        let mut changes = self.close_where(|gap| gap > q, bucket_ns);

        let (ports, countries) = group(findings);
        for (port, bucket) in &ports {
            changes.extend(self.continue_port(*port, bucket, bucket_ns));
        }
        for (cc, finding) in &countries {
            changes.extend(self.continue_country(*cc, finding, bucket_ns));
        }

        changes.extend(self.close_where(|gap| gap >= q, bucket_ns));
        changes
    }

    /// The alerts open after the last bucket observed.
    pub fn open(&self) -> impl Iterator<Item = &Alert> {
        self.open.values().map(|o| &o.alert)
    }

    fn continue_port(&mut self, port: PortKey, bucket: &PortBucket, at: i64) -> Option<Change> {
        let subject = Subject::Port {
            proto: port.proto.as_str().to_string(),
            port: port.port,
        };
        let max = self.config.max_countries;
        match self.open.get_mut(&Target::Port(port)) {
            Some(open) => {
                open.alert.last_ns = at;
                for &(cc, packets) in &bucket.cells {
                    *open.by_country.entry(cc).or_default() += packets;
                }
                let countries = ranked(&open.by_country, max);
                let peaked = bucket.headline.packets > open.alert.packets;
                if !peaked && countries == open.alert.countries {
                    return None;
                }
                open.alert.countries = countries;
                if peaked {
                    set_peak(&mut open.alert, bucket.headline);
                }
                open.alert.title = title(&open.alert);
                Some(Change::Updated(open.alert.clone()))
            }
            None => {
                let by_country: BTreeMap<[u8; 2], u64> = bucket.cells.iter().copied().collect();
                let mut alert = self.new_alert(subject, bucket.headline, at);
                alert.countries = ranked(&by_country, max);
                alert.title = title(&alert);
                self.open.insert(
                    Target::Port(port),
                    Open {
                        alert: alert.clone(),
                        by_country,
                    },
                );
                Some(Change::Opened(alert))
            }
        }
    }

    fn continue_country(&mut self, cc: [u8; 2], finding: &Finding, at: i64) -> Option<Change> {
        if let Some(open) = self.open.get_mut(&Target::Country(cc)) {
            open.alert.last_ns = at;
            if finding.packets <= open.alert.packets {
                return None;
            }
            set_peak(&mut open.alert, finding);
            open.alert.title = title(&open.alert);
            return Some(Change::Updated(open.alert.clone()));
        }
        let name = country(cc);
        let named_by_a_port = self
            .open
            .iter()
            .any(|(t, o)| matches!(t, Target::Port(_)) && o.alert.countries.contains(&name));
        if named_by_a_port {
            return None;
        }
        let mut alert = self.new_alert(Subject::Country { cc: name }, finding, at);
        alert.title = title(&alert);
        self.open.insert(
            Target::Country(cc),
            Open {
                alert: alert.clone(),
                by_country: BTreeMap::new(),
            },
        );
        Some(Change::Opened(alert))
    }

    fn new_alert(&self, subject: Subject, finding: &Finding, at: i64) -> Alert {
        let mut alert = Alert {
            id: 0,
            subject,
            kind: finding.kind,
            grain: self.grain,
            status: AlertStatus::Ongoing,
            title: String::new(),
            started_ns: at,
            last_ns: at,
            closed_ns: None,
            packets: 0,
            sources: 0,
            baseline: 0.0,
            score: 0.0,
            countries: Vec::new(),
            evidence: Evidence::default(),
            tlp: "TLP:AMBER".to_string(),
        };
        set_peak(&mut alert, finding);
        alert
    }

    /// Closes the open alerts whose buckets since their last finding
    /// (`gap`, in buckets) pass `test`, as of bucket `at`. An alert closes
    /// at the end of its last quiet bucket, whenever that is noticed.
    fn close_where(&mut self, test: impl Fn(i64) -> bool, at: i64) -> Vec<Change> {
        let width = self.bucket_ns;
        let quiet = i64::from(self.config.quiet_to_close);
        let done: Vec<Target> = self
            .open
            .iter()
            .filter(|(_, o)| {
                o.alert.last_ns < at && test(at.saturating_sub(o.alert.last_ns) / width)
            })
            .map(|(t, _)| *t)
            .collect();
        done.into_iter()
            .filter_map(|t| self.open.remove(&t))
            .map(|mut o| {
                o.alert.status = AlertStatus::Closed;
                let end = o
                    .alert
                    .last_ns
                    .saturating_add((quiet + 1).saturating_mul(width));
                o.alert.closed_ns = Some(end);
                Change::Closed(o.alert)
            })
            .collect()
    }
}

/// Sorts one bucket's findings into port buckets and country findings. A
/// key given twice keeps its finding with the most packets.
fn group(
    findings: &[(SeriesKey, Finding)],
) -> (
    BTreeMap<PortKey, PortBucket<'_>>,
    BTreeMap<[u8; 2], &Finding>,
) {
    let mut whole: BTreeMap<PortKey, &Finding> = BTreeMap::new();
    let mut cells: BTreeMap<PortKey, BTreeMap<[u8; 2], &Finding>> = BTreeMap::new();
    let mut countries: BTreeMap<[u8; 2], &Finding> = BTreeMap::new();
    fn keep<'a, K: Ord>(map: &mut BTreeMap<K, &'a Finding>, key: K, f: &'a Finding) {
        let slot = map.entry(key).or_insert(f);
        if f.packets > slot.packets {
            *slot = f;
        }
    }
    for (key, f) in findings {
        match *key {
            SeriesKey::Port(port) => keep(&mut whole, port, f),
            SeriesKey::PortCountry(port, cc) => keep(cells.entry(port).or_default(), cc, f),
            SeriesKey::Country(cc) => keep(&mut countries, cc, f),
        }
    }
    let mut ports = BTreeMap::new();
    for port in whole.keys().chain(cells.keys()) {
        if ports.contains_key(port) {
            continue;
        }
        let port_cells = cells.get(port);
        let list: Vec<([u8; 2], u64)> = port_cells
            .map(|c| c.iter().map(|(cc, f)| (*cc, f.packets)).collect())
            .unwrap_or_default();
        // The busiest cell, the first country on ties.
        let busiest = port_cells.and_then(|c| c.values().rev().max_by_key(|f| f.packets).copied());
        let headline = match (whole.get(port), busiest) {
            (Some(f), _) => *f,
            (None, Some(f)) => f,
            (None, None) => continue,
        };
        ports.insert(
            *port,
            PortBucket {
                headline,
                cells: list,
            },
        );
    }
    (ports, countries)
}

fn set_peak(alert: &mut Alert, f: &Finding) {
    alert.packets = f.packets;
    alert.sources = f.sources;
    alert.baseline = f.baseline;
    alert.score = f.score;
}

/// Countries by packets, most first, then by name; at most `max`.
fn ranked(by_country: &BTreeMap<[u8; 2], u64>, max: usize) -> Vec<String> {
    let mut list: Vec<(&[u8; 2], &u64)> = by_country.iter().collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    list.into_iter()
        .take(max)
        .map(|(cc, _)| country(*cc))
        .collect()
}

fn country(cc: [u8; 2]) -> String {
    String::from_utf8_lossy(&cc).into_owned()
}

/// "Surge of scans to 8728/tcp from BR: 37 sources, 12.4× the baseline",
/// "New port scanned: 8728/tcp by 37 sources", "Surge of scans from BR:
/// 420 sources, 3.2× the baseline".
pub(crate) fn title(alert: &Alert) -> String {
    let from = match alert.countries.as_slice() {
        [] => String::new(),
        [one] => format!(" from {one}"),
        [one, two] => format!(" from {one} and {two}"),
        [one, two, ..] => format!(" from {one}, {two} and others"),
    };
    let size = if alert.baseline >= 1.0 {
        let ratio = alert.packets as f64 / alert.baseline;
        format!("{} sources, {ratio:.1}× the baseline", alert.sources)
    } else {
        format!(
            "{} sources, {} packets where there were almost none",
            alert.sources, alert.packets
        )
    };
    match (&alert.subject, alert.kind) {
        (Subject::Port { .. }, AlertKind::NewPort) => format!(
            "New port scanned: {} by {} sources{from}",
            alert.subject.label(),
            alert.sources
        ),
        (Subject::Port { .. }, AlertKind::Surge) => {
            format!("Surge of scans to {}{from}: {size}", alert.subject.label())
        }
        (Subject::Country { cc }, _) => format!("Surge of scans from {cc}: {size}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_rollup::PortProto;

    const HOUR: i64 = 3_600_000_000_000;
    const WINBOX: PortKey = PortKey {
        proto: PortProto::Tcp,
        port: 8728,
    };

    fn surge(packets: u64, sources: u64, baseline: f64) -> Finding {
        Finding {
            kind: AlertKind::Surge,
            packets,
            sources,
            baseline,
            score: (packets as f64 - baseline) / baseline.sqrt().max(1.0),
        }
    }

    /// Feeds hours `0..hours`, with `findings(h)` at each; returns every
    /// change.
    fn run(
        tracker: &mut Tracker,
        hours: i64,
        findings: impl Fn(i64) -> Vec<(SeriesKey, Finding)>,
    ) -> Vec<Change> {
        (0..hours)
            .flat_map(|h| tracker.observe(h * HOUR, &findings(h)))
            .collect()
    }

    fn kinds(changes: &[Change]) -> Vec<(&'static str, String, i64)> {
        changes
            .iter()
            .map(|c| {
                let name = match c {
                    Change::Opened(_) => "opened",
                    Change::Updated(_) => "updated",
                    Change::Closed(_) => "closed",
                };
                (name, c.alert().subject.label(), c.alert().last_ns / HOUR)
            })
            .collect()
    }

    #[test]
    fn a_six_hour_campaign_is_one_alert_opened_then_closed() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let changes = run(&mut tracker, 48, |h| {
            if (10..16).contains(&h) {
                // Port and cell both fire; the peak is at hour 12.
                let packets = if h == 12 { 300 } else { 200 };
                vec![
                    (SeriesKey::Port(WINBOX), surge(packets, 40, 6.0)),
                    (
                        SeriesKey::PortCountry(WINBOX, *b"BR"),
                        surge(packets - 10, 38, 0.0),
                    ),
                ]
            } else {
                Vec::new()
            }
        });
        assert_eq!(
            kinds(&changes),
            vec![
                ("opened", "8728/tcp".to_string(), 10),
                ("updated", "8728/tcp".to_string(), 12),
                ("closed", "8728/tcp".to_string(), 15),
            ]
        );
        let Change::Closed(alert) = &changes[2] else {
            unreachable!()
        };
        assert_eq!(alert.status, AlertStatus::Closed);
        assert_eq!((alert.started_ns, alert.last_ns), (10 * HOUR, 15 * HOUR));
        // Twelve quiet hours, 16 to 27: closed at the end of hour 27.
        assert_eq!(alert.closed_ns, Some(28 * HOUR));
        assert_eq!(
            (alert.packets, alert.sources, alert.baseline),
            (300, 40, 6.0)
        );
        assert_eq!(alert.countries, vec!["BR"]);
        assert_eq!(alert.tlp, "TLP:AMBER");
        assert_eq!(alert.id, 0);
        assert_eq!(
            alert.title,
            "Surge of scans to 8728/tcp from BR: 40 sources, 50.0× the baseline"
        );
        assert_eq!(tracker.open().count(), 0);
    }

    #[test]
    fn a_campaign_that_pauses_less_than_the_quiet_period_stays_one_alert() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let active = |h: i64| (5..8).contains(&h) || (18..20).contains(&h);
        let changes = run(&mut tracker, 60, |h| {
            if active(h) {
                vec![(SeriesKey::Port(WINBOX), surge(100, 30, 4.0))]
            } else {
                Vec::new()
            }
        });
        // Ten quiet hours (8 to 17) are fewer than twelve.
        assert_eq!(
            kinds(&changes),
            vec![
                ("opened", "8728/tcp".to_string(), 5),
                ("closed", "8728/tcp".to_string(), 19),
            ]
        );
    }

    #[test]
    fn two_campaigns_three_days_apart_are_two_alerts() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let changes = run(&mut tracker, 200, |h| {
            if (20..26).contains(&h) || (92..98).contains(&h) {
                vec![(SeriesKey::Port(WINBOX), surge(150, 40, 5.0))]
            } else {
                Vec::new()
            }
        });
        assert_eq!(
            kinds(&changes),
            vec![
                ("opened", "8728/tcp".to_string(), 20),
                ("closed", "8728/tcp".to_string(), 25),
                ("opened", "8728/tcp".to_string(), 92),
                ("closed", "8728/tcp".to_string(), 97),
            ]
        );
        assert_eq!(changes[2].alert().started_ns, 92 * HOUR);
    }

    #[test]
    fn a_country_named_by_a_port_alert_raises_no_alert_of_its_own() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let changes = run(&mut tracker, 4, |h| {
            let mut f = vec![
                (SeriesKey::Country(*b"BR"), surge(900, 200, 200.0)),
                (SeriesKey::Country(*b"VN"), surge(800, 150, 100.0)),
            ];
            if h >= 1 {
                f.push((SeriesKey::PortCountry(WINBOX, *b"BR"), surge(500, 40, 1.0)));
            }
            f
        });
        // VN has no port alert; BR opened its own at hour 0, before the
        // port named it, and keeps it.
        assert_eq!(
            kinds(&changes),
            vec![
                ("opened", "country BR".to_string(), 0),
                ("opened", "country VN".to_string(), 0),
                ("opened", "8728/tcp".to_string(), 1),
            ]
        );

        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let changes = run(&mut tracker, 30, |h| {
            let mut f = Vec::new();
            if (0..3).contains(&h) {
                f.push((SeriesKey::PortCountry(WINBOX, *b"BR"), surge(500, 40, 1.0)));
            }
            if (0..4).contains(&h) {
                f.push((SeriesKey::Country(*b"BR"), surge(900, 200, 200.0)));
            }
            f
        });
        // Same bucket: one alert. The country goes on one hour longer, but
        // the port alert is still open and names it.
        assert_eq!(
            kinds(&changes),
            vec![
                ("opened", "8728/tcp".to_string(), 0),
                ("closed", "8728/tcp".to_string(), 2),
            ]
        );
        assert_eq!(
            changes[0].alert().title,
            "Surge of scans to 8728/tcp from BR: 40 sources, 500.0× the baseline"
        );
    }

    #[test]
    fn countries_are_listed_by_packets_and_changes_update_the_alert() {
        let config = Config {
            max_countries: 2,
            ..Config::hourly()
        };
        let mut tracker = Tracker::new(config, Grain::Hour);
        let changes = run(&mut tracker, 3, |h| {
            let cell = |cc: &[u8; 2], p| (SeriesKey::PortCountry(WINBOX, *cc), surge(p, 20, 0.0));
            match h {
                0 => vec![cell(b"BR", 100), cell(b"AR", 60)],
                1 => vec![cell(b"AR", 60), cell(b"CL", 90)],
                _ => vec![cell(b"CL", 50)],
            }
        });
        let countries: Vec<Vec<String>> = changes
            .iter()
            .map(|c| c.alert().countries.clone())
            .collect();
        // AR 120 overtakes BR 100 at hour 1; CL 140 overtakes both at 2.
        assert_eq!(
            countries,
            vec![vec!["BR", "AR"], vec!["AR", "BR"], vec!["CL", "AR"]]
        );
        let alert = tracker.open().next().unwrap();
        // The peak is the busiest cell of any bucket: BR's 100 at hour 0.
        assert_eq!((alert.packets, alert.last_ns), (100, 2 * HOUR));
        assert_eq!(
            alert.title,
            "Surge of scans to 8728/tcp from CL and AR: 20 sources, 100 packets where there were almost none"
        );
    }

    #[test]
    fn new_port_and_country_titles() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let new_port = Finding {
            kind: AlertKind::NewPort,
            ..surge(45, 37, 0.0)
        };
        let changes = tracker.observe(
            0,
            &[
                (
                    SeriesKey::Port(PortKey::new(PortProto::Udp, 3702)),
                    new_port,
                ),
                (SeriesKey::Country(*b"VN"), surge(1_240, 420, 100.0)),
            ],
        );
        let titles: Vec<&str> = changes.iter().map(|c| c.alert().title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "New port scanned: 3702/udp by 37 sources",
                "Surge of scans from VN: 420 sources, 12.4× the baseline",
            ]
        );
        assert_eq!(changes[0].alert().kind, AlertKind::NewPort);
        assert_eq!(changes[1].alert().grain, Grain::Hour);
    }

    #[test]
    fn skipped_buckets_count_as_quiet_and_old_buckets_are_ignored() {
        let mut tracker = Tracker::new(Config::hourly(), Grain::Hour);
        let f = [(SeriesKey::Port(WINBOX), surge(150, 40, 5.0))];
        assert_eq!(
            kinds(&tracker.observe(0, &f)),
            vec![("opened", "8728/tcp".into(), 0)]
        );
        // Hour 0 again, and an earlier one: ignored.
        assert!(tracker.observe(0, &f).is_empty());
        assert!(tracker.observe(-HOUR, &[]).is_empty());
        // The next call is at hour 13, with a finding: hours 1 to 12 were
        // quiet, so the old alert closed and this is a new one.
        let changes = tracker.observe(13 * HOUR, &f);
        assert_eq!(
            kinds(&changes),
            vec![
                ("closed", "8728/tcp".to_string(), 0),
                ("opened", "8728/tcp".to_string(), 13),
            ]
        );
        assert_eq!(changes[0].alert().closed_ns, Some(13 * HOUR));
        // Hour 25 without a finding completes the quiet of the new one.
        assert_eq!(
            kinds(&tracker.observe(25 * HOUR, &[])),
            vec![("closed", "8728/tcp".to_string(), 13)]
        );
    }

    #[test]
    fn daily_alerts_close_after_two_quiet_days() {
        let day = Grain::Day.bucket_ns();
        let mut tracker = Tracker::new(Config::daily(), Grain::Day);
        let f = [(SeriesKey::Port(WINBOX), surge(1_500, 60, 40.0))];
        assert_eq!(tracker.observe(0, &f).len(), 1);
        assert!(tracker.observe(day, &[]).is_empty());
        let closed = tracker.observe(2 * day, &[]);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].alert().closed_ns, Some(3 * day));
        assert_eq!(closed[0].alert().grain, Grain::Day);
    }
}
