//! The dataset file (`.hgeo`) that hirundo ships and `dataset:PATH` loads.
//! The first byte picks how the rest becomes a file:
//!
//! - even: the rest is the file as it is, so the fuzzer explores the magic,
//!   the header and corrupt compressed bodies (which the zstd checksum
//!   refuses);
//! - odd: the rest is a 16-bit little-endian header length, the header, and
//!   the body *uncompressed*; the target writes the magic, the version, the
//!   lengths and the body compressed with its checksum, so mutations reach
//!   the table and registry decoders behind the checksum.
//!
//! On success, every table must be well formed, the dataset must survive
//! `to_bytes` and `from_bytes` unchanged, and `Geo` must answer lookups.
#![no_main]

use hirundo_fuzz::geo::{check_asn_table, check_country_table, probe_addresses};
use hirundo_geo::{Dataset, Geo, SourceTables};
use libfuzzer_sys::fuzz_target;

fn file_from_parts(rest: &[u8]) -> Option<Vec<u8>> {
    let [a, b, rest @ ..] = rest else {
        return None;
    };
    let header_len = usize::from(u16::from_le_bytes([*a, *b]));
    if header_len > rest.len() {
        return None;
    }
    let (header, body) = rest.split_at(header_len);
    let mut compressor = zstd::bulk::Compressor::new(1).expect("zstd level 1");
    compressor
        .set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))
        .expect("checksum flag");
    let compressed = compressor.compress(body).expect("in memory");
    let mut file = Dataset::MAGIC.to_vec();
    file.extend_from_slice(&Dataset::VERSION.to_le_bytes());
    file.extend_from_slice(&(header_len as u32).to_le_bytes());
    file.extend_from_slice(header);
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&compressed);
    Some(file)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let built;
    let file = if mode & 1 == 0 {
        rest
    } else {
        match file_from_parts(rest) {
            Some(f) => {
                built = f;
                &built[..]
            }
            None => return,
        }
    };
    let header = Dataset::read_header(file);
    let Ok(dataset) = Dataset::from_bytes(file) else {
        return;
    };
    let infos: Vec<_> = dataset.sources.iter().map(|s| s.info.clone()).collect();
    assert_eq!(
        header.as_ref(),
        Ok(&infos),
        "read_header disagrees with from_bytes"
    );
    for source in &dataset.sources {
        match &source.tables {
            SourceTables::Country(t) => check_country_table(t),
            SourceTables::Asn(t) => check_asn_table(t),
        }
    }
    let bytes = dataset.to_bytes().expect("a decoded dataset encodes");
    let again = Dataset::from_bytes(&bytes).expect("an encoded dataset decodes");
    assert!(again == dataset, "the dataset changed on a round trip");

    let geo = Geo::from_dataset(dataset);
    for addr in probe_addresses() {
        let all = geo.lookup(addr);
        assert_eq!(all.primary_country(), geo.country(addr));
        assert_eq!(
            all.primary_asn().map(|a| (a.asn, a.name)),
            geo.asn(addr).map(|a| (a.asn, a.name))
        );
        let _ = (all.countries_disagree(), all.asns_disagree());
    }
    let _ = geo.attribution();
});
