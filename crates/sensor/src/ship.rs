//! Ships finished segments to the collector, oldest first, and deletes
//! each only once the collector has acknowledged it durably.
//!
//! What to do with an answer is decided here and nowhere else:
//!
//! | answer | meaning | the sensor |
//! |---|---|---|
//! | 201, 200 | stored now, or stored before | deletes its copy |
//! | 400, 409, 413, 422 | this segment can never be taken | moves it to quarantine with the reason, never deletes it |
//! | 401, 403 | the sensor is not (or no longer) allowed | keeps it, retries slowly, says so loudly |
//! | other 4xx, 5xx, no answer | the collector or the link is down | keeps it, retries with backoff |

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hirundo_store::SensorHealth;
use sha2::{Digest, Sha256};

use crate::spool::{Spool, Spooled};
use crate::writer::CaptureCounters;

/// Where and as whom to ship.
#[derive(Debug, Clone)]
pub struct ShipConfig {
    /// `https://host:port` of the collector.
    pub collector: String,
    pub sensor: String,
    pub token: String,
    /// SHA-256 of the collector's certificate.
    pub fingerprint: [u8; 32],
    /// Per-request timeout. Default 120 s.
    pub timeout: Duration,
    /// First and longest wait between retries. Defaults 1 s and 60 s.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Uploads in flight at once. Default 2: while the collector rolls one
    /// segment up, the next is already on the wire.
    pub parallel: usize,
}

impl ShipConfig {
    pub fn new(collector: &str, sensor: &str, token: &str, fingerprint: [u8; 32]) -> Self {
        ShipConfig {
            collector: collector.trim_end_matches('/').to_string(),
            sensor: sensor.to_string(),
            token: token.to_string(),
            fingerprint,
            timeout: Duration::from_secs(120),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            parallel: 2,
        }
    }
}

/// What became of one upload attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shipped {
    /// Acknowledged (stored now or before); the copy is deleted.
    Stored { duplicate: bool },
    /// Refused for good; the copy is in quarantine.
    Quarantined(String),
    /// Not acknowledged; the copy stays for another try.
    Retry { why: String, not_allowed: bool },
}

/// Counters of the shipper's work.
#[derive(Debug, Default)]
pub struct ShipCounters {
    pub stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub retries: AtomicU64,
}

pub struct Shipper {
    agent: ureq::Agent,
    config: ShipConfig,
    spool: Arc<Spool>,
    capture: Arc<CaptureCounters>,
    pub counters: ShipCounters,
}

impl Shipper {
    pub fn new(
        config: ShipConfig,
        spool: Arc<Spool>,
        capture: Arc<CaptureCounters>,
    ) -> Result<Shipper, rustls::Error> {
        let agent = ureq::AgentBuilder::new()
            .tls_config(crate::pin::client_config(config.fingerprint)?)
            .timeout_connect(Duration::from_secs(10))
            .timeout(config.timeout)
            .build();
        Ok(Shipper {
            agent,
            config,
            spool,
            capture,
            counters: ShipCounters::default(),
        })
    }

