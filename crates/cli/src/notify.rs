//! `hirundo notify`: the daily notifications to the teams of the
//! directory: preview them, send them, read the log.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hirundo_notify::Decision;
use hirundo_store::{NotificationStatus, SqliteStore, Store};

use crate::config::Config;
use crate::report::now_ns;

#[derive(Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// Which collector, which day, which configuration.
#[derive(clap::Args)]
struct Day {
    #[arg(long)]
    data: PathBuf,
    /// The UTC day to report (YYYY-MM-DD). Default: yesterday.
    #[arg(long)]
    day: Option<String>,
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// What `notify run` would send, storing and sending nothing.
    Preview {
        #[command(flatten)]
        day: Day,
        /// Also write each notice's attachments and mail text here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Send the notifications of a day: one message per team, never a
    /// source-day twice (a re-run sends only what is new).
    Run {
        #[command(flatten)]
        day: Day,
    },
    /// What went to whom, newest first.
    Log {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        team: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

impl Day {
    /// The store, the configuration, the run's settings and the day number.
    fn open(&self) -> anyhow::Result<(SqliteStore, Config, hirundo_notify::Settings, i64)> {
        let store = crate::sensor::open(&self.data)?;
        let config = Config::load(self.config.as_deref())?;
        let settings = config.notify_settings(&store)?;
        Ok((store, config, settings, day_of(self.day.as_deref())?))
    }
}

fn day_of(text: Option<&str>) -> anyhow::Result<i64> {
    match text {
        Some(t) => {
            hirundo_calendar::parse_date(t).with_context(|| format!("--day {t:?}: use YYYY-MM-DD"))
        }
        None => Ok(now_ns().div_euclid(86_400_000_000_000) - 1),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Preview { day, out } => {
            let (store, _, settings, day) = day.open()?;
            let (plan, notices) = hirundo_notify::preview(&store, day, &settings, now_ns())?;
            let mut w = io::stdout().lock();
            writeln!(
                w,
                "notifications for {} ({}), preview: nothing is stored or sent",
                hirundo_calendar::date(day),
                settings.tlp
            )?;
            for batch in &plan.batches {
                let what = match &batch.decision {
                    Decision::Send => "would send".to_owned(),
                    Decision::OptedOut => "opted out, not sent".to_owned(),
                    Decision::Withheld { why } => format!("withheld: {why}"),
                };
                let to = batch.team.notification_addresses().join(", ");
                let left_out = if batch.omitted > 0 {
                    format!(" (+{} left out)", batch.omitted)
                } else {
                    String::new()
                };
                writeln!(
                    w,
                    "  {:<24} {:>6} sources{left_out} {:>7} source-days  {what}{}",
                    batch.team.id,
                    batch.rows.len(),
                    batch.source_days.len(),
                    if to.is_empty() {
                        String::new()
                    } else {
                        format!("  to {to}")
                    }
                )?;
            }
            let s = plan.skipped;
            writeln!(
                w,
                "  left out (source-days): {} spoofed, {} research scanners, {} unrouted, {} already sent",
                s.spoofed, s.research, s.unrouted, s.already_sent
            )?;
            if let Some(dir) = out {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                for notice in &notices {
                    let base = dir.join(&notice.team.id);
                    std::fs::create_dir_all(&base)
                        .with_context(|| format!("creating {}", base.display()))?;
                    let mail = format!(
                        "Subject: {}\n\n{}",
                        hirundo_notify::format::subject(notice),
                        hirundo_notify::format::body_text(notice)
                    );
                    std::fs::write(base.join("mail.txt"), mail)?;
                    for a in hirundo_notify::run::attachments(notice) {
                        std::fs::write(base.join(&a.filename), a.body)?;
                    }
                }
                writeln!(w, "  notices written under {}", dir.display())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { day } => {
            let (store, config, settings, day) = day.open()?;
            let channels = config.notify_channels()?;
            let report = hirundo_notify::run(&store, day, &settings, &channels, now_ns())
                .context("running the notifications")?;
            let mut w = io::stdout().lock();
            print_report(&mut w, &report)?;
            let failed = report
                .outcomes
                .iter()
                .any(|o| o.status == NotificationStatus::Failed);
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Log {
            data,
            team,
            limit,
            json,
        } => {
            let store = crate::sensor::open(&data)?;
            let log = store.notifications(i64::MIN, i64::MAX, team.as_deref(), limit)?;
            let mut w = io::stdout().lock();
            if json {
                // Who was told what about which networks: not public.
                let labelled = serde_json::json!({ "tlp": hirundo_tlp::Tlp::Amber.label(), "notifications": log });
                serde_json::to_writer_pretty(&mut w, &labelled)?;
                writeln!(w)?;
                return Ok(ExitCode::SUCCESS);
            }
            for n in &log {
                writeln!(
                    w,
                    "{}  {}  {:<20} {:<9} {:<10} {:>6} sources  {}..{}  {}  {}",
                    n.ticket,
                    hirundo_calendar::rfc3339_seconds(n.created_ns.div_euclid(1_000_000_000)),
                    n.team,
                    n.status.as_str(),
                    n.tlp.label(),
                    n.sources,
                    hirundo_calendar::date(n.from_day),
                    hirundo_calendar::date(n.to_day - 1),
                    n.recipients,
                    n.detail
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn print_report(
    w: &mut impl Write,
    report: &hirundo_notify::RunReport,
) -> io::Result<()> {
    writeln!(
        w,
        "notifications for {}: {} teams",
        hirundo_calendar::date(report.day),
        report.outcomes.len()
    )?;
    for o in &report.outcomes {
        writeln!(
            w,
            "  {:<20} {:<24} {:<9} {:>6} sources  {}{}",
            o.ticket.as_deref().unwrap_or("-"),
            o.team,
            o.status.as_str(),
            o.sources,
            o.recipients,
            if o.detail.is_empty() {
                String::new()
            } else {
                format!("  ({})", o.detail)
            }
        )?;
    }
    let s = report.skipped;
    writeln!(
        w,
        "  left out (source-days): {} spoofed, {} research scanners, {} unrouted, {} already sent",
        s.spoofed, s.research, s.unrouted, s.already_sent
    )
}
