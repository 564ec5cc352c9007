//! A pcap stream. The first byte picks one of the four magic numbers
//! (microsecond or nanosecond, little- or big-endian) and the target writes
//! it, so no run is spent finding the magic.
#![no_main]

use std::io::Cursor;

use hirundo_fuzz::exercise_capture;
use libfuzzer_sys::fuzz_target;

const MAGICS: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

fuzz_target!(|data: &[u8]| {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let mut stream = MAGICS[usize::from(pick & 3)].to_vec();
    stream.extend_from_slice(rest);
    exercise_capture(Box::new(Cursor::new(stream)));
});
