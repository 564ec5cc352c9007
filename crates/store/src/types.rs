use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use hirundo_fingerprint::Tags;
use hirundo_rollup::{ErrorCounts, PortKey, PortProto};
use hirundo_tlp::Tlp;
use hirundo_wire::SensorHealth;
use serde::{Deserialize, Serialize};

/// A sensor's number in the store, assigned at registration, never reused.
pub type SensorId = i64;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `hirundo sensor add` with a name already registered.
    #[error("a sensor named {0:?} already exists")]
    SensorExists(String),
    /// A sensor name that is not registered.
    #[error("no sensor named {0:?}")]
    NoSuchSensor(String),
    /// A value that cannot be stored as given (a bad name, say).
    #[error("{0}")]
    Invalid(String),
    /// The database file is not one this version can use (newer schema,
    /// not a hirundo database, or damaged).
    #[error("{path}: {why}")]
    Incompatible { path: String, why: String },
    /// The volume that holds the store is full; nothing was stored. Worth
    /// retrying once space is freed.
    #[error("store: {0}")]
    DiskFull(String),
    /// The backend failed (I/O error, locked too long).
    #[error("store: {0}")]
    Backend(String),
    #[error("no account named {0:?}")]
    NoSuchAccount(String),
    #[error("no team {0:?} in the directory")]
    NoSuchTeam(String),
    #[error("no incident {0}")]
    NoSuchIncident(String),
    /// A record changed by someone else since it was read; reload it and
    /// make the change again.
    #[error("{0} was changed by someone else since it was read: reload it and try again")]
    Stale(String),
    /// A notification would carry a source-day the team was already sent.
    #[error("team {team:?} was already notified of {address} on day {day}")]
    AlreadyNotified {
        team: String,
        day: i64,
        address: IpAddr,
    },
}

/// Where a sensor sits, which shapes what it sees (TSUBAME compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkType {
    Xdsl,
    Ix,
    Datacenter,
    Campus,
    Other,
}

impl NetworkType {
    pub const ALL: [NetworkType; 5] = [
        NetworkType::Xdsl,
        NetworkType::Ix,
        NetworkType::Datacenter,
        NetworkType::Campus,
        NetworkType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NetworkType::Xdsl => "xdsl",
            NetworkType::Ix => "ix",
            NetworkType::Datacenter => "datacenter",
            NetworkType::Campus => "campus",
            NetworkType::Other => "other",
        }
    }
}

impl fmt::Display for NetworkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NetworkType {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NetworkType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown network type {s:?}: use xdsl, ix, datacenter, campus or other"
                ))
            })
    }
}

/// What `hirundo sensor add` registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSensor {
    /// 1 to 64 characters of `[A-Za-z0-9._-]`; appears in URLs.
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub network_type: NetworkType,
    /// The address ranges it listens on, in CIDR notation. Sensitive.
    pub addresses: Vec<String>,
}

impl NewSensor {
    /// Checks the name and country; the caller has parsed the addresses.
    pub fn validate(&self) -> Result<(), StoreError> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !name_ok {
            return Err(StoreError::Invalid(format!(
                "sensor name {:?}: use 1 to 64 letters, digits, '.', '_' or '-'",
                self.name
            )));
        }
        if !(self.country.len() == 2 && self.country.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(StoreError::Invalid(format!(
                "country {:?}: use an ISO 3166-1 alpha-2 code in capitals, such as BR",
                self.country
            )));
        }
        Ok(())
    }
}

/// A registered sensor, without its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sensor {
    pub id: SensorId,
    pub name: String,
    pub country: String,
    pub network_type: NetworkType,
    pub enabled: bool,
    /// Registration time, nanoseconds since the epoch.
    pub created_ns: i64,
}

/// SHA-256 of a sensor token. Tokens are 256 random bits, so one round of
/// SHA-256 is enough to make a stolen database useless for uploads.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// A segment the collector has verified, archived and rolled up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSegment {
    pub sensor: SensorId,
    /// The sensor's own sequence number, from 0 (or 1), gaps allowed.
    pub seq: u64,
    /// SHA-256 of the uploaded body (the compressed pcap as archived).
    pub sha256: [u8; 32],
    /// Size of the uploaded body in bytes.
    pub size: u64,
    /// When the collector accepted it, nanoseconds since the epoch.
    pub received_ns: i64,
    /// Where the raw segment is archived, relative to the data directory.
    pub archive: String,
}

/// What [`crate::Store::commit_segment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Stored and counted now.
    New,
    /// Stored before with the same SHA-256; nothing added.
    Duplicate,
    /// Stored before with different content; nothing added.
    Conflict { stored_sha256: [u8; 32] },
}

