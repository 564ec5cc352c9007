//! Tells the team responsible for each source what hirundo's sensors saw
//! of it, as Shadowserver's daily reports and IntelMQ's mailers do.
//!
//! - [`Notice`]: one message to one team: the sources of its constituency
//!   seen in a window of days, one [`SourceRow`] per source, under one TLP
//!   label, with a ticket number.
//! - [`format`]: the three attachments CSIRTs ingest: CSV with
//!   Shadowserver's darknet-event columns, JSON lines with IntelMQ's field
//!   names, and a STIX 2.1 bundle of observed-data and sightings carrying
//!   the TLP 2.0 marking.
//!
//! A sensor's address never appears in any of them: rows say which
//! countries' sensors saw a source, nothing more.

mod error;
pub mod format;
pub mod forward;
mod notice;
pub mod plan;
pub mod run;

pub use error::NotifyError;
pub use notice::{Classification, Feed, Notice, SourceRow};
pub use plan::{Decision, Settings};
pub use run::{preview, run, Channels, Outcome, RunReport};
