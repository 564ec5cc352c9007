use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::upstream::{ASN, GEO_WHOIS_ASN_COUNTRY, TOR_GEOIP};
use crate::ConfigError;

/// Which sources answer "which country?" and "which AS?", in order of
/// preference. Every listed source is consulted for a full lookup (so
/// disagreements show); the first that answers is the primary answer.
///
/// ```toml
/// [geo]
/// country = ["builtin", "mmdb:/var/lib/geoip/GeoLite2-Country.mmdb", "rir:/srv/delegated-apnic-extended-latest"]
/// asn = ["mmdb:/var/lib/geoip/GeoLite2-ASN.mmdb", "builtin"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoConfig {
    /// Country sources. `builtin` is every country source of the shipped
    /// dataset (ip-location-db geo-whois-asn-country, then tor-geoip);
    /// `builtin:geo-whois-asn-country` or `builtin:tor-geoip` one of them;
    /// `mmdb:PATH` a MaxMind-format country (or city) file; `rir:PATH` an
    /// RIR delegated-stats file; `dataset:PATH` the country sources of a
    /// dataset file rebuilt by `scripts/build-ipdb` from newer upstream
    /// files. Default: `["builtin"]`. An empty list turns country
    /// enrichment off.
    #[serde(default = "GeoConfig::default_sources")]
    pub country: Vec<SourceSpec>,
    /// ASN sources. `builtin` (or `builtin:asn`) is the shipped
    /// ip-location-db asn set; `mmdb:PATH` a MaxMind-format ASN file;
    /// `dataset:PATH` the ASN source of a rebuilt dataset file.
    /// Default: `["builtin"]`. An empty list turns ASN enrichment off.
    #[serde(default = "GeoConfig::default_sources")]
    pub asn: Vec<SourceSpec>,
}

impl Default for GeoConfig {
    fn default() -> Self {
        GeoConfig {
            country: GeoConfig::default_sources(),
            asn: GeoConfig::default_sources(),
        }
    }
}

impl GeoConfig {
    fn default_sources() -> Vec<SourceSpec> {
        vec![SourceSpec::Builtin(None)]
    }

    /// Checks what can be checked without reading files: every entry fits
    /// its list, no entry is listed twice, paths are not empty.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_list(
            "country",
            &self.country,
            &[GEO_WHOIS_ASN_COUNTRY, TOR_GEOIP],
        )?;
        check_list("asn", &self.asn, &[ASN])
    }
}

