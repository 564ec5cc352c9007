use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use hirundo_analyze::Enrichment;
use hirundo_simulate::SimConfig;
use hirundo_summary::group;

use crate::analyze::analyze;
use crate::simulate::write_capture;

#[derive(clap::Args)]
pub struct Args {
    /// Packets in the simulated day.
    #[arg(long, value_name = "N", default_value_t = 500_000)]
    packets: u64,
    /// Random seed for the simulated traffic.
    #[arg(long, value_name = "S", default_value_t = 2026)]
    seed: u64,
    /// Keep the temporary folder instead of deleting it.
    #[arg(long)]
    keep: bool,
}

/// Simulates a day of darknet traffic into a temporary folder and prints
/// its analysis: the whole path a sensor's capture takes, on one machine.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = tempfile::Builder::new()
        .prefix("hirundo-demo-")
        .tempdir()
        .context("creating a temporary folder")?;
    let capture = dir.path().join("darknet-day.pcap");
    let config = SimConfig {
        packets: args.packets,
        days: 1,
        seed: args.seed,
        ..SimConfig::default()
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "Simulating one day of darknet traffic ({} packets, seed {}) into {}\n",
        group(config.packets),
        config.seed,
        capture.display()
    )?;
    write_capture(&config, &capture, None)?;
    let enrichment = Enrichment::builtin().context("loading the shipped IP data")?;
    let analysis = analyze(std::slice::from_ref(&capture), true, Some(&enrichment));
    for diagnostic in &analysis.diagnostics {
        eprintln!("hirundo: {diagnostic}");
    }
    out.write_all(hirundo_summary::render_text(&analysis.summary, 10).as_bytes())?;
    writeln!(
        out,
        "\nCountry and AS data: {}",
        enrichment.geo.attribution().join("; ")
    )?;
    if args.keep {
        let kept = dir.keep();
        writeln!(out, "\nKept {}", kept.display())?;
    }
    Ok(if analysis.had_fatal_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
