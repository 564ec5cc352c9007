use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::input::{decompressed, ChunkedInput};
use crate::pcap::PcapReader;
use crate::pcapng::PcapngReader;
use crate::{ReadError, ReadErrorKind, Record, MAX_SNAPLEN};

/// The container format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Pcap,
    Pcapng,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Pcap => "pcap",
            Format::Pcapng => "pcapng",
        })
    }
}

/// The compression a capture stream was found to have, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression a stream starting with `head` has, by its magic
    /// number: what the reader decompresses, and the collector names its
    /// archive by.
    pub fn of(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

/// How many non-fatal problems [`CaptureReader::anomalies`] keeps; the rest
/// are only counted, so a file where every record is odd cannot grow memory.
pub const MAX_KEPT_ANOMALIES: usize = 1000;

/// Non-fatal problems, kept up to [`MAX_KEPT_ANOMALIES`] and counted beyond.
#[derive(Default)]
pub(crate) struct Anomalies {
    kept: Vec<ReadError>,
    total: u64,
}

impl Anomalies {
    #[cold]
    pub(crate) fn push(&mut self, err: ReadError) {
        self.total += 1;
        if self.kept.len() < MAX_KEPT_ANOMALIES {
            self.kept.push(err);
        }
    }

    /// A record longer than its snaplen: noted if Wireshark would still read
    /// it, fatal beyond [`MAX_SNAPLEN`] where the length is more likely
    /// corruption than a packet.
    #[cold]
    pub(crate) fn record_too_long(
        &mut self,
        at: u64,
        caplen: u32,
        snaplen: u32,
    ) -> Result<(), ReadError> {
        let err = ReadError::new(at, ReadErrorKind::RecordTooLong { caplen, snaplen });
        if caplen > MAX_SNAPLEN {
            return Err(err);
        }
        self.push(err);
        Ok(())
    }
}

/// The two format readers behind one `match`: cheaper than a virtual call
/// per record, and both parse in place in the same [`ChunkedInput`].
enum FormatReader {
    Pcap(PcapReader),
    Pcapng(PcapngReader),
}

/// A streaming reader of pcap and pcapng files, plain, gzip or zstd.
///
/// Memory stays at one 1 MiB buffer (more only while a record larger than
/// that is read, up to [`MAX_RECORD_LEN`](crate::MAX_RECORD_LEN)) whatever
/// the file size; records are returned as slices of that buffer.
///
/// ```no_run
/// # use hirundo_capture::CaptureReader;
/// let mut reader = CaptureReader::open("trace.pcap.gz".as_ref())?;
/// let mut bytes = 0u64;
/// while let Some(record) = reader.next_record()? {
///     bytes += u64::from(record.orig_len);
/// }
/// # Ok::<(), hirundo_capture::ReadError>(())
/// ```
pub struct CaptureReader {
    input: ChunkedInput,
    format: FormatReader,
    compression: Compression,
    anomalies: Anomalies,
    finished: bool,
}

impl CaptureReader {
    /// Opens a file; the path `-` means standard input.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        if path == Path::new("-") {
            return Self::new(Box::new(io::stdin()));
        }
        let file = File::open(path).map_err(|e| ReadError::io(0, e))?;
        Self::new(Box::new(file))
    }

    /// Reads any byte stream: gzip and zstd are recognised by their magic
    /// numbers, then pcap and pcapng by theirs. The file header (pcap) or the
    /// first section header (pcapng) is read and checked here.
    pub fn new(input: Box<dyn Read + Send>) -> Result<Self, ReadError> {
        let (src, compression) = decompressed(input)?;
        let mut input = ChunkedInput::new(src);
        let available = input.ensure(4).map_err(|e| ReadError::io(0, e))?;
        let mut magic = [0u8; 4];
        let len = available.min(4);
        magic[..len].copy_from_slice(&input.window()[..len]);
        let not_a_capture = ReadError::new(0, ReadErrorKind::NotACapture { magic, len });
        if len < 4 {
            return Err(not_a_capture);
        }
        let format = match magic {
            m if PcapReader::recognises(m) => FormatReader::Pcap(PcapReader::start(&mut input)?),
            m if PcapngReader::recognises(m) => {
                FormatReader::Pcapng(PcapngReader::start(&mut input)?)
            }
            [0xa1, 0xb2, 0xcd, 0x34] | [0x34, 0xcd, 0xb2, 0xa1] => {
                return Err(ReadError::new(
                    0,
                    ReadErrorKind::Unsupported {
                        what: "Kuznetzov's modified pcap (convert it with editcap -F pcap)",
                    },
                ))
            }
            _ => return Err(not_a_capture),
        };
        Ok(CaptureReader {
            input,
            format,
            compression,
            anomalies: Anomalies::default(),
            finished: false,
        })
    }

    pub fn format(&self) -> Format {
        match self.format {
            FormatReader::Pcap(_) => Format::Pcap,
            FormatReader::Pcapng(_) => Format::Pcapng,
        }
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The next record, `Ok(None)` at a clean end. After an error the reader
    /// is finished: later calls return `Ok(None)`.
    #[inline]
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, ReadError> {
        if self.finished {
            return Ok(None);
        }
        let next = match &mut self.format {
            FormatReader::Pcap(r) => r.next(&mut self.input, &mut self.anomalies),
            FormatReader::Pcapng(r) => r.next(&mut self.input, &mut self.anomalies),
        };
        match next {
            Ok(Some(record)) => Ok(Some(record)),
            Ok(None) => {
                self.finished = true;
                Ok(None)
            }
            Err(e) => {
                self.finished = true;
                Err(e)
            }
        }
    }

    /// Bytes of the (decompressed) capture stream consumed so far.
    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Non-fatal problems met so far, the first [`MAX_KEPT_ANOMALIES`] of them.
    pub fn anomalies(&self) -> &[ReadError] {
        &self.anomalies.kept
    }

    /// How many non-fatal problems were met, including those not kept.
    pub fn anomaly_count(&self) -> u64 {
        self.anomalies.total
    }
}

impl fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureReader")
            .field("format", &self.format())
            .field("compression", &self.compression)
            .field("offset", &self.offset())
            .field("anomalies", &self.anomalies.total)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_can_move_to_another_thread() {
        fn send<T: Send>() {}
        send::<CaptureReader>();
    }

    #[test]
    fn anomalies_beyond_the_cap_are_counted_not_kept() {
        let mut anomalies = Anomalies::default();
        for i in 0..MAX_KEPT_ANOMALIES as u32 + 5 {
            anomalies.record_too_long(u64::from(i), 10, 5).unwrap();
        }
        assert_eq!(
            (anomalies.kept.len(), anomalies.total),
            (MAX_KEPT_ANOMALIES, 1005)
        );
        let fatal = anomalies
            .record_too_long(7, MAX_SNAPLEN + 1, 5)
            .unwrap_err();
        assert_eq!(fatal.offset, 7);
        assert_eq!(anomalies.total, 1005, "a fatal one is returned, not noted");
    }
}
