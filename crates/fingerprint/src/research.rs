//! Known research-scanning organisations: a list loaded from TOML,
//! compiled into sorted address ranges and an ASN table for fast lookup.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;
use toml::Spanned;

use crate::prefix::bits;
use crate::Prefix;

/// The list hirundo ships, in the format operators use for their own.
pub const BUILTIN_TOML: &str = include_str!("../research-scanners.toml");

/// One organisation that scans the Internet for research or
/// attack-surface measurement and says so.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Shown in reports: "Censys", "Shadowserver Foundation".
    pub name: String,
    /// Autonomous systems that carry only the organisation's scanners.
    /// Leave out an ASN the organisation shares with other traffic.
    #[serde(default)]
    pub asns: Vec<u32>,
    /// Networks its scanners send from.
    #[serde(default)]
    pub prefixes: Vec<Prefix>,
    /// The reverse-DNS suffix its scanners' addresses resolve to, without
    /// a leading dot: `censys-scanner.com`.
    #[serde(default)]
    pub rdns_suffix: Option<String>,
    /// True only when the ASNs and prefixes were checked against a list
    /// the organisation itself publishes, which `reference` names.
    #[serde(default)]
    pub verified: bool,
    /// Where the ranges are published, or where they were seen.
    pub reference: String,
    /// What could not be verified, and anything an analyst should know.
    #[serde(default)]
    pub note: Option<String>,
}

/// Why a research-scanner list was refused. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not TOML, or a field is unknown, missing, of the wrong
    /// type, or not a valid prefix.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A well-formed entry that cannot be used: no name, nothing to match
    /// on, AS0, or an ASN or prefix another entry already claims.
    #[error("line {line}: organisation {organisation:?}: {problem}")]
    Invalid {
        line: usize,
        organisation: String,
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    #[serde(default)]
    organisation: Vec<Spanned<Organisation>>,
}

/// Research-scanner organisations compiled for lookup by address and ASN.
#[derive(Debug, Clone, Default)]
pub struct ResearchScanners {
    organisations: Vec<Organisation>,
    v4: RangeTable,
    v6: RangeTable,
    /// (ASN, organisation index), sorted by ASN.
    asns: Vec<(u32, u32)>,
}

