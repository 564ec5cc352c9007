use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use hirundo_collector::{Accepted, Collector};
use hirundo_summary::group;

use crate::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap or pcapng, plain, gzip or zstd).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The registered sensor the captures came from.
    #[arg(long, value_name = "NAME")]
    sensor: String,
    /// The collector's folder.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Roll up without countries, ASNs or research organisations.
    #[arg(long)]
    no_enrich: bool,
    /// Configuration file (TOML) naming the geo sources and research list.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Imports each file as the sensor's next segment through the collector's
/// own ingest path.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enrichment = if args.no_enrich {
        None
    } else {
        Some(Config::load(args.config.as_deref())?.enrichment()?)
    };
    let collector = Collector::open(&args.data, enrichment)
        .with_context(|| format!("opening the collector's data in {}", args.data.display()))?;
    let sensor = collector.store().sensor(&args.sensor)?.with_context(|| {
        format!(
            "no sensor named {:?}; register it with `hirundo sensor add`",
            args.sensor
        )
    })?;
    let mut failed = false;
    for file in &args.files {
        match collector.import(&sensor, file) {
            Ok((seq, Accepted::New { packets })) => println!(
                "{}: imported as segment {seq} of {}: {} packets",
                file.display(),
                sensor.name,
                group(packets)
            ),
            Ok((seq, Accepted::Duplicate)) => println!(
                "{}: already imported as segment {seq} of {}; not counted again",
                file.display(),
                sensor.name
            ),
            Err(err) => {
                eprintln!("hirundo: {}: {err}", file.display());
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
