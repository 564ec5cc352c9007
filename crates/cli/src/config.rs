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
    #[serde(default)]
    pub notifications: NotificationsConfig,
}

/// The daily notifications to the teams of the directory.
///
/// ```toml
/// [notifications]
/// tlp = "AMBER"                  # the label the darknet data goes out under
/// provider = "CERT-XX"           # who we are, in the attachments
/// provider_url = "https://cert.example.org"
/// at_hour = 6                    # UTC hour `serve` sends the day before
/// webhook_secrets_dir = "/etc/hirundo/notify-secrets"   # TEAM-ID.secret per team with a webhook
/// [notifications.smtp]           # `to`: our own archive, sent a blind copy
/// host = "mail.example.org"
/// port = 587
/// tls = "starttls"
/// from = "CERT-XX notifications <notify@cert.example.org>"
/// to = ["archive@cert.example.org"]
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationsConfig {
    #[serde(default = "default_notification_tlp")]
    pub tlp: hirundo_tlp::Tlp,
    #[serde(default)]
    pub include_research: bool,
    #[serde(default = "default_feed_name")]
    pub feed_name: String,
    /// Default: the directory's own team (`ours = true`), else "hirundo".
    pub provider: Option<String>,
    pub provider_url: Option<String>,
    #[serde(default = "default_at_hour")]
    pub at_hour: u8,
    /// Most sources in one message; the rest, with the fewest packets,
    /// are left out and logged.
    #[serde(default = "default_max_sources")]
    pub max_sources: usize,
    /// `false` stops `serve` from sending them on its own.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// A folder of `TEAM-ID.secret` files: each team's webhook is signed
    /// with its own secret, kept out of the directory and this file.
    pub webhook_secrets_dir: Option<PathBuf>,
    #[serde(default = "default_webhook_timeout")]
    pub webhook_timeout_secs: u64,
    pub smtp: Option<hirundo_deliver::SmtpConfig>,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            tlp: default_notification_tlp(),
            include_research: false,
            feed_name: default_feed_name(),
            provider: None,
            provider_url: None,
            at_hour: default_at_hour(),
            max_sources: default_max_sources(),
            enabled: true,
            webhook_secrets_dir: None,
            webhook_timeout_secs: default_webhook_timeout(),
            smtp: None,
        }
    }
}

fn default_notification_tlp() -> hirundo_tlp::Tlp {
    hirundo_tlp::Tlp::Amber
}

fn default_feed_name() -> String {
    "hirundo-darknet".to_owned()
}

fn default_at_hour() -> u8 {
    6
}

fn default_max_sources() -> usize {
    hirundo_notify::plan::MAX_SOURCES
}

fn default_true() -> bool {
    true
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

    /// What a notification run sends, with the provider named after the
    /// directory's own team when the file names none.
    pub fn notify_settings(
        &self,
        store: &dyn hirundo_store::Store,
    ) -> anyhow::Result<hirundo_notify::Settings> {
        let n = &self.notifications;
        let ours = store
            .teams()
            .context("reading the directory")?
            .into_iter()
            .find(|t| t.ours);
        let provider = n
            .provider
            .clone()
            .or_else(|| ours.as_ref().map(|t| t.short_name.clone()))
            .unwrap_or_else(|| "hirundo".to_owned());
        let url = n
            .provider_url
            .clone()
            .or_else(|| ours.and_then(|t| t.website));
        Ok(hirundo_notify::Settings {
            tlp: n.tlp,
            include_research: n.include_research,
            feed: hirundo_notify::Feed {
                name: n.feed_name.clone(),
                provider,
                url,
            },
            max_sources: n.max_sources.max(1),
        })
    }

    /// The mailer and webhook secret of `[notifications]`, checked.
    pub fn notify_channels(&self) -> anyhow::Result<hirundo_notify::Channels> {
        let n = &self.notifications;
        if n.at_hour > 23 {
            anyhow::bail!(
                "in [notifications]: at_hour {} is not an hour of the day (0 to 23)",
                n.at_hour
            );
        }
        let mut channels = hirundo_notify::Channels {
            webhook_timeout: Some(std::time::Duration::from_secs(n.webhook_timeout_secs)),
            ..Default::default()
        };
        if let Some(dir) = &n.webhook_secrets_dir {
            channels.webhook_secrets = webhook_secrets(dir)?;
        }
        if let Some(smtp) = &n.smtp {
            let base = self
                .alerts
                .base_url
                .as_deref()
                .unwrap_or("https://localhost:8443");
            channels.mailer =
                Some(hirundo_deliver::Mailer::new(smtp, base).context("in [notifications.smtp]")?);
        }
        Ok(channels)
    }

    pub fn enrichment(&self) -> anyhow::Result<Enrichment> {
        Ok(Enrichment {
            geo: self.geo()?,
            research: self.research_scanners()?,
        })
    }
}

/// The `TEAM-ID.secret` files of `dir`, by team id. An empty or short
/// secret is an error: it would sign nothing worth checking.
fn webhook_secrets(dir: &Path) -> anyhow::Result<std::collections::HashMap<String, Vec<u8>>> {
    let mut secrets = std::collections::HashMap::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading the folder {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading the folder {}", dir.display()))?
            .path();
        let (Some(team), Some("secret")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|e| e.to_str()),
        ) else {
            continue;
        };
        let secret = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let secret = secret.trim_ascii().to_vec();
        if secret.len() < 16 {
            anyhow::bail!(
                "{}: a webhook secret needs at least 16 bytes (32 random ones are better)",
                path.display()
            );
        }
        secrets.insert(team.to_owned(), secret);
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_team_has_its_own_webhook_secret_and_short_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("cert.br.secret"),
            "0123456789abcdef0123456789abcdef\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("jpcert-cc.secret"),
            "fedcba9876543210fedcba9876543210",
        )
        .unwrap();
        std::fs::write(dir.path().join("README"), "not a secret").unwrap();
        let secrets = webhook_secrets(dir.path()).unwrap();
        assert_eq!(secrets.len(), 2);
        assert_eq!(secrets["cert.br"], b"0123456789abcdef0123456789abcdef");
        std::fs::write(dir.path().join("weak.secret"), "short").unwrap();
        let err = format!("{:#}", webhook_secrets(dir.path()).unwrap_err());
        assert!(
            err.contains("weak.secret: a webhook secret needs at least 16 bytes"),
            "{err}"
        );
    }
}
