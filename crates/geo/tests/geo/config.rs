//! Loading configured sources: order, errors that name the file.

use std::net::IpAddr;

use hirundo_geo::{Geo, GeoConfig, LoadError};

#[test]
fn invalid_configuration_is_refused_before_any_file_is_read() {
    let config: GeoConfig =
        serde_json::from_str(r#"{"asn": ["rir:/nonexistent/delegated"]}"#).unwrap();
    let err = Geo::load(&config).unwrap_err();
    assert!(matches!(err, LoadError::Config(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("geo.asn: RIR delegated-stats files give countries"),
        "{err}"
    );
}

#[test]
fn a_missing_rir_file_is_named() {
    let config: GeoConfig = serde_json::from_str(
        r#"{"country": ["builtin", "rir:/nonexistent/delegated-arin-extended-latest"]}"#,
    )
    .unwrap();
    let err = Geo::load(&config).unwrap_err().to_string();
    assert!(
        err.starts_with("/nonexistent/delegated-arin-extended-latest: "),
        "{err}"
    );
}

#[test]
fn sources_stack_in_configured_order_and_empty_lists_turn_kinds_off() {
    let dir = tempfile::tempdir().unwrap();
    let rir = dir.path().join("delegated-test");
    // A deliberately wrong claim, so that the two sources disagree.
    std::fs::write(
        &rir,
        "2|test|20260101|1|x|y|+0000\ntest|AQ|ipv4|1.0.0.0|256|20110811|assigned\n",
    )
    .unwrap();
    let config: GeoConfig = serde_json::from_str(&format!(
        r#"{{"country": ["rir:{}", "builtin:geo-whois-asn-country"], "asn": []}}"#,
        rir.display()
    ))
    .unwrap();
    let geo = Geo::load(&config).unwrap();
    let a: IpAddr = "1.0.0.1".parse().unwrap();
    let l = geo.lookup(a);
    let said: Vec<(String, &str)> = l
        .countries
        .iter()
        .map(|c| (c.country.to_string(), &*geo.source(c.source).unwrap().name))
        .collect();
    assert_eq!(
        said,
        [
            ("AQ".to_owned(), "rir-delegated:delegated-test 2026-01-01"),
            (
                "AU".to_owned(),
                "ip-location-db geo-whois-asn-country 2026-06"
            ),
        ]
    );
    assert!(l.countries_disagree());
    assert!(l.asns.is_empty());
    assert_eq!(geo.asn(a), None);
    // A file the operator brought carries no credit line of ours.
    assert_eq!(
        geo.attribution(),
        hirundo_geo::attribution::NRO
            .lines()
            .chain([hirundo_geo::attribution::IP_LOCATION_DB])
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_rebuilt_dataset_file_serves_like_the_builtin_one() {
    use hirundo_geo::{
        CountryTable, Dataset, DatasetSource, RangeTableBuilder, SourceInfo, SourceKind,
        SourceTables,
    };
    let mut v4 = RangeTableBuilder::new();
    v4.push(0x0100_0000u32, 0x0100_00ff, "NZ".parse().unwrap());
    let dataset = Dataset {
        sources: vec![DatasetSource {
            info: SourceInfo {
                kind: SourceKind::Country,
                key: "newer".into(),
                name: "ip-location-db geo-whois-asn-country".into(),
                date: "2027-01".into(),
                licence: "CC BY 4.0".into(),
                attribution: hirundo_geo::attribution::NRO.into(),
            },
            tables: SourceTables::Country(CountryTable {
                v4: v4.build(),
                v6: RangeTableBuilder::new().build(),
            }),
        }],
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ipdb.hgeo");
    std::fs::write(&path, dataset.to_bytes().unwrap()).unwrap();

    let config: GeoConfig = serde_json::from_str(&format!(
        r#"{{"country": ["dataset:{}"], "asn": []}}"#,
        path.display()
    ))
    .unwrap();
    let geo = Geo::load(&config).unwrap();
    let answer = geo.country("1.0.0.1".parse().unwrap()).unwrap();
    assert_eq!(answer.country.to_string(), "NZ");
    assert_eq!(
        &*geo.source(answer.source).unwrap().name,
        "ip-location-db geo-whois-asn-country 2027-01"
    );

    // The same file has no ASN source.
    let config: GeoConfig = serde_json::from_str(&format!(
        r#"{{"country": [], "asn": ["dataset:{}"]}}"#,
        path.display()
    ))
    .unwrap();
    let err = Geo::load(&config).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{}: the dataset holds no ASN source", path.display())
    );

    // A damaged file is refused and named.
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let config: GeoConfig = serde_json::from_str(&format!(
        r#"{{"country": ["dataset:{}"], "asn": []}}"#,
        path.display()
    ))
    .unwrap();
    let err = Geo::load(&config).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}: compressed body: ", path.display())),
        "{err}"
    );
}
