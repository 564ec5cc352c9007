//! hirundo-deliver against real parsers and servers: the feed through an
//! XML parser, webhooks to an HTTP server on loopback, mail to an SMTP
//! server (aiosmtpd) on loopback.

mod feed;
mod smtp;
mod webhook;

use hirundo_surge::{
    Alert, AlertKind, AlertStatus, Evidence, EvidencePoint, EvidenceSource, Grain, Subject,
};

const HOUR_NS: i64 = 3_600_000_000_000;
/// 2023-11-14T22:00:00Z.
const STARTED_NS: i64 = 1_699_999_200_000_000_000;

/// A port surge with two sources, as the detector would raise it.
fn alert() -> Alert {
    Alert {
        id: 42,
        subject: Subject::Port {
            proto: "tcp".to_owned(),
            port: 8728,
        },
        kind: AlertKind::Surge,
        grain: Grain::Hour,
        status: AlertStatus::Ongoing,
        title: "Surge of scans to 8728/tcp from BR, 37 sources".to_owned(),
        started_ns: STARTED_NS,
        last_ns: STARTED_NS + 3 * HOUR_NS,
        closed_ns: None,
        packets: 51_234,
        sources: 37,
        baseline: 120.0,
        score: 14.25,
        countries: vec!["BR".to_owned(), "AR".to_owned()],
        evidence: Evidence {
            series: vec![EvidencePoint {
                at_ns: STARTED_NS,
                packets: 51_234,
                sources: 37,
            }],
            top_sources: vec![
                EvidenceSource {
                    addr: "203.0.113.7".to_owned(),
                    cc: "BR".to_owned(),
                    asn: 28573,
                    packets: 40_000,
                    tags: vec!["mirai".to_owned()],
                },
                EvidenceSource {
                    addr: "198.51.100.23".to_owned(),
                    cc: "AR".to_owned(),
                    asn: 7303,
                    packets: 9_000,
                    tags: vec![],
                },
            ],
            fingerprints: vec![("mirai".to_owned(), 30), ("none".to_owned(), 7)],
        },
        tlp: "TLP:AMBER".to_owned(),
    }
}

/// A second, closed, country alert.
fn closed_country_alert() -> Alert {
    Alert {
        id: 7,
        subject: Subject::Country {
            cc: "VN".to_owned(),
        },
        kind: AlertKind::Surge,
        grain: Grain::Day,
        status: AlertStatus::Closed,
        title: "Surge of scans from VN".to_owned(),
        started_ns: STARTED_NS - 48 * HOUR_NS,
        last_ns: STARTED_NS - 24 * HOUR_NS,
        closed_ns: Some(STARTED_NS),
        packets: 900_000,
        sources: 4_000,
        baseline: 30_000.0,
        score: 9.5,
        countries: vec!["VN".to_owned()],
        evidence: Evidence::default(),
        tlp: "TLP:AMBER".to_owned(),
    }
}
