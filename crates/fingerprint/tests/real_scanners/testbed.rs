//! Two network namespaces joined by a veth pair: a scanner, and a darknet
//! that never answers, with tcpdump on the darknet side standing in for the
//! sensor. Nothing the tests send can leave the pair.
//!
//! ```text
//!  hrd-scan-<pid>-<label>                      hrd-dark-<pid>-<label>
//!  hs<pid>-<n> 10.99.255.1/29  ---veth---      hd<pid>-<n> (no IPv4, ARP off)
//!  route 10.99.0.0/24 via 10.99.255.2 onlink   tcpdump -i hd<pid>-<n>
//!  neigh 10.99.255.2 = the darknet veth's MAC, permanent
//! ```
//!
//! The darknet prefix 10.99.0.0/24 is routed to the darknet veth and
//! assigned nowhere, so the darknet's kernel drops every probe without a
//! reply (forwarding is off in a new namespace), as a telescope's sensor
//! does; tcpdump sees the probes before the kernel drops them. The next
//! hop 10.99.255.2 exists only as a permanent neighbour entry, so nothing
//! needs to answer ARP either. IPv6 is off in both namespaces, so the
//! captures hold the scanners' frames and nothing else.

use std::fs::File;
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::real_scanners::tools::Tools;

/// Every scanner run is stopped after this long, and fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// How long tcpdump may take to start listening or to exit after SIGINT.
const TCPDUMP_LIMIT: Duration = Duration::from_secs(10);
/// Time for the last probes to cross the veth before tcpdump is stopped.
const SETTLE: Duration = Duration::from_millis(300);

pub struct Testbed {
    ip: PathBuf,
    tcpdump: PathBuf,
    bash: PathBuf,
    scanner_ns: String,
    darknet_ns: String,
    scanner_if: String,
    darknet_if: String,
    dir: tempfile::TempDir,
}

impl Testbed {
    /// The scanner's only address.
    pub const SCANNER: Ipv4Addr = Ipv4Addr::new(10, 99, 255, 1);
    /// The darknet prefix the scanners target.
    pub const DARKNET: &'static str = "10.99.0.0/24";
    /// Locally administered MACs (0x02), "hrd" in the middle.
    pub const SCANNER_MAC: &'static str = "02:68:72:64:00:01";
    pub const DARKNET_MAC: &'static str = "02:68:72:64:00:02";
    /// The next hop toward the darknet: a neighbour entry, no host.
    const NEXT_HOP: Ipv4Addr = Ipv4Addr::new(10, 99, 255, 2);
    /// An address in the scanner's own /29 that nobody holds: sending to it
    /// makes the scanner's kernel broadcast an ARP request and nothing else.
    const NOBODY: Ipv4Addr = Ipv4Addr::new(10, 99, 255, 3);

