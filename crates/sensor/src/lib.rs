//! The sensor: captures every packet that reaches a darknet interface,
//! never answers, spools what it captured as rotated pcap segments, and
//! ships them to the collector, deleting each only after the collector has
//! durably acknowledged it.
//!
//! - [`spool`]: the spool directory, its sequence numbers and quarantine.
//! - [`writer`]: rotated zstd pcap segments and the full-spool policy.
//! - [`capture`]: the live AF_PACKET source and file replay.
//! - [`ship`]: uploads, retries with backoff, and what each answer means.
//! - [`Sensor`]: the spool and a shipping thread, started together.
//! - [`pin`]: trusting the collector by its certificate's fingerprint.

pub mod capture;
pub mod pin;
mod sensor;
pub mod ship;
pub mod spool;
pub mod writer;

pub use capture::{capture_live, replay, CaptureError};
pub use pin::parse_fingerprint;
pub use sensor::{Report, Sensor, StartError};
pub use ship::{ShipConfig, Shipped, Shipper};
pub use spool::{Spool, SpoolError, Spooled};
pub use writer::{recover_partial, CaptureCounters, SegmentConfig, SegmentWriter};
