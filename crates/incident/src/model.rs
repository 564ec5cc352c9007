//! The incident record, what it links to, the history of what happened to
//! it, and its creation.

use std::net::IpAddr;

use hirundo_tlp::Tlp;
use serde::{Deserialize, Serialize};

use crate::error::IncidentError;
use crate::state::State;
use crate::taxonomy::{rsit, Classification};
use crate::time::CLOCK_ALLOWANCE_NS;

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest description or comment, in characters.
pub const MAX_TEXT: usize = 20_000;
/// Longest reporter, actor or team id, in characters.
pub const MAX_NAME: usize = 200;
/// Longest ticket, in characters.
pub const MAX_TICKET: usize = 64;
/// Most links one incident carries: a report listing more sources than
/// this is a feed, which belongs in the alert pipeline, not a record.
pub const MAX_LINKS: usize = 1_000;

/// Something an incident refers to, so that the stores can find every
/// incident about an address, an alert or a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    /// An address the activity came from.
    Source { ip: IpAddr },
    /// An address on one UTC day (days since 1970-01-01), as the darknet
    /// summaries count sources.
    SourceDay { ip: IpAddr, day: i64 },
    /// A hirundo alert, by its id.
    Alert { id: i64 },
    /// A notification hirundo sent or received, by its ticket.
    Notification { ticket: String },
}

/// An incident record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The store's id.
    pub id: i64,
    /// What people quote: `HIR-I-2026-000042` ([`ticket`]).
    pub ticket: String,
    pub title: String,
    pub description: String,
    pub classification: Classification,
    pub state: State,
    pub tlp: Tlp,
    /// Who reported it: an address, a team, a feed.
    pub reporter: String,
    /// ISO 3166-1 alpha-2 code of the affected or originating party.
    #[serde(default)]
    pub country: Option<String>,
    /// The directory id of the team it was last forwarded to. Kept after
    /// the incident moves on, as the record of who has it.
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub links: Vec<Link>,
    /// When the activity happened, if the reporter said; statistics count
    /// by this, else by `created_ns`.
    #[serde(default)]
    pub occurred_ns: Option<i64>,
    pub created_ns: i64,
    pub updated_ns: i64,
}

impl Incident {
    /// The time statistics count the incident at: when it happened if
    /// known, else when it was recorded.
    pub fn counted_ns(&self) -> i64 {
        self.occurred_ns.unwrap_or(self.created_ns)
    }

    /// The source addresses its links name, in link order, each once.
    /// Routing goes by the first.
    pub fn sources(&self) -> Vec<IpAddr> {
        let mut ips: Vec<IpAddr> = Vec::new();
        for link in &self.links {
            if let Link::Source { ip } | Link::SourceDay { ip, .. } = link {
                if !ips.contains(ip) {
                    ips.push(*ip);
                }
            }
        }
        ips
    }
}

/// An incident as a person or an import describes it, before it has an
/// id, a ticket or a state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub classification: Classification,
    /// TLP:AMBER unless said otherwise: incident data names victims, so
    /// it is limited by default and widened by choice.
    #[serde(default = "default_tlp")]
    pub tlp: Tlp,
    pub reporter: String,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub occurred_ns: Option<i64>,
}

fn default_tlp() -> Tlp {
    Tlp::Amber
}

impl NewIncident {
    /// An incident with only what is required; TLP:AMBER.
    pub fn new(
        title: impl Into<String>,
        classification: Classification,
        reporter: impl Into<String>,
    ) -> NewIncident {
        NewIncident {
            title: title.into(),
            description: String::new(),
            classification,
            tlp: default_tlp(),
            reporter: reporter.into(),
            country: None,
            links: Vec::new(),
            occurred_ns: None,
        }
    }

