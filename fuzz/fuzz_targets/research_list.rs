//! A research-scanner list (TOML), as operators give their own. Input that
//! is not UTF-8 is skipped: the caller reads the file into a `String`.
//!
//! On success, every listed prefix's first and last address must find an
//! organisation (its own or a more specific one), every listed ASN must
//! find its organisation, and lookups must not panic.
#![no_main]

use hirundo_fingerprint::ResearchScanners;
use hirundo_fuzz::geo::probe_addresses;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(list) = ResearchScanners::from_toml(text) else {
        return;
    };
    for (i, org) in list.organisations().iter().enumerate() {
        assert!(!org.name.is_empty());
        for &asn in &org.asns {
            let found = list
                .by_asn(asn)
                .expect("a listed ASN finds an organisation");
            assert_eq!(found.name, org.name, "AS{asn} at entry {i}");
        }
        for prefix in &org.prefixes {
            assert!(prefix.contains(prefix.addr()));
            assert!(
                list.by_address(prefix.addr()).is_some(),
                "{prefix} at entry {i} finds nothing"
            );
        }
        if let Some(suffix) = &org.rdns_suffix {
            let host = format!("scanner-1.{suffix}.");
            let found = list.by_hostname(&host).expect("its own suffix finds one");
            // An earlier entry with a shorter suffix of the same domain
            // may claim it first.
            assert!(suffix.ends_with(found.rdns_suffix.as_deref().unwrap_or("")));
        }
    }
    for addr in probe_addresses() {
        for asn in [None, Some(0), Some(64500), Some(u32::MAX)] {
            let _ = list.organisation(addr, asn);
        }
    }
    let _ = list.by_hostname("");
    let _ = list.by_hostname(".");
});
