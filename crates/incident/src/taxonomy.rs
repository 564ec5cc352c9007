//! The Reference Security Incident Taxonomy (RSIT), read from its MISP
//! machine tag, and the classification of an incident in it.
//!
//! RSIT is what European CSIRTs (and IntelMQ) classify with: a category
//! (the machine tag's predicate, `information-gathering`) and a type
//! within it (`scanner`). The shipped copy is
//! `data/rsit-machinetag-v1.json` (CC0), embedded and parsed once by
//! [`rsit`].

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{clip, IncidentError};

/// The RSIT machine tag shipped with hirundo.
const RSIT_JSON: &str = include_str!("../data/rsit-machinetag-v1.json");

/// A taxonomy read from a MISP machine tag: its categories in the order
/// of the file's `predicates`, each with its types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taxonomy {
    namespace: String,
    version: u64,
    description: String,
    categories: Vec<Category>,
}

/// A category: one of the machine tag's predicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// The machine value, `information-gathering`.
    pub value: String,
    /// The name people read, `Information Gathering`.
    pub expanded: String,
    pub description: String,
    /// In the order of the file.
    pub types: Vec<IncidentType>,
}

/// A type of incident within a category: one entry of a predicate's
/// values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentType {
    /// The machine value, `scanner`.
    pub value: String,
    /// The name people read, `Scanning`.
    pub expanded: String,
    pub description: String,
}

/// Where an incident sits in RSIT: `information-gathering/scanner`.
/// Values made by [`Taxonomy::classify`] are spelled as in the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Classification {
    /// The category (RSIT's and IntelMQ's `classification.taxonomy`).
    pub taxonomy: String,
    /// The type within the category (`classification.type`).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A machine tag that cannot serve as a classification taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxonomyError {
    /// Not JSON, or JSON without the machine tag's shape.
    #[error("taxonomy JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// No predicates at all.
    #[error("the taxonomy has no categories (its \"predicates\" list is empty)")]
    NoCategories,
    /// A value that is empty, has surrounding whitespace or control
    /// characters, or (for a category) a `/`, which would make
    /// `category/type` ambiguous. `at` is its JSON path.
    #[error("taxonomy {at}: {value:?} is not usable as a value (empty, padded, control characters, or '/' in a category)")]
    BadValue { at: String, value: String },
    /// Two categories whose values differ at most in case.
    #[error("taxonomy category {value:?} appears twice")]
    DuplicateCategory { value: String },
    /// Two types of one category whose values differ at most in case.
    #[error("taxonomy type {value:?} appears twice in category {category}")]
    DuplicateType { category: String, value: String },
    /// A `values` entry for a predicate that `predicates` does not list.
    #[error("taxonomy {at}: predicate {predicate:?} is not one of the listed predicates")]
    UnknownPredicate { at: String, predicate: String },
    /// A category with no types: nothing could be classified in it.
    #[error("taxonomy category {category} has no types")]
    NoTypes { category: String },
}

#[derive(Deserialize)]
struct RawTaxonomy {
    namespace: String,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    description: String,
    predicates: Vec<RawTag>,
    #[serde(default)]
    values: Vec<RawValues>,
}

#[derive(Deserialize)]
struct RawTag {
    value: String,
    #[serde(default)]
    expanded: Option<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
struct RawValues {
    predicate: String,
    #[serde(default)]
    entry: Vec<RawTag>,
}

/// The RSIT shipped with hirundo, parsed on first use.
pub fn rsit() -> &'static Taxonomy {
    static RSIT: OnceLock<Taxonomy> = OnceLock::new();
    RSIT.get_or_init(|| {
        // The file is part of the source tree and a test parses it, so a
        // failure here is a broken build, not bad input.
        Taxonomy::parse(RSIT_JSON).expect("the shipped RSIT machine tag parses")
    })
}

