//! The Traffic Light Protocol label every alert delivery carries (FIRST
//! TLP 2.0), from `hirundo-tlp`.

use hirundo_surge::Alert;
use hirundo_tlp::Tlp;

/// What an alert is labelled when its own label is missing or unknown:
/// alerts name sources, so they are not for wide sharing.
pub const DEFAULT: Tlp = Tlp::Amber;

/// The alert's label spelled as TLP 2.0 spells it ("tlp: amber" becomes
/// "TLP:AMBER"), or [`DEFAULT`]'s when it is none of the five. Only these
/// fixed strings ever reach a mail header or a feed, whatever the record
/// holds.
pub fn label(alert: &Alert) -> &'static str {
    alert.tlp.parse::<Tlp>().unwrap_or(DEFAULT).label()
}

/// FIRST's short meaning of a label returned by [`label`].
pub fn meaning(label: &str) -> &'static str {
    label.parse::<Tlp>().unwrap_or(DEFAULT).meaning()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::alert;

    fn labelled(tlp: &str) -> &'static str {
        let mut a = alert();
        a.tlp = tlp.to_owned();
        label(&a)
    }

    #[test]
    fn labels_are_normalised_and_unknown_ones_fall_back_to_amber() {
        assert_eq!(labelled("TLP:AMBER"), "TLP:AMBER");
        assert_eq!(labelled(" tlp: red "), "TLP:RED");
        assert_eq!(labelled("TLP:AMBER+STRICT"), "TLP:AMBER+STRICT");
        assert_eq!(labelled(""), "TLP:AMBER");
        assert_eq!(labelled("TLP:WHITE\r\nBcc: x@example.org"), "TLP:AMBER");
        assert!(meaning("TLP:RED").starts_with("For the eyes"));
        assert!(meaning("TLP:AMBER").contains("and its clients"));
    }
}
