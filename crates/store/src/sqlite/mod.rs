//! The embedded backend: one SQLite file in WAL mode.
//!
//! [`SqliteStore`] holds two connections, one that writes and one that
//! reads, each behind its own mutex: WAL lets the dashboard read a
//! consistent snapshot while a segment is being committed, and a single
//! writer is all SQLite allows anyway. Other processes (the CLI's
//! `hirundo sensor add`) open the same file and wait up to
//! [`BUSY_TIMEOUT`] for the write lock.
//!
//! - `schema`: the tables, the pragmas and the migrations, keyed by
//!   `PRAGMA user_version`;
//! - `registry`: sensors, their addresses and tokens, health reports and
//!   refused uploads;
//! - `commit`: [`Store::commit_segment`], where ingest speed is decided;
//! - `views`: the registry's and the roll-ups' totals and top lists;
//! - `analysis`: series, distinct sources, source profiles and probe
//!   cells, for reports, the dashboard and surge detection;
//! - `accounts`: dashboard accounts and sessions, alerts, job progress;
//! - `columns`: how values that SQLite has no type for are stored;
//! - `error`: rusqlite errors as [`StoreError`]s that say what failed.

mod accounts;
mod analysis;
mod columns;
mod commit;
mod coordination;
mod error;
mod registry;
mod schema;
mod views;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hirundo_rollup::Rollup;
use rusqlite::{Connection, OpenFlags};

use std::net::IpAddr;

use crate::{
    Account, Alert, AsnTotal, Bucket, CellRow, Committed, CountrySources, CountryTotal, DayRange,
    Filter, Grain, HourRange, HourTotal, NewSegment, NewSensor, PortKey, PortTotal, Rejection,
    RejectionCount, SegmentRecord, Sensor, SensorHealth, SensorId, SensorOverview, SeriesOf,
    Session, SourceCount, SourceDayRow, SourceQuery, SourceSummary, Store, StoreError, TokenHash,
    Totals,
};
use crate::{Event, Finish, Incident, IncidentQuery, NewNotification, NotificationRecord, Team};
use error::Context;

/// How long a connection waits for another one (in this process or
/// another) to release the database before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite store. Cheap to share behind an `Arc`; every method blocks.
pub struct SqliteStore {
    writer: Mutex<Connection>,
    /// `None` for an in-memory store, whose database exists only in the
    /// writer's connection; reads then go through the writer.
    reader: Option<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file and its tables if
    /// missing and upgrading an older schema.
    ///
    /// [`StoreError::Incompatible`] when the file is not an SQLite
    /// database, belongs to another application, or was written by a
    /// newer hirundo.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let shown = path.display().to_string();
        let mut writer = Connection::open(path).with_context(|| format!("opening {shown}"))?;
        schema::prepare_writer(&mut writer, &shown, true)?;
        // Not created: the writer made the file, and a reader that created
        // one would hide a file deleted under a running collector.
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {shown} for reading"))?;
        schema::prepare_reader(&reader, &shown)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
        })
    }

    /// A store that lives in memory and vanishes when dropped: for tests.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let mut writer = Connection::open_in_memory().context("opening an in-memory database")?;
        schema::prepare_writer(&mut writer, ":memory:", false)?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            reader: None,
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held dropped its transaction, which
        // rolled back: the connection is fine to use again.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(PoisonError::into_inner),
            None => self.writer(),
        }
    }
}

impl Store for SqliteStore {
    fn add_sensor(&self, sensor: &NewSensor, token: &TokenHash) -> Result<Sensor, StoreError> {
        registry::add_sensor(&mut self.writer(), sensor, token)
    }

    fn sensors(&self) -> Result<Vec<Sensor>, StoreError> {
        registry::sensors(&self.reader())
    }

    fn sensor(&self, name: &str) -> Result<Option<Sensor>, StoreError> {
        registry::sensor(&self.reader(), name)
    }

    fn sensor_by_token(&self, token: &TokenHash) -> Result<Option<Sensor>, StoreError> {
        registry::sensor_by_token(&self.reader(), token)
    }

    fn set_enabled(&self, name: &str, enabled: bool) -> Result<(), StoreError> {
        registry::set_enabled(&self.writer(), name, enabled)
    }

    fn set_token(&self, name: &str, token: &TokenHash) -> Result<(), StoreError> {
        registry::set_token(&self.writer(), name, token)
    }

