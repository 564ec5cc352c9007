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

impl ErrorCounts {
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
    /// ISO 3166-1 alpha-2.
    pub cc: String,
    pub packets: u64,
    pub sources: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsnCount {
    pub asn: u32,
    pub name: String,
    pub packets: u64,
    pub sources: u64,
}
