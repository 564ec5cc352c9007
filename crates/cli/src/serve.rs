use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use hirundo_analyze::Enrichment;
use hirundo_collector::{Collector, Identity};
use hirundo_store::Store;
use hirundo_web::WebConfig;

use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// The collector's folder: database, archive of raw segments, certificate.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// A host name or address sensors use to reach the collector, put in a
    /// certificate made on first start (repeatable; localhost and the
    /// listen address are always in it).
    #[arg(long = "name", value_name = "HOST")]
    names: Vec<String>,
    /// Largest segment upload accepted, in bytes (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "80M", value_parser = crate::size::parse)]
    max_segment: u64,
    /// Roll segments up without countries, ASNs or research organisations.
    #[arg(long)]
    no_enrich: bool,
    /// Configuration file (TOML) naming the geo sources and research list.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The CSIRT's own country (ISO 3166-1 alpha-2): reports compare its
    /// sensors with those abroad.
    #[arg(long, value_name = "CC", default_value = "ZZ")]
    home: String,
    /// Who publishes the alert feed: the CSIRT's name.
    #[arg(long, value_name = "NAME", default_value = "hirundo collector")]
    operator: String,
}

/// The collector, ready to serve.
pub struct Ready {
    pub collector: Arc<Collector>,
    pub identity: Identity,
    pub listener: tokio::net::TcpListener,
    pub addr: SocketAddr,
    /// How the dashboard presents itself.
    pub web: WebConfig,
}

/// Opens the data folder, makes or loads the certificate and binds.
pub async fn prepare(
    data: &Path,
    listen: SocketAddr,
    names: &[String],
    enrichment: Option<Enrichment>,
    max_segment: u64,
) -> anyhow::Result<Ready> {
    let mut collector = Collector::open(data, enrichment)
        .with_context(|| format!("opening the collector's data in {}", data.display()))?;
    collector.max_segment_bytes = usize::try_from(max_segment).unwrap_or(usize::MAX);
    let mut all_names = vec!["localhost".to_string(), listen.ip().to_string()];
    all_names.extend(names.iter().cloned());
    all_names.dedup();
    let identity = Identity::load_or_create(&data.join("tls"), &all_names)
        .context("preparing the collector's certificate")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let host = names.first().cloned().unwrap_or_else(|| {
        if listen.ip().is_unspecified() {
            "localhost".to_string()
        } else {
            listen.ip().to_string()
        }
    });
    let tag_year = feed_tag_year(collector.store().as_ref())?;
    let web = WebConfig {
        base_url: format!("https://{}:{}", bracketed(&host), addr.port()),
        tag_authority: format!("{host},{tag_year}"),
        concurrent_ingests: std::thread::available_parallelism().map_or(2, |n| n.get()),
        ..WebConfig::default()
    };
    Ok(Ready {
        collector: Arc::new(collector),
        identity,
        listener,
        addr,
        web,
    })
}

