//! Times `SqliteStore::commit_segment` on big roll-ups, in a file store
//! with the production settings (WAL, `synchronous=FULL`).
//!
//! ```text
//! cargo run --release -p hirundo-store --example commit_bench [packets] [dir]
//! ```
//!
//! Two roll-ups: one built from simulated traffic (`packets` packets over
//! 3 days, 2,000,000 by default) the way the collector builds it, and a
//! synthetic worst case with a million port-hour rows. Each is committed
//! three times: by sensor A (every row new), by sensor B (hour rows new,
//! every source-day merged) and by A again (every row an update). Then the
//! same simulated traffic cut into 20 and into 200 segments, committed one
//! after the other as a sensor would upload them: the steady state, where
//! most rows of a segment merge into rows earlier segments wrote, and each
//! commit pays its fsync. `dir` (default: a
//! temporary directory) lets the file sit on the disk the collector would
//! use.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Instant;

use hirundo_fingerprint::Tags;
use hirundo_packet::LinkType;
use hirundo_rollup::{
    AsnHour, CountryHour, HourCounts, PortHour, PortKey, Rollup, RollupBuilder, SourceDay,
};
use hirundo_simulate::{Generator, SimConfig, DEFAULT_START_NS};
use hirundo_store::{
    DayRange, Filter, HourRange, NetworkType, NewSegment, NewSensor, SqliteStore, Store,
    StoreError, TokenHash,
};
use hirundo_summary::Outcome;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let packets: u64 = args.next().map_or(Ok(2_000_000), |a| a.parse())?;
    let dir = args.next();
    let tmp = tempfile::tempdir()?;
    let dir = dir.as_deref().map_or(tmp.path(), Path::new);

    let started = Instant::now();
    let (whole, cuts) = simulated(packets, &[20, 200])?;
    println!(
        "simulated: {packets} packets rolled up in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    run("simulated", &dir.join("simulated.db"), &whole)?;
    run("synthetic", &dir.join("synthetic.db"), &synthetic())?;
    for (i, segments) in cuts.iter().enumerate() {
        steady(&dir.join(format!("steady{i}.db")), segments)?;
    }
    Ok(())
}

/// The simulated traffic as one roll-up, and cut into each of `cuts`
/// segments.
#[allow(clippy::type_complexity)]
fn simulated(
    packets: u64,
    cuts: &[u64],
) -> Result<(Rollup, Vec<Vec<Rollup>>), Box<dyn std::error::Error>> {
    let config = SimConfig {
        packets,
        days: 3,
        ..SimConfig::default()
    };
    let mut generator = Generator::new(&config)?;
    let mut whole = RollupBuilder::new(None);
    let mut open: Vec<RollupBuilder> = cuts.iter().map(|_| RollupBuilder::new(None)).collect();
    let mut done: Vec<Vec<Rollup>> = cuts.iter().map(|_| Vec::new()).collect();
    while let Some(frame) = generator.next_frame() {
        let decoded = hirundo_packet::decode(LinkType::ETHERNET, frame.data);
        let outcome = Outcome::of(&decoded);
        whole.record(frame.ts_ns, frame.data.len() as u32, outcome);
        for ((part, parts), &n) in open.iter_mut().zip(&mut done).zip(cuts) {
            part.record(frame.ts_ns, frame.data.len() as u32, outcome);
            if part.packets() == packets.div_ceil(n) {
                parts.push(std::mem::take(part).finish());
            }
        }
    }
    for (part, parts) in open.into_iter().zip(&mut done) {
        if part.packets() > 0 {
            parts.push(part.finish());
        }
    }
    Ok((whole.finish(), done))
}

