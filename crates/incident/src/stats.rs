//! Published statistics: incidents per year, per month and per category,
//! and the yearly table by CERT.br's categories with spam counted apart,
//! as CERT.br publishes them.
//!
//! Every function counts an incident at [`Incident::counted_ns`] (when it
//! happened if the reporter said, else when it was recorded), in UTC.
//! Incidents classified `test/test` are never counted: RSIT keeps that
//! type for testing, and a test must not show up in national figures.
//! Spam is in [`by_year`] and [`by_category`] but not in
//! [`yearly_by_certbr`], so for every year
//! `by_year = sum(yearly_by_certbr) + spam_by_year`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Incident;
use crate::taxonomy::Classification;
use crate::time::year_month;

/// The incident categories of CERT.br's yearly statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertBr {
    /// Automated propagation of malicious code: infected systems.
    Worm,
    /// Denial of service.
    Dos,
    /// A successful intrusion: unauthorised access to a computer or
    /// network.
    Invasao,
    /// Attacks aimed at web servers and applications, defacements
    /// included.
    Web,
    /// Scans of networks and services, login guessing included.
    Scan,
    /// Attempts to gain an advantage by deceit: phishing, banking
    /// trojans, impersonation, copyright infringement.
    Fraude,
    /// Everything else.
    Outros,
}

impl CertBr {
    /// In the order of CERT.br's tables.
    pub const ALL: [CertBr; 7] = [
        CertBr::Worm,
        CertBr::Dos,
        CertBr::Invasao,
        CertBr::Web,
        CertBr::Scan,
        CertBr::Fraude,
        CertBr::Outros,
    ];

    /// CERT.br's own (Portuguese) name.
    pub fn label(self) -> &'static str {
        match self {
            CertBr::Worm => "worm",
            CertBr::Dos => "dos",
            CertBr::Invasao => "invasão",
            CertBr::Web => "web",
            CertBr::Scan => "scan",
            CertBr::Fraude => "fraude",
            CertBr::Outros => "outros",
        }
    }

    /// The English name.
    pub fn english(self) -> &'static str {
        match self {
            CertBr::Worm => "worm",
            CertBr::Dos => "DoS",
            CertBr::Invasao => "intrusion",
            CertBr::Web => "web attack",
            CertBr::Scan => "scan",
            CertBr::Fraude => "fraud",
            CertBr::Outros => "other",
        }
    }

    /// The position in [`CertBr::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

/// Every RSIT type and its CERT.br category, in the order of the RSIT
/// file; a test checks that it lists each shipped type exactly once.
const MAPPING: &[(&str, &str, CertBr)] = &[
    ("abusive-content", "spam", CertBr::Outros),
    ("abusive-content", "harmful-speech", CertBr::Outros),
    ("abusive-content", "violence", CertBr::Outros),
    ("malicious-code", "infected-system", CertBr::Worm),
    ("malicious-code", "c2-server", CertBr::Outros),
    ("malicious-code", "malware-distribution", CertBr::Fraude),
    ("malicious-code", "malware-configuration", CertBr::Fraude),
    ("information-gathering", "scanner", CertBr::Scan),
    ("information-gathering", "sniffing", CertBr::Outros),
    (
        "information-gathering",
        "social-engineering",
        CertBr::Fraude,
    ),
    ("intrusion-attempts", "ids-alert", CertBr::Web),
    ("intrusion-attempts", "brute-force", CertBr::Scan),
    ("intrusion-attempts", "exploit", CertBr::Web),
    (
        "intrusions",
        "privileged-account-compromise",
        CertBr::Invasao,
    ),
    (
        "intrusions",
        "unprivileged-account-compromise",
        CertBr::Invasao,
    ),
    ("intrusions", "application-compromise", CertBr::Web),
    ("intrusions", "system-compromise", CertBr::Invasao),
    ("intrusions", "burglary", CertBr::Outros),
    ("availability", "dos", CertBr::Dos),
    ("availability", "ddos", CertBr::Dos),
    ("availability", "misconfiguration", CertBr::Outros),
    ("availability", "sabotage", CertBr::Outros),
    ("availability", "outage", CertBr::Outros),
    (
        "information-content-security",
        "unauthorised-information-access",
        CertBr::Invasao,
    ),
    (
        "information-content-security",
        "unauthorised-information-modification",
        CertBr::Invasao,
    ),
    ("information-content-security", "data-loss", CertBr::Outros),
    ("information-content-security", "data-leak", CertBr::Outros),
    ("fraud", "unauthorised-use-of-resources", CertBr::Fraude),
    ("fraud", "copyright", CertBr::Fraude),
    ("fraud", "masquerade", CertBr::Fraude),
    ("fraud", "phishing", CertBr::Fraude),
    ("vulnerable", "weak-crypto", CertBr::Outros),
    ("vulnerable", "ddos-amplifier", CertBr::Outros),
    (
        "vulnerable",
        "potentially-unwanted-accessible",
        CertBr::Outros,
    ),
    ("vulnerable", "information-disclosure", CertBr::Outros),
    ("vulnerable", "vulnerable-system", CertBr::Outros),
    ("other", "other", CertBr::Outros),
    ("other", "undetermined", CertBr::Outros),
    ("test", "test", CertBr::Outros),
];

