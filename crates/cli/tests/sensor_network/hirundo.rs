//! The `hirundo` binary as the tests drive it: simulate and analyze a
//! capture, run a collector (and kill it), read what it stored, and read a
//! sensor's last words.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hirundo_store::{
    Filter, RejectionCount, SegmentRecord, SensorOverview, SqliteStore, Store, Totals,
};
use hirundo_summary::{PortProto, Summary};

use crate::sensor_network::process::{Process, Stream};

/// How long `hirundo serve` may take to say where it listens.
const SERVE_LIMIT: Duration = Duration::from_secs(20);

pub fn hirundo() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hirundo"))
}

fn run(args: &[&str]) -> String {
    let output = Command::new(hirundo())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("hirundo {}: {e}", args.join(" ")));
    assert!(
        output.status.success(),
        "hirundo {} exited with {}:\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// A simulated darknet capture (Ethernet) of `packets` packets.
pub fn simulate(dir: &Path, packets: u64, seed: u64) -> PathBuf {
    let path = dir.join(format!("darknet-{packets}-{seed}.pcap"));
    let packets = packets.to_string();
    let seed = seed.to_string();
    run(&[
        "simulate",
        "--out",
        arg(&path),
        "--packets",
        &packets,
        "--seed",
        &seed,
    ]);
    path
}

/// What `hirundo analyze --format json --no-enrich` says of a capture.
pub fn analyze(path: &Path) -> Summary {
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--no-enrich",
        "--no-progress",
        arg(path),
    ]);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("analyze printed no summary ({e}):\n{out}"))
}

/// (proto, port, packets) of every port, sorted.
pub type PortCounts = Vec<(PortProto, u16, u64)>;

pub fn summary_ports(summary: &Summary) -> PortCounts {
    let mut ports: PortCounts = summary
        .ports
        .iter()
        .map(|p| (p.proto, p.port, p.packets))
        .collect();
    ports.sort_unstable();
    ports
}

/// A collector (`hirundo serve`) with its data folder, which can be killed
/// and started again on the same data.
pub struct Collector {
    launch: Box<dyn Fn() -> Command>,
    dir: PathBuf,
    data: PathBuf,
    listen: String,
    process: Process,
    starts: u32,
    /// The certificate's SHA-256, as `serve` printed it.
    pub fingerprint: String,
    /// `https://addr:port`.
    pub url: String,
}

impl Collector {
    /// Starts `hirundo serve --no-enrich` with its data in `dir/collector`.
    /// `launch` makes the command that runs hirundo (in a namespace, say).
    pub fn start(launch: Box<dyn Fn() -> Command>, dir: &Path, listen: &str) -> Collector {
        let data = dir.join("collector");
        let (process, made, fingerprint, url) = spawn_serve(&*launch, dir, &data, listen, 1);
        assert!(made, "a new data folder gets a new certificate");
        Collector {
            launch,
            dir: dir.to_path_buf(),
            data,
            listen: listen.to_string(),
            process,
            starts: 1,
            fingerprint,
            url,
        }
    }

    /// SIGKILL to the collector itself, not to a wrapper: checks that the
    /// process is the hirundo binary first.
    pub fn kill(&mut self) {
        let pid = self.process.id();
        let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
            .unwrap_or_else(|e| panic!("collector pid {pid}: {e}"));
        let ours = std::fs::canonicalize(hirundo()).expect("the hirundo binary exists");
        let deleted = PathBuf::from(format!("{} (deleted)", ours.display()));
        assert!(
            exe == ours || exe == deleted,
            "pid {pid} is {}, not hirundo: killing it would not kill the collector",
            exe.display()
        );
        let status = self.process.kill();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "the collector was still running and died of SIGKILL"
        );
    }

    /// Starts the collector again on the same data and address; it must
    /// load the same certificate, or the sensor would refuse it.
    pub fn restart(&mut self) {
        assert!(
            self.process.try_wait().is_some(),
            "restart a stopped collector"
        );
        self.starts += 1;
        let (process, made, fingerprint, url) = spawn_serve(
            &*self.launch,
            &self.dir,
            &self.data,
            &self.listen,
            self.starts,
        );
        self.process = process;
        assert!(!made, "a restart loads the certificate it made");
        assert_eq!(
            fingerprint, self.fingerprint,
            "a restart keeps the certificate"
        );
        assert_eq!(url, self.url, "a restart listens where it did");
    }

    /// Registers a sensor and returns its token.
    pub fn add_sensor(&self, name: &str) -> String {
        let out = run(&[
            "sensor",
            "add",
            name,
            "--country",
            "BR",
            "--network-type",
            "campus",
            "--addresses",
            "192.0.2.0/24",
            "--data",
            arg(&self.data),
        ]);
        let token = out
            .lines()
            .find_map(|l| l.strip_prefix("token: "))
            .unwrap_or_else(|| panic!("sensor add printed no token:\n{out}"));
        assert_eq!(token.len(), 64, "{out}");
        token.to_string()
    }

    /// What the collector has stored, read from its database (WAL: fine
    /// while it runs).
    pub fn stored(&self) -> Stored {
        Stored::read(&self.data.join("hirundo.db"))
    }

    pub fn starts(&self) -> u32 {
        self.starts
    }

    pub fn output(&self) -> String {
        self.process.output()
    }
}

