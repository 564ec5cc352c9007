//! What the coordination pages and API share: reading and changing
//! incidents through the store, routing them to a team, forwarding them,
//! importing reporters' CSV files, and parsing the filters and fields
//! both take. Each function is a blocking store call to run off the
//! async threads; errors are [`WebError`]s that say which field.

use std::net::IpAddr;

use hirundo_directory::{Directory, Team};
use hirundo_incident::{
    apply, create, import_csv, rsit, Change, Event, Incident, IncidentError, Link, NewIncident,
    RowError, State,
};
use hirundo_notify::forward::{self, Forwarded, Locate};
use hirundo_notify::{Channels, NotifyError};
use hirundo_store::{IncidentQuery, Store};

use crate::error::WebError;

/// Most incidents a list shows.
pub const LIST_LIMIT: usize = 200;
/// Most incidents a list may ask for.
pub const MAX_LIMIT: usize = 1_000;

/// An incident rule refusing a change is a conflict with the record's
/// state; anything else is bad input.
pub fn incident_error(context: &str, err: IncidentError) -> WebError {
    let message = format!("{context}: {err}");
    match err {
        IncidentError::IllegalMove { .. }
        | IncidentError::ForwardByEdit
        | IncidentError::RedNotForwarded { .. } => WebError::Conflict(message),
        _ => WebError::BadRequest(message),
    }
}

/// The stored directory, validated; a hand-edited team that breaks the
/// rules is reported, since routing cannot trust it.
pub fn directory(store: &dyn Store) -> Result<Directory, WebError> {
    Directory::new(store.teams()?).map_err(|e| {
        WebError::Conflict(format!(
            "the stored directory does not validate, so nothing can be routed: {e}. Fix the team with hirundo directory."
        ))
    })
}

pub fn incident_by_ticket(store: &dyn Store, ticket: &str) -> Result<Incident, WebError> {
    store.incident_by_ticket(ticket)?.ok_or_else(|| {
        WebError::NotFound(format!(
            "There is no incident {:?}: tickets look like HIR-I-2026-000042.",
            clip(ticket)
        ))
    })
}

/// Records `new` on behalf of `actor`; returns it as stored, ticket and all.
pub fn create_incident(
    store: &dyn Store,
    new: NewIncident,
    actor: &str,
    now_ns: i64,
) -> Result<Incident, WebError> {
    let (incident, event) = create(
        new,
        0,
        hirundo_incident::PENDING_TICKET.into(),
        actor,
        now_ns,
    )
    .map_err(|e| incident_error("the new incident", e))?;
    Ok(store.add_incident(&incident, &[event])?)
}

/// Applies `change` to the incident `ticket`; returns it as stored and
/// the events the change added.
pub fn change_incident(
    store: &dyn Store,
    ticket: &str,
    change: Change,
    actor: &str,
    now_ns: i64,
) -> Result<(Incident, Vec<Event>), WebError> {
    let mut incident = incident_by_ticket(store, ticket)?;
    let read_at = incident.updated_ns;
    let events = apply(&mut incident, change, actor, now_ns)
        .map_err(|e| incident_error(&incident.ticket.clone(), e))?;
    if !events.is_empty() {
        store.update_incident(&incident, read_at, &events)?;
    }
    Ok((incident, events))
}

/// Where routing sends an incident and why: the rule forwarding uses,
/// with the chain of reasons.
pub fn route_incident<'d>(
    directory: &'d Directory,
    incident: &Incident,
    locate: Locate<'_>,
) -> (Option<&'d Team>, String) {
    let route = forward::route_incident(directory, incident, locate);
    let text = route.to_string();
    (route.team, text)
}

/// Forwards the incident `ticket` to `team` (or its routed team). A
/// refusal (TLP, ceiling, opt-out, state) is a conflict that says why;
/// a failed delivery is a result, logged, not an error.
pub fn forward_incident(
    store: &dyn Store,
    ticket: &str,
    team: Option<&str>,
    locate: Locate<'_>,
    actor: &str,
    channels: &Channels,
    now_ns: i64,
) -> Result<Forwarded, WebError> {
    let incident = incident_by_ticket(store, ticket)?;
    forward::forward(store, incident.id, team, locate, actor, channels, now_ns).map_err(|e| match e
    {
        NotifyError::Refused(why) => WebError::Conflict(format!("forward refused: {why}")),
        NotifyError::Directory(e) => WebError::Conflict(format!(
            "forward refused: the stored directory does not validate: {e}"
        )),
        NotifyError::Store(e) => e.into(),
    })
}

/// What importing a CSV file did.
#[derive(Debug, Default)]
pub struct Imported {
    /// (line, ticket) of each incident recorded.
    pub created: Vec<(usize, String)>,
    pub rejected: Vec<RowError>,
    pub warnings: Vec<String>,
}

/// Records every good row of a reporter's CSV; bad rows come back with
/// their line, column and reason.
pub fn import(
    store: &dyn Store,
    text: &str,
    reporter: &str,
    actor: &str,
    now_ns: i64,
) -> Result<Imported, WebError> {
    let parsed = import_csv(text, reporter, now_ns);
    let mut out = Imported {
        rejected: parsed.rejected,
        warnings: parsed.warnings,
        ..Imported::default()
    };
    for (line, new) in parsed.rows {
        match create(
            new,
            0,
            hirundo_incident::PENDING_TICKET.into(),
            actor,
            now_ns,
        ) {
            Ok((incident, event)) => {
                let stored = store.add_incident(&incident, &[event])?;
                out.created.push((line, stored.ticket));
            }
            Err(e) => out.rejected.push(RowError {
                line,
                column: None,
                why: e.to_string(),
            }),
        }
    }
    out.rejected.sort_by_key(|r| r.line);
    Ok(out)
}

