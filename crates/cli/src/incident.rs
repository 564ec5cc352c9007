//! `hirundo incident`: incident records classified with RSIT, their
//! timelines, forwarding to the responsible team, CSV import of e-mailed
//! reports, and the statistics CERT.br publishes.

use std::io::{self, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hirundo_incident::summary::Summary;
use hirundo_incident::{Change, Incident, Link, NewIncident, State};
use hirundo_store::{IncidentQuery, Store};
use hirundo_tlp::Tlp;

use crate::config::Config;
use crate::report::now_ns;

#[derive(Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Record a new incident.
    Create {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        title: String,
        /// RSIT category, such as information-gathering.
        #[arg(long)]
        category: String,
        /// RSIT type within it, such as scanner.
        #[arg(long = "type")]
        kind: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "TLP:AMBER")]
        tlp: Tlp,
        /// Who reported it.
        #[arg(long, default_value = "operator")]
        reporter: String,
        /// ISO 3166-1 alpha-2 of the party concerned.
        #[arg(long)]
        country: Option<String>,
        /// Source addresses (repeat the flag).
        #[arg(long = "source")]
        sources: Vec<IpAddr>,
        /// When it happened: YYYY-MM-DD or RFC 3339.
        #[arg(long)]
        occurred: Option<String>,
        /// Who is recording it, for the timeline.
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Change an incident's state, label or links, or comment on it.
    Update {
        #[arg(long)]
        data: PathBuf,
        /// HIR-I-2026-000001.
        ticket: String,
        /// new, open, waiting, resolved, closed (forwarded: use `forward`).
        #[arg(long)]
        state: Option<State>,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long)]
        tlp: Option<Tlp>,
        #[arg(long = "source")]
        sources: Vec<IpAddr>,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// One incident and its timeline.
    Show {
        #[arg(long)]
        data: PathBuf,
        ticket: String,
        #[arg(long)]
        json: bool,
    },
    /// Incidents, newest first.
    List {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        state: Option<State>,
        /// RSIT category.
        #[arg(long)]
        category: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Import e-mailed reports from CSV (title, classification.taxonomy,
    /// classification.type, time, source.ip, description, tlp, reporter, country).
    Import {
        #[arg(long)]
        data: PathBuf,
        file: PathBuf,
        /// Reporter for rows that name none.
        #[arg(long, default_value = "csv import")]
        reporter: String,
    },
    /// Send an incident to the team responsible for its source.
    Forward {
        #[arg(long)]
        data: PathBuf,
        ticket: String,
        /// A directory team id; default: routed from the first source.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Incidents per year, month and category, and CERT.br's categories.
    Stats {
        #[arg(long)]
        data: PathBuf,
        /// Months and categories of this year; default: the latest.
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// The RSIT categories and types.
    Taxonomy,
}

fn find(store: &dyn Store, ticket: &str) -> anyhow::Result<Incident> {
    store
        .incident_by_ticket(ticket)?
        .with_context(|| format!("no incident {ticket:?}: see `hirundo incident list`"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Create {
            data,
            title,
            category,
            kind,
            description,
            tlp,
            reporter,
            country,
            sources,
            occurred,
            actor,
        } => {
            let store = crate::sensor::open(&data)?;
            let classification = hirundo_incident::rsit().classify(&category, &kind)?;
            let occurred_ns = occurred
                .as_deref()
                .map(hirundo_incident::parse_time)
                .transpose()
                .context("--occurred")?;
            let new = NewIncident {
                description,
                tlp,
                country,
                links: sources.into_iter().map(|ip| Link::Source { ip }).collect(),
                occurred_ns,
                ..NewIncident::new(title, classification, reporter)
            };
            let stored = add(&store, new, &actor, now_ns())?;
            println!("{} created ({})", stored.ticket, stored.classification);
            Ok(ExitCode::SUCCESS)
        }
        Command::Update {
            data,
            ticket,
            state,
            comment,
            tlp,
            sources,
            actor,
        } => {
            let store = crate::sensor::open(&data)?;
            let mut incident = find(&store, &ticket)?;
            let change = Change {
                state,
                tlp,
                comment,
                add_links: sources.into_iter().map(|ip| Link::Source { ip }).collect(),
                ..Change::default()
            };
            let read_at = incident.updated_ns;
            let events = hirundo_incident::apply(&mut incident, change, &actor, now_ns())?;
            store.update_incident(&incident, read_at, &events)?;
            println!(
                "{} is {} ({} changes)",
                incident.ticket,
                incident.state,
                events.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { data, ticket, json } => {
            let store = crate::sensor::open(&data)?;
            let incident = find(&store, &ticket)?;
            let events = store.incident_events(incident.id)?;
            let mut w = io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(
                    &mut w,
                    &serde_json::json!({"tlp": incident.tlp.label(), "incident": incident, "timeline": events}),
                )?;
                writeln!(w)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(w, "{}", incident.tlp.label())?;
            writeln!(w, "{}  {}", incident.ticket, incident.title)?;
            writeln!(w, "  state           {}", incident.state)?;
            writeln!(w, "  classification  {}", incident.classification)?;
            writeln!(w, "  reporter        {}", incident.reporter)?;
            if let Some(c) = &incident.country {
                writeln!(w, "  country         {c}")?;
            }
            if let Some(t) = &incident.team {
                writeln!(w, "  forwarded to    {t}")?;
            }
            for link in &incident.links {
                writeln!(w, "  link            {}", serde_json::to_string(link)?)?;
            }
            if !incident.description.is_empty() {
                writeln!(w, "\n{}\n", incident.description)?;
            }
            writeln!(w, "timeline:")?;
            for e in &events {
                writeln!(
                    w,
                    "  {}  {:<12} {}",
                    hirundo_calendar::rfc3339_seconds(e.at_ns.div_euclid(1_000_000_000)),
                    e.actor,
                    serde_json::to_string(&e.what)?
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::List {
            data,
            state,
            category,
            limit,
            json,
        } => {
            let store = crate::sensor::open(&data)?;
            let list = store.incidents(&IncidentQuery {
                state,
                taxonomy: category,
                limit,
                ..IncidentQuery::default()
            })?;
            let mut w = io::stdout().lock();
            if json {
                let top = list.iter().map(|i| i.tlp).max().unwrap_or(Tlp::Clear);
                serde_json::to_writer_pretty(
                    &mut w,
                    &serde_json::json!({"tlp": top.label(), "incidents": list}),
                )?;
                writeln!(w)?;
                return Ok(ExitCode::SUCCESS);
            }
            for i in &list {
                writeln!(
                    w,
                    "{}  {:<10} {:<17} {:<40} {}",
                    i.ticket,
                    i.state.to_string(),
                    i.tlp.label(),
                    i.classification.to_string(),
                    i.title
                )?;
            }
            writeln!(w, "{} incidents", list.len())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            data,
            file,
            reporter,
        } => {
            let store = crate::sensor::open(&data)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let now = now_ns();
            let import = hirundo_incident::import_csv(&text, &reporter, now);
            for w in &import.warnings {
                eprintln!("hirundo incident: {}: {w}", file.display());
            }
            for r in &import.rejected {
                eprintln!(
                    "hirundo incident: {}:{}{}: {}",
                    file.display(),
                    r.line,
                    r.column
                        .as_deref()
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    r.why
                );
            }
            let mut made = Vec::new();
            for (line, new) in import.rows {
                let stored = add(&store, new, "csv import", now)
                    .with_context(|| format!("{}:{line}", file.display()))?;
                made.push(stored.ticket);
            }
            println!(
                "hirundo incident: {} incidents imported from {}, {} rows rejected{}",
                made.len(),
                file.display(),
                import.rejected.len(),
                if made.is_empty() {
                    String::new()
                } else {
                    format!(": {} .. {}", made[0], made[made.len() - 1])
                }
            );
            Ok(if import.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Forward {
            data,
            ticket,
            team,
            config,
            actor,
        } => {
            let store = crate::sensor::open(&data)?;
            let config = Config::load(config.as_deref())?;
            let geo = config.geo()?;
            let channels = config.notify_channels()?;
            let incident = find(&store, &ticket)?;
            let locate = |ip: IpAddr| crate::directory::origin_of(&geo, ip);
            let done = hirundo_notify::forward::forward(
                &store,
                incident.id,
                team.as_deref(),
                &locate,
                &actor,
                &channels,
                now_ns(),
            )?;
            println!(
                "{} -> {}: {} as {} {}{}",
                done.incident,
                done.team,
                done.status.as_str(),
                done.ticket,
                done.recipients,
                if done.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", done.detail)
                }
            );
            Ok(if done.status == hirundo_store::NotificationStatus::Sent {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Stats { data, year, json } => {
            let store = crate::sensor::open(&data)?;
            let all = store.incidents(&IncidentQuery::default())?;
            let stats = Summary::of(&all, year, now_ns());
            let mut w = io::stdout().lock();
            if json {
                let mut value = serde_json::to_value(&stats)?;
                if let Some(fields) = value.as_object_mut() {
                    fields.insert("tlp".into(), hirundo_incident::summary::TLP.label().into());
                }
                serde_json::to_writer_pretty(&mut w, &value)?;
                writeln!(w)?;
            } else {
                print_statistics(&mut w, &stats)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Taxonomy => {
            let mut w = io::stdout().lock();
            for c in hirundo_incident::rsit().categories() {
                writeln!(w, "{}  ({})", c.value, c.expanded)?;
                for t in &c.types {
                    writeln!(w, "  {:<40} {}", t.value, t.expanded)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Validates and stores a new incident; the store numbers it.
pub(crate) fn add(
    store: &dyn Store,
    new: NewIncident,
    actor: &str,
    now: i64,
) -> anyhow::Result<Incident> {
    // The store gives the real id and ticket in the same transaction.
    let (incident, event) = hirundo_incident::create(
        new,
        0,
        hirundo_incident::PENDING_TICKET.to_owned(),
        actor,
        now,
    )?;
    Ok(store.add_incident(&incident, &[event])?)
}

fn print_statistics(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    writeln!(w, "{}", hirundo_incident::summary::TLP.label())?;
    writeln!(w, "incidents per year:")?;
    for row in &s.by_year {
        writeln!(w, "  {}  {:>7}", row.year, row.incidents)?;
    }
    writeln!(w, "per month of {}:", s.year)?;
    for row in &s.by_month {
        writeln!(w, "  {}  {:>7}", row.month, row.incidents)?;
    }
    writeln!(w, "per RSIT category in {}:", s.year)?;
    for row in &s.by_category_of_year {
        writeln!(w, "  {:<28} {:>7}", row.category, row.incidents)?;
    }
    writeln!(w, "per CERT.br category (spam apart):")?;
    for row in &s.certbr_by_year {
        let cats: Vec<String> = row
            .categories
            .iter()
            .map(|c| format!("{} {}", c.category, c.incidents))
            .collect();
        writeln!(w, "  {}  {}", row.year, cats.join(", "))?;
    }
    writeln!(w, "spam reports per year:")?;
    for row in &s.spam_by_year {
        writeln!(w, "  {}  {:>7}", row.year, row.incidents)?;
    }
    Ok(())
}
