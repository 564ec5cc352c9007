use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::ValueEnum;
use hirundo_analyze::Enrichment;
use hirundo_geo::{CountryCode, Dataset};
use hirundo_simulate::{
    simulate_with, Campaign, CampaignSpec, CaptureFormat, Ipv4Prefix, SimConfig, Simulation,
};
use hirundo_summary::{group, Attribution, PortProto, Timestamp};
use serde::Serialize;

/// The schema name of the `--campaigns-out` file.
const CAMPAIGNS_SCHEMA: &str = "hirundo.campaigns/1";

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
    /// When the capture starts (UTC, a whole microsecond), such as
    /// 2026-03-01T00:00:00Z.
    #[arg(long, value_name = "TIME", default_value = "2026-01-01T00:00:00Z")]
    start: hirundo_summary::Timestamp,
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
    /// Inject a scanning campaign (repeatable), on top of --packets:
    /// KEY=VALUE pairs such as
    /// `port=8728/tcp,start=2026-01-10T03:00:00Z,sources=40,rate=20,duration=6h,country=BR,label=mikrotik`.
    /// `start` is RFC 3339 UTC or an offset from the capture's start
    /// (`+3d4h`); `duration` defaults to 6h; `rate` is packets per second
    /// for the whole campaign; `country` draws the sources from the
    /// ranges the shipped IP data gives that country, `from=PREFIX`
    /// (repeatable) from given ranges, neither from anywhere.
    #[arg(long = "campaign", value_name = "SPEC")]
    campaigns: Vec<CampaignSpec>,
    /// Write what each campaign sent as a hirundo.campaigns/1 JSON object
    /// (its port, span, country, sources and packets, exactly).
    #[arg(long, value_name = "FILE")]
    campaigns_out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Pcap,
    Pcapng,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = SimConfig {
        packets: args.packets,
        days: args.days,
        seed: args.seed,
        start_ns: args.start.nanos(),
        format: match args.format {
            FormatArg::Pcap => CaptureFormat::Pcap,
            FormatArg::Pcapng => CaptureFormat::Pcapng,
        },
        ..SimConfig::default()
    };
    let dataset = match args.campaigns.iter().any(|c| c.country.is_some()) {
        true => Some(hirundo_geo::builtin_dataset().context("loading the shipped IP data")?),
        false => None,
    };
    config.campaigns = args
        .campaigns
        .iter()
        .enumerate()
        .map(|(i, spec)| resolve_campaign(i, spec, config.start_ns, dataset.as_ref()))
        .collect::<anyhow::Result<_>>()?;
    drop(dataset);
    let enrichment = match (&args.truth, args.no_enrich) {
        (Some(_), false) => Some(Enrichment::builtin().context("loading the shipped IP data")?),
        _ => None,
    };
    let sim = write_capture(&config, &args.out, enrichment.as_ref())?;
    if let Some(truth) = &args.truth {
        write_truth(&sim, truth)?;
    }
    if let Some(path) = &args.campaigns_out {
        write_campaigns(&sim, &args.campaigns, path)?;
    }

    eprintln!(
        "hirundo: wrote {} packets from {} sources over {} day{} to {}",
        group(sim.summary.packets),
        group(sim.summary.sources),
        config.days,
        if config.days == 1 { "" } else { "s" },
        args.out.display()
    );
    for c in &sim.campaigns {
        eprintln!(
            "hirundo: campaign {}: {} packets from {} sources to {}/{}",
            c.campaign.name(),
            group(c.packets),
            group(c.sources),
            c.campaign.port,
            c.campaign.proto.as_str()
        );
    }
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

/// The campaign `spec` describes for a capture starting at
/// `capture_start_ns`, its country resolved to the prefixes `dataset`
/// places there.
fn resolve_campaign(
    index: usize,
    spec: &CampaignSpec,
    capture_start_ns: i64,
    dataset: Option<&Dataset>,
) -> anyhow::Result<Campaign> {
    let mut campaign = spec.to_campaign(capture_start_ns);
    let (Some(country), Some(dataset)) = (&spec.country, dataset) else {
        return Ok(campaign);
    };
    let name = || format!("campaign {} ({})", index + 1, campaign.name());
    let Ok(code) = country.parse::<CountryCode>() else {
        bail!("{}: {country:?} is not a two-letter country code", name());
    };
    let ranges = dataset.country_ranges_v4(code);
    if ranges.is_empty() {
        bail!(
            "{}: the shipped IP data places no IPv4 address in {code}: use an ISO 3166-1 \
             alpha-2 code such as BR, JP or MX",
            name()
        );
    }
    campaign.from = ranges
        .iter()
        .flat_map(|&(first, last)| Ipv4Prefix::cover(first, last))
        .collect();
    Ok(campaign)
}

/// The `hirundo.campaigns/1` object.
#[derive(Serialize)]
struct CampaignsFile<'a> {
    schema: &'static str,
    campaigns: Vec<CampaignRecord<'a>>,
}

/// One campaign: as asked for, then what it sent.
#[derive(Serialize)]
struct CampaignRecord<'a> {
    label: Option<&'a str>,
    proto: PortProto,
    port: u16,
    start: Timestamp,
    /// The first instant after the campaign.
    end: Timestamp,
    country: Option<&'a str>,
    /// Packets per second, all sources together.
    rate: f64,
    requested_sources: u32,
    /// Distinct sources that sent at least one packet.
    sources: u64,
    packets: u64,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
}

fn write_campaigns(sim: &Simulation, specs: &[CampaignSpec], path: &Path) -> anyhow::Result<()> {
    let campaigns = sim
        .campaigns
        .iter()
        .zip(specs)
        .map(|(t, spec)| CampaignRecord {
            label: t.campaign.label.as_deref(),
            proto: t.campaign.proto,
            port: t.campaign.port,
            start: Timestamp(t.campaign.start_ns),
            end: Timestamp(t.campaign.end_ns()),
            country: spec.country.as_deref(),
            rate: t.campaign.rate,
            requested_sources: t.campaign.sources,
            sources: t.sources,
            packets: t.packets,
            first_ts: t.first_ns.map(Timestamp),
            last_ts: t.last_ns.map(Timestamp),
        })
        .collect();
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let doc = CampaignsFile {
        schema: CAMPAIGNS_SCHEMA,
        campaigns,
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

fn write_truth(sim: &Simulation, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, &sim.summary)?;
    writeln!(out)?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}
