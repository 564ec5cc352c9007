use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use hirundo_collector::registry;
use hirundo_sensor::{
    capture_live, parse_fingerprint, replay, CaptureCounters, SegmentConfig, SegmentWriter, Sensor,
    ShipConfig, Spool,
};
use hirundo_store::{NetworkType, SqliteStore, Store};
use hirundo_summary::{group, Timestamp};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Register a sensor and print its token (shown once).
    Add(AddArgs),
    /// List registered sensors and what they delivered.
    List(DataArgs),
    /// One sensor in full, including its address ranges (operator only).
    Show(NameArgs),
    /// Stop accepting uploads from a sensor.
    Disable(NameArgs),
    /// Accept uploads from a disabled sensor again.
    Enable(NameArgs),
    /// Give a sensor a new token; the old one stops working at once.
    RotateToken(NameArgs),
    /// Capture (or replay a capture) into a spool and ship it to a collector.
    Run(RunArgs),
    /// Cut a capture file into segments in a spool, without shipping: for a
    /// spool carried to the collector on a disk, or a back-fill.
    Spool(SpoolFileArgs),
    /// Ship what a spool holds and exit when the collector has all of it.
    Ship(ShipArgs),
}

#[derive(clap::Args)]
struct DataArgs {
    /// The collector's folder.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
}

#[derive(clap::Args)]
struct NameArgs {
    name: String,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(clap::Args)]
struct AddArgs {
    /// 1 to 64 letters, digits, '.', '_' or '-'.
    name: String,
    /// ISO 3166-1 alpha-2 code of the country the sensor is in.
    #[arg(long, value_name = "CC")]
    country: String,
    /// Where the sensor sits.
    #[arg(long, value_name = "TYPE", value_parser = ["xdsl", "ix", "datacenter", "campus", "other"])]
    network_type: String,
    /// Address ranges (CIDR) the sensor listens on. Kept private.
    #[arg(long, value_name = "CIDR", num_args = 1.., required = true)]
    addresses: Vec<String>,
    #[command(flatten)]
    data: DataArgs,
}

/// Where to ship, as whom, and from which spool.
#[derive(clap::Args)]
pub struct ShipArgs {
    /// The collector, `https://host:port`.
    #[arg(long, value_name = "URL")]
    collector: String,
    /// SHA-256 of the collector's certificate, as `hirundo serve` prints it.
    #[arg(long, value_name = "SHA256")]
    fingerprint: String,
    /// The sensor's token (or set HIRUNDO_TOKEN, which keeps it out of `ps`).
    #[arg(long, value_name = "T", env = "HIRUNDO_TOKEN", hide_env_values = true)]
    token: String,
    /// The sensor's registered name.
    #[arg(long, value_name = "NAME")]
    name: String,
    #[command(flatten)]
    spool: SpoolArgs,
}

#[derive(clap::Args)]
pub struct SpoolArgs {
    /// Where segments wait for the collector.
    #[arg(long, value_name = "DIR", default_value = "hirundo-spool")]
    spool: PathBuf,
    /// Most bytes the spool may hold; capture pauses (and counts what it
    /// misses) when it is full.
    #[arg(long, value_name = "SIZE", default_value = "10G", value_parser = crate::size::parse)]
    spool_cap: u64,
}

/// How segments are cut.
#[derive(clap::Args)]
pub struct SegmentArgs {
    /// Rotate segments at this size (before compression).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = crate::size::parse)]
    segment_size: u64,
    /// Rotate segments at this age, in seconds.
    #[arg(long, value_name = "S", default_value_t = 60)]
    segment_seconds: u64,
}

