//! The spool: a directory of finished segments waiting for the collector.
//!
//! ```text
//! SPOOL/next-seq                      the next sequence number, fsynced before use
//! SPOOL/seg-00000000000000000042.partial        being written
//! SPOOL/seg-00000000000000000041.pcap.zst       finished, waiting to ship
//! SPOOL/quarantine/seg-...pcap.zst (+ .why)     refused by the collector
//! ```
//!
//! A segment's name carries its sequence number, which is never reused:
//! the counter is written to disk before a segment with that number is
//! opened, so a restart cannot hand out a number the collector has seen.
//! Finished segments appear by rename, so the shipper never sees half a
//! file. The spool has a byte cap; what the sensor does when it is full is
//! the capture's business ([`crate::SegmentWriter`]), but the numbers it
//! decides by live here.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why the spool could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("spool {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("spool {path}: {why}")]
    Corrupt { path: PathBuf, why: String },
}

/// A finished segment in the spool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    pub seq: u64,
    pub path: PathBuf,
    pub size: u64,
}

/// The spool directory and its counters, shared by the capture and the
/// shipper.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    /// Bytes the spool may hold: finished segments plus the one being
    /// written.
    pub cap_bytes: u64,
    next_seq: AtomicU64,
    /// Bytes of finished segments now in the spool.
    finished_bytes: AtomicU64,
    quarantined: AtomicU64,
}

const FINISHED: &str = ".pcap.zst";
const PARTIAL: &str = ".partial";
const COUNTER: &str = "next-seq";
pub const QUARANTINE: &str = "quarantine";

impl Spool {
    /// Opens or creates a spool. Leftover `.partial` files (from a crash)
    /// are returned for the caller to recover or set aside.
    pub fn open(dir: &Path, cap_bytes: u64) -> Result<(Spool, Vec<PathBuf>), SpoolError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SpoolError::Io { path, source }
        };
        fs::create_dir_all(dir.join(QUARANTINE)).map_err(io_err(dir))?;
        let counter_path = dir.join(COUNTER);
        let stored = match fs::read_to_string(&counter_path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| SpoolError::Corrupt {
                path: counter_path.clone(),
                why: format!("{:?} is not a sequence number; the sensor will not guess one (fix it to one more than the highest segment the collector has)", text.trim()),
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_err(&counter_path)(e)),
        };
        let mut partials = Vec::new();
        let mut finished_bytes = 0;
        let mut highest = None;
        for entry in fs::read_dir(dir).map_err(io_err(dir))? {
            let entry = entry.map_err(io_err(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(seq) = seq_of(&name) else { continue };
            highest = highest.max(Some(seq));
            if name.ends_with(PARTIAL) {
                partials.push(entry.path());
            } else {
                finished_bytes += entry.metadata().map_err(io_err(&entry.path()))?.len();
            }
        }
        let quarantined = fs::read_dir(dir.join(QUARANTINE))
            .map_err(io_err(dir))?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(FINISHED))
            .count() as u64;
        partials.sort();
        let spool = Spool {
            dir: dir.to_path_buf(),
            cap_bytes,
            next_seq: AtomicU64::new(stored.max(highest.map_or(0, |h| h + 1))),
            finished_bytes: AtomicU64::new(finished_bytes),
            quarantined: AtomicU64::new(quarantined),
        };
        Ok((spool, partials))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Hands out the next sequence number, durably: the counter on disk is
    /// past it before it is returned.
    pub fn reserve_seq(&self) -> Result<u64, SpoolError> {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.join(COUNTER);
        let tmp = self.dir.join("next-seq.tmp");
        let result = (|| {
            let mut f = File::create(&tmp)?;
            writeln!(f, "{}", seq + 1)?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
            sync_dir(&self.dir)
        })();
        result.map_err(|source| SpoolError::Io { path, source })?;
        Ok(seq)
    }

    /// Where segment `seq` is written while open.
    pub fn partial_path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("seg-{seq:020}{PARTIAL}"))
    }

    /// Where segment `seq` is once finished.
    pub fn finished_path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("seg-{seq:020}{FINISHED}"))
    }

    /// Moves a synced partial file to its finished name and counts it.
    pub fn publish(&self, seq: u64) -> Result<Spooled, SpoolError> {
        let from = self.partial_path(seq);
        let to = self.finished_path(seq);
        let result = (|| {
            fs::rename(&from, &to)?;
            sync_dir(&self.dir)?;
            fs::metadata(&to).map(|m| m.len())
        })();
        let size = result.map_err(|source| SpoolError::Io {
            path: to.clone(),
            source,
        })?;
        self.finished_bytes.fetch_add(size, Ordering::SeqCst);
        Ok(Spooled {
            seq,
            path: to,
            size,
        })
    }

    /// Finished segments, oldest first.
    pub fn finished(&self) -> Result<Vec<Spooled>, SpoolError> {
        let mut out = Vec::new();
        let entries = fs::read_dir(&self.dir).map_err(|source| SpoolError::Io {
            path: self.dir.clone(),
            source,
        })?;
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(FINISHED) {
                continue;
            }
            if let (Some(seq), Ok(meta)) = (seq_of(&name), entry.metadata()) {
                out.push(Spooled {
                    seq,
                    path: entry.path(),
                    size: meta.len(),
                });
            }
        }
        out.sort_by_key(|s| s.seq);
        Ok(out)
    }

    /// Deletes a segment the collector acknowledged.
    pub fn remove(&self, segment: &Spooled) -> Result<(), SpoolError> {
        let result = fs::remove_file(&segment.path).and_then(|()| sync_dir(&self.dir));
        result.map_err(|source| SpoolError::Io {
            path: segment.path.clone(),
            source,
        })?;
        self.finished_bytes
            .fetch_sub(segment.size, Ordering::SeqCst);
        Ok(())
    }

    /// Moves a segment the collector refused into the quarantine folder,
    /// with the collector's words beside it. It is never deleted there.
    pub fn quarantine(&self, segment: &Spooled, why: &str) -> Result<PathBuf, SpoolError> {
        let name = segment.path.file_name().expect("spool files have names");
        let to = self.dir.join(QUARANTINE).join(name);
        let result = (|| {
            fs::write(to.with_extension("why"), format!("{why}\n"))?;
            fs::rename(&segment.path, &to)?;
            sync_dir(&self.dir)?;
            sync_dir(&self.dir.join(QUARANTINE))
        })();
        result.map_err(|source| SpoolError::Io {
            path: to.clone(),
            source,
        })?;
        self.finished_bytes
            .fetch_sub(segment.size, Ordering::SeqCst);
        self.quarantined.fetch_add(1, Ordering::SeqCst);
        Ok(to)
    }

    /// Bytes of finished segments waiting.
    pub fn finished_bytes(&self) -> u64 {
        self.finished_bytes.load(Ordering::SeqCst)
    }

    /// Segments in quarantine.
    pub fn quarantined(&self) -> u64 {
        self.quarantined.load(Ordering::SeqCst)
    }
}

