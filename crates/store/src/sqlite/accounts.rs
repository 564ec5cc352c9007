//! Dashboard accounts and sessions, raised alerts, and background jobs'
//! progress: the small tables of what people and jobs did.

use rusqlite::{params, Connection, OptionalExtension};

use super::error::Context;
use super::views::corrupt;
use crate::{Account, Alert, Session, StoreError, TokenHash};

pub(crate) fn set_account(
    conn: &Connection,
    name: &str,
    password_hash: &str,
    now_ns: i64,
) -> Result<(), StoreError> {
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if !valid {
        return Err(StoreError::Invalid(format!(
            "account name {name:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )));
    }
    conn.prepare_cached(
        "INSERT INTO account (name, password_hash, created_ns) VALUES (?1, ?2, ?3) \
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash",
    )
    .and_then(|mut s| s.execute(params![name, password_hash, now_ns]))
    .with_context(|| format!("storing account {name:?}"))?;
    // A new password ends every session of the old one.
    conn.prepare_cached("DELETE FROM session WHERE account = ?1")
        .and_then(|mut s| s.execute([name]))
        .with_context(|| format!("ending the sessions of {name:?}"))?;
    Ok(())
}

pub(crate) fn account(conn: &Connection, name: &str) -> Result<Option<Account>, StoreError> {
    conn.prepare_cached("SELECT name, password_hash, created_ns FROM account WHERE name = ?1")
        .and_then(|mut s| {
            s.query_row([name], |r| {
                Ok(Account {
                    name: r.get(0)?,
                    password_hash: r.get(1)?,
                    created_ns: r.get(2)?,
                })
            })
            .optional()
        })
        .context("looking an account up")
}

pub(crate) fn accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let doing = "listing accounts";
    let mut stmt = conn
        .prepare_cached("SELECT name, password_hash, created_ns FROM account ORDER BY name")
        .context(doing)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Account {
                name: r.get(0)?,
                password_hash: r.get(1)?,
                created_ns: r.get(2)?,
            })
        })
        .context(doing)?;
    rows.collect::<rusqlite::Result<_>>().context(doing)
}

pub(crate) fn add_session(
    conn: &Connection,
    token: &TokenHash,
    session: &Session,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO session (token_hash, account, csrf, created_ns, expires_ns) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            &token.0[..],
            session.account,
            session.csrf,
            session.created_ns,
            session.expires_ns
        ])
    })
    .map_err(|e| {
        if super::error::is_foreign_key(&e) {
            StoreError::NoSuchAccount(session.account.clone())
        } else {
            super::error::backend("storing a session", &e)
        }
    })?;
    Ok(())
}

pub(crate) fn session(
    conn: &Connection,
    token: &TokenHash,
    now_ns: i64,
) -> Result<Option<Session>, StoreError> {
    conn.prepare_cached(
        "SELECT account, csrf, created_ns, expires_ns FROM session \
         WHERE token_hash = ?1 AND expires_ns > ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![&token.0[..], now_ns], |r| {
            Ok(Session {
                account: r.get(0)?,
                csrf: r.get(1)?,
                created_ns: r.get(2)?,
                expires_ns: r.get(3)?,
            })
        })
        .optional()
    })
    .context("looking a session up")
}

pub(crate) fn end_session(
    conn: &Connection,
    token: &TokenHash,
    now_ns: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM session WHERE token_hash = ?1 OR expires_ns <= ?2")
        .and_then(|mut s| s.execute(params![&token.0[..], now_ns]))
        .context("ending a session")?;
    Ok(())
}

fn alert_json(alert: &Alert) -> Result<String, StoreError> {
    serde_json::to_string(alert)
        .map_err(|e| StoreError::Invalid(format!("alert {}: cannot be stored: {e}", alert.id)))
}

pub(crate) fn save_alert(conn: &Connection, alert: &Alert) -> Result<i64, StoreError> {
    let doing = "storing an alert";
    let kind = serde_json::to_value(alert.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let status = serde_json::to_value(alert.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let subject = alert.subject.label();
    if alert.id == 0 {
        // The id goes into the record too: one transaction, so that no
        // row is ever seen without its record.
        let tx = conn.unchecked_transaction().context(doing)?;
        tx.prepare_cached(
            "INSERT INTO alert (subject, kind, status, started_ns, last_ns, record) \
             VALUES (?1, ?2, ?3, ?4, ?5, '')",
        )
        .and_then(|mut s| {
            s.execute(params![
                subject,
                kind,
                status,
                alert.started_ns,
                alert.last_ns
            ])
        })
        .context(doing)?;
        let id = tx.last_insert_rowid();
        let stored = Alert {
            id,
            ..alert.clone()
        };
        let record = alert_json(&stored)?;
        tx.prepare_cached("UPDATE alert SET record = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, record]))
            .context(doing)?;
        tx.commit().context(doing)?;
        return Ok(id);
    }
    let record = alert_json(alert)?;
    let changed = conn
        .prepare_cached(
            "UPDATE alert SET subject = ?2, kind = ?3, status = ?4, started_ns = ?5, \
             last_ns = ?6, record = ?7 WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.execute(params![
                alert.id,
                subject,
                kind,
                status,
                alert.started_ns,
                alert.last_ns,
                record
            ])
        })
        .context(doing)?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!(
            "no alert with id {}",
            alert.id
        )));
    }
    Ok(alert.id)
}

fn alert_from(id: i64, record: &str) -> Result<Alert, StoreError> {
    serde_json::from_str(record).map_err(|e| {
        corrupt(format!(
            "alert {id}: the stored record is not an alert: {e}"
        ))
    })
}

pub(crate) fn alert(conn: &Connection, id: i64) -> Result<Option<Alert>, StoreError> {
    let record: Option<String> = conn
        .prepare_cached("SELECT record FROM alert WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .context("looking an alert up")?;
    record.map(|r| alert_from(id, &r)).transpose()
}

pub(crate) fn alerts(
    conn: &Connection,
    from_ns: i64,
    to_ns: i64,
    limit: usize,
) -> Result<Vec<Alert>, StoreError> {
    let doing = "listing alerts";
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, record FROM alert WHERE started_ns >= ?1 AND started_ns < ?2 \
             ORDER BY started_ns DESC, id DESC LIMIT ?3",
        )
        .context(doing)?;
    let mut rows = stmt
        .query(params![from_ns, to_ns, super::columns::limit(Some(limit))])
        .context(doing)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(doing)? {
        let id: i64 = row.get(0).context(doing)?;
        let record: String = row.get(1).context(doing)?;
        out.push(alert_from(id, &record)?);
    }
    Ok(out)
}

pub(crate) fn job_state(conn: &Connection, job: &str) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached("SELECT value FROM job_state WHERE job = ?1")
        .and_then(|mut s| s.query_row([job], |r| r.get(0)).optional())
        .with_context(|| format!("reading the state of job {job:?}"))
}

pub(crate) fn set_job_state(conn: &Connection, job: &str, value: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO job_state (job, value) VALUES (?1, ?2) \
         ON CONFLICT (job) DO UPDATE SET value = excluded.value",
    )
    .and_then(|mut s| s.execute(params![job, value]))
    .with_context(|| format!("storing the state of job {job:?}"))?;
    Ok(())
}
