//! The ingest path every segment takes, whether a sensor uploaded it or
//! `hirundo import` read it from disk: verify, archive, roll up, commit.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use hirundo_analyze::Enrichment;
use hirundo_capture::Compression;
use hirundo_rollup::{rollup_capture, IngestError, Rollup};
use hirundo_store::{Committed, NewSegment, Sensor, SqliteStore, Store, StoreError};
use hirundo_summary::Attribution;
use sha2::{Digest, Sha256};

use hirundo_wire::hex;

/// The largest segment body the collector takes by default. Sensors rotate
/// at 64 MiB of pcap before compression, so their segments are always
/// smaller; the limit bounds the memory an upload can hold.
pub const DEFAULT_MAX_SEGMENT_BYTES: usize = 80 << 20;

/// The most records an uploaded segment may hold. A sensor's 64 MiB
/// segment holds at most about 1.4 million (64-byte frames); the limit
/// keeps a small, highly compressible body of spoofed sources from
/// inflating the roll-up's per-source tables.
pub const MAX_SEGMENT_RECORDS: u64 = 4_000_000;

/// What the collector needs at hand for every segment.
pub struct Collector {
    data: PathBuf,
    store: Arc<dyn Store>,
    enrichment: Option<Enrichment>,
    /// Largest accepted upload body, in bytes.
    pub max_segment_bytes: usize,
}

/// Why a segment was not taken. Each maps to one HTTP status and one
/// `reason` in the rejection counters.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// The body's SHA-256 is not the one the sensor declared.
    #[error("the body's SHA-256 is {actual}, not the declared {declared}")]
    DigestMismatch { declared: String, actual: String },
    /// The body is not a whole capture.
    #[error("segment {seq}: {source}")]
    NotACapture { seq: u64, source: IngestError },
    /// The sensor already sent a different segment under this number.
    #[error("segment {seq} was stored before with SHA-256 {stored}; this one is {sent}")]
    Conflict {
        seq: u64,
        stored: String,
        sent: String,
    },
    /// Writing the archive failed (disk full, permissions).
    #[error("cannot archive {path}: {source}")]
    Archive { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SegmentError {
    /// The fixed name counted in the rejection table.
    pub fn reason(&self) -> &'static str {
        match self {
            SegmentError::DigestMismatch { .. } => "digest_mismatch",
            SegmentError::NotACapture {
                source: IngestError::TooManyRecords { .. },
                ..
            } => "too_many_records",
            SegmentError::NotACapture { .. } => "not_a_capture",
            SegmentError::Conflict { .. } => "sequence_conflict",
            SegmentError::Archive { .. } => "archive_failed",
            SegmentError::Store(_) => "store_failed",
        }
    }
}

/// What happened to an accepted segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// Stored and counted now.
    New { packets: u64 },
    /// Stored before with the same content; counted then, not now.
    Duplicate,
}

