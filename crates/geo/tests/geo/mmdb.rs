//! The `.mmdb` reader, on ip-location-db's own .mmdb of the same
//! geo-whois-asn-country data the shipped CSVs hold.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hirundo_geo::{builtin_dataset, Geo, GeoConfig, LoadError, SourceSpec, SourceTables};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::reference::{country_rows, Row};
use crate::shared_ipdb;

fn mmdb_config(path: std::path::PathBuf) -> GeoConfig {
    GeoConfig {
        country: vec![SourceSpec::Mmdb(path)],
        asn: vec![],
    }
}

/// Addresses: half uniformly random, half inside ranges the shipped
/// geo-whois-asn-country table lists.
fn addresses(n: usize) -> Vec<IpAddr> {
    let dataset = builtin_dataset().unwrap();
    let SourceTables::Country(t) = &dataset.sources[0].tables else {
        panic!("country first")
    };
    let v4: Vec<_> = t.v4.entries().filter(|e| e.value.is_some()).collect();
    let v6: Vec<_> = t.v6.entries().filter(|e| e.value.is_some()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(0x33db);
    (0..n)
        .map(|i| match (i % 4, rng.gen_bool(0.5)) {
            (0 | 1, true) => IpAddr::V4(Ipv4Addr::from(rng.gen::<u32>())),
            (0 | 1, false) => {
                let e = v4[rng.gen_range(0..v4.len())];
                IpAddr::V4(Ipv4Addr::from(rng.gen_range(e.start..=e.end)))
            }
            (_, true) => IpAddr::V6(Ipv6Addr::from(rng.gen::<u128>())),
            (_, false) => {
                let e = v6[rng.gen_range(0..v6.len())];
                IpAddr::V6(Ipv6Addr::from(rng.gen_range(e.start..=e.end)))
            }
        })
        .collect()
}

#[test]
fn mmdb_tables_answer_as_the_maxminddb_reader_does() {
    let Some(dir) = shared_ipdb() else { return };
    let path = dir.join("geo-whois-asn-country.mmdb");
    let geo = Geo::load(&mmdb_config(path.clone())).unwrap();
    assert_eq!(
        &*geo.sources()[0].name,
        "mmdb:geo-whois-asn-country.mmdb 2026-06-17"
    );
    let bytes = std::fs::read(&path).unwrap();
    let reader = maxminddb::Reader::from_source(&bytes[..]).unwrap();
    let mut answered = 0;
    let addrs = addresses(100_000);
    for &a in &addrs {
        let want: Option<String> = reader
            .lookup(a)
            .unwrap()
            .decode_path(&[maxminddb::PathElement::Key("country_code")])
            .unwrap();
        let got = geo.country(a).map(|c| c.country.to_string());
        assert_eq!(got, want, "{a}");
        answered += usize::from(got.is_some());
    }
    assert!(answered > addrs.len() / 2, "{answered} answered");
}

/// The .mmdb and the CSVs hold the same rows, but resolve rows that
/// overlap without nesting differently: ip-location-db's .mmdb writer lets
/// the later row win, this crate (and the README) the smaller one. Every
/// difference must be exactly that; any other is a bug.
#[test]
fn mmdb_and_csv_of_the_same_data_agree_except_where_rows_overlap_without_nesting() {
    let Some(dir) = shared_ipdb() else { return };
    let mmdb = Geo::load(&mmdb_config(dir.join("geo-whois-asn-country.mmdb"))).unwrap();
    let csv = Geo::load(&GeoConfig {
        country: vec![SourceSpec::Builtin(Some("geo-whois-asn-country".into()))],
        asn: vec![],
    })
    .unwrap();
    let addrs = addresses(400_000);
    let mut same = 0usize;
    let mut differ = vec![];
    for &a in &addrs {
        let (m, c) = (
            mmdb.country(a).map(|x| x.country),
            csv.country(a).map(|x| x.country),
        );
        if m == c {
            same += 1;
        } else {
            differ.push((a, m, c));
        }
    }
    let rate = same as f64 / addrs.len() as f64;
    eprintln!(
        "mmdb vs CSV: {same} of {} addresses agree ({:.4}%), {} differ",
        addrs.len(),
        100.0 * rate,
        differ.len()
    );
    let v4 = country_rows(&dir.join("geo-whois-asn-country-ipv4-num.csv.gz"), false);
    let v6 = country_rows(&dir.join("geo-whois-asn-country-ipv6-num.csv.gz"), false);
    for &(a, m, c) in &differ {
        let (rows, x) = match a {
            IpAddr::V4(v) => (&v4, u128::from(u32::from(v))),
            IpAddr::V6(v) => (&v6, u128::from(v)),
        };
        let containing: Vec<&Row<String>> = rows.iter().filter(|r| r.0 <= x && x <= r.1).collect();
        let last = containing.last().map(|r| r.2.as_str());
        let smallest = containing
            .iter()
            .rev()
            .min_by_key(|r| r.1 - r.0)
            .map(|r| r.2.as_str());
        eprintln!("  {a}: mmdb {m:?}, CSV {c:?}; rows {containing:?}");
        assert_eq!(
            m.map(|m| m.to_string()).as_deref(),
            last,
            "{a}: the mmdb is not the last row"
        );
        assert_eq!(
            c.map(|c| c.to_string()).as_deref(),
            smallest,
            "{a}: the CSV table is not the smallest row"
        );
        // Neither row holds the other (or they share a start, the larger
        // listed second): nesting alone never makes a difference.
        let nested = containing
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[1].1 <= w[0].1);
        assert!(!nested, "{a}: rows nest, yet the answers differ");
    }
    assert!(rate > 0.9999, "agreement {rate}");
}

#[test]
fn a_country_file_listed_as_asn_source_is_refused_by_name() {
    let Some(dir) = shared_ipdb() else { return };
    let path = dir.join("geo-whois-asn-country.mmdb");
    let err = Geo::load(&GeoConfig {
        country: vec![],
        asn: vec![SourceSpec::Mmdb(path)],
    })
    .unwrap_err();
    assert!(matches!(err, LoadError::Mmdb { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.ends_with("geo-whois-asn-country.mmdb: no network in it has an AS number (database type \"country ipvAll\"); is it a country database?"),
        "{msg}"
    );
}

#[test]
fn a_missing_or_broken_mmdb_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("GeoLite2-Country.mmdb");
    let err = Geo::load(&mmdb_config(missing.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}: ", missing.display())),
        "{err}"
    );
    std::fs::write(&missing, b"this is not a database").unwrap();
    let err = Geo::load(&mmdb_config(missing.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!(
            "{}: not a valid MaxMind DB file",
            missing.display()
        )),
        "{err}"
    );
}
