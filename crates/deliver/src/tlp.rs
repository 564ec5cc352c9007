//! The Traffic Light Protocol label every delivery carries (FIRST TLP 2.0).

use hirundo_surge::Alert;

/// What an alert is labelled when its own label is missing or unknown:
/// alerts name sources, so they are not for wide sharing.
pub const DEFAULT_LABEL: &str = "TLP:AMBER";

/// TLP 2.0 labels and FIRST's one-line meaning of each.
const LABELS: [(&str, &str); 5] = [
    ("TLP:CLEAR", "Recipients can spread this to the world; there is no limit on disclosure."),
    ("TLP:GREEN", "Limited disclosure: recipients can spread this within their community."),
    (
        "TLP:AMBER",
        "Limited disclosure: recipients can only spread this on a need-to-know basis within their organization and its clients.",
    ),
    (
        "TLP:AMBER+STRICT",
        "Limited disclosure: recipients can only spread this on a need-to-know basis within their organization.",
    ),
    ("TLP:RED", "For the eyes and ears of individual recipients only, no further disclosure."),
];

/// The alert's label spelled as TLP 2.0 spells it ("tlp: amber" becomes
/// "TLP:AMBER"), or [`DEFAULT_LABEL`] when it is none of the five. Only
/// these fixed strings ever reach a mail header or a feed, whatever the
/// record holds.
pub fn label(alert: &Alert) -> &'static str {
    let wanted: String = alert
        .tlp
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    LABELS
        .iter()
        .find(|(name, _)| *name == wanted)
        .map_or(DEFAULT_LABEL, |(name, _)| name)
}

/// FIRST's short meaning of a label returned by [`label`].
pub fn meaning(label: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(name, _)| *name == label)
        .map_or(LABELS[2].1, |(_, meaning)| meaning)
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