/// Starts `serve` and waits for its two lines: the certificate and the
/// address. Returns whether the certificate was made, its fingerprint and
/// the URL.
fn spawn_serve(
    launch: &dyn Fn() -> Command,
    dir: &Path,
    data: &Path,
    listen: &str,
    start: u32,
) -> (Process, bool, String, String) {
    let mut command = launch();
    command.args([
        "serve",
        "--no-enrich",
        "--data",
        arg(data),
        "--listen",
        listen,
    ]);
    let mut process = Process::spawn(&format!("collector-{start}"), command, dir);
    let started = Instant::now();
    let certificate =
        process.wait_for_line(Stream::Out, "hirundo serve: certificate ", SERVE_LIMIT);
    let listening = process.wait_for_line(Stream::Out, "hirundo serve: listening on ", SERVE_LIMIT);
    let fingerprint = certificate
        .split_once("SHA-256 fingerprint ")
        .map(|(_, f)| f.trim().to_string())
        .unwrap_or_else(|| panic!("no fingerprint in {certificate:?}"));
    assert_eq!(fingerprint.len(), 64, "{certificate}");
    let url = listening
        .split_once("listening on ")
        .map(|(_, u)| u.trim().trim_end_matches('/').to_string())
        .unwrap_or_else(|| panic!("no address in {listening:?}"));
    eprintln!(
        "  collector start {start}: {} in {:.2} s, {url}",
        if certificate.contains("certificate made") {
            "certificate made"
        } else {
            "certificate loaded"
        },
        started.elapsed().as_secs_f64()
    );
    (
        process,
        certificate.contains("certificate made"),
        fingerprint,
        url,
    )
}

/// What a collector's database holds.
#[derive(Debug)]
pub struct Stored {
    pub totals: Totals,
    pub ports: PortCounts,
    pub segments: Vec<SegmentRecord>,
    pub sensors: Vec<SensorOverview>,
    pub rejections: Vec<RejectionCount>,
}

impl Stored {
    pub fn read(db: &Path) -> Stored {
        let store = SqliteStore::open(db).unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
        let mut ports: PortCounts = store
            .ports(&Filter::ALL, None)
            .expect("read ports")
            .into_iter()
            .map(|p| (p.proto, p.port, p.packets))
            .collect();
        ports.sort_unstable();
        Stored {
            totals: store.totals(&Filter::ALL).expect("read totals"),
            ports,
            segments: store.segments(None).expect("read segments"),
            sensors: store.sensor_overview().expect("read sensors"),
            rejections: store.rejections().expect("read rejections"),
        }
    }

    /// Asserts that the collector counted exactly what `hirundo analyze`
    /// counts in the capture, and that its segments add up to its totals.
    pub fn assert_is(&self, test: &str, truth: &Summary) {
        let t = &self.totals;
        assert_eq!(
            t.packets, truth.packets,
            "{test}: packets stored vs in the file"
        );
        assert_eq!(
            (t.bytes, t.decoded, t.errors),
            (truth.bytes, truth.decoded, truth.errors),
            "{test}: bytes, decoded, errors stored vs in the file"
        );
        let p = &truth.protocols;
        assert_eq!(
            [t.tcp, t.udp, t.icmp, t.icmpv6, t.other],
            [p.tcp, p.udp, p.icmp, p.icmpv6, p.other],
            "{test}: tcp, udp, icmp, icmpv6, other stored vs in the file"
        );
        assert_ports_equal(test, &self.ports, &summary_ports(truth));
        let in_segments: u64 = self.segments.iter().map(|s| s.packets).sum();
        assert_eq!(
            in_segments, t.packets,
            "{test}: the segments' packets add up to the totals"
        );
        assert_eq!(
            t.segments,
            self.segments.len() as u64,
            "{test}: totals count every segment"
        );
        assert!(
            self.rejections.is_empty(),
            "{test}: the collector refused uploads: {:?}",
            self.rejections
        );
    }

