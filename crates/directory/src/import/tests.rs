use proptest::prelude::*;

use super::*;
use crate::{Directory, Level, Origin, Prefix};

fn ti(json: &str) -> Import {
    trusted_introducer(json).expect(json)
}

/// Trusted Introducer's format, kept in shared/ beside the repository.
/// Absent on a developer machine without shared/: skipped loudly, but
/// CI always has it, so there it must be found.
#[test]
fn the_trusted_introducer_sample_yields_its_four_teams() {
    let path = hirundo_testbed::shared("csirt/ti-teams-sample.json");
    let json = match std::fs::read_to_string(&path) {
        Ok(json) => json,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED the_trusted_introducer_sample_yields_its_four_teams: {} not readable ({e})", path.display());
            return;
        }
        Err(e) => panic!("{} not readable in CI: {e}", path.display()),
    };
    let import = ti(&json);
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    let summary: Vec<(&str, &str, TeamKind)> = import
        .teams
        .iter()
        .map(|t| (t.id.as_str(), t.short_name.as_str(), t.kind))
        .collect();
    assert_eq!(
        summary,
        [
            ("aec", "AEC", TeamKind::Sector),
            ("aconet-cert", "ACOnet-CERT", TeamKind::Sector),
            ("acn-ibe-csirt", "ACN IBE CSIRT", TeamKind::IspAbuse),
            ("cert.at", "CERT.at", TeamKind::National),
        ]
    );
    let aconet = &import.teams[1];
    assert_eq!(aconet.name, "ACOnet-CERT");
    assert_eq!(aconet.country.as_deref(), Some("AT"));
    assert_eq!(aconet.constituency.asns, [679, 760]);
    let prefixes: Vec<String> = aconet
        .constituency
        .prefixes
        .iter()
        .map(Prefix::to_string)
        .collect();
    assert_eq!(prefixes, ["103.0.0.0/16", "103.1.0.0/22", "103.1.4.0/24"]);
    assert_eq!(aconet.constituency.domains, ["*.ac.at"]);
    // The first of its two keys, normalised.
    assert_eq!(
        aconet.pgp_fingerprint.as_deref(),
        Some("2A78AD3249202E1D240EAA71354DB7B6C8AFD18A")
    );
    assert_eq!(
        aconet.emails,
        [Email {
            address: "cert@aco.net".to_owned(),
            usage: vec![EmailUsage::Contact]
        }]
    );
    assert_eq!(aconet.origin, TRUSTED_INTRODUCER);

    let cert_at = &import.teams[3];
    assert_eq!(cert_at.name, "Computer Emergency Response Team Austria");
    assert_eq!(cert_at.constituency.countries, ["AT"]);
    assert_eq!(
        cert_at.constituency.domains,
        ["*.at", "*.wien", "*.tirol", "*.versicherung"]
    );
    assert!(cert_at.constituency.prefixes.is_empty());
    assert_eq!(import.teams[2].country.as_deref(), Some("ES"));
    assert!(import.teams[2].constituency.countries.is_empty());

    // And the result routes: ACOnet by prefix, CERT.at for the rest of AT.
    let dir = Directory::new(import.teams).unwrap();
    let r = dir.route(&Origin {
        ip: "103.1.4.7".parse().unwrap(),
        asn: None,
        cc: Some("AT"),
    });
    assert_eq!(
        (r.team.map(|t| t.id.as_str()), r.level),
        (Some("aconet-cert"), Level::Prefix)
    );
    let r = dir.route(&Origin {
        ip: "198.51.100.7".parse().unwrap(),
        asn: None,
        cc: Some("AT"),
    });
    assert_eq!(
        (r.team.map(|t| t.id.as_str()), r.level),
        (Some("cert.at"), Level::National)
    );
}

#[test]
fn kinds_follow_the_constituency_types() {
    let json = r#"[
        {"short_name": "N", "constituency": {"types": ["Government", "National"]}},
        {"short_name": "I", "constituency": {"types": ["ISP Customer Base"]}},
        {"short_name": "S", "constituency": {"types": ["Service Provider Customer Base"]}},
        {"short_name": "R", "constituency": {"types": ["Research & Education"]}},
        {"short_name": "O", "constituency": {"types": []}},
        {"short_name": "P"}
    ]"#;
    let kinds: Vec<TeamKind> = ti(json).teams.iter().map(|t| t.kind).collect();
    use TeamKind::*;
    assert_eq!(kinds, [National, IspAbuse, IspAbuse, Sector, Other, Other]);
}

