//! An RIR delegated-stats file (`registry|cc|type|start|value|date|status`),
//! as text. Input that is not UTF-8 is skipped here; the file reader
//! reports it per line.
#![no_main]

use hirundo_fuzz::geo::check_country_table;
use hirundo_geo::rir::parse_rir_delegated;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((table, date)) = parse_rir_delegated(text, "delegated-fuzz") else {
        return;
    };
    check_country_table(&table);
    if let Some(date) = date {
        let d = date.as_bytes();
        assert!(d.len() == 10 && d[4] == b'-' && d[7] == b'-', "{date:?}");
    }
});
