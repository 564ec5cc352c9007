//! Which team hears about a source address, and why.
//!
//! The most specific claim wins: (1) the longest prefix of any team's
//! constituency that contains the address; else (2) a team whose
//! constituency lists the source's AS; else (3) the national CSIRT of the
//! source's country; else (4) the operator's own team (`ours`); else the
//! source is unrouted. Ties go to the lowest team id and the step says
//! who else claimed it. Every level tried is recorded as a [`Step`], so a
//! person can read the whole chain of reasons.
//!
//! Lookups are hash probes: prefixes are indexed by (family, length) as
//! masked address → teams, probed from the longest length down, so a
//! lookup costs at most one probe per distinct length in the directory.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::IpAddr;

use serde::Serialize;

use crate::directory::Directory;
use crate::prefix::{mask_v4, mask_v6, Prefix};
use crate::team::{Team, TeamKind};

/// What is known about a source: its address and, when enrichment found
/// them, its origin AS and country (ISO 3166-1 alpha-2, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    pub ip: IpAddr,
    pub asn: Option<u32>,
    pub cc: Option<&'a str>,
}

/// The level of a routing rule, from the most specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A prefix of a team's constituency contains the address.
    Prefix,
    /// A team's constituency lists the source's AS.
    Asn,
    /// The national CSIRT of the source's country.
    National,
    /// The operator's own team, for sources nobody else answers for.
    Fallback,
    /// No team at all.
    Unrouted,
}

impl Level {
    /// As serde writes it: `prefix`, `asn`, `national`, `fallback`, `unrouted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Prefix => "prefix",
            Level::Asn => "asn",
            Level::National => "national",
            Level::Fallback => "fallback",
            Level::Unrouted => "unrouted",
        }
    }
}

/// One rule tried, whether it matched, and a sentence saying so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub level: Level,
    pub matched: bool,
    /// "prefix: no team's prefixes contain 198.51.100.7".
    pub text: String,
}

/// The team chosen for a source (None when unrouted), the level that
/// chose it, and every step tried on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route<'d> {
    pub team: Option<&'d Team>,
    pub level: Level,
    pub steps: Vec<Step>,
}

impl fmt::Display for Route<'_> {
    /// One numbered step per line, then `=> id (short name)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "{}. {}", i + 1, step.text)?;
        }
        match self.team {
            Some(t) => write!(f, "=> {} ({})", t.id, t.short_name),
            None => write!(f, "=> unrouted: no team answers for this source"),
        }
    }
}

/// A country code as a hash key without allocating per lookup.
type Cc = [u8; 2];

fn cc_key(cc: &str) -> Option<Cc> {
    match cc.as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            Some([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
        }
        _ => None,
    }
}

/// Lookup tables over the sorted teams; team indexes in every list are
/// ascending, so the first is the lowest id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// (length, masked address → teams), longest length first.
    v4: Tables<u32>,
    v6: Tables<u128>,
    asns: HashMap<u32, Vec<usize>>,
    /// National teams by the countries of their constituency.
    national: HashMap<Cc, Vec<usize>>,
    /// National teams by the country they sit in.
    seated: HashMap<Cc, Vec<usize>>,
    ours: Option<usize>,
}

/// Appends `i` unless it is already last: teams are visited in order, so
/// this keeps each list ascending and free of repeats.
fn push_once(list: &mut Vec<usize>, i: usize) {
    if list.last() != Some(&i) {
        list.push(i);
    }
}