/// An IPv6 address in a URL goes in brackets.
fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The year in the alert feed's tag: ids, fixed at the first start, since
/// a feed whose ids change makes every reader see every alert again.
fn feed_tag_year(store: &dyn Store) -> anyhow::Result<i64> {
    const JOB: &str = "web.feed_tag_year";
    if let Some(year) = store.job_state(JOB)? {
        return Ok(year);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    let year: i64 = hirundo_summary::Timestamp::from_nanos(now).to_string()[..4]
        .parse()
        .unwrap_or(2026);
    store.set_job_state(JOB, year)?;
    Ok(year)
}

/// Makes (or resets) the demo's `admin` account with a random password,
/// returned so that it can be shown once.
pub fn demo_account(store: &dyn Store) -> anyhow::Result<(String, String)> {
    let token = hirundo_collector::registry::Token::generate()
        .context("reading random bytes for the demo's password")?;
    let password = token.0[..20].to_string();
    let hash = hirundo_web::hash_password(&password)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    store.set_account("admin", &hash, now)?;
    Ok(("admin".to_string(), password))
}

impl Ready {
    /// Serves until the process ends.
    /// Serves uploads, the dashboard and the APIs until the process ends.
    pub async fn serve(self) -> anyhow::Result<()> {
        let tls = self.identity.server_config()?;
        let router = hirundo_web::router(self.collector, self.web);
        hirundo_collector::serve_tls(self.listener, tls, router).await;
        Ok(())
    }
}

/// Hours of data each surge-detection run looks at: the last two days,
/// so that segments a sensor delivers late, and alerts still open, are
/// looked at again (a run is idempotent).
const WATCH_HOURS: i64 = 48;

/// Runs surge detection at start and then a few minutes past every hour,
/// when the hour just ended is complete, on its own thread: a run reads
/// a week of cells and must not hold up uploads or pages.
fn start_watch(store: Arc<dyn Store>, delivery: hirundo_watch::Delivery) -> anyhow::Result<()> {
    use hirundo_rollup::NANOS_PER_HOUR;
    std::thread::Builder::new()
        .name("hirundo-watch".to_string())
        .spawn(move || {
            let mut daily_done = i64::MIN;
            loop {
                let now = crate::report::now_ns();
                let hour = now.div_euclid(NANOS_PER_HOUR);
                let hours = hirundo_store::HourRange {
                    from: hour - WATCH_HOURS,
                    to: hour,
                };
                // Daily series once a day (and at start): they read a month.
                let day = hour.div_euclid(24);
                let result = if day != daily_done {
                    daily_done = day;
                    hirundo_watch::run_all(store.as_ref(), hours, &delivery)
                } else {
                    hirundo_watch::run(
                        store.as_ref(),
                        &hirundo_surge::Config::hourly(),
                        hirundo_surge::Grain::Hour,
                        hours,
                        &delivery,
                    )
                };
                match result {
                    Ok(report) => {
                        if report.opened + report.closed > 0 {
                            println!(
                                "hirundo serve: surge detection: {} alerts opened, {} closed",
                                report.opened, report.closed
                            );
                        }
                        for problem in &report.problems {
                            eprintln!("hirundo serve: surge detection: {problem}");
                        }
                    }
                    Err(err) => eprintln!("hirundo serve: surge detection: {err}"),
                }
                let next = (hour + 1) * NANOS_PER_HOUR + 5 * 60 * 1_000_000_000;
                let wait = (next - crate::report::now_ns()).max(60 * 1_000_000_000);
                std::thread::sleep(std::time::Duration::from_nanos(wait as u64));
            }
        })
        .context("starting the surge-detection thread")?;
    Ok(())
}

/// Sends the notifications of each day once it is over, at
/// `[notifications] at_hour` UTC, on its own thread. The day sent last is
/// kept in the store so a restart neither skips nor repeats a day (and the
/// ledger would stop a repeat anyway).
fn start_notifications(
    store: Arc<dyn Store>,
    settings: hirundo_notify::Settings,
    channels: hirundo_notify::Channels,
    at_hour: u8,
) -> anyhow::Result<()> {
    const JOB: &str = "notify-daily";
    std::thread::Builder::new()
        .name("hirundo-notify".to_string())
        .spawn(move || loop {
            let now = crate::report::now_ns();
            let done = store.job_state(JOB).ok().flatten();
            for day in hirundo_notify::plan::days_due(now, at_hour, done) {
                match hirundo_notify::run(store.as_ref(), day, &settings, &channels, now) {
                    Ok(report) => {
                        let mut out = Vec::new();
                        let _ = crate::notify::print_report(&mut out, &report);
                        print!("hirundo serve: {}", String::from_utf8_lossy(&out));
                        if let Err(e) = store.set_job_state(JOB, day) {
                            eprintln!("hirundo serve: notifications: {e}");
                        }
                    }
                    Err(e) => {
                        eprintln!(
                            "hirundo serve: notifications for {}: {e:#}",
                            hirundo_calendar::date(day)
                        );
                        break;
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_secs(600));
        })
        .context("starting the notification thread")?;
    Ok(())
}

/// A new collector starts with the shipped starter directory, so that
/// routing and notifications work before anyone imports a directory.
/// Whether it did.
pub(crate) fn seed_directory(store: &dyn Store) -> anyhow::Result<bool> {
    if !store.teams()?.is_empty() {
        return Ok(false);
    }
    let now = crate::report::now_ns();
    for team in hirundo_directory::starter() {
        store.put_team(&team, now)?;
    }
    Ok(true)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load(args.config.as_deref())?;
    let channels = config.notify_channels()?;
    // Checked before anything starts: a bad webhook or SMTP setting is
    // an error at start, not a silent loss of every alert.
    let delivery = config.delivery()?;
    let enrichment = if args.no_enrich {
        None
    } else {
        Some(config.enrichment()?)
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let mut ready = prepare(
            &args.data,
            args.listen,
            &args.names,
            enrichment,
            args.max_segment,
        )
        .await?;
        ready.web.home = args.home.to_ascii_uppercase();
        // Incidents forwarded from the dashboard leave the same way as the
        // daily notifications.
        ready.web.notify = Some(Arc::new(config.notify_channels()?));
        ready.web.operator = args.operator.clone();
        let made = if ready.identity.created {
            "made"
        } else {
            "loaded"
        };
        println!("hirundo serve: data in {}", args.data.display());
        println!(
            "hirundo serve: certificate {made}; SHA-256 fingerprint {}",
            ready.identity.fingerprint()
        );
        println!("hirundo serve: listening on https://{}/", ready.addr);
        println!(
            "hirundo serve: dashboard at {}/ (public page: /public)",
            ready.web.base_url
        );
        start_watch(ready.collector.store().clone(), delivery)?;
        if seed_directory(ready.collector.store().as_ref())? {
            println!("hirundo serve: the directory was empty: loaded the starter directory (hirundo directory list)");
        }
        // Without a way out, a daily run would only log a failed notice
        // per team every day: nothing is started until the operator
        // configures one (and with it, chooses to tell other teams).
        let has_channel = channels.mailer.is_some() || !channels.webhook_secrets.is_empty();
        if config.notifications.enabled && has_channel {
            let settings = config.notify_settings(ready.collector.store().as_ref())?;
            println!(
                "hirundo serve: daily notifications at {:02}:00 UTC ({}); hirundo notify log --data {}",
                config.notifications.at_hour,
                settings.tlp,
                args.data.display()
            );
            start_notifications(
                ready.collector.store().clone(),
                settings,
                channels,
                config.notifications.at_hour,
            )?;
        } else if config.notifications.enabled {
            println!(
                "hirundo serve: no [notifications.smtp] or webhook secrets configured: no notifications are sent (hirundo notify preview shows what would go)"
            );
        }
        if ready.collector.store().accounts()?.is_empty() {
            println!(
                "hirundo serve: no dashboard account yet: hirundo user add NAME --data {}",
                args.data.display()
            );
        }
        ready.serve().await
    })?;
    Ok(ExitCode::SUCCESS)
}
