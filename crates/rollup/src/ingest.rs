use std::io::Read;

use hirundo_capture::{CaptureReader, Compression, Format, ReadError};
use hirundo_summary::{Attribution, Outcome};

use crate::{Rollup, RollupBuilder};

/// Why a segment could not be rolled up. Nothing of it is kept: a segment
/// is taken whole or not at all.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The bytes are not a whole pcap or pcapng capture (not a capture at
    /// all, cut short, or broken at the given byte).
    #[error("not a whole capture: {0}")]
    Capture(#[from] ReadError),
    /// More records than the caller allows in one segment.
    #[error("more than {limit} records in one segment; rotate segments sooner")]
    TooManyRecords { limit: u64 },
}

/// A segment rolled up.
#[derive(Debug)]
pub struct Ingested {
    pub rollup: Rollup,
    pub format: Format,
    pub compression: Compression,
    /// Problems the reader worked around (a record longer than the
    /// snapshot length, say); the records still count.
    pub anomalies: u64,
}

/// Reads a whole capture (pcap or pcapng, plain, gzip or zstd) and rolls
/// it up: the one path `hirundo import` and a sensor's upload share.
///
/// The roll-up's memory grows with the segment's distinct sources, and a
/// small compressed body can hold millions of records from as many spoofed
/// addresses; `max_records` bounds it (`u64::MAX` for none).
pub fn rollup_capture(
    input: Box<dyn Read + Send>,
    attribution: Option<&dyn Attribution>,
    max_records: u64,
) -> Result<Ingested, IngestError> {
    let mut reader = CaptureReader::new(input)?;
    let mut builder = RollupBuilder::new(attribution);
    while let Some(rec) = reader.next_record()? {
        if builder.packets() >= max_records {
            return Err(IngestError::TooManyRecords { limit: max_records });
        }
        let decoded = hirundo_packet::decode(rec.link, rec.data);
        builder.record(rec.ts_ns, rec.orig_len, Outcome::of(&decoded));
    }
    Ok(Ingested {
        format: reader.format(),
        compression: reader.compression(),
        anomalies: reader.anomaly_count(),
        rollup: builder.finish(),
    })
}
