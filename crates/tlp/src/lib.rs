//! FIRST's Traffic Light Protocol, version 2.0, as a type.
//!
//! Every piece of non-public data that leaves hirundo carries one of the
//! five labels, and every recipient has a ceiling: the most restricted
//! label they accept. The labels are ordered from the least to the most
//! restricted, so "may this go to them" is `data <= ceiling`
//! ([`Tlp::fits`]).
//!
//! Parsing is lenient about spelling (`amber`, `TLP: AMBER`, TLP 1.0's
//! `WHITE` for `CLEAR`) and strict about meaning: anything else is an
//! error, never a guess, so a typo in a configuration cannot widen who
//! sees data.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A TLP 2.0 label, ordered from the least to the most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

/// A label that is none of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a TLP 2.0 label: use CLEAR, GREEN, AMBER, AMBER+STRICT or RED")]
pub struct UnknownLabel(pub String);

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// As TLP 2.0 writes it where people read it: `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The label without its prefix, as IntelMQ's `tlp` field and most
    /// CSV exports carry it: `AMBER+STRICT`.
    pub fn level(self) -> &'static str {
        &self.label()[4..]
    }

    /// FIRST's one-line meaning.
    pub fn meaning(self) -> &'static str {
        match self {
            Tlp::Clear => {
                "Recipients can spread this to the world; there is no limit on disclosure."
            }
            Tlp::Green => {
                "Limited disclosure: recipients can spread this within their community."
            }
            Tlp::Amber => {
                "Limited disclosure: recipients can only spread this on a need-to-know basis within their organization and its clients."
            }
            Tlp::AmberStrict => {
                "Limited disclosure: recipients can only spread this on a need-to-know basis within their organization."
            }
            Tlp::Red => {
                "For the eyes and ears of individual recipients only, no further disclosure."
            }
        }
    }

    /// Whether data under this label may go to a recipient whose ceiling
    /// is `ceiling`.
    pub fn fits(self, ceiling: Tlp) -> bool {
        self <= ceiling
    }

    /// Whether a machine may send data under this label on its own.
    /// TLP:RED is for named individuals, chosen by a person each time, so
    /// it never goes into an automated notification.
    pub fn automatable(self) -> bool {
        self != Tlp::Red
    }

    /// The id of the TLP 2.0 marking definition OASIS publishes for STIX
    /// 2.1 (the same UUIDs CACAO uses).
    pub fn stix_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The STIX 2.1 marking-definition object for this label, through the
    /// TLP 2.0 property extension, to put in a bundle beside the objects
    /// that reference it.
    pub fn stix_marking_definition(self) -> serde_json::Value {
        serde_json::json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.stix_marking_id(),
            "created": "2022-10-01T00:00:00.000Z",
            "name": self.label(),
            "extensions": {
                STIX_TLP2_EXTENSION: {
                    "extension_type": "property-extension",
                    "tlp_2_0": self.level().to_ascii_lowercase(),
                }
            }
        })
    }
}

/// The extension definition under which STIX 2.1 carries TLP 2.0.
pub const STIX_TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Tlp {
    type Err = UnknownLabel;

    /// Accepts `AMBER`, `amber`, `TLP:AMBER`, `tlp: amber`, `amber+strict`
    /// and TLP 1.0's `WHITE` (now `CLEAR`); nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let squeezed: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let level = squeezed.strip_prefix("TLP:").unwrap_or(&squeezed);
        match level {
            "CLEAR" | "WHITE" => Ok(Tlp::Clear),
            "GREEN" => Ok(Tlp::Green),
            "AMBER" => Ok(Tlp::Amber),
            "AMBER+STRICT" => Ok(Tlp::AmberStrict),
            "RED" => Ok(Tlp::Red),
            _ => Err(UnknownLabel(s.chars().take(64).collect())),
        }
    }
}

impl Serialize for Tlp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for Tlp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_runs_from_clear_to_red() {
        assert!(Tlp::Clear < Tlp::Green);
        assert!(Tlp::Green < Tlp::Amber);
        assert!(Tlp::Amber < Tlp::AmberStrict);
        assert!(Tlp::AmberStrict < Tlp::Red);
        assert!(Tlp::Green.fits(Tlp::Green));
        assert!(!Tlp::Amber.fits(Tlp::Green));
        assert!(Tlp::Green.fits(Tlp::Amber));
        assert!(!Tlp::Red.automatable());
        assert!(Tlp::AmberStrict.automatable());
    }

    #[test]
    fn spellings_parse_and_others_fail() {
        for (text, want) in [
            ("TLP:AMBER", Tlp::Amber),
            (" tlp: amber ", Tlp::Amber),
            ("amber+strict", Tlp::AmberStrict),
            ("TLP:AMBER + STRICT", Tlp::AmberStrict),
            ("WHITE", Tlp::Clear),
            ("tlp:clear", Tlp::Clear),
            ("Red", Tlp::Red),
        ] {
            assert_eq!(text.parse::<Tlp>(), Ok(want), "{text}");
        }
        for bad in [
            "",
            "TLP:",
            "AMBER STRICTER",
            "TLP:WHITE\r\nBcc: x@example.org",
            "ORANGE",
        ] {
            assert!(bad.parse::<Tlp>().is_err(), "{bad:?}");
        }
        assert_eq!(Tlp::AmberStrict.level(), "AMBER+STRICT");
    }

    #[test]
    fn serde_uses_the_label() {
        let json = serde_json::to_string(&Tlp::AmberStrict).unwrap();
        assert_eq!(json, "\"TLP:AMBER+STRICT\"");
        let back: Tlp = serde_json::from_str("\"green\"").unwrap();
        assert_eq!(back, Tlp::Green);
        assert!(serde_json::from_str::<Tlp>("\"purple\"").is_err());
    }

    #[test]
    fn stix_markings_are_distinct_and_self_consistent() {
        let ids: std::collections::BTreeSet<_> =
            Tlp::ALL.iter().map(|t| t.stix_marking_id()).collect();
        assert_eq!(ids.len(), 5);
        let md = Tlp::Amber.stix_marking_definition();
        assert_eq!(md["id"], Tlp::Amber.stix_marking_id());
        assert_eq!(md["name"], "TLP:AMBER");
        assert_eq!(md["extensions"][STIX_TLP2_EXTENSION]["tlp_2_0"], "amber");
    }

    proptest! {
        #[test]
        fn label_round_trips(i in 0usize..5) {
            let t = Tlp::ALL[i];
            prop_assert_eq!(t.label().parse::<Tlp>(), Ok(t));
            prop_assert_eq!(t.level().parse::<Tlp>(), Ok(t));
        }

        #[test]
        fn any_text_parses_or_errs_without_panic(s in ".{0,40}") {
            let _ = s.parse::<Tlp>();
        }
    }
}
