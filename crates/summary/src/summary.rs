use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// The schema name every summary carries, so consumers can refuse what they
/// do not understand.
pub const SCHEMA: &str = "hirundo.summary/1";

/// The `hirundo.summary/1` object: what a set of captures contains, every
/// count exact. DESIGN.md defines each field; other parts of hirundo and
/// partners' scripts rely on its shape, so fields are only ever added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub schema: String,
    pub files: Vec<FileSummary>,
    /// Capture records read.
    pub packets: u64,
    /// Sum of original (on-the-wire) lengths.
    pub bytes: u64,
    /// Records whose outer IP header was read whole.
    pub decoded: u64,
    pub errors: ErrorCounts,
    pub first_ts: Option<Timestamp>,
    pub last_ts: Option<Timestamp>,
    pub protocols: ProtocolCounts,
    /// Distinct source addresses among decoded records.
    pub sources: u64,
    /// Every (proto, port) seen: most packets first, then proto, then port.
    pub ports: Vec<PortCount>,
    /// Scanner and backscatter fingerprints; present once enrichment runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprints: Option<BTreeMap<String, Tally>>,
    /// Source countries; present once enrichment runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countries: Option<Vec<CountryCount>>,
    /// Source autonomous systems; present once enrichment runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asns: Option<Vec<AsnCount>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSummary {
    pub path: String,
    /// `pcap` or `pcapng`.
    pub format: String,
    pub packets: u64,
}

/// Records that yielded no outer IP header, by reason.
/// `decoded + truncated + unsupported_link + not_ip + malformed == packets`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCounts {
    /// The IP header is cut short by the capture length.
    pub truncated: u64,
    /// The link type is not one hirundo decodes.
    pub unsupported_link: u64,
    /// A whole link frame carrying no IP (ARP, LLDP, STP, ...).
    pub not_ip: u64,
    /// A header that cannot be valid (bad version, bad lengths).
    pub malformed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Tally {
    /// Adds one source with its packets.
    pub fn add(&mut self, packets: u64) {
        self.packets += packets;
        self.sources += 1;
    }
}

impl ErrorCounts {
    /// Counts one record rejected for `why`.
    pub fn count(&mut self, why: crate::Rejection) {
        *match why {
            crate::Rejection::Truncated => &mut self.truncated,
            crate::Rejection::UnsupportedLink => &mut self.unsupported_link,
            crate::Rejection::NotIp => &mut self.not_ip,
            crate::Rejection::Malformed => &mut self.malformed,
        } += 1;
    }

    pub fn total(&self) -> u64 {
        self.truncated + self.unsupported_link + self.not_ip + self.malformed
    }
}

/// Decoded records by the transport protocol of the outermost IP packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolCounts {
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub icmpv6: u64,
    pub other: u64,
}

/// A transport protocol that has ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortProto {
    Tcp,
    Udp,
}

impl PortProto {
    pub fn as_str(self) -> &'static str {
        match self {
            PortProto::Tcp => "tcp",
            PortProto::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortCount {
    pub proto: PortProto,
    pub port: u16,
    pub packets: u64,
    /// Distinct sources that sent to this port.
    pub sources: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    pub packets: u64,
    pub sources: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryCount {
    /// ISO 3166-1 alpha-2; `ZZ` where no data source knew.
    pub cc: String,
    pub packets: u64,
    pub sources: u64,
    /// The data source that said so (absent for `ZZ`). A country that two
    /// sources named for different addresses is listed once per source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Of these sources, how many another configured data source places
    /// elsewhere (`hirundo lookup` shows every answer).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disputed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsnCount {
    /// 0 where no data source knew (AS0 is "no AS", RFC 7607).
    pub asn: u32,
    pub name: String,
    pub packets: u64,
    pub sources: u64,
    /// The data source that said so (absent for AS0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Of these sources, how many another configured data source places
    /// elsewhere (`hirundo lookup` shows every answer).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub disputed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, SummaryBuilder};
    use hirundo_packet::AddrKey;

    /// Partners' scripts read these keys; renaming one breaks them.
    #[test]
    fn json_has_exactly_the_schema_keys() {
        let mut b = SummaryBuilder::new();
        b.record(
            1_767_225_600_123_456_789,
            60,
            Outcome::Decoded {
                source: AddrKey::V4(1),
                protocol: 6,
                dst_port: Some(23),
                tags: hirundo_fingerprint::Tags::NONE,
            },
        );
        b.add_file("x.pcap", "pcap", 1);
        let summary = b.finish();
        // Field order as DESIGN.md lists it, for people reading the JSON.
        let text = serde_json::to_string(&summary).unwrap();
        let keys = [
            "schema",
            "files",
            "packets",
            "bytes",
            "decoded",
            "errors",
            "first_ts",
            "last_ts",
            "protocols",
            "sources",
            "ports",
            "fingerprints",
        ];
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} missing"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(
            json.as_object().unwrap().len(),
            keys.len(),
            "countries and ASNs only with attribution"
        );
        let fingerprints: Vec<&str> = json["fingerprints"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            fingerprints,
            [
                "backscatter",
                "masscan",
                "mirai",
                "research_heuristic",
                "spoofed",
                "zmap"
            ]
        );
        assert_eq!(json["schema"], "hirundo.summary/1");
        assert_eq!(json["first_ts"], "2026-01-01T00:00:00.123456789Z");
        assert_eq!(
            json["errors"],
            serde_json::json!({"truncated": 0, "unsupported_link": 0, "not_ip": 0, "malformed": 0})
        );
        assert_eq!(
            json["protocols"],
            serde_json::json!({"tcp": 1, "udp": 0, "icmp": 0, "icmpv6": 0, "other": 0})
        );
        assert_eq!(
            json["ports"],
            serde_json::json!([{"proto": "tcp", "port": 23, "packets": 1, "sources": 1}])
        );
        assert_eq!(
            json["files"],
            serde_json::json!([{"path": "x.pcap", "format": "pcap", "packets": 1}])
        );
        let back: Summary = serde_json::from_value(json).unwrap();
        assert_eq!(back.packets, 1);
    }
}
