use std::time::Instant;

use proptest::prelude::*;

use super::*;
use crate::directory::tests::team;

fn p(s: &str) -> Prefix {
    s.parse().expect(s)
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect(s)
}

/// ACOnet with its three prefixes and two ASNs, a transit network whose
/// wider prefixes contain them, CERT.at national for AT, and our own team.
fn austria(with_ours: bool) -> Directory {
    let mut aconet = team("aconet-cert", TeamKind::Sector);
    aconet.short_name = "ACOnet-CERT".to_owned();
    aconet.country = Some("AT".to_owned());
    aconet.constituency.asns = vec![679, 760];
    aconet.constituency.prefixes = ["103.0.0.0/16", "103.1.0.0/22", "103.1.4.0/24"]
        .map(p)
        .to_vec();
    aconet.constituency.countries = vec!["AT".to_owned()];
    let mut cert_at = team("cert.at", TeamKind::National);
    cert_at.short_name = "CERT.at".to_owned();
    cert_at.country = Some("AT".to_owned());
    cert_at.constituency.countries = vec!["AT".to_owned()];
    let mut transit = team("ix-net", TeamKind::IspAbuse);
    transit.constituency.prefixes = ["103.0.0.0/8", "103.1.0.0/16"].map(p).to_vec();
    let mut ours = team("hirundo", TeamKind::Other);
    ours.ours = with_ours;
    Directory::new(vec![aconet, cert_at, transit, ours]).unwrap()
}

fn origin(addr: &str, asn: Option<u32>, cc: Option<&'static str>) -> Origin<'static> {
    Origin {
        ip: ip(addr),
        asn,
        cc,
    }
}

#[test]
fn most_specific_prefix_wins_and_says_how_many_matched() {
    let dir = austria(true);
    let r = dir.route(&origin("103.1.4.7", Some(64500), Some("DE")));
    assert_eq!(r.level, Level::Prefix);
    assert_eq!(r.team.map(|t| t.id.as_str()), Some("aconet-cert"));
    assert_eq!(
        r.to_string(),
        "1. prefix: 103.1.4.0/24 of aconet-cert (most specific of 3 matching prefixes)\n=> aconet-cert (ACOnet-CERT)"
    );
    let r = dir.route(&origin("103.0.200.1", None, None));
    assert_eq!(
        r.steps[0].text,
        "prefix: 103.0.0.0/16 of aconet-cert (most specific of 2 matching prefixes)"
    );
    let r = dir.route(&origin("103.1.3.1", None, None));
    assert_eq!(
        r.steps[0].text,
        "prefix: 103.1.0.0/22 of aconet-cert (most specific of 3 matching prefixes)"
    );
    let r = dir.route(&origin("103.200.0.1", Some(679), None));
    assert_eq!(
        r.steps[0].text,
        "prefix: 103.0.0.0/8 of ix-net (the only matching prefix)"
    );
    assert_eq!(r.steps.len(), 1);
}

#[test]
fn each_level_records_the_ones_before_it() {
    let dir = austria(true);

    let r = dir.route(&origin("198.51.100.7", Some(760), Some("AT")));
    assert_eq!(
        (r.level, r.team.map(|t| t.id.as_str())),
        (Level::Asn, Some("aconet-cert"))
    );
    let texts: Vec<&str> = r.steps.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "prefix: no team's prefixes contain 198.51.100.7",
            "asn: AS760 is in the constituency of aconet-cert"
        ]
    );
    assert_eq!(
        r.steps.iter().map(|s| s.matched).collect::<Vec<_>>(),
        [false, true]
    );

    let r = dir.route(&origin("198.51.100.7", None, Some("at")));
    assert_eq!(
        (r.level, r.team.map(|t| t.id.as_str())),
        (Level::National, Some("cert.at"))
    );
    assert_eq!(r.steps.len(), 3);
    assert_eq!(r.steps[1].text, "asn: the source's AS is unknown");
    assert_eq!(
        r.steps[2].text,
        "national: cert.at is the national CSIRT for AT"
    );

    let r = dir.route(&origin("198.51.100.7", Some(64500), Some("JP")));
    assert_eq!(
        (r.level, r.team.map(|t| t.id.as_str())),
        (Level::Fallback, Some("hirundo"))
    );
    assert_eq!(r.steps[1].text, "asn: no team's constituency lists AS64500");
    assert_eq!(r.steps[2].text, "national: no national team for JP");
    assert!(r.steps[3].matched);

    let dir = austria(false);
    let r = dir.route(&origin("2001:db8::1", None, Some("Japan")));
    assert_eq!((r.level, r.team), (Level::Unrouted, None));
    assert_eq!(
        r.to_string(),
        "1. prefix: no team's prefixes contain 2001:db8::1\n\
         2. asn: the source's AS is unknown\n\
         3. national: \"Japan\" is not a country code\n\
         4. fallback: no team is marked ours\n\
         => unrouted: no team answers for this source"
    );
}

