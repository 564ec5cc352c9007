//! Known addresses and the edges of the address space in the shipped
//! dataset.

use std::net::IpAddr;

use hirundo_geo::{Asn, CountryCode, Geo, GeoConfig, SourceSpec};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cc(s: &str) -> CountryCode {
    s.parse().unwrap()
}

#[test]
fn nested_row_wins_inside_the_row_before_it() {
    // README: 2.58.196.0-2.58.197.255 DE holds 2.58.197.15 BE.
    let geo = crate::builtin();
    let primary = |a: &str| geo.country(ip(a)).map(|c| c.country);
    assert_eq!(primary("2.58.197.15"), Some(cc("BE")));
    assert_eq!(primary("2.58.197.14"), Some(cc("DE")));
    assert_eq!(primary("2.58.197.16"), Some(cc("DE")));
    assert_eq!(primary("2.58.196.0"), Some(cc("DE")));
    assert_eq!(primary("2.58.197.255"), Some(cc("DE")));
}

#[test]
fn duplicate_rows_go_to_the_later_and_overlaps_to_the_smaller() {
    let geo = crate::builtin();
    let primary = |a: &str| geo.country(ip(a)).map(|c| c.country);
    // The same range twice with different countries: the later row wins.
    // 108.165.88.0-108.165.90.255 DE then US; 176.241.251.32/27 GB then CH;
    // 2400:8e20::/32-ish JP then FR.
    assert_eq!(primary("108.165.88.0"), Some(cc("US")));
    assert_eq!(primary("108.165.90.255"), Some(cc("US")));
    assert_eq!(primary("176.241.251.40"), Some(cc("CH")));
    assert_eq!(primary("2400:8e20::1"), Some(cc("FR")));
    // Two rows starting together, the smaller first: 209.170.81.32-63 MX,
    // then 209.170.81.32-79 US. The smaller wins where both hold.
    assert_eq!(primary("209.170.81.32"), Some(cc("MX")));
    assert_eq!(primary("209.170.81.63"), Some(cc("MX")));
    assert_eq!(primary("209.170.81.64"), Some(cc("US")));
    assert_eq!(primary("209.170.81.79"), Some(cc("US")));
    // 210.57.31.0/24 TW, then 210.57.31.0-210.57.32.255 VN.
    assert_eq!(primary("210.57.31.255"), Some(cc("TW")));
    assert_eq!(primary("210.57.32.0"), Some(cc("VN")));
}

#[test]
fn first_and_last_addresses_answer_without_panicking() {
    let geo = crate::builtin();
    for a in [
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "127.0.0.1",
        "::1",
    ] {
        // Reserved space: no source lists it.
        let l = geo.lookup(ip(a));
        assert!(l.countries.is_empty() && l.asns.is_empty(), "{a}: {l:?}");
    }
}

#[test]
fn range_boundaries_from_the_upstream_rows() {
    let geo = crate::builtin();
    let asn = |a: &str| geo.asn(ip(a)).map(|x| (x.asn, x.name.to_owned()));
    // asn-ipv4-num.csv: 16777216,16777471,13335,"Cloudflare, Inc." (1.0.0.0/24),
    // then nothing until 16778240 (1.0.4.0).
    let cloudflare = Some((Asn(13335), "Cloudflare, Inc.".to_owned()));
    assert_eq!(asn("0.255.255.255"), None);
    assert_eq!(asn("1.0.0.0"), cloudflare);
    assert_eq!(asn("1.0.0.255"), cloudflare);
    assert_eq!(asn("1.0.1.0"), None);
    assert_eq!(
        asn("1.0.4.0"),
        Some((Asn(38803), "Gtelecom Pty Ltd".to_owned()))
    );
    // A name with doubled quotes: 35309568 is 2.26.200.0.
    assert_eq!(
        asn("2.26.200.0"),
        Some((Asn(201907), "LLC \"SPUTNIK\"".to_owned()))
    );
    // asn-ipv6-num.csv's first row is 2001::/32 (Teredo) as Hurricane
    // Electric; the next starts at 2001:4:112::.
    let he = Some((Asn(6939), "Hurricane Electric LLC".to_owned()));
    assert_eq!(asn("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), None);
    assert_eq!(asn("2001::"), he);
    assert_eq!(asn("2001:0:ffff:ffff:ffff:ffff:ffff:ffff"), he);
    assert_eq!(asn("2001:1::"), None);
    assert_eq!(asn("2001:4:112::"), Some((Asn(112), "DNS-OARC".to_owned())));
}

#[test]
fn ipv4_mapped_ipv6_is_looked_up_as_ipv4() {
    let geo = crate::builtin();
    assert_eq!(
        geo.country(ip("::ffff:2.58.197.15")),
        geo.country(ip("2.58.197.15"))
    );
    assert_eq!(geo.asn(ip("::ffff:1.0.0.1")), geo.asn(ip("1.0.0.1")));
    assert!(geo.asn(ip("::ffff:1.0.0.1")).is_some());
}

#[test]
fn every_answer_names_its_source_and_disagreements_keep_both() {
    let geo = crate::builtin();
    let names: Vec<&str> = geo.sources().iter().map(|s| &*s.name).collect();
    assert_eq!(
        names,
        [
            "ip-location-db geo-whois-asn-country 2026-06",
            "tor-geoip (IPFire Location) 2026-06-25",
            "ip-location-db asn 2026-06"
        ]
    );
    // Find an address the two country sources disagree on by walking
    // addresses; the reference test counts how many there are.
    let mut found = None;
    for i in 0..1_000_000u32 {
        let a = IpAddr::V4(std::net::Ipv4Addr::from(i.wrapping_mul(2_654_435_761)));
        let l = geo.lookup(a);
        if l.countries_disagree() {
            found = Some(l);
            break;
        }
    }
    let l = found.expect("the two country sources disagree somewhere");
    assert_eq!(l.countries.len(), 2);
    assert_ne!(l.countries[0].country, l.countries[1].country);
    assert_eq!(l.primary_country(), Some(l.countries[0]));
    assert_eq!(geo.country(l.address), l.primary_country());
    assert_eq!(&*geo.source(l.countries[1].source).unwrap().name, names[1]);
}

#[test]
fn configured_order_decides_the_primary_answer() {
    let tor_first = GeoConfig {
        country: vec![
            SourceSpec::Builtin(Some("tor-geoip".into())),
            SourceSpec::Builtin(Some("geo-whois-asn-country".into())),
        ],
        asn: vec![],
    };
    let geo = Geo::load(&tor_first).unwrap();
    let names: Vec<&str> = geo.sources().iter().map(|s| &*s.name).collect();
    assert_eq!(
        names,
        [
            "tor-geoip (IPFire Location) 2026-06-25",
            "ip-location-db geo-whois-asn-country 2026-06"
        ]
    );
    assert_eq!(geo.asn(ip("1.0.0.1")), None);
    let l = geo.lookup(ip("1.0.0.1"));
    assert_eq!(geo.country(ip("1.0.0.1")), l.primary_country());
    assert_eq!(l.primary_country().unwrap().source.0, 0);
}

#[test]
fn attribution_lists_each_credit_once() {
    let geo = crate::builtin();
    let mut lines = geo.attribution();
    let mut all: Vec<&str> = hirundo_geo::ATTRIBUTION.lines().collect();
    lines.sort_unstable();
    all.sort_unstable();
    assert_eq!(lines, all);
}
