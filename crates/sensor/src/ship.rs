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

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hirundo_wire::{SensorHealth, HEALTH_HEADER, SHA256_HEADER};
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
    /// How long one read or write on the connection may make no progress
    /// before the upload is given up and retried. Default 60 s: long
    /// enough for the collector to roll up a large segment, short enough
    /// that a connection lost in an outage is noticed soon after.
    pub stall_timeout: Duration,
    /// First and longest wait between retries. Defaults 1 s and 60 s.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Uploads in flight at once. Default 3: while the collector rolls up
    /// two (one per core on a small machine), the next is on the wire.
    pub parallel: usize,
}

impl ShipConfig {
    pub fn new(collector: &str, sensor: &str, token: &str, fingerprint: [u8; 32]) -> Self {
        ShipConfig {
            collector: collector.trim_end_matches('/').to_string(),
            sensor: sensor.to_string(),
            token: token.to_string(),
            fingerprint,
            stall_timeout: Duration::from_secs(60),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            parallel: 3,
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
    mismatch: Arc<crate::pin::Mismatch>,
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
        let (tls, mismatch) = crate::pin::client_config(config.fingerprint)?;
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .timeout_connect(Duration::from_secs(10))
            .timeout_read(config.stall_timeout)
            .timeout_write(config.stall_timeout)
            .build();
        Ok(Shipper {
            agent,
            mismatch,
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
        let digest = hirundo_wire::hex(&Sha256::digest(&body));
        let health = serde_json::to_string(&self.health()).expect("health serialises");
        let url = format!(
            "{}{}",
            self.config.collector,
            hirundo_wire::upload_path(&self.config.sensor, segment.seq)
        );
        let answer = self
            .agent
            .put(&url)
            .set("Authorization", &format!("Bearer {}", self.config.token))
            .set(SHA256_HEADER, &digest)
            .set(HEALTH_HEADER, &health)
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
                // A collector with another certificate will not change its
                // mind soon: retried slowly, like a refused token.
                return match self.mismatch.take() {
                    Some(why) => Shipped::Retry {
                        why,
                        not_allowed: true,
                    },
                    None => Shipped::Retry {
                        why: err.to_string(),
                        not_allowed: false,
                    },
                };
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
    /// empty. `parallel` workers each take the oldest segment nobody else
    /// is shipping; a worker whose upload fails waits (with exponential
    /// backoff) on its own, so one stalled connection holds up nothing
    /// else.
    pub fn run(
        &self,
        stop: &AtomicBool,
        capture_done: &AtomicBool,
        log: &mut (dyn FnMut(&str) + Send),
    ) {
        let claimed = Mutex::new(BTreeSet::new());
        let log = Mutex::new(log);
        let say = |line: String| (log.lock().expect("log lock"))(&line);
        std::thread::scope(|scope| {
            for _ in 0..self.config.parallel.max(1) {
                scope.spawn(|| self.work(stop, capture_done, &claimed, &say));
            }
        });
    }

    fn work(
        &self,
        stop: &AtomicBool,
        capture_done: &AtomicBool,
        claimed: &Mutex<BTreeSet<u64>>,
        say: &(dyn Fn(String) + Sync),
    ) {
        let mut backoff = self.config.backoff_min;
        while !stop.load(Ordering::Relaxed) {
            let done = capture_done.load(Ordering::SeqCst);
            // Listed under the lock, so a segment another worker has just
            // shipped and deleted is never picked up from a stale list.
            let segment = {
                let mut claimed = claimed.lock().expect("claims lock");
                match self.spool.finished() {
                    Ok(pending) => {
                        let next = pending.into_iter().find(|s| !claimed.contains(&s.seq));
                        if let Some(s) = &next {
                            claimed.insert(s.seq);
                        }
                        Ok(next)
                    }
                    Err(err) => Err(err),
                }
            };
            let segment = match segment {
                Ok(segment) => segment,
                Err(err) => {
                    say(format!("cannot list the spool: {err}"));
                    sleep(stop, backoff);
                    continue;
                }
            };
            let Some(segment) = segment else {
                // Nothing unclaimed: finished only when capture is over and
                // no other worker still holds a segment.
                if done && claimed.lock().expect("claims lock").is_empty() {
                    return;
                }
                sleep(stop, Duration::from_millis(100));
                continue;
            };
            let shipped = self.ship(&segment);
            claimed.lock().expect("claims lock").remove(&segment.seq);
            match shipped {
                Shipped::Stored { duplicate } => {
                    backoff = self.config.backoff_min;
                    let counter = if duplicate {
                        &self.counters.duplicates
                    } else {
                        &self.counters.stored
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Shipped::Quarantined(why) => say(format!(
                    "segment {} refused and kept in {}: {why}",
                    segment.seq,
                    self.spool.dir().join(crate::spool::QUARANTINE).display()
                )),
                Shipped::Retry { why, not_allowed } => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    if not_allowed {
                        backoff = self.config.backoff_max;
                        say(format!(
                            "the collector does not accept this sensor: {why}; segments stay in the spool, retrying in {:.0} s",
                            backoff.as_secs_f64()
                        ));
                    } else {
                        say(format!(
                            "segment {} not shipped ({why}); retrying in {:.1} s",
                            segment.seq,
                            backoff.as_secs_f64()
                        ));
                    }
                    sleep(stop, backoff);
                    backoff = (backoff * 2).min(self.config.backoff_max);
                }
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
