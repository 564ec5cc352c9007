//! The two sources a sensor spools from: a live interface through the
//! AF_PACKET ring, and a capture file replayed as if it were live.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hirundo_afpacket::{Ring, RingError};
use hirundo_capture::{CaptureReader, ReadError};
use hirundo_packet::LinkType;

use crate::spool::SpoolError;
use crate::writer::{CaptureCounters, SegmentWriter};

/// Why capture stopped early.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Ring(#[from] RingError),
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("{path}: {source}")]
    Read { path: String, source: ReadError },
}

/// How often the kernel's counters are read into the health report.
const STATS_EVERY: Duration = Duration::from_secs(1);

/// Spools everything the ring delivers until `stop` is set, then closes
/// the open segment.
pub fn capture_live(
    ring: &mut Ring,
    writer: &mut SegmentWriter,
    counters: &CaptureCounters,
    stop: &AtomicBool,
) -> Result<(), CaptureError> {
    let link = LinkType(ring.link_type());
    let mut last_stats = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut failed = None;
        ring.next_block(Duration::from_millis(100), &mut |p| {
            if failed.is_none() {
                failed = writer.write(link, p.ts_ns, p.wire_len, p.data).err();
            }
        })?;
        if let Some(err) = failed {
            return Err(err.into());
        }
        writer.rotate_if_due()?;
        if last_stats.elapsed() >= STATS_EVERY {
            read_stats(ring, counters)?;
            last_stats = Instant::now();
        }
    }
    // Whatever the ring still holds was captured: drain it before closing.
    loop {
        let mut failed = None;
        let n = ring.next_block(Duration::ZERO, &mut |p| {
            if failed.is_none() {
                failed = writer.write(link, p.ts_ns, p.wire_len, p.data).err();
            }
        })?;
        if let Some(err) = failed {
            return Err(err.into());
        }
        if n == 0 {
            break;
        }
    }
    read_stats(ring, counters)?;
    writer.finish()?;
    Ok(())
}

fn read_stats(ring: &mut Ring, counters: &CaptureCounters) -> Result<(), RingError> {
    let stats = ring.stats()?;
    counters
        .kernel_packets
        .store(stats.packets, Ordering::Relaxed);
    counters.kernel_drops.store(stats.drops, Ordering::Relaxed);
    Ok(())
}

/// Spools every record of a capture file, as a sensor would have, and
/// closes the last segment. Returns the records read.
pub fn replay(
    path: &Path,
    writer: &mut SegmentWriter,
    stop: &AtomicBool,
) -> Result<u64, CaptureError> {
    let label = path.display().to_string();
    let read_err = |source| CaptureError::Read {
        path: label.clone(),
        source,
    };
    let mut reader = if path == Path::new("-") {
        CaptureReader::new(Box::new(std::io::stdin()))
    } else {
        CaptureReader::open(path)
    }
    .map_err(read_err)?;
    let mut records = 0u64;
    while let Some(rec) = reader.next_record().map_err(read_err)? {
        writer.write(rec.link, rec.ts_ns, rec.orig_len, rec.data)?;
        records += 1;
        if records % 65_536 == 0 && stop.load(Ordering::Relaxed) {
            break;
        }
    }
    writer.finish()?;
    Ok(records)
}
