//! The CSIRT directory, the notification log with its ledger of
//! source-days sent, and incidents with their timelines.

use std::net::IpAddr;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::{addr_from, int, uint, AddrBytes};
use super::error::Context;
use super::views::corrupt;
use crate::{
    DayRange, Event, Finish, Incident, IncidentQuery, NewNotification, NotificationKind,
    NotificationRecord, NotificationStatus, StoreError, Team,
};

fn record_of<T: serde::Serialize>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Invalid(format!("{what}: cannot be stored: {e}")))
}

fn parse_record<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| corrupt(format!("{what}: the stored record does not read back: {e}")))
}

// --- teams ---

pub(crate) fn put_team(conn: &Connection, team: &Team, now_ns: i64) -> Result<(), StoreError> {
    // A team that does not validate would stop every route and forward
    // (the directory is checked as a whole when loaded): refused here.
    hirundo_directory::Directory::new(vec![team.clone()])
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let record = record_of(&format!("team {:?}", team.id), team)?;
    conn.prepare_cached(
        "INSERT INTO team (id, record, updated_ns) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET record = excluded.record, updated_ns = excluded.updated_ns",
    )
    .and_then(|mut s| s.execute(params![team.id, record, now_ns]))
    .with_context(|| format!("storing team {:?}", team.id))?;
    Ok(())
}

pub(crate) fn delete_team(conn: &Connection, id: &str) -> Result<(), StoreError> {
    let gone = conn
        .prepare_cached("DELETE FROM team WHERE id = ?1")
        .and_then(|mut s| s.execute([id]))
        .with_context(|| format!("deleting team {id:?}"))?;
    if gone == 0 {
        return Err(StoreError::NoSuchTeam(id.to_owned()));
    }
    Ok(())
}

pub(crate) fn teams(conn: &Connection) -> Result<Vec<Team>, StoreError> {
    let doing = "listing teams";
    let mut stmt = conn
        .prepare_cached("SELECT id, record FROM team ORDER BY id")
        .context(doing)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .context(doing)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, record) = row.context(doing)?;
        out.push(parse_record(&format!("team {id:?}"), &record)?);
    }
    Ok(out)
}