/// Commits `segments` one after the other, as one sensor uploads them.
fn steady(path: &Path, segments: &[Rollup]) -> Result<(), Box<dyn std::error::Error>> {
    let store = SqliteStore::open(path)?;
    let sensor = NewSensor {
        name: "a".into(),
        country: "BR".into(),
        network_type: NetworkType::Campus,
        addresses: vec![],
    };
    let sensor = store.add_sensor(&sensor, &TokenHash([0; 32]))?.id;
    let (started, cpu) = (Instant::now(), cpu_ms());
    let mut slowest = 0f64;
    for (seq, rollup) in segments.iter().enumerate() {
        let segment = NewSegment {
            sensor,
            seq: seq as u64,
            sha256: [0; 32],
            size: 1,
            received_ns: 0,
            archive: String::new(),
        };
        let one = Instant::now();
        store.commit_segment(&segment, rollup)?;
        slowest = slowest.max(one.elapsed().as_secs_f64());
    }
    let secs = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(path)?.len()
        + std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
    let packets: u64 = segments.iter().map(|r| r.packets).sum();
    let rows: usize = segments.iter().map(rows).sum();
    println!(
        "steady: {} segments of {} packets, {rows} rows: {:.1} ms ({} ms CPU), \
         {:.1} ms per segment (slowest {:.1} ms), {:.0} rows/s, {:.0} packets/s; \
         file and WAL {:.1} MB",
        segments.len(),
        packets / segments.len() as u64,
        secs * 1e3,
        cpu_ms() - cpu,
        secs * 1e3 / segments.len() as f64,
        slowest * 1e3,
        rows as f64 / secs,
        packets as f64 / secs,
        size as f64 / 1e6
    );
    Ok(())
}

fn rows(r: &Rollup) -> usize {
    1 + r.hours.len() + r.ports.len() + r.countries.len() + r.asns.len() + r.sources.len()
}

fn run(label: &str, path: &Path, rollup: &Rollup) -> Result<(), Box<dyn std::error::Error>> {
    let store = SqliteStore::open(path)?;
    let mut ids = Vec::new();
    for (i, name) in ["a", "b"].into_iter().enumerate() {
        let sensor = NewSensor {
            name: name.into(),
            country: "BR".into(),
            network_type: NetworkType::Campus,
            addresses: vec![],
        };
        ids.push(store.add_sensor(&sensor, &TokenHash([i as u8; 32]))?.id);
    }
    let n = rows(rollup);
    println!(
        "{label}: {} packets; {n} rows: {} hours, {} port-hours, {} country-hours, \
         {} AS-hours, {} source-days",
        rollup.packets,
        rollup.hours.len(),
        rollup.ports.len(),
        rollup.countries.len(),
        rollup.asns.len(),
        rollup.sources.len()
    );
    for (what, sensor, seq) in [
        ("new rows", ids[0], 1),
        ("second sensor", ids[1], 1),
        ("all updates", ids[0], 2),
    ] {
        let segment = NewSegment {
            sensor,
            seq,
            sha256: [seq as u8; 32],
            size: 1,
            received_ns: 0,
            archive: String::new(),
        };
        let (started, cpu) = (Instant::now(), cpu_ms());
        store.commit_segment(&segment, rollup)?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {what:>13}: {:7.1} ms ({:5} ms CPU), {:>10.0} rows/s, {:>10.0} packets/s",
            secs * 1e3,
            cpu_ms() - cpu,
            n as f64 / secs,
            rollup.packets as f64 / secs
        );
    }
    let size = std::fs::metadata(path)?.len()
        + std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
    println!("  file and WAL: {:.1} MB", size as f64 / 1e6);
    reads(&store, rollup)?;
    Ok(())
}

