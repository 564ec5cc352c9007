//! Writers for the formats the readers read. Both buffer internally (a
//! `BufWriter` of [`BUFFER_LEN`] bytes), so hand them a plain `File`; wrap
//! the output in a gzip or zstd encoder to write compressed captures.

mod pcap;
mod pcapng;

pub use self::pcap::PcapWriter;
pub use self::pcapng::PcapngWriter;

use std::io;

/// Bytes gathered before each write to the underlying output.
pub const BUFFER_LEN: usize = 128 << 10;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Splits a non-negative time into whole seconds and nanoseconds.
fn split_ns(ts_ns: i64, format: &str) -> io::Result<(u64, u32)> {
    if ts_ns < 0 {
        return Err(invalid(format!(
            "{format} cannot store a time before 1970 ({ts_ns} ns)"
        )));
    }
    Ok((
        (ts_ns / 1_000_000_000) as u64,
        (ts_ns % 1_000_000_000) as u32,
    ))
}
