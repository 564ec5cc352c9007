//! A segment as a sensor might upload it, hostile or broken: whatever the
//! bytes, the collector's roll-up either refuses them whole or returns
//! counts that add up.
#![no_main]

use std::io::Cursor;

use hirundo_rollup::rollup_capture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(got) = rollup_capture(Box::new(Cursor::new(data.to_vec())), None, u64::MAX) else {
        return;
    };
    let r = got.rollup;
    assert_eq!(r.decoded + r.errors.total(), r.packets);
    assert_eq!(r.hours.iter().map(|h| h.packets).sum::<u64>(), r.packets);
    assert_eq!(r.hours.iter().map(|h| h.decoded).sum::<u64>(), r.decoded);
    assert!(r.ports.iter().map(|p| p.packets).sum::<u64>() <= r.decoded);
    assert_eq!(r.sources.iter().map(|s| s.packets).sum::<u64>(), r.decoded);
    assert_eq!(r.countries.iter().map(|c| c.packets).sum::<u64>(), r.decoded);
    assert!(r.sources.windows(2).all(|w| (w[0].day, w[0].source) < (w[1].day, w[1].source)));
    assert!(r
        .sources
        .iter()
        .all(|s| s.first_ns <= s.last_ns && s.ports.windows(2).all(|w| w[0] < w[1])));
});
