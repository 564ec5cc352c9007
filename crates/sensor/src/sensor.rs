//! A running sensor: its spool, capture counters and a shipping thread.
//! The capture itself runs on the caller's thread, writing through
//! [`Sensor::writer`].

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::ship::{ShipConfig, Shipper};
use crate::spool::{Spool, SpoolError};
use crate::writer::{recover_partial, CaptureCounters, SegmentConfig, SegmentWriter};

/// Why a sensor could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Spool(#[from] SpoolError),
    #[error("TLS set-up: {0}")]
    Tls(#[from] rustls::Error),
    #[error("cannot start the shipping thread: {0}")]
    Thread(#[from] std::io::Error),
}

pub struct Sensor {
    pub spool: Arc<Spool>,
    pub counters: Arc<CaptureCounters>,
    shipper: Arc<Shipper>,
    capture_done: Arc<AtomicBool>,
    stop_shipping: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// What a sensor did, for its last words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub captured: u64,
    pub stored: u64,
    pub duplicates: u64,
    pub retries: u64,
    pub quarantined: u64,
    /// Segments still in the spool.
    pub left: u64,
    pub not_captured: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} packets spooled; {} segments shipped ({} of them already stored), {} retries, \
             {} quarantined, {} left in the spool; {} packets not captured (spool full)",
            self.captured,
            self.stored + self.duplicates,
            self.duplicates,
            self.retries,
            self.quarantined,
            self.left,
            self.not_captured
        )
    }
}

impl Sensor {
    /// Opens the spool (salvaging segments an earlier crash left
    /// half-written) and starts shipping. `log` hears of salvage; the
    /// shipping thread logs to standard error.
    pub fn start(
        spool_dir: &Path,
        cap_bytes: u64,
        config: ShipConfig,
        log: &mut dyn FnMut(&str),
    ) -> Result<Sensor, StartError> {
        let (spool, partials) = Spool::open(spool_dir, cap_bytes)?;
        let spool = Arc::new(spool);
        for partial in partials {
            let packets = recover_partial(&spool, &partial)?;
            log(&format!(
                "salvaged {packets} packets from {}, left by an earlier crash",
                partial.display()
            ));
        }
        let counters = Arc::new(CaptureCounters::default());
        let name = config.sensor.clone();
        let shipper = Arc::new(Shipper::new(config, spool.clone(), counters.clone())?);
        let capture_done = Arc::new(AtomicBool::new(false));
        let stop_shipping = Arc::new(AtomicBool::new(false));
        let thread = {
            let (shipper, done, stop) =
                (shipper.clone(), capture_done.clone(), stop_shipping.clone());
            std::thread::Builder::new()
                .name(format!("ship {name}"))
                .spawn(move || {
                    shipper.run(&stop, &done, &mut |line| {
                        eprintln!("hirundo sensor {name}: {line}")
                    })
                })?
        };
        Ok(Sensor {
            spool,
            counters,
            shipper,
            capture_done,
            stop_shipping,
            thread,
        })
    }

    /// A writer into this sensor's spool.
    pub fn writer(&self, config: SegmentConfig) -> SegmentWriter {
        SegmentWriter::new(self.spool.clone(), config, self.counters.clone())
    }

    /// Says capture is over, lets the shipper empty the spool for up to
    /// `drain` or until `stop` is set, then stops it. What is left stays
    /// for the next start.
    pub fn finish(self, drain: Duration, stop: &AtomicBool) -> Report {
        self.capture_done.store(true, Ordering::SeqCst);
        let started = Instant::now();
        while !self.thread.is_finished()
            && started.elapsed() < drain
            && !stop.load(Ordering::Relaxed)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop_shipping.store(true, Ordering::SeqCst);
        let _ = self.thread.join();
        let c = &self.shipper.counters;
        Report {
            captured: self.counters.captured.load(Ordering::Relaxed),
            stored: c.stored.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            quarantined: self.spool.quarantined(),
            left: self.spool.finished().map_or(0, |s| s.len() as u64),
            not_captured: self.counters.not_captured.load(Ordering::Relaxed),
        }
    }
}