#[test]
fn ties_go_to_the_lowest_id_and_name_the_others() {
    let mut teams = Vec::new();
    for id in ["zeta", "alpha", "mid"] {
        let mut t = team(id, TeamKind::IspAbuse);
        t.constituency.prefixes = vec![p("192.0.2.0/24")];
        t.constituency.asns = vec![64496];
        teams.push(t);
    }
    let dir = Directory::new(teams).unwrap();
    let r = dir.route(&origin("192.0.2.9", None, None));
    assert_eq!(r.team.map(|t| t.id.as_str()), Some("alpha"));
    assert_eq!(r.steps[0].text, "prefix: 192.0.2.0/24 of alpha (the only matching prefix; also claimed by mid, zeta: lowest id wins)");
    let r = dir.route(&origin("198.51.100.1", Some(64496), None));
    assert_eq!(
        r.steps[1].text,
        "asn: AS64496 is in the constituency of alpha (also claimed by mid, zeta: lowest id wins)"
    );
}

#[test]
fn national_falls_back_to_the_seat_and_ignores_other_kinds() {
    let mut sector = team("a-sector", TeamKind::Sector);
    sector.constituency.countries = vec!["BR".to_owned()];
    let mut seated = team("cert.br", TeamKind::National);
    seated.country = Some("BR".to_owned());
    seated.opt_out = true;
    let dir = Directory::new(vec![sector, seated]).unwrap();
    let r = dir.route(&origin("198.51.100.7", None, Some("BR")));
    assert_eq!(r.team.map(|t| t.id.as_str()), Some("cert.br"));
    assert_eq!(
        r.steps[2].text,
        "national: cert.br is a national team based in BR (no national team lists BR in its constituency) (opted out of notifications)"
    );
}

#[test]
fn mapped_ipv6_routes_as_ipv4() {
    let dir = austria(true);
    let r = dir.route(&origin("::ffff:103.1.4.7", None, None));
    assert_eq!(r.level, Level::Prefix);
}

#[test]
fn level_serialises_lowercase() {
    assert_eq!(
        serde_json::to_string(&Level::Fallback).unwrap(),
        "\"fallback\""
    );
    assert_eq!(Level::Unrouted.as_str(), "unrouted");
}

/// 100k lookups over 4000 teams with 8000 prefixes: a linear scan would
/// take minutes here; the index takes well under a second in release.
#[test]
fn many_lookups_over_many_prefixes_are_fast() {
    let mut teams = Vec::new();
    for i in 0..4000u32 {
        let mut t = team(&format!("t{i:05}"), TeamKind::IspAbuse);
        let a = i.wrapping_mul(2_654_435_761);
        t.constituency.prefixes = vec![
            Prefix::covering(IpAddr::V4(a.into()), 16 + (i % 9) as u8),
            Prefix::covering(
                IpAddr::V6((u128::from(a) << 96).into()),
                32 + (i % 17) as u8,
            ),
        ];
        t.constituency.asns = vec![i + 1];
        teams.push(t);
    }
    let dir = Directory::new(teams).unwrap();
    let started = Instant::now();
    let mut routed = 0;
    for i in 0..100_000u32 {
        let addr = IpAddr::V4(i.wrapping_mul(40_503).wrapping_mul(65_537).into());
        let r = dir.route(&Origin {
            ip: addr,
            asn: Some(i % 5000),
            cc: Some("AT"),
        });
        routed += usize::from(r.team.is_some());
    }
    let took = started.elapsed();
    assert!(routed > 0);
    assert!(took.as_secs() < 20, "100k lookups took {took:?}");
}

