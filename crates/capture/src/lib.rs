//! Streaming readers and writers for pcap and pcapng captures, plain or
//! compressed with gzip or zstd.
//!
//! [`CaptureReader`] takes a path or any byte stream. Its input layer
//! recognises gzip and zstd by their magic numbers (never by file name) and
//! puts a decompressor in front; a chunked buffer then reads the stream 1 MiB
//! at a time; a pcap or pcapng parser, chosen by the stream's magic number,
//! walks records in place and lends each one out as a [`Record`] borrowing the
//! buffer. Memory is constant whatever the file size, nothing is allocated per
//! record, and every error is a [`ReadError`] carrying the offset of the bad
//! structure in the decompressed stream. Oddities that Wireshark tolerates are
//! kept in [`CaptureReader::anomalies`] instead of stopping the read.
//!
//! [`PcapWriter`] and [`PcapngWriter`] write the same formats, in either
//! [`ByteOrder`], for the traffic simulator and for round-trip tests.

mod byte_order;
mod error;
mod input;
mod pcap;
mod pcapng;
mod reader;
mod record;
mod timestamp;
mod writer;

pub use byte_order::ByteOrder;
pub use error::{BlockLengthProblem, ReadError, ReadErrorKind};
pub use input::{CHUNK_LEN, MAX_RECORD_LEN};
pub use pcapng::MAX_INTERFACES;
pub use reader::{CaptureReader, Compression, Format, MAX_KEPT_ANOMALIES};
pub use record::Record;
pub use timestamp::TsResolution;
pub use writer::{PcapWriter, PcapngWriter};

/// The largest snapshot length Wireshark and libpcap use (262144). A record
/// longer than its snaplen is still read up to this length, and taken for
/// corruption beyond it.
pub const MAX_SNAPLEN: u32 = 262_144;