/// The CERT.br category of an RSIT classification (in any case; anything
/// not in RSIT is `outros`).
///
/// CERT.br counts notifications by what was attempted or done, so the
/// mapping follows its definitions rather than RSIT's grouping:
///
/// | RSIT | CERT.br | why |
/// |---|---|---|
/// | malicious-code/infected-system | worm | CERT.br's worm is the automated propagation of malicious code, which infected systems do |
/// | malicious-code/malware-distribution, malware-configuration | fraude | CERT.br counts trojans spread for financial fraud (banking web injects) under fraud |
/// | malicious-code/c2-server | outros | infrastructure, neither propagation nor fraud |
/// | information-gathering/scanner | scan | |
/// | information-gathering/social-engineering | fraude | deceit to obtain an advantage |
/// | information-gathering/sniffing | outros | |
/// | intrusion-attempts/brute-force | scan | login guessing is how CERT.br's scan notifications mostly show up (SSH, SMTP, RDP); an intrusion is only counted when it succeeds |
/// | intrusion-attempts/ids-alert, exploit | web | CERT.br's web covers attacks aimed at web servers, attempts included, and exploitation attempts reported to national teams are overwhelmingly against web applications; RSIT has no web/non-web split to do better |
/// | intrusions/application-compromise | web | compromised web applications and defacements |
/// | intrusions/privileged-account-compromise, unprivileged-account-compromise, system-compromise | invasão | successful unauthorised access |
/// | intrusions/burglary | outros | physical, not a network intrusion |
/// | availability/dos, ddos | dos | |
/// | availability/misconfiguration, sabotage, outage | outros | not a denial of service from the network |
/// | information-content-security/unauthorised-information-access, unauthorised-information-modification | invasão | they require unauthorised access |
/// | information-content-security/data-loss, data-leak | outros | |
/// | fraud/* | fraude | |
/// | abusive-content/spam | outros here; counted apart by [`spam_by_year`] | CERT.br publishes spam separately from incidents ([`is_spam`]) |
/// | abusive-content/harmful-speech, violence | outros | |
/// | vulnerable/*, other/*, test/test | outros | test/test is never counted ([`is_test`]) |
pub fn certbr_category(c: &Classification) -> CertBr {
    MAPPING
        .iter()
        .find(|(taxonomy, kind, _)| {
            c.taxonomy.eq_ignore_ascii_case(taxonomy) && c.kind.eq_ignore_ascii_case(kind)
        })
        .map_or(CertBr::Outros, |(_, _, category)| *category)
}

/// Whether `c` is spam, which CERT.br counts apart from incidents.
pub fn is_spam(c: &Classification) -> bool {
    c.taxonomy.eq_ignore_ascii_case("abusive-content") && c.kind.eq_ignore_ascii_case("spam")
}

/// Whether `c` is RSIT's `test/test`, which statistics never count.
pub fn is_test(c: &Classification) -> bool {
    c.taxonomy.eq_ignore_ascii_case("test")
}

/// The incidents statistics count, with their UTC (year, month).
fn counted(incidents: &[Incident]) -> impl Iterator<Item = (&Incident, i32, u32)> {
    incidents
        .iter()
        .filter(|i| !is_test(&i.classification))
        .map(|i| {
            let (year, month) = year_month(i.counted_ns());
            (i, year, month)
        })
}

/// Incidents per year, spam included, oldest year first; years without
/// incidents are left out.
pub fn by_year(incidents: &[Incident]) -> Vec<(i32, u64)> {
    count_years(counted(incidents).map(|(_, year, _)| year))
}

