//! TLP 2.0 labels: which colour a label is printed in and what it allows.

/// The labels of TLP 2.0 (FIRST), and what a report marked with one may
/// be shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tlp {
    Red,
    AmberStrict,
    Amber,
    Green,
    Clear,
}

impl Tlp {
    /// Reads "TLP:CLEAR" and the like, in any case. TLP 1.0's WHITE is
    /// read as CLEAR, which replaced it; anything else is `None`.
    pub fn parse(label: &str) -> Option<Tlp> {
        let label = label.trim().to_ascii_uppercase();
        let name = label.strip_prefix("TLP:").unwrap_or(&label);
        match name {
            "RED" => Some(Tlp::Red),
            "AMBER+STRICT" => Some(Tlp::AmberStrict),
            "AMBER" => Some(Tlp::Amber),
            "GREEN" => Some(Tlp::Green),
            "CLEAR" | "WHITE" => Some(Tlp::Clear),
            _ => None,
        }
    }

    /// The CSS class that gives the label its TLP 2.0 colour on black.
    pub fn class(self) -> &'static str {
        match self {
            Tlp::Red => "tlp-red",
            Tlp::AmberStrict | Tlp::Amber => "tlp-amber",
            Tlp::Green => "tlp-green",
            Tlp::Clear => "tlp-clear",
        }
    }

    /// The sharing rule, in the words of the TLP 2.0 standard.
    pub fn meaning(self) -> &'static str {
        match self {
            Tlp::Red => "For the eyes and ears of individual recipients only, no further disclosure.",
            Tlp::AmberStrict => "Limited disclosure, recipients can only spread this on a need-to-know basis within their organization.",
            Tlp::Amber => "Limited disclosure, recipients can only spread this on a need-to-know basis within their organization and its clients.",
            Tlp::Green => "Limited disclosure, recipients can spread this within their community.",
            Tlp::Clear => "Recipients can spread this to the world, there is no limit on disclosure.",
        }
    }
}

/// The sentence printed under a report's label; an unknown label is
/// printed as it is, with no rule claimed for it.
pub(crate) fn meaning_of(label: &str) -> &'static str {
    Tlp::parse(label).map_or("", Tlp::meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_in_any_case() {
        assert_eq!(Tlp::parse("TLP:CLEAR"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse(" tlp:amber+strict "), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("TLP:WHITE"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("GREEN"), Some(Tlp::Green));
        assert_eq!(Tlp::parse("TLP:PURPLE"), None);
        assert_eq!(Tlp::Red.class(), "tlp-red");
        assert!(meaning_of("TLP:CLEAR").contains("no limit on disclosure"));
        assert_eq!(meaning_of("secret"), "");
    }
}
