//! A notice for the unit tests: an IPv6 source that tried many ports over
//! TCP and UDP, an IPv4 Mirai scanner on one port, and a DDoS victim with
//! no AS and no country seen only through ICMP backscatter. Most packets
//! first, as the planner orders rows.

use std::net::IpAddr;

use hirundo_fingerprint::Tags;
use hirundo_rollup::{PortKey, PortProto};
use hirundo_tlp::Tlp;

use crate::{Feed, Notice, SourceRow};

/// 2026-11-22, UTC.
pub const DAY: i64 = 20_779;
const NS: i64 = 1_000_000_000;
/// 2026-11-22T00:00:00Z in nanoseconds.
pub const DAY_NS: i64 = DAY * 86_400 * NS;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("fixture address")
}

fn tcp(port: u16) -> PortKey {
    PortKey::new(PortProto::Tcp, port)
}

fn udp(port: u16) -> PortKey {
    PortKey::new(PortProto::Udp, port)
}

pub fn team() -> hirundo_directory::Team {
    serde_json::from_value(serde_json::json!({
        "id": "cert-xy",
        "name": "Computer Emergency Response Team of Exampleland",
        "short_name": "CERT-XY",
        "country": "XY",
        "kind": "national",
    }))
    .expect("fixture team")
}

pub fn notice() -> Notice {
    Notice {
        ticket: "HIR-N-2026-000042".to_owned(),
        team: team(),
        tlp: Tlp::Amber,
        from_day: DAY,
        to_day: DAY + 1,
        // 2026-11-23T06:00:00Z
        created_ns: (DAY + 1) * 86_400 * NS + 6 * 3_600 * NS,
        feed: Feed {
            name: "hirundo-darknet".to_owned(),
            provider: "Exampleland Darknet Watch".to_owned(),
            url: Some("https://darknet.example.org/".to_owned()),
        },
        omitted: 0,
        rows: vec![
            SourceRow {
                source: ip("2001:db8::7"),
                asn: 64_501,
                cc: "JP".to_owned(),
                first_ns: DAY_NS + 1_500_000_000,
                last_ns: DAY_NS + 86_398 * NS + 999_000_000,
                packets: 5_000_001_234,
                days: 1,
                ports: vec![
                    tcp(22),
                    tcp(23),
                    tcp(80),
                    tcp(443),
                    tcp(2323),
                    tcp(8080),
                    udp(53),
                    udp(123),
                ],
                tags: Tags::ZMAP | Tags::MASSCAN,
                sensor_countries: vec!["AT".to_owned(), "DE".to_owned()],
            },
            SourceRow {
                source: ip("198.51.100.3"),
                asn: 64_500,
                cc: "NL".to_owned(),
                // 09:24:05.250 to 11:00:00.000
                first_ns: DAY_NS + 33_845 * NS + 250_000_000,
                last_ns: DAY_NS + 39_600 * NS,
                packets: 1_234,
                days: 1,
                ports: vec![tcp(23)],
                tags: Tags::MIRAI,
                sensor_countries: vec!["DE".to_owned()],
            },
            SourceRow {
                source: ip("203.0.113.9"),
                asn: 0,
                cc: "ZZ".to_owned(),
                first_ns: DAY_NS + 43_200 * NS,
                last_ns: DAY_NS + 43_200 * NS,
                packets: 1,
                days: 1,
                ports: vec![],
                tags: Tags::BACKSCATTER,
                sensor_countries: vec![],
            },
        ],
    }
}