fn check_list(
    field: &'static str,
    list: &[SourceSpec],
    builtin_keys: &[&str],
) -> Result<(), ConfigError> {
    let err = |message: String| Err(ConfigError { field, message });
    for (i, spec) in list.iter().enumerate() {
        if list[..i].contains(spec) {
            return err(format!("{spec:?} is listed twice; remove one"));
        }
        match spec {
            SourceSpec::Builtin(Some(key)) if !builtin_keys.contains(&key.as_str()) => {
                return err(format!(
                    "there is no built-in {field} source {key:?}; use \"builtin\" or one of {}",
                    builtin_keys
                        .iter()
                        .map(|k| format!("\"builtin:{k}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            SourceSpec::Builtin(Some(key)) if list.contains(&SourceSpec::Builtin(None)) => {
                return err(format!(
                    "\"builtin\" already includes \"builtin:{key}\"; list one or the other"
                ));
            }
            SourceSpec::Mmdb(p) | SourceSpec::Rir(p) | SourceSpec::Dataset(p)
                if p.as_os_str().is_empty() =>
            {
                return err(format!("{spec:?} has no file path after the colon"));
            }
            SourceSpec::Rir(p) if field == "asn" => {
                return err(format!(
                    "RIR delegated-stats files give countries, not AS numbers; move \"rir:{}\" to geo.country",
                    p.display()
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// One configured source, written as a string: `builtin`, `builtin:KEY`,
/// `mmdb:PATH`, `rir:PATH` or `dataset:PATH`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SourceSpec {
    /// The shipped dataset: all its sources of the list's kind, or the one
    /// with this key.
    Builtin(Option<String>),
    /// A MaxMind-format `.mmdb` file.
    Mmdb(PathBuf),
    /// An RIR delegated-stats file (country only).
    Rir(PathBuf),
    /// A dataset file in the shipped format (`.hgeo`), e.g. one rebuilt
    /// from newer upstream files: all its sources of the list's kind.
    Dataset(PathBuf),
}

/// A source string that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown geo source {0:?}: write \"builtin\", \"builtin:NAME\", \"mmdb:/path/file.mmdb\", \"rir:/path/delegated-file\" or \"dataset:/path/ipdb.hgeo\"")]
pub struct SourceSpecError(pub String);

impl FromStr for SourceSpec {
    type Err = SourceSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "builtin" {
            return Ok(SourceSpec::Builtin(None));
        }
        match s.split_once(':') {
            Some(("builtin", key)) => Ok(SourceSpec::Builtin(Some(key.to_owned()))),
            Some(("mmdb", path)) => Ok(SourceSpec::Mmdb(path.into())),
            Some(("rir", path)) => Ok(SourceSpec::Rir(path.into())),
            Some(("dataset", path)) => Ok(SourceSpec::Dataset(path.into())),
            _ => Err(SourceSpecError(s.to_owned())),
        }
    }
}

impl TryFrom<String> for SourceSpec {
    type Error = SourceSpecError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SourceSpec> for String {
    fn from(s: SourceSpec) -> String {
        s.to_string()
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Builtin(None) => f.write_str("builtin"),
            SourceSpec::Builtin(Some(key)) => write!(f, "builtin:{key}"),
            SourceSpec::Mmdb(p) => write!(f, "mmdb:{}", p.display()),
            SourceSpec::Rir(p) => write!(f, "rir:{}", p.display()),
            SourceSpec::Dataset(p) => write!(f, "dataset:{}", p.display()),
        }
    }
}

impl fmt::Debug for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Result<GeoConfig, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_to_the_builtin_dataset() {
        let c = config("{}").unwrap();
        assert_eq!(c, GeoConfig::default());
        assert_eq!(c.country, [SourceSpec::Builtin(None)]);
        c.validate().unwrap();
    }

    #[test]
    fn parses_every_form_and_round_trips() {
        let c = config(
            r#"{"country": ["builtin:tor-geoip", "mmdb:/x/GeoLite2-Country.mmdb", "rir:/x/delegated-apnic-latest"],
                "asn": ["mmdb:/x/GeoLite2-ASN.mmdb", "builtin"]}"#,
        )
        .unwrap();
        assert_eq!(
            c.country,
            [
                SourceSpec::Builtin(Some("tor-geoip".into())),
                SourceSpec::Mmdb("/x/GeoLite2-Country.mmdb".into()),
                SourceSpec::Rir("/x/delegated-apnic-latest".into()),
            ]
        );
        c.validate().unwrap();
        let back: GeoConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_fields_and_forms_are_refused() {
        let e = config(r#"{"contry": ["builtin"]}"#).unwrap_err();
        assert!(e.contains("unknown field `contry`"), "{e}");
        let e = config(r#"{"country": ["geoip:/x"]}"#).unwrap_err();
        assert!(e.contains("unknown geo source \"geoip:/x\""), "{e}");
    }

    #[test]
    fn validate_says_what_to_change() {
        let cases = [
            (r#"{"asn": ["rir:/x/delegated"]}"#, "geo.asn: RIR delegated-stats files give countries, not AS numbers; move \"rir:/x/delegated\" to geo.country"),
            (r#"{"country": ["builtin:asn"]}"#, "geo.country: there is no built-in country source \"asn\"; use \"builtin\" or one of \"builtin:geo-whois-asn-country\", \"builtin:tor-geoip\""),
            (r#"{"country": ["mmdb:/a", "mmdb:/a"]}"#, "geo.country: \"mmdb:/a\" is listed twice; remove one"),
            (r#"{"country": ["builtin", "builtin:tor-geoip"]}"#, "geo.country: \"builtin\" already includes \"builtin:tor-geoip\"; list one or the other"),
            (r#"{"asn": ["mmdb:"]}"#, "geo.asn: \"mmdb:\" has no file path after the colon"),
        ];
        for (json, message) in cases {
            assert_eq!(
                config(json).unwrap().validate().unwrap_err().to_string(),
                message
            );
        }
        config(r#"{"country": [], "asn": []}"#)
            .unwrap()
            .validate()
            .unwrap();
    }
}
