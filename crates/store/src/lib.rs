//! Where the collector keeps what it knows: the sensor registry, the
//! segments it has accepted, what the sensors report of their own health,
//! the uploads it refused, and the roll-ups that every view is drawn from.
//!
//! Callers see only the [`Store`] trait, so that the embedded SQLite
//! backend ([`SqliteStore`], the default) and a ClickHouse backend for
//! deployments that outgrow one machine are interchangeable.
//!
//! Two promises every backend keeps:
//!
//! - **Exactly once.** [`Store::commit_segment`] records a segment's
//!   identity (sensor, sequence, SHA-256) and adds its roll-up in one
//!   atomic step. A segment already stored is acknowledged as
//!   [`Committed::Duplicate`] and adds nothing; the same sequence with
//!   different content is a [`Committed::Conflict`] and adds nothing.
//! - **Sensor addresses stay private.** Where a sensor listens is sensitive
//!   (knowing it lets an attacker avoid or poison the darknet). [`Sensor`]
//!   does not carry its addresses; only [`Store::sensor_addresses`] returns
//!   them, for the operator's own command line, and nothing public calls
//!   it.

mod sqlite;
mod types;

/// What a sensor reports of itself; the store keeps the latest.
pub use hirundo_wire::SensorHealth;
pub use sqlite::SqliteStore;
pub use types::*;

use hirundo_rollup::Rollup;

/// The collector's storage. Methods are blocking; async callers run them
/// on a blocking thread. Implementations are shared between threads.
pub trait Store: Send + Sync {
    // --- sensor registry ---

    /// Registers a sensor with the hash of its first token.
    /// [`StoreError::SensorExists`] if the name is taken.
    fn add_sensor(&self, sensor: &NewSensor, token: &TokenHash) -> Result<Sensor, StoreError>;
    /// Every registered sensor, by name.
    fn sensors(&self) -> Result<Vec<Sensor>, StoreError>;
    fn sensor(&self, name: &str) -> Result<Option<Sensor>, StoreError>;
    /// The sensor whose current token hashes to `token`, enabled or not.
    fn sensor_by_token(&self, token: &TokenHash) -> Result<Option<Sensor>, StoreError>;
    /// Enables or disables a sensor. [`StoreError::NoSuchSensor`] if absent.
    fn set_enabled(&self, name: &str, enabled: bool) -> Result<(), StoreError>;
    /// Replaces a sensor's token; the old one stops working at once.
    fn set_token(&self, name: &str, token: &TokenHash) -> Result<(), StoreError>;
    /// The address ranges a sensor listens on. Sensitive: for the
    /// operator's own tools only, never for any public output or export.
    fn sensor_addresses(&self, name: &str) -> Result<Vec<String>, StoreError>;

    // --- ingest ---

    /// The stored segment `seq` of `sensor`, if any.
    fn segment(&self, sensor: SensorId, seq: u64) -> Result<Option<SegmentRecord>, StoreError>;
    /// Stores a segment's identity and adds its roll-up, atomically and
    /// durably: when this returns `Ok(Committed::New)` the data survive a
    /// crash of the process or the machine.
    fn commit_segment(
        &self,
        segment: &NewSegment,
        rollup: &Rollup,
    ) -> Result<Committed, StoreError>;
    /// Keeps the latest health report of a sensor (sent with every upload,
    /// accepted or not).
    fn record_health(&self, sensor: SensorId, health: &SensorHealth) -> Result<(), StoreError>;
    /// Counts an upload the collector refused.
    fn record_rejection(&self, rejection: &Rejection) -> Result<(), StoreError>;

    // --- views ---

    /// Per sensor: registry entry, what it delivered and its latest health.
    fn sensor_overview(&self) -> Result<Vec<SensorOverview>, StoreError>;
    /// Sums over the hours and sensors `filter` selects.
    fn totals(&self, filter: &Filter) -> Result<Totals, StoreError>;
    /// Packets per (proto, port): most packets first, then TCP before UDP,
    /// then port; at most `limit` rows (`None`: all).
    fn ports(&self, filter: &Filter, limit: Option<usize>) -> Result<Vec<PortTotal>, StoreError>;
    /// Packets per source country, most first, then by code.
    fn countries(
        &self,
        filter: &Filter,
        limit: Option<usize>,
    ) -> Result<Vec<CountryTotal>, StoreError>;
    /// Packets per source AS, most first, then by number.
    fn asns(&self, filter: &Filter, limit: Option<usize>) -> Result<Vec<AsnTotal>, StoreError>;
    /// Packets per hour, ascending.
    fn hours(&self, filter: &Filter) -> Result<Vec<HourTotal>, StoreError>;
    /// Source-days in `days` (UTC days since the epoch, half-open), most
    /// packets first, then by day and address.
    fn source_days(
        &self,
        days: DayRange,
        limit: Option<usize>,
    ) -> Result<Vec<SourceDayRow>, StoreError>;
    /// Refused uploads per reason, most first.
    fn rejections(&self) -> Result<Vec<RejectionCount>, StoreError>;
    /// Accepted segments of every sensor.
    fn segments(&self, sensor: Option<SensorId>) -> Result<Vec<SegmentRecord>, StoreError>;
}