/// The sequence number in a spool file name, `seg-<20 digits>.<ext>`.
fn seq_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("seg-")?.get(..20)?;
    let rest = &name[4 + 20..];
    (rest == FINISHED || rest == PARTIAL)
        .then(|| digits.parse().ok())
        .flatten()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_survive_a_restart_and_are_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, partials) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert!(partials.is_empty());
        assert_eq!(spool.reserve_seq().unwrap(), 0);
        assert_eq!(spool.reserve_seq().unwrap(), 1);
        drop(spool);
        let (spool, _) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(spool.reserve_seq().unwrap(), 2);
    }

    #[test]
    fn a_file_beyond_the_counter_moves_the_counter_past_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(format!("seg-{:020}.pcap.zst", 7)), b"x").unwrap();
        let (spool, _) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(spool.reserve_seq().unwrap(), 8);
        assert_eq!(spool.finished_bytes(), 1);
    }

    #[test]
    fn publish_list_remove_and_quarantine_keep_the_byte_count() {
        let dir = tempfile::tempdir().unwrap();
        let (spool, _) = Spool::open(dir.path(), 1 << 20).unwrap();
        for _ in 0..3 {
            let seq = spool.reserve_seq().unwrap();
            fs::write(spool.partial_path(seq), vec![0u8; 100 + seq as usize]).unwrap();
            spool.publish(seq).unwrap();
        }
        assert_eq!(spool.finished_bytes(), 303);
        let list = spool.finished().unwrap();
        assert_eq!(list.iter().map(|s| s.seq).collect::<Vec<_>>(), [0, 1, 2]);
        spool.remove(&list[0]).unwrap();
        let kept = spool.quarantine(&list[1], "422: not a capture").unwrap();
        assert!(kept.exists());
        assert_eq!(
            fs::read_to_string(kept.with_extension("why")).unwrap(),
            "422: not a capture\n"
        );
        assert_eq!(spool.finished_bytes(), 102);
        assert_eq!(spool.quarantined(), 1);
        assert_eq!(spool.finished().unwrap().len(), 1);
        let (reopened, _) = Spool::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(reopened.quarantined(), 1);
        assert_eq!(reopened.finished_bytes(), 102);
    }

    #[test]
    fn a_damaged_counter_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("next-seq"), "banana").unwrap();
        let err = Spool::open(dir.path(), 1).unwrap_err().to_string();
        assert!(err.contains("next-seq") && err.contains("banana"), "{err}");
    }

    #[test]
    fn partials_are_handed_back() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(format!("seg-{:020}.partial", 4)), b"x").unwrap();
        let (spool, partials) = Spool::open(dir.path(), 1).unwrap();
        assert_eq!(partials.len(), 1);
        assert_eq!(spool.reserve_seq().unwrap(), 5);
    }
}
