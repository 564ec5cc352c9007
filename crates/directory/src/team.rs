//! The interface types: a team, what it answers for and how it wants to
//! be told. Other crates build on these shapes; fields are only added
//! (with `#[serde(default)]`), never renamed.

use hirundo_tlp::Tlp;
use serde::{Deserialize, Serialize};

use crate::prefix::Prefix;

/// What kind of team it is, which decides its place in routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeamKind {
    /// A country's national CSIRT: the fallback for its country.
    National,
    /// A sector team (energy, research and education, government…).
    Sector,
    /// A network's abuse desk.
    IspAbuse,
    /// Anything else: a vendor PSIRT, a commercial team.
    Other,
}

/// What an address is for, as Trusted Introducer marks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmailUsage {
    /// General contact.
    Contact,
    /// Automated notifications (abuse reports): preferred for ours.
    Notifications,
    /// Incident reports from people.
    Incident,
    /// Urgent matters only, often a phone-backed address.
    Emergency,
}

/// One address of a team and what it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// An addr-spec (`cert@cert.br`): no display name, no angle brackets.
    pub address: String,
    #[serde(default)]
    pub usage: Vec<EmailUsage>,
}

/// A notification attachment format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Shadowserver's darknet-event columns.
    Csv,
    /// One IntelMQ event per line.
    Jsonl,
    /// A STIX 2.1 bundle.
    Stix,
}

impl Format {
    /// Every format, in the default order of preference.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Jsonl, Format::Stix];

    /// As serde writes it: `csv`, `jsonl`, `stix`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Stix => "stix",
        }
    }
}

/// How often a team is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    /// Each UTC day, the day before.
    #[default]
    Daily,
    /// Each Monday, the seven days before.
    Weekly,
}

/// Which sources a team answers for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constituency {
    /// ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub asns: Vec<u32>,
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
    /// Domains such as "*.ac.at": kept for people; routing is by address.
    #[serde(default)]
    pub domains: Vec<String>,
}

/// One team of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// The handle used in URLs, the CLI and the log: 1 to 64 of
    /// `[a-z0-9._-]`, unique in the directory ("jpcert-cc").
    pub id: String,
    /// Official name ("Japan Computer Emergency Response Team Coordination Center").
    pub name: String,
    /// The name people use ("JPCERT/CC").
    pub short_name: String,
    /// Where the team sits: ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    pub country: Option<String>,
    pub kind: TeamKind,
    #[serde(default)]
    pub emails: Vec<Email>,
    /// 40 (v4) or 64 (v5) hex digits; [`Directory::new`](crate::Directory::new)
    /// normalises it to upper case without spaces.
    #[serde(default)]
    pub pgp_fingerprint: Option<String>,
    /// Its public pages, for people: `http://` or `https://`.
    #[serde(default)]
    pub website: Option<String>,
    /// The attachments it wants, preferred first.
    #[serde(default = "all_formats")]
    pub formats: Vec<Format>,
    /// The most restricted label it accepts: nothing above this reaches it.
    #[serde(default = "default_ceiling")]
    pub max_tlp: Tlp,
    /// BCP 47 language tag of its preferred language ("en", "pt-BR").
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub constituency: Constituency,
    /// It asked not to be sent notifications.
    #[serde(default)]
    pub opt_out: bool,
    /// How often it is told.
    #[serde(default)]
    pub cadence: Cadence,
    /// Where to POST notifications as JSON, besides or instead of mail.
    #[serde(default)]
    pub webhook: Option<String>,
    /// This is the operator's own team: the fallback for every source no
    /// other team answers for. At most one per directory.
    #[serde(default)]
    pub ours: bool,
    /// Fields not checked against a public source of the team's own
    /// ("emails", "pgp_fingerprint"): shown as unverified, never invented.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// Where the entry came from: "starter", "trusted-introducer", "toml",
    /// "api".
    #[serde(default)]
    pub origin: String,
    /// Free text for the operator.
    #[serde(default)]
    pub notes: String,
}

fn all_formats() -> Vec<Format> {
    Format::ALL.to_vec()
}

fn default_ceiling() -> Tlp {
    Tlp::Amber
}

fn default_language() -> String {
    "en".to_owned()
}

impl TeamKind {
    /// As serde writes it: `national`, `sector`, `isp-abuse`, `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamKind::National => "national",
            TeamKind::Sector => "sector",
            TeamKind::IspAbuse => "isp-abuse",
            TeamKind::Other => "other",
        }
    }
}

