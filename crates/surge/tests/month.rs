//! A month of simulated darknet series, with and without injected
//! campaigns: the detector's precision, recall and delay, and how many
//! alerts normal traffic raises.
//!
//! The background follows what a telescope sees: a few popular ports with
//! hundreds of sources an hour, a few hundred ports with a handful, and a
//! long tail of ports that get a packet or three from one random scanner
//! an hour; a daily swing of ±30%, day-to-day drift, heavy-tailed packets
//! per source, and now and then one source that floods a port.

use std::collections::{BTreeMap, HashMap};

use hirundo_rollup::{PortKey, PortProto};
use hirundo_surge::{scan, Change, Config, Grain, Point, Series, SeriesKey, Subject};

const HOUR: i64 = 3_600_000_000_000;
const DAY: i64 = 24 * HOUR;
const HOURS: usize = 720;

/// SplitMix64: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
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

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
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
        (mean + self.normal() * mean.sqrt()).round().max(0.0) as u64
    }

    /// Packets one background source sends to one port in an hour: mostly
    /// one to three, sometimes tens.
    fn packets_per_source(&mut self) -> u64 {
        if self.uniform() < 0.05 {
            10 + self.below(40) as u64
        } else {
            1 + self.below(3) as u64
        }
    }
}

/// Source countries, busiest first (Zipf weights).
const COUNTRIES: [&[u8; 2]; 40] = [
    b"CN", b"US", b"BR", b"IN", b"RU", b"VN", b"KR", b"TW", b"ID", b"DE", b"NL", b"FR", b"GB",
    b"TH", b"MX", b"AR", b"IR", b"TR", b"EG", b"PK", b"JP", b"UA", b"IT", b"PH", b"BD", b"CO",
    b"ZA", b"PL", b"RO", b"CL", b"SG", b"HK", b"ES", b"CA", b"MA", b"VE", b"PE", b"KZ", b"NG",
    b"BG",
];

const TCP: PortProto = PortProto::Tcp;

struct Campaign {
    port: PortKey,
    cc: [u8; 2],
    start: usize,
    hours: usize,
    sources: u64,
    /// Share of the sources active in the first hour: campaigns ramp up.
    first_hour: f64,
}

/// The series of one month, hourly and daily.
struct Month {
    hourly: Series,
    daily: Series,
}

/// One bucket's counts: (port, country) cells, and countries. A source
/// has one country but may scan many ports, so a country's distinct
/// sources are not the sum of its cells' (a port's are).
#[derive(Default)]
struct Bucket {
    cells: HashMap<(PortKey, [u8; 2]), Point>,
    countries: HashMap<[u8; 2], Point>,
}

impl Bucket {
    /// `packets` from `cell_sources` new to the cell, of which
    /// `country_sources` are new to the country.
    fn count(
        &mut self,
        key: (PortKey, [u8; 2]),
        packets: u64,
        cell_sources: u64,
        country_sources: u64,
    ) {
        let cell = self.cells.entry(key).or_default();
        cell.packets += packets;
        cell.sources += cell_sources;
        let country = self.countries.entry(key.1).or_default();
        country.packets += packets;
        country.sources += country_sources;
    }

    fn merge(&mut self, other: &Bucket, busy: impl Fn(PortKey) -> bool) {
        // A day's distinct sources are fewer than its hours' sum: busy
        // ports' bots scan all day, and are counted a third.
        for (&key, p) in &other.cells {
            let sources = if busy(key.0) {
                p.sources.div_ceil(3)
            } else {
                p.sources
            };
            self.count(key, p.packets, sources, 0);
        }
        for (&cc, p) in &other.countries {
            let c = self.countries.entry(cc).or_default();
            c.sources += p.sources.div_ceil(2);
        }
    }

    fn write(&self, series: &mut Series, index: usize) {
        for (&(port, cc), &point) in &self.cells {
            series.add(SeriesKey::PortCountry(port, cc), index, point);
            series.add(SeriesKey::Port(port), index, point);
        }
        for (&cc, &point) in &self.countries {
            series.set(SeriesKey::Country(cc), index, point);
        }
    }
}

struct World {
    /// Popular and middling ports: mean sources per hour.
    ports: Vec<(PortKey, f64)>,
    /// Long-tail ports, hit by the random scanners.
    tail: Vec<PortKey>,
    /// Cumulative country weights.
    cumulative: Vec<f64>,
}

impl World {
    fn new(tail_ports: usize) -> World {
        let popular = [
            23u16, 22, 80, 445, 443, 8080, 3389, 2323, 81, 5555, 6379, 1433,
        ];
        let mut ports: Vec<(PortKey, f64)> = popular
            .iter()
            .enumerate()
            .map(|(i, &p)| (PortKey::new(TCP, p), 500.0 / (i as f64 + 1.0).powf(0.9)))
            .collect();
        // Three hundred middling ports from 30 down to 0.2 sources an hour.
        for i in 0..300u16 {
            let mean = 30.0 / (f64::from(i) + 1.0).powf(0.9);
            ports.push((PortKey::new(TCP, 10_000 + i), mean.max(0.2)));
        }
        let tail = (0..tail_ports)
            .map(|i| {
                PortKey::new(
                    if i % 2 == 0 { TCP } else { PortProto::Udp },
                    20_000 + (i / 2) as u16,
                )
            })
            .collect();
        let mut total = 0.0;
        let cumulative = (0..COUNTRIES.len())
            .map(|i| {
                total += 1.0 / (i as f64 + 1.0);
                total
            })
            .collect();
        World {
            ports,
            tail,
            cumulative,
        }
    }