    /// Checks every field: a title of 1 to 200 characters on one line, a
    /// description of at most 20 000, a reporter of 1 to 200 on one line,
    /// a classification in RSIT, a two-letter upper-case country, at most
    /// 1 000 links with sane tickets. The first problem found is returned.
    pub fn validate(&self) -> Result<(), IncidentError> {
        check_line("title", &self.title, MAX_TITLE)?;
        check_text("description", &self.description, MAX_TEXT)?;
        check_line("reporter", &self.reporter, MAX_NAME)?;
        rsit().canonical(&self.classification)?;
        if let Some(country) = &self.country {
            check_country(country)?;
        }
        if self.links.len() > MAX_LINKS {
            return Err(IncidentError::TooManyLinks {
                count: self.links.len(),
                max: MAX_LINKS,
            });
        }
        self.links.iter().try_for_each(check_link)
    }
}

/// Something that happened to an incident, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ns: i64,
    /// Who did it: a user, or `hirundo` for automatic actions.
    pub actor: String,
    pub what: EventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The incident was recorded.
    Created,
    /// Its state changed.
    State { from: State, to: State },
    /// Someone wrote a comment.
    Comment { text: String },
    /// It was sent to another team in a notification.
    Forwarded {
        /// The directory id of the team.
        team: String,
        /// The ticket of the notification sent.
        notification: String,
    },
    /// A link was added.
    Linked { link: Link },
    /// These fields were changed (by name: `title`, `tlp`...).
    Edited { fields: Vec<String> },
}

/// The ticket [`create`] is given before the store numbers the incident
/// (`Store::add_incident` replaces it with the real one in the same
/// transaction).
pub const PENDING_TICKET: &str = "HIR-I-pending";

/// An incident's ticket: `HIR-I-2026-000042`, numbered per year.
pub fn ticket(year: i32, seq: u64) -> String {
    format!("HIR-I-{year:04}-{seq:06}")
}

/// The (year, sequence number) of a ticket made by [`ticket`].
pub fn parse_ticket(text: &str) -> Option<(i32, u64)> {
    let rest = text.strip_prefix("HIR-I-")?;
    let (year, seq) = rest.split_once('-')?;
    let digits = |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !digits(year, 4) || !digits(seq, 6) {
        return None;
    }
    Some((year.parse().ok()?, seq.parse().ok()?))
}

/// Records a new incident: validates it, spells its classification as
/// RSIT does, drops repeated links, and returns it in state new with its
/// `Created` event. `ticket` and `id` come from the store.
pub fn create(
    new: NewIncident,
    id: i64,
    ticket: String,
    actor: &str,
    now_ns: i64,
) -> Result<(Incident, Event), IncidentError> {
    new.validate()?;
    check_line("ticket", &ticket, MAX_TICKET)?;
    check_line("actor", actor, MAX_NAME)?;
    if let Some(occurred_ns) = new.occurred_ns {
        check_not_future(occurred_ns, now_ns)?;
    }
    let classification = rsit().canonical(&new.classification)?;
    let mut links: Vec<Link> = Vec::with_capacity(new.links.len());
    for link in new.links {
        if !links.contains(&link) {
            links.push(link);
        }
    }
    let incident = Incident {
        id,
        ticket,
        title: new.title.trim().to_owned(),
        description: new.description,
        classification,
        state: State::New,
        tlp: new.tlp,
        reporter: new.reporter.trim().to_owned(),
        country: new.country,
        team: None,
        links,
        occurred_ns: new.occurred_ns,
        created_ns: now_ns,
        updated_ns: now_ns,
    };
    let event = Event {
        at_ns: now_ns,
        actor: actor.to_owned(),
        what: EventKind::Created,
    };
    Ok((incident, event))
}

/// A one-line field: not blank, at most `max` characters, no control
/// characters at all.
pub(crate) fn check_line(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), IncidentError> {
    if value.trim().is_empty() {
        return Err(IncidentError::Empty { field });
    }
    check_chars(field, value, max, |_| false)
}

/// A free text: at most `max` characters; tabs and line breaks are the
/// only control characters allowed.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<(), IncidentError> {
    check_chars(field, value, max, |c| matches!(c, '\t' | '\n' | '\r'))
}

