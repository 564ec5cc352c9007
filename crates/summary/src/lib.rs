//! Rolls captured records up into the `hirundo.summary/1` object and renders
//! it for people.
//!
//! A caller decodes each record (see `hirundo-packet`), turns the result
//! into an [`Outcome`] (which carries the packet's `hirundo-fingerprint`
//! tags) and feeds it to a [`SummaryBuilder`]. The builder keeps exact
//! per-source and per-(port, source) state; [`SummaryBuilder::finish_with`]
//! an [`Attribution`] adds countries, ASNs and research organisations, asked
//! once per distinct source. The [`Summary`] serialises to exactly the JSON
//! schema in DESIGN.md and renders as a TSUBAME-style table with
//! [`render_text`].
//! A traffic generator feeds the same builder with what it knows it wrote,
//! which is how simulated captures carry their ground truth.

mod builder;
mod flat_map;
mod services;
mod summary;
mod text;
mod timestamp;

pub use builder::{
    AsnAnswer, Attributes, Attribution, Outcome, Rejection, SummaryBuilder, RESEARCH_HEURISTIC,
    RESEARCH_ORGANISATION, UNKNOWN_COUNTRY,
};
pub use services::service_name;
pub use summary::{
    AsnCount, CountryCount, ErrorCounts, FileSummary, PortCount, PortProto, ProtocolCounts,
    Summary, Tally, SCHEMA,
};
pub use text::{group, render_text};
pub use timestamp::{ParseTimestampError, Timestamp};