impl Collector {
    /// Opens (or creates) the data directory's store and archive.
    pub fn open(data: &Path, enrichment: Option<Enrichment>) -> Result<Collector, StoreError> {
        fs::create_dir_all(data.join("archive")).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create {}: {e}",
                data.join("archive").display()
            ))
        })?;
        let store = SqliteStore::open(&data.join(Self::DATABASE))?;
        Ok(Collector::new(data, Arc::new(store), enrichment))
    }

    /// A collector over any [`Store`] (ClickHouse, say), archiving under
    /// `data`.
    pub fn new(data: &Path, store: Arc<dyn Store>, enrichment: Option<Enrichment>) -> Collector {
        Collector {
            data: data.to_path_buf(),
            store,
            enrichment,
            max_segment_bytes: DEFAULT_MAX_SEGMENT_BYTES,
        }
    }

    /// The database file inside the data directory.
    pub const DATABASE: &'static str = "hirundo.db";

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The geo, ASN and research-scanner data segments are enriched with
    /// (`None` when the collector runs without).
    pub fn enrichment(&self) -> Option<&Enrichment> {
        self.enrichment.as_ref()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    fn attribution(&self) -> Option<&dyn Attribution> {
        self.enrichment.as_ref().map(|e| e as &dyn Attribution)
    }

    /// Takes one uploaded segment: checks its digest, skips it if already
    /// stored, rolls it up, archives it and commits it. Blocking.
    pub fn ingest_upload(
        &self,
        sensor: &Sensor,
        seq: u64,
        declared_sha256: [u8; 32],
        body: Bytes,
    ) -> Result<Accepted, SegmentError> {
        let started = Instant::now();
        let actual: [u8; 32] = Sha256::digest(&body).into();
        if actual != declared_sha256 {
            return Err(SegmentError::DigestMismatch {
                declared: hex(&declared_sha256),
                actual: hex(&actual),
            });
        }
        // A retry of a segment already stored is the common case after an
        // outage; answer it without reading the capture again.
        if let Some(stored) = self.store.segment(sensor.id, seq)? {
            return if stored.sha256 == actual {
                Ok(Accepted::Duplicate)
            } else {
                Err(SegmentError::Conflict {
                    seq,
                    stored: hex(&stored.sha256),
                    sent: hex(&actual),
                })
            };
        }
        let size = body.len() as u64;
        let digested = started.elapsed();
        // The archive is written (and synced, the slow part) while the
        // segment is rolled up; it gets its final name only if the roll-up
        // succeeds.
        let compression = Compression::of(&body);
        let archive = self.archive_path(sensor, seq, compression);
        let (ingested, staged) = std::thread::scope(|scope| {
            let staging = scope.spawn(|| {
                self.stage_archive(&archive, &mut |out| match compression {
                    Compression::None => {
                        let mut enc = zstd::Encoder::new(out, 3)?;
                        enc.write_all(&body)?;
                        enc.finish().map(drop)
                    }
                    _ => out.write_all(&body),
                })
            });
            let ingested = rollup_capture(
                Box::new(io::Cursor::new(body.clone())),
                self.attribution(),
                MAX_SEGMENT_RECORDS,
            );
            (
                ingested,
                staging.join().expect("the archive thread does not panic"),
            )
        });
        let ingested = ingested.map_err(|source| SegmentError::NotACapture { seq, source })?;
        let rolled = started.elapsed();
        staged?.publish()?;
        let accepted = self.commit(sensor, seq, actual, size, archive, &ingested.rollup)?;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        eprintln!(
            "hirundo serve: {}/{seq}: {} packets, {} bytes: digest {:.0} ms, roll-up and archive {:.0} ms, commit {:.0} ms",
            sensor.name,
            ingested.rollup.packets,
            size,
            ms(digested),
            ms(rolled - digested),
            ms(started.elapsed() - rolled),
        );
        Ok(accepted)
    }

    /// Imports a capture file as the next segment of `sensor`, through the
    /// same roll-up and commit as an upload. The file is archived
    /// compressed. Importing the same bytes again is a duplicate.
    pub fn import(&self, sensor: &Sensor, path: &Path) -> Result<(u64, Accepted), ImportError> {
        let io_err = |source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        };
        // First pass: the file's digest, which identifies it.
        let mut hasher = Sha256::new();
        io::copy(&mut File::open(path).map_err(io_err)?, &mut hasher).map_err(io_err)?;
        let sha: [u8; 32] = hasher.finalize().into();
        let segments = self.store.segments(Some(sensor.id))?;
        if let Some(seen) = segments.iter().find(|s| s.sha256 == sha) {
            return Ok((seen.seq, Accepted::Duplicate));
        }
        let seq = segments.iter().map(|s| s.seq + 1).max().unwrap_or(0);
        let size = fs::metadata(path).map_err(io_err)?.len();
        // The operator's own file: no record limit.
        let ingested = rollup_capture(
            Box::new(File::open(path).map_err(io_err)?),
            self.attribution(),
            u64::MAX,
        )
        .map_err(|source| ImportError::Segment(SegmentError::NotACapture { seq, source }))?;
        let archive = self.archive_path(sensor, seq, ingested.compression);
        let compress = ingested.compression == Compression::None;
        let staged = self.stage_archive(&archive, &mut |out| {
            let mut input = File::open(path)?;
            if compress {
                let mut enc = zstd::Encoder::new(out, 3)?;
                io::copy(&mut input, &mut enc)?;
                enc.finish().map(drop)
            } else {
                io::copy(&mut input, out).map(drop)
            }
        })?;
        staged.publish()?;
        let accepted = self.commit(sensor, seq, sha, size, archive, &ingested.rollup)?;
        Ok((seq, accepted))
    }

    fn commit(
        &self,
        sensor: &Sensor,
        seq: u64,
        sha256: [u8; 32],
        size: u64,
        archive: String,
        rollup: &Rollup,
    ) -> Result<Accepted, SegmentError> {
        let segment = NewSegment {
            sensor: sensor.id,
            seq,
            sha256,
            size,
            received_ns: now_ns(),
            archive,
        };
        match self.store.commit_segment(&segment, rollup)? {
            Committed::New => Ok(Accepted::New {
                packets: rollup.packets,
            }),
            Committed::Duplicate => Ok(Accepted::Duplicate),
            Committed::Conflict { stored_sha256 } => Err(SegmentError::Conflict {
                seq,
                stored: hex(&stored_sha256),
                sent: hex(&sha256),
            }),
        }
    }

    /// `archive/<sensor>/<seq / 10000>/<seq>.cap.zst` (or `.cap.gz` for a
    /// gzip upload), relative to the data directory: a retry lands on the
    /// same file, and no directory grows past ten thousand segments.
    fn archive_path(&self, sensor: &Sensor, seq: u64, compression: Compression) -> String {
        let ext = match compression {
            Compression::Gzip => "gz",
            Compression::None | Compression::Zstd => "zst",
        };
        format!(
            "archive/{}/{:06}/{seq:020}.cap.{ext}",
            sensor.name,
            seq / 10_000
        )
    }

    /// Writes `relative` under a temporary name and syncs it; the caller
    /// publishes it under its final name once the segment is good, so a
    /// crash or a refused segment never leaves half an archive behind.
    fn stage_archive(
        &self,
        relative: &str,
        write: &mut dyn FnMut(&mut File) -> io::Result<()>,
    ) -> Result<Staged, SegmentError> {
        let path = self.data.join(relative);
        let staged = Staged {
            tmp: path.with_extension("partial"),
            path,
            published: false,
        };
        let dir = staged
            .path
            .parent()
            .expect("archive paths have a directory");
        let result = fs::create_dir_all(dir).and_then(|()| {
            let mut file = File::create(&staged.tmp)?;
            write(&mut file)?;
            file.sync_all()
        });
        result.map_err(|source| staged.error(source))?;
        Ok(staged)
    }
}

/// An archive file written and synced under a temporary name.
struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    published: bool,
}

impl Staged {
    fn error(&self, source: io::Error) -> SegmentError {
        SegmentError::Archive {
            path: self.path.clone(),
            source,
        }
    }

    /// Renames it into place and syncs the directory.
    fn publish(mut self) -> Result<(), SegmentError> {
        let dir = self.path.parent().expect("archive paths have a directory");
        let result = fs::rename(&self.tmp, &self.path).and_then(|()| File::open(dir)?.sync_all());
        result.map_err(|source| self.error(source))?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Why `hirundo import` failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Segment(#[from] SegmentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}