fn check_chars(
    field: &'static str,
    value: &str,
    max: usize,
    allowed_control: fn(char) -> bool,
) -> Result<(), IncidentError> {
    let mut len = 0;
    for (at, c) in value.chars().enumerate() {
        if c.is_control() && !allowed_control(c) {
            return Err(IncidentError::ControlChar {
                field,
                at,
                code: u32::from(c),
            });
        }
        len = at + 1;
    }
    if len > max {
        return Err(IncidentError::TooLong { field, len, max });
    }
    Ok(())
}

pub(crate) fn check_country(country: &str) -> Result<(), IncidentError> {
    let b = country.as_bytes();
    if b.len() == 2 && b.iter().all(u8::is_ascii_uppercase) {
        Ok(())
    } else {
        Err(IncidentError::BadCountry {
            given: crate::error::clip(country),
        })
    }
}

pub(crate) fn check_link(link: &Link) -> Result<(), IncidentError> {
    match link {
        Link::Notification { ticket } => check_line("link ticket", ticket, MAX_TICKET),
        Link::Source { .. } | Link::SourceDay { .. } | Link::Alert { .. } => Ok(()),
    }
}

pub(crate) fn check_not_future(occurred_ns: i64, now_ns: i64) -> Result<(), IncidentError> {
    if occurred_ns > now_ns.saturating_add(CLOCK_ALLOWANCE_NS) {
        return Err(IncidentError::OccurredInFuture {
            occurred_ns,
            now_ns,
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::time::NS_PER_SECOND;
    use proptest::prelude::*;

    pub(crate) const NOW: i64 = 1_773_151_509 * NS_PER_SECOND;

    pub(crate) fn scan_report() -> NewIncident {
        let mut new = NewIncident::new(
            "SSH scanning from 192.0.2.7",
            rsit().classify("information-gathering", "scanner").unwrap(),
            "abuse@example.net",
        );
        new.links = vec![Link::Source {
            ip: "192.0.2.7".parse().unwrap(),
        }];
        new.country = Some("BR".into());
        new
    }

    #[test]
    fn tickets() {
        assert_eq!(ticket(2026, 42), "HIR-I-2026-000042");
        assert_eq!(ticket(2026, 1_234_567), "HIR-I-2026-1234567");
        assert_eq!(parse_ticket("HIR-I-2026-000042"), Some((2026, 42)));
        assert_eq!(parse_ticket("HIR-I-2026-1234567"), Some((2026, 1_234_567)));
        assert_eq!(parse_ticket("HIR-I-2026-42"), None);
        assert_eq!(parse_ticket("HIR-I-26-000042"), None);
        assert_eq!(parse_ticket("HIR-N-2026-000042"), None);
        assert_eq!(parse_ticket("HIR-I-2026-+00042"), None);
    }

    #[test]
    fn sources_are_the_linked_addresses_in_order_once() {
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        let mut new = NewIncident::new(
            "Scan",
            rsit().classify("information-gathering", "scanner").unwrap(),
            "r",
        );
        new.links = vec![
            Link::Alert { id: 3 },
            Link::SourceDay { ip: b, day: 20_000 },
            Link::Source { ip: a },
            Link::Source { ip: b },
        ];
        let (incident, _) = create(new, 1, PENDING_TICKET.into(), "a", 10).unwrap();
        assert_eq!(incident.sources(), vec![b, a]);
    }

    #[test]
    fn create_makes_a_new_incident_with_its_event() {
        let mut new = scan_report();
        new.title = "  SSH scanning from 192.0.2.7 ".into();
        new.classification = Classification {
            taxonomy: "Information-Gathering".into(),
            kind: "Scanner".into(),
        };
        new.links.push(new.links[0].clone());
        let (incident, event) = create(new, 7, ticket(2026, 7), "ana", NOW).unwrap();
        assert_eq!(incident.title, "SSH scanning from 192.0.2.7");
        assert_eq!(
            incident.classification.to_string(),
            "information-gathering/scanner"
        );
        assert_eq!(incident.state, State::New);
        assert_eq!(incident.tlp, Tlp::Amber);
        assert_eq!(incident.links.len(), 1);
        assert_eq!((incident.created_ns, incident.updated_ns), (NOW, NOW));
        assert_eq!(incident.counted_ns(), NOW);
        assert_eq!(
            event,
            Event {
                at_ns: NOW,
                actor: "ana".into(),
                what: EventKind::Created
            }
        );
    }

    #[test]
    fn validate_names_the_field() {
        type Breakage = fn(&mut NewIncident);
        let cases: Vec<(Breakage, IncidentError)> = vec![
            (
                |n| n.title = " ".into(),
                IncidentError::Empty { field: "title" },
            ),
            (
                |n| n.title = "x".repeat(201),
                IncidentError::TooLong {
                    field: "title",
                    len: 201,
                    max: 200,
                },
            ),
            (
                |n| n.title = "two\nlines".into(),
                IncidentError::ControlChar {
                    field: "title",
                    at: 3,
                    code: 10,
                },
            ),
            (
                |n| n.description = "a".repeat(20_001),
                IncidentError::TooLong {
                    field: "description",
                    len: 20_001,
                    max: 20_000,
                },
            ),
            (
                |n| n.description = "bell\u{7}".into(),
                IncidentError::ControlChar {
                    field: "description",
                    at: 4,
                    code: 7,
                },
            ),
            (
                |n| n.reporter = String::new(),
                IncidentError::Empty { field: "reporter" },
            ),
            (
                |n| n.country = Some("br".into()),
                IncidentError::BadCountry { given: "br".into() },
            ),
            (
                |n| n.country = Some("BRA".into()),
                IncidentError::BadCountry {
                    given: "BRA".into(),
                },
            ),
            (
                |n| n.links = vec![Link::Alert { id: 1 }; 1_001],
                IncidentError::TooManyLinks {
                    count: 1_001,
                    max: 1_000,
                },
            ),
            (
                |n| {
                    n.links = vec![Link::Notification {
                        ticket: String::new(),
                    }]
                },
                IncidentError::Empty {
                    field: "link ticket",
                },
            ),
        ];
        for (break_it, want) in cases {
            let mut new = scan_report();
            break_it(&mut new);
            assert_eq!(new.validate(), Err(want));
        }
        let mut fine = scan_report();
        fine.description = "line one\r\n\tline two".into();
        fine.title = "é".repeat(200);
        assert_eq!(fine.validate(), Ok(()));
    }

    #[test]
    fn create_refuses_a_time_in_the_future_and_bad_classifications() {
        let mut new = scan_report();
        new.occurred_ns = Some(NOW + CLOCK_ALLOWANCE_NS + 1);
        assert!(matches!(
            create(new, 1, ticket(2026, 1), "ana", NOW),
            Err(IncidentError::OccurredInFuture { .. })
        ));
        let mut new = scan_report();
        new.occurred_ns = Some(NOW + CLOCK_ALLOWANCE_NS);
        assert!(create(new, 1, ticket(2026, 1), "ana", NOW).is_ok());
        let mut new = scan_report();
        new.classification.kind = "portscan".into();
        assert!(matches!(
            create(new, 1, ticket(2026, 1), "ana", NOW),
            Err(IncidentError::UnknownType { .. })
        ));
        assert_eq!(
            create(scan_report(), 1, ticket(2026, 1), "", NOW),
            Err(IncidentError::Empty { field: "actor" })
        );
    }

    #[test]
    fn new_incident_json_defaults_to_amber_and_refuses_unknown_fields() {
        let new: NewIncident = serde_json::from_str(
            r#"{"title":"t","classification":{"taxonomy":"fraud","type":"phishing"},"reporter":"r"}"#,
        )
        .unwrap();
        assert_eq!(new.tlp, Tlp::Amber);
        assert!(serde_json::from_str::<NewIncident>(
            r#"{"title":"t","classification":{"taxonomy":"fraud","type":"phishing"},"reporter":"r","tlp":"TLP:RED","colour":1}"#,
        )
        .is_err());
    }

    #[test]
    fn json_shapes_are_tagged() {
        let link = Link::SourceDay {
            ip: "2001:db8::1".parse().unwrap(),
            day: 20_522,
        };
        assert_eq!(
            serde_json::to_string(&link).unwrap(),
            r#"{"kind":"source_day","ip":"2001:db8::1","day":20522}"#
        );
        let event = Event {
            at_ns: 5,
            actor: "ana".into(),
            what: EventKind::State {
                from: State::New,
                to: State::Open,
            },
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"at_ns":5,"actor":"ana","what":{"kind":"state","from":"new","to":"open"}}"#
        );
    }

    fn any_state() -> impl Strategy<Value = State> {
        proptest::sample::select(State::ALL.to_vec())
    }

    fn any_tlp() -> impl Strategy<Value = Tlp> {
        proptest::sample::select(Tlp::ALL.to_vec())
    }

    fn any_ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::from(v.to_be_bytes())),
            any::<u128>().prop_map(|v| IpAddr::from(v.to_be_bytes())),
        ]
    }

    pub(crate) fn any_link() -> impl Strategy<Value = Link> {
        prop_oneof![
            any_ip().prop_map(|ip| Link::Source { ip }),
            (any_ip(), any::<i64>()).prop_map(|(ip, day)| Link::SourceDay { ip, day }),
            any::<i64>().prop_map(|id| Link::Alert { id }),
            ".{0,20}".prop_map(|ticket| Link::Notification { ticket }),
        ]
    }

    fn any_classification() -> impl Strategy<Value = Classification> {
        (".{0,20}", ".{0,20}").prop_map(|(taxonomy, kind)| Classification { taxonomy, kind })
    }

    fn any_incident() -> impl Strategy<Value = Incident> {
        (
            (
                any::<i64>(),
                ".{0,20}",
                ".{0,40}",
                ".{0,80}",
                any_classification(),
            ),
            (
                any_state(),
                any_tlp(),
                ".{0,20}",
                proptest::option::of("[A-Z]{2}"),
            ),
            (
                proptest::option::of(".{0,10}"),
                proptest::collection::vec(any_link(), 0..5),
                proptest::option::of(any::<i64>()),
                any::<i64>(),
                any::<i64>(),
            ),
        )
            .prop_map(
                |(
                    (id, ticket, title, description, classification),
                    (state, tlp, reporter, country),
                    (team, links, occurred_ns, created_ns, updated_ns),
                )| Incident {
                    id,
                    ticket,
                    title,
                    description,
                    classification,
                    state,
                    tlp,
                    reporter,
                    country,
                    team,
                    links,
                    occurred_ns,
                    created_ns,
                    updated_ns,
                },
            )
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let what = prop_oneof![
            Just(EventKind::Created),
            (any_state(), any_state()).prop_map(|(from, to)| EventKind::State { from, to }),
            ".{0,40}".prop_map(|text| EventKind::Comment { text }),
            (".{0,10}", ".{0,10}")
                .prop_map(|(team, notification)| EventKind::Forwarded { team, notification }),
            any_link().prop_map(|link| EventKind::Linked { link }),
            proptest::collection::vec("[a-z]{1,10}", 0..4)
                .prop_map(|fields| EventKind::Edited { fields }),
        ];
        (any::<i64>(), ".{0,20}", what).prop_map(|(at_ns, actor, what)| Event {
            at_ns,
            actor,
            what,
        })
    }

    proptest! {
        #[test]
        fn incident_json_round_trips(incident in any_incident()) {
            let json = serde_json::to_string(&incident).unwrap();
            prop_assert_eq!(serde_json::from_str::<Incident>(&json).unwrap(), incident);
        }

        #[test]
        fn event_json_round_trips(event in any_event()) {
            let json = serde_json::to_string(&event).unwrap();
            prop_assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
        }

        #[test]
        fn tickets_parse_back(year in 0i32..=9999, seq in any::<u64>()) {
            prop_assert_eq!(parse_ticket(&ticket(year, seq)), Some((year, seq)));
        }

        #[test]
        fn parse_ticket_never_panics(text in "HIR-I-.{0,20}|.{0,20}") {
            let _ = parse_ticket(&text);
        }
    }
}