pub(crate) fn team(conn: &Connection, id: &str) -> Result<Option<Team>, StoreError> {
    let record: Option<String> = conn
        .prepare_cached("SELECT record FROM team WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .with_context(|| format!("looking team {id:?} up"))?;
    record
        .map(|r| parse_record(&format!("team {id:?}"), &r))
        .transpose()
}

// --- notifications ---

/// "HIR-N-2026-000042": the year it was made and its number in the log.
fn notification_ticket(created_ns: i64, id: i64) -> String {
    let day = created_ns.div_euclid(1_000_000_000 * hirundo_calendar::SECONDS_PER_DAY);
    let (year, _, _) = hirundo_calendar::civil_from_days(day);
    format!("HIR-N-{year}-{id:06}")
}

const NOTIFICATION_COLUMNS: &str = "id, ticket, team, kind, from_day, to_day, tlp, sources, \
     status, channels, recipients, detail, incident, created_ns, finished_ns";

fn notification_from(r: &Row<'_>) -> rusqlite::Result<Result<NotificationRecord, StoreError>> {
    let id: i64 = r.get(0)?;
    let kind: String = r.get(3)?;
    let tlp: String = r.get(6)?;
    let status: String = r.get(8)?;
    let Some(kind) = NotificationKind::parse(&kind) else {
        return Ok(Err(corrupt(format!("notification {id}: kind {kind:?}"))));
    };
    let Ok(tlp) = tlp.parse() else {
        return Ok(Err(corrupt(format!("notification {id}: label {tlp:?}"))));
    };
    let Some(status) = NotificationStatus::parse(&status) else {
        return Ok(Err(corrupt(format!(
            "notification {id}: status {status:?}"
        ))));
    };
    Ok(Ok(NotificationRecord {
        id,
        ticket: r.get(1)?,
        team: r.get(2)?,
        kind,
        from_day: r.get(4)?,
        to_day: r.get(5)?,
        tlp,
        sources: uint(r.get(7)?),
        status,
        channels: r.get(9)?,
        recipients: r.get(10)?,
        detail: r.get(11)?,
        incident: r.get(12)?,
        created_ns: r.get(13)?,
        finished_ns: r.get(14)?,
    }))
}

pub(crate) fn begin_notification(
    conn: &Connection,
    new: &NewNotification,
) -> Result<NotificationRecord, StoreError> {
    let doing = "logging a notification";
    let pending = new.status == NotificationStatus::Pending;
    if !pending && !new.reserve.is_empty() {
        return Err(StoreError::Invalid(
            "a notification that will not be sent reserves no source-days".into(),
        ));
    }
    let tx = conn.unchecked_transaction().context(doing)?;
    tx.prepare_cached(
        "INSERT INTO notification (ticket, team, kind, from_day, to_day, tlp, sources, status, \
         channels, recipients, detail, incident, created_ns, finished_ns) \
         VALUES ('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, '', '', ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut s| {
        s.execute(params![
            new.team,
            new.kind.as_str(),
            new.from_day,
            new.to_day,
            new.tlp.label(),
            int(new.sources),
            new.status.as_str(),
            new.detail,
            new.incident,
            new.created_ns,
            (!pending).then_some(new.created_ns),
        ])
    })
    .context(doing)?;
    let id = tx.last_insert_rowid();
    let ticket = notification_ticket(new.created_ns, id);
    tx.prepare_cached("UPDATE notification SET ticket = ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id, ticket]))
        .context(doing)?;
    {
        let mut reserve = tx
            .prepare_cached(
                "INSERT INTO notified (team, day, source, notification) VALUES (?1, ?2, ?3, ?4)",
            )
            .context(doing)?;
        for &(day, source) in &new.reserve {
            reserve
                .execute(params![
                    new.team,
                    day,
                    AddrBytes::new(source).as_slice(),
                    id
                ])
                .map_err(|e| {
                    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
                        StoreError::AlreadyNotified {
                            team: new.team.clone(),
                            day,
                            address: source,
                        }
                    } else {
                        super::error::backend("reserving source-days", &e)
                    }
                })?;
        }
    }
    let stored = tx
        .prepare_cached(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notification WHERE id = ?1"
        ))
        .and_then(|mut s| s.query_row([id], notification_from))
        .context(doing)??;
    tx.commit().context(doing)?;
    Ok(stored)
}

pub(crate) fn finish_notification(
    conn: &Connection,
    id: i64,
    finish: &Finish,
) -> Result<(), StoreError> {
    let doing = "recording how a notification ended";
    if !matches!(
        finish.status,
        NotificationStatus::Sent | NotificationStatus::Failed
    ) {
        return Err(StoreError::Invalid(format!(
            "notification {id}: a pending notification ends sent or failed, not {}",
            finish.status.as_str()
        )));
    }
    let tx = conn.unchecked_transaction().context(doing)?;
    let changed = tx
        .prepare_cached(
            "UPDATE notification SET status = ?2, channels = ?3, recipients = ?4, detail = ?5, \
             finished_ns = ?6 WHERE id = ?1 AND status = 'pending'",
        )
        .and_then(|mut s| {
            s.execute(params![
                id,
                finish.status.as_str(),
                finish.channels,
                finish.recipients,
                finish.detail,
                finish.finished_ns
            ])
        })
        .context(doing)?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!(
            "notification {id} is not pending"
        )));
    }
    if finish.status == NotificationStatus::Failed {
        tx.prepare_cached("DELETE FROM notified WHERE notification = ?1")
            .and_then(|mut s| s.execute([id]))
            .context("releasing the source-days of a failed notification")?;
    }
    tx.commit().context(doing)
}