/// Spam reports per year, oldest first; years without spam are left out.
pub fn spam_by_year(incidents: &[Incident]) -> Vec<(i32, u64)> {
    count_years(
        counted(incidents)
            .filter(|(i, _, _)| is_spam(&i.classification))
            .map(|(_, year, _)| year),
    )
}

fn count_years(years: impl Iterator<Item = i32>) -> Vec<(i32, u64)> {
    let mut counts: BTreeMap<i32, u64> = BTreeMap::new();
    for year in years {
        *counts.entry(year).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Incidents in each month of `year`, January first, spam included.
pub fn by_month(incidents: &[Incident], year: i32) -> [u64; 12] {
    let mut months = [0u64; 12];
    for (_, y, month) in counted(incidents) {
        if y == year {
            // civil_from_days gives months 1..=12.
            if let Some(slot) = months.get_mut(month as usize - 1) {
                *slot += 1;
            }
        }
    }
    months
}

/// Incidents per RSIT category (`classification.taxonomy`), in one year
/// or all, most frequent first and by name among equals.
pub fn by_category(incidents: &[Incident], year: Option<i32>) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for (i, y, _) in counted(incidents) {
        if year.is_none_or(|wanted| wanted == y) {
            *counts
                .entry(i.classification.taxonomy.as_str())
                .or_default() += 1;
        }
    }
    let mut out: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(taxonomy, n)| (taxonomy.to_owned(), n))
        .collect();
    // The BTreeMap sorted by name; a stable sort by count keeps that
    // order among equals.
    out.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    out
}

