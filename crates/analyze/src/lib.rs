//! Reads captures, decodes every record and rolls them up: the engine behind
//! `hirundo analyze`, and later the collector's import path.
//!
//! [`Analyzer`] owns a [`SummaryBuilder`]; [`Analyzer::add_path`] or
//! [`Analyzer::add_reader`] stream one capture through `hirundo-packet`'s
//! decoder into it, and [`Analyzer::finish`] returns an [`Analysis`]: the
//! [`Summary`] plus a [`Diagnostic`] for every problem met, each naming the
//! file and the byte offset. [`Analyzer::finish_with`] an [`Enrichment`]
//! adds countries, ASNs and research organisations, looked up once per
//! distinct source. A bad file never stops the others: what could be
//! read is counted.

mod enrichment;

use std::fmt;
use std::path::Path;

pub use enrichment::Enrichment;

use hirundo_capture::{CaptureReader, ReadError};
use hirundo_summary::{Outcome, Summary, SummaryBuilder};

/// One problem met while reading a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The path as the user gave it (`-` for standard input).
    pub path: String,
    /// Byte offset in the (decompressed) capture stream, when known.
    pub offset: Option<u64>,
    pub message: String,
    /// Whether reading this file stopped here.
    pub fatal: bool,
}

impl Diagnostic {
    fn from_read_error(path: &str, err: &ReadError, fatal: bool) -> Self {
        Diagnostic {
            path: path.to_string(),
            offset: Some(err.offset),
            message: err.kind.to_string(),
            fatal,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}: byte {}: {}", self.path, offset, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// What [`Analyzer::finish`] returns.
#[derive(Debug)]
pub struct Analysis {
    pub summary: Summary,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any file stopped early or could not be opened.
    pub fn had_fatal_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.fatal)
    }
}

/// How many non-fatal problems per file are listed one by one.
const LISTED_ANOMALIES: usize = 10;

/// How often, in records, the progress callback is called.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Streams captures into one summary.
#[derive(Default)]
pub struct Analyzer {
    builder: SummaryBuilder,
    diagnostics: Vec<Diagnostic>,
}

impl Analyzer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens `path` (`-` is standard input) and adds every record in it.
    /// `progress` is called now and then with the bytes of the capture
    /// stream consumed so far in this file.
    pub fn add_path(&mut self, path: &Path, progress: &mut dyn FnMut(u64)) {
        let label = path.display().to_string();
        match CaptureReader::open(path) {
            Ok(reader) => self.add_reader(&label, reader, progress),
            Err(err) => self
                .diagnostics
                .push(Diagnostic::from_read_error(&label, &err, true)),
        }
    }

    /// Adds every record of an open capture, listed under `label`.
    pub fn add_reader(
        &mut self,
        label: &str,
        mut reader: CaptureReader,
        progress: &mut dyn FnMut(u64),
    ) {
        let mut packets = 0u64;
        let result = loop {
            match reader.next_record() {
                Ok(Some(rec)) => {
                    let decoded = hirundo_packet::decode(rec.link, rec.data);
                    self.builder
                        .record(rec.ts_ns, rec.orig_len, Outcome::of(&decoded));
                    packets += 1;
                    if packets % PROGRESS_EVERY == 0 {
                        progress(reader.offset());
                    }
                }
                Ok(None) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        progress(reader.offset());
        // A file can hold a problem in every record; list the first few and
        // count the rest, so the one fatal line is not buried.
        let kept = reader.anomalies();
        for anomaly in kept.iter().take(LISTED_ANOMALIES) {
            self.diagnostics
                .push(Diagnostic::from_read_error(label, anomaly, false));
        }
        let unlisted = reader.anomaly_count() - kept.len().min(LISTED_ANOMALIES) as u64;
        if unlisted > 0 {
            self.diagnostics.push(Diagnostic {
                path: label.to_string(),
                offset: None,
                message: format!(
                    "{unlisted} more problems like these not listed ({} in all)",
                    reader.anomaly_count()
                ),
                fatal: false,
            });
        }
        if let Err(err) = result {
            self.diagnostics
                .push(Diagnostic::from_read_error(label, &err, true));
        }
        self.builder
            .add_file(label, reader.format().to_string(), packets);
    }

    /// The analysis with fingerprints but no countries, ASNs or research
    /// organisations.
    pub fn finish(self) -> Analysis {
        self.finish_with(None)
    }

    /// The analysis, enriched per source when `enrichment` is given.
    pub fn finish_with(self, enrichment: Option<&Enrichment>) -> Analysis {
        let attribution = enrichment.map(|e| e as &dyn hirundo_summary::Attribution);
        Analysis {
            summary: self.builder.finish_with(attribution),
            diagnostics: self.diagnostics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_capture::{ByteOrder, PcapWriter};
    use hirundo_packet::LinkType;

    /// A capture whose every record is longer than the snaplen its header
    /// claims: counted in full, reported without flooding the terminal.
    #[test]
    fn many_anomalies_are_listed_briefly_and_counted() {
        let mut writer =
            PcapWriter::new(Vec::new(), LinkType::RAW, 0, false, ByteOrder::Little).unwrap();
        let frame = [
            0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        for i in 0..25 {
            writer.write(i * 1_000, 20, &frame).unwrap();
        }
        let mut bytes = writer.finish().unwrap();
        bytes[16..20].copy_from_slice(&8u32.to_le_bytes()); // snaplen 8 < 20
        let reader = CaptureReader::new(Box::new(std::io::Cursor::new(bytes))).unwrap();
        let mut analyzer = Analyzer::new();
        analyzer.add_reader("snap.pcap", reader, &mut |_| {});
        let analysis = analyzer.finish();
        assert_eq!(analysis.summary.packets, 25);
        assert_eq!(analysis.summary.decoded, 25);
        assert_eq!(analysis.diagnostics.len(), LISTED_ANOMALIES + 1);
        assert!(!analysis.had_fatal_errors());
        assert_eq!(analysis.diagnostics[0].offset, Some(24));
        assert_eq!(
            analysis.diagnostics.last().unwrap().to_string(),
            "snap.pcap: 15 more problems like these not listed (25 in all)"
        );
    }
}
