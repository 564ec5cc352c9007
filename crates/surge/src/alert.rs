//! What an alert is once raised: the record the store keeps, the feed,
//! webhook and e-mail deliver, and the dashboard shows. Detection lives
//! elsewhere in this crate; this is only the shape.

use serde::{Deserialize, Serialize};

/// What the alert is about: one (proto, port), or one source country.
/// A port alert may name the countries that drive it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// `proto` is "tcp" or "udp".
    Port { proto: String, port: u16 },
    /// ISO 3166-1 alpha-2.
    Country { cc: String },
}

impl Subject {
    /// "8728/tcp" or "country BR": how titles and keys spell it.
    pub fn label(&self) -> String {
        match self {
            Subject::Port { proto, port } => format!("{port}/{proto}"),
            Subject::Country { cc } => format!("country {cc}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Far above the robust baseline of its series.
    Surge,
    /// A port not seen at all in the baseline period, now scanned by many
    /// sources.
    NewPort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Hour,
    Day,
}

impl Grain {
    /// The width of one bucket, in nanoseconds.
    pub fn bucket_ns(self) -> i64 {
        match self {
            Grain::Hour => 3_600_000_000_000,
            Grain::Day => 86_400_000_000_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Still above its baseline at the latest bucket seen.
    Ongoing,
    /// Back to normal for long enough that the next surge is a new alert.
    Closed,
}

/// One bucket of a series, as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidencePoint {
    /// Start of the bucket, nanoseconds since the epoch.
    pub at_ns: i64,
    pub packets: u64,
    /// Distinct sources in the bucket (an estimate above 64; see the
    /// store's source sketches).
    pub sources: u64,
}

/// One of the sources that drove the alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSource {
    pub addr: String,
    pub cc: String,
    pub asn: u32,
    pub packets: u64,
    /// Fingerprint names: "mirai", "zmap", "masscan", "backscatter".
    pub tags: Vec<String>,
}

/// Why the alert was raised, kept with it so that an analyst can judge it
/// without going back to the data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The alert's series around the surge, oldest first.
    pub series: Vec<EvidencePoint>,
    /// The busiest sources on the subject while the alert was open.
    pub top_sources: Vec<EvidenceSource>,
    /// Sources per fingerprint name among them, plus "none".
    pub fingerprints: Vec<(String, u64)>,
}

/// An alert as stored and delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// The store's number for it; 0 before it is stored.
    pub id: i64,
    pub subject: Subject,
    pub kind: AlertKind,
    pub grain: Grain,
    pub status: AlertStatus,
    /// "Surge of scans to 8728/tcp from BR, 37 sources".
    pub title: String,
    /// Start of the first bucket that raised it, and of the latest bucket
    /// that kept it open, nanoseconds since the epoch.
    pub started_ns: i64,
    pub last_ns: i64,
    /// When it was closed, if it was.
    pub closed_ns: Option<i64>,
    /// The peak bucket: packets and distinct sources.
    pub packets: u64,
    pub sources: u64,
    /// The baseline at the peak: median packets per bucket, and how many
    /// robust deviations above it the peak was.
    pub baseline: f64,
    pub score: f64,
    /// Source countries that drive it, most packets first (empty when the
    /// surge is spread over many).
    pub countries: Vec<String>,
    pub evidence: Evidence,
    /// TLP 2.0 label, "TLP:AMBER" by default: alerts name sources.
    pub tlp: String,
}
