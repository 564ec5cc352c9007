//! Reads captures, decodes every record and rolls them up: the engine behind
//! `hirundo analyze`, and later the collector's import path.
//!
//! [`Analyzer`] owns a [`SummaryBuilder`]; [`Analyzer::add_path`] or
//! [`Analyzer::add_reader`] stream one capture through `hirundo-packet`'s
//! decoder into it, and [`Analyzer::finish`] returns an [`Analysis`]: the
//! [`Summary`] plus a [`Diagnostic`] for every problem met, each naming the
//! file and the byte offset. A bad file never stops the others: what could be
//! read is counted.

use std::fmt;
use std::path::Path;

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
        for anomaly in reader.anomalies() {
            self.diagnostics
                .push(Diagnostic::from_read_error(label, anomaly, false));
        }
        if let Err(err) = result {
            self.diagnostics
                .push(Diagnostic::from_read_error(label, &err, true));
        }
        self.builder
            .add_file(label, reader.format().to_string(), packets);
    }

    pub fn finish(self) -> Analysis {
        Analysis {
            summary: self.builder.finish(),
            diagnostics: self.diagnostics,
        }
    }
}
