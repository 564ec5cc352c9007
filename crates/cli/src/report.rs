//! `hirundo report`: the periodic report, from the collector's store.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use hirundo_report::{build, parse_period, BuildOptions};
use hirundo_store::Store;

#[derive(Parser)]
pub struct Args {
    /// The period: a quarter (2026Q1), a month (2026-03), an ISO week
    /// (2026-W10) or days (2026-01-05..2026-02-10, both included).
    #[arg(long)]
    period: String,
    #[arg(long, value_enum, default_value = "html")]
    format: Format,
    /// Where to write it (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The collector's folder.
    #[arg(long)]
    data: PathBuf,
    /// ISO 3166-1 code of the CSIRT publishing the report: its sensors are
    /// domestic, the others overseas. Default: the country most sensors
    /// are in.
    #[arg(long)]
    home: Option<String>,
    /// Leave research scanners out of every figure but their own section.
    #[arg(long)]
    exclude_research: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Html,
    Md,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let period = parse_period(&args.period)?;
    let store = crate::sensor::open(&args.data)?;
    let home = match args.home {
        Some(home) => home,
        None => most_common_country(&store)?,
    };
    let options = BuildOptions {
        home,
        exclude_research: args.exclude_research,
        now_ns: now_ns(),
        attribution: hirundo_geo::ATTRIBUTION
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let report = build(&store, &period, &options)
        .with_context(|| format!("building the report for {}", args.period))?;
    let text = match args.format {
        Format::Html => hirundo_report::render_html(&report),
        Format::Md => hirundo_report::render_markdown(&report),
        Format::Json => hirundo_report::render_json(&report),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The country most registered sensors are in ("ZZ" with none).
pub fn most_common_country(store: &dyn Store) -> anyhow::Result<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for sensor in store.sensors()? {
        *counts.entry(sensor.country).or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .max_by_key(|(cc, n)| (*n, std::cmp::Reverse(cc.clone())))
        .map_or_else(|| "ZZ".to_string(), |(cc, _)| cc))
}

pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}