#[test]
fn email_usages_map_and_unknown_ones_drop() {
    let json = r#"[{"short_name": "T", "emails": [
        {"address": "a@t.org", "usage": ["abuse", "Contact"]},
        {"address": "b@t.org", "usage": ["reporting", "emergency", "telepathy"]},
        {"address": "c@t.org", "usage": ["telepathy"]},
        {"address": "d@t.org"}
    ]}]"#;
    let team = &ti(json).teams[0];
    use EmailUsage::*;
    let got: Vec<(&str, &[EmailUsage])> = team
        .emails
        .iter()
        .map(|e| (e.address.as_str(), e.usage.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("a@t.org", &[Notifications, Contact][..]),
            ("b@t.org", &[Incident, Emergency][..]),
            ("c@t.org", &[Contact][..]),
            ("d@t.org", &[Contact][..]),
        ]
    );
    assert_eq!(team.notification_addresses(), ["a@t.org"]);
}

#[test]
fn ranges_addresses_and_asn_strings_are_accepted() {
    let json = r#"[{"short_name": "T", "url": "www.t.example", "constituency": {
        "asns": ["AS64496", 64497, "64496"],
        "ipranges": ["192.0.2.0 - 192.0.2.127", "198.51.100.9", "2001:db8::/32", "192.0.2.0/25"],
        "countries": ["JP", {"code": "BR"}]
    }}]"#;
    let team = &ti(json).teams[0];
    assert_eq!(team.constituency.asns, [64496, 64497]);
    let prefixes: Vec<String> = team
        .constituency
        .prefixes
        .iter()
        .map(Prefix::to_string)
        .collect();
    assert_eq!(
        prefixes,
        ["192.0.2.0/25", "198.51.100.9/32", "2001:db8::/32"]
    );
    assert_eq!(team.constituency.countries, ["JP", "BR"]);
    assert_eq!(team.website.as_deref(), Some("https://www.t.example"));
}

#[test]
fn ids_are_made_unique() {
    let json = r#"[{"short_name": "CERT X"}, {"short_name": "cert/x"}, {"short_name": "CERT-X"}, {"short_name": "cert-x-2"}]"#;
    let ids: Vec<String> = ti(json).teams.into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["cert-x", "cert-x-2", "cert-x-3", "cert-x-2-2"]);
    let long = "a".repeat(70);
    let json = format!(r#"[{{"short_name": "{long}"}}, {{"short_name": "{long}"}}]"#);
    let ids: Vec<String> = ti(&json).teams.into_iter().map(|t| t.id).collect();
    assert_eq!(ids, ["a".repeat(64), format!("{}-2", "a".repeat(62))]);
}

#[test]
fn bad_entries_are_rejected_and_the_rest_import() {
    let json = r#"[
        {"official_name": "No short name"},
        {"short_name": "Inject", "emails": [{"address": "x@y.org\r\nBcc: z@w.org", "usage": ["contact"]}]},
        {"short_name": "Good", "country": {"code": "AT"}},
        {"short_name": "Lower", "country": {"code": "at"}},
        {"short_name": "Range", "constituency": {"ipranges": ["10.0.0.9 - 10.0.0.1"]}},
        {"short_name": "Hostbits", "constituency": {"ipranges": ["10.0.0.1/8"]}},
        {"short_name": "Pgp", "pgp_keys": [{"fingerprint": "not hex"}]},
        {"short_name": "Asn", "constituency": {"asns": [-1]}},
        {"short_name": "Types", "constituency": "national"}
    ]"#;
    let import = ti(json);
    let ids: Vec<&str> = import.teams.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["good"]);
    let rejected: Vec<(usize, &str)> = import
        .rejected
        .iter()
        .map(|r| (r.index, r.name.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (0, "No short name"),
            (1, "Inject"),
            (3, "Lower"),
            (4, "Range"),
            (5, "Hostbits"),
            (6, "Pgp"),
            (7, "Asn"),
            (8, "Types")
        ]
    );
    let why: Vec<&str> = import.rejected.iter().map(|r| r.why.as_str()).collect();
    assert_eq!(why[0], "short_name is missing or empty");
    assert!(
        why[1].starts_with(r#"team "inject": emails[0].address "x@y.org\r\nBcc: z@w.org""#),
        "{}",
        why[1]
    );
    assert!(why[2].contains("country \"at\""), "{}", why[2]);
    assert!(
        why[3].contains("constituency.ipranges[0]") && why[3].contains("above the last"),
        "{}",
        why[3]
    );
    assert!(why[4].contains("did you mean 10.0.0.0/8"), "{}", why[4]);
    assert!(why[5].contains("pgp_fingerprint"), "{}", why[5]);
    assert!(why[6].contains("constituency.asns[0] -1"), "{}", why[6]);
    assert_eq!(why[7], "constituency is not an object");
}

