//! A MaxMind DB (`.mmdb`) file, read whole as a country database and as an
//! ASN database. The reader is the `maxminddb` crate; a corrupt file must
//! give an error, never a panic, a hang or unbounded memory.
#![no_main]

use hirundo_fuzz::geo::{check_asn_table, check_country_table};
use hirundo_geo::mmdb::{read_mmdb_asns, read_mmdb_countries, MmdbInfo};
use libfuzzer_sys::fuzz_target;

fn check_info(info: &MmdbInfo) {
    let d = info.build_date.as_bytes();
    // YYYY-MM-DD, the year possibly longer for far-future epochs.
    assert!(
        d.len() >= 10 && d[d.len() - 3] == b'-' && d[d.len() - 6] == b'-',
        "{info:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    if let Ok((table, info)) = read_mmdb_countries(data) {
        check_country_table(&table);
        check_info(&info);
    }
    if let Ok((table, info)) = read_mmdb_asns(data) {
        check_asn_table(&table);
        check_info(&info);
    }
});
