//! The tables, the connection settings and the schema migrations.
//!
//! The schema's version is `PRAGMA user_version`; `MIGRATIONS[i]` takes a
//! database from version `i` to `i + 1`, in one transaction with the new
//! version number, so a crash mid-upgrade leaves the old schema whole.
//! `PRAGMA application_id` marks the file as hirundo's, so that another
//! program's database is refused instead of being "upgraded".

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use super::error::Context;
use super::BUSY_TIMEOUT;
use crate::StoreError;

/// "hiru": what `PRAGMA application_id` holds in a hirundo store.
const APPLICATION_ID: i32 = 0x6869_7275;

/// Migrations, oldest first: index `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: [&str; 3] = [V1, V2, V3];

/// The schema version this build writes and reads.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Bytes per database page, for new files. A segment's source-days land
/// all over their day's rows (addresses are random), so a commit dirties
/// pages throughout `source_day`; with 16 KiB pages that costs a third
/// less CPU than with SQLite's default 4 KiB, per segment of 10,000
/// packets as per segment of 2 million (see `examples/commit_bench.rs`).
const PAGE_SIZE: i64 = 16_384;

/// Page cache per connection, in KiB (negative: SQLite's unit for KiB).
/// A large segment touches tens of thousands of pages; spilling them to
/// the WAL mid-transaction would write them twice.
const CACHE_KIB: i64 = -65_536;

/// Version 1. Every count is an INTEGER (SQLite's is a signed 64-bit one;
/// `u64` values are stored as their `i64` bit pattern). Roll-up tables are
/// `WITHOUT ROWID` so that a row lives in its primary-key B-tree only, and
/// carry no `REFERENCES` to `sensor`: they are written only together with
/// a `segment` row, whose reference is checked, and a foreign-key lookup
/// per roll-up row would cost a B-tree search each.
const V1: &str = "
CREATE TABLE sensor (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    network_type TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    token_hash BLOB NOT NULL UNIQUE
) STRICT;

-- `position` keeps the order the operator gave.
CREATE TABLE sensor_address (
    sensor INTEGER NOT NULL REFERENCES sensor (id),
    position INTEGER NOT NULL,
    cidr TEXT NOT NULL,
    PRIMARY KEY (sensor, position)
) STRICT, WITHOUT ROWID;

