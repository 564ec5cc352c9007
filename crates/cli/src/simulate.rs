use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use hirundo_analyze::Enrichment;
use hirundo_simulate::{simulate_with, CaptureFormat, SimConfig, Simulation};
use hirundo_summary::{group, Attribution};

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the capture (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// How many packets to write.
    #[arg(long, value_name = "N", default_value_t = SimConfig::default().packets)]
    packets: u64,
    /// How many days the traffic spans.
    #[arg(long, value_name = "D", default_value_t = SimConfig::default().days)]
    days: u32,
    /// Random seed: the same seed writes the same capture, byte for byte.
    #[arg(long, value_name = "S", default_value_t = SimConfig::default().seed)]
    seed: u64,
    /// Capture format.
    #[arg(long, value_enum, default_value_t = FormatArg::Pcap)]
    format: FormatArg,
    /// Also write what went in as a hirundo.summary/1 JSON object: exactly
    /// what `hirundo analyze --format json` must print for the capture
    /// (countries and ASNs from the shipped IP data).
    #[arg(long, value_name = "FILE")]
    truth: Option<PathBuf>,
    /// The truth without countries, ASNs and research organisations, as
    /// `hirundo analyze --no-enrich` prints it.
    #[arg(long, requires = "truth")]
    no_enrich: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Pcap,
    Pcapng,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = SimConfig {
        packets: args.packets,
        days: args.days,
        seed: args.seed,
        format: match args.format {
            FormatArg::Pcap => CaptureFormat::Pcap,
            FormatArg::Pcapng => CaptureFormat::Pcapng,
        },
        ..SimConfig::default()
    };
    let enrichment = match (&args.truth, args.no_enrich) {
        (Some(_), false) => Some(Enrichment::builtin().context("loading the shipped IP data")?),
        _ => None,
    };
    let sim = write_capture(&config, &args.out, enrichment.as_ref())?;
    if let Some(truth) = &args.truth {
        write_truth(&sim, truth)?;
    }
    eprintln!(
        "hirundo: wrote {} packets from {} sources over {} day{} to {}",
        group(sim.summary.packets),
        group(sim.summary.sources),
        config.days,
        if config.days == 1 { "" } else { "s" },
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Simulates `config` into `path` (`-` is standard output); the truth is
/// enriched when `enrichment` is given.
pub fn write_capture(
    config: &SimConfig,
    path: &Path,
    enrichment: Option<&Enrichment>,
) -> anyhow::Result<Simulation> {
    config.validate()?;
    let label = path.display().to_string();
    let attribution = enrichment.map(|e| e as &dyn Attribution);
    if label == "-" {
        let sim = simulate_with(config, &label, io::stdout().lock(), attribution)?;
        return Ok(sim);
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let sim = simulate_with(
        config,
        &label,
        BufWriter::with_capacity(1 << 20, file),
        attribution,
    )
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(sim)
}

fn write_truth(sim: &Simulation, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, &sim.summary)?;
    writeln!(out)?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}