pub(crate) fn notifications(
    conn: &Connection,
    from_ns: i64,
    to_ns: i64,
    team: Option<&str>,
    limit: usize,
) -> Result<Vec<NotificationRecord>, StoreError> {
    let doing = "listing notifications";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notification \
             WHERE created_ns >= ?1 AND created_ns < ?2 AND (?3 IS NULL OR team = ?3) \
             ORDER BY created_ns DESC, id DESC LIMIT ?4"
        ))
        .context(doing)?;
    let rows = stmt
        .query_map(
            params![from_ns, to_ns, team, super::columns::limit(Some(limit))],
            notification_from,
        )
        .context(doing)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(row.context(doing)??);
    }
    Ok(out)
}

pub(crate) fn notification(
    conn: &Connection,
    ticket: &str,
) -> Result<Option<NotificationRecord>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notification WHERE ticket = ?1"
    ))
    .and_then(|mut s| s.query_row([ticket], notification_from).optional())
    .context("looking a notification up")?
    .transpose()
}

pub(crate) fn notified(
    conn: &Connection,
    team: &str,
    days: DayRange,
) -> Result<Vec<(i64, IpAddr)>, StoreError> {
    let doing = "reading the notification ledger";
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, source FROM notified WHERE team = ?1 AND day >= ?2 AND day < ?3 \
             ORDER BY day, source",
        )
        .context(doing)?;
    let rows = stmt
        .query_map(params![team, days.from, days.to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .context(doing)?;
    let mut out = Vec::new();
    for row in rows {
        let (day, bytes) = row.context(doing)?;
        let source = addr_from(&bytes)
            .ok_or_else(|| corrupt(format!("notified: a source of {} bytes", bytes.len())))?;
        out.push((day, source));
    }
    Ok(out)
}

// --- incidents ---

fn state_str(incident: &Incident) -> String {
    incident.state.to_string()
}

pub(crate) fn add_incident(
    conn: &Connection,
    incident: &Incident,
    events: &[Event],
) -> Result<Incident, StoreError> {
    let doing = "storing a new incident";
    let tx = conn.unchecked_transaction().context(doing)?;
    tx.prepare_cached(
        "INSERT INTO incident (ticket, state, taxonomy, created_ns, updated_ns, record) \
         VALUES ('', ?1, ?2, ?3, ?4, '')",
    )
    .and_then(|mut s| {
        s.execute(params![
            state_str(incident),
            incident.classification.taxonomy,
            incident.created_ns,
            incident.updated_ns
        ])
    })
    .context(doing)?;
    let id = tx.last_insert_rowid();
    let day = incident
        .created_ns
        .div_euclid(1_000_000_000 * hirundo_calendar::SECONDS_PER_DAY);
    let (year, _, _) = hirundo_calendar::civil_from_days(day);
    let stored = Incident {
        id,
        ticket: hirundo_incident::ticket(year as i32, id as u64),
        ..incident.clone()
    };
    let record = record_of(&format!("incident {id}"), &stored)?;
    tx.prepare_cached("UPDATE incident SET ticket = ?2, record = ?3 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id, stored.ticket, record]))
        .context(doing)?;
    append_events(&tx, id, events)?;
    tx.commit().context(doing)?;
    Ok(stored)
}

fn append_events(conn: &Connection, id: i64, events: &[Event]) -> Result<(), StoreError> {
    let doing = "adding to an incident's timeline";
    let next: i64 = conn
        .prepare_cached("SELECT coalesce(max(seq), 0) + 1 FROM incident_event WHERE incident = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .context(doing)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO incident_event (incident, seq, at_ns, record) VALUES (?1, ?2, ?3, ?4)",
        )
        .context(doing)?;
    for (seq, event) in (next..).zip(events) {
        let record = record_of(&format!("an event of incident {id}"), event)?;
        insert
            .execute(params![id, seq, event.at_ns, record])
            .context(doing)?;
    }
    Ok(())
}

pub(crate) fn update_incident(
    conn: &Connection,
    incident: &Incident,
    read_at: i64,
    events: &[Event],
) -> Result<(), StoreError> {
    let doing = "updating an incident";
    let record = record_of(&format!("incident {}", incident.id), incident)?;
    let tx = conn.unchecked_transaction().context(doing)?;
    let changed = tx
        .prepare_cached(
            "UPDATE incident SET state = ?2, taxonomy = ?3, updated_ns = ?4, record = ?5 \
             WHERE id = ?1 AND ticket = ?6 AND updated_ns = ?7",
        )
        .and_then(|mut s| {
            s.execute(params![
                incident.id,
                state_str(incident),
                incident.classification.taxonomy,
                incident.updated_ns,
                record,
                incident.ticket,
                read_at
            ])
        })
        .context(doing)?;
    if changed == 0 {
        let exists = tx
            .prepare_cached("SELECT 1 FROM incident WHERE id = ?1 AND ticket = ?2")
            .and_then(|mut s| s.exists(params![incident.id, incident.ticket]))
            .context(doing)?;
        return Err(if exists {
            StoreError::Stale(format!("incident {}", incident.ticket))
        } else {
            StoreError::NoSuchIncident(format!("{} ({})", incident.id, incident.ticket))
        });
    }
    append_events(&tx, incident.id, events)?;
    tx.commit().context(doing)
}

fn incident_where(
    conn: &Connection,
    clause: &str,
    value: &dyn rusqlite::ToSql,
) -> Result<Option<Incident>, StoreError> {
    let row: Option<(i64, String)> = conn
        .prepare_cached(&format!(
            "SELECT id, record FROM incident WHERE {clause} = ?1"
        ))
        .and_then(|mut s| {
            s.query_row([value], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .context("looking an incident up")?;
    row.map(|(id, r)| parse_record(&format!("incident {id}"), &r))
        .transpose()
}

pub(crate) fn incident(conn: &Connection, id: i64) -> Result<Option<Incident>, StoreError> {
    incident_where(conn, "id", &id)
}

pub(crate) fn incident_by_ticket(
    conn: &Connection,
    ticket: &str,
) -> Result<Option<Incident>, StoreError> {
    incident_where(conn, "ticket", &ticket)
}

pub(crate) fn incidents(
    conn: &Connection,
    query: &IncidentQuery,
) -> Result<Vec<Incident>, StoreError> {
    let doing = "listing incidents";
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, record FROM incident \
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR taxonomy = ?2) \
             AND created_ns >= ?3 AND created_ns < ?4 \
             ORDER BY created_ns DESC, id DESC LIMIT ?5",
        )
        .context(doing)?;
    let limit = if query.limit == 0 {
        None
    } else {
        Some(query.limit)
    };
    let rows = stmt
        .query_map(
            params![
                query.state.map(|s| s.to_string()),
                query.taxonomy,
                query.from_ns.unwrap_or(i64::MIN),
                query.to_ns.unwrap_or(i64::MAX),
                super::columns::limit(limit)
            ],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .context(doing)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, record) = row.context(doing)?;
        out.push(parse_record(&format!("incident {id}"), &record)?);
    }
    Ok(out)
}

pub(crate) fn incident_events(conn: &Connection, id: i64) -> Result<Vec<Event>, StoreError> {
    let doing = "reading an incident's timeline";
    let mut stmt = conn
        .prepare_cached("SELECT seq, record FROM incident_event WHERE incident = ?1 ORDER BY seq")
        .context(doing)?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .context(doing)?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, record) = row.context(doing)?;
        out.push(parse_record(
            &format!("event {seq} of incident {id}"),
            &record,
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NotificationKind, SqliteStore, Store};
    use hirundo_incident::{create, rsit, Change, NewIncident};
    use hirundo_tlp::Tlp;

    fn team(id: &str) -> Team {
        hirundo_directory::from_toml(&format!(
            "[[team]]\nid = \"{id}\"\nname = \"{id}\"\nshort_name = \"{id}\"\nkind = \"national\"\n"
        ))
        .unwrap()
        .remove(0)
    }

    fn pending(team: &str, reserve: Vec<(i64, IpAddr)>) -> NewNotification {
        NewNotification {
            team: team.into(),
            kind: NotificationKind::Daily,
            from_day: 100,
            to_day: 101,
            tlp: Tlp::Amber,
            sources: reserve.len() as u64,
            incident: None,
            created_ns: 1_772_323_200_000_000_000,
            reserve,
            status: NotificationStatus::Pending,
            detail: String::new(),
        }
    }

    #[test]
    fn a_source_day_is_reserved_once_per_team_and_a_failure_frees_it() {
        let store = SqliteStore::open_in_memory().unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let first = store
            .begin_notification(&pending("t", vec![(100, a), (100, b)]))
            .unwrap();
        assert_eq!(first.ticket, format!("HIR-N-2026-{:06}", first.id));
        // All or nothing: b is new, a is not.
        let err = store
            .begin_notification(&pending(
                "t",
                vec![(100, b), (100, "192.0.2.9".parse().unwrap())],
            ))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::AlreadyNotified { day: 100, .. }),
            "{err}"
        );
        assert_eq!(store.notified("t", DayRange::ALL).unwrap().len(), 2);
        // Another team may hear of the same source-day.
        store
            .begin_notification(&pending("u", vec![(100, a)]))
            .unwrap();
        let fail = Finish {
            status: NotificationStatus::Failed,
            channels: "mail".into(),
            recipients: "x@example.org".into(),
            detail: "refused".into(),
            finished_ns: 5,
        };
        store.finish_notification(first.id, &fail).unwrap();
        assert!(store.notified("t", DayRange::ALL).unwrap().is_empty());
        assert!(
            store.finish_notification(first.id, &fail).is_err(),
            "ended twice"
        );
        let logged = store.notification(&first.ticket).unwrap().unwrap();
        assert_eq!(logged.status, NotificationStatus::Failed);
        assert_eq!(logged.finished_ns, Some(5));
    }

    #[test]
    fn an_incident_edited_by_two_people_keeps_both_edits_or_refuses_one() {
        let store = SqliteStore::open_in_memory().unwrap();
        let new = NewIncident::new(
            "Scan",
            rsit().classify("information-gathering", "scanner").unwrap(),
            "someone",
        );
        let (incident, event) =
            create(new, 0, hirundo_incident::PENDING_TICKET.into(), "a", 10).unwrap();
        let stored = store.add_incident(&incident, &[event]).unwrap();
        assert_eq!(stored.ticket, format!("HIR-I-1970-{:06}", stored.id));
        let comment = |text: &str| Change {
            comment: Some(text.into()),
            ..Change::default()
        };
        let (mut one, mut two) = (stored.clone(), stored.clone());
        let events = hirundo_incident::apply(&mut one, comment("first"), "a", 20).unwrap();
        store
            .update_incident(&one, stored.updated_ns, &events)
            .unwrap();
        let events = hirundo_incident::apply(&mut two, comment("second"), "b", 30).unwrap();
        let err = store
            .update_incident(&two, stored.updated_ns, &events)
            .unwrap_err();
        assert!(matches!(err, StoreError::Stale(_)), "{err}");
        assert_eq!(store.incident_events(stored.id).unwrap().len(), 2);
    }

    #[test]
    fn a_team_that_does_not_validate_is_refused() {
        let store = SqliteStore::open_in_memory().unwrap();
        let mut bad = team("t");
        bad.website = Some("javascript:alert(1)".into());
        assert!(matches!(
            store.put_team(&bad, 0),
            Err(StoreError::Invalid(_))
        ));
        store.put_team(&team("t"), 0).unwrap();
        assert_eq!(store.teams().unwrap().len(), 1);
    }
}
