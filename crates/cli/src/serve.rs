use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use hirundo_analyze::Enrichment;
use hirundo_collector::{Collector, Identity};

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
}

/// The collector, ready to serve.
pub struct Ready {
    pub collector: Arc<Collector>,
    pub identity: Identity,
    pub listener: tokio::net::TcpListener,
    pub addr: SocketAddr,
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
    Ok(Ready {
        collector: Arc::new(collector),
        identity,
        listener,
        addr,
    })
}

impl Ready {
    /// Serves until the process ends.
    pub async fn serve(self) -> anyhow::Result<()> {
        let tls = self.identity.server_config()?;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let router = hirundo_collector::router(self.collector, workers);
        hirundo_collector::serve_tls(self.listener, tls, router).await;
        Ok(())
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enrichment = if args.no_enrich {
        None
    } else {
        Some(Config::load(args.config.as_deref())?.enrichment()?)
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let ready = prepare(
            &args.data,
            args.listen,
            &args.names,
            enrichment,
            args.max_segment,
        )
        .await?;
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
        ready.serve().await
    })?;
    Ok(ExitCode::SUCCESS)
}
