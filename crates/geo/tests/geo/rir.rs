//! RIR delegated-stats files, on a small file in the real format.

use std::net::IpAddr;

use hirundo_geo::rir::{parse_rir_delegated, read_rir_delegated};
use hirundo_geo::{Geo, GeoConfig, ParseError, SourceSpec};

const APNIC_EXTENDED: &str = "\
# Extended allocation and assignment report, excerpt
2.3|apnic|20260625|9|19830613|20260624|+1000
apnic|*|asn|*|2|summary
apnic|*|ipv4|*|5|summary
apnic|*|ipv6|*|2|summary
apnic|JP|asn|173|1|20020801|allocated|A91A7381
apnic|AU|ipv4|1.0.0.0|256|20110811|assigned|A91872ED
apnic|CN|ipv4|1.0.1.0|256|20110414|allocated|A92E1062
apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated|A92D9378
apnic||ipv4|1.0.32.0|8192||available|
apnic|IN|ipv4|1.22.0.0|98304|20100924|allocated|A91F3CDB
apnic|JP|ipv6|2001:200::|35|19990813|allocated|A91A7381
apnic|ZZ|ipv6|2001:200:e000::|35|20030117|reserved|
";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn reads_allocations_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("delegated-apnic-extended-latest");
    std::fs::write(&path, APNIC_EXTENDED).unwrap();
    let (table, date) = read_rir_delegated(&path).unwrap();
    assert_eq!(date.as_deref(), Some("2026-06-25"));
    let geo = Geo::load(&GeoConfig {
        country: vec![SourceSpec::Rir(path)],
        asn: vec![],
    })
    .unwrap();
    assert_eq!(
        &*geo.sources()[0].name,
        "rir-delegated:delegated-apnic-extended-latest 2026-06-25"
    );
    let cc = |a: &str| geo.country(ip(a)).map(|c| c.country.to_string());
    for (addr, want) in [
        ("0.255.255.255", None),
        ("1.0.0.0", Some("AU")),
        ("1.0.0.255", Some("AU")),
        ("1.0.1.0", Some("CN")),
        ("1.0.2.0", None),
        ("1.0.16.0", Some("JP")),
        ("1.0.31.255", Some("JP")),
        ("1.0.32.0", None), // available
        // 98304 addresses is not a power of two: 1.22.0.0 to 1.23.127.255.
        ("1.23.127.255", Some("IN")),
        ("1.23.128.0", None),
        ("2001:200::1", Some("JP")),
        ("2001:200:1fff:ffff:ffff:ffff:ffff:ffff", Some("JP")),
        ("2001:200:e000::1", None), // reserved
    ] {
        assert_eq!(cc(addr).as_deref(), want, "{addr}");
    }
    // AU, CN, JP, IN; the ZZ reservation and the available block hold none.
    assert_eq!(table.v4.entries().filter(|e| e.value.is_some()).count(), 4);
    assert_eq!(table.v6.entries().filter(|e| e.value.is_some()).count(), 1);
}

#[test]
fn bad_lines_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("delegated-ripencc-latest");
    for (body, line, reason) in [
        (
            "2|ripencc|20260625|1|x|y|+0000\nripencc|NL|ipv4|10.0.0.0|0|20000101|allocated\n",
            2,
            "\"0\" is not a number of IPv4 addresses",
        ),
        (
            "ripencc|NL|ipv4|255.255.255.0|512|20000101|allocated\n",
            1,
            "512 addresses from 4294967040 run past 255.255.255.255",
        ),
        (
            "ripencc|NL|ipv6|2001:db8::1|32|20000101|allocated\n",
            1,
            "2001:db8::1 is not the start of a /32",
        ),
        (
            "ripencc|NL|ipv6|2001:db8::|129|20000101|allocated\n",
            1,
            "\"129\" is not an IPv6 prefix length",
        ),
        (
            "ripencc|NLD|ipv4|10.0.0.0|256|20000101|allocated\n",
            1,
            "\"NLD\" is not a two-letter country code",
        ),
        (
            "ripencc|NL|ipv4|10.0.0.0\n",
            1,
            "4 fields, expected registry|cc|type|start|value|date|status",
        ),
    ] {
        std::fs::write(&path, body).unwrap();
        let err = read_rir_delegated(&path).unwrap_err();
        assert!(
            matches!(err, ParseError::Line { line: l, .. } if l == line),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{}: line {line}: {reason}", path.display())
        );
    }
    std::fs::write(
        &path,
        "2|ripencc|20260625|0|x|y|+0000\nripencc|*|ipv4|*|0|summary\n",
    )
    .unwrap();
    assert!(read_rir_delegated(&path)
        .unwrap_err()
        .to_string()
        .contains("no allocated or assigned ipv4/ipv6 rows"));
}

#[test]
fn text_in_memory_reads_as_the_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("delegated-apnic-extended-latest");
    std::fs::write(&path, APNIC_EXTENDED).unwrap();
    let from_file = read_rir_delegated(&path).unwrap();
    let from_text = parse_rir_delegated(APNIC_EXTENDED, "apnic").unwrap();
    assert_eq!(from_file, from_text);
    let err = parse_rir_delegated("apnic|JP|ipv4|1.0.16.0\n", "apnic").unwrap_err();
    assert_eq!(
        err.to_string(),
        "apnic: line 1: 4 fields, expected registry|cc|type|start|value|date|status"
    );
}
