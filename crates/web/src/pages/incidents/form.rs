//! What the incident forms send, and how it becomes a [`NewIncident`] or
//! a [`Change`]. Every field is a string with a default, so that a
//! missing field is reported by name rather than as an undecodable form.

use hirundo_incident::{parse_time, Change, Classification, NewIncident, State};
use hirundo_tlp::Tlp;
use serde::Deserialize;

use crate::coordination::{clip, parse_sources};
use crate::error::WebError;

/// The "New incident" form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub title: String,
    /// `category/type`.
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub reporter: String,
    #[serde(default)]
    pub country: String,
    /// Addresses separated by spaces, line breaks or commas.
    #[serde(default)]
    pub sources: String,
    /// `YYYY-MM-DD`, as a date input sends it.
    #[serde(default)]
    pub occurred: String,
}

/// The update form of an incident's page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub csrf: String,
    /// Empty: keep the state.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub comment: String,
    /// Empty: keep the label.
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub sources: String,
}

/// The forward form: the team, or empty for the routed one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub team: String,
}

/// A label typed or chosen; `field` names it in the error.
pub fn parse_tlp(field: &str, text: &str) -> Result<Tlp, WebError> {
    text.parse()
        .map_err(|e| WebError::BadRequest(format!("{field}: {e}")))
}

/// Browsers send text areas with CRLF; the record keeps LF.
fn text_area(text: &str) -> String {
    text.replace("\r\n", "\n")
}

impl NewForm {
    /// The incident the form describes; the first bad field is named.
    pub fn to_new(&self) -> Result<NewIncident, WebError> {
        let classification: Classification = self
            .classification
            .trim()
            .parse()
            .map_err(|e| WebError::BadRequest(format!("classification: {e}")))?;
        let tlp = match self.tlp.trim() {
            "" => Tlp::Amber,
            t => parse_tlp("tlp", t)?,
        };
        let country = match self.country.trim() {
            "" => None,
            c => Some(c.to_ascii_uppercase()),
        };
        let occurred_ns = match self.occurred.trim() {
            "" => None,
            t => Some(parse_time(t).map_err(|e| WebError::BadRequest(format!("occurred: {e}")))?),
        };
        Ok(NewIncident {
            title: self.title.clone(),
            description: text_area(&self.description),
            classification,
            tlp,
            reporter: self.reporter.clone(),
            country,
            links: parse_sources("sources", [self.sources.as_str()])?,
            occurred_ns,
        })
    }
}

impl UpdateForm {
    pub fn to_change(&self) -> Result<Change, WebError> {
        let state = match self.state.trim() {
            "" => None,
            s => Some(
                s.parse::<State>()
                    .map_err(|e| WebError::BadRequest(format!("state: {e}")))?,
            ),
        };
        let tlp = match self.tlp.trim() {
            "" => None,
            t => Some(parse_tlp("tlp", t)?),
        };
        let comment = Some(text_area(&self.comment)).filter(|c| !c.trim().is_empty());
        Ok(Change {
            state,
            tlp,
            comment,
            add_links: parse_sources("sources", [self.sources.as_str()])?,
            ..Change::default()
        })
    }
}

impl ForwardForm {
    pub fn team(&self) -> Option<&str> {
        Some(self.team.trim()).filter(|t| !t.is_empty())
    }
}

/// A year as `?year=` gives it: four digits, 1970 to 9999.
pub fn parse_year(text: &str) -> Result<i32, WebError> {
    let t = text.trim();
    match t.parse::<i32>() {
        Ok(y) if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) && y >= 1970 => Ok(y),
        _ => Err(WebError::BadRequest(format!(
            "year: {:?} is not a year: write four digits, like 2026",
            clip(t)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form() -> NewForm {
        NewForm {
            title: "SSH scans".into(),
            classification: "information-gathering/scanner".into(),
            reporter: "abuse@example.net".into(),
            ..NewForm::default()
        }
    }

    #[test]
    fn a_new_form_becomes_an_incident_with_amber_by_default() {
        let mut f = form();
        f.country = " br ".into();
        f.sources = "192.0.2.7\r\n198.51.100.1".into();
        f.occurred = "2025-06-01".into();
        f.description = "a\r\nb".into();
        let new = f.to_new().unwrap();
        assert_eq!(new.tlp, Tlp::Amber);
        assert_eq!(new.country.as_deref(), Some("BR"));
        assert_eq!(new.links.len(), 2);
        assert_eq!(new.occurred_ns, Some(1_748_736_000_000_000_000));
        assert_eq!(new.description, "a\nb");
    }

    #[test]
    fn each_bad_field_is_named() {
        for (break_it, start) in [
            (
                (|f: &mut NewForm| f.classification = "scanning".into()) as fn(&mut NewForm),
                "classification: ",
            ),
            (|f| f.tlp = "orange".into(), "tlp: "),
            (|f| f.occurred = "01/06/2025".into(), "occurred: "),
            (|f| f.sources = "192.0.2.1 nope".into(), "sources: \"nope\""),
        ] {
            let mut f = form();
            break_it(&mut f);
            let err = f.to_new().unwrap_err().to_string();
            assert!(err.starts_with(start), "{err}");
        }
    }

    #[test]
    fn an_update_keeps_what_is_left_empty() {
        let change = UpdateForm::default().to_change().unwrap();
        assert_eq!(change, Change::default());
        let change = UpdateForm {
            state: "open".into(),
            tlp: "TLP:GREEN".into(),
            comment: "seen\r\nagain".into(),
            sources: "192.0.2.9".into(),
            ..UpdateForm::default()
        }
        .to_change()
        .unwrap();
        assert_eq!(change.state, Some(State::Open));
        assert_eq!(change.tlp, Some(Tlp::Green));
        assert_eq!(change.comment.as_deref(), Some("seen\nagain"));
        assert_eq!(change.add_links.len(), 1);
        assert!(UpdateForm {
            state: "reopened".into(),
            ..UpdateForm::default()
        }
        .to_change()
        .unwrap_err()
        .to_string()
        .starts_with("state: "));
    }

    #[test]
    fn years_are_four_digits() {
        assert_eq!(parse_year("2026").unwrap(), 2026);
        for bad in ["", "26", "+2026", "1969", "20260", "year"] {
            assert!(parse_year(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn forms_never_panic(title in ".{0,30}", c in ".{0,30}", t in ".{0,12}", o in ".{0,12}", s in ".{0,40}") {
            let f = NewForm { title, classification: c, tlp: t.clone(), occurred: o.clone(), sources: s.clone(), ..NewForm::default() };
            let _ = f.to_new();
            let u = UpdateForm { state: o.clone(), tlp: t, sources: s, ..UpdateForm::default() };
            let _ = u.to_change();
            let _ = parse_year(&o);
        }

        #[test]
        fn years_round_trip(y in 1970i32..=9999) {
            prop_assert_eq!(parse_year(&y.to_string()).unwrap(), y);
        }
    }
}
