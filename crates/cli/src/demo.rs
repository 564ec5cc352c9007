use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use hirundo_analyze::Enrichment;
use hirundo_collector::registry;
use hirundo_sensor::{replay, SegmentConfig, Sensor, ShipConfig};
use hirundo_simulate::SimConfig;
use hirundo_store::{Filter, NetworkType};
use hirundo_summary::{group, service_name, PortProto};

use crate::serve::prepare;
use crate::simulate::write_capture;

#[derive(clap::Args)]
pub struct Args {
    /// Packets each simulated sensor captures.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    packets: u64,
    /// Days of traffic, ending at today's midnight (UTC).
    #[arg(long, value_name = "D", default_value_t = 7)]
    days: u32,
    /// Random seed for the simulated traffic (each sensor adds its number).
    #[arg(long, value_name = "S", default_value_t = 2026)]
    seed: u64,
    /// The collector's folder (default: a temporary one, removed at exit).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Port on 127.0.0.1 for the collector; 0 picks a free one, as does a
    /// port in use.
    #[arg(long, value_name = "PORT", default_value_t = 8443)]
    port: u16,
    /// Exit this many seconds after everything is ingested (default: serve
    /// until Ctrl-C).
    #[arg(long, value_name = "S")]
    serve_seconds: Option<u64>,
}

/// The demo's partner sensors: name, country, network type, and a
/// documentation prefix standing in for the darknet they listen on.
const SENSORS: [(&str, &str, NetworkType, &str); 3] = [
    ("tokyo-xdsl-1", "JP", NetworkType::Xdsl, "192.0.2.0/24"),
    (
        "saopaulo-dc-1",
        "BR",
        NetworkType::Datacenter,
        "198.51.100.0/24",
    ),
    ("cdmx-campus-1", "MX", NetworkType::Campus, "203.0.113.0/24"),
];

