//! `hirundo`: argument parsing and wiring only. Every behaviour lives in a
//! library crate (`hirundo-analyze`, `hirundo-simulate`, ...).

mod alerts;
mod analyze;
mod config;
mod demo;
mod directory;
mod import;
mod incident;
mod lookup;
mod notify;
mod progress;
mod query;
mod report;
mod sensor;
mod serve;
mod simulate;
mod size;
mod user;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::LazyLock;

use clap::{Parser, Subcommand};

/// `--version` credits the shipped IP data, as its licences require.
static LONG_VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}\n\nShipped country and AS data:\n{}",
        env!("CARGO_PKG_VERSION"),
        hirundo_geo::ATTRIBUTION
    )
});

/// Open internet-threat monitoring for national CSIRTs: darknet sensors,
/// analysis, reports and cross-border coordination.
#[derive(Parser)]
#[command(name = "hirundo", version, long_version = LONG_VERSION.as_str(), propagate_version = true)]
#[command(
    after_help = "Exit status: 0 when all went well, 1 when some input could not be read \
whole (what could be read is still counted), 2 when nothing could be read or the arguments are wrong."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode captures and summarise them: ports, protocols, sources, fingerprints,
    /// countries and ASNs, time span.
    Analyze(analyze::Args),
    /// Write a realistic, deterministic darknet capture (and its ground truth).
    Simulate(simulate::Args),
    /// Start a collector and simulated sensors on this machine and show what they collect.
    Demo(demo::Args),
    /// Run the collector: HTTPS ingest from sensors, roll-ups, the web page and API.
    Serve(serve::Args),
    /// Import capture files into the collector's store as a sensor's segments.
    Import(import::Args),
    /// Register and manage sensors, or run one.
    Sensor(sensor::Args),
    /// Country, AS and research-scanner attribution of IP addresses, with sources.
    Lookup(lookup::Args),
    /// Dashboard accounts: add, list, passwd.
    User(user::Args),
    /// The periodic report (TSUBAME's quarterly shape) as HTML, Markdown or JSON.
    Report(report::Args),
    /// Surge detection: scan the store for surges, list the alerts.
    Alerts(alerts::Args),
    /// The collector's figures as JSON: series, top lists, sources, sensors.
    Query(query::Args),
    /// The CSIRT directory: import (Trusted Introducer, TOML), list, edit.
    Directory(directory::Args),
    /// The team each address is routed to, with the chain of reasons.
    Route(directory::RouteArgs),
    /// Daily notifications to the teams: preview, run, log.
    Notify(notify::Args),
    /// Incident records (RSIT): create, update, forward, import, statistics.
    Incident(incident::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Lookup(args) => lookup::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Import(args) => import::run(args),
        Command::Sensor(args) => sensor::run(args),
        Command::User(args) => user::run(args),
        Command::Report(args) => report::run(args),
        Command::Alerts(args) => alerts::run(args),
        Command::Query(args) => query::run(args),
        Command::Directory(args) => directory::run(args),
        Command::Route(args) => directory::route(args),
        Command::Notify(args) => notify::run(args),
        Command::Incident(args) => incident::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            // A reader that went away (`hirundo analyze x | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(io::stderr(), "hirundo: {err:#}");
            ExitCode::from(2)
        }
    }
}