impl ResearchScanners {
    /// The shipped list ([`BUILTIN_TOML`]).
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_TOML).expect("the shipped research-scanner list is valid")
    }

    /// Parses and checks a list:
    ///
    /// ```toml
    /// [[organisation]]
    /// name = "Example Research"
    /// asns = [64500]
    /// prefixes = ["192.0.2.0/24", "2001:db8::/32"]
    /// rdns_suffix = "scan.example.org"
    /// verified = true
    /// reference = "https://example.org/scanning"
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let file: ListFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or((0, 0));
            ConfigError::Syntax {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        let mut organisations = Vec::with_capacity(file.organisation.len());
        let mut lines = Vec::with_capacity(file.organisation.len());
        for entry in file.organisation {
            lines.push(line_column(text, entry.span().start).0);
            organisations.push(entry.into_inner());
        }
        Self::compile(organisations, &lines)
    }

    /// Builds the lookup tables from organisations already in memory.
    /// Errors name the entry's position in the list as its line.
    pub fn from_organisations(organisations: Vec<Organisation>) -> Result<Self, ConfigError> {
        let lines: Vec<usize> = (1..=organisations.len()).collect();
        Self::compile(organisations, &lines)
    }

    fn compile(mut organisations: Vec<Organisation>, lines: &[usize]) -> Result<Self, ConfigError> {
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut shown: Vec<String> = Vec::with_capacity(organisations.len());
        let mut asn_owner: HashMap<u32, usize> = HashMap::new();
        let mut prefix_owner: HashMap<Prefix, usize> = HashMap::new();
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (i, org) in organisations.iter_mut().enumerate() {
            org.name = org.name.trim().to_string();
            let invalid = |problem: String| ConfigError::Invalid {
                line: lines[i],
                organisation: org.name.clone(),
                problem,
            };
            if org.name.is_empty() {
                return Err(invalid("the name is empty".into()));
            }
            if let Some(&other) = names.get(&org.name.to_lowercase()) {
                return Err(invalid(format!(
                    "listed twice (also at line {})",
                    lines[other]
                )));
            }
            names.insert(org.name.to_lowercase(), i);
            shown.push(org.name.clone());
            if org.reference.trim().is_empty() {
                return Err(invalid(
                    "reference is empty: say where the ranges are published".into(),
                ));
            }
            if let Some(suffix) = &org.rdns_suffix {
                let suffix = suffix.trim().trim_start_matches("*.").trim_matches('.');
                let hostname = suffix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
                if suffix.is_empty() || !hostname {
                    return Err(invalid(format!(
                        "rdns_suffix {:?} is not a domain name",
                        org.rdns_suffix.as_deref().unwrap_or_default()
                    )));
                }
                org.rdns_suffix = Some(suffix.to_ascii_lowercase());
            }
            if org.asns.is_empty() && org.prefixes.is_empty() && org.rdns_suffix.is_none() {
                return Err(invalid(
                    "nothing to match on: give asns, prefixes or rdns_suffix".into(),
                ));
            }
            for &asn in &org.asns {
                if asn == 0 {
                    return Err(invalid(
                        "AS0 is reserved and never originates traffic".into(),
                    ));
                }
                if let Some(&other) = asn_owner.get(&asn) {
                    if other != i {
                        return Err(invalid(format!(
                            "AS{asn} is already listed for {:?}",
                            shown[other]
                        )));
                    }
                }
                asn_owner.insert(asn, i);
            }
            for &prefix in &org.prefixes {
                if let Some(&other) = prefix_owner.get(&prefix) {
                    return Err(invalid(if other == i {
                        format!("{prefix} is listed twice")
                    } else {
                        format!("{prefix} is already listed for {:?}", shown[other])
                    }));
                }
                prefix_owner.insert(prefix, i);
                let (first, last) = prefix.range();
                let entry = (first, last, i as u32);
                match prefix.addr() {
                    IpAddr::V4(_) => v4.push(entry),
                    IpAddr::V6(_) => v6.push(entry),
                }
            }
        }
        let mut asns: Vec<(u32, u32)> = asn_owner
            .into_iter()
            .map(|(asn, i)| (asn, i as u32))
            .collect();
        asns.sort_unstable();
        Ok(ResearchScanners {
            organisations,
            v4: RangeTable::build(v4),
            v6: RangeTable::build(v6),
            asns,
        })
    }

    /// The organisation whose prefix holds `addr` (the longest prefix when
    /// they nest), else the one that owns `asn`.
    pub fn organisation(&self, addr: IpAddr, asn: Option<u32>) -> Option<&Organisation> {
        self.by_address(addr)
            .or_else(|| asn.and_then(|asn| self.by_asn(asn)))
    }

    /// Longest-prefix match only.
    pub fn by_address(&self, addr: IpAddr) -> Option<&Organisation> {
        let table = match addr {
            IpAddr::V4(_) => &self.v4,
            IpAddr::V6(_) => &self.v6,
        };
        table
            .find(bits(addr))
            .map(|i| &self.organisations[i as usize])
    }

    pub fn by_asn(&self, asn: u32) -> Option<&Organisation> {
        let i = self.asns.binary_search_by_key(&asn, |&(a, _)| a).ok()?;
        Some(&self.organisations[self.asns[i].1 as usize])
    }

    /// The organisation whose reverse-DNS suffix ends `hostname` on a label
    /// boundary (`scanner-01.censys-scanner.com`), ignoring case and a
    /// trailing dot. hirundo resolves no names itself; this is for callers
    /// that have the PTR record.
    pub fn by_hostname(&self, hostname: &str) -> Option<&Organisation> {
        let host = hostname.trim_end_matches('.').to_ascii_lowercase();
        self.organisations.iter().find(|org| {
            org.rdns_suffix.as_deref().is_some_and(|suffix| {
                host == suffix
                    || host
                        .strip_suffix(suffix)
                        .is_some_and(|head| head.ends_with('.'))
            })
        })
    }

    /// Every organisation, in the order of the list.
    pub fn organisations(&self) -> &[Organisation] {
        &self.organisations
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

/// Disjoint, sorted address ranges, each owned by the organisation with the
/// longest prefix over it: one binary search per lookup.
#[derive(Debug, Clone, Default)]
struct RangeTable {
    starts: Vec<u128>,
    ends: Vec<u128>,
    owners: Vec<u32>,
}

impl RangeTable {
    /// Flattens prefixes (which either nest or are disjoint, never partly
    /// overlap) into disjoint ranges: an inner prefix cuts a hole in the
    /// outer one it sits in.
    fn build(mut prefixes: Vec<(u128, u128, u32)>) -> RangeTable {
        // Outer before inner at the same start.
        prefixes.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut table = RangeTable::default();
        // Prefixes that contain the sweep position, innermost last.
        let mut open: Vec<(u128, u32)> = Vec::new();
        // Where the next range would start; None once past u128::MAX.
        let mut cursor: Option<u128> = None;
        for (start, end, owner) in prefixes {
            while let Some(&(top_end, top_owner)) = open.last() {
                if top_end >= start {
                    break;
                }
                table.close(&mut cursor, top_end, top_owner);
                open.pop();
            }
            if let (Some(&(_, owner_now)), Some(from)) = (open.last(), cursor) {
                if from < start {
                    table.push(from, start - 1, owner_now);
                }
            }
            cursor = Some(start);
            open.push((end, owner));
        }
        while let Some((end, owner)) = open.pop() {
            table.close(&mut cursor, end, owner);
        }
        table
    }

    /// Emits [cursor, end] for `owner` and moves the cursor past `end`.
    fn close(&mut self, cursor: &mut Option<u128>, end: u128, owner: u32) {
        if let Some(from) = *cursor {
            if from <= end {
                self.push(from, end, owner);
                *cursor = end.checked_add(1);
            }
        }
    }

    fn push(&mut self, start: u128, end: u128, owner: u32) {
        self.starts.push(start);
        self.ends.push(end);
        self.owners.push(owner);
    }

    fn find(&self, addr: u128) -> Option<u32> {
        let i = self.starts.partition_point(|&s| s <= addr).checked_sub(1)?;
        (addr <= self.ends[i]).then(|| self.owners[i])
    }

    #[cfg(test)]
    fn ranges(&self) -> Vec<(u128, u128)> {
        self.starts
            .iter()
            .copied()
            .zip(self.ends.iter().copied())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = r#"
[[organisation]]
name = "Example Research"
asns = [64500]
prefixes = ["192.0.2.0/24", "2001:db8::/32"]
rdns_suffix = ".Scan.Example.org"
verified = true
reference = "https://example.org/scanning"

[[organisation]]
name = "Inner"
prefixes = ["192.0.2.128/25"]
reference = "seen in our darknet"
note = "not published"
"#;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn sample_matches_by_prefix_then_asn_and_hostname() {
        let list = ResearchScanners::from_toml(SAMPLE).unwrap();
        assert_eq!(list.organisations().len(), 2);
        fn name(o: Option<&Organisation>) -> Option<&str> {
            o.map(|o| o.name.as_str())
        }
        assert_eq!(
            name(list.organisation(ip("192.0.2.1"), None)),
            Some("Example Research")
        );
        // The longer prefix wins inside the shorter one.
        assert_eq!(
            name(list.organisation(ip("192.0.2.200"), Some(64500))),
            Some("Inner")
        );
        assert_eq!(
            name(list.organisation(ip("2001:db8::5"), None)),
            Some("Example Research")
        );
        assert_eq!(name(list.organisation(ip("198.51.100.1"), None)), None);
        // An address outside every prefix falls back to its ASN.
        assert_eq!(
            name(list.organisation(ip("198.51.100.1"), Some(64500))),
            Some("Example Research")
        );
        assert_eq!(
            name(list.organisation(ip("198.51.100.1"), Some(64501))),
            None
        );
        let org = &list.organisations()[0];
        assert_eq!(org.rdns_suffix.as_deref(), Some("scan.example.org"));
        assert_eq!(
            name(list.by_hostname("a-1.SCAN.example.org.")),
            Some("Example Research")
        );
        assert_eq!(
            name(list.by_hostname("scan.example.org")),
            Some("Example Research")
        );
        assert_eq!(name(list.by_hostname("evilscan.example.org")), None);
        assert!(org.verified && !list.organisations()[1].verified);
    }

    #[test]
    fn syntax_errors_say_line_and_column() {
        let text =
            "[[organisation]]\nname = \"X\"\nreference = \"r\"\nprefixes = [\"10.0.0.1/8\"]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        let ConfigError::Syntax { line, message, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(*line, 4);
        assert!(message.contains("host bits"), "{message}");

        let text = "[[organisation]]\nname = \"X\"\nreference = \"r\"\nasn = [1]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Syntax {
                    line: 4,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("unknown field `asn`"), "{err}");

        let text = "[[organisation]]\nname = \"X\"\nasns = [1]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        assert!(
            err.to_string().contains("missing field `reference`"),
            "{err}"
        );

        let text = "[[organisation]]\nname = \"X\"\nreference = \"r\"\nasns = [-1]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 4, .. }),
            "{err:?}"
        );

        let err = ResearchScanners::from_toml("[[organisation]\n").unwrap_err();
        assert!(
            matches!(err, ConfigError::Syntax { line: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn invalid_entries_name_the_organisation_and_line() {
        let cases = [
            (
                "name = \" \"\nreference = \"r\"\nasns = [1]",
                "the name is empty",
            ),
            (
                "name = \"A\"\nreference = \"\"\nasns = [1]",
                "reference is empty",
            ),
            ("name = \"A\"\nreference = \"r\"", "nothing to match on"),
            ("name = \"A\"\nreference = \"r\"\nasns = [0]", "AS0"),
            (
                "name = \"A\"\nreference = \"r\"\nrdns_suffix = \"a b\"",
                "not a domain name",
            ),
            (
                "name = \"A\"\nreference = \"r\"\nprefixes = [\"10.0.0.0/8\", \"10.0.0.0/8\"]",
                "listed twice",
            ),
        ];
        for (body, problem) in cases {
            let text = format!("# comment\n[[organisation]]\n{body}\n");
            let err = ResearchScanners::from_toml(&text).unwrap_err();
            let ConfigError::Invalid {
                line, problem: p, ..
            } = &err
            else {
                panic!("{body}: {err:?}");
            };
            assert_eq!(*line, 2, "{body}");
            assert!(p.contains(problem), "{body}: {p}");
        }
        let text = "[[organisation]]\nname = \"A\"\nreference = \"r\"\nasns = [7]\n\n\
                    [[organisation]]\nname = \"B\"\nreference = \"r\"\nasns = [7]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 6: organisation \"B\": AS7 is already listed for \"A\""
        );
        let text = "[[organisation]]\nname = \"A\"\nreference = \"r\"\nasns = [7]\n\n\
                    [[organisation]]\nname = \"a\"\nreference = \"r\"\nasns = [8]\n";
        let err = ResearchScanners::from_toml(text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 6: organisation \"a\": listed twice (also at line 1)"
        );
    }

    #[test]
    fn builtin_list_parses_and_knows_the_published_scanners() {
        let list = ResearchScanners::builtin();
        assert_eq!(list.organisations().len(), 18);
        fn name(o: Option<&Organisation>) -> Option<&str> {
            o.map(|o| o.name.as_str())
        }
        // Michigan's published subnets, edges included.
        for addr in ["141.212.121.0", "141.212.122.255"] {
            assert_eq!(
                name(list.organisation(ip(addr), None)),
                Some("University of Michigan")
            );
        }
        assert_eq!(name(list.organisation(ip("141.212.123.0"), None)), None);
        assert_eq!(
            name(list.organisation(ip("162.142.125.7"), None)),
            Some("Censys")
        );
        assert_eq!(
            name(list.organisation(ip("2602:80d:1009::1"), None)),
            Some("Censys")
        );
        assert_eq!(
            name(list.organisation(ip("8.8.8.8"), Some(398705))),
            Some("Censys")
        );
        assert_eq!(
            name(list.by_hostname("scan-14-07.shadowserver.org")),
            Some("The Shadowserver Foundation")
        );
        assert_eq!(name(list.by_hostname("census12.shodan.io")), Some("Shodan"));
        assert_eq!(name(list.organisation(ip("8.8.8.8"), Some(15169))), None);
        // Every unverified entry says why; every entry says where from.
        let verified: Vec<&str> = list
            .organisations()
            .iter()
            .filter(|o| o.verified)
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(verified.len(), 3, "{verified:?}");
        for org in list.organisations() {
            assert!(org.reference.starts_with("http"), "{}", org.name);
            assert!(org.verified || org.note.is_some(), "{}", org.name);
            // No shipped range is a bogon, nor wider than a /21 (IPv4).
            for prefix in &org.prefixes {
                match prefix.addr() {
                    IpAddr::V4(a) => {
                        assert!(!crate::is_bogon_v4(a.into()), "{prefix}");
                        assert!(prefix.len() >= 21, "{prefix}");
                    }
                    IpAddr::V6(a) => assert!(!crate::is_bogon_v6(a.into()), "{prefix}"),
                }
            }
        }
    }

    #[test]
    fn empty_list_matches_nothing() {
        let list = ResearchScanners::from_toml("").unwrap();
        assert!(list.organisations().is_empty());
        assert!(list.organisation(ip("1.2.3.4"), Some(1)).is_none());
    }

    #[test]
    fn ranges_cover_whole_space_edges() {
        let table = RangeTable::build(vec![
            (0, u128::MAX, 0),
            (u128::MAX - 1, u128::MAX, 1),
            (0, 0, 2),
        ]);
        assert_eq!(table.find(0), Some(2));
        assert_eq!(table.find(1), Some(0));
        assert_eq!(table.find(u128::MAX - 2), Some(0));
        assert_eq!(table.find(u128::MAX - 1), Some(1));
        assert_eq!(table.find(u128::MAX), Some(1));
        assert_eq!(table.ranges().len(), 3);
    }

    /// Random nested and disjoint prefixes in a small corner of IPv4, so
    /// that they overlap often.
    fn prefixes() -> impl Strategy<Value = Vec<(u32, u8)>> {
        proptest::collection::vec((0u32..4096, 20u8..=32), 0..40)
    }

    proptest! {
        #[test]
        fn longest_prefix_match_equals_a_naive_scan(
            raw in prefixes(),
            probes in proptest::collection::vec(0u32..4096, 64),
        ) {
            let mut seen = std::collections::HashSet::new();
            let mut entries = Vec::new();
            for (addr, len) in raw {
                let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
                let first = addr & !host;
                if seen.insert((first, len)) {
                    entries.push((u128::from(first), u128::from(first | host), entries.len() as u32, len));
                }
            }
            let table = RangeTable::build(entries.iter().map(|&(s, e, o, _)| (s, e, o)).collect());
            // Disjoint and sorted.
            let ranges = table.ranges();
            prop_assert!(ranges.iter().all(|r| r.0 <= r.1));
            prop_assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0));
            for probe in probes.into_iter().chain(entries.iter().flat_map(|e| [e.0 as u32, e.1 as u32])) {
                let naive = entries
                    .iter()
                    .filter(|e| (e.0..=e.1).contains(&u128::from(probe)))
                    .max_by_key(|e| e.3)
                    .map(|e| e.2);
                prop_assert_eq!(table.find(u128::from(probe)), naive, "probe {}", probe);
            }
        }
    }
}