    fn sensor_addresses(&self, name: &str) -> Result<Vec<String>, StoreError> {
        registry::sensor_addresses(&mut self.reader(), name)
    }

    fn segment(&self, sensor: SensorId, seq: u64) -> Result<Option<SegmentRecord>, StoreError> {
        views::segment(&self.reader(), sensor, seq)
    }

    fn commit_segment(
        &self,
        segment: &NewSegment,
        rollup: &Rollup,
    ) -> Result<Committed, StoreError> {
        commit::commit_segment(&mut self.writer(), segment, rollup)
    }

    fn record_health(&self, sensor: SensorId, health: &SensorHealth) -> Result<(), StoreError> {
        registry::record_health(&self.writer(), sensor, health)
    }

    fn record_rejection(&self, rejection: &Rejection) -> Result<(), StoreError> {
        registry::record_rejection(&self.writer(), rejection)
    }

    fn sensor_overview(&self) -> Result<Vec<SensorOverview>, StoreError> {
        views::sensor_overview(&self.reader())
    }

    fn totals(&self, filter: &Filter) -> Result<Totals, StoreError> {
        views::totals(&mut self.reader(), filter)
    }

    fn ports(&self, filter: &Filter, limit: Option<usize>) -> Result<Vec<PortTotal>, StoreError> {
        views::ports(&self.reader(), filter, limit)
    }

    fn countries(
        &self,
        filter: &Filter,
        limit: Option<usize>,
    ) -> Result<Vec<CountryTotal>, StoreError> {
        views::countries(&self.reader(), filter, limit)
    }

    fn asns(&self, filter: &Filter, limit: Option<usize>) -> Result<Vec<AsnTotal>, StoreError> {
        views::asns(&self.reader(), filter, limit)
    }

    fn hours(&self, filter: &Filter) -> Result<Vec<HourTotal>, StoreError> {
        views::hours(&self.reader(), filter)
    }

    fn source_days(
        &self,
        days: DayRange,
        limit: Option<usize>,
    ) -> Result<Vec<SourceDayRow>, StoreError> {
        views::source_days(&self.reader(), days, limit)
    }

    fn rejections(&self) -> Result<Vec<RejectionCount>, StoreError> {
        views::rejections(&self.reader())
    }

    fn segments(&self, sensor: Option<SensorId>) -> Result<Vec<SegmentRecord>, StoreError> {
        views::segments(&self.reader(), sensor)
    }

    fn series(
        &self,
        filter: &Filter,
        what: &SeriesOf,
        grain: Grain,
    ) -> Result<Vec<Bucket>, StoreError> {
        analysis::series(&self.reader(), filter, what, grain)
    }

    fn unique_sources(
        &self,
        days: DayRange,
        exclude_research: bool,
    ) -> Result<SourceCount, StoreError> {
        analysis::unique_sources(&self.reader(), days, exclude_research)
    }

    fn sources_by_country(
        &self,
        days: DayRange,
        query: &SourceQuery,
    ) -> Result<Vec<CountrySources>, StoreError> {
        analysis::sources_by_country(&self.reader(), days, query)
    }

    fn port_sources(
        &self,
        days: DayRange,
        ports: &[PortKey],
        exclude_research: bool,
    ) -> Result<Vec<u64>, StoreError> {
        analysis::port_sources(&self.reader(), days, ports, exclude_research)
    }

    fn top_sources(
        &self,
        days: DayRange,
        query: &SourceQuery,
        limit: usize,
    ) -> Result<Vec<SourceSummary>, StoreError> {
        analysis::top_sources(&self.reader(), days, query, limit)
    }

    fn source_profile(&self, source: IpAddr) -> Result<Vec<SourceDayRow>, StoreError> {
        analysis::source_profile(&self.reader(), source)
    }

    fn cells(&self, hours: HourRange) -> Result<Vec<CellRow>, StoreError> {
        analysis::cells(&self.reader(), hours)
    }

    fn set_account(&self, name: &str, password_hash: &str, now_ns: i64) -> Result<(), StoreError> {
        accounts::set_account(&self.writer(), name, password_hash, now_ns)
    }

    fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        accounts::account(&self.reader(), name)
    }

    fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        accounts::accounts(&self.reader())
    }

    fn add_session(&self, token: &TokenHash, session: &Session) -> Result<(), StoreError> {
        accounts::add_session(&self.writer(), token, session)
    }

    fn session(&self, token: &TokenHash, now_ns: i64) -> Result<Option<Session>, StoreError> {
        accounts::session(&self.reader(), token, now_ns)
    }

    fn end_session(&self, token: &TokenHash, now_ns: i64) -> Result<(), StoreError> {
        accounts::end_session(&self.writer(), token, now_ns)
    }

    fn save_alert(&self, alert: &Alert) -> Result<i64, StoreError> {
        accounts::save_alert(&self.writer(), alert)
    }

    fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        accounts::alert(&self.reader(), id)
    }

    fn alerts(&self, from_ns: i64, to_ns: i64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        accounts::alerts(&self.reader(), from_ns, to_ns, limit)
    }

    fn job_state(&self, job: &str) -> Result<Option<i64>, StoreError> {
        accounts::job_state(&self.reader(), job)
    }

    fn set_job_state(&self, job: &str, value: i64) -> Result<(), StoreError> {
        accounts::set_job_state(&self.writer(), job, value)
    }

    fn put_team(&self, team: &Team, now_ns: i64) -> Result<(), StoreError> {
        coordination::put_team(&self.writer(), team, now_ns)
    }

    fn delete_team(&self, id: &str) -> Result<(), StoreError> {
        coordination::delete_team(&self.writer(), id)
    }

    fn teams(&self) -> Result<Vec<Team>, StoreError> {
        coordination::teams(&self.reader())
    }

    fn team(&self, id: &str) -> Result<Option<Team>, StoreError> {
        coordination::team(&self.reader(), id)
    }

    fn begin_notification(&self, new: &NewNotification) -> Result<NotificationRecord, StoreError> {
        coordination::begin_notification(&self.writer(), new)
    }

    fn finish_notification(&self, id: i64, finish: &Finish) -> Result<(), StoreError> {
        coordination::finish_notification(&self.writer(), id, finish)
    }

    fn notifications(
        &self,
        from_ns: i64,
        to_ns: i64,
        team: Option<&str>,
        limit: usize,
    ) -> Result<Vec<NotificationRecord>, StoreError> {
        coordination::notifications(&self.reader(), from_ns, to_ns, team, limit)
    }

    fn notification(&self, ticket: &str) -> Result<Option<NotificationRecord>, StoreError> {
        coordination::notification(&self.reader(), ticket)
    }

    fn notified(&self, team: &str, days: DayRange) -> Result<Vec<(i64, IpAddr)>, StoreError> {
        coordination::notified(&self.reader(), team, days)
    }

    fn add_incident(&self, incident: &Incident, events: &[Event]) -> Result<Incident, StoreError> {
        coordination::add_incident(&self.writer(), incident, events)
    }

    fn update_incident(
        &self,
        incident: &Incident,
        read_at: i64,
        events: &[Event],
    ) -> Result<(), StoreError> {
        coordination::update_incident(&self.writer(), incident, read_at, events)
    }

    fn incident(&self, id: i64) -> Result<Option<Incident>, StoreError> {
        coordination::incident(&self.reader(), id)
    }

    fn incident_by_ticket(&self, ticket: &str) -> Result<Option<Incident>, StoreError> {
        coordination::incident_by_ticket(&self.reader(), ticket)
    }

    fn incidents(&self, query: &IncidentQuery) -> Result<Vec<Incident>, StoreError> {
        coordination::incidents(&self.reader(), query)
    }

    fn incident_events(&self, id: i64) -> Result<Vec<Event>, StoreError> {
        coordination::incident_events(&self.reader(), id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The durability promise rests on these: `synchronous` is per
    /// connection and invisible from outside, so it is checked here.
    #[test]
    fn the_writer_syncs_every_commit_and_checks_references() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("hirundo.db")).unwrap();
        let writer = store.writer();
        let pragma = |name: &str| -> String {
            writer
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|v| format!("{v:?}"))
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), r#"Text("wal")"#);
        // 2 is FULL.
        assert_eq!(pragma("synchronous"), "Integer(2)");
        assert_eq!(pragma("foreign_keys"), "Integer(1)");
        assert_eq!(pragma("busy_timeout"), "Integer(10000)");
        drop(writer);
        let reader = store.reader();
        let query_only: i64 = reader
            .query_row("PRAGMA query_only", [], |row| row.get(0))
            .unwrap();
        assert_eq!(query_only, 1);
    }
}