    fn country(&self, rng: &mut Rng) -> [u8; 2] {
        let x = rng.uniform() * self.cumulative[self.cumulative.len() - 1];
        let i = self.cumulative.partition_point(|&c| c < x);
        *COUNTRIES[i.min(COUNTRIES.len() - 1)]
    }

    fn simulate(&self, seed: u64, campaigns: &[Campaign]) -> Month {
        let mut rng = Rng(seed);
        let mut hourly = Series::new(0);
        let mut daily = Series::new(0);
        // Day-to-day drift of each port's population.
        let drift: Vec<Vec<f64>> = self
            .ports
            .iter()
            .map(|_| {
                (0..HOURS / 24)
                    .map(|_| (0.15 * rng.normal()).exp())
                    .collect()
            })
            .collect();
        let busy = |port: PortKey| self.ports.iter().any(|&(p, m)| p == port && m > 20.0);
        let mut day = Bucket::default();
        let mut day_campaigns = Bucket::default();
        for h in 0..HOURS {
            let swing = 1.0 + 0.3 * (h as f64 / 24.0 * std::f64::consts::TAU).sin();
            let mut hour = Bucket::default();
            for (i, &(port, mean)) in self.ports.iter().enumerate() {
                let n = rng.poisson(mean * swing * drift[i][h / 24]);
                for _ in 0..n {
                    let packets = rng.packets_per_source();
                    hour.count((port, self.country(&mut rng)), packets, 1, 1);
                }
                // Now and then one source floods a busy port.
                if mean > 5.0 && rng.uniform() < 0.02 {
                    let packets = 5_000 + rng.below(15_000) as u64;
                    hour.count((port, self.country(&mut rng)), packets, 1, 1);
                }
            }
            // One random scanner an hour over a quarter of the tail, and
            // another, rarer one that sweeps it all with one packet a port.
            let cc = if rng.uniform() < 0.5 { *b"US" } else { *b"NL" };
            let mut first = 1;
            for port in &self.tail {
                if rng.uniform() < 0.25 {
                    hour.count((*port, cc), 1 + rng.below(3) as u64, 1, first);
                    first = 0;
                }
            }
            if rng.uniform() < 0.05 {
                let cc = if rng.uniform() < 0.5 { *b"NL" } else { *b"US" };
                for (i, port) in self.tail.iter().enumerate() {
                    hour.count((*port, cc), 1, 1, u64::from(i == 0));
                }
            }
            // Campaign sources are the same all day: a day counts each
            // once, not once an hour as the background's.
            day.merge(&hour, busy);
            for c in campaigns {
                if (c.start..c.start + c.hours).contains(&h) {
                    let share = if h == c.start { c.first_hour } else { 1.0 };
                    let active = (c.sources as f64 * share).round() as u64;
                    let packets = (0..active).map(|_| 2 + rng.below(5) as u64).sum();
                    hour.count((c.port, c.cc), packets, active, active);
                    let seen = day_campaigns
                        .cells
                        .get(&(c.port, c.cc))
                        .map_or(0, |p| p.sources);
                    let new = active.saturating_sub(seen);
                    day_campaigns.count((c.port, c.cc), packets, new, new);
                }
            }
            hour.write(&mut hourly, h);
            if h % 24 == 23 {
                let mut today = std::mem::take(&mut day);
                for (&key, p) in &std::mem::take(&mut day_campaigns).cells {
                    today.count(key, p.packets, p.sources, p.sources);
                }
                today.write(&mut daily, h / 24);
            }
        }
        Month { hourly, daily }
    }
}

fn campaigns(world: &World, seed: u64) -> Vec<Campaign> {
    let mut rng = Rng(seed ^ 0xC0FFEE);
    (0..10)
        .map(|i| {
            let port = match i % 4 {
                // A middling port, a tail port, a port nobody scans.
                0 | 1 => world.ports[12 + rng.below(300)].0,
                2 => world.tail[rng.below(world.tail.len())],
                _ => PortKey::new(TCP, 8728 + i as u16),
            };
            Campaign {
                port,
                cc: *COUNTRIES[rng.below(20)],
                // From day 2, 66 hours apart: no two overlap.
                // After the week of warm-up (`Config::hourly().min_history`).
                start: 170 + i * 50 + rng.below(24),
                hours: 3 + rng.below(40),
                sources: 30 + rng.below(31) as u64,
                first_hour: 0.3 + 0.7 * rng.uniform(),
            }
        })
        .collect()
}