    /// Asserts that the segments of each sensor are 0..n, each once, and
    /// returns n per sensor.
    pub fn assert_contiguous(&self, test: &str) -> Vec<u64> {
        let mut per_sensor = Vec::new();
        let sensors: BTreeSet<i64> = self.segments.iter().map(|s| s.sensor).collect();
        for sensor in sensors {
            let seqs: Vec<u64> = self
                .segments
                .iter()
                .filter(|s| s.sensor == sensor)
                .map(|s| s.seq)
                .collect();
            let unique: BTreeSet<u64> = seqs.iter().copied().collect();
            assert_eq!(
                unique.len(),
                seqs.len(),
                "{test}: sensor {sensor} has a sequence twice"
            );
            let n = seqs.len() as u64;
            assert!(
                unique.iter().copied().eq(0..n),
                "{test}: sensor {sensor}'s sequences are not 0..{n}: {unique:?}"
            );
            per_sensor.push(n);
        }
        per_sensor
    }
}

/// Equal port lists, or the first differences (the lists are long).
fn assert_ports_equal(test: &str, stored: &PortCounts, truth: &PortCounts) {
    if stored == truth {
        return;
    }
    let stored_set: BTreeSet<_> = stored.iter().collect();
    let truth_set: BTreeSet<_> = truth.iter().collect();
    let missing: Vec<_> = truth_set.difference(&stored_set).take(10).collect();
    let extra: Vec<_> = stored_set.difference(&truth_set).take(10).collect();
    panic!(
        "{test}: per-port counts differ: {} ports stored, {} in the file; \
         in the file but not stored (first 10): {missing:?}; stored but not in the file: {extra:?}",
        stored.len(),
        truth.len()
    );
}

/// The sensor's last line: `N packets spooled; K segments shipped (D of
/// them already stored), R retries, Q quarantined, L left in the spool; M
/// packets not captured (spool full)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub captured: u64,
    pub shipped: u64,
    pub duplicates: u64,
    pub retries: u64,
    pub quarantined: u64,
    pub left: u64,
    pub not_captured: u64,
}

impl Report {
    pub fn parse(stderr: &str) -> Report {
        let line = stderr
            .lines()
            .rev()
            .find(|l| l.contains(" packets spooled; "))
            .unwrap_or_else(|| panic!("the sensor printed no report:\n{stderr}"));
        let numbers: Vec<u64> = line
            .replace(',', "")
            .split(|c: char| !c.is_ascii_digit())
            .filter(|w| !w.is_empty())
            .map(|w| w.parse().expect("digits"))
            .collect();
        let [captured, shipped, duplicates, retries, quarantined, left, not_captured] = numbers[..]
        else {
            panic!("not the report's seven numbers: {line:?}");
        };
        Report {
            captured,
            shipped,
            duplicates,
            retries,
            quarantined,
            left,
            not_captured,
        }
    }
}

/// The spool's finished and half-written segments, and its quarantine.
pub fn spool_contents(spool: &Path) -> (Vec<String>, Vec<String>) {
    let names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let segments = names(spool)
        .into_iter()
        .filter(|n| n.starts_with("seg-"))
        .collect();
    (segments, names(&spool.join("quarantine")))
}

/// The sequence number the spool would hand out next: how many segments
/// the sensor made since the spool was new.
pub fn next_seq(spool: &Path) -> u64 {
    let path = spool.join("next-seq");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}: {text:?}", path.display()))
}

/// Arguments of `hirundo sensor run` that say where to ship, as whom, and
/// where to spool; the token goes in the environment.
pub fn sensor_run(
    mut command: Command,
    collector: &Collector,
    fingerprint: &str,
    name: &str,
    token: &str,
    spool: &Path,
) -> Command {
    command
        .args([
            "sensor",
            "run",
            "--collector",
            &collector.url,
            "--fingerprint",
            fingerprint,
        ])
        .args(["--name", name, "--spool", arg(spool)])
        .env("HIRUNDO_TOKEN", token);
    command
}