-- `bytes` is the wire length of the segment's packets; `size` the upload.
CREATE TABLE segment (
    sensor INTEGER NOT NULL REFERENCES sensor (id),
    seq INTEGER NOT NULL,
    sha256 BLOB NOT NULL,
    size INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    received_ns INTEGER NOT NULL,
    first_ns INTEGER,
    last_ns INTEGER,
    archive TEXT NOT NULL,
    PRIMARY KEY (sensor, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE health (
    sensor INTEGER PRIMARY KEY REFERENCES sensor (id),
    reported_ns INTEGER NOT NULL,
    kernel_packets INTEGER NOT NULL,
    kernel_drops INTEGER NOT NULL,
    spool_segments INTEGER NOT NULL,
    spool_bytes INTEGER NOT NULL,
    spool_cap_bytes INTEGER NOT NULL,
    paused INTEGER NOT NULL,
    pauses INTEGER NOT NULL,
    not_captured INTEGER NOT NULL,
    quarantined INTEGER NOT NULL
) STRICT;

CREATE TABLE rejection (
    reason TEXT NOT NULL,
    status INTEGER NOT NULL,
    count INTEGER NOT NULL,
    last_ns INTEGER NOT NULL,
    PRIMARY KEY (reason, status)
) STRICT, WITHOUT ROWID;

-- The error columns of an hour are the segment's error counts spread over
-- its hours (see commit.rs): their sum per hour is exact, the split by
-- reason is exact per segment.
CREATE TABLE hour_total (
    hour INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    decoded INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    unsupported_link INTEGER NOT NULL,
    not_ip INTEGER NOT NULL,
    malformed INTEGER NOT NULL,
    tcp INTEGER NOT NULL,
    udp INTEGER NOT NULL,
    icmp INTEGER NOT NULL,
    icmpv6 INTEGER NOT NULL,
    other INTEGER NOT NULL,
    PRIMARY KEY (hour, sensor)
) STRICT, WITHOUT ROWID;

-- `proto`: 0 TCP, 1 UDP, so that ordering by it puts TCP first.
CREATE TABLE port_hour (
    hour INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    proto INTEGER NOT NULL,
    port INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    PRIMARY KEY (hour, sensor, proto, port)
) STRICT, WITHOUT ROWID;

CREATE TABLE country_hour (
    hour INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    cc TEXT NOT NULL,
    packets INTEGER NOT NULL,
    PRIMARY KEY (hour, sensor, cc)
) STRICT, WITHOUT ROWID;

CREATE TABLE asn_hour (
    hour INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    asn INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    PRIMARY KEY (hour, sensor, asn)
) STRICT, WITHOUT ROWID;

-- The latest non-empty name a segment gave each AS.
CREATE TABLE asn_name (
    asn INTEGER PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- Over every sensor. `source`: 4 bytes for IPv4, 16 for IPv6. `ports`:
-- PortKey::encode. `sensors`: the ids that saw the source that day,
-- ascending, 8 bytes big-endian each. `research`: NULL when not listed.
CREATE TABLE source_day (
    day INTEGER NOT NULL,
    source BLOB NOT NULL,
    packets INTEGER NOT NULL,
    ports BLOB NOT NULL,
    tags INTEGER NOT NULL,
    first_ns INTEGER NOT NULL,
    last_ns INTEGER NOT NULL,
    cc TEXT NOT NULL,
    asn INTEGER NOT NULL,
    research TEXT,
    sensors BLOB NOT NULL,
    PRIMARY KEY (day, source)
) STRICT, WITHOUT ROWID;
";

/// Version 2: what reports, the dashboard and surge detection read.
///
/// - `research`: of each count, the packets from research scanners, so
///   that every figure can be shown with and without them.
/// - `*_day`: the hourly tables summed per UTC day, so that a month or a
///   quarter reads thirty to ninety rows per key instead of 24 times as
///   many. Filled from the hourly tables on upgrade.
/// - `cell_hour`: probes per hour × (proto, port) × source country over
///   every sensor, research scanners and backscatter left out, with a
///   sketch of the distinct sources (`hirundo_rollup::CellSketch`): the
///   series surge detection reads. Data stored before version 2 has none.
/// - `day_sources`: a sketch of every source per UTC day
///   (`hirundo_rollup::DaySketch`), for unique-source counts over any
///   period without reading every source-day.
/// - `source_day_by_source`: a source's days, for its profile.
/// - `account`, `session`: dashboard logins (argon2 hashes; a session
///   is kept as the SHA-256 of its cookie, never the cookie itself).
/// - `alert`: raised alerts, the record as JSON plus what lists filter on.
/// - `job_state`: where background jobs (surge detection) got to.
const V2: &str = "
ALTER TABLE hour_total ADD COLUMN research INTEGER NOT NULL DEFAULT 0;
ALTER TABLE port_hour ADD COLUMN research INTEGER NOT NULL DEFAULT 0;
ALTER TABLE country_hour ADD COLUMN research INTEGER NOT NULL DEFAULT 0;
ALTER TABLE asn_hour ADD COLUMN research INTEGER NOT NULL DEFAULT 0;

CREATE TABLE port_day (
    day INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    proto INTEGER NOT NULL,
    port INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    research INTEGER NOT NULL,
    PRIMARY KEY (day, sensor, proto, port)
) STRICT, WITHOUT ROWID;
INSERT INTO port_day
    SELECT hour / 24, sensor, proto, port, sum(packets), 0 FROM port_hour
    GROUP BY hour / 24, sensor, proto, port;

CREATE TABLE country_day (
    day INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    cc TEXT NOT NULL,
    packets INTEGER NOT NULL,
    research INTEGER NOT NULL,
    PRIMARY KEY (day, sensor, cc)
) STRICT, WITHOUT ROWID;
INSERT INTO country_day
    SELECT hour / 24, sensor, cc, sum(packets), 0 FROM country_hour
    GROUP BY hour / 24, sensor, cc;

CREATE TABLE asn_day (
    day INTEGER NOT NULL,
    sensor INTEGER NOT NULL,
    asn INTEGER NOT NULL,
    packets INTEGER NOT NULL,
    research INTEGER NOT NULL,
    PRIMARY KEY (day, sensor, asn)
) STRICT, WITHOUT ROWID;
INSERT INTO asn_day
    SELECT hour / 24, sensor, asn, sum(packets), 0 FROM asn_hour
    GROUP BY hour / 24, sensor, asn;

CREATE TABLE cell_hour (
    hour INTEGER NOT NULL,
    proto INTEGER NOT NULL,
    port INTEGER NOT NULL,
    cc TEXT NOT NULL,
    packets INTEGER NOT NULL,
    sources BLOB NOT NULL,
    PRIMARY KEY (hour, proto, port, cc)
) STRICT, WITHOUT ROWID;

CREATE TABLE day_sources (
    day INTEGER PRIMARY KEY,
    sources BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX source_day_by_source ON source_day (source, day);
CREATE INDEX source_day_research ON source_day (day) WHERE research IS NOT NULL;

CREATE TABLE account (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_ns INTEGER NOT NULL
) STRICT;

CREATE TABLE session (
    token_hash BLOB PRIMARY KEY,
    account TEXT NOT NULL REFERENCES account (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    expires_ns INTEGER NOT NULL
) STRICT;

CREATE TABLE alert (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    started_ns INTEGER NOT NULL,
    last_ns INTEGER NOT NULL,
    record TEXT NOT NULL
) STRICT;
CREATE INDEX alert_by_time ON alert (started_ns);

CREATE TABLE job_state (
    job TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;
";

/// Version 3: coordination. Teams, incidents and their events are kept as
/// JSON records (their shape belongs to `hirundo-directory` and
/// `hirundo-incident`) beside the columns that lists sort and filter by.
/// `notified` is the ledger that keeps a source-day from reaching the same
/// team twice: a notification reserves its rows before it is sent.
const V3: &str = "
CREATE TABLE team (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    updated_ns INTEGER NOT NULL
) STRICT;

CREATE TABLE notification (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket TEXT NOT NULL UNIQUE,
    team TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_day INTEGER NOT NULL,
    to_day INTEGER NOT NULL,
    tlp TEXT NOT NULL,
    sources INTEGER NOT NULL,
    status TEXT NOT NULL,
    channels TEXT NOT NULL,
    recipients TEXT NOT NULL,
    detail TEXT NOT NULL,
    incident INTEGER,
    created_ns INTEGER NOT NULL,
    finished_ns INTEGER
) STRICT;
CREATE INDEX notification_by_time ON notification (created_ns);
CREATE INDEX notification_by_team ON notification (team, created_ns);

CREATE TABLE notified (
    team TEXT NOT NULL,
    day INTEGER NOT NULL,
    source BLOB NOT NULL,
    notification INTEGER NOT NULL REFERENCES notification (id),
    PRIMARY KEY (team, day, source)
) STRICT, WITHOUT ROWID;

CREATE TABLE incident (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL,
    record TEXT NOT NULL
) STRICT;
CREATE INDEX incident_by_time ON incident (created_ns);

CREATE TABLE incident_event (
    incident INTEGER NOT NULL REFERENCES incident (id),
    seq INTEGER NOT NULL,
    at_ns INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (incident, seq)
) STRICT, WITHOUT ROWID;
";

/// Sets up the writing connection and brings the schema up to date.
/// `file` is false for an in-memory database, which has no WAL.
pub(crate) fn prepare_writer(
    conn: &mut Connection,
    shown: &str,
    file: bool,
) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .context("setting the busy timeout")?;
    // Before anything writes: another program's file must stay untouched.
    let found = identify(conn, shown)?;
    if found.version == 0 {
        // Only a file with no page yet takes a page size (in WAL mode, not
        // even a VACUUM changes it later).
        conn.pragma_update(None, "page_size", PAGE_SIZE)
            .with_context(|| format!("{shown}: setting page_size"))?;
    }
    if file {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .with_context(|| format!("{shown}: switching to WAL mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{shown}: SQLite kept journal mode {mode:?} instead of WAL; \
                 put the database on a local file system"
            )));
        }
    }
    // FULL: in WAL mode, every commit syncs the WAL, so an acknowledged
    // segment survives a power cut. Never lower: sensors delete their
    // copy once the collector says a segment is stored.
    for (pragma, value) in [
        ("synchronous", "FULL"),
        ("foreign_keys", "ON"),
        ("temp_store", "MEMORY"),
    ] {
        conn.pragma_update(None, pragma, value)
            .with_context(|| format!("{shown}: setting {pragma}"))?;
    }
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .with_context(|| format!("{shown}: setting cache_size"))?;
    conn.set_prepared_statement_cache_capacity(64);
    super::commit::register_functions(conn)
        .with_context(|| format!("{shown}: registering the merge functions"))?;
    if found.version < SCHEMA_VERSION {
        migrate(conn, shown)?;
    }
    Ok(())
}

/// Sets up the reading connection of a file the writer has prepared.
pub(crate) fn prepare_reader(conn: &Connection, shown: &str) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .context("setting the busy timeout")?;
    conn.pragma_update(None, "query_only", "ON")
        .with_context(|| format!("{shown}: setting query_only"))?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .with_context(|| format!("{shown}: setting temp_store"))?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .with_context(|| format!("{shown}: setting cache_size"))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// What a database file turned out to be.
struct Found {
    /// Its schema version; 0 for a new, empty database.
    version: i64,
}

/// Reads the file's identity and refuses any that this build must not
/// touch, with a sentence the operator can act on.
fn identify(conn: &Connection, shown: &str) -> Result<Found, StoreError> {
    let incompatible = |why: String| StoreError::Incompatible {
        path: shown.to_string(),
        why,
    };
    let read = |sql: &str| -> Result<i64, StoreError> {
        conn.query_row(sql, [], |row| row.get(0))
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::NotADatabase) => incompatible(
                    "not an SQLite database, so not a hirundo store: check the path".to_string(),
                ),
                Some(ErrorCode::DatabaseCorrupt) => incompatible(format!(
                    "the database is damaged ({e}): restore it from a backup"
                )),
                _ => super::error::backend(&format!("{shown}: reading the schema version"), &e),
            })
    };
    let application_id = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    let tables = read("SELECT count(*) FROM sqlite_schema")?;
    if application_id == i64::from(APPLICATION_ID) {
        if version > SCHEMA_VERSION {
            return Err(incompatible(format!(
                "written by a newer hirundo (schema version {version}; this one reads up to \
                 {SCHEMA_VERSION}): run that version or a later one"
            )));
        }
        return Ok(Found { version });
    }
    if application_id != 0 {
        return Err(incompatible(format!(
            "an SQLite database of another program (application_id {application_id:#x}), \
             not a hirundo store: choose another path"
        )));
    }
    if tables > 0 || version != 0 {
        return Err(incompatible(format!(
            "an SQLite database without hirundo's mark ({tables} schema objects, user_version \
             {version}), not a hirundo store: choose another path"
        )));
    }
    Ok(Found { version: 0 })
}

