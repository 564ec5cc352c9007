//! The sensor registry, the sensors' health reports and the refused
//! uploads: small tables written by the CLI and by every upload.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use super::columns::{int, uint};
use super::error::{backend, is_foreign_key, is_unique, Context};
use crate::{NewSensor, Rejection, Sensor, SensorHealth, SensorId, StoreError, TokenHash};

const SENSOR_COLUMNS: &str = "id, name, country, network_type, enabled, created_ns";

pub(crate) fn add_sensor(
    conn: &mut Connection,
    new: &NewSensor,
    token: &TokenHash,
) -> Result<Sensor, StoreError> {
    new.validate()?;
    let what = || format!("registering sensor {:?}", new.name);
    // IMMEDIATE: the name check and the insert see the same registry, even
    // with a second `hirundo sensor add` running.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .with_context(what)?;
    let taken = tx
        .prepare_cached("SELECT 1 FROM sensor WHERE name = ?1")
        .and_then(|mut s| s.exists([&new.name]))
        .with_context(what)?;
    if taken {
        return Err(StoreError::SensorExists(new.name.clone()));
    }
    let sensor = Sensor {
        id: 0,
        name: new.name.clone(),
        country: new.country.clone(),
        network_type: new.network_type,
        enabled: true,
        created_ns: now_ns(),
    };
    let id: SensorId = tx
        .prepare_cached(
            "INSERT INTO sensor (name, country, network_type, enabled, created_ns, token_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    sensor.name,
                    sensor.country,
                    sensor.network_type.as_str(),
                    sensor.enabled,
                    sensor.created_ns,
                    &token.0[..],
                ],
                |row| row.get(0),
            )
        })
        .map_err(|e| token_taken_or(e, &what()))?;
    {
        let mut add = tx
            .prepare_cached(
                "INSERT INTO sensor_address (sensor, position, cidr) VALUES (?1, ?2, ?3)",
            )
            .with_context(what)?;
        for (position, cidr) in new.addresses.iter().enumerate() {
            add.execute(params![id, position as i64, cidr])
                .with_context(what)?;
        }
    }
    tx.commit().with_context(what)?;
    Ok(Sensor { id, ..sensor })
}

pub(crate) fn sensors(conn: &Connection) -> Result<Vec<Sensor>, StoreError> {
    let what = "listing sensors";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SENSOR_COLUMNS} FROM sensor ORDER BY name"
        ))
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        out.push(sensor_from_row(row, 0)?);
    }
    Ok(out)
}

pub(crate) fn sensor(conn: &Connection, name: &str) -> Result<Option<Sensor>, StoreError> {
    one_sensor(
        conn,
        &format!("SELECT {SENSOR_COLUMNS} FROM sensor WHERE name = ?1"),
        &name,
        || format!("looking sensor {name:?} up"),
    )
}

pub(crate) fn sensor_by_token(
    conn: &Connection,
    token: &TokenHash,
) -> Result<Option<Sensor>, StoreError> {
    one_sensor(
        conn,
        &format!("SELECT {SENSOR_COLUMNS} FROM sensor WHERE token_hash = ?1"),
        &&token.0[..],
        || "looking a sensor up by token".to_string(),
    )
}

fn one_sensor(
    conn: &Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
    what: impl Fn() -> String,
) -> Result<Option<Sensor>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).with_context(&what)?;
    let mut rows = stmt.query([key]).with_context(&what)?;
    match rows.next().with_context(&what)? {
        Some(row) => sensor_from_row(row, 0).map(Some),
        None => Ok(None),
    }
}

/// A sensor from `SENSOR_COLUMNS`, starting at column `at`.
pub(crate) fn sensor_from_row(row: &Row<'_>, at: usize) -> Result<Sensor, StoreError> {
    let what = "reading a sensor row";
    let id: SensorId = row.get(at).context(what)?;
    let network_type: String = row.get(at + 3).context(what)?;
    let network_type = network_type.parse().map_err(|_| {
        StoreError::Backend(format!(
            "sensor row {id}: unknown network type {network_type:?}"
        ))
    })?;
    Ok(Sensor {
        id,
        name: row.get(at + 1).context(what)?,
        country: row.get(at + 2).context(what)?,
        network_type,
        enabled: row.get(at + 4).context(what)?,
        created_ns: row.get(at + 5).context(what)?,
    })
}

pub(crate) fn set_enabled(conn: &Connection, name: &str, enabled: bool) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE sensor SET enabled = ?2 WHERE name = ?1")
        .and_then(|mut s| s.execute(params![name, enabled]))
        .with_context(|| format!("setting sensor {name:?} enabled = {enabled}"))?;
    if changed == 0 {
        return Err(StoreError::NoSuchSensor(name.to_string()));
    }
    Ok(())
}

