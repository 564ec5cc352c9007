//! How a report prints its TLP 2.0 label: the colour, and the sharing
//! rule under it. The labels themselves are `hirundo-tlp`'s.

use hirundo_tlp::Tlp;

/// The CSS class that gives a label its TLP 2.0 colour on black; an
/// unknown label is printed as CLEAR's, white on black.
pub(crate) fn class_of(label: &str) -> &'static str {
    match label.parse::<Tlp>() {
        Ok(Tlp::Red) => "tlp-red",
        Ok(Tlp::AmberStrict | Tlp::Amber) => "tlp-amber",
        Ok(Tlp::Green) => "tlp-green",
        Ok(Tlp::Clear) | Err(_) => "tlp-clear",
    }
}

/// The sentence printed under a report's label; an unknown label is
/// printed as it is, with no rule claimed for it.
pub(crate) fn meaning_of(label: &str) -> &'static str {
    label.parse::<Tlp>().map_or("", Tlp::meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_any_case_get_their_colour_and_rule() {
        assert_eq!(class_of("TLP:RED"), "tlp-red");
        assert_eq!(class_of(" tlp:amber+strict "), "tlp-amber");
        assert_eq!(class_of("GREEN"), "tlp-green");
        assert_eq!(class_of("TLP:PURPLE"), "tlp-clear");
        assert!(meaning_of("TLP:CLEAR").contains("no limit on disclosure"));
        assert!(meaning_of("TLP:WHITE").contains("no limit on disclosure"));
        assert_eq!(meaning_of("secret"), "");
    }
}