/// Per year, oldest first, the incidents in each CERT.br category (in
/// the order of [`CertBr::ALL`]), spam left out; years with no incident
/// but spam are left out.
pub fn yearly_by_certbr(incidents: &[Incident]) -> Vec<(i32, [u64; CertBr::ALL.len()])> {
    let mut years: BTreeMap<i32, [u64; CertBr::ALL.len()]> = BTreeMap::new();
    for (i, year, _) in counted(incidents) {
        if is_spam(&i.classification) {
            continue;
        }
        let row = years.entry(year).or_default();
        row[certbr_category(&i.classification).index()] += 1;
    }
    years.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Incident;
    use crate::state::State;
    use crate::taxonomy::rsit;
    use crate::time::parse_time;
    use hirundo_tlp::Tlp;

    fn incident(at: &str, category: &str, kind: &str, occurred: Option<&str>) -> Incident {
        let created_ns = parse_time(at).unwrap();
        Incident {
            id: 0,
            ticket: String::new(),
            title: "t".into(),
            description: String::new(),
            classification: rsit().classify(category, kind).unwrap(),
            state: State::New,
            tlp: Tlp::Amber,
            reporter: "r".into(),
            country: None,
            team: None,
            links: vec![],
            occurred_ns: occurred.map(|o| parse_time(o).unwrap()),
            created_ns,
            updated_ns: created_ns,
        }
    }

    /// 2024: 3 counted (one of them spam) + 1 test; 2025: 4 (one spam);
    /// 2026: 2. One incident recorded in 2025 happened in 2024; one
    /// recorded on 2025-12-31 at -03:00 is 2026 in UTC.
    fn fixture() -> Vec<Incident> {
        vec![
            incident("2024-01-15", "information-gathering", "scanner", None),
            incident("2024-01-20T12:00:00Z", "abusive-content", "spam", None),
            incident(
                "2025-01-02",
                "availability",
                "ddos",
                Some("2024-12-31T23:59:59Z"),
            ),
            incident("2024-06-01", "test", "test", None),
            incident("2025-03-01", "fraud", "phishing", None),
            incident("2025-03-31T23:59:59Z", "fraud", "phishing", None),
            incident("2025-04-01", "malicious-code", "infected-system", None),
            incident("2025-12-01", "abusive-content", "spam", None),
            incident(
                "2025-12-31T22:30:00-03:00",
                "intrusion-attempts",
                "brute-force",
                None,
            ),
            incident("2026-02-10", "intrusions", "system-compromise", None),
        ]
    }

    #[test]
    fn years_months_categories() {
        let all = fixture();
        assert_eq!(by_year(&all), vec![(2024, 3), (2025, 4), (2026, 2)]);
        assert_eq!(spam_by_year(&all), vec![(2024, 1), (2025, 1)]);
        assert_eq!(by_month(&all, 2024), [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(by_month(&all, 2025), [0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(by_month(&all, 2026), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(by_month(&all, 2023), [0; 12]);
        assert_eq!(
            by_category(&all, Some(2025)),
            vec![
                ("fraud".to_string(), 2),
                ("abusive-content".to_string(), 1),
                ("malicious-code".to_string(), 1),
            ]
        );
        assert_eq!(
            by_category(&all, None),
            vec![
                ("abusive-content".to_string(), 2),
                ("fraud".to_string(), 2),
                ("availability".to_string(), 1),
                ("information-gathering".to_string(), 1),
                ("intrusion-attempts".to_string(), 1),
                ("intrusions".to_string(), 1),
                ("malicious-code".to_string(), 1),
            ]
        );
    }

    #[test]
    fn certbr_table_leaves_spam_out() {
        let all = fixture();
        //          worm dos inv web scan fraude outros
        assert_eq!(
            yearly_by_certbr(&all),
            vec![
                (2024, [0, 1, 0, 0, 1, 0, 0]),
                (2025, [1, 0, 0, 0, 0, 2, 0]),
                (2026, [0, 0, 1, 0, 1, 0, 0]),
            ]
        );
        let spam: BTreeMap<i32, u64> = spam_by_year(&all).into_iter().collect();
        for ((year, total), (y, row)) in by_year(&all).into_iter().zip(yearly_by_certbr(&all)) {
            assert_eq!(year, y);
            assert_eq!(
                total,
                row.iter().sum::<u64>() + spam.get(&year).copied().unwrap_or(0)
            );
        }
    }

    #[test]
    fn mapping_covers_every_shipped_type_once() {
        let mut listed: Vec<(&str, &str)> = MAPPING.iter().map(|(c, t, _)| (*c, *t)).collect();
        let mut shipped: Vec<(&str, &str)> = rsit()
            .categories()
            .iter()
            .flat_map(|c| {
                c.types
                    .iter()
                    .map(move |t| (c.value.as_str(), t.value.as_str()))
            })
            .collect();
        assert_eq!(listed, shipped, "MAPPING follows the RSIT file's order");
        listed.sort_unstable();
        listed.dedup();
        shipped.sort_unstable();
        assert_eq!(listed, shipped);
    }

    #[test]
    fn certbr_categories_by_name() {
        let cases = [
            ("information-gathering", "scanner", CertBr::Scan),
            ("intrusion-attempts", "brute-force", CertBr::Scan),
            ("availability", "ddos", CertBr::Dos),
            ("availability", "dos", CertBr::Dos),
            ("intrusions", "system-compromise", CertBr::Invasao),
            ("intrusions", "application-compromise", CertBr::Web),
            ("intrusion-attempts", "exploit", CertBr::Web),
            ("fraud", "phishing", CertBr::Fraude),
            ("malicious-code", "malware-configuration", CertBr::Fraude),
            ("malicious-code", "infected-system", CertBr::Worm),
            ("vulnerable", "ddos-amplifier", CertBr::Outros),
        ];
        for (category, kind, want) in cases {
            let c = rsit().classify(category, kind).unwrap();
            assert_eq!(certbr_category(&c), want, "{c}");
        }
        let shouted = Classification {
            taxonomy: "FRAUD".into(),
            kind: "Phishing".into(),
        };
        assert_eq!(certbr_category(&shouted), CertBr::Fraude);
        let unknown = Classification {
            taxonomy: "made-up".into(),
            kind: "thing".into(),
        };
        assert_eq!(certbr_category(&unknown), CertBr::Outros);
        assert!(is_spam(
            &rsit().classify("abusive-content", "spam").unwrap()
        ));
        assert!(!is_spam(
            &rsit().classify("abusive-content", "violence").unwrap()
        ));
    }

    #[test]
    fn every_certbr_category_is_reachable_and_named() {
        for category in CertBr::ALL {
            assert!(
                MAPPING.iter().any(|(_, _, c)| *c == category),
                "{category:?}"
            );
            assert_eq!(CertBr::ALL[category.index()], category);
        }
        let labels: Vec<&str> = CertBr::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(
            labels,
            ["worm", "dos", "invasão", "web", "scan", "fraude", "outros"]
        );
        let english: Vec<&str> = CertBr::ALL.iter().map(|c| c.english()).collect();
        assert_eq!(
            english,
            [
                "worm",
                "DoS",
                "intrusion",
                "web attack",
                "scan",
                "fraud",
                "other"
            ]
        );
    }
}
