//! Changing an incident: edits, state moves and comments ([`apply`]), and
//! forwarding it to the team responsible ([`forwarded`]).
//!
//! Both check everything before they touch the incident, so an error
//! leaves it exactly as it was, and both return the events to append to
//! its history, one per effect.

use hirundo_tlp::Tlp;

use crate::error::IncidentError;
use crate::model::{
    check_country, check_line, check_link, check_text, Event, EventKind, Incident, Link, MAX_LINKS,
    MAX_NAME, MAX_TEXT, MAX_TICKET, MAX_TITLE,
};
use crate::state::State;
use crate::taxonomy::{rsit, Classification};

/// What a person changes on an incident in one go. `None` (and an empty
/// `add_links`) leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The state to move to. Setting the state it already has changes
    /// nothing (so a form resubmitted is harmless); forwarded cannot be
    /// set here (see [`forwarded`]).
    pub state: Option<State>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub classification: Option<Classification>,
    pub tlp: Option<Tlp>,
    /// A two-letter code, or an empty string to remove the country.
    pub country: Option<String>,
    /// Links to add; those the incident already has are ignored.
    pub add_links: Vec<Link>,
    /// A comment for the history; it must not be blank.
    pub comment: Option<String>,
}

/// Applies `change` to `incident` on behalf of `actor`.
///
/// Returns the events in this order, each only if it happened: one
/// `Edited` naming the fields whose value changed, one `Linked` per new
/// link, one `State`, one `Comment`. `updated_ns` becomes `now_ns` if
/// anything happened. On error the incident is untouched.
pub fn apply(
    incident: &mut Incident,
    change: Change,
    actor: &str,
    now_ns: i64,
) -> Result<Vec<Event>, IncidentError> {
    check_line("actor", actor, MAX_NAME)?;

    let to = match change.state {
        Some(to) if to == incident.state => None,
        Some(State::Forwarded) => return Err(IncidentError::ForwardByEdit),
        Some(to) if !incident.state.can_move_to(to) => return Err(incident.state.illegal_move(to)),
        other => other,
    };
    let title = match change.title {
        Some(title) => {
            check_line("title", &title, MAX_TITLE)?;
            Some(title.trim().to_owned()).filter(|t| *t != incident.title)
        }
        None => None,
    };
    let description = match change.description {
        Some(description) => {
            check_text("description", &description, MAX_TEXT)?;
            Some(description).filter(|d| *d != incident.description)
        }
        None => None,
    };
    let classification = match change.classification {
        Some(c) => Some(rsit().canonical(&c)?).filter(|c| *c != incident.classification),
        None => None,
    };
    let tlp = change.tlp.filter(|t| *t != incident.tlp);
    let country = match change.country {
        Some(c) if c.is_empty() => Some(None),
        Some(c) => {
            check_country(&c)?;
            Some(Some(c))
        }
        None => None,
    }
    .filter(|c| *c != incident.country);
    let mut links: Vec<Link> = Vec::new();
    for link in change.add_links {
        check_link(&link)?;
        if !incident.links.contains(&link) && !links.contains(&link) {
            links.push(link);
        }
    }
    let count = incident.links.len() + links.len();
    if count > MAX_LINKS {
        return Err(IncidentError::TooManyLinks {
            count,
            max: MAX_LINKS,
        });
    }
    if let Some(comment) = &change.comment {
        check_comment(comment)?;
    }

    // Nothing below can fail.
    let mut events = Vec::new();
    let event = |what| Event {
        at_ns: now_ns,
        actor: actor.to_owned(),
        what,
    };
    let mut fields: Vec<String> = Vec::new();
    if let Some(title) = title {
        incident.title = title;
        fields.push("title".into());
    }
    if let Some(description) = description {
        incident.description = description;
        fields.push("description".into());
    }
    if let Some(classification) = classification {
        incident.classification = classification;
        fields.push("classification".into());
    }
    if let Some(tlp) = tlp {
        incident.tlp = tlp;
        fields.push("tlp".into());
    }
    if let Some(country) = country {
        incident.country = country;
        fields.push("country".into());
    }
    if !fields.is_empty() {
        events.push(event(EventKind::Edited { fields }));
    }
    for link in links {
        incident.links.push(link.clone());
        events.push(event(EventKind::Linked { link }));
    }
    if let Some(to) = to {
        events.push(event(EventKind::State {
            from: incident.state,
            to,
        }));
        incident.state = to;
    }
    if let Some(text) = change.comment {
        events.push(event(EventKind::Comment { text }));
    }
    if !events.is_empty() {
        incident.updated_ns = now_ns;
    }
    Ok(events)
}