/// A stored segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentRecord {
    pub sensor: SensorId,
    pub seq: u64,
    #[serde(serialize_with = "hex32")]
    pub sha256: [u8; 32],
    pub size: u64,
    pub packets: u64,
    pub received_ns: i64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub archive: String,
}

fn hex32<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hirundo_wire::hex(bytes))
}

/// An upload the collector refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub at_ns: i64,
    /// HTTP status sent.
    pub status: u16,
    /// A short fixed reason, such as `no_token` or `not_a_capture`.
    pub reason: &'static str,
}

/// Refused uploads of one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionCount {
    pub reason: String,
    pub status: u16,
    pub count: u64,
    pub last_ns: i64,
}

/// One sensor as the overview page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SensorOverview {
    pub sensor: Sensor,
    pub segments: u64,
    pub packets: u64,
    /// Bytes uploaded: the accepted segments as sent (compressed).
    pub bytes: u64,
    /// Latest accepted segment's arrival.
    pub last_segment_ns: Option<i64>,
    /// Earliest and latest packet timestamps it delivered.
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub health: Option<SensorHealth>,
}

/// Hours since the epoch, half-open: `from <= hour < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRange {
    pub from: i64,
    pub to: i64,
}

impl HourRange {
    pub const ALL: HourRange = HourRange {
        from: i64::MIN,
        to: i64::MAX,
    };
}

/// UTC days since the epoch, half-open: `from <= day < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: i64,
    pub to: i64,
}

impl DayRange {
    pub const ALL: DayRange = DayRange {
        from: i64::MIN,
        to: i64::MAX,
    };
}

/// Which roll-up rows a view sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    pub hours: HourRange,
    /// One sensor, or all.
    pub sensor: Option<SensorId>,
    /// Leave out the packets of research scanners (organisations that
    /// publish their scanning ranges).
    pub exclude_research: bool,
}

impl Filter {
    pub const ALL: Filter = Filter {
        hours: HourRange::ALL,
        sensor: None,
        exclude_research: false,
    };

    /// Every sensor, research scanners included, over `hours`.
    pub fn hours(hours: HourRange) -> Filter {
        Filter {
            hours,
            ..Filter::ALL
        }
    }

    /// Every sensor, research scanners included, over whole UTC days.
    pub fn days(days: DayRange) -> Filter {
        Filter::hours(HourRange {
            from: days.from.saturating_mul(24),
            to: days.to.saturating_mul(24),
        })
    }
}

/// What a series counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesOf {
    /// Every packet (decoded or not; leaving research scanners out only
    /// takes off decoded packets).
    Total,
    Port(PortKey),
    /// ISO 3166-1 alpha-2 code.
    Country(String),
    Asn(u32),
}

/// The width of a series' buckets as the store keeps them; weeks, months
/// and quarters are sums of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Hour,
    Day,
}

/// One bucket of a series: `at` is the hour or the UTC day number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub at: i64,
    pub packets: u64,
}

/// A distinct-source count: exact, or estimated from sketches (within a
/// few per cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    pub sources: u64,
    pub exact: bool,
}

/// Distinct sources and their packets per source country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountrySources {
    pub cc: String,
    pub sources: u64,
    pub packets: u64,
}

/// One source over a range of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    pub source: IpAddr,
    pub packets: u64,
    /// Days it was seen on.
    pub days: u32,
    /// Distinct (proto, port) it sent to, and the first few of them.
    pub port_count: u32,
    pub ports: Vec<PortKey>,
    pub tags: Tags,
    pub first_ns: i64,
    pub last_ns: i64,
    pub cc: String,
    pub asn: u32,
    pub research: Option<String>,
    pub sensors: Vec<SensorId>,
}

/// Which sources a source query selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceQuery {
    /// Only sources that sent to this (proto, port).
    pub port: Option<PortKey>,
    /// Only sources of this country.
    pub cc: Option<String>,
    /// Only sources with all of these fingerprints.
    pub tags: Tags,
    pub exclude_research: bool,
}

/// Probes per hour × (proto, port) × source country, over every sensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow {
    pub hour: i64,
    pub port: PortKey,
    pub cc: String,
    pub packets: u64,
    pub sources: hirundo_rollup::CellSketch,
}

/// A dashboard account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub created_ns: i64,
}

/// A dashboard login, found by the SHA-256 of its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: String,
    /// The token every form of this session must send back.
    pub csrf: String,
    pub created_ns: i64,
    pub expires_ns: i64,
}

