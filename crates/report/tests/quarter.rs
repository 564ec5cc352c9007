//! The report of a simulated quarter matches the raw segments: the top-5
//! ports and regions, their previous ranks, the packets, the sources and
//! the per-sensor-per-day averages are recomputed here by decoding the
//! captures again, without the store, and compared.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;
use std::net::IpAddr;

use hirundo_analyze::Enrichment;
use hirundo_capture::CaptureReader;
use hirundo_packet::protocol;
use hirundo_report::{build, parse_period, render_html, render_markdown, BuildOptions};
use hirundo_rollup::rollup_capture;
use hirundo_simulate::{simulate_with, SimConfig};
use hirundo_store::{NetworkType, NewSegment, NewSensor, SqliteStore, Store, TokenHash};
use hirundo_summary::{Attribution, Outcome};

const DAY_NS: i64 = 86_400 * 1_000_000_000;
/// 2025-10-01T00:00:00Z.
const Q4_START_NS: i64 = 1_759_276_800 * 1_000_000_000;

/// What the raw captures say of one period.
#[derive(Default)]
struct Raw {
    packets: u64,
    ports: HashMap<(String, u16), u64>,
    countries: HashMap<String, u64>,
    sources: BTreeSet<IpAddr>,
    /// (sensor, day) pairs with packets.
    sensor_days: BTreeSet<(usize, i64)>,
}

