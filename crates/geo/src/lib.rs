//! IP-to-country and IP-to-ASN lookups over several sources, every answer
//! naming the source that gave it.
//!
//! A [`RangeTable`] maps IPv4 (`u32`) or IPv6 (`u128`) ranges to a value:
//! a [`CountryCode`], or an [`AsIndex`] into an [`AsRegistry`] of AS
//! numbers and interned names. [`RangeTableBuilder`] flattens source rows
//! that nest or overlap (the most specific row wins) into the table's
//! sorted, non-overlapping form; a lookup is a 16-bit first-level index
//! then a binary search.
//!
//! Sources come from three places:
//! - the shipped dataset, `data/ipdb.hgeo`, embedded in the binary and
//!   decoded by [`Dataset::from_bytes`]: ip-location-db's country and ASN
//!   sets and Tor's geoip files (IPFire Location), built from the upstream
//!   files by [`upstream::build_dataset`] (`scripts/build-ipdb`);
//! - MaxMind-format `.mmdb` files ([`mmdb`]), GeoLite2 or DB-IP;
//! - RIR delegated-stats files ([`rir`]).
//!
//! A [`GeoConfig`] lists which, in order of preference; [`Geo::load`]
//! loads them. [`Geo::country`] and [`Geo::asn`] return the first source's
//! answer without allocating; [`Geo::lookup`] returns every source's, so
//! disagreements show. [`country_ranges_v4`] asks the reverse: which
//! IPv4 ranges the sources place in a country. [`ATTRIBUTION`] is the
//! credit the shipped data's licences require.

mod asn;
pub mod attribution;
mod config;
mod country;
mod country_ranges;
mod dataset;
mod error;
mod geo;
mod lines;
pub mod mmdb;
mod range_table;
pub mod rir;
pub mod upstream;
mod wire;

pub use asn::{AsIndex, AsRegistry, AsRegistryBuilder, Asn};
pub use attribution::{ATTRIBUTION, ATTRIBUTION_HTML};
pub use config::{GeoConfig, SourceSpec, SourceSpecError};
pub use country::{CountryCode, CountryCodeError};
pub use country_ranges::country_ranges_v4;
pub use dataset::{
    AsnTable, CountryTable, Dataset, DatasetSource, SourceInfo, SourceKind, SourceTables,
};
pub use error::{ConfigError, FormatError, LoadError, ParseError};
#[cfg(feature = "builtin")]
pub use geo::BUILTIN_DATASET;
pub use geo::{builtin_dataset, AsnAnswer, CountryAnswer, Geo, Lookup, Source, SourceId};
pub use range_table::{IpKey, RangeEntry, RangeTable, RangeTableBuilder, RangeTableError};
