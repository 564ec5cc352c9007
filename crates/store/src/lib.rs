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

use std::net::IpAddr;

pub use hirundo_directory::Team;
pub use hirundo_incident::{Event, Incident};
pub use hirundo_rollup::PortKey;
use hirundo_rollup::Rollup;
pub use hirundo_surge::Alert;

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

    // --- analysis ---

    /// Packets of `what` per hour or per UTC day over what `filter`
    /// selects (a day grain reads whole days: the days the filter's hours
    /// start and end in), ascending, buckets with no packets left out.
    fn series(
        &self,
        filter: &Filter,
        what: &SeriesOf,
        grain: Grain,
    ) -> Result<Vec<Bucket>, StoreError>;
    /// Distinct sources over `days`, every sensor: from the per-day
    /// sketches, so an estimate above a thousand or so.
    fn unique_sources(
        &self,
        days: DayRange,
        exclude_research: bool,
    ) -> Result<SourceCount, StoreError>;
    /// Exact distinct sources and their packets per country over `days`,
    /// among the sources `query` selects (its `cc` is ignored), most
    /// sources first. Reads every source-day of the range: for reports,
    /// not for every page view.
    fn sources_by_country(
        &self,
        days: DayRange,
        query: &SourceQuery,
    ) -> Result<Vec<CountrySources>, StoreError>;
    /// Exact distinct sources per (proto, port) of `ports` over `days`.
    fn port_sources(
        &self,
        days: DayRange,
        ports: &[PortKey],
        exclude_research: bool,
    ) -> Result<Vec<u64>, StoreError>;
    /// The busiest sources over `days` among those `query` selects, most
    /// packets first.
    fn top_sources(
        &self,
        days: DayRange,
        query: &SourceQuery,
        limit: usize,
    ) -> Result<Vec<SourceSummary>, StoreError>;
    /// Everything stored about one source: its days, oldest first.
    fn source_profile(&self, source: IpAddr) -> Result<Vec<SourceDayRow>, StoreError>;
    /// Probe cells of the hours in `hours`, by hour, port, country.
    fn cells(&self, hours: HourRange) -> Result<Vec<CellRow>, StoreError>;

    // --- dashboard accounts ---

    /// Creates the account or replaces its password hash.
    fn set_account(&self, name: &str, password_hash: &str, now_ns: i64) -> Result<(), StoreError>;
    fn account(&self, name: &str) -> Result<Option<Account>, StoreError>;
    fn accounts(&self) -> Result<Vec<Account>, StoreError>;
    /// Stores a session under the SHA-256 of its cookie.
    fn add_session(&self, token: &TokenHash, session: &Session) -> Result<(), StoreError>;
    /// The unexpired session of a cookie's hash.
    fn session(&self, token: &TokenHash, now_ns: i64) -> Result<Option<Session>, StoreError>;
    /// Ends a session; also drops every expired one.
    fn end_session(&self, token: &TokenHash, now_ns: i64) -> Result<(), StoreError>;

    // --- alerts and background jobs ---

    /// Stores a new alert (`alert.id == 0`; returns its id) or replaces
    /// the stored one with the same id.
    fn save_alert(&self, alert: &Alert) -> Result<i64, StoreError>;
    fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError>;
    /// Alerts that started in `[from_ns, to_ns)`, newest first, at most `limit`.
    fn alerts(&self, from_ns: i64, to_ns: i64, limit: usize) -> Result<Vec<Alert>, StoreError>;
    /// Where a background job got to (`None`: never ran).
    fn job_state(&self, job: &str) -> Result<Option<i64>, StoreError>;
    fn set_job_state(&self, job: &str, value: i64) -> Result<(), StoreError>;

    // --- coordination: the CSIRT directory ---

    /// Adds the team or replaces the one with its id.
    fn put_team(&self, team: &Team, now_ns: i64) -> Result<(), StoreError>;
    /// [`StoreError::NoSuchTeam`] if absent.
    fn delete_team(&self, id: &str) -> Result<(), StoreError>;
    /// Every team, by id.
    fn teams(&self) -> Result<Vec<Team>, StoreError>;
    fn team(&self, id: &str) -> Result<Option<Team>, StoreError>;

    // --- coordination: notifications and their ledger ---

    /// Logs a notification and gives it its ticket. When its status is
    /// pending, also reserves its source-days for the team, all or none:
    /// [`StoreError::AlreadyNotified`] if any was reserved before.
    fn begin_notification(&self, new: &NewNotification) -> Result<NotificationRecord, StoreError>;
    /// Records how a pending notification ended; a failure releases its
    /// source-days so that the next run sends them.
    fn finish_notification(&self, id: i64, finish: &Finish) -> Result<(), StoreError>;
    /// Notifications created in `[from_ns, to_ns)`, of one team or all,
    /// newest first, at most `limit`.
    fn notifications(
        &self,
        from_ns: i64,
        to_ns: i64,
        team: Option<&str>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError>;
    fn notification(&self, ticket: &str) -> Result<Option<NotificationRecord>, StoreError>;
    /// The source-days in `days` already reserved for `team`.
    fn notified(&self, team: &str, days: DayRange) -> Result<Vec<(i64, IpAddr)>, StoreError>;

    // --- coordination: incidents ---

    /// Stores a new incident with its first events; the store gives it its
    /// id and ticket (whatever `incident.id` and `.ticket` hold) and returns
    /// it as stored.
    fn add_incident(&self, incident: &Incident, events: &[Event]) -> Result<Incident, StoreError>;
    /// Replaces a stored incident and appends events to its timeline, in
    /// one transaction, if it is still as it was read (`updated_ns` was
    /// `read_at`): [`StoreError::Stale`] if someone changed it since, so
    /// that two people editing at once never lose one of the edits.
    fn update_incident(
        &self,
        incident: &Incident,
        read_at: i64,
        events: &[Event],
    ) -> Result<(), StoreError>;
    fn incident(&self, id: i64) -> Result<Option<Incident>, StoreError>;
    fn incident_by_ticket(&self, ticket: &str) -> Result<Option<Incident>, StoreError>;
    fn incidents(&self, query: &IncidentQuery) -> Result<Vec<Incident>, StoreError>;
    /// An incident's timeline, oldest first.
    fn incident_events(&self, id: i64) -> Result<Vec<Event>, StoreError>;
}