    /// What the sensor tells the collector of itself.
    pub fn health(&self) -> SensorHealth {
        let c = &self.capture;
        SensorHealth {
            reported_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as i64),
            kernel_packets: c.kernel_packets.load(Ordering::Relaxed),
            kernel_drops: c.kernel_drops.load(Ordering::Relaxed),
            spool_segments: self.spool.finished().map_or(0, |s| s.len() as u64),
            spool_bytes: self.spool.finished_bytes(),
            spool_cap_bytes: self.spool.cap_bytes,
            paused: c.paused.load(Ordering::Relaxed),
            pauses: c.pauses.load(Ordering::Relaxed),
            not_captured: c.not_captured.load(Ordering::Relaxed),
            quarantined: self.spool.quarantined(),
        }
    }

    /// One upload attempt of one segment, and what follows from the answer.
    pub fn ship(&self, segment: &Spooled) -> Shipped {
        let body = match std::fs::read(&segment.path) {
            Ok(body) => body,
            Err(err) => {
                return Shipped::Retry {
                    why: format!("cannot read {}: {err}", segment.path.display()),
                    not_allowed: false,
                }
            }
        };
        let digest: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let health = serde_json::to_string(&self.health()).expect("health serialises");
        let url = format!(
            "{}/api/v1/sensors/{}/segments/{}",
            self.config.collector, self.config.sensor, segment.seq
        );
        let answer = self
            .agent
            .put(&url)
            .set("Authorization", &format!("Bearer {}", self.config.token))
            .set("Hirundo-Sha256", &digest)
            .set("Hirundo-Health", &health)
            .set("Content-Type", "application/octet-stream")
            .send_bytes(&body);
        let (status, text) = match answer {
            Ok(response) => (
                response.status(),
                response.into_string().unwrap_or_default(),
            ),
            Err(ureq::Error::Status(status, response)) => {
                (status, response.into_string().unwrap_or_default())
            }
            Err(ureq::Error::Transport(err)) => {
                return Shipped::Retry {
                    why: err.to_string(),
                    not_allowed: false,
                }
            }
        };
        match status {
            200 | 201 => match self.spool.remove(segment) {
                Ok(()) => Shipped::Stored {
                    duplicate: status == 200,
                },
                // Acknowledged but still here: the next try is a duplicate.
                Err(err) => Shipped::Retry {
                    why: err.to_string(),
                    not_allowed: false,
                },
            },
            400 | 409 | 413 | 422 => {
                let why = format!("HTTP {status}: {}", text.trim());
                match self.spool.quarantine(segment, &why) {
                    Ok(_) => Shipped::Quarantined(why),
                    Err(err) => Shipped::Retry {
                        why: format!("{why}; and cannot quarantine: {err}"),
                        not_allowed: false,
                    },
                }
            }
            401 | 403 => Shipped::Retry {
                why: format!("HTTP {status}: {}", text.trim()),
                not_allowed: true,
            },
            _ => Shipped::Retry {
                why: format!("HTTP {status}: {}", text.trim()),
                not_allowed: false,
            },
        }
    }

    /// Ships until `stop`, or until `capture_done` is set and the spool is
    /// empty. Retries wait with exponential backoff.
    pub fn run(
        &self,
        stop: &AtomicBool,
        capture_done: &AtomicBool,
        log: &mut (dyn FnMut(&str) + Send),
    ) {
        let mut backoff = self.config.backoff_min;
        while !stop.load(Ordering::Relaxed) {
            let done = capture_done.load(Ordering::SeqCst);
            let pending = match self.spool.finished() {
                Ok(pending) => pending,
                Err(err) => {
                    log(&format!("cannot list the spool: {err}"));
                    sleep(stop, backoff);
                    continue;
                }
            };
            if pending.is_empty() {
                if done {
                    return;
                }
                sleep(stop, Duration::from_millis(200));
                continue;
            }
            // Workers take the next segment in order until one fails; the
            // failure decides the wait before the next round.
            let next = AtomicUsize::new(0);
            let failed = AtomicBool::new(false);
            let not_allowed = AtomicBool::new(false);
            let log = std::sync::Mutex::new(&mut *log);
            std::thread::scope(|scope| {
                for _ in 0..self.config.parallel.max(1) {
                    scope.spawn(|| loop {
                        if stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                            return;
                        }
                        let Some(segment) = pending.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return;
                        };
                        let line = match self.ship(segment) {
                            Shipped::Stored { duplicate } => {
                                let counter = if duplicate {
                                    &self.counters.duplicates
                                } else {
                                    &self.counters.stored
                                };
                                counter.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                            Shipped::Quarantined(why) => format!(
                                "segment {} refused and kept in {}: {why}",
                                segment.seq,
                                self.spool.dir().join(crate::spool::QUARANTINE).display()
                            ),
                            Shipped::Retry { why, not_allowed: refused } => {
                                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                                failed.store(true, Ordering::Relaxed);
                                if refused {
                                    not_allowed.store(true, Ordering::Relaxed);
                                    format!("the collector does not accept this sensor: {why}; segments stay in the spool")
                                } else {
                                    format!("segment {} not shipped ({why}); retrying in {:.1} s", segment.seq, backoff.as_secs_f64())
                                }
                            }
                        };
                        (log.lock().expect("log lock"))(&line);
                    });
                }
            });
            if failed.load(Ordering::Relaxed) {
                if not_allowed.load(Ordering::Relaxed) {
                    backoff = self.config.backoff_max;
                }
                sleep(stop, backoff);
                backoff = (backoff * 2).min(self.config.backoff_max);
            } else {
                backoff = self.config.backoff_min;
            }
        }
    }
}

/// Sleeps up to `d`, waking early when `stop` is set.
fn sleep(stop: &AtomicBool, d: Duration) {
    let step = Duration::from_millis(50);
    let mut left = d;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let nap = left.min(step);
        std::thread::sleep(nap);
        left -= nap;
    }
}
