//! Detection quality on ground truth: a 30-day simulated capture with ten
//! injected campaigns (busy and quiet ports, TCP and UDP, country-specific
//! ones and a port never scanned before), and the same background with
//! none. Required: precision and recall at least 0.9, every campaign
//! alerted within 2 hours of its start, at most one alert in the control.

use std::net::Ipv4Addr;
use std::str::FromStr;

use hirundo_analyze::Enrichment;
use hirundo_rollup::{rollup_capture, PortProto, NANOS_PER_HOUR};
use hirundo_simulate::{
    simulate_with, Campaign, CampaignTruth, Ipv4Prefix, SimConfig, DEFAULT_START_NS,
};
use hirundo_store::{HourRange, NetworkType, NewSegment, NewSensor, SqliteStore, Store, TokenHash};
use hirundo_surge::{Alert, Grain, Subject};
use hirundo_watch::{run_all, Delivery};

const DAYS: u32 = 30;
const HOUR: i64 = NANOS_PER_HOUR;

/// (label, proto, port, start hour, hours, sources, packets/s, country).
type Plan = (
    &'static str,
    PortProto,
    u16,
    i64,
    i64,
    u32,
    f64,
    Option<&'static str>,
);

const CAMPAIGNS: [Plan; 10] = [
    (
        "mikrotik-api",
        PortProto::Tcp,
        8728,
        8 * 24 + 3,
        18,
        120,
        1.5,
        None,
    ),
    (
        "adb",
        PortProto::Tcp,
        5555,
        10 * 24 + 14,
        30,
        120,
        1.0,
        None,
    ),
    (
        "telnet-br",
        PortProto::Tcp,
        23,
        12 * 24 + 20,
        12,
        80,
        1.2,
        Some("BR"),
    ),
    (
        "hikvision-cn",
        PortProto::Tcp,
        8000,
        14 * 24 + 7,
        24,
        40,
        0.5,
        Some("CN"),
    ),
    (
        "ssdp",
        PortProto::Udp,
        1900,
        16 * 24 + 1,
        10,
        150,
        2.0,
        None,
    ),
    (
        "new-port",
        PortProto::Tcp,
        47_001,
        18 * 24 + 11,
        20,
        35,
        0.4,
        None,
    ),
    (
        "rdp-ru",
        PortProto::Tcp,
        3389,
        20 * 24 + 16,
        16,
        50,
        0.8,
        Some("RU"),
    ),
    (
        "redis",
        PortProto::Tcp,
        6379,
        22 * 24 + 5,
        48,
        60,
        0.6,
        None,
    ),
    ("sip", PortProto::Udp, 5060, 24 * 24 + 9, 8, 300, 3.0, None),
    (
        "vnc-us",
        PortProto::Tcp,
        5900,
        27 * 24 + 2,
        14,
        40,
        0.5,
        Some("US"),
    ),
];

fn enrichment() -> Enrichment {
    Enrichment::builtin().expect("the shipped IP data loads")
}

/// Some /24s inside the ranges the shipped data gives `cc`.
fn prefixes_of(enrichment: &Enrichment, cc: &str) -> Vec<Ipv4Prefix> {
    let dataset = hirundo_geo::builtin_dataset().expect("the shipped dataset");
    let code = hirundo_geo::CountryCode::from_str(cc).expect("a country code");
    let mut out = Vec::new();
    for (lo, hi) in dataset.country_ranges_v4(code) {
        let start = (lo + 255) & !255;
        if start > lo.max(start) || hi < start || hi - start < 255 {
            continue;
        }
        let prefix = Ipv4Prefix {
            addr: Ipv4Addr::from(start),
            len: 24,
        };
        // Only blocks the collector will attribute to `cc`.
        let probe = std::net::IpAddr::V4(Ipv4Addr::from(start + 7));
        if hirundo_summary::Attribution::attribute(enrichment, probe)
            .country
            .is_some_and(|(c, _)| c == cc.as_bytes())
        {
            out.push(prefix);
        }
        if out.len() == 16 {
            break;
        }
    }
    assert!(!out.is_empty(), "no address block for {cc}");
    out
}

fn campaigns(enrichment: &Enrichment) -> Vec<Campaign> {
    CAMPAIGNS
        .iter()
        .map(
            |&(label, proto, port, start, hours, sources, rate, cc)| Campaign {
                proto,
                port,
                start_ns: DEFAULT_START_NS + start * HOUR + 17 * 60 * 1_000_000_000,
                duration_ns: hours * HOUR,
                sources,
                rate,
                from: cc.map(|cc| prefixes_of(enrichment, cc)).unwrap_or_default(),
                label: Some(label.to_string()),
            },
        )
        .collect()
}