/// Sums over a filter; `decoded + errors == packets`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub packets: u64,
    pub bytes: u64,
    pub decoded: u64,
    pub errors: ErrorCounts,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub icmpv6: u64,
    pub other: u64,
    /// Segments accepted (all time when the filter has no sensor, else the
    /// sensor's), whatever the hour range.
    /// Of `decoded`, the packets of research scanners.
    pub research: u64,
    pub segments: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PortTotal {
    pub proto: PortProto,
    pub port: u16,
    pub packets: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountryTotal {
    pub cc: String,
    pub packets: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AsnTotal {
    pub asn: u32,
    pub name: String,
    pub packets: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HourTotal {
    pub hour: i64,
    pub packets: u64,
    pub bytes: u64,
}

/// One source on one UTC day, over every sensor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDayRow {
    pub day: i64,
    pub source: IpAddr,
    pub packets: u64,
    /// Distinct (proto, port) pairs, ascending.
    pub ports: Vec<PortKey>,
    pub tags: Tags,
    pub first_ns: i64,
    pub last_ns: i64,
    pub cc: String,
    pub asn: u32,
    pub research: Option<String>,
    /// The sensors that saw it that day, ascending.
    pub sensors: Vec<SensorId>,
}

/// Why a notification was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    /// The scheduled report of a team's sources over a window of days.
    Daily,
    /// An incident forwarded to the team.
    Incident,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Daily => "daily",
            NotificationKind::Incident => "incident",
        }
    }

    pub fn parse(text: &str) -> Option<NotificationKind> {
        [NotificationKind::Daily, NotificationKind::Incident]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// Where a notification got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotificationStatus {
    /// Reserved and being sent; if it stays so, the process stopped while
    /// sending, and whether it arrived is unknown (its source-days stay
    /// reserved, so they are never sent twice).
    Pending,
    Sent,
    /// Sending failed; its source-days were released for the next run.
    Failed,
    /// Not sent: its label is above what the team accepts, or TLP:RED.
    Withheld,
    /// Not sent: the team asked not to be notified.
    OptedOut,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Failed => "failed",
            NotificationStatus::Withheld => "withheld",
            NotificationStatus::OptedOut => "opted-out",
        }
    }

    pub fn parse(text: &str) -> Option<NotificationStatus> {
        [
            NotificationStatus::Pending,
            NotificationStatus::Sent,
            NotificationStatus::Failed,
            NotificationStatus::Withheld,
            NotificationStatus::OptedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// What [`crate::Store::begin_notification`] records before anything is
/// sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub team: String,
    pub kind: NotificationKind,
    /// UTC days since the epoch, half-open.
    pub from_day: i64,
    pub to_day: i64,
    pub tlp: Tlp,
    pub sources: u64,
    pub incident: Option<i64>,
    pub created_ns: i64,
    /// The source-days it carries, reserved for the team in the same
    /// transaction; none for a notice that will not be sent.
    pub reserve: Vec<(i64, IpAddr)>,
    /// [`NotificationStatus::Pending`] for one about to be sent; a final
    /// status (withheld, opted out) to only log it.
    pub status: NotificationStatus,
    pub detail: String,
}

/// A logged notification: what went (or did not go) to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationRecord {
    pub id: i64,
    /// "HIR-N-2026-000042".
    pub ticket: String,
    pub team: String,
    pub kind: NotificationKind,
    pub from_day: i64,
    pub to_day: i64,
    pub tlp: Tlp,
    pub sources: u64,
    pub status: NotificationStatus,
    /// "mail", "webhook" or both, comma-separated.
    pub channels: String,
    /// Mail addresses and webhook URLs, comma-separated.
    pub recipients: String,
    /// Why it was withheld, what failed, or the mail's Message-ID.
    pub detail: String,
    pub incident: Option<i64>,
    pub created_ns: i64,
    pub finished_ns: Option<i64>,
}

/// How a pending notification ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    /// Sent or Failed. Failed releases the reserved source-days.
    pub status: NotificationStatus,
    pub channels: String,
    pub recipients: String,
    pub detail: String,
    pub finished_ns: i64,
}

/// Which incidents a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentQuery {
    pub state: Option<hirundo_incident::State>,
    /// RSIT category ("information-gathering").
    pub taxonomy: Option<String>,
    /// Created in `[from_ns, to_ns)`.
    pub from_ns: Option<i64>,
    pub to_ns: Option<i64>,
    /// At most this many, newest first (0: no limit).
    pub limit: usize,
}
