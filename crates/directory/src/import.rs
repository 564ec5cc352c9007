//! Teams from outside: Trusted Introducer's public `teams.json`, and the
//! operator's own TOML file of `[[team]]` tables (which [`to_toml`]
//! writes back).
//!
//! A Trusted Introducer entry that cannot become a valid team is
//! [`Rejected`] with the reason and the rest still import, so one odd
//! entry in a directory of hundreds does not block the others; every
//! team that is imported passes the same checks as
//! [`Directory::new`](crate::Directory::new).

use std::collections::HashSet;

use hirundo_tlp::Tlp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ImportError, Position};
use crate::prefix::parse_prefixes;
use crate::team::{slug, Constituency, Email, EmailUsage, Format, Team, TeamKind, MAX_ID_LEN};
use crate::validate;

/// What an import produced: the teams, and the entries left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Import {
    /// Valid teams with unique ids, in document order.
    pub teams: Vec<Team>,
    pub rejected: Vec<Rejected>,
}

/// An entry that did not become a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its 0-based position in the document's array.
    pub index: usize,
    /// Its short name (or official name) when it had one, for people.
    pub name: String,
    /// Why, as a sentence naming the field.
    pub why: String,
}

/// The `origin` of teams from [`trusted_introducer`].
pub const TRUSTED_INTRODUCER: &str = "trusted-introducer";

/// Reads Trusted Introducer's `teams.json`: an array of team objects.
/// A document that is not a JSON array of objects is an error with
/// serde_json's line and column; an entry that cannot become a valid
/// team is rejected and the rest import. Ids are slugs of the short
/// names, made unique with "-2", "-3"….
pub fn trusted_introducer(json: &str) -> Result<Import, ImportError> {
    let entries: Vec<Map<String, Value>> =
        serde_json::from_str(json).map_err(|e| ImportError::Json {
            // serde_json says column 0 for "before the first character".
            at: Position {
                line: e.line(),
                column: e.column().max(1),
            },
            message: strip_position(&e.to_string()),
        })?;
    let mut import = Import::default();
    let mut ids = HashSet::new();
    for (index, entry) in entries.iter().enumerate() {
        let name = str_at(entry, "short_name")
            .or_else(|| str_at(entry, "official_name"))
            .unwrap_or("");
        match ti_team(entry) {
            Ok(mut team) => {
                team.id = unique_id(&team.id, &ids);
                match validate::team(&mut team) {
                    Ok(()) => {
                        ids.insert(team.id.clone());
                        import.teams.push(team);
                    }
                    Err(e) => import.rejected.push(Rejected {
                        index,
                        name: name.to_owned(),
                        why: e.to_string(),
                    }),
                }
            }
            Err(why) => import.rejected.push(Rejected {
                index,
                name: name.to_owned(),
                why,
            }),
        }
    }
    Ok(import)
}

/// serde_json appends " at line L column C"; the position is kept apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// `base`, or `base-2`, `base-3`… (cut so it stays within 64
/// characters) until it is not taken.
fn unique_id(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2u64..)
        .map(|n| {
            let suffix = format!("-{n}");
            let stem = &base[..base.len().min(MAX_ID_LEN - suffix.len())];
            format!("{stem}{suffix}")
        })
        .find(|id| !taken.contains(id))
        .unwrap_or_else(|| base.to_owned())
}

fn str_at<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    m.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The array at `key` ([] when absent or null), or why not.
fn array_at<'a>(m: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a [Value], String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!("{path} is not an array")),
    }
}

/// One Trusted Introducer object as a team (not yet validated).
fn ti_team(m: &Map<String, Value>) -> Result<Team, String> {
    let short_name = str_at(m, "short_name").ok_or("short_name is missing or empty")?;
    let name = str_at(m, "official_name").unwrap_or(short_name);
    let country = match m.get("country") {
        None | Some(Value::Null) => None,
        Some(Value::Object(c)) => str_at(c, "code").map(str::to_owned),
        Some(_) => return Err("country is not an object with a code".to_owned()),
    };
    let empty = Map::new();
    let cons = match m.get("constituency") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(c)) => c,
        Some(_) => return Err("constituency is not an object".to_owned()),
    };
    let types: Vec<&str> = array_at(cons, "types", "constituency.types")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let website = str_at(m, "website").or_else(|| str_at(m, "url")).map(|w| {
        // Directories often give a bare host; a page for people, so https.
        if w.contains("://") {
            w.to_owned()
        } else {
            format!("https://{w}")
        }
    });
    Ok(Team {
        id: slug(short_name),
        name: name.to_owned(),
        short_name: short_name.to_owned(),
        country,
        kind: kind_of(&types),
        emails: emails(m)?,
        pgp_fingerprint: first_fingerprint(m)?,
        website,
        formats: Format::ALL.to_vec(),
        max_tlp: Tlp::Amber,
        language: "en".to_owned(),
        constituency: constituency(cons)?,
        opt_out: false,
        cadence: Default::default(),
        webhook: None,
        ours: false,
        unverified: Vec::new(),
        origin: TRUSTED_INTRODUCER.to_owned(),
        notes: String::new(),
    })
}