/// Incidents as a list shows them.
pub fn list(
    store: &dyn Store,
    state: Option<State>,
    taxonomy: Option<String>,
    limit: usize,
) -> Result<Vec<Incident>, WebError> {
    Ok(store.incidents(&IncidentQuery {
        state,
        taxonomy,
        limit,
        ..IncidentQuery::default()
    })?)
}

/// `?state=`: empty or absent is any state.
pub fn parse_state(text: Option<&str>) -> Result<Option<State>, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e: IncidentError| WebError::BadRequest(format!("state: {e}"))),
    }
}

/// `?category=`: an RSIT category in any case, returned as RSIT spells
/// it; empty or absent is any.
pub fn parse_category(text: Option<&str>) -> Result<Option<String>, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) => rsit()
            .category(c)
            .map(|c| Some(c.value.clone()))
            .ok_or_else(|| {
                let valid: Vec<&str> = rsit()
                    .categories()
                    .iter()
                    .map(|c| c.value.as_str())
                    .collect();
                WebError::BadRequest(format!(
                    "category: {:?} is not an RSIT category: use one of {}",
                    clip(c),
                    valid.join(", ")
                ))
            }),
    }
}

/// `?limit=`: 1 to [`MAX_LIMIT`], `default` when absent.
pub fn parse_limit(text: Option<&str>, default: usize) -> Result<usize, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(WebError::BadRequest(format!(
                "limit: {:?} is not a whole number from 1 to {MAX_LIMIT}",
                clip(t)
            ))),
        },
    }
}

/// Source addresses typed into a form or sent in a list: separated by
/// spaces, line breaks, commas or semicolons. Each bad one is named.
pub fn parse_sources<'a>(
    field: &str,
    items: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Link>, WebError> {
    let mut links = Vec::new();
    for item in items {
        for word in item
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|w| !w.is_empty())
        {
            let ip: IpAddr = word.parse().map_err(|_| {
                WebError::BadRequest(format!(
                    "{field}: {:?} is not an IP address: write one as 192.0.2.1 or 2001:db8::1",
                    clip(word)
                ))
            })?;
            let link = Link::Source { ip };
            if !links.contains(&link) {
                links.push(link);
            }
        }
    }
    Ok(links)
}

/// At most 64 characters of `text`: enough to recognise it in a message,
/// not enough to echo a large hostile input.
pub fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sources_split_on_any_separator_and_name_the_bad_one() {
        let links =
            parse_sources("sources", ["192.0.2.1, 192.0.2.2\n2001:db8::1;192.0.2.1"]).unwrap();
        assert_eq!(links.len(), 3);
        assert_eq!(
            links[2],
            Link::Source {
                ip: "2001:db8::1".parse().unwrap()
            }
        );
        let err = parse_sources("add_sources", ["192.0.2.1 192.0.2.300"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "add_sources: \"192.0.2.300\" is not an IP address: write one as 192.0.2.1 or 2001:db8::1"
        );
        assert!(parse_sources("s", [" \n "]).unwrap().is_empty());
    }

    #[test]
    fn filters_accept_any_case_and_refuse_with_the_field() {
        assert_eq!(parse_state(Some(" Open ")).unwrap(), Some(State::Open));
        assert_eq!(parse_state(Some("")).unwrap(), None);
        assert!(parse_state(Some("reopened"))
            .unwrap_err()
            .to_string()
            .starts_with("state: "));
        assert_eq!(
            parse_category(Some("Information-Gathering")).unwrap(),
            Some("information-gathering".into())
        );
        assert!(parse_category(Some("scans"))
            .unwrap_err()
            .to_string()
            .starts_with("category: \"scans\" is not an RSIT category"));
        assert_eq!(parse_limit(None, 200).unwrap(), 200);
        assert_eq!(parse_limit(Some("5"), 200).unwrap(), 5);
        assert!(parse_limit(Some("0"), 200).is_err());
        assert!(parse_limit(Some("1001"), 200).is_err());
    }

    #[test]
    fn illegal_moves_are_conflicts_and_bad_fields_bad_requests() {
        let conflict = incident_error(
            "t",
            IncidentError::IllegalMove {
                from: State::Closed,
                to: State::Resolved,
                allowed: vec![State::Open],
            },
        );
        assert_eq!(conflict.status(), axum::http::StatusCode::CONFLICT);
        let bad = incident_error("t", IncidentError::Empty { field: "title" });
        assert_eq!(bad.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(bad.to_string(), "t: title is empty");
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in ".{0,80}") {
            let _ = parse_sources("s", [text.as_str()]);
            let _ = parse_state(Some(&text));
            let _ = parse_category(Some(&text));
            let _ = parse_limit(Some(&text), 10);
        }

        #[test]
        fn listed_addresses_parse_back(ips in proptest::collection::vec(any::<u32>(), 0..10)) {
            let text: Vec<String> = ips.iter().map(|v| IpAddr::from(v.to_be_bytes()).to_string()).collect();
            let links = parse_sources("s", [text.join(" \n,").as_str()]).unwrap();
            let mut unique = ips.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(links.len(), unique.len());
        }
    }
}