/// Whether `incident` may be forwarded now: its state allows the move
/// (or it is already forwarded, to be sent to one more team) and it is not
/// TLP:RED. Call it before sending the notification; [`forwarded`] checks
/// again when recording it.
pub fn check_forward(incident: &Incident) -> Result<(), IncidentError> {
    if !incident.tlp.automatable() {
        return Err(IncidentError::RedNotForwarded {
            ticket: incident.ticket.clone(),
        });
    }
    if incident.state != State::Forwarded && !incident.state.can_move_to(State::Forwarded) {
        return Err(incident.state.illegal_move(State::Forwarded));
    }
    Ok(())
}

/// Records that `incident` was forwarded to the directory team `team` in
/// the notification `notification_ticket`: the state becomes forwarded
/// and `team` the team. Returns a `State` event (unless it was already
/// forwarded, when this is one more team) and a `Forwarded` event.
pub fn forwarded(
    incident: &mut Incident,
    team: &str,
    notification_ticket: &str,
    actor: &str,
    now_ns: i64,
) -> Result<Vec<Event>, IncidentError> {
    check_line("actor", actor, MAX_NAME)?;
    check_line("team", team, MAX_NAME)?;
    check_line("notification", notification_ticket, MAX_TICKET)?;
    check_forward(incident)?;

    let event = |what| Event {
        at_ns: now_ns,
        actor: actor.to_owned(),
        what,
    };
    let mut events = Vec::with_capacity(2);
    if incident.state != State::Forwarded {
        events.push(event(EventKind::State {
            from: incident.state,
            to: State::Forwarded,
        }));
        incident.state = State::Forwarded;
    }
    events.push(event(EventKind::Forwarded {
        team: team.to_owned(),
        notification: notification_ticket.to_owned(),
    }));
    incident.team = Some(team.to_owned());
    incident.updated_ns = now_ns;
    Ok(events)
}

