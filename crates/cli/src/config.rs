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
///
/// [alerts]
/// base_url = "https://hirundo.example.org"
/// [[alerts.webhooks]]
/// url = "https://soc.example.org/hooks/hirundo"
/// secret_file = "/etc/hirundo/webhook.secret"
/// [alerts.smtp]
/// host = "mail.example.org"
/// port = 587
/// tls = "start_tls"
/// from = "hirundo@example.org"
/// to = ["soc@example.org"]
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which IP-to-country and IP-to-ASN sources to use, in order.
    #[serde(default)]
    pub geo: GeoConfig,
    #[serde(default)]
    pub research: ResearchConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
}

/// Where alerts are delivered besides the dashboard and its Atom feed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// The dashboard's address, for links in e-mails.
    pub base_url: Option<String>,
    #[serde(default)]
    pub webhooks: Vec<WebhookConfig>,
    pub smtp: Option<hirundo_deliver::SmtpConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// A file holding the shared secret: secrets stay out of the
    /// configuration, which is often kept in version control.
    pub secret_file: PathBuf,
    #[serde(default = "default_webhook_timeout")]
    pub timeout_secs: u64,
}

fn default_webhook_timeout() -> u64 {
    10
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

    /// The webhooks and mailer the `[alerts]` section names, checked.
    pub fn delivery(&self) -> anyhow::Result<hirundo_watch::Delivery> {
        let mut delivery = hirundo_watch::Delivery::default();
        for hook in &self.alerts.webhooks {
            let secret = std::fs::read(&hook.secret_file)
                .with_context(|| format!("reading {}", hook.secret_file.display()))?;
            let secret = secret.trim_ascii().to_vec();
            let webhook = hirundo_deliver::Webhook {
                url: hook.url.clone(),
                secret,
                timeout: std::time::Duration::from_secs(hook.timeout_secs),
            };
            webhook.validate().context("in [[alerts.webhooks]]")?;
            delivery.webhooks.push(webhook);
        }
        if let Some(smtp) = &self.alerts.smtp {
            let base = self
                .alerts
                .base_url
                .as_deref()
                .unwrap_or("https://localhost:8443");
            delivery.mailer =
                Some(hirundo_deliver::Mailer::new(smtp, base).context("in [alerts.smtp]")?);
        }
        Ok(delivery)
    }

    pub fn enrichment(&self) -> anyhow::Result<Enrichment> {
        Ok(Enrichment {
            geo: self.geo()?,
            research: self.research_scanners()?,
        })
    }
}