impl SegmentArgs {
    fn config(&self) -> SegmentConfig {
        SegmentConfig {
            max_bytes: self.segment_size,
            max_age: Duration::from_secs(self.segment_seconds),
            ..SegmentConfig::default()
        }
    }
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    ship: ShipArgs,
    /// Capture live on this interface (AF_PACKET; needs root or CAP_NET_RAW).
    #[arg(
        long,
        value_name = "IF",
        required_unless_present = "pcap",
        conflicts_with = "pcap"
    )]
    interface: Option<String>,
    /// Replay this capture as a sensor would, ship it, and exit when the
    /// collector has all of it.
    #[arg(long, value_name = "FILE")]
    pcap: Option<PathBuf>,
    #[command(flatten)]
    segments: SegmentArgs,
    /// After capture stops, how long to keep shipping what is spooled.
    #[arg(long, value_name = "S", default_value_t = 30)]
    drain_seconds: u64,
}

#[derive(clap::Args)]
pub struct SpoolFileArgs {
    /// The capture to spool.
    #[arg(long, value_name = "FILE")]
    pcap: PathBuf,
    #[command(flatten)]
    spool: SpoolArgs,
    #[command(flatten)]
    segments: SegmentArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add(a) => {
            let store = open(&a.data.data)?;
            let network_type: NetworkType = a.network_type.parse()?;
            let (sensor, token) =
                registry::add_sensor(&store, &a.name, &a.country, network_type, &a.addresses)?;
            println!(
                "registered sensor {} ({}, {})",
                sensor.name, sensor.country, sensor.network_type
            );
            println!("token: {}", token.0);
            println!("This token is shown once; only its hash is kept. Give it to the sensor's operator.");
        }
        Command::List(a) => {
            let store = open(&a.data)?;
            println!(
                "{:<24} {:<3} {:<10} {:<8} {:>9} {:>14} {:>10} {:<30}",
                "sensor", "cc", "network", "state", "segments", "packets", "drops", "last upload"
            );
            for s in store.sensor_overview()? {
                println!(
                    "{:<24} {:<3} {:<10} {:<8} {:>9} {:>14} {:>10} {:<30}",
                    s.sensor.name,
                    s.sensor.country,
                    s.sensor.network_type.as_str(),
                    if s.sensor.enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    group(s.segments),
                    group(s.packets),
                    group(s.health.map_or(0, |h| h.kernel_drops)),
                    s.last_segment_ns
                        .map_or("never".into(), |t| Timestamp::from_nanos(t).to_string()),
                );
            }
        }
        Command::Show(a) => {
            let store = open(&a.data.data)?;
            let sensor = store
                .sensor(&a.name)?
                .with_context(|| format!("no sensor named {:?}", a.name))?;
            println!("name:         {}", sensor.name);
            println!("country:      {}", sensor.country);
            println!("network type: {}", sensor.network_type);
            println!("enabled:      {}", sensor.enabled);
            println!("registered:   {}", Timestamp::from_nanos(sensor.created_ns));
            println!("addresses (confidential, never published):");
            for cidr in store.sensor_addresses(&a.name)? {
                println!("  {cidr}");
            }
        }
        Command::Disable(a) => {
            open(&a.data.data)?.set_enabled(&a.name, false)?;
            println!(
                "sensor {} disabled; its uploads are refused with 403",
                a.name
            );
        }
        Command::Enable(a) => {
            open(&a.data.data)?.set_enabled(&a.name, true)?;
            println!("sensor {} enabled", a.name);
        }
        Command::RotateToken(a) => {
            let token = registry::rotate_token(&open(&a.data.data)?, &a.name)?;
            println!("new token for {}: {}", a.name, token.0);
            println!("The old token no longer works. This one is shown once.");
        }
        Command::Run(a) => return run_sensor(a),
        Command::Spool(a) => {
            let (spool, partials) = Spool::open(&a.spool.spool, a.spool.spool_cap)?;
            if !partials.is_empty() {
                bail!("{} holds half-written segments; `hirundo sensor ship` or `run` salvages them first", a.spool.spool.display());
            }
            let counters = Arc::new(CaptureCounters::default());
            let mut writer =
                SegmentWriter::new(Arc::new(spool), a.segments.config(), counters.clone());
            let records = replay(&a.pcap, &mut writer, &AtomicBool::new(false))?;
            drop(writer);
            let missed = counters
                .not_captured
                .load(std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "hirundo sensor: spooled {} of {} records into {}",
                group(records - missed),
                group(records),
                a.spool.spool.display()
            );
            if missed > 0 {
                eprintln!(
                    "hirundo sensor: {} records did not fit under --spool-cap",
                    group(missed)
                );
                return Ok(ExitCode::from(1));
            }
        }
        Command::Ship(a) => {
            let stop = stop_on_signals()?;
            let sensor = start(&a)?;
            let report = sensor.finish(Duration::MAX, &stop);
            eprintln!("hirundo sensor: {report}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn open(data: &Path) -> anyhow::Result<SqliteStore> {
    let path = data.join(hirundo_collector::Collector::DATABASE);
    if !path.exists() {
        bail!(
            "{} does not exist; start `hirundo serve --data {}` once first, or check --data",
            path.display(),
            data.display()
        );
    }
    Ok(SqliteStore::open(&path)?)
}

/// A flag SIGINT and SIGTERM set.
fn stop_on_signals() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, stop.clone())
            .context("installing the signal handler")?;
    }
    Ok(stop)
}

