//! One realistic alert for the unit tests.

use hirundo_surge::{
    Alert, AlertKind, AlertStatus, Evidence, EvidencePoint, EvidenceSource, Grain, Subject,
};

const HOUR_NS: i64 = 3_600_000_000_000;
/// 2023-11-14T22:00:00Z.
pub(crate) const STARTED_NS: i64 = 1_699_999_200_000_000_000;

pub(crate) fn alert() -> Alert {
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
            series: vec![
                EvidencePoint {
                    at_ns: STARTED_NS - HOUR_NS,
                    packets: 118,
                    sources: 4,
                },
                EvidencePoint {
                    at_ns: STARTED_NS,
                    packets: 51_234,
                    sources: 37,
                },
            ],
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
