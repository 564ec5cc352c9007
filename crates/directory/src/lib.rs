//! The directory of CSIRTs (national teams, sector teams, network abuse
//! desks), what each answers for, and the routing of a source address to
//! the team that should hear about it.
//!
//! Data moves one way:
//!
//! - Teams come in as [`Team`] values: from Trusted Introducer's public
//!   `teams.json` ([`trusted_introducer`], which rejects bad entries one
//!   by one with a reason), from the operator's TOML file ([`from_toml`],
//!   written back by [`to_toml`]), or from the [`starter`] set of three
//!   national CSIRTs whose contact details come from their own pages.
//! - [`Directory::new`] checks every team (ids, addresses safe for mail
//!   headers, URLs, language tags, fingerprints, constituencies), refuses
//!   duplicates and more than one `ours`, and builds the routing indexes.
//! - [`Directory::route`] takes an [`Origin`] (address, AS, country) and
//!   returns a [`Route`]: the team, the [`Level`] that chose it (longest
//!   prefix, then AS, then national CSIRT, then our own team) and every
//!   [`Step`] tried, which prints as the chain of reasons.
//!
//! Errors are data: [`DirectoryError`] names the team and the field,
//! [`ImportError`] the line and column, [`PrefixError`] the text.

mod directory;
mod error;
mod import;
mod prefix;
mod route;
mod starter;
mod team;
mod validate;

pub use directory::Directory;
pub use error::{DirectoryError, ImportError, Position, PrefixError};
pub use import::{
    from_toml, to_toml, trusted_introducer, Import, Rejected, TOML_ORIGIN, TRUSTED_INTRODUCER,
};
pub use prefix::{parse_prefixes, range_to_prefixes, Prefix};
pub use route::{Level, Origin, Route, Step};
pub use starter::{starter, STARTER_ORIGIN, STARTER_TOML};
pub use team::{
    slug, Cadence, Constituency, Email, EmailUsage, Format, Team, TeamKind, MAX_ID_LEN,
};
