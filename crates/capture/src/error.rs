use std::fmt;
use std::io;

use crate::Format;

/// A problem met while reading a capture, and where it is.
///
/// `offset` counts bytes of the capture stream *after* decompression, so that
/// `zcat FILE.pcap.gz | xxd -s OFFSET` shows the bad structure. Unless a
/// variant says otherwise it is the start of the record or block at fault.
#[derive(Debug, thiserror::Error)]
#[error("byte {offset}: {kind}")]
pub struct ReadError {
    pub offset: u64,
    pub kind: ReadErrorKind,
}

impl ReadError {
    pub(crate) fn new(offset: u64, kind: ReadErrorKind) -> Self {
        ReadError { offset, kind }
    }

    pub(crate) fn io(offset: u64, err: io::Error) -> Self {
        ReadError::new(offset, ReadErrorKind::Io(err))
    }
}

/// What went wrong; see [`ReadError`] for where.
#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    /// The operating system failed a read, or the gzip or zstd stream is
    /// corrupt or ends early (the decompressor's own message is kept).
    #[error("{0}")]
    Io(#[source] io::Error),

    /// The stream (after decompression) does not start with a pcap or pcapng
    /// magic number, or holds fewer than four bytes. `len` is how many of the
    /// four `magic` bytes the stream had; 0 is an empty file.
    #[error("not a capture file: {}", describe_start(magic, *len))]
    NotACapture { magic: [u8; 4], len: usize },

    /// A compression or capture format we recognise but do not read.
    /// `offset` is 0.
    #[error("unsupported input: {what}")]
    Unsupported { what: &'static str },

    /// A pcapng section header's byte-order magic is neither 1a2b3c4d nor its
    /// byte swap (the first section's or a later one's). `offset` points at the
    /// magic field, 8 bytes into the section header block. `magic` is the
    /// field's four bytes read as big-endian.
    #[error("section header byte-order magic is {magic:08x} (expected 1a2b3c4d or 4d3c2b1a)")]
    BadMagic { magic: u32 },

    /// A pcap major version other than 2, or a pcapng section major version
    /// other than 1; both mean a record layout we cannot know. `offset`
    /// points at the version field.
    #[error("{format} version {major}.{minor} is not supported (expected {})", expected_major(*format))]
    BadVersion {
        format: Format,
        major: u16,
        minor: u16,
    },

    /// A pcapng block whose total length cannot be right (see
    /// [`BlockLengthProblem`]). After such a block the framing is lost, so this
    /// is fatal.
    #[error("pcapng block of type 0x{block_type:08x} has length {length}: {problem}")]
    BlockLength {
        block_type: u32,
        length: u32,
        problem: BlockLengthProblem,
    },

    /// A packet block whose captured length does not fit in the block itself.
    #[error("packet's captured length {caplen} does not fit in its block (room for {room} bytes)")]
    CaplenBeyondBlock { caplen: u32, room: u32 },

    /// A record's captured length exceeds the snapshot length of its file or
    /// interface (`snaplen`; a header value of 0 counts as 262144). Up to
    /// [`MAX_SNAPLEN`](crate::MAX_SNAPLEN) bytes the record is still returned
    /// and this is only noted in [`anomalies`](crate::CaptureReader::anomalies),
    /// as Wireshark accepts it; beyond, the record length is taken for
    /// corruption and this is fatal.
    #[error("record's captured length {caplen} exceeds the snapshot length {snaplen}")]
    RecordTooLong { caplen: u32, snaplen: u32 },

    /// A record or block larger than this reader's hard memory cap
    /// ([`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN)), even though the snapshot
    /// length allowed it. Almost certainly a corrupt length field.
    #[error("record of {length} bytes is larger than this reader's limit of {limit} bytes")]
    TooLarge { length: u64, limit: u64 },

    /// The stream ends in the middle of a header, record or block. The partial
    /// record is not returned (Wireshark does not count it either).
    #[error("last {what} cut short: needs {needed} bytes, {available} left")]
    Truncated {
        what: &'static str,
        needed: u64,
        available: u64,
    },

    /// A pcapng packet block names an interface that no interface description
    /// block of the current section defined (`defined` of them were).
    #[error(
        "packet refers to interface {interface}, but this section defines {defined} interface(s)"
    )]
    UnknownInterface { interface: u32, defined: u32 },

    /// A pcapng section describes more interfaces than this reader keeps
    /// (`limit`), which bounds the memory a hostile file can claim.
    #[error("section defines more than {limit} interfaces")]
    TooManyInterfaces { limit: u32 },

    /// An option of an interface description block runs past the block's end;
    /// the remaining options are ignored. Non-fatal: noted in
    /// [`anomalies`](crate::CaptureReader::anomalies). `offset` points at the
    /// option.
    #[error(
        "option {code} claims {length} bytes but the block has {room} left; later options ignored"
    )]
    BadOption { code: u16, length: u16, room: u32 },
}