/// Brings the schema from whatever version the file has to
/// [`SCHEMA_VERSION`], in one transaction.
fn migrate(conn: &mut Connection, shown: &str) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .with_context(|| format!("{shown}: starting the schema upgrade"))?;
    // Again under the write lock: another process may have upgraded it
    // since the first look.
    let from = identify(&tx, shown)?.version;
    let from = usize::try_from(from).unwrap_or(MIGRATIONS.len());
    for (at, sql) in MIGRATIONS.iter().enumerate().skip(from) {
        tx.execute_batch(sql)
            .with_context(|| format!("{shown}: upgrading the schema to version {}", at + 1))?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .with_context(|| format!("{shown}: marking the file as a hirundo store"))?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .with_context(|| format!("{shown}: recording the schema version"))?;
    tx.commit()
        .with_context(|| format!("{shown}: committing the schema upgrade"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_gets_every_table_and_the_current_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        prepare_writer(&mut conn, ":memory:", false).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // 20 of versions 1 and 2, and version 3's team, notification, notified,
        // incident and incident_event.
        assert_eq!(tables, 25);
        // Preparing again is a no-op, not a second CREATE TABLE.
        prepare_writer(&mut conn, ":memory:", false).unwrap();
    }

    /// A version-1 store (as the sensor-network release wrote it) is
    /// upgraded in place, and its hourly counts are summed into the new
    /// daily tables.
    #[test]
    fn a_version_1_store_is_upgraded_and_its_days_filled() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO port_hour VALUES (480000, 1, 0, 23, 5), (480001, 1, 0, 23, 7), \
             (480024, 1, 0, 23, 11), (480000, 2, 1, 53, 3); \
             INSERT INTO country_hour VALUES (480000, 1, 'BR', 4), (480023, 1, 'BR', 6); \
             INSERT INTO asn_hour VALUES (480000, 1, 64500, 9);",
        )
        .unwrap();
        prepare_writer(&mut conn, ":memory:", false).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let rows = |sql: &str| -> Vec<(i64, i64, i64)> {
            let mut stmt = conn.prepare(sql).unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        // Hours 480000 and 480001 are day 20000, 480024 is day 20001.
        assert_eq!(
            rows("SELECT day, port, packets FROM port_day ORDER BY day, sensor, port"),
            vec![(20_000, 23, 12), (20_000, 53, 3), (20_001, 23, 11)]
        );
        assert_eq!(
            rows("SELECT day, sensor, packets FROM country_day"),
            vec![(20_000, 1, 10)]
        );
        assert_eq!(
            rows("SELECT day, asn, packets FROM asn_day"),
            vec![(20_000, 64_500, 9)]
        );
        // What version 1 did not know is 0, not invented.
        let research: i64 = conn
            .query_row(
                "SELECT coalesce(sum(research), 0) FROM port_hour",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(research, 0);
    }

    #[test]
    fn a_foreign_database_is_refused_before_anything_is_written() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let err = prepare_writer(&mut conn, ":memory:", false).unwrap_err();
        assert!(
            matches!(&err, StoreError::Incompatible { why, .. } if why.contains("not a hirundo store")),
            "{err}"
        );
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);
    }
}
