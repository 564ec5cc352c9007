//! What every request shares: the store, the dashboard's configuration,
//! the failed-login limiter, the public page's cache and the geo data
//! that locates addresses for routing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hirundo_collector::Collector;
use hirundo_notify::Channels;
use hirundo_store::Store;

use crate::error::WebError;

/// How the dashboard presents itself.
#[derive(Clone)]
pub struct WebConfig {
    /// The CSIRT's own country (ISO 3166-1 alpha-2): reports compare its
    /// sensors with those abroad.
    pub home: String,
    /// The dashboard's address as its users reach it,
    /// "https://collector.example.org:8443": the Atom feed's links.
    pub base_url: String,
    /// Who publishes: the feed's author.
    pub operator: String,
    /// The RFC 4151 tagging entity of the feed's entry ids,
    /// "collector.example.org,2026": a domain held on that date. It must
    /// never change, or every reader sees every alert as new.
    pub tag_authority: String,
    /// Segments the collector's upload route rolls up at once.
    pub concurrent_ingests: usize,
    /// How forwarded incidents leave (mail, webhooks). `None`: forwarding
    /// logs each notice as failed, "no way to reach" the team.
    pub notify: Option<Arc<Channels>>,
}

impl std::fmt::Debug for WebConfig {
    // By hand: the channels hold a mailer, which has no Debug and whose
    // credentials must not reach a log anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("home", &self.home)
            .field("base_url", &self.base_url)
            .field("operator", &self.operator)
            .field("tag_authority", &self.tag_authority)
            .field("concurrent_ingests", &self.concurrent_ingests)
            .field("notify", &self.notify.as_ref().map(|_| "set"))
            .finish()
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            home: "ZZ".into(),
            base_url: "https://localhost:8443".into(),
            operator: "hirundo".into(),
            tag_authority: "localhost,2026".into(),
            concurrent_ingests: 2,
            notify: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

pub struct Shared {
    pub store: Arc<dyn Store>,
    pub config: WebConfig,
    pub logins: Mutex<LoginLimiter>,
    /// The public page as last rendered: it is open to anyone, so it is
    /// drawn at most once a minute however often it is asked for.
    pub public: Mutex<Option<(Instant, String)>>,
    /// Whose enrichment data locates addresses (AS, country) for routing;
    /// `None` routes by prefix and by what an incident says only.
    pub collector: Option<Arc<Collector>>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        config: WebConfig,
        collector: Option<Arc<Collector>>,
    ) -> AppState {
        AppState(Arc::new(Shared {
            store,
            config,
            logins: Mutex::new(LoginLimiter::default()),
            public: Mutex::new(None),
            collector,
        }))
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.0.store.clone()
    }

    /// The channels forwarding sends through; none when not configured.
    pub fn channels(&self) -> Arc<Channels> {
        self.0.config.notify.clone().unwrap_or_default()
    }
}

impl Shared {
    /// The AS and country the collector's geo sources give `ip` first,
    /// as `hirundo route` finds them.
    pub fn locate(&self, ip: IpAddr) -> (Option<u32>, Option<String>) {
        let Some(enrichment) = self.collector.as_ref().and_then(|c| c.enrichment()) else {
            return (None, None);
        };
        let lookup = enrichment.geo.lookup(ip);
        (
            lookup.primary_asn().map(|a| a.asn.0),
            lookup
                .primary_country()
                .map(|c| c.country.as_str().to_owned()),
        )
    }
}

/// Runs a blocking store call off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WebError::internal("blocking task", e))?
}

/// Failed logins per place (the client's address, or the account name
/// when the server does not pass addresses on), within a window.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: HashMap<String, (u32, Instant)>,
}

impl LoginLimiter {
    /// Failures allowed in one window before logins from there are refused.
    pub const MAX_FAILURES: u32 = 10;
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Bounds the memory an attacker with many addresses can take.
    const MAX_KEYS: usize = 100_000;

    /// How long logins from `key` stay refused, if they are.
    pub fn blocked(&mut self, key: &str, now: Instant) -> Option<Duration> {
        let &(count, first) = self.failures.get(key)?;
        let elapsed = now.saturating_duration_since(first);
        if elapsed >= Self::WINDOW {
            self.failures.remove(key);
            return None;
        }
        (count >= Self::MAX_FAILURES).then(|| Self::WINDOW - elapsed)
    }

    pub fn failed(&mut self, key: &str, now: Instant) {
        if self.failures.len() >= Self::MAX_KEYS {
            self.failures
                .retain(|_, (_, first)| now.saturating_duration_since(*first) < Self::WINDOW);
        }
        if self.failures.len() >= Self::MAX_KEYS {
            // Still full: a flood. Forget the oldest half rather than grow.
            let mut firsts: Vec<Instant> = self.failures.values().map(|v| v.1).collect();
            firsts.sort();
            let cut = firsts[firsts.len() / 2];
            self.failures.retain(|_, (_, first)| *first > cut);
        }
        let entry = self.failures.entry(key.to_string()).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= Self::WINDOW {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn succeeded(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_block_until_the_window_ends() {
        let mut limiter = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..LoginLimiter::MAX_FAILURES {
            assert_eq!(limiter.blocked("192.0.2.1", t0), None, "after {i}");
            limiter.failed("192.0.2.1", t0);
        }
        let later = t0 + Duration::from_secs(60);
        assert_eq!(
            limiter.blocked("192.0.2.1", later),
            Some(LoginLimiter::WINDOW - Duration::from_secs(60))
        );
        // Another place is not blocked.
        assert_eq!(limiter.blocked("192.0.2.2", later), None);
        assert_eq!(
            limiter.blocked("192.0.2.1", t0 + LoginLimiter::WINDOW),
            None
        );
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let mut limiter = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..LoginLimiter::MAX_FAILURES - 1 {
            limiter.failed("k", t0);
        }
        limiter.succeeded("k");
        limiter.failed("k", t0);
        assert_eq!(limiter.blocked("k", t0), None);
    }
}
