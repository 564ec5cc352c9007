//! The committed data/ipdb.hgeo is what the build makes of ../shared/ipdb.

use hirundo_geo::upstream::{build_dataset, UpstreamFiles};
use hirundo_geo::{Dataset, BUILTIN_DATASET};

use crate::shared_ipdb;

#[test]
fn shipped_file_is_rebuilt_byte_for_byte_from_the_upstream_files() {
    let Some(dir) = shared_ipdb() else { return };
    // The ip-location-db files carry no date; the shipped header has it.
    let header = Dataset::read_header(BUILTIN_DATASET).expect("shipped header");
    let date = &header
        .iter()
        .find(|s| s.key == "geo-whois-asn-country")
        .expect("geo-whois-asn-country source")
        .date;
    let files = UpstreamFiles::find(&dir).expect("upstream files");
    let built = build_dataset(&files, date).expect("build");
    let bytes = built.to_bytes().expect("encode");
    if bytes != BUILTIN_DATASET {
        let shipped = Dataset::from_bytes(BUILTIN_DATASET).expect("shipped dataset decodes");
        let same_content = shipped == built;
        panic!(
            "data/ipdb.hgeo ({} bytes) differs from a rebuild ({} bytes; same tables: {same_content}); \
             run scripts/build-ipdb --ip-location-db-date {date} and commit the result",
            BUILTIN_DATASET.len(),
            bytes.len()
        );
    }
}

#[test]
fn shipped_header_names_every_source_with_date_licence_and_credit() {
    let header = Dataset::read_header(BUILTIN_DATASET).expect("shipped header");
    let described: Vec<(&str, &str, &str, &str)> = header
        .iter()
        .map(|s| {
            (
                s.key.as_str(),
                s.name.as_str(),
                s.date.as_str(),
                s.licence.as_str(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            (
                "geo-whois-asn-country",
                "ip-location-db geo-whois-asn-country",
                "2026-06",
                "CC BY 4.0"
            ),
            (
                "tor-geoip",
                "tor-geoip (IPFire Location)",
                "2026-06-25",
                "CC BY-SA 4.0"
            ),
            ("asn", "ip-location-db asn", "2026-06", "CC BY 4.0"),
        ]
    );
    // Every credit line in the file is in the crate's ATTRIBUTION, and
    // every line of ATTRIBUTION is owed to some source in the file.
    let lines: Vec<&str> = header.iter().flat_map(|s| s.attribution.lines()).collect();
    for line in &lines {
        assert!(
            hirundo_geo::ATTRIBUTION.lines().any(|a| a == *line),
            "{line:?} missing from ATTRIBUTION"
        );
    }
    for line in hirundo_geo::ATTRIBUTION.lines() {
        assert!(
            lines.contains(&line),
            "{line:?} is credited but no source needs it"
        );
    }
    let asn = &header[2].attribution;
    assert!(
        asn.contains("IP Geolocation by DB-IP (https://db-ip.com)"),
        "{asn}"
    );
}
