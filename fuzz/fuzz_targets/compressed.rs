//! A compressed capture stream. The first byte chooses how the rest becomes
//! one:
//!
//! - low bits 0 and 1: the rest is a capture (pcap or pcapng, magic
//!   included) that the target compresses with gzip (0) or zstd (1), so the
//!   fuzzer explores the capture parsers behind each decompressor. With bit 2
//!   set the compressed stream is cut at (byte >> 3) / 32 of its length, as a
//!   spool file cut mid-write would be.
//! - low bits 2 and 3: the rest is a gzip (2) or zstd (3) stream after its
//!   magic, which the target writes, so the fuzzer explores corrupt streams.
#![no_main]

use std::io::{Cursor, Write};

use flate2::write::GzEncoder;
use hirundo_fuzz::exercise_capture;
use libfuzzer_sys::fuzz_target;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut stream = match mode & 3 {
        0 => {
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(rest).expect("in memory");
            gz.finish().expect("in memory")
        }
        1 => zstd::encode_all(rest, 1).expect("in memory"),
        2 => [&GZIP_MAGIC[..], rest].concat(),
        _ => [&ZSTD_MAGIC[..], rest].concat(),
    };
    if mode & 3 < 2 && mode & 4 != 0 {
        let keep = stream.len() * usize::from(mode >> 3) / 32;
        stream.truncate(keep);
    }
    exercise_capture(Box::new(Cursor::new(stream)));
});