impl Team {
    /// Where automated notifications go: the addresses marked
    /// Notifications; if none, Incident; if none, Contact; if none,
    /// every address. Empty only when the team has no address at all.
    pub fn notification_addresses(&self) -> Vec<&str> {
        for usage in [
            EmailUsage::Notifications,
            EmailUsage::Incident,
            EmailUsage::Contact,
        ] {
            let marked: Vec<&str> = self
                .emails
                .iter()
                .filter(|e| e.usage.contains(&usage))
                .map(|e| e.address.as_str())
                .collect();
            if !marked.is_empty() {
                return marked;
            }
        }
        self.emails.iter().map(|e| e.address.as_str()).collect()
    }
}

/// The longest id [`slug`] makes and [`Directory`](crate::Directory) accepts.
pub const MAX_ID_LEN: usize = 64;

/// An id made from a short name: lower case, every character outside
/// `[a-z0-9._]` becomes `-`, runs of `-` collapse, no `-` at either end,
/// at most 64 characters; "team" when nothing is left.
/// "JPCERT/CC" gives "jpcert-cc", "CERT.br" gives "cert.br".
pub fn slug(short_name: &str) -> String {
    let mut out = String::with_capacity(short_name.len().min(MAX_ID_LEN));
    for c in short_name.chars() {
        let c = c.to_ascii_lowercase();
        let keep = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_';
        if keep {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= MAX_ID_LEN {
            break;
        }
    }
    out.truncate(MAX_ID_LEN);
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "team".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team_with(emails: &[(&str, &[EmailUsage])]) -> Team {
        let text = r#"
            id = "t"
            name = "T"
            short_name = "T"
            kind = "other"
        "#;
        let mut team: Team = toml::from_str(text).unwrap();
        team.emails = emails
            .iter()
            .map(|(a, u)| Email {
                address: (*a).to_owned(),
                usage: u.to_vec(),
            })
            .collect();
        team
    }

    #[test]
    fn slug_examples() {
        assert_eq!(slug("JPCERT/CC"), "jpcert-cc");
        assert_eq!(slug("CERT.br"), "cert.br");
        assert_eq!(slug("ACN IBE CSIRT"), "acn-ibe-csirt");
        assert_eq!(slug("  --CERT--MX--  "), "cert-mx");
        assert_eq!(slug("Ünïcode Tëam"), "n-code-t-am");
        assert_eq!(slug(""), "team");
        assert_eq!(slug("///"), "team");
        assert_eq!(slug(&"a".repeat(100)).len(), 64);
        // Cut at 64 must not leave a trailing dash.
        let long = format!("{}-b", "a".repeat(63));
        assert_eq!(slug(&long), "a".repeat(63));
    }

    #[test]
    fn notification_addresses_fall_back_in_order() {
        use EmailUsage::*;
        let t = team_with(&[
            ("c@x.org", &[Contact]),
            ("i@x.org", &[Incident]),
            ("n@x.org", &[Notifications, Contact]),
        ]);
        assert_eq!(t.notification_addresses(), vec!["n@x.org"]);
        let t = team_with(&[
            ("c@x.org", &[Contact]),
            ("i@x.org", &[Incident]),
            ("j@x.org", &[Incident]),
        ]);
        assert_eq!(t.notification_addresses(), vec!["i@x.org", "j@x.org"]);
        let t = team_with(&[("e@x.org", &[Emergency]), ("c@x.org", &[Contact])]);
        assert_eq!(t.notification_addresses(), vec!["c@x.org"]);
        let t = team_with(&[("e@x.org", &[Emergency]), ("u@x.org", &[])]);
        assert_eq!(t.notification_addresses(), vec!["e@x.org", "u@x.org"]);
        assert!(team_with(&[]).notification_addresses().is_empty());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = "id = \"t\"\nname = \"T\"\nshort_name = \"T\"\nkind = \"other\"\nemial = []\n";
        let e = toml::from_str::<Team>(text).unwrap_err();
        assert!(e.message().contains("emial"), "{e}");
        let text = "address = \"a@b.c\"\nusage = [\"contact\"]\nusag = 1\n";
        assert!(toml::from_str::<Email>(text).is_err());
        assert!(toml::from_str::<Constituency>("asn = [1]\n").is_err());
    }

    #[test]
    fn defaults_fill_the_optional_fields() {
        let t = team_with(&[]);
        assert_eq!(t.formats, Format::ALL.to_vec());
        assert_eq!(t.max_tlp, Tlp::Amber);
        assert_eq!(t.language, "en");
        assert_eq!(t.cadence, Cadence::Daily);
        assert!(!t.ours && !t.opt_out);
    }
}
