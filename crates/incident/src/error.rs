//! What can go wrong when an incident is classified, created or changed.

use crate::state::State;

/// The longest piece of an offending input an error repeats: enough to
/// recognise it, not enough to turn an error into a copy of a large
/// hostile input.
const CLIP: usize = 64;

/// An incident, a change to one or a value for one that hirundo refuses.
/// Every variant carries the offending value (clipped to 64 characters)
/// or the field it is about, so the message can be shown to the person
/// who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    /// A classification category that is not one of the taxonomy's
    /// predicates (compared case-insensitively).
    #[error("{given:?} is not an RSIT category: use one of {}", valid.join(", "))]
    UnknownCategory { given: String, valid: Vec<String> },

    /// A classification type that is not one of its category's types.
    #[error("{given:?} is not a type of the RSIT category {category}: use one of {}", valid.join(", "))]
    UnknownType {
        category: String,
        given: String,
        valid: Vec<String>,
    },

    /// A classification written as one string that is not
    /// `category/type`.
    #[error("{given:?} is not a classification: write it as category/type, like information-gathering/scanner")]
    BadClassification { given: String },

    /// A state name that is none of the six.
    #[error("{given:?} is not an incident state: use one of new, open, forwarded, waiting, resolved, closed")]
    UnknownState { given: String },

    /// A state change the state machine does not allow
    /// ([`State::can_move_to`]).
    #[error(
        "an incident cannot move from {from} to {to}: from {from} it can move to {}",
        list(allowed)
    )]
    IllegalMove {
        from: State,
        to: State,
        allowed: Vec<State>,
    },

    /// An edit ([`crate::apply`]) that sets the state to forwarded: only
    /// [`crate::forwarded`] may, because forwarding is a message sent to
    /// another team, not a label.
    #[error("the state forwarded is set by forwarding the incident to a team, which sends the notification: forward it rather than edit its state")]
    ForwardByEdit,

    /// Forwarding an incident marked TLP:RED: RED is for named
    /// individuals a person chooses each time, so it never goes into an
    /// automated message.
    #[error("incident {ticket} is TLP:RED, which never goes into an automated message: forward it by hand to the named recipients, or lower its TLP if the reporter agrees")]
    RedNotForwarded { ticket: String },

    /// A required text field that is empty or only whitespace.
    #[error("{field} is empty")]
    Empty { field: &'static str },

    /// A text field longer than its limit, in characters.
    #[error("{field} is {len} characters long: at most {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },

    /// A text field with a control character where none may be (any in
    /// one-line fields; any but tab and line breaks in long texts, so
    /// that printing a record cannot drive an operator's terminal).
    /// `at` counts characters from 0.
    #[error("{field} has a control character (U+{code:04X}) at character {at}")]
    ControlChar {
        field: &'static str,
        at: usize,
        code: u32,
    },

    /// A country that is not two upper-case ASCII letters.
    #[error(
        "country {given:?} is not an ISO 3166-1 alpha-2 code: two upper-case letters, like BR"
    )]
    BadCountry { given: String },

    /// More links than one incident may carry.
    #[error("{count} links: an incident carries at most {max}")]
    TooManyLinks { count: usize, max: usize },

    /// An occurrence time later than now (plus a day's allowance for
    /// reporters' clocks and time zones): almost always a typo in the year
    /// or a day and month swapped, which would count in the wrong period.
    #[error(
        "occurred at {occurred_ns} ns, more than a day after now ({now_ns} ns): check the date"
    )]
    OccurredInFuture { occurred_ns: i64, now_ns: i64 },

    /// A timestamp that is not RFC 3339, `YYYY-MM-DD HH:MM:SS` or
    /// `YYYY-MM-DD`, or is outside what a nanosecond count holds.
    #[error(
        "{given:?} is not a time: {why} (use RFC 3339, YYYY-MM-DD HH:MM:SS in UTC, or YYYY-MM-DD)"
    )]
    BadTime { given: String, why: &'static str },

    /// A source address that is not an IPv4 or IPv6 address.
    #[error("{given:?} is not an IP address")]
    BadIp { given: String },

    /// A TLP label that is none of the five.
    #[error(transparent)]
    Tlp(#[from] hirundo_tlp::UnknownLabel),
}

/// At most [`CLIP`] characters of `text`.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(CLIP).collect()
}

fn list(states: &[State]) -> String {
    if states.is_empty() {
        return "nothing".to_owned();
    }
    states
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}
