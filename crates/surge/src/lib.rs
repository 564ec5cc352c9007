//! Surge detection: which series are far above their own normal, and the
//! alerts that say so.
//!
//! The caller builds hourly and daily series of [`Point`]s (packets and
//! distinct sources, research scanners excluded) per (proto, port), per
//! source country and per (proto, port, country), keyed by [`SeriesKey`].
//! A country's sources must be its distinct sources, not the sum of its
//! cells': one scanner sweeping 3 000 ports is one source.
//! [`assess`] judges one bucket against the buckets before it and may
//! return a [`Finding`]; a [`Tracker`] per [`Grain`] turns the findings of
//! successive buckets into [`Alert`]s and reports each [`Change`].
//! [`scan`] does both over a [`Series`] table, for batch runs.
//!
//! # Notes on method
//!
//! - **Baseline.** Each series is compared with its own recent past: the
//!   previous week for hourly series, four weeks for daily ones
//!   ([`Config::hourly`], [`Config::daily`]). The baseline is the median,
//!   and the spread the median absolute deviation (MAD): a past surge or
//!   one flood does not move them, as it would a mean. The spread is never
//!   taken below √median or 1 packet, so quiet series do not make every
//!   blip look enormous. The daily swing of traffic (about ±30%) is part
//!   of the spread.
//! - **A surge** needs all of: packets at least 6 deviations above the
//!   median and 3 times it; at least 10 sources (15 per day); and sources
//!   at least twice their own median, 10 (15) more than it, and 6
//!   deviations above it plus 5.8, the margin by which a Poisson count's
//!   tail outruns a normal one's. The source rules are why one source,
//!   however noisy, never raises an alert: more packets from the same
//!   scanners is not a surge. The score is the packets' number of
//!   deviations above the median.
//! - **A new port** is a port (or a port from one country) that received no
//!   packet at all during the baseline and is now scanned by at least 20
//!   sources (30 per day).
//! - **Warm-up.** No alert before a series has a day of history (a week
//!   for daily series): the first day of data raises none.
//! - **Alerts.** The port and port × country series of one port make one
//!   alert, which names the countries whose own series surged, most
//!   packets first. A country surge raises its own alert unless a port
//!   alert already names that country. An alert stays open while findings
//!   continue and closes after 12 quiet hours (2 quiet days); its numbers
//!   are those of its peak, the bucket with the most packets. The thresholds keep a month of normal
//!   traffic over some 70 000 series to about one alert, so smaller
//!   campaigns on busy ports, which move a large series by little, can go
//!   unseen at the port level and are caught, if at all, in the one
//!   country cell they come from.

mod alert;
mod assess;
mod config;
mod series;
mod tracker;

pub use alert::*;
pub use assess::{assess, Finding, Point};
pub use config::{Config, ConfigError};
pub use series::{assess_key, scan, Series, SeriesKey};
pub use tracker::{Change, Tracker};