/// Routing by scanning every team, as the rules say it in words.
fn brute_force<'d>(dir: &'d Directory, o: &Origin) -> (Option<&'d str>, Level) {
    let ip = o.ip.to_canonical();
    let teams = dir.teams();
    let best = teams
        .iter()
        .flat_map(|t| {
            t.constituency
                .prefixes
                .iter()
                .filter(|p| p.contains(ip))
                .map(move |p| (p.len, t))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.id.cmp(&a.1.id)));
    if let Some((_, t)) = best {
        return (Some(&t.id), Level::Prefix);
    }
    if let Some(asn) = o.asn {
        if let Some(t) = teams.iter().find(|t| t.constituency.asns.contains(&asn)) {
            return (Some(&t.id), Level::Asn);
        }
    }
    if let Some(cc) = o.cc.map(str::to_ascii_uppercase).filter(|c| c.len() == 2) {
        let national = teams.iter().filter(|t| t.kind == TeamKind::National);
        if let Some(t) = national
            .clone()
            .find(|t| t.constituency.countries.contains(&cc))
        {
            return (Some(&t.id), Level::National);
        }
        if let Some(t) = national
            .clone()
            .find(|t| t.country.as_deref() == Some(cc.as_str()))
        {
            return (Some(&t.id), Level::National);
        }
    }
    match dir.ours() {
        Some(t) => (Some(&t.id), Level::Fallback),
        None => (None, Level::Unrouted),
    }
}

const CCS: [&str; 4] = ["AT", "BR", "JP", "MX"];

/// Addresses in a small space (10.0.0.0/20, 2001:db8::/116) so random
/// prefixes overlap and collide often.
fn arb_addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        4 => (0u32..4096).prop_map(|x| IpAddr::V4((0x0a00_0000 | x).into())),
        1 => (0u128..4096).prop_map(|x| IpAddr::V6(((0x2001_0db8u128 << 96) | x).into())),
    ]
}

fn arb_team(i: usize) -> impl Strategy<Value = Team> {
    (
        prop::collection::vec((arb_addr(), 0u8..=12), 0..4),
        prop::collection::vec(1u32..8, 0..3),
        prop::collection::vec(0usize..4, 0..2),
        prop::option::of(0usize..4),
        prop_oneof![
            Just(TeamKind::National),
            Just(TeamKind::Sector),
            Just(TeamKind::IspAbuse)
        ],
        any::<bool>(),
    )
        .prop_map(move |(prefixes, asns, countries, seat, kind, opt_out)| {
            let mut t = team(&format!("t{i}"), kind);
            t.constituency.prefixes = prefixes
                .into_iter()
                .map(|(a, shorter)| {
                    Prefix::covering(
                        a,
                        if a.is_ipv4() {
                            32 - shorter
                        } else {
                            128 - shorter
                        },
                    )
                })
                .collect();
            t.constituency.asns = asns;
            t.constituency.countries = countries.into_iter().map(|c| CCS[c].to_owned()).collect();
            t.country = seat.map(|c| CCS[c].to_owned());
            t.opt_out = opt_out;
            t
        })
}

fn arb_directory() -> impl Strategy<Value = Directory> {
    (0usize..7, prop::option::of(0usize..7))
        .prop_flat_map(|(n, ours)| {
            let teams: Vec<_> = (0..n).map(arb_team).collect();
            (teams, Just(ours))
        })
        .prop_map(|(mut teams, ours)| {
            if let Some(t) = ours.and_then(|o| teams.get_mut(o)) {
                t.ours = true;
            }
            Directory::new(teams).expect("generated teams are valid")
        })
}

proptest! {
    #[test]
    fn route_agrees_with_brute_force(
        dir in arb_directory(),
        lookups in prop::collection::vec(
            (arb_addr(), prop::option::of(1u32..9), prop::option::of(prop_oneof![Just("at"), Just("BR"), Just("jp"), Just("MX"), Just("XX"), Just("bad")])),
            1..20,
        ),
    ) {
        for (addr, asn, cc) in lookups {
            let o = Origin { ip: addr, asn, cc };
            let r = dir.route(&o);
            let want = brute_force(&dir, &o);
            prop_assert_eq!((r.team.map(|t| t.id.as_str()), r.level), want, "{}", r);
            // One step per level tried, only the last may match.
            let tried = match r.level { Level::Prefix => 1, Level::Asn => 2, Level::National => 3, Level::Fallback | Level::Unrouted => 4 };
            prop_assert_eq!(r.steps.len(), tried);
            prop_assert!(r.steps[..tried - 1].iter().all(|s| !s.matched));
            prop_assert_eq!(r.steps[tried - 1].matched, r.team.is_some());
        }
    }
}