fn kind_of(types: &[&str]) -> TeamKind {
    if types
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case("national"))
    {
        TeamKind::National
    } else if types
        .iter()
        .any(|t| t.contains("ISP") || t.to_ascii_lowercase().contains("service provider"))
    {
        TeamKind::IspAbuse
    } else if types.iter().any(|t| !t.trim().is_empty()) {
        TeamKind::Sector
    } else {
        TeamKind::Other
    }
}

fn usage_of(word: &str) -> Option<EmailUsage> {
    match word.trim().to_ascii_lowercase().as_str() {
        "contact" => Some(EmailUsage::Contact),
        "emergency" => Some(EmailUsage::Emergency),
        "abuse" | "notifications" | "automated" => Some(EmailUsage::Notifications),
        "incident" | "reporting" => Some(EmailUsage::Incident),
        _ => None,
    }
}

fn emails(m: &Map<String, Value>) -> Result<Vec<Email>, String> {
    let mut out = Vec::new();
    for (i, e) in array_at(m, "emails", "emails")?.iter().enumerate() {
        let Some(obj) = e.as_object() else {
            return Err(format!("emails[{i}] is not an object"));
        };
        let address =
            str_at(obj, "address").ok_or_else(|| format!("emails[{i}].address is missing"))?;
        let mut usage: Vec<EmailUsage> = Vec::new();
        for u in array_at(obj, "usage", &format!("emails[{i}].usage"))?
            .iter()
            .filter_map(Value::as_str)
        {
            if let Some(u) = usage_of(u) {
                if !usage.contains(&u) {
                    usage.push(u);
                }
            }
        }
        if usage.is_empty() {
            usage.push(EmailUsage::Contact);
        }
        out.push(Email {
            address: address.to_owned(),
            usage,
        });
    }
    Ok(out)
}

fn first_fingerprint(m: &Map<String, Value>) -> Result<Option<String>, String> {
    let keys = array_at(m, "pgp_keys", "pgp_keys")?;
    Ok(keys
        .first()
        .and_then(Value::as_object)
        .and_then(|k| str_at(k, "fingerprint"))
        .map(str::to_owned))
}

fn constituency(c: &Map<String, Value>) -> Result<Constituency, String> {
    let mut out = Constituency::default();
    for (i, country) in array_at(c, "countries", "constituency.countries")?
        .iter()
        .enumerate()
    {
        let code = match country {
            Value::Object(o) => str_at(o, "code"),
            Value::String(s) => Some(s.trim()),
            _ => None,
        };
        let code = code.ok_or_else(|| format!("constituency.countries[{i}] has no code"))?;
        out.countries.push(code.to_owned());
    }
    for (i, asn) in array_at(c, "asns", "constituency.asns")?.iter().enumerate() {
        let n = match asn {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => {
                let s = s.trim();
                let digits = s
                    .strip_prefix("AS")
                    .or_else(|| s.strip_prefix("as"))
                    .unwrap_or(s);
                digits.parse::<u64>().ok()
            }
            _ => None,
        };
        let n = n
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("constituency.asns[{i}] {asn} is not an AS number"))?;
        if !out.asns.contains(&n) {
            out.asns.push(n);
        }
    }
    for (i, range) in array_at(c, "ipranges", "constituency.ipranges")?
        .iter()
        .enumerate()
    {
        let text = range
            .as_str()
            .ok_or_else(|| format!("constituency.ipranges[{i}] is not a string"))?;
        let prefixes =
            parse_prefixes(text).map_err(|e| format!("constituency.ipranges[{i}]: {e}"))?;
        for p in prefixes {
            if !out.prefixes.contains(&p) {
                out.prefixes.push(p);
            }
        }
    }
    for (i, d) in array_at(c, "domains", "constituency.domains")?
        .iter()
        .enumerate()
    {
        let d = d
            .as_str()
            .ok_or_else(|| format!("constituency.domains[{i}] is not a string"))?;
        out.domains.push(d.trim().to_owned());
    }
    Ok(out)
}

/// The shape of a directory TOML file: `[[team]]` tables and nothing else.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    team: Vec<Team>,
}

/// The `origin` given to teams read by [`from_toml`] that name none.
pub const TOML_ORIGIN: &str = "toml";

/// Reads `[[team]]` tables in the [`Team`] shape. Unknown keys are
/// errors (a typo must not silently drop a setting), with the toml
/// crate's line and column. Teams are not validated here: that is
/// [`Directory::new`](crate::Directory::new)'s job, with its messages.
pub fn from_toml(text: &str) -> Result<Vec<Team>, ImportError> {
    let file: TomlFile = toml::from_str(text).map_err(|e| ImportError::Toml {
        at: e
            .span()
            .map(|s| Position::of_offset(text, s.start))
            .unwrap_or_default(),
        message: e.message().to_owned(),
    })?;
    let mut teams = file.team;
    for t in &mut teams {
        if t.origin.is_empty() {
            t.origin = TOML_ORIGIN.to_owned();
        }
    }
    Ok(teams)
}

/// The teams as a TOML file that [`from_toml`] reads back to the same
/// teams.
pub fn to_toml(teams: &[Team]) -> String {
    let file = TomlFile {
        team: teams.to_vec(),
    };
    // A Team holds only strings, integers, booleans, arrays and tables,
    // all of which TOML can write: serialising cannot fail.
    toml::to_string(&file).expect("a Team always serialises to TOML")
}

#[cfg(test)]
mod tests;