impl Taxonomy {
    /// Reads a MISP machine tag (`namespace`, `predicates[]` with
    /// `value`/`expanded`/`description`, `values[]` with `predicate` and
    /// `entry[]`). Fields it does not use (colours, numerical values) are
    /// ignored.
    pub fn parse(json: &str) -> Result<Taxonomy, TaxonomyError> {
        let raw: RawTaxonomy = serde_json::from_str(json).map_err(|e| TaxonomyError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if raw.predicates.is_empty() {
            return Err(TaxonomyError::NoCategories);
        }
        let mut categories: Vec<Category> = Vec::with_capacity(raw.predicates.len());
        for (i, p) in raw.predicates.into_iter().enumerate() {
            if !usable(&p.value) || p.value.contains('/') {
                return Err(TaxonomyError::BadValue {
                    at: format!("predicates[{i}].value"),
                    value: clip(&p.value),
                });
            }
            if categories
                .iter()
                .any(|c| c.value.eq_ignore_ascii_case(&p.value))
            {
                return Err(TaxonomyError::DuplicateCategory {
                    value: clip(&p.value),
                });
            }
            categories.push(Category {
                expanded: p.expanded.unwrap_or_else(|| p.value.clone()),
                value: p.value,
                description: p.description,
                types: Vec::new(),
            });
        }
        for (i, values) in raw.values.into_iter().enumerate() {
            let Some(category) = categories.iter_mut().find(|c| c.value == values.predicate) else {
                return Err(TaxonomyError::UnknownPredicate {
                    at: format!("values[{i}].predicate"),
                    predicate: clip(&values.predicate),
                });
            };
            for (j, e) in values.entry.into_iter().enumerate() {
                if !usable(&e.value) {
                    return Err(TaxonomyError::BadValue {
                        at: format!("values[{i}].entry[{j}].value"),
                        value: clip(&e.value),
                    });
                }
                if category
                    .types
                    .iter()
                    .any(|t| t.value.eq_ignore_ascii_case(&e.value))
                {
                    return Err(TaxonomyError::DuplicateType {
                        category: category.value.clone(),
                        value: clip(&e.value),
                    });
                }
                category.types.push(IncidentType {
                    expanded: e.expanded.unwrap_or_else(|| e.value.clone()),
                    value: e.value,
                    description: e.description,
                });
            }
        }
        if let Some(empty) = categories.iter().find(|c| c.types.is_empty()) {
            return Err(TaxonomyError::NoTypes {
                category: empty.value.clone(),
            });
        }
        Ok(Taxonomy {
            namespace: raw.namespace,
            version: raw.version,
            description: raw.description,
            categories,
        })
    }

    /// The machine tag's namespace, `rsit`.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The machine tag's version number.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Every category, in the order of the file.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The category whose value is `category`, in any case.
    pub fn category(&self, category: &str) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| c.value.eq_ignore_ascii_case(category))
    }

    /// The types of `category` (in any case), if it is one.
    pub fn types(&self, category: &str) -> Option<&[IncidentType]> {
        self.category(category).map(|c| c.types.as_slice())
    }

    /// The classification for a category and a type given by their
    /// values, in any case, spelled as in the taxonomy. Nothing else is
    /// guessed: an unknown value is an error that lists the valid ones.
    pub fn classify(&self, category: &str, kind: &str) -> Result<Classification, IncidentError> {
        let found = self
            .category(category)
            .ok_or_else(|| IncidentError::UnknownCategory {
                given: clip(category),
                valid: self.categories.iter().map(|c| c.value.clone()).collect(),
            })?;
        let t = found
            .types
            .iter()
            .find(|t| t.value.eq_ignore_ascii_case(kind))
            .ok_or_else(|| IncidentError::UnknownType {
                category: found.value.clone(),
                given: clip(kind),
                valid: found.types.iter().map(|t| t.value.clone()).collect(),
            })?;
        Ok(Classification {
            taxonomy: found.value.clone(),
            kind: t.value.clone(),
        })
    }

    /// `classification` as this taxonomy spells it, or why it is not in
    /// the taxonomy.
    pub fn canonical(
        &self,
        classification: &Classification,
    ) -> Result<Classification, IncidentError> {
        self.classify(&classification.taxonomy, &classification.kind)
    }
}

/// Whether a machine value can be matched and printed unambiguously.
fn usable(value: &str) -> bool {
    !value.is_empty() && value.trim() == value && !value.chars().any(char::is_control)
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.taxonomy, self.kind)
    }
}

impl FromStr for Classification {
    type Err = IncidentError;

