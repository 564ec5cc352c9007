use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use hirundo_tlp::Tlp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    Emergency,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
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
    pub const ALL: [Format; 3] = [Format::Csv, Format::Jsonl, Format::Stix];

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

/// An IPv4 or IPv6 prefix with its host bits clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

/// Which sources a team answers for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct Team {
    /// The handle used in URLs, the CLI and the log: 1 to 64 of
    /// `[a-z0-9._-]`, unique in the directory ("jpcert-cc").
    pub id: String,
    /// Official name ("Japan Computer Emergency Response Team Coordination Center").
    pub name: String,
    pub short_name: String,
    /// Where the team sits: ISO 3166-1 alpha-2, upper case.
    #[serde(default)]
    pub country: Option<String>,
    pub kind: TeamKind,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub pgp_fingerprint: Option<String>,
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

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for Prefix {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("prefix {s:?}: {addr:?} is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match len {
            None => max,
            Some(l) => l
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|&l| l <= max)
                .ok_or_else(|| format!("prefix {s:?}: length must be 0 to {max}"))?,
        };
        let p = Prefix { addr, len };
        if p.masked() != addr {
            return Err(format!(
                "prefix {s:?} has host bits set: did you mean {}/{len}?",
                p.masked()
            ));
        }
        Ok(p)
    }
}

impl Prefix {
    /// `addr` with the bits past `len` cleared.
    pub fn masked(&self) -> IpAddr {
        mask(self.addr, self.len)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.len) == self.addr
    }
}

/// `ip` with the bits past `len` cleared.
pub fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len.min(32))) };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len.min(128))) };
            IpAddr::V6((bits & m).into())
        }
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