#[test]
fn a_document_that_is_not_an_array_of_objects_is_an_error_with_position() {
    let e = trusted_introducer("{\"teams\": []}").unwrap_err();
    assert!(
        matches!(
            &e,
            ImportError::Json {
                at: Position { line: 1, column: 1 },
                ..
            }
        ),
        "{e:?}"
    );
    let e = trusted_introducer("[\n  {\"short_name\": \"A\"},\n  42\n]").unwrap_err();
    match &e {
        ImportError::Json { at, message } => {
            assert_eq!(at.line, 3);
            assert!(message.contains("expected a map"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("Trusted Introducer teams.json at line 3, column "),
        "{e}"
    );
    let e = trusted_introducer("[{\"short_name\": \"A\",]").unwrap_err();
    assert!(matches!(
        e,
        ImportError::Json {
            at: Position { line: 1, .. },
            ..
        }
    ));
    assert_eq!(trusted_introducer("[]").unwrap(), Import::default());
}

const TOML_TEAM: &str = r#"
[[team]]
id = "cert.br"
name = "Computer Emergency Response Team Brazil"
short_name = "CERT.br"
country = "BR"
kind = "national"
max_tlp = "TLP:GREEN"
formats = ["jsonl", "csv"]

[[team.emails]]
address = "cert@cert.br"
usage = ["incident"]

[team.constituency]
countries = ["BR"]
prefixes = ["200.160.0.0/20"]
"#;

#[test]
fn toml_reads_team_tables_with_defaults() {
    let teams = from_toml(TOML_TEAM).unwrap();
    assert_eq!(teams.len(), 1);
    let t = &teams[0];
    assert_eq!(t.origin, TOML_ORIGIN);
    assert_eq!(t.max_tlp, Tlp::Green);
    assert_eq!(t.formats, [Format::Jsonl, Format::Csv]);
    assert_eq!(t.language, "en");
    assert_eq!(
        t.constituency.prefixes,
        ["200.160.0.0/20".parse::<Prefix>().unwrap()]
    );
    assert_eq!(t.notification_addresses(), ["cert@cert.br"]);
    assert!(from_toml("").unwrap().is_empty());
    let named = from_toml(&format!("{TOML_TEAM}origin = \"api\"\n")).unwrap_err();
    // `origin` after [team.constituency] belongs to the constituency: a typo-like mistake, refused.
    assert!(named.to_string().contains("origin"), "{named}");
}

#[test]
fn toml_typos_are_errors_with_line_and_column() {
    let text = TOML_TEAM.replace(
        "usage = [\"incident\"]",
        "usage = [\"incident\"]\nadress = \"x@y.org\"",
    );
    let e = from_toml(&text).unwrap_err();
    match &e {
        ImportError::Toml { at, message } => {
            assert_eq!((at.line, at.column), (14, 1), "{e}");
            assert!(message.contains("adress"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let e = from_toml(&TOML_TEAM.replace("200.160.0.0/20", "200.160.0.1/20")).unwrap_err();
    assert!(e.to_string().contains("did you mean 200.160.0.0/20"), "{e}");
    assert!(
        matches!(
            e,
            ImportError::Toml {
                at: Position { line: 17, .. },
                ..
            }
        ),
        "{e:?}"
    );
    let e = from_toml("[[teams]]\nid = \"x\"\n").unwrap_err();
    assert!(
        matches!(
            e,
            ImportError::Toml {
                at: Position { line: 1, .. },
                ..
            }
        ),
        "{e:?}"
    );
    let e = from_toml(&TOML_TEAM.replace("TLP:GREEN", "TLP:ORANGE")).unwrap_err();
    assert!(e.to_string().contains("ORANGE"), "{e}");
    assert!(from_toml("[[team]\n").is_err());
}

#[test]
fn to_toml_writes_what_from_toml_reads() {
    let teams = from_toml(TOML_TEAM).unwrap();
    let text = to_toml(&teams);
    assert!(text.contains("[[team]]"), "{text}");
    assert_eq!(from_toml(&text).unwrap(), teams);
}

fn arb_text() -> impl Strategy<Value = String> {
    // Anything a person may type, including quotes, backslashes and line breaks.
    "[ -~\\n\\t\u{e9}\u{3042}\"\\\\]{1,24}"
}

fn arb_team() -> impl Strategy<Value = Team> {
    use crate::directory::tests::team;
    (
        (
            "[a-z0-9._-]{1,12}",
            arb_text(),
            arb_text(),
            prop::option::of("[A-Z]{2}"),
        ),
        prop_oneof![
            Just(TeamKind::National),
            Just(TeamKind::Sector),
            Just(TeamKind::IspAbuse),
            Just(TeamKind::Other)
        ],
        prop::collection::vec(
            (
                "[a-z]{1,8}@[a-z]{1,8}\\.org",
                prop::sample::subsequence(
                    vec![
                        EmailUsage::Contact,
                        EmailUsage::Notifications,
                        EmailUsage::Incident,
                        EmailUsage::Emergency,
                    ],
                    0..=4,
                ),
            ),
            0..3,
        ),
        (
            prop::option::of("[0-9A-F]{40}"),
            prop::option::of("https://[a-z]{1,10}\\.org/[a-z]{0,5}"),
            prop::sample::subsequence(Format::ALL.to_vec(), 1..=3),
            prop::sample::select(Tlp::ALL.to_vec()),
        ),
        (
            prop::collection::vec("[A-Z]{2}", 0..3),
            prop::collection::vec(1u32..u32::MAX, 0..3),
            prop::collection::vec((any::<u32>(), 0u8..=32), 0..3),
            prop::collection::vec((any::<u128>(), 0u8..=128), 0..2),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            arb_text(),
            "[a-z-]{1,20}",
            prop::collection::vec(
                prop::sample::select(vec!["emails", "website", "pgp_fingerprint"]),
                0..2,
            ),
        ),
    )
        .prop_map(
            |(
                (id, name, short, country),
                kind,
                emails,
                (pgp, web, formats, tlp),
                (ccs, asns, v4, v6),
                (opt_out, weekly, ours, notes, origin, unverified),
            )| {
                let mut t = team(&id, kind);
                t.name = name;
                t.short_name = short;
                t.country = country;
                t.emails = emails
                    .into_iter()
                    .map(|(address, usage)| Email { address, usage })
                    .collect();
                t.pgp_fingerprint = pgp;
                t.website = web.clone();
                t.webhook = web;
                t.formats = formats;
                t.max_tlp = tlp;
                t.constituency.countries = ccs;
                t.constituency.asns = asns;
                t.constituency.prefixes = v4
                    .into_iter()
                    .map(|(a, l)| Prefix::covering(std::net::IpAddr::V4(a.into()), l))
                    .chain(
                        v6.into_iter()
                            .map(|(a, l)| Prefix::covering(std::net::IpAddr::V6(a.into()), l)),
                    )
                    .collect();
                t.constituency.domains = vec!["*.example".to_owned()];
                t.opt_out = opt_out;
                t.cadence = if weekly {
                    crate::Cadence::Weekly
                } else {
                    crate::Cadence::Daily
                };
                t.ours = ours;
                t.notes = notes;
                t.origin = origin;
                t.unverified = unverified.into_iter().map(str::to_owned).collect();
                t
            },
        )
}

proptest! {
    #[test]
    fn toml_round_trips(teams in prop::collection::vec(arb_team(), 0..4)) {
        let text = to_toml(&teams);
        let again = from_toml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(again, teams);
    }

    #[test]
    fn importers_never_panic(text in "\\PC{0,200}") {
        let _ = from_toml(&text);
        let _ = trusted_introducer(&text);
    }

    /// Whatever the entries hold, what imports builds a directory.
    #[test]
    fn imported_teams_always_build_a_directory(
        entries in prop::collection::vec(
            (
                "[A-Za-z /.]{0,12}",
                prop::option::of("[A-Za-z]{1,3}"),
                prop::collection::vec("[a-z@. ]{0,12}", 0..2),
                prop::collection::vec("(10\\.0\\.0\\.[0-9]{1,3}(/[0-9]{1,2})?|10\\.0\\.0\\.1 - 10\\.0\\.[0-9]\\.[0-9])", 0..3),
                prop::collection::vec(prop::sample::select(vec!["National", "ISP", "Energy", ""]), 0..2),
            ),
            0..6,
        )
    ) {
        let json: Vec<serde_json::Value> = entries
            .iter()
            .map(|(short, cc, emails, ranges, types)| serde_json::json!({
                "short_name": short,
                "country": cc.as_ref().map(|c| serde_json::json!({"code": c})),
                "emails": emails.iter().map(|a| serde_json::json!({"address": a, "usage": ["abuse"]})).collect::<Vec<_>>(),
                "constituency": {"ipranges": ranges, "types": types},
            }))
            .collect();
        let import = trusted_introducer(&serde_json::Value::Array(json).to_string()).unwrap();
        prop_assert_eq!(import.teams.len() + import.rejected.len(), entries.len());
        let dir = Directory::new(import.teams.clone());
        prop_assert!(dir.is_ok(), "{:?}", dir.err());
    }
}
