//! `hirundo directory` and `hirundo route`: the CSIRT directory in the
//! store, and which team a source address goes to, with the reasons.

use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use hirundo_directory::{Directory, Origin, Team};
use hirundo_store::Store;

use crate::config::Config;
use crate::report::now_ns;

#[derive(Parser)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    /// Trusted Introducer's `teams.json`.
    Ti,
    /// `[[team]]` tables, as `hirundo directory export` writes them.
    Toml,
}

#[derive(Subcommand)]
enum Command {
    /// Add or replace teams from a Trusted Introducer teams.json or a TOML file.
    Import {
        #[arg(long)]
        data: PathBuf,
        file: PathBuf,
        /// Default: by the file's extension (.json: ti, .toml: toml).
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
    },
    /// Add the shipped starter directory (JPCERT/CC, CERT.br, CERT-MX).
    Starter {
        #[arg(long)]
        data: PathBuf,
    },
    /// Every team, one a line.
    List {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// One team in full (TOML).
    Show {
        #[arg(long)]
        data: PathBuf,
        id: String,
    },
    /// The whole directory as TOML, to edit and import again.
    Export {
        #[arg(long)]
        data: PathBuf,
    },
    /// Remove a team.
    Remove {
        #[arg(long)]
        data: PathBuf,
        id: String,
    },
    /// Change how a team is notified.
    Set {
        #[arg(long)]
        data: PathBuf,
        id: String,
        /// Stop (true) or resume (false) its notifications.
        #[arg(long)]
        opt_out: Option<bool>,
        /// The most restricted TLP label it accepts.
        #[arg(long)]
        max_tlp: Option<hirundo_tlp::Tlp>,
        /// Make it our own team: the fallback for every unrouted source.
        #[arg(long)]
        ours: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import { data, file, format } => import(&data, &file, format),
        Command::Starter { data } => {
            let store = crate::sensor::open(&data)?;
            let teams = hirundo_directory::starter();
            let n = teams.len();
            merge(&store, teams)?;
            println!("hirundo directory: {n} starter teams added (fields marked unverified were not confirmed from the teams' own pages)");
            Ok(ExitCode::SUCCESS)
        }
        Command::List { data, json } => {
            let store = crate::sensor::open(&data)?;
            let teams = store.teams()?;
            let mut out = io::stdout().lock();
            if json {
                // Contacts and constituencies are not public.
                let labelled =
                    serde_json::json!({ "tlp": hirundo_tlp::Tlp::Amber.label(), "teams": teams });
                serde_json::to_writer_pretty(&mut out, &labelled)?;
                writeln!(out)?;
                return Ok(ExitCode::SUCCESS);
            }
            for t in &teams {
                writeln!(
                    out,
                    "{:<24} {:<3} {:<9} {:<16} {:>4} prefixes {:>4} ASNs  {}{}{}",
                    t.id,
                    t.country.as_deref().unwrap_or("--"),
                    format!("{:?}", t.kind).to_lowercase(),
                    t.max_tlp.label(),
                    t.constituency.prefixes.len(),
                    t.constituency.asns.len(),
                    t.short_name,
                    if t.ours { "  [ours]" } else { "" },
                    if t.opt_out { "  [opted out]" } else { "" },
                )?;
            }
            writeln!(out, "{} teams", teams.len())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { data, id } => {
            let store = crate::sensor::open(&data)?;
            let team = store
                .team(&id)?
                .with_context(|| format!("no team {id:?}: see `hirundo directory list`"))?;
            print!("{}", hirundo_directory::to_toml(&[team]));
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { data } => {
            let store = crate::sensor::open(&data)?;
            print!("{}", hirundo_directory::to_toml(&store.teams()?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Remove { data, id } => {
            let store = crate::sensor::open(&data)?;
            store.delete_team(&id)?;
            println!("hirundo directory: removed {id}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Set {
            data,
            id,
            opt_out,
            max_tlp,
            ours,
        } => {
            let store = crate::sensor::open(&data)?;
            let mut teams = store.teams()?;
            let Some(at) = teams.iter().position(|t| t.id == id) else {
                bail!("no team {id:?}: see `hirundo directory list`");
            };
            if ours {
                for t in &mut teams {
                    t.ours = false;
                }
            }
            let team = &mut teams[at];
            if let Some(o) = opt_out {
                team.opt_out = o;
            }
            if let Some(t) = max_tlp {
                team.max_tlp = t;
            }
            team.ours |= ours;
            // Checked as a whole before anything is written.
            Directory::new(teams.clone())?;
            let now = now_ns();
            for t in &teams {
                store.put_team(t, now)?;
            }
            println!("hirundo directory: {id} updated");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import(data: &Path, file: &Path, format: Option<FileFormat>) -> anyhow::Result<ExitCode> {
    let store = crate::sensor::open(data)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let format = match format {
        Some(f) => f,
        None => match file.extension().and_then(|e| e.to_str()) {
            Some("json") => FileFormat::Ti,
            Some("toml") => FileFormat::Toml,
            _ => bail!(
                "{}: say --format ti or --format toml (the extension does not tell)",
                file.display()
            ),
        },
    };
    let (teams, rejected) = match format {
        FileFormat::Ti => {
            let import = hirundo_directory::trusted_introducer(&text)
                .with_context(|| format!("in {}", file.display()))?;
            (import.teams, import.rejected)
        }
        FileFormat::Toml => (
            hirundo_directory::from_toml(&text)
                .with_context(|| format!("in {}", file.display()))?,
            Vec::new(),
        ),
    };
    for r in &rejected {
        eprintln!(
            "hirundo directory: {}: entry {} ({}) left out: {}",
            file.display(),
            r.index,
            r.name,
            r.why
        );
    }
    let n = teams.len();
    merge(&store, teams)?;
    println!(
        "hirundo directory: {n} teams imported from {}, {} left out",
        file.display(),
        rejected.len()
    );
    Ok(if rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Adds `teams` to the stored directory (replacing those with the same
/// id) after checking the result as a whole: nothing is written unless
/// the merged directory is valid.
fn merge(store: &dyn Store, teams: Vec<Team>) -> anyhow::Result<()> {
    let mut all = store.teams()?;
    for team in &teams {
        all.retain(|t| t.id != team.id);
    }
    all.extend(teams.iter().cloned());
    Directory::new(all).context("the directory would not be valid after this import")?;
    let now = now_ns();
    for team in &teams {
        store.put_team(team, now)?;
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct RouteArgs {
    /// IPv4 or IPv6 addresses.
    #[arg(required = true, value_name = "IP")]
    addresses: Vec<String>,
    #[arg(long)]
    data: PathBuf,
    /// Configuration file: which IP-to-country/ASN sources.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `hirundo route IP...`: the team each address goes to and why.
pub fn route(args: RouteArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args.config.as_deref())?;
    let geo = config.geo()?;
    let store = crate::sensor::open(&args.data)?;
    let directory = Directory::new(store.teams()?)?;
    let mut out = io::stdout().lock();
    let mut bad = 0;
    for text in &args.addresses {
        let Ok(ip) = text.parse::<IpAddr>() else {
            eprintln!("hirundo: {text:?} is not an IPv4 or IPv6 address");
            bad += 1;
            continue;
        };
        let (asn, cc) = origin_of(&geo, ip);
        writeln!(
            out,
            "{ip}  (AS{}, {})",
            asn.map_or("?".to_owned(), |a| a.to_string()),
            cc.as_deref().unwrap_or("country unknown")
        )?;
        let route = directory.route(&Origin {
            ip,
            asn,
            cc: cc.as_deref(),
        });
        writeln!(out, "{route}")?;
    }
    writeln!(out, "Data: {}", geo.attribution().join("; "))?;
    Ok(match bad {
        0 => ExitCode::SUCCESS,
        n if n == args.addresses.len() => ExitCode::from(2),
        _ => ExitCode::from(1),
    })
}

/// The AS and country the configured sources give first.
pub(crate) fn origin_of(geo: &hirundo_geo::Geo, ip: IpAddr) -> (Option<u32>, Option<String>) {
    let lookup = geo.lookup(ip);
    (
        lookup.primary_asn().map(|a| a.asn.0),
        lookup
            .primary_country()
            .map(|c| c.country.as_str().to_owned()),
    )
}
