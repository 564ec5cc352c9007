//! What can go wrong building a directory, importing one, or reading a
//! prefix. Every message names where: the team, the field, the line.

use std::fmt;

/// A team list that cannot become a [`Directory`](crate::Directory).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// A field of one team breaks its rule: `team "cert-br":
    /// emails[1].address "x y": contains whitespace`. `value` is the
    /// offending text, cut to 80 characters; it is printed escaped so a
    /// control character in it cannot forge a log line.
    #[error("team {team:?}: {field} {value:?}: {why}")]
    Invalid {
        /// The team's id as given (itself possibly the invalid field).
        team: String,
        /// The path of the field: `id`, `emails[1].address`,
        /// `constituency.prefixes[0]`.
        field: String,
        value: String,
        why: String,
    },
    /// Two teams share an id.
    #[error("team {id:?} appears {count} times: ids must be unique")]
    DuplicateId { id: String, count: usize },
    /// More than one team has `ours = true`: the fallback must be one team.
    #[error(
        "teams {first:?} and {second:?} are both marked ours = true: at most one team may be the operator's own"
    )]
    SeveralOurs { first: String, second: String },
}

impl DirectoryError {
    pub(crate) fn invalid(
        team: &str,
        field: impl Into<String>,
        value: &str,
        why: impl Into<String>,
    ) -> Self {
        DirectoryError::Invalid {
            team: clip(team),
            field: field.into(),
            value: clip(value),
            why: why.into(),
        }
    }
}

/// A document that could not be read at all. Entries that were read but
/// are wrong are not errors: they are [`Rejected`](crate::Rejected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The Trusted Introducer document is not JSON, or not an array of
    /// objects (serde_json's message and position).
    #[error("Trusted Introducer teams.json at {at}: {message}")]
    Json { at: Position, message: String },
    /// The TOML document does not parse, or a `[[team]]` table does not
    /// fit the Team shape: a misspelt key, a missing `id`, a bad prefix.
    #[error("directory TOML at {at}: {message}")]
    Toml { at: Position, message: String },
}

/// Where in a text document: 1-based line and column (in characters), or
/// unknown when the parser could not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based; 0 when unknown.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to its length and
    /// to a character boundary, so any offset is safe).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str("an unknown position")
        } else {
            write!(f, "line {}, column {}", self.line, self.column)
        }
    }
}

/// A prefix, address or range that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// The part before `/` (or a range end) is not an IP address.
    #[error("{text:?}: {part:?} is not an IP address")]
    NotAnAddress { text: String, part: String },
    /// The length is not a number from 0 to 32 (IPv4) or 128 (IPv6).
    #[error("{text:?}: the length must be a number from 0 to {max}")]
    BadLength { text: String, max: u8 },
    /// Bits past the length are set: usually a typo in the length or
    /// the address, so it is refused rather than silently widened.
    #[error("{text:?} has host bits set: did you mean {suggestion}?")]
    HostBits { text: String, suggestion: String },
    /// A range `first - last` whose ends are of different families, or
    /// whose first address is above its last.
    #[error("{text:?}: {why}")]
    BadRange { text: String, why: &'static str },
}

/// Long values are cut so an error stays one readable line.
fn clip(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters() {
        let text = "a\nbé c\n";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        // "é" is two bytes: offset 5 is the space after it, the 3rd char.
        assert_eq!(
            Position::of_offset(text, 5),
            Position { line: 2, column: 3 }
        );
        // Inside "é": clamped back to its start.
        assert_eq!(
            Position::of_offset(text, 4),
            Position { line: 2, column: 2 }
        );
        assert_eq!(
            Position::of_offset(text, 999),
            Position { line: 3, column: 1 }
        );
    }

    #[test]
    fn invalid_escapes_control_characters_in_values() {
        let e = DirectoryError::invalid("x", "name", "a\r\nBcc: y", "contains a control character");
        assert_eq!(
            e.to_string(),
            r#"team "x": name "a\r\nBcc: y": contains a control character"#
        );
        let long = "z".repeat(200);
        let e = DirectoryError::invalid("x", "notes", &long, "why");
        assert!(e.to_string().len() < 120, "{e}");
    }
}