/// Why a pcapng block's total length is impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockLengthProblem {
    /// Shorter than the fixed part of its block type (`min`; 12 for any block).
    TooShort { min: u32 },
    /// Not a multiple of 4, which every pcapng block length must be.
    NotMultipleOf4,
    /// Above [`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN).
    TooLarge { limit: u32 },
    /// The copy of the length at the end of the block differs: a block
    /// length that lies.
    TrailingMismatch { trailing: u32 },
}

impl fmt::Display for BlockLengthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min } => write!(f, "shorter than the {min} bytes of its fixed part"),
            Self::NotMultipleOf4 => f.write_str("not a multiple of 4"),
            Self::TooLarge { limit } => {
                write!(f, "larger than this reader's limit of {limit} bytes")
            }
            Self::TrailingMismatch { trailing } => {
                write!(f, "the trailing copy of the length says {trailing}")
            }
        }
    }
}

pub(crate) fn truncated(at: u64, what: &'static str, needed: usize, available: usize) -> ReadError {
    let kind = ReadErrorKind::Truncated {
        what,
        needed: needed as u64,
        available: available as u64,
    };
    ReadError::new(at, kind)
}

fn describe_start(magic: &[u8; 4], len: usize) -> String {
    if len == 0 {
        return "empty file".to_owned();
    }
    let hex: Vec<String> = magic[..len.min(4)]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let short = if len < 4 {
        format!(" (only {len} bytes)")
    } else {
        String::new()
    };
    format!(
        "starts with {}{short} (expected a pcap or pcapng magic number)",
        hex.join(" ")
    )
}

fn expected_major(format: Format) -> &'static str {
    match format {
        Format::Pcap => "2.x",
        Format::Pcapng => "1.x",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_with_the_numbers() {
        let text = ReadError::new(
            0,
            ReadErrorKind::NotACapture {
                magic: *b"<!DO",
                len: 4,
            },
        );
        assert_eq!(
            text.to_string(),
            "byte 0: not a capture file: starts with 3c 21 44 4f (expected a pcap or pcapng magic number)"
        );
        let empty = ReadErrorKind::NotACapture {
            magic: [0; 4],
            len: 0,
        };
        assert_eq!(empty.to_string(), "not a capture file: empty file");
        let short = ReadErrorKind::NotACapture {
            magic: [0xd4, 0xc3, 0, 0],
            len: 2,
        };
        assert_eq!(
            short.to_string(),
            "not a capture file: starts with d4 c3 (only 2 bytes) (expected a pcap or pcapng magic number)"
        );
        let cut = ReadError::new(
            40,
            ReadErrorKind::Truncated {
                what: "pcap record",
                needed: 76,
                available: 30,
            },
        );
        assert_eq!(
            cut.to_string(),
            "byte 40: last pcap record cut short: needs 76 bytes, 30 left"
        );
        let lies = ReadErrorKind::BlockLength {
            block_type: 6,
            length: 96,
            problem: BlockLengthProblem::TrailingMismatch { trailing: 100 },
        };
        assert_eq!(
            lies.to_string(),
            "pcapng block of type 0x00000006 has length 96: the trailing copy of the length says 100"
        );
        let version = ReadErrorKind::BadVersion {
            format: Format::Pcap,
            major: 3,
            minor: 0,
        };
        assert_eq!(
            version.to_string(),
            "pcap version 3.0 is not supported (expected 2.x)"
        );
    }
}
