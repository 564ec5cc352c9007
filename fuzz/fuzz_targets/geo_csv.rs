//! The upstream files the shipped dataset is built from, as text. The first
//! byte picks the reader, the rest is the file (input that is not UTF-8 is
//! skipped here; the file readers report it per line):
//!
//! - 0, 1: ip-location-db country CSV, IPv4 / IPv6 (`start,end,CC`, integers)
//! - 2, 3: ip-location-db ASN CSV, IPv4 / IPv6 (`start,end,ASN,name`)
//! - 4, 5: Tor geoip / geoip6 (`start,end,CC`), then its `# Generated:` date
//!
//! On success every row read is in the builder (Tor's `??` rows excepted)
//! and the builder makes a well-formed table.
#![no_main]

use hirundo_fuzz::geo::check_range_table;
use hirundo_geo::upstream::{
    parse_asn_csv, parse_country_csv, parse_tor_geoip_date, parse_tor_geoip_v4, parse_tor_geoip_v6,
};
use hirundo_geo::{AsRegistryBuilder, CountryCode, IpKey, ParseError, RangeTableBuilder};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "fuzz.csv";

type Read<A> = fn(&str, &str, &mut RangeTableBuilder<A, CountryCode>) -> Result<usize, ParseError>;

fn country<A: IpKey>(text: &str, read: Read<A>, tor: bool) {
    let mut builder = RangeTableBuilder::new();
    let Ok(rows) = read(text, NAME, &mut builder) else {
        return;
    };
    assert!(rows > 0);
    if tor {
        assert!(builder.len() <= rows);
    } else {
        assert_eq!(builder.len(), rows);
    }
    check_range_table(&builder.build());
}

fn asn<A: IpKey>(text: &str) {
    let mut builder = RangeTableBuilder::<A, _>::new();
    let mut registry = AsRegistryBuilder::new();
    let Ok(rows) = parse_asn_csv(text, NAME, &mut builder, &mut registry) else {
        return;
    };
    assert!(rows > 0);
    assert_eq!(builder.len(), rows);
    let (registry, remap) = registry.finish();
    let table = builder.build().map(|i| remap[i.position()]);
    check_range_table(&table);
    for index in table.values().iter().flatten() {
        assert!(
            registry.get(*index).is_some(),
            "{index:?} past the registry"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 6 {
        0 => country::<u32>(text, parse_country_csv, false),
        1 => country::<u128>(text, parse_country_csv, false),
        2 => asn::<u32>(text),
        3 => asn::<u128>(text),
        4 => country::<u32>(text, parse_tor_geoip_v4, true),
        _ => country::<u128>(text, parse_tor_geoip_v6, true),
    }
    if mode % 6 >= 4 {
        if let Ok(date) = parse_tor_geoip_date(text, NAME) {
            let d = date.as_bytes();
            assert!(
                d.len() >= 10 && d[d.len() - 3] == b'-' && d[d.len() - 6] == b'-',
                "{date:?}"
            );
        }
    }
});
