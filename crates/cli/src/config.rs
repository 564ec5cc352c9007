use std::path::{Path, PathBuf};

use anyhow::Context;
use hirundo_analyze::Enrichment;
use hirundo_fingerprint::ResearchScanners;
use hirundo_geo::{Geo, GeoConfig};
use serde::Deserialize;

/// The operator's configuration file (TOML). Every section is optional;
/// what is left out takes the shipped defaults.
///
/// ```toml
/// [geo]
/// country = ["builtin", "mmdb:/var/lib/geoip/GeoLite2-Country.mmdb"]
/// asn = ["mmdb:/var/lib/geoip/GeoLite2-ASN.mmdb", "builtin"]
///
/// [research]
/// organisations = "/etc/hirundo/research-scanners.toml"
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which IP-to-country and IP-to-ASN sources to use, in order.
    #[serde(default)]
    pub geo: GeoConfig,
    #[serde(default)]
    pub research: ResearchConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResearchConfig {
    /// A list of research-scanning organisations in the format of the
    /// shipped one (`crates/fingerprint/research-scanners.toml`), used
    /// instead of it.
    pub organisations: Option<PathBuf>,
}

impl Config {
    /// Reads `path`, or the defaults when there is none.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config: Config =
            toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
        config
            .geo
            .validate()
            .with_context(|| format!("in {}", path.display()))?;
        Ok(config)
    }

    pub fn geo(&self) -> anyhow::Result<Geo> {
        Geo::load(&self.geo).context("loading the IP-to-country and IP-to-ASN sources")
    }

    pub fn research_scanners(&self) -> anyhow::Result<ResearchScanners> {
        let Some(path) = &self.research.organisations else {
            return Ok(ResearchScanners::builtin());
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        ResearchScanners::from_toml(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn enrichment(&self) -> anyhow::Result<Enrichment> {
        Ok(Enrichment {
            geo: self.geo()?,
            research: self.research_scanners()?,
        })
    }
}