impl Index {
    pub(crate) fn build(teams: &[Team], ours: Option<usize>) -> Index {
        let mut v4: HashMap<u8, HashMap<u32, Vec<usize>>> = HashMap::new();
        let mut v6: HashMap<u8, HashMap<u128, Vec<usize>>> = HashMap::new();
        let mut index = Index {
            ours,
            ..Index::default()
        };
        for (i, team) in teams.iter().enumerate() {
            let c = &team.constituency;
            for p in &c.prefixes {
                match p.addr {
                    IpAddr::V4(a) => push_once(
                        v4.entry(p.len)
                            .or_default()
                            .entry(u32::from(a))
                            .or_default(),
                        i,
                    ),
                    IpAddr::V6(a) => push_once(
                        v6.entry(p.len)
                            .or_default()
                            .entry(u128::from(a))
                            .or_default(),
                        i,
                    ),
                }
            }
            for &asn in &c.asns {
                push_once(index.asns.entry(asn).or_default(), i);
            }
            if team.kind == TeamKind::National {
                for cc in c.countries.iter().filter_map(|cc| cc_key(cc)) {
                    push_once(index.national.entry(cc).or_default(), i);
                }
                if let Some(cc) = team.country.as_deref().and_then(cc_key) {
                    push_once(index.seated.entry(cc).or_default(), i);
                }
            }
        }
        index.v4 = v4.into_iter().collect();
        index.v4.sort_by_key(|(len, _)| std::cmp::Reverse(*len));
        index.v6 = v6.into_iter().collect();
        index.v6.sort_by_key(|(len, _)| std::cmp::Reverse(*len));
        index
    }

    /// The most specific matching prefix with its teams, and how many
    /// prefixes (one per length at most) contain `ip`.
    fn prefixes(&self, ip: IpAddr) -> (Option<(Prefix, &[usize])>, usize) {
        match ip {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                let (best, count) = probe(&self.v4, |len| mask_v4(bits, len));
                let best = best.map(|(len, key, teams)| {
                    (
                        Prefix {
                            addr: IpAddr::V4(key.into()),
                            len,
                        },
                        teams,
                    )
                });
                (best, count)
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                let (best, count) = probe(&self.v6, |len| mask_v6(bits, len));
                let best = best.map(|(len, key, teams)| {
                    (
                        Prefix {
                            addr: IpAddr::V6(key.into()),
                            len,
                        },
                        teams,
                    )
                });
                (best, count)
            }
        }
    }

    /// Level 1: the longest prefix containing `ip`.
    fn by_prefix(&self, teams: &[Team], ip: IpAddr) -> (Option<usize>, String) {
        let (best, count) = self.prefixes(ip);
        let Some((prefix, claimants)) = best else {
            return (None, format!("prefix: no team's prefixes contain {ip}"));
        };
        let how = if count == 1 {
            "the only matching prefix".to_owned()
        } else {
            format!("most specific of {count} matching prefixes")
        };
        let winner = claimants[0];
        let text = format!(
            "prefix: {prefix} of {}{}",
            teams[winner].id,
            paren(&how, &others(teams, claimants))
        );
        (Some(winner), text)
    }

    /// Level 2: a team whose constituency lists the source's AS.
    fn by_asn(&self, teams: &[Team], asn: Option<u32>) -> (Option<usize>, String) {
        let Some(asn) = asn else {
            return (None, "asn: the source's AS is unknown".to_owned());
        };
        let Some(claimants) = self.asns.get(&asn) else {
            return (None, format!("asn: no team's constituency lists AS{asn}"));
        };
        let winner = claimants[0];
        let text = format!(
            "asn: AS{asn} is in the constituency of {}{}",
            teams[winner].id,
            paren("", &others(teams, claimants))
        );
        (Some(winner), text)
    }

    /// Level 3: a national team whose constituency lists the country,
    /// else one that sits in it.
    fn by_country(&self, teams: &[Team], cc: Option<&str>) -> (Option<usize>, String) {
        let Some(raw) = cc else {
            return (None, "national: the source's country is unknown".to_owned());
        };
        let Some(key) = cc_key(raw) else {
            return (None, format!("national: {raw:?} is not a country code"));
        };
        let cc = String::from_utf8_lossy(&key);
        if let Some(claimants) = self.national.get(&key) {
            let winner = claimants[0];
            let text = format!(
                "national: {} is the national CSIRT for {cc}{}",
                teams[winner].id,
                paren("", &others(teams, claimants))
            );
            return (Some(winner), text);
        }
        if let Some(claimants) = self.seated.get(&key) {
            let winner = claimants[0];
            let how = format!("no national team lists {cc} in its constituency");
            let text = format!(
                "national: {} is a national team based in {cc}{}",
                teams[winner].id,
                paren(&how, &others(teams, claimants))
            );
            return (Some(winner), text);
        }
        (None, format!("national: no national team for {cc}"))
    }

    /// Level 4: our own team.
    fn by_ours(&self, teams: &[Team]) -> (Option<usize>, String) {
        match self.ours {
            Some(i) => (
                Some(i),
                format!(
                    "fallback: {} is our own team, which answers for sources no other team claims",
                    teams[i].id
                ),
            ),
            None => (None, "fallback: no team is marked ours".to_owned()),
        }
    }
}

