//! The collector's ingest core: one capture segment in, its roll-ups out.
//!
//! A [`Rollup`] is everything the store keeps of a segment besides the raw
//! archive, already aggregated the way the dashboard, reports and
//! notifications read it:
//!
//! - per hour: packets, bytes and protocols ([`HourCounts`]);
//! - per hour × (proto, port) ([`PortHour`]);
//! - per hour × country and per hour × AS ([`CountryHour`], [`AsnHour`]);
//! - per UTC day × source: packets, the distinct ports it sent to, its
//!   fingerprints, first and last seen, country and AS ([`SourceDay`]);
//! - per hour × (proto, port) × source country, probes only: packets and
//!   a sketch of the distinct sources ([`Cell`]), which surge detection
//!   reads;
//! - per UTC day, a sketch of every source ([`DaySources`]).
//!
//! Every per-hour count also says how much of it came from research
//! scanners (`research`), so that each figure can be shown with and
//! without them.
//!
//! The sensor the segment came from is not part of the roll-up: the store
//! keys every row by it. Every count is additive across segments, so the
//! store only ever adds; a segment stored twice would count twice, which is
//! why the store commits a segment's identity and its roll-up in one
//! transaction.
//!
//! Decoding is `hirundo-packet`'s and fingerprints are
//! `hirundo-fingerprint`'s, exactly as `hirundo analyze` uses them, so the
//! collector's per-port counts equal `analyze`'s for the same packets.
//! Countries and ASes come from an [`Attribution`], looked up once per
//! distinct source per segment.
//!
//! Pure: bytes and records in, values out; no files, sockets or clocks.

mod builder;
mod ingest;
mod ports;
mod sketch;

pub use builder::RollupBuilder;
pub use hirundo_summary::{Attribution, ErrorCounts, PortProto, UNKNOWN_COUNTRY};
pub use ingest::{rollup_capture, IngestError, Ingested};
pub use ports::PortKey;
pub use sketch::{source_hash, CellSketch, DaySketch, SourceSketch};

use std::net::IpAddr;

use hirundo_fingerprint::Tags;

/// Nanoseconds in an hour, the finest roll-up grain.
pub const NANOS_PER_HOUR: i64 = 3_600 * 1_000_000_000;

/// Hours since the Unix epoch, UTC, of a timestamp in nanoseconds.
pub fn hour_of(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(NANOS_PER_HOUR)
}

/// UTC days since the Unix epoch of an hour number.
pub fn day_of_hour(hour: i64) -> i64 {
    hour.div_euclid(24)
}

/// What one segment adds to the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    /// Capture records read.
    pub packets: u64,
    /// Sum of on-the-wire lengths.
    pub bytes: u64,
    /// Records whose IP header was read whole; `decoded + errors == packets`.
    pub decoded: u64,
    pub errors: ErrorCounts,
    /// Earliest and latest record timestamps, nanoseconds since the epoch.
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    /// One entry per hour that has records, ascending.
    pub hours: Vec<HourCounts>,
    /// One entry per (hour, proto, port) seen, by hour then proto then port.
    pub ports: Vec<PortHour>,
    /// One entry per (hour, country) among decoded records.
    pub countries: Vec<CountryHour>,
    /// One entry per (hour, AS) among decoded records.
    pub asns: Vec<AsnHour>,
    /// One entry per (UTC day, source) among decoded records.
    pub sources: Vec<SourceDay>,
    /// One entry per (hour, proto, port, country) that probes reached, by
    /// hour, port, country.
    pub cells: Vec<Cell>,
    /// One entry per UTC day with decoded records, ascending.
    pub day_sources: Vec<DaySources>,
}

/// Every record of one hour, decoded or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourCounts {
    /// Hours since the epoch.
    pub hour: i64,
    pub packets: u64,
    pub bytes: u64,
    pub decoded: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub icmpv6: u64,
    /// Decoded records of any other transport protocol.
    pub other: u64,
    /// Decoded records from research scanners.
    pub research: u64,
}

/// Packets to one (proto, port) in one hour, counted as DESIGN.md's
/// `ports`: decoded TCP and UDP whose destination port was captured, first
/// fragments only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortHour {
    pub hour: i64,
    pub proto: PortProto,
    pub port: u16,
    pub packets: u64,
    /// Of `packets`, those from research scanners.
    pub research: u64,
}

/// Decoded packets from one country in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountryHour {
    pub hour: i64,
    /// ISO 3166-1 alpha-2, [`UNKNOWN_COUNTRY`] where no data source knew.
    pub cc: [u8; 2],
    pub packets: u64,
    /// Of `packets`, those from research scanners.
    pub research: u64,
}

/// Decoded packets from one autonomous system in one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsnHour {
    pub hour: i64,
    /// 0 where no data source knew.
    pub asn: u32,
    pub name: String,
    pub packets: u64,
    /// Of `packets`, those from research scanners.
    pub research: u64,
}

/// Probes to one (proto, port) from one country in one hour: TCP and UDP
/// packets that are neither from research scanners nor backscatter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub hour: i64,
    pub port: PortKey,
    /// [`UNKNOWN_COUNTRY`] where no data source knew.
    pub cc: [u8; 2],
    pub packets: u64,
    pub sources: CellSketch,
}

/// Every source of one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySources {
    pub day: i64,
    pub sources: DaySketch,
}

/// What one source did on one UTC day, as far as this segment saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDay {
    /// UTC days since the epoch.
    pub day: i64,
    pub source: IpAddr,
    pub packets: u64,
    /// Distinct (proto, port) pairs it sent to, ascending.
    pub ports: Vec<PortKey>,
    /// Union of its packets' fingerprints.
    pub tags: Tags,
    pub first_ns: i64,
    pub last_ns: i64,
    /// [`UNKNOWN_COUNTRY`] where no data source knew.
    pub cc: [u8; 2],
    /// 0 where no data source knew.
    pub asn: u32,
    /// The research-scanning organisation it belongs to, if listed.
    pub research: Option<String>,
}