    /// `category/type` in the shipped RSIT, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (category, kind) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| IncidentError::BadClassification { given: clip(s) })?;
        rsit().classify(category.trim(), kind.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shipped_rsit_has_every_category_and_type() {
        let t = rsit();
        assert_eq!(t.namespace(), "rsit");
        assert_eq!(t.version(), 1003);
        let values: Vec<&str> = t.categories().iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "abusive-content",
                "malicious-code",
                "information-gathering",
                "intrusion-attempts",
                "intrusions",
                "availability",
                "information-content-security",
                "fraud",
                "vulnerable",
                "other",
                "test",
            ]
        );
        let types: usize = t.categories().iter().map(|c| c.types.len()).sum();
        assert_eq!(types, 39);
        let gathering = t.category("information-gathering").unwrap();
        assert_eq!(gathering.expanded, "Information Gathering");
        assert_eq!(gathering.description, "Information Gathering.");
        let scanner = &t.types("information-gathering").unwrap()[0];
        assert_eq!(
            (scanner.value.as_str(), scanner.expanded.as_str()),
            ("scanner", "Scanning")
        );
    }

    #[test]
    fn every_shipped_type_classifies_in_any_case() {
        let t = rsit();
        for c in t.categories() {
            assert!(!c.description.is_empty(), "{}", c.value);
            for ty in &c.types {
                let want = Classification {
                    taxonomy: c.value.clone(),
                    kind: ty.value.clone(),
                };
                assert_eq!(t.classify(&c.value, &ty.value), Ok(want.clone()));
                assert_eq!(
                    t.classify(&c.value.to_uppercase(), &ty.value.to_uppercase()),
                    Ok(want.clone())
                );
                assert_eq!(want.to_string().parse::<Classification>(), Ok(want));
            }
        }
    }

    #[test]
    fn classification_display_and_serde() {
        let c = rsit().classify("Information-Gathering", "SCANNER").unwrap();
        assert_eq!(c.to_string(), "information-gathering/scanner");
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"taxonomy":"information-gathering","type":"scanner"}"#
        );
    }

    #[test]
    fn unknown_values_list_the_valid_ones() {
        let err = rsit().classify("availability", "flood").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"flood\" is not a type of the RSIT category availability: use one of dos, ddos, misconfiguration, sabotage, outage"
        );
        let err = rsit().classify("scanning", "scanner").unwrap_err();
        match &err {
            IncidentError::UnknownCategory { given, valid } => {
                assert_eq!(given, "scanning");
                assert_eq!(valid.len(), 11);
            }
            other => panic!("{other:?}"),
        }
        // Expanded names are for people, not for matching.
        assert!(rsit()
            .classify("Information Gathering", "Scanning")
            .is_err());
        assert_eq!(
            "scanner".parse::<Classification>(),
            Err(IncidentError::BadClassification {
                given: "scanner".into()
            })
        );
    }

    #[test]
    fn broken_machine_tags_say_where() {
        assert!(matches!(
            Taxonomy::parse("{\"namespace\": \"x\",\n \"predicates\": [}"),
            Err(TaxonomyError::Json { line: 2, .. })
        ));
        assert_eq!(
            Taxonomy::parse(r#"{"namespace":"x","predicates":[]}"#),
            Err(TaxonomyError::NoCategories)
        );
        assert_eq!(
            Taxonomy::parse(r#"{"namespace":"x","predicates":[{"value":"a/b"}]}"#),
            Err(TaxonomyError::BadValue {
                at: "predicates[0].value".into(),
                value: "a/b".into()
            })
        );
        assert_eq!(
            Taxonomy::parse(r#"{"namespace":"x","predicates":[{"value":"a"},{"value":"A"}]}"#),
            Err(TaxonomyError::DuplicateCategory { value: "A".into() })
        );
        assert_eq!(
            Taxonomy::parse(
                r#"{"namespace":"x","predicates":[{"value":"a"}],"values":[{"predicate":"b","entry":[]}]}"#
            ),
            Err(TaxonomyError::UnknownPredicate {
                at: "values[0].predicate".into(),
                predicate: "b".into()
            })
        );
        assert_eq!(
            Taxonomy::parse(
                r#"{"namespace":"x","predicates":[{"value":"a"}],"values":[{"predicate":"a","entry":[{"value":"t"},{"value":"T"}]}]}"#
            ),
            Err(TaxonomyError::DuplicateType {
                category: "a".into(),
                value: "T".into()
            })
        );
        assert_eq!(
            Taxonomy::parse(r#"{"namespace":"x","predicates":[{"value":"a"}]}"#),
            Err(TaxonomyError::NoTypes {
                category: "a".into()
            })
        );
    }

    #[test]
    fn missing_expanded_names_fall_back_to_the_value() {
        let t = Taxonomy::parse(
            r##"{"namespace":"x","predicates":[{"value":"a","colour":"#fff"}],
                "values":[{"predicate":"a","entry":[{"value":"t","numerical_value":3}]}]}"##,
        )
        .unwrap();
        assert_eq!(t.categories()[0].expanded, "a");
        assert_eq!(t.types("A").unwrap()[0].expanded, "t");
        assert_eq!(t.version(), 0);
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in ".{0,400}") {
            let _ = Taxonomy::parse(&text);
        }

        #[test]
        fn parse_of_mutated_rsit_never_panics(cut in 0usize..RSIT_JSON.len(), byte in any::<u8>()) {
            let mut bytes = RSIT_JSON.as_bytes().to_vec();
            bytes[cut] = byte;
            if let Ok(text) = std::str::from_utf8(&bytes) {
                if let Ok(t) = Taxonomy::parse(text) {
                    // Whatever parsed still classifies each of its own types.
                    for c in t.categories() {
                        for ty in &c.types {
                            prop_assert!(t.classify(&c.value, &ty.value).is_ok());
                        }
                    }
                }
            }
        }

        #[test]
        fn classify_never_panics(category in ".{0,40}", kind in ".{0,40}") {
            let _ = rsit().classify(&category, &kind);
        }
    }
}