/// Times the views the dashboard draws, over all three days and over the
/// first hour.
fn reads(store: &SqliteStore, rollup: &Rollup) -> Result<(), Box<dyn std::error::Error>> {
    let first = rollup.hours.first().map_or(0, |h| h.hour);
    for (label, hours) in [
        ("all hours", HourRange::ALL),
        (
            "one hour",
            HourRange {
                from: first,
                to: first + 1,
            },
        ),
    ] {
        let filter = Filter::hours(hours);
        let mut line = format!("  reads, {label}:");
        let mut time = |what: &str, f: &mut dyn FnMut() -> Result<(), StoreError>| {
            let started = Instant::now();
            let result = f();
            line += &format!(" {what} {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
            result
        };
        time("totals", &mut || store.totals(&filter).map(drop))?;
        time("hours", &mut || store.hours(&filter).map(drop))?;
        time("top 20 ports", &mut || {
            store.ports(&filter, Some(20)).map(drop)
        })?;
        time("top 20 ASes", &mut || {
            store.asns(&filter, Some(20)).map(drop)
        })?;
        if hours == HourRange::ALL {
            time("top 100 source-days", &mut || {
                store.source_days(DayRange::ALL, Some(100)).map(drop)
            })?;
        }
        println!("{line}");
    }
    Ok(())
}

/// CPU time of this process so far, in milliseconds (10 ms resolution),
/// or 0 where `/proc` has no stat: wall time alone misleads on a shared
/// machine.
fn cpu_ms() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the command name, which is in parentheses and may
    // contain spaces: utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    ticks * 10
}

/// splitmix64: enough randomness for a benchmark, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 72 hours with 14,000 ports each (a million port-hours), 200 countries
/// and 2,000 ASes each, and 50,000 IPv4 sources a day: the worst a
/// 2-million-packet segment of 3 days could bring.
fn synthetic() -> Rollup {
    let mut rng = Rng(7);
    let first_hour = DEFAULT_START_NS / hirundo_rollup::NANOS_PER_HOUR;
    let key = |n: u64| PortKey::from_u32((n % 131_072) as u32).expect("17 bits");
    let mut r = Rollup::default();
    for hour in first_hour..first_hour + 72 {
        let mut keys: Vec<PortKey> = (0..14_000).map(|_| key(rng.next())).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut packets = 0;
        for k in keys {
            let n = 1 + rng.below(4);
            packets += n;
            r.ports.push(PortHour {
                hour,
                proto: k.proto,
                port: k.port,
                packets: n,
                research: 0,
            });
        }
        r.hours.push(HourCounts {
            hour,
            packets,
            bytes: packets * 60,
            decoded: packets,
            tcp: packets,
            ..HourCounts::default()
        });
        for c in 0..200u8 {
            r.countries.push(CountryHour {
                hour,
                cc: [b'A' + c / 26, b'A' + c % 26],
                packets: 1 + rng.below(100),
                research: 0,
            });
        }
        for asn in 1..=2_000 {
            r.asns.push(AsnHour {
                hour,
                asn,
                name: format!("AS {asn}"),
                packets: 1 + rng.below(100),
                research: 0,
            });
        }
    }
    let first_day = first_hour / 24;
    for day in first_day..first_day + 3 {
        let mut sources: Vec<SourceDay> = (0..50_000)
            .map(|_| {
                let mut ports: Vec<PortKey> =
                    (0..1 + rng.below(5)).map(|_| key(rng.next())).collect();
                ports.sort_unstable();
                ports.dedup();
                let first_ns = day * 24 * hirundo_rollup::NANOS_PER_HOUR;
                SourceDay {
                    day,
                    source: IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
                    packets: 1 + rng.below(50),
                    ports,
                    tags: Tags(rng.below(32) as u16),
                    first_ns,
                    last_ns: first_ns + 1_000,
                    cc: *b"ZZ",
                    asn: rng.below(5_000) as u32,
                    research: None,
                }
            })
            .collect();
        sources.sort_unstable_by_key(|s| s.source);
        sources.dedup_by_key(|s| s.source);
        r.sources.extend(sources);
    }
    r.packets = r.hours.iter().map(|h| h.packets).sum();
    r.bytes = r.packets * 60;
    r.decoded = r.packets;
    r
}
