//! A pcapng stream. The target writes the section header block type
//! (0A 0D 0D 0A); the input starts with its length and byte-order magic.
#![no_main]

use std::io::Cursor;

use hirundo_fuzz::exercise_capture;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut stream = vec![0x0a, 0x0d, 0x0d, 0x0a];
    stream.extend_from_slice(data);
    exercise_capture(Box::new(Cursor::new(stream)));
});