/// Simulates two sensors' month (campaigns on the first), stores it, and
/// runs detection over the whole month.
fn alerts_for(with_campaigns: bool) -> (Vec<Alert>, Vec<CampaignTruth>) {
    let enrichment = enrichment();
    let store = SqliteStore::open_in_memory().unwrap();
    let injected = if with_campaigns {
        campaigns(&enrichment)
    } else {
        Vec::new()
    };
    let mut truth = Vec::new();
    for (i, (name, cc)) in [("jp-1", "JP"), ("br-1", "BR")].into_iter().enumerate() {
        let sensor = store
            .add_sensor(
                &NewSensor {
                    name: name.to_string(),
                    country: cc.to_string(),
                    network_type: NetworkType::Datacenter,
                    addresses: vec![format!("198.51.{}.0/24", 100 + i)],
                },
                &TokenHash([i as u8; 32]),
            )
            .unwrap();
        let config = SimConfig {
            packets: 3_000_000,
            days: DAYS,
            seed: 40 + i as u64,
            campaigns: if i == 0 { injected.clone() } else { Vec::new() },
            ..SimConfig::default()
        };
        let mut pcap = Vec::new();
        let simulated = simulate_with(&config, name, &mut pcap, Some(&enrichment)).unwrap();
        truth.extend(simulated.campaigns);
        let ingested = rollup_capture(
            Box::new(std::io::Cursor::new(pcap)),
            Some(&enrichment),
            u64::MAX,
        )
        .unwrap();
        store
            .commit_segment(
                &NewSegment {
                    sensor: sensor.id,
                    seq: 0,
                    sha256: [i as u8; 32],
                    size: 0,
                    received_ns: 0,
                    archive: String::new(),
                },
                &ingested.rollup,
            )
            .unwrap();
    }
    let first = DEFAULT_START_NS / HOUR;
    let report = run_all(
        &store,
        HourRange {
            from: first,
            to: first + i64::from(DAYS) * 24,
        },
        &Delivery::default(),
    )
    .unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let alerts = store.alerts(i64::MIN, i64::MAX, 1_000).unwrap();
    (alerts, truth)
}

/// Whether `alert` is about `campaign`: its port (or, for a country
/// alert, the campaign's country), and overlapping it in time.
/// A country alert is also the campaign's when most of the sources it
/// lists as evidence are the campaign's own (a campaign from everywhere
/// still lifts the countries it draws most from).
fn matches(alert: &Alert, truth: &CampaignTruth, country: Option<&str>) -> bool {
    let campaign = &truth.campaign;
    let overlaps = alert.started_ns < campaign.start_ns + campaign.duration_ns + 2 * HOUR
        && alert.last_ns + alert.grain.bucket_ns() > campaign.start_ns;
    let about = match &alert.subject {
        Subject::Port { proto, port } => *port == campaign.port && proto == campaign.proto.as_str(),
        Subject::Country { cc } => {
            let listed = &alert.evidence.top_sources;
            let ours = listed
                .iter()
                .filter(|s| {
                    s.addr
                        .parse::<Ipv4Addr>()
                        .is_ok_and(|a| truth.addresses.contains(&a))
                })
                .count();
            country == Some(cc.as_str()) || (!listed.is_empty() && ours * 2 > listed.len())
        }
    };
    overlaps && about
}

#[test]
fn campaigns_are_found_quickly_and_the_control_stays_quiet() {
    let (alerts, injected) = alerts_for(true);
    let countries: Vec<Option<&str>> = CAMPAIGNS.iter().map(|c| c.7).collect();
    let hourly: Vec<&Alert> = alerts.iter().filter(|a| a.grain == Grain::Hour).collect();
    eprintln!(
        "{} hourly and {} daily alerts",
        hourly.len(),
        alerts.len() - hourly.len()
    );
    let mut found = 0;
    let mut slow = Vec::new();
    for (truth, cc) in injected.iter().zip(&countries) {
        let campaign = &truth.campaign;
        let first = alerts
            .iter()
            .filter(|a| matches(a, truth, *cc))
            // Raised when the bucket that opened it was complete.
            .map(|a| a.started_ns + a.grain.bucket_ns())
            .min();
        match first {
            Some(raised) => {
                found += 1;
                let delay = raised - campaign.start_ns;
                eprintln!(
                    "{}: alerted {:.1} h after its start",
                    campaign.name(),
                    delay as f64 / HOUR as f64
                );
                if delay > 2 * HOUR {
                    slow.push(campaign.name());
                }
            }
            None => eprintln!("{}: missed", campaign.name()),
        }
    }
    let true_alerts = alerts
        .iter()
        .filter(|a| {
            injected
                .iter()
                .zip(&countries)
                .any(|(c, cc)| matches(a, c, *cc))
        })
        .count();
    for a in &alerts {
        eprintln!("alert: {} ({} .. {})", a.title, a.started_ns, a.last_ns);
    }
    let precision = true_alerts as f64 / alerts.len().max(1) as f64;
    let recall = found as f64 / injected.len() as f64;
    eprintln!(
        "detection: {} alerts, {true_alerts} true; precision {precision:.2}, recall {recall:.2}",
        alerts.len()
    );
    assert!(precision >= 0.9, "precision {precision:.2}");
    assert!(recall >= 0.9, "recall {recall:.2}");
    assert!(slow.is_empty(), "alerted later than 2 hours: {slow:?}");
    // Every alert carries its evidence.
    for a in &alerts {
        assert!(!a.evidence.series.is_empty(), "{}: no series", a.title);
        assert!(
            !a.evidence.top_sources.is_empty(),
            "{}: no sources",
            a.title
        );
    }

    let (control, _) = alerts_for(false);
    for a in &control {
        eprintln!("control alert: {}", a.title);
    }
    assert!(
        control.len() <= 1,
        "{} alerts with no campaign",
        control.len()
    );
}
