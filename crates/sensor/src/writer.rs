//! Writes captured packets into rotated, zstd-compressed pcap segments in
//! the spool, and applies the full-spool policy.
//!
//! **When the spool is full** (finished segments plus the open one reach
//! the cap), the sensor keeps everything already spooled, closes the open
//! segment, and pauses: packets that arrive while paused are not written,
//! and each one is counted in `not_captured`, which goes to the collector
//! with every upload. Capture resumes once shipping has brought the spool
//! under 90% of the cap. Loss is therefore never silent, and never of data
//! already on disk.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hirundo_capture::{ByteOrder, CaptureReader, PcapWriter};
use hirundo_packet::LinkType;

use crate::spool::{Spool, SpoolError, Spooled};

/// How segments are cut.
#[derive(Debug, Clone)]
pub struct SegmentConfig {
    /// Rotate after this many bytes of pcap (before compression).
    /// Default 64 MiB.
    pub max_bytes: u64,
    /// Rotate a segment this old even if small, so a quiet sensor still
    /// reports promptly. Default 60 s.
    pub max_age: Duration,
    /// Longest packet kept; longer ones keep their wire length. Default
    /// 262,144.
    pub snaplen: u32,
    /// zstd level. Default 1: the sensor's CPU is for capture.
    pub zstd_level: i32,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            max_bytes: 64 << 20,
            max_age: Duration::from_secs(60),
            snaplen: 262_144,
            zstd_level: 1,
        }
    }
}

/// Counters the capture keeps and the shipper reports.
#[derive(Debug, Default)]
pub struct CaptureCounters {
    /// Packets written into segments.
    pub captured: AtomicU64,
    /// Packets seen but not written because the spool was full.
    pub not_captured: AtomicU64,
    /// Times capture paused for a full spool.
    pub pauses: AtomicU64,
    pub paused: AtomicBool,
    /// The kernel ring's own counters (live capture only).
    pub kernel_packets: AtomicU64,
    pub kernel_drops: AtomicU64,
}

type Compressed = zstd::Encoder<'static, BufWriter<File>>;

struct OpenSegment {
    seq: u64,
    link: LinkType,
    pcap: PcapWriter<Compressed>,
    /// pcap bytes written, before compression.
    bytes: u64,
    opened: Instant,
}

/// Appends packets to the spool's open segment.
pub struct SegmentWriter {
    spool: Arc<Spool>,
    config: SegmentConfig,
    counters: Arc<CaptureCounters>,
    open: Option<OpenSegment>,
}

/// Record header size in a pcap file.
const RECORD_HEADER: u64 = 16;

impl SegmentWriter {
    pub fn new(spool: Arc<Spool>, config: SegmentConfig, counters: Arc<CaptureCounters>) -> Self {
        SegmentWriter {
            spool,
            config,
            counters,
            open: None,
        }
    }

