//! `hirundo alerts`: run surge detection over the store, and list what it
//! raised.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hirundo_report::{date_of_day, parse_period};
use hirundo_rollup::NANOS_PER_HOUR;
use hirundo_store::{HourRange, Store};

#[derive(Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect surges over a period and store and deliver the alerts
    /// (idempotent: a rerun updates the same alerts).
    Scan {
        /// The collector's folder.
        #[arg(long)]
        data: PathBuf,
        /// What to scan, as `hirundo report --period` takes it (2026-03,
        /// 2026-01-01..2026-01-31...). Default: the last two days.
        #[arg(long)]
        period: Option<String>,
        /// Configuration file naming the webhooks and the SMTP relay.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The latest alerts, newest first.
    List {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Scan {
            data,
            period,
            config,
        } => {
            let store = crate::sensor::open(&data)?;
            let config = crate::config::Config::load(config.as_deref())?;
            let delivery = config.delivery()?;
            let hours = match period {
                Some(p) => {
                    let p = parse_period(&p)?;
                    HourRange {
                        from: p.from_day * 24,
                        to: p.to_day * 24,
                    }
                }
                None => {
                    let now = crate::report::now_ns() / NANOS_PER_HOUR;
                    HourRange {
                        from: now - 48,
                        to: now,
                    }
                }
            };
            let report = hirundo_watch::run(
                &store,
                &hirundo_surge::Config::hourly(),
                hirundo_surge::Grain::Hour,
                hours,
                &delivery,
            )
            .context("running surge detection")?;
            println!(
                "hirundo alerts: {} hours, {} series: {} opened, {} updated, {} closed",
                report.hours, report.series, report.opened, report.updated, report.closed
            );
            for problem in &report.problems {
                eprintln!("hirundo alerts: {problem}");
            }
            Ok(if report.failed_deliveries > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::List { data, limit } => {
            let store = crate::sensor::open(&data)?;
            for alert in store.alerts(i64::MIN, i64::MAX, limit)? {
                println!(
                    "#{:<5} {} {:?} {}",
                    alert.id,
                    date_of_day(alert.started_ns.div_euclid(86_400 * 1_000_000_000)),
                    alert.status,
                    alert.title
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