/// Checks the shipping arguments, opens the spool and starts shipping.
fn start(a: &ShipArgs) -> anyhow::Result<Sensor> {
    let fingerprint = parse_fingerprint(&a.fingerprint).with_context(|| {
        format!(
            "--fingerprint {:?} is not a SHA-256 (64 hex digits)",
            a.fingerprint
        )
    })?;
    if !a.collector.starts_with("https://") {
        bail!(
            "--collector {:?}: the collector speaks HTTPS only; use https://host:port",
            a.collector
        );
    }
    Ok(Sensor::start(
        &a.spool.spool,
        a.spool.spool_cap,
        ShipConfig::new(&a.collector, &a.name, &a.token, fingerprint),
        &mut |line| eprintln!("hirundo sensor: {line}"),
    )?)
}

/// Runs a sensor: capture or replay into the spool on this thread, ship
/// from another, and stop cleanly on SIGINT or SIGTERM.
pub fn run_sensor(a: RunArgs) -> anyhow::Result<ExitCode> {
    let stop_capture = stop_on_signals()?;
    let sensor = start(&a.ship)?;
    let mut writer = sensor.writer(a.segments.config());
    let outcome = if let Some(pcap) = &a.pcap {
        replay(pcap, &mut writer, &stop_capture).map(|records| {
            eprintln!(
                "hirundo sensor: replayed {} records from {}",
                group(records),
                pcap.display()
            );
        })
    } else {
        let interface = a.interface.as_deref().expect("clap requires one");
        for warning in hirundo_afpacket::interface_warnings(interface) {
            eprintln!("hirundo sensor: WARNING: {warning}");
        }
        let mut ring =
            hirundo_afpacket::Ring::open(interface, &hirundo_afpacket::RingConfig::default())
                .with_context(|| format!("opening a capture on {interface}"))?;
        eprintln!("hirundo sensor: capturing on {interface}");
        capture_live(&mut ring, &mut writer, &sensor.counters, &stop_capture)
    };
    drop(writer);
    // A replay exits when the collector has everything; a live sensor
    // gives the shipper a bounded time, and keeps the rest for next start.
    let drain = match a.pcap {
        Some(_) => Duration::MAX,
        None => Duration::from_secs(a.drain_seconds),
    };
    // A signal during replay stops it; one after it stops the drain. A
    // live capture's signal has already been used to stop capture, so its
    // drain ends on time or on a second signal.
    let stop_draining = stop_on_signals()?;
    if a.pcap.is_some() && stop_capture.load(std::sync::atomic::Ordering::Relaxed) {
        stop_draining.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let report = sensor.finish(drain, &stop_draining);
    eprintln!("hirundo sensor: {report}");
    outcome?;
    Ok(if report.left == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
