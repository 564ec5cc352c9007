//! Integration tests for hirundo-geo. The tests that read the upstream
//! files in ../shared/ipdb print a loud SKIPPED when it is missing, and
//! fail instead when CI=true.

mod config;
mod edges;
mod mmdb;
mod properties;
mod reference;
mod rir;
mod up_to_date;

use std::path::PathBuf;
use std::sync::OnceLock;

use hirundo_geo::Geo;

/// The shipped dataset, decoded once for all tests (decoding takes a
/// while in a debug build).
pub fn builtin() -> &'static Geo {
    static GEO: OnceLock<Geo> = OnceLock::new();
    GEO.get_or_init(|| Geo::builtin().expect("the shipped dataset decodes"))
}

/// ../shared/ipdb, if it is there.
pub fn shared_ipdb() -> Option<PathBuf> {
    let dir = hirundo_testbed::shared("ipdb");
    if dir.join("geo-whois-asn-country-ipv4-num.csv.gz").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{} is missing; CI must run the reference tests",
            dir.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED: {} not found; the upstream-data tests did not run ***\n",
        dir.display()
    );
    None
}