/// Alerts opened, by subject and start.
fn opened(changes: &[Change]) -> Vec<(Subject, i64)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Opened(a) => Some((a.subject.clone(), a.started_ns)),
            _ => None,
        })
        .collect()
}

fn matches(campaign: &Campaign, subject: &Subject, started_ns: i64, width: i64) -> bool {
    let start = campaign.start as i64 * HOUR;
    let end = (campaign.start + campaign.hours) as i64 * HOUR;
    let in_time = started_ns + width > start && started_ns < end;
    let about = match subject {
        Subject::Port { proto, port } => {
            *port == campaign.port.port && proto == campaign.port.proto.as_str()
        }
        Subject::Country { cc } => cc.as_bytes() == campaign.cc,
    };
    in_time && about
}

struct Score {
    alerts: usize,
    true_alerts: usize,
    found_in_time: usize,
}

fn score(changes: &[Change], campaigns: &[Campaign], width: i64, deadline: i64) -> Score {
    let alerts = opened(changes);
    let true_alerts = alerts
        .iter()
        .filter(|(s, t)| campaigns.iter().any(|c| matches(c, s, *t, width)))
        .count();
    let found_in_time = campaigns
        .iter()
        .filter(|c| {
            alerts
                .iter()
                .any(|(s, t)| matches(c, s, *t, width) && *t <= c.start as i64 * HOUR + deadline)
        })
        .count();
    for c in changes {
        if let Change::Opened(a) = c {
            if !campaigns
                .iter()
                .any(|c| matches(c, &a.subject, a.started_ns, width))
            {
                eprintln!(
                    "  false alert at hour {}: {} {:?} {} {}",
                    a.started_ns / HOUR,
                    a.title,
                    a.countries,
                    a.baseline,
                    a.score
                );
            }
        }
    }
    Score {
        alerts: alerts.len(),
        true_alerts,
        found_in_time,
    }
}

fn run_month(seed: u64, tail_ports: usize) {
    let world = World::new(tail_ports);
    let injected = campaigns(&world, seed);
    let month = world.simulate(seed, &injected);
    let control = world.simulate(seed, &[]);
    let keys = month.hourly.points.len();

    let started = std::time::Instant::now();
    let hourly = scan(
        &Config::hourly(),
        Grain::Hour,
        &month.hourly,
        HOUR,
        0,
        HOURS as i64 * HOUR,
    );
    let took = started.elapsed().as_secs_f64();
    let s = score(&hourly, &injected, HOUR, HOUR);
    eprintln!(
        "seed {seed}, {keys} series (hourly scan {took:.2} s): {} alerts, {} true, {}/10 campaigns within 2 hours",
        s.alerts, s.true_alerts, s.found_in_time
    );
    let precision = s.true_alerts as f64 / s.alerts.max(1) as f64;
    assert!(precision >= 0.9, "hourly precision {precision}");
    assert!(s.found_in_time >= 9, "hourly recall {}/10", s.found_in_time);

    let daily = scan(&Config::daily(), Grain::Day, &month.daily, DAY, 0, 30 * DAY);
    let d = score(&daily, &injected, DAY, 30 * DAY);
    eprintln!("  daily {} alerts, {} true", d.alerts, d.true_alerts);
    assert!(
        d.true_alerts as f64 >= 0.9 * d.alerts as f64,
        "daily precision"
    );

    let quiet = scan(
        &Config::hourly(),
        Grain::Hour,
        &control.hourly,
        HOUR,
        0,
        HOURS as i64 * HOUR,
    );
    let quiet_daily = scan(
        &Config::daily(),
        Grain::Day,
        &control.daily,
        DAY,
        0,
        30 * DAY,
    );
    let (q, qd) = (opened(&quiet), opened(&quiet_daily));
    eprintln!(
        "  control: {} hourly alerts, {} daily: {q:?} {qd:?}",
        q.len(),
        qd.len()
    );
    assert!(q.len() + qd.len() <= 1, "control month: {q:?} {qd:?}");
}

#[test]
fn a_month_with_ten_campaigns_and_a_month_without() {
    for seed in [1, 2] {
        run_month(seed, 2_000);
    }
}

/// The full size of the brief (about 70 000 series); slow in a debug
/// build: `cargo test --release -p hirundo-surge -- --ignored`.
#[test]
#[ignore]
fn a_month_at_full_size() {
    for seed in 10..20 {
        run_month(seed, 20_000);
    }
}

#[test]
fn keys_are_what_the_collector_builds() {
    let world = World::new(10);
    let month = world.simulate(5, &[]);
    let families: BTreeMap<&str, usize> =
        month
            .hourly
            .points
            .keys()
            .fold(BTreeMap::new(), |mut m, k| {
                let family = match k {
                    SeriesKey::Port(_) => "port",
                    SeriesKey::Country(_) => "country",
                    SeriesKey::PortCountry(..) => "port-country",
                };
                *m.entry(family).or_default() += 1;
                m
            });
    assert_eq!(families["port"], 312 + 10);
    assert_eq!(families["country"], COUNTRIES.len());
    assert!(families["port-country"] > 2_000);
}