/// A collector on loopback, three simulated sensors in three countries
/// replaying a week of darknet traffic to it over HTTPS, and the URL of
/// the page that shows what arrived.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let temp = tempfile::Builder::new()
        .prefix("hirundo-demo-")
        .tempdir()
        .context("creating a temporary folder")?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| temp.path().join("collector"));
    let enrichment = Enrichment::builtin().context("loading the shipped IP data")?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;

    let mut ready = runtime.block_on(async {
        let at = SocketAddr::from(([127, 0, 0, 1], args.port));
        match prepare(
            &data,
            at,
            &[],
            Some(enrichment),
            hirundo_collector::collector::DEFAULT_MAX_SEGMENT_BYTES as u64,
        )
        .await
        {
            Ok(ready) => Ok(ready),
            Err(_) if args.port != 0 => {
                prepare(
                    &data,
                    SocketAddr::from(([127, 0, 0, 1], 0)),
                    &[],
                    Some(Enrichment::builtin()?),
                    hirundo_collector::collector::DEFAULT_MAX_SEGMENT_BYTES as u64,
                )
                .await
            }
            Err(err) => Err(err),
        }
    })?;
    let url = format!("https://{}/", ready.addr);
    let fingerprint = ready.identity.fingerprint();
    let store = ready.collector.store().clone();
    // The demo's first sensor is at home; the others are partners abroad.
    ready.web.home = "JP".into();
    let (account, password) = crate::serve::demo_account(store.as_ref())?;
    println!(
        "Collector: {url} (data in {}, certificate SHA-256 {fingerprint})",
        data.display()
    );
    runtime.spawn(async move {
        if let Err(err) = ready.serve().await {
            eprintln!("hirundo demo: collector: {err:#}");
        }
    });

    let start_ns = start_of_days(args.days);
    let mut simulated = 0u64;
    let mut sensors = Vec::new();
    for (i, (name, cc, kind, prefix)) in SENSORS.into_iter().enumerate() {
        let token =
            match registry::add_sensor(store.as_ref(), name, cc, kind, &[prefix.to_string()]) {
                Ok((_, token)) => token,
                // A kept data folder from an earlier demo: same sensors, new tokens.
                Err(registry::RegistryError::Store(hirundo_store::StoreError::SensorExists(_))) => {
                    registry::rotate_token(store.as_ref(), name)?
                }
                Err(err) => return Err(err.into()),
            };
        let capture = temp.path().join(format!("{name}.pcap"));
        let config = SimConfig {
            packets: args.packets,
            days: args.days,
            seed: args.seed + i as u64,
            start_ns,
            ..SimConfig::default()
        };
        write_capture(&config, &capture, None)?;
        simulated += args.packets;
        println!(
            "Sensor {name} ({cc}, {kind}): replaying {} packets over {} days",
            group(args.packets),
            args.days
        );
        sensors.push((name, token, capture));
    }

    // Each sensor replays and ships on its own thread, as separate sites would.
    let threads: Vec<_> = sensors
        .into_iter()
        .map(|(name, token, capture)| {
            let spool = temp.path().join(format!("spool-{name}"));
            let config = ShipConfig::new(&url, name, &token.0, parse_hex(&fingerprint));
            std::thread::spawn(move || replay_sensor(name, &spool, config, &capture))
        })
        .collect();
    for thread in threads {
        thread.join().expect("sensor thread")?;
    }

    let totals = store.totals(&Filter::ALL)?;
    println!(
        "\nIngested {} packets in {} segments from {} sensors ({}).",
        group(totals.packets),
        group(totals.segments),
        SENSORS.len(),
        if totals.packets == simulated {
            "every packet counted once"
        } else {
            "NOT the packets the sensors captured"
        }
    );
    println!("Top destination ports:");
    for (rank, p) in store.ports(&Filter::ALL, Some(5))?.iter().enumerate() {
        println!(
            "  {}. {}/{} {:<12} {:>12} packets",
            rank + 1,
            p.port,
            p.proto.as_str(),
            service_name(p.port, p.proto == PortProto::Udp).unwrap_or(""),
            group(p.packets)
        );
    }
    notifications_preview(store.as_ref(), start_ns, args.days)?;
    println!(
        "Dashboard login: account {account}, password {password} (made for this demo, shown once)."
    );
    println!(
        "\nOpen {url} (the certificate is self-made: accept it, or pin SHA-256 {fingerprint})."
    );
    println!(
        "Country and AS data: {}",
        hirundo_geo::ATTRIBUTION.trim().replace('\n', "; ")
    );
    match args.serve_seconds {
        Some(s) => std::thread::sleep(Duration::from_secs(s)),
        None => {
            println!("Serving until Ctrl-C.");
            let stop = Arc::new(AtomicBool::new(false));
            for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
                signal_hook::flag::register(signal, stop.clone())?;
            }
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(if totals.packets == simulated {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn replay_sensor(
    name: &str,
    spool: &Path,
    config: ShipConfig,
    capture: &Path,
) -> anyhow::Result<()> {
    let sensor = Sensor::start(spool, 1 << 30, config, &mut |line| {
        eprintln!("hirundo demo: {name}: {line}")
    })?;
    let mut writer = sensor.writer(SegmentConfig {
        max_bytes: 8 << 20,
        ..SegmentConfig::default()
    });
    replay(capture, &mut writer, &AtomicBool::new(false))?;
    drop(writer);
    let report = sensor.finish(Duration::MAX, &AtomicBool::new(false));
    println!("Sensor {name}: {report}");
    Ok(())
}

/// Midnight UTC `days` days before today's, in nanoseconds.
fn start_of_days(days: u32) -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    (now - now % 86_400 - i64::from(days) * 86_400) * 1_000_000_000
}

fn parse_hex(fingerprint: &str) -> [u8; 32] {
    hirundo_sensor::parse_fingerprint(fingerprint).expect("the collector prints 64 hex digits")
}

/// Loads the starter directory and shows what the daily notifications of
/// the middle day would send, without sending anything.
fn notifications_preview(
    store: &dyn hirundo_store::Store,
    start_ns: i64,
    days: u32,
) -> anyhow::Result<()> {
    crate::serve::seed_directory(store)?;
    let day = start_ns.div_euclid(86_400_000_000_000) + i64::from(days / 2);
    let settings = hirundo_notify::Settings {
        tlp: hirundo_tlp::Tlp::Amber,
        include_research: false,
        feed: hirundo_notify::Feed {
            name: "hirundo-darknet".into(),
            provider: "hirundo demo".into(),
            url: None,
        },
        max_sources: hirundo_notify::plan::MAX_SOURCES,
    };
    let (plan, _) = hirundo_notify::preview(store, day, &settings, crate::report::now_ns())?;
    println!(
        "Notifications for {} (a preview; `hirundo notify run` sends them):",
        hirundo_calendar::date(day)
    );
    for batch in &plan.batches {
        println!(
            "  {:<12} {:>6} sources",
            batch.team.short_name,
            group(batch.rows.len() as u64)
        );
    }
    if plan.skipped.unrouted > 0 {
        println!(
            "  {} source-days routed to no team: name your own team with `hirundo directory set ID --ours`",
            group(plan.skipped.unrouted)
        );
    }
    Ok(())
}