    /// Builds the namespaces. `label` names them (one word, unique among
    /// the tests of this process); the interfaces are numbered instead,
    /// because their names have at most 15 bytes.
    pub fn new(label: &str, tools: &Tools) -> Result<Testbed, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        remove_stale_namespaces(tools.path("ip"));
        let pid = std::process::id();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = tempfile::Builder::new()
            .prefix(&format!("hirundo-real-scanners-{label}-"))
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let bed = Testbed {
            ip: tools.path("ip").to_path_buf(),
            tcpdump: tools.path("tcpdump").to_path_buf(),
            bash: tools.path("bash").to_path_buf(),
            scanner_ns: format!("hrd-scan-{pid}-{label}"),
            darknet_ns: format!("hrd-dark-{pid}-{label}"),
            scanner_if: format!("hs{pid}-{n}"),
            darknet_if: format!("hd{pid}-{n}"),
            dir,
        };
        // From here on, Drop removes whatever was created.
        let (s, d) = (&bed.scanner_ns, &bed.darknet_ns);
        let (si, di) = (&bed.scanner_if, &bed.darknet_if);
        bed.ip(&["netns", "add", s])?;
        bed.ip(&["netns", "add", d])?;
        for ns in [s, d] {
            bed.ip(&[
                "netns",
                "exec",
                ns,
                &bed.bash.to_string_lossy(),
                "-c",
                "for f in /proc/sys/net/ipv6/conf/{all,default}/disable_ipv6; do \
                 [ ! -e $f ] || echo 1 > $f; done",
            ])?;
        }
        bed.ip(&[
            "link",
            "add",
            "name",
            si,
            "address",
            Self::SCANNER_MAC,
            "netns",
            s,
            "type",
            "veth",
            "peer",
            "name",
            di,
            "address",
            Self::DARKNET_MAC,
            "netns",
            d,
        ])?;
        let scanner_addr = format!("{}/29", Self::SCANNER);
        let next_hop = Self::NEXT_HOP.to_string();
        bed.ip(&["-n", s, "addr", "add", &scanner_addr, "dev", si])?;
        bed.ip(&["-n", s, "link", "set", si, "up"])?;
        bed.ip(&["-n", d, "link", "set", di, "arp", "off", "up"])?;
        bed.ip(&[
            "-n",
            s,
            "route",
            "add",
            Self::DARKNET,
            "via",
            &next_hop,
            "dev",
            si,
            "onlink",
        ])?;
        bed.ip(&[
            "-n",
            s,
            "neigh",
            "replace",
            &next_hop,
            "lladdr",
            Self::DARKNET_MAC,
            "dev",
            si,
            "nud",
            "permanent",
        ])?;
        Ok(bed)
    }

    /// The scanner's interface, for `-i`/`-e`/`--interface`.
    pub fn scanner_if(&self) -> &str {
        &self.scanner_if
    }

    /// An empty file in the test's directory (ZMap's blocklist).
    pub fn empty_file(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        File::create(&path).expect("create an empty file in the temporary directory");
        path
    }

    /// Runs one scanner into its own capture: start tcpdump, run, stop.
    pub fn scan(&self, name: &str, argv: &[String], wake: Wake) -> Scan {
        let capture = self.capture(name);
        let status = self.run(name, argv, wake);
        Scan {
            status,
            captured: capture.finish(),
        }
    }

    /// Starts tcpdump on the darknet veth and waits until it listens.
    pub fn capture(&self, name: &str) -> Capture {
        let path = self.dir.path().join(format!("{name}.pcap"));
        let log = self.dir.path().join(format!("{name}.tcpdump.txt"));
        let child = Command::new(&self.ip)
            .args(["netns", "exec", &self.darknet_ns])
            .arg(&self.tcpdump)
            .args(["-i", &self.darknet_if, "-n", "-w"])
            .arg(&path)
            // Packet-buffered and immediate, so SIGINT loses nothing; a
            // small snapshot and a big ring, so bursts of 20 kpps are not
            // dropped; stay root to write into our private directory.
            .args(["-U", "--immediate-mode", "-s", "256", "-B", "32768"])
            .args(["-Z", "root"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("create tcpdump's log"))
            .spawn()
            .expect("start tcpdump");
        // `ip netns exec` execs tcpdump, so the child's pid is tcpdump's.
        let mut capture = Capture {
            process: Process::new(child, &self.bash),
            path,
            log,
        };
        let started = Instant::now();
        loop {
            if capture.log_text().contains("listening on") {
                return capture;
            }
            if let Some(status) = capture.process.try_wait() {
                panic!(
                    "tcpdump exited with {status} before listening:\n{}",
                    capture.log_text()
                );
            }
            assert!(
                started.elapsed() < TCPDUMP_LIMIT,
                "tcpdump did not start listening in {TCPDUMP_LIMIT:?}:\n{}",
                capture.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Runs `argv` in the scanner namespace, bounded by [`RUN_LIMIT`], with
    /// its output in the test's directory. Returns the exit status.
    pub fn run(&self, name: &str, argv: &[String], wake: Wake) -> ExitStatus {
        let out = self.dir.path().join(format!("{name}.out"));
        let err = self.dir.path().join(format!("{name}.err"));
        let child = Command::new(&self.ip)
            .args(["netns", "exec", &self.scanner_ns])
            .args(argv)
            // Masscan writes paused.conf into its working directory when
            // interrupted; keep it out of the source tree.
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(File::create(&out).expect("create the scanner's stdout file"))
            .stderr(File::create(&err).expect("create the scanner's stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {argv:?}: {e}"));
        let mut process = Process::new(child, &self.bash);
        let started = Instant::now();
        let mut woken = started;
        loop {
            if let Some(status) = process.try_wait() {
                return status;
            }
            if started.elapsed() > RUN_LIMIT {
                drop(process);
                panic!(
                    "{name} ({argv:?}) did not finish in {RUN_LIMIT:?}; stderr:\n{}",
                    tail(&err)
                );
            }
            if wake == Wake::Receiver && woken.elapsed() >= Duration::from_millis(500) {
                self.ask_for_nobody();
                woken = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What a scanner printed on stderr, for assertion messages.
    pub fn stderr_of(&self, name: &str) -> String {
        tail(&self.dir.path().join(format!("{name}.err")))
    }

    /// Makes the scanner's kernel broadcast one ARP request for
    /// [`Self::NOBODY`]. No IP packet leaves: the datagram waits for an
    /// answer that never comes and is dropped.
    fn ask_for_nobody(&self) {
        let send = format!("echo > /dev/udp/{}/9", Self::NOBODY);
        let _ = Command::new(&self.ip)
            .args(["netns", "exec", &self.scanner_ns])
            .arg(&self.bash)
            .args(["-c", &send])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    fn ip(&self, args: &[&str]) -> Result<(), String> {
        hirundo_testbed::ip(&self.ip, args).map(drop)
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        // Deleting a namespace deletes the veth pair with it. The processes
        // inside are gone already: their guards drop before the testbed.
        hirundo_testbed::delete_namespaces(
            &self.ip,
            [self.scanner_ns.as_str(), self.darknet_ns.as_str()],
        );
    }
}

/// Whether a run needs its receive thread woken (see [`Testbed::run`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    Never,
    /// Masscan 1.3.2 checks whether it is done only between received
    /// frames, and libpcap's TPACKET_V3 ring never wakes a reader when no
    /// frame arrives; on a darknet none does, and Masscan would wait
    /// forever ("waiting -46-secs"). An ARP request from the scanner's own
    /// kernel every 0.5 s wakes it without touching the probes.
    Receiver,
}

/// One scanner run: its exit status and its capture.
pub struct Scan {
    pub status: ExitStatus,
    pub captured: Captured,
}

/// A tcpdump running on the darknet veth.
pub struct Capture {
    process: Process,
    path: PathBuf,
    log: PathBuf,
}

impl Capture {
    /// Lets the last probes arrive, stops tcpdump with SIGINT so that it
    /// flushes, and checks that it dropped nothing.
    pub fn finish(mut self) -> Captured {
        std::thread::sleep(SETTLE);
        self.process.signal("INT");
        let stopped = Instant::now();
        let status = loop {
            if let Some(status) = self.process.try_wait() {
                break status;
            }
            assert!(
                stopped.elapsed() < TCPDUMP_LIMIT,
                "tcpdump did not exit within {TCPDUMP_LIMIT:?} of SIGINT"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = self.log_text();
        assert!(status.success(), "tcpdump exited with {status}:\n{log}");
        let count = |what: &str| -> u64 {
            log.lines()
                .find_map(|l| l.strip_suffix(what))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("tcpdump did not report{what}:\n{log}"))
        };
        let captured = Captured {
            path: self.path.clone(),
            packets: count(" packets captured"),
            received: count(" packets received by filter"),
            dropped: count(" packets dropped by kernel"),
        };
        assert_eq!(
            (captured.dropped, captured.packets),
            (0, captured.received),
            "tcpdump lost packets; the counts would not be exact:\n{log}"
        );
        captured
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A finished capture and what tcpdump said about it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub path: PathBuf,
    /// Packets tcpdump wrote to the file.
    pub packets: u64,
    pub received: u64,
    pub dropped: u64,
}

/// A child process that is terminated if the test panics while it runs.
struct Process {
    child: Child,
    bash: PathBuf,
    exited: bool,
}

impl Process {
    fn new(child: Child, bash: &Path) -> Process {
        Process {
            child,
            bash: bash.to_path_buf(),
            exited: false,
        }
    }

    fn try_wait(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().expect("wait for a child process")?;
        self.exited = true;
        Some(status)
    }

    /// Sends a signal by name; std can only send SIGKILL.
    fn signal(&self, name: &str) {
        let _ = Command::new(&self.bash)
            .args(["-c", "kill -s \"$1\" \"$2\"", "kill"])
            .arg(name)
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exited || self.try_wait().is_some() {
            return;
        }
        // SIGTERM first, so that a scanner can restore what it changed;
        // SIGKILL if it is still there a second later.
        self.signal("TERM");
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(1) {
            if self.try_wait().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes this test's namespaces left behind by a run that was killed
/// (SIGKILL skips Drop): ours by name, and only if their process is gone.
fn remove_stale_namespaces(ip: &Path) {
    hirundo_testbed::remove_stale_namespaces(ip, |name| {
        let rest = name
            .strip_prefix("hrd-scan-")
            .or_else(|| name.strip_prefix("hrd-dark-"))?;
        rest.split('-').next()?.parse().ok()
    });
}

/// The last lines of a file, for assertion messages.
fn tail(path: &Path) -> String {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).replace('\r', "\n"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return String::new(),
        Err(e) => return format!("({}: {e})", path.display()),
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