/// A comment: not blank, at most [`MAX_TEXT`] characters, tabs and line
/// breaks allowed.
fn check_comment(value: &str) -> Result<(), IncidentError> {
    if value.trim().is_empty() {
        return Err(IncidentError::Empty { field: "comment" });
    }
    check_text("comment", value, MAX_TEXT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{scan_report, NOW};
    use crate::model::{create, ticket};

    fn incident() -> Incident {
        create(scan_report(), 1, ticket(2026, 1), "ana", NOW - 1_000)
            .unwrap()
            .0
    }

    fn kinds(events: &[Event]) -> Vec<EventKind> {
        events.iter().map(|e| e.what.clone()).collect()
    }

    #[test]
    fn one_event_per_effect_in_order() {
        let mut i = incident();
        let ip = "198.51.100.9".parse().unwrap();
        let change = Change {
            state: Some(State::Open),
            title: Some("SSH brute force from 192.0.2.7".into()),
            description: Some(i.description.clone()),
            classification: Some("intrusion-attempts/brute-force".parse().unwrap()),
            tlp: Some(Tlp::Green),
            country: Some(String::new()),
            add_links: vec![i.links[0].clone(), Link::Source { ip }, Link::Source { ip }],
            comment: Some("Confirmed in our darknet.".into()),
        };
        let events = apply(&mut i, change, "bo", NOW).unwrap();
        assert_eq!(
            kinds(&events),
            vec![
                EventKind::Edited {
                    fields: vec![
                        "title".into(),
                        "classification".into(),
                        "tlp".into(),
                        "country".into()
                    ]
                },
                EventKind::Linked {
                    link: Link::Source { ip }
                },
                EventKind::State {
                    from: State::New,
                    to: State::Open
                },
                EventKind::Comment {
                    text: "Confirmed in our darknet.".into()
                },
            ]
        );
        assert!(events.iter().all(|e| e.at_ns == NOW && e.actor == "bo"));
        assert_eq!(i.state, State::Open);
        assert_eq!(i.tlp, Tlp::Green);
        assert_eq!(i.country, None);
        assert_eq!(i.links.len(), 2);
        assert_eq!(
            i.classification.to_string(),
            "intrusion-attempts/brute-force"
        );
        assert_eq!(i.updated_ns, NOW);
    }

    #[test]
    fn a_change_that_changes_nothing_makes_no_event() {
        let mut i = incident();
        let before = i.clone();
        let change = Change {
            state: Some(State::New),
            title: Some(format!(" {} ", i.title)),
            tlp: Some(i.tlp),
            country: i.country.clone(),
            add_links: i.links.clone(),
            ..Change::default()
        };
        assert_eq!(apply(&mut i, change, "bo", NOW), Ok(vec![]));
        assert_eq!(i, before);
    }

    #[test]
    fn errors_leave_the_incident_untouched() {
        let broken: Vec<(Change, IncidentError)> = vec![
            (
                Change {
                    title: Some("new title".into()),
                    state: Some(State::Forwarded),
                    ..Change::default()
                },
                IncidentError::ForwardByEdit,
            ),
            (
                Change {
                    title: Some("new title".into()),
                    comment: Some("  ".into()),
                    ..Change::default()
                },
                IncidentError::Empty { field: "comment" },
            ),
            (
                Change {
                    tlp: Some(Tlp::Red),
                    country: Some("Brazil".into()),
                    ..Change::default()
                },
                IncidentError::BadCountry {
                    given: "Brazil".into(),
                },
            ),
            (
                Change {
                    tlp: Some(Tlp::Red),
                    add_links: (0..1_000).map(|id| Link::Alert { id }).collect(),
                    ..Change::default()
                },
                IncidentError::TooManyLinks {
                    count: 1_001,
                    max: 1_000,
                },
            ),
            (
                Change {
                    title: Some("new title".into()),
                    classification: Some(Classification {
                        taxonomy: "fraud".into(),
                        kind: "scam".into(),
                    }),
                    ..Change::default()
                },
                IncidentError::UnknownType {
                    category: "fraud".into(),
                    given: "scam".into(),
                    valid: vec![
                        "unauthorised-use-of-resources".into(),
                        "copyright".into(),
                        "masquerade".into(),
                        "phishing".into(),
                    ],
                },
            ),
        ];
        for (change, want) in broken {
            let mut i = incident();
            let before = i.clone();
            assert_eq!(apply(&mut i, change, "bo", NOW), Err(want));
            assert_eq!(i, before);
        }
    }

    #[test]
    fn illegal_moves_are_refused_with_the_allowed_ones() {
        let mut i = incident();
        apply(
            &mut i,
            Change {
                state: Some(State::Closed),
                ..Change::default()
            },
            "bo",
            NOW,
        )
        .unwrap();
        let before = i.clone();
        let err = apply(
            &mut i,
            Change {
                state: Some(State::Resolved),
                ..Change::default()
            },
            "bo",
            NOW + 1,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "an incident cannot move from closed to resolved: from closed it can move to open"
        );
        assert_eq!(i, before);
        // Reopening is allowed.
        let events = apply(
            &mut i,
            Change {
                state: Some(State::Open),
                ..Change::default()
            },
            "bo",
            NOW + 2,
        )
        .unwrap();
        assert_eq!(
            kinds(&events),
            vec![EventKind::State {
                from: State::Closed,
                to: State::Open
            }]
        );
    }

    #[test]
    fn forwarding_sets_state_and_team() {
        let mut i = incident();
        let events = forwarded(&mut i, "jpcert-cc", "HIR-N-2026-000003", "bo", NOW).unwrap();
        assert_eq!(
            kinds(&events),
            vec![
                EventKind::State {
                    from: State::New,
                    to: State::Forwarded
                },
                EventKind::Forwarded {
                    team: "jpcert-cc".into(),
                    notification: "HIR-N-2026-000003".into()
                },
            ]
        );
        assert_eq!(
            (i.state, i.team.as_deref()),
            (State::Forwarded, Some("jpcert-cc"))
        );
        assert_eq!(i.updated_ns, NOW);
        // One more team: no state event, the team is the latest.
        let events = forwarded(&mut i, "cert-br", "HIR-N-2026-000004", "bo", NOW + 1).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(i.team.as_deref(), Some("cert-br"));
    }

    #[test]
    fn red_is_never_forwarded_automatically() {
        let mut i = incident();
        i.tlp = Tlp::Red;
        let before = i.clone();
        let err = forwarded(&mut i, "jpcert-cc", "HIR-N-2026-000003", "bo", NOW).unwrap_err();
        assert_eq!(
            err,
            IncidentError::RedNotForwarded {
                ticket: "HIR-I-2026-000001".into()
            }
        );
        assert!(err.to_string().contains("forward it by hand"));
        assert_eq!(i, before);
        assert_eq!(check_forward(&i), Err(err));
    }

    #[test]
    fn forwarding_a_closed_incident_is_an_illegal_move() {
        let mut i = incident();
        apply(
            &mut i,
            Change {
                state: Some(State::Closed),
                ..Change::default()
            },
            "bo",
            NOW,
        )
        .unwrap();
        let before = i.clone();
        assert_eq!(
            forwarded(&mut i, "jpcert-cc", "HIR-N-2026-000003", "bo", NOW + 1),
            Err(IncidentError::IllegalMove {
                from: State::Closed,
                to: State::Forwarded,
                allowed: vec![State::Open]
            })
        );
        assert_eq!(i, before);
        assert_eq!(
            forwarded(&mut i, "", "HIR-N-2026-000003", "bo", NOW + 1),
            Err(IncidentError::Empty { field: "team" })
        );
    }
}
