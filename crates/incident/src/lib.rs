//! Incident records for a national CSIRT, as CERT.br or JPCERT/CC keep
//! them: classified with the Reference Security Incident Taxonomy (RSIT),
//! marked with TLP, moved through a small state machine, forwarded
//! across borders to the team responsible, and counted for the yearly
//! statistics a national team publishes.
//!
//! A [`NewIncident`] (typed by a person, or one row of a reporter's CSV
//! via [`import_csv`]) becomes an [`Incident`] with [`create`]. From then
//! on every change goes through [`apply`] (edits, state moves, comments,
//! links) or [`forwarded`] (the notification to another team, never for
//! TLP:RED), each of which checks everything before touching the record
//! and returns the [`Event`]s to append to its history. The [`stats`]
//! functions turn a set of incidents into the per-year, per-month and
//! per-category tables, including CERT.br's categories ([`CertBr`]).
//!
//! Everything here is pure: no I/O, no clock, no database. Ids, tickets
//! and "now" come from the caller; the store keeps [`Incident`] and
//! [`Event`] as JSON.

mod change;
mod csv_import;
mod error;
mod model;
mod state;
pub mod stats;
pub mod summary;
mod taxonomy;
mod time;

pub use change::{apply, check_forward, forwarded, Change};
pub use csv_import::{import_csv, CsvImport, RowError, MAX_ROWS};
pub use error::IncidentError;
pub use model::{
    create, parse_ticket, ticket, Event, EventKind, Incident, Link, NewIncident, MAX_LINKS,
    MAX_NAME, MAX_TEXT, MAX_TICKET, MAX_TITLE, PENDING_TICKET,
};
pub use state::State;
pub use stats::{
    by_category, by_month, by_year, certbr_category, is_spam, is_test, spam_by_year,
    yearly_by_certbr, CertBr,
};
pub use taxonomy::{rsit, Category, Classification, IncidentType, Taxonomy, TaxonomyError};
pub use time::{parse_time, year_month, year_of, CLOCK_ALLOWANCE_NS};