pub(crate) fn set_token(
    conn: &Connection,
    name: &str,
    token: &TokenHash,
) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE sensor SET token_hash = ?2 WHERE name = ?1")
        .and_then(|mut s| s.execute(params![name, &token.0[..]]))
        .map_err(|e| token_taken_or(e, &format!("replacing the token of sensor {name:?}")))?;
    if changed == 0 {
        return Err(StoreError::NoSuchSensor(name.to_string()));
    }
    Ok(())
}

/// A token hash that another sensor has: tokens are 256 random bits, so
/// this is a caller reusing one, not chance.
fn token_taken_or(e: rusqlite::Error, what: &str) -> StoreError {
    if is_unique(&e) {
        StoreError::Invalid(format!(
            "{what}: that token belongs to another sensor; generate a new one"
        ))
    } else {
        backend(what, &e)
    }
}

pub(crate) fn sensor_addresses(
    conn: &mut Connection,
    name: &str,
) -> Result<Vec<String>, StoreError> {
    let what = || format!("listing the addresses of sensor {name:?}");
    // One snapshot: the sensor and its addresses as of the same moment.
    let tx = conn.transaction().with_context(what)?;
    let id: Option<SensorId> = tx
        .prepare_cached("SELECT id FROM sensor WHERE name = ?1")
        .and_then(|mut s| s.query_row([name], |row| row.get(0)).optional())
        .with_context(what)?;
    let Some(id) = id else {
        return Err(StoreError::NoSuchSensor(name.to_string()));
    };
    let mut stmt = tx
        .prepare_cached("SELECT cidr FROM sensor_address WHERE sensor = ?1 ORDER BY position")
        .with_context(what)?;
    let out = stmt
        .query_map([id], |row| row.get(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
        .with_context(what)?;
    Ok(out)
}

/// The last report received wins, whatever its `reported_ns`: a sensor
/// whose clock was set back must not freeze its own health page.
pub(crate) fn record_health(
    conn: &Connection,
    sensor: SensorId,
    h: &SensorHealth,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO health (sensor, reported_ns, kernel_packets, kernel_drops, spool_segments, \
         spool_bytes, spool_cap_bytes, paused, pauses, not_captured, quarantined) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (sensor) DO UPDATE SET reported_ns = excluded.reported_ns, \
         kernel_packets = excluded.kernel_packets, kernel_drops = excluded.kernel_drops, \
         spool_segments = excluded.spool_segments, spool_bytes = excluded.spool_bytes, \
         spool_cap_bytes = excluded.spool_cap_bytes, paused = excluded.paused, \
         pauses = excluded.pauses, not_captured = excluded.not_captured, \
         quarantined = excluded.quarantined",
    )
    .and_then(|mut s| {
        s.execute(params![
            sensor,
            h.reported_ns,
            int(h.kernel_packets),
            int(h.kernel_drops),
            int(h.spool_segments),
            int(h.spool_bytes),
            int(h.spool_cap_bytes),
            h.paused,
            int(h.pauses),
            int(h.not_captured),
            int(h.quarantined),
        ])
    })
    .map_err(|e| {
        if is_foreign_key(&e) {
            StoreError::Invalid(format!("no sensor with id {sensor}"))
        } else {
            backend(&format!("recording the health of sensor {sensor}"), &e)
        }
    })?;
    Ok(())
}

/// A health report from the columns of `health` after `sensor`, in table
/// order, starting at `at`.
pub(crate) fn health_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<SensorHealth> {
    let u = |i: usize| row.get::<_, i64>(at + i).map(uint);
    Ok(SensorHealth {
        reported_ns: row.get(at)?,
        kernel_packets: u(1)?,
        kernel_drops: u(2)?,
        spool_segments: u(3)?,
        spool_bytes: u(4)?,
        spool_cap_bytes: u(5)?,
        paused: row.get(at + 6)?,
        pauses: u(7)?,
        not_captured: u(8)?,
        quarantined: u(9)?,
    })
}

/// `last_ns` keeps the latest refusal even if reports arrive out of order.
pub(crate) fn record_rejection(conn: &Connection, r: &Rejection) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO rejection (reason, status, count, last_ns) VALUES (?1, ?2, 1, ?3) \
         ON CONFLICT (reason, status) DO UPDATE SET count = count + 1, \
         last_ns = max(last_ns, excluded.last_ns)",
    )
    .and_then(|mut s| s.execute(params![r.reason, r.status, r.at_ns]))
    .with_context(|| format!("counting a refused upload ({})", r.reason))?;
    Ok(())
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