impl Raw {
    /// Most packets first, then by key: the report's order.
    fn ranked<K: Ord + Clone>(counts: &HashMap<K, u64>) -> Vec<(K, u64)> {
        let mut v: Vec<(K, u64)> = counts.iter().map(|(k, n)| (k.clone(), *n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

fn recount(captures: &[(usize, Vec<u8>)], from_day: i64, to_day: i64, who: &Enrichment) -> Raw {
    let mut raw = Raw::default();
    for (sensor, bytes) in captures {
        let mut reader = CaptureReader::new(Box::new(Cursor::new(bytes.clone()))).unwrap();
        while let Some(rec) = reader.next_record().unwrap() {
            let day = rec.ts_ns.div_euclid(DAY_NS);
            if day < from_day || day >= to_day {
                continue;
            }
            raw.packets += 1;
            raw.sensor_days.insert((*sensor, day));
            let decoded = hirundo_packet::decode(rec.link, rec.data);
            let Outcome::Decoded {
                source,
                protocol: proto,
                dst_port,
                ..
            } = Outcome::of(&decoded)
            else {
                continue;
            };
            let addr = IpAddr::from(source);
            raw.sources.insert(addr);
            let cc = who
                .attribute(addr)
                .country
                .map_or("ZZ".to_string(), |(cc, _)| {
                    String::from_utf8_lossy(&cc).into_owned()
                });
            *raw.countries.entry(cc).or_default() += 1;
            let name = match proto {
                protocol::TCP => "tcp",
                protocol::UDP => "udp",
                _ => continue,
            };
            if let Some(port) = dst_port {
                *raw.ports.entry((name.to_string(), port)).or_default() += 1;
            }
        }
    }
    raw
}

#[test]
fn the_quarterly_report_matches_the_raw_segments() {
    let who = Enrichment::builtin().unwrap();
    let store = SqliteStore::open_in_memory().unwrap();
    // A domestic sensor for both quarters, an overseas one from February:
    // the averages must divide by the days each sensor delivered.
    let plans = [
        ("jp-1", "JP", Q4_START_NS, 182, 2_000_000, 7),
        ("br-1", "BR", Q4_START_NS + 123 * DAY_NS, 59, 600_000, 8),
    ];
    let mut captures = Vec::new();
    for (i, (name, cc, start_ns, days, packets, seed)) in plans.into_iter().enumerate() {
        let sensor = store
            .add_sensor(
                &NewSensor {
                    name: name.to_string(),
                    country: cc.to_string(),
                    network_type: NetworkType::Xdsl,
                    addresses: vec![],
                },
                &TokenHash([i as u8; 32]),
            )
            .unwrap();
        let config = SimConfig {
            packets,
            days,
            seed,
            start_ns,
            ..SimConfig::default()
        };
        let mut pcap = Vec::new();
        simulate_with(&config, name, &mut pcap, Some(&who)).unwrap();
        let ingested =
            rollup_capture(Box::new(Cursor::new(pcap.clone())), Some(&who), u64::MAX).unwrap();
        store
            .commit_segment(
                &NewSegment {
                    sensor: sensor.id,
                    seq: 0,
                    sha256: [i as u8; 32],
                    size: pcap.len() as u64,
                    received_ns: 0,
                    archive: String::new(),
                },
                &ingested.rollup,
            )
            .unwrap();
        captures.push((i, pcap));
    }

    let period = parse_period("2026Q1").unwrap();
    let previous = period.previous();
    let report = build(
        &store,
        &period,
        &BuildOptions {
            home: "JP".to_string(),
            exclude_research: false,
            now_ns: 0,
            attribution: vec!["IP to country data by DB-IP (https://db-ip.com), CC BY 4.0".into()],
        },
    )
    .unwrap();
    let raw = recount(&captures, period.from_day, period.to_day, &who);
    let raw_previous = recount(&captures, previous.from_day, previous.to_day, &who);
    let sensor_days = raw.sensor_days.len() as f64;
    assert_eq!(
        raw.sensor_days.len(),
        90 + 59,
        "the overseas sensor's 59 days count"
    );

    assert_eq!(report.overview.packets, raw.packets);
    assert_eq!(report.overview.sources, raw.sources.len() as u64);
    assert_eq!(report.overview.previous_packets, raw_previous.packets);
    assert!((report.overview.per_sensor_per_day - raw.packets as f64 / sensor_days).abs() < 1e-6);

    let ports = Raw::ranked(&raw.ports);
    let previous_ports = Raw::ranked(&raw_previous.ports);
    assert_eq!(report.top_ports.len(), 5);
    for (i, row) in report.top_ports.iter().enumerate() {
        let ((proto, port), packets) = &ports[i];
        assert_eq!(
            (&row.proto, row.port, row.packets),
            (proto, *port, *packets),
            "port rank {}",
            i + 1
        );
        assert_eq!(row.rank as usize, i + 1);
        let was = previous_ports
            .iter()
            .position(|(k, _)| k == &(proto.clone(), *port));
        assert_eq!(
            row.previous_rank,
            was.map(|r| r as u32 + 1),
            "{port}/{proto}"
        );
        assert!((row.per_sensor_per_day - *packets as f64 / sensor_days).abs() < 1e-6);
    }

    let regions = Raw::ranked(&raw.countries);
    let previous_regions = Raw::ranked(&raw_previous.countries);
    assert_eq!(report.top_regions.len(), 5);
    for (i, row) in report.top_regions.iter().enumerate() {
        let (cc, packets) = &regions[i];
        assert_eq!(
            (&row.cc, row.packets),
            (cc, *packets),
            "region rank {}",
            i + 1
        );
        let was = previous_regions.iter().position(|(k, _)| k == cc);
        assert_eq!(row.previous_rank, was.map(|r| r as u32 + 1), "{cc}");
    }

    // Domestic versus overseas: JP's sensor over its 90 days, BR's over 59.
    let per_sensor: BTreeMap<usize, u64> = captures
        .iter()
        .map(|(s, _)| {
            (
                *s,
                recount(&captures[*s..=*s], period.from_day, period.to_day, &who).packets,
            )
        })
        .collect();
    assert_eq!(report.domestic.domestic_sensors, 1);
    assert_eq!(report.domestic.overseas_sensors, 1);
    assert!(
        (report.domestic.domestic_per_sensor_per_day - per_sensor[&0] as f64 / 90.0).abs() < 1e-6
    );
    assert!(
        (report.domestic.overseas_per_sensor_per_day - per_sensor[&1] as f64 / 59.0).abs() < 1e-6
    );

    // Each chart has every day of the quarter.
    assert!(report.port_series.iter().all(|s| s.points.len() == 90));
    let html = render_html(&report);
    let (top_proto, top_port) = (&report.top_ports[0].proto, report.top_ports[0].port);
    assert!(html.contains(&format!("{top_port}/{top_proto}")));
    assert!(html.contains("db-ip.com"));
    assert!(render_markdown(&report).contains(&report.top_regions[0].cc));
}
