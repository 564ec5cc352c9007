//! The directory of CSIRTs and what each is responsible for, and the
//! routing of a source address to the team that should hear about it.
//!
//! Being written: the types below are the interface other crates use.

mod team;

pub use team::{Cadence, Constituency, Email, EmailUsage, Format, Prefix, Team, TeamKind};
