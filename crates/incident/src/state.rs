//! Where an incident is in its handling, and which moves are allowed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{clip, IncidentError};

/// Where an incident is in its handling.
///
/// | from | may move to |
/// |---|---|
/// | new | open, forwarded, waiting, resolved, closed |
/// | open | forwarded, waiting, resolved, closed |
/// | forwarded | open, waiting, resolved, closed |
/// | waiting | open, forwarded, resolved, closed |
/// | resolved | open (reopen), closed |
/// | closed | open (reopen) |
///
/// Nothing ever goes back to new, which only says that nobody has looked
/// at the incident yet, and staying in the same state is not a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Recorded, not yet looked at.
    New,
    /// Being handled by this team.
    Open,
    /// Sent to the team responsible (another CSIRT, an abuse desk); see
    /// [`crate::forwarded`].
    Forwarded,
    /// Waiting for an answer from the reporter or the party concerned.
    Waiting,
    /// Handled; can still be reopened if the activity comes back.
    Resolved,
    /// Done for good, or a duplicate or false report.
    Closed,
}

impl State {
    pub const ALL: [State; 6] = [
        State::New,
        State::Open,
        State::Forwarded,
        State::Waiting,
        State::Resolved,
        State::Closed,
    ];

    /// The name used in JSON, on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            State::New => "new",
            State::Open => "open",
            State::Forwarded => "forwarded",
            State::Waiting => "waiting",
            State::Resolved => "resolved",
            State::Closed => "closed",
        }
    }

    /// The states an incident in this state may move to. Staying in the
    /// same state is not a move.
    pub fn next(self) -> &'static [State] {
        use State::*;
        match self {
            New => &[Open, Forwarded, Waiting, Resolved, Closed],
            Open => &[Forwarded, Waiting, Resolved, Closed],
            Forwarded => &[Open, Waiting, Resolved, Closed],
            Waiting => &[Open, Forwarded, Resolved, Closed],
            // Reopening keeps the history in one record when the same
            // activity comes back, rather than a second incident.
            Resolved => &[Open, Closed],
            Closed => &[Open],
        }
    }

    /// Whether an incident in this state may move to `next`.
    pub fn can_move_to(self, next: State) -> bool {
        self.next().contains(&next)
    }

    /// The error for a move that [`State::can_move_to`] refuses.
    pub(crate) fn illegal_move(self, to: State) -> IncidentError {
        IncidentError::IllegalMove {
            from: self,
            to,
            allowed: self.next().to_vec(),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for State {
    type Err = IncidentError;

    /// The names of [`State::name`], in any case, with surrounding
    /// whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        State::ALL
            .into_iter()
            .find(|state| state.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| IncidentError::UnknownState { given: clip(s) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use State::*;

    #[test]
    fn move_table() {
        // Rows are `from`, columns `to`, in the order of State::ALL.
        let table: [(State, [bool; 6]); 6] = [
            (New, [false, true, true, true, true, true]),
            (Open, [false, false, true, true, true, true]),
            (Forwarded, [false, true, false, true, true, true]),
            (Waiting, [false, true, true, false, true, true]),
            (Resolved, [false, true, false, false, false, true]),
            (Closed, [false, true, false, false, false, false]),
        ];
        for (from, row) in table {
            for (to, allowed) in State::ALL.into_iter().zip(row) {
                assert_eq!(from.can_move_to(to), allowed, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn nothing_returns_to_new_and_no_state_moves_to_itself() {
        for s in State::ALL {
            assert!(!s.can_move_to(New), "{s} -> new");
            assert!(!s.can_move_to(s), "{s} -> {s}");
        }
    }

    #[test]
    fn illegal_move_names_both_states_and_the_way_out() {
        let message = Closed.illegal_move(Resolved).to_string();
        assert_eq!(
            message,
            "an incident cannot move from closed to resolved: from closed it can move to open"
        );
    }

    #[test]
    fn names_parse_back_and_serde_is_lowercase() {
        for s in State::ALL {
            assert_eq!(s.name().parse::<State>(), Ok(s));
            assert_eq!(s.name().to_uppercase().parse::<State>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.name())
            );
            assert_eq!(s.to_string(), s.name());
        }
        assert_eq!(" Waiting ".parse::<State>(), Ok(Waiting));
        assert_eq!(
            "reopened".parse::<State>(),
            Err(IncidentError::UnknownState {
                given: "reopened".into()
            })
        );
    }
}