/// The prefix tables of one family: (length, masked address → teams),
/// longest length first.
type Tables<K> = Vec<(u8, HashMap<K, Vec<usize>>)>;

/// A table hit: the length, the masked address, the teams.
type Hit<'a, K> = (u8, K, &'a [usize]);

/// Probes each table, longest first: the first hit, and how many
/// lengths hit.
fn probe<K: Copy + Eq + Hash>(
    tables: &Tables<K>,
    key: impl Fn(u8) -> K,
) -> (Option<Hit<'_, K>>, usize) {
    let mut best = None;
    let mut count = 0;
    for (len, map) in tables {
        let k = key(*len);
        if let Some(teams) = map.get(&k) {
            count += 1;
            best = best.or(Some((*len, k, teams.as_slice())));
        }
    }
    (best, count)
}

impl Directory {
    /// The team responsible for `origin`, and why: each level is tried
    /// in turn and recorded, up to the first that names a team. Routing
    /// ignores `opt_out` (the step says so: whether to send is the
    /// notifier's decision, not the router's).
    pub fn route(&self, origin: &Origin) -> Route<'_> {
        // An IPv4-mapped IPv6 address is the IPv4 source.
        let ip = origin.ip.to_canonical();
        let teams = self.teams();
        let idx = &self.index;
        let mut steps = Vec::with_capacity(4);
        for level in [Level::Prefix, Level::Asn, Level::National, Level::Fallback] {
            let (chosen, mut text) = match level {
                Level::Prefix => idx.by_prefix(teams, ip),
                Level::Asn => idx.by_asn(teams, origin.asn),
                Level::National => idx.by_country(teams, origin.cc),
                Level::Fallback | Level::Unrouted => idx.by_ours(teams),
            };
            let team = chosen.map(|i| &teams[i]);
            if team.is_some_and(|t| t.opt_out) {
                text.push_str(" (opted out of notifications)");
            }
            steps.push(Step {
                level,
                matched: team.is_some(),
                text,
            });
            if team.is_some() {
                return Route { team, level, steps };
            }
        }
        Route {
            team: None,
            level: Level::Unrouted,
            steps,
        }
    }
}

/// "also claimed by b, c: lowest id wins" for the claimants after the
/// first, or empty when there is only one.
fn others(teams: &[Team], claimants: &[usize]) -> String {
    const SHOWN: usize = 5;
    let rest = &claimants[1..];
    if rest.is_empty() {
        return String::new();
    }
    let mut names: Vec<&str> = rest
        .iter()
        .take(SHOWN)
        .map(|&i| teams[i].id.as_str())
        .collect();
    let more = rest.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    names.dedup();
    format!("also claimed by {}{more}: lowest id wins", names.join(", "))
}

/// " (a; b)" from the non-empty parts, or "" when both are empty.
fn paren(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" ({a})"),
        (true, false) => format!(" ({b})"),
        (false, false) => format!(" ({a}; {b})"),
    }
}

#[cfg(test)]
mod tests;