    /// Writes one packet, or counts it as not captured while the spool is
    /// full. Returns whether it was written.
    pub fn write(
        &mut self,
        link: LinkType,
        ts_ns: i64,
        wire_len: u32,
        data: &[u8],
    ) -> Result<bool, SpoolError> {
        let kept = data.len().min(self.config.snaplen as usize) as u64;
        if self.spool_full(RECORD_HEADER + kept)? {
            self.counters.not_captured.fetch_add(1, Ordering::Relaxed);
            return Ok(false);
        }
        let must_rotate = self.open.as_ref().is_some_and(|s| {
            s.link != link || s.bytes + RECORD_HEADER + kept > self.config.max_bytes
        });
        if must_rotate {
            self.finish()?;
        }
        if self.open.is_none() {
            self.open = Some(self.start(link)?);
        }
        let segment = self.open.as_mut().expect("opened above");
        let path = self.spool.partial_path(segment.seq);
        segment
            .pcap
            .write(ts_ns, wire_len, data)
            .map_err(|source| SpoolError::Io { path, source })?;
        segment.bytes += RECORD_HEADER + kept;
        self.counters.captured.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Decides the full-spool policy for a record of `len` bytes. The open
    /// segment counts at its uncompressed size, an upper bound: when the
    /// record would not fit beside it, the segment is closed, and what it
    /// really takes is known. Capture pauses only if the spool is full even
    /// then, and resumes under 90% of the cap.
    fn spool_full(&mut self, len: u64) -> Result<bool, SpoolError> {
        let cap = self.spool.cap_bytes;
        if self.counters.paused.load(Ordering::Relaxed) {
            if self.spool.finished_bytes() + len < cap / 10 * 9 {
                self.counters.paused.store(false, Ordering::Relaxed);
                return Ok(false);
            }
            return Ok(true);
        }
        let open = self.open.as_ref().map_or(0, |s| s.bytes);
        if self.spool.finished_bytes() + open + len <= cap {
            return Ok(false);
        }
        self.finish()?;
        if self.spool.finished_bytes() + len <= cap {
            return Ok(false);
        }
        self.counters.paused.store(true, Ordering::Relaxed);
        self.counters.pauses.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }

    /// Closes the open segment when it is older than the configured age.
    pub fn rotate_if_due(&mut self) -> Result<Option<Spooled>, SpoolError> {
        if self
            .open
            .as_ref()
            .is_some_and(|s| s.opened.elapsed() >= self.config.max_age)
        {
            return self.finish();
        }
        Ok(None)
    }

    /// Closes the open segment, if any: compressed stream ended, file
    /// synced, renamed to its finished name.
    pub fn finish(&mut self) -> Result<Option<Spooled>, SpoolError> {
        let Some(segment) = self.open.take() else {
            return Ok(None);
        };
        let path = self.spool.partial_path(segment.seq);
        let closed = (|| {
            let encoder = segment.pcap.finish()?;
            let file = encoder.finish()?.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()
        })();
        closed.map_err(|source| SpoolError::Io { path, source })?;
        self.spool.publish(segment.seq).map(Some)
    }

    fn start(&self, link: LinkType) -> Result<OpenSegment, SpoolError> {
        let seq = self.spool.reserve_seq()?;
        let path = self.spool.partial_path(seq);
        let opened = (|| {
            let file = BufWriter::with_capacity(1 << 20, File::create(&path)?);
            let encoder = zstd::Encoder::new(file, self.config.zstd_level)?;
            PcapWriter::new(encoder, link, self.config.snaplen, true, ByteOrder::Little)
        })();
        let pcap = opened.map_err(|source| SpoolError::Io { path, source })?;
        Ok(OpenSegment {
            seq,
            link,
            pcap,
            bytes: 24,
            opened: Instant::now(),
        })
    }
}

impl Drop for SegmentWriter {
    /// A writer dropped with a segment open (the capture stopped) still
    /// publishes what it holds.
    fn drop(&mut self) {
        if let Err(err) = self.finish() {
            eprintln!("hirundo sensor: closing the open segment: {err}");
        }
    }
}

/// Salvages a segment left half-written by a crash: every record that can
/// still be read is written into a whole segment under the same sequence
/// number and published; the damaged file is removed. Returns the packets
/// recovered.
pub fn recover_partial(spool: &Arc<Spool>, partial: &Path) -> Result<u64, SpoolError> {
    let name = partial
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let seq = name
        .as_deref()
        .and_then(|n| n.strip_prefix("seg-"))
        .and_then(|n| n.get(..20))
        .and_then(|d| d.parse::<u64>().ok())
        .ok_or_else(|| SpoolError::Corrupt {
            path: partial.to_path_buf(),
            why: "not a spool segment name".into(),
        })?;
    let io_err = |source| SpoolError::Io {
        path: partial.to_path_buf(),
        source,
    };
    let salvage = partial.with_extension("salvage");
    let mut packets = 0u64;
    let readable = File::open(partial)
        .map_err(io_err)
        .map(|f| CaptureReader::new(Box::new(f)));
    if let Ok(Ok(mut reader)) = readable {
        let mut out: Option<PcapWriter<Compressed>> = None;
        // Stops at the first record that cannot be read: the crash point.
        while let Ok(Some(rec)) = reader.next_record() {
            if out.is_none() {
                let file = BufWriter::new(File::create(&salvage).map_err(io_err)?);
                let encoder = zstd::Encoder::new(file, 1).map_err(io_err)?;
                out = Some(
                    PcapWriter::new(encoder, rec.link, 262_144, true, ByteOrder::Little)
                        .map_err(io_err)?,
                );
            }
            let pcap = out.as_mut().expect("opened above");
            pcap.write(rec.ts_ns, rec.orig_len, rec.data)
                .map_err(io_err)?;
            packets += 1;
        }
        if let Some(pcap) = out {
            let file = pcap
                .finish()
                .and_then(|e| e.finish())
                .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
                .map_err(io_err)?;
            file.sync_all().map_err(io_err)?;
        }
    }
    if packets == 0 {
        fs::remove_file(partial).map_err(io_err)?;
        return Ok(0);
    }
    fs::rename(&salvage, spool.partial_path(seq)).map_err(io_err)?;
    spool.publish(seq)?;
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: u32) -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[12] = 0x08;
        f[14] = 0x45;
        f[16..20].copy_from_slice(&i.to_be_bytes());
        f
    }

    fn count(path: &Path) -> u64 {
        let mut reader = CaptureReader::open(path).unwrap();
        let mut n = 0;
        while reader.next_record().unwrap().is_some() {
            n += 1;
        }
        n
    }

    fn writer(
        dir: &Path,
        cap: u64,
        max_bytes: u64,
    ) -> (Arc<Spool>, SegmentWriter, Arc<CaptureCounters>) {
        let (spool, _) = Spool::open(dir, cap).unwrap();
        let spool = Arc::new(spool);
        let counters = Arc::new(CaptureCounters::default());
        let config = SegmentConfig {
            max_bytes,
            ..SegmentConfig::default()
        };
        let w = SegmentWriter::new(spool.clone(), config, counters.clone());
        (spool, w, counters)
    }

    #[test]
    fn rotates_by_size_and_every_packet_lands_in_exactly_one_segment() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, mut w, counters) = writer(dir.path(), 1 << 30, 10_000);
        for i in 0..1_000 {
            assert!(w
                .write(
                    LinkType::ETHERNET,
                    1_000_000_000 + i64::from(i),
                    60,
                    &frame(i)
                )
                .unwrap());
        }
        w.finish().unwrap();
        let segments = spool.finished().unwrap();
        assert!(segments.len() >= 7, "{} segments", segments.len());
        let total: u64 = segments.iter().map(|s| count(&s.path)).sum();
        assert_eq!(total, 1_000);
        assert_eq!(counters.captured.load(Ordering::Relaxed), 1_000);
        let seqs: Vec<u64> = segments.iter().map(|s| s.seq).collect();
        assert_eq!(seqs, (0..segments.len() as u64).collect::<Vec<_>>());
    }

    #[test]
    fn a_full_spool_pauses_counts_what_it_missed_and_resumes_after_shipping() {
        let dir = tempfile::tempdir().unwrap();
        // Segments of ~2 kB uncompressed; the cap holds a few compressed ones.
        let (spool, mut w, counters) = writer(dir.path(), 3_000, 2_000);
        let mut written = 0u64;
        let mut i = 0u32;
        while !counters.paused.load(Ordering::Relaxed) {
            written += u64::from(
                w.write(LinkType::ETHERNET, 1_000_000_000, 60, &frame(i))
                    .unwrap(),
            );
            i += 1;
            assert!(i < 100_000, "never paused");
        }
        for j in 0..50 {
            assert!(!w
                .write(LinkType::ETHERNET, 1_000_000_000, 60, &frame(j))
                .unwrap());
        }
        assert_eq!(counters.not_captured.load(Ordering::Relaxed), 51);
        assert_eq!(counters.pauses.load(Ordering::Relaxed), 1);
        // Nothing spooled was lost.
        let spooled: u64 = spool
            .finished()
            .unwrap()
            .iter()
            .map(|s| count(&s.path))
            .sum();
        assert_eq!(spooled, written);
        // The shipper empties the spool; capture resumes.
        for s in spool.finished().unwrap() {
            spool.remove(&s).unwrap();
        }
        assert!(w
            .write(LinkType::ETHERNET, 1_000_000_000, 60, &frame(0))
            .unwrap());
        assert!(!counters.paused.load(Ordering::Relaxed));
    }

    #[test]
    fn a_crashed_segment_is_salvaged_up_to_the_crash() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, mut w, _) = writer(dir.path(), 1 << 30, 1 << 30);
        for i in 0..5_000 {
            w.write(LinkType::ETHERNET, 1_000_000_000, 60, &frame(i))
                .unwrap();
        }
        w.finish().unwrap();
        let whole = spool.finished().unwrap().remove(0);
        // Cut the finished file in half and call it a partial, as a crash
        // mid-segment would leave it.
        let bytes = fs::read(&whole.path).unwrap();
        spool.remove(&whole).unwrap();
        let partial = spool.partial_path(whole.seq);
        fs::write(&partial, &bytes[..bytes.len() / 2]).unwrap();
        drop(w);
        let recovered = recover_partial(&spool, &partial).unwrap();
        assert!(recovered > 1_000 && recovered < 5_000, "{recovered}");
        let segments = spool.finished().unwrap();
        assert_eq!(segments.len(), 1);
        assert_eq!(count(&segments[0].path), recovered);
        assert!(!partial.exists());
    }
}
