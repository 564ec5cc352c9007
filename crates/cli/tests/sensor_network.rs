//! The sensor network end to end with the real `hirundo` binary: a live
//! sensor captures what tcpreplay sends into a darknet veth and ships it
//! over HTTPS to a collector, which counts every packet exactly once,
//! through a collector killed twice and an uplink cut for 30 s; and a
//! replayed file shipped twice is counted once.
//!
//! The live tests build three network namespaces (see
//! [`sensor_network::network`]): the internet side, where tcpreplay sends;
//! the sensor, capturing on a veth with no address, ARP off and IPv6 off;
//! the collector, reached over a second veth. Everything stays inside
//! them, and they are removed on success, failure and panic. What the
//! collector stored is read from its database and compared, number for
//! number, with `hirundo analyze` of the replayed file.
//!
//! The live tests need root, iproute2, tcpreplay and procps; otherwise
//! they say SKIPPED, or fail under CI=true. The replay test needs nothing
//! and uses loopback only.
//! `cargo test -p hirundo-cli --test sensor_network -- --nocapture` shows
//! the rates, timings and counts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

mod sensor_network {
    pub mod hirundo;
    pub mod network;
    pub mod process;
    pub mod tcpreplay;
    pub mod tools;
}

use hirundo_summary::Summary;
use sensor_network::hirundo::{
    analyze, hirundo, next_seq, sensor_run, simulate, spool_contents, summary_ports, Collector,
    Report, Stored,
};
use sensor_network::network::{Network, Ns};
use sensor_network::process::{Process, Stream};
use sensor_network::tcpreplay;
use sensor_network::tools::{is_root, skip, Tools};

/// Where the collector listens inside its namespace.
const COLLECTOR_PORT: u16 = 8443;
/// How long a live sensor may take to open its ring.
const SENSOR_START_LIMIT: Duration = Duration::from_secs(20);

/// The tests measure rates and time outages on a small machine: one at a
/// time, even without `--test-threads=1`.
fn serial() -> MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn tempdir(test: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("hirundo-{test}-"))
        .tempdir()
        .expect("create a temporary directory")
}

/// Checks root and tools and builds the namespaces; or says why not.
fn testbed(test: &str, label: &str) -> Option<(Tools, Network)> {
    if !is_root() {
        skip(test, "not root (network namespaces and AF_PACKET need it)");
        return None;
    }
    let tools = match Tools::find(&["ip", "tcpreplay", "sysctl", "kill"]) {
        Ok(tools) => tools,
        Err(why) => {
            skip(test, &why);
            return None;
        }
    };
    match Network::new(label, &tools) {
        Ok(net) => Some((tools, net)),
        Err(why) => {
            skip(test, &format!("cannot build the network namespaces: {why}"));
            None
        }
    }
}

fn collector_in(net: &Network, dir: &Path) -> Collector {
    let listen = format!("{}:{COLLECTOR_PORT}", Network::COLLECTOR);
    Collector::start(net.launcher(Ns::Collector, &hirundo()), dir, &listen)
}

/// Starts `hirundo sensor run --interface dk0` in the sensor namespace and
/// waits until its ring is open.
fn live_sensor(
    net: &Network,
    collector: &Collector,
    name: &str,
    token: &str,
    spool: &Path,
    dir: &Path,
    segments: &[&str],
) -> Process {
    let mut command = sensor_run(
        net.command(Ns::Sensor, &hirundo()),
        collector,
        &collector.fingerprint,
        name,
        token,
        spool,
    );
    command
        .args(["--interface", Network::DARKNET])
        .args(segments);
    let started = Instant::now();
    let mut sensor = Process::spawn("sensor", command, dir);
    sensor.wait_for_line(
        Stream::Err,
        &format!("capturing on {}", Network::DARKNET),
        SENSOR_START_LIMIT,
    );
    // The ring is bound before the line is printed; the pause covers the
    // first poll, not the binding.
    std::thread::sleep(Duration::from_millis(500));
    let stderr = sensor.stderr();
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("WARNING")).collect();
    assert!(
        warnings.is_empty(),
        "dk0 is set up as a sensor's interface should be, yet the sensor warns: {warnings:#?}"
    );
    eprintln!(
        "  sensor capturing on {} after {:.2} s ({})",
        Network::DARKNET,
        started.elapsed().as_secs_f64(),
        segments.join(" ")
    );
    sensor
}

/// Waits for a sensor to exit; if it does not, kills it and fails with
/// what both sides said.
fn wait_for_sensor(sensor: &mut Process, collector: &Collector, limit: Duration) -> ExitStatus {
    sensor.wait_within(limit).unwrap_or_else(|| {
        sensor.kill();
        panic!(
            "the sensor did not exit within {limit:?}:\n{}\n{}",
            sensor.output(),
            collector.output()
        )
    })
}

/// SIGTERM, then the drain: returns the sensor's report, and fails unless
/// the sensor exited having shipped everything.
fn stop_sensor(tools: &Tools, sensor: &mut Process, collector: &Collector) -> Report {
    let asked = Instant::now();
    sensor.signal(tools.path("kill"), "TERM");
    // The default --drain-seconds is 30.
    let status = wait_for_sensor(sensor, collector, Duration::from_secs(45));
    let report = Report::parse(&sensor.stderr());
    eprintln!(
        "  sensor exited with {status} {:.2} s after SIGTERM: {report:?}",
        asked.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "the sensor left segments behind:\n{}\n{}",
        sensor.output(),
        collector.output()
    );
    report
}

/// The darknet counters of the sensor's veth that matter: frames received
/// and frames sent (a darknet sends none).
fn darknet_counters(net: &Network) -> (u64, u64, u64) {
    (
        net.counter(Ns::Sensor, Network::DARKNET, "rx_packets"),
        net.counter(Ns::Sensor, Network::DARKNET, "rx_dropped"),
        net.counter(Ns::Sensor, Network::DARKNET, "tx_packets"),
    )
}

fn assert_spool_empty(test: &str, spool: &Path) {
    let (segments, quarantine) = spool_contents(spool);
    assert_eq!(
        (segments.as_slice(), quarantine.as_slice()),
        (&[][..], &[][..]),
        "{test}: the spool keeps segments or has quarantined some"
    );
}

/// The sensor's kernel counters as its last upload reported them.
fn kernel_counters(test: &str, stored: &Stored) -> (u64, u64) {
    let [sensor] = &stored.sensors[..] else {
        panic!("{test}: one sensor registered, found {:?}", stored.sensors);
    };
    let health = sensor
        .health
        .unwrap_or_else(|| panic!("{test}: the sensor reported no health"));
    (health.kernel_packets, health.kernel_drops)
}

/// What both live tests require once the sensor has stopped: dk0 got every
/// frame and sent none, the ring dropped nothing, the sensor kept and
/// shipped everything, and the collector holds exactly `analyze`'s counts
/// in the segments the sensor made, each once. Returns how many it made.
fn assert_delivered(
    test: &str,
    net: &Network,
    collector: &Collector,
    spool: &Path,
    report: &Report,
    truth: &Summary,
) -> u64 {
    let (received, rx_dropped, sent) = darknet_counters(net);
    let stored = collector.stored();
    let (kernel_packets, kernel_drops) = kernel_counters(test, &stored);
    eprintln!(
        "{test}: collector stored {} packets in {} segments, {} ports (analyze: {} packets, {} ports); \
         dk0 received {received} ({rx_dropped} dropped), sent {sent}; \
         kernel {kernel_packets} packets, {kernel_drops} dropped",
        stored.totals.packets,
        stored.segments.len(),
        stored.ports.len(),
        truth.packets,
        truth.ports.len()
    );
    assert_eq!(
        (received, rx_dropped),
        (truth.packets, 0),
        "{test}: dk0 received every frame"
    );
    assert_eq!(
        sent, 0,
        "{test}: the sensor's darknet interface sent frames"
    );
    assert_eq!(kernel_drops, 0, "{test}: the capture ring dropped packets");
    assert_eq!(
        (
            report.captured,
            report.not_captured,
            report.quarantined,
            report.left
        ),
        (truth.packets, 0, 0, 0),
        "{test}: the sensor's report (captured, not captured, quarantined, left)"
    );
    stored.assert_is(test, truth);
    let made = next_seq(spool);
    assert_eq!(
        stored.assert_contiguous(test),
        [made],
        "{test}: every segment the sensor made is stored once"
    );
    made
}

/// 300,000 packets at 50,000 packets/s into a live sensor: the collector
/// holds every one, port by port, and the darknet interface sent nothing.
#[test]
fn live_capture_counts_every_replayed_packet_exactly() {
    const TEST: &str = "live_capture_counts_every_replayed_packet_exactly";
    const PACKETS: u64 = 300_000;
    const PPS: u64 = 50_000;
    let _serial = serial();
    let Some((tools, net)) = testbed(TEST, "live") else {
        return;
    };
    let test_started = Instant::now();
    let dir = tempdir("live");
    let file = simulate(dir.path(), PACKETS, 11);
    let truth = analyze(&file);
    assert_eq!(truth.packets, PACKETS);
    eprintln!(
        "{TEST}: simulated {PACKETS} packets ({} bytes, {} ports, {} not IP)",
        truth.bytes,
        truth.ports.len(),
        truth.errors.not_ip
    );

    let collector = collector_in(&net, dir.path());
    let token = collector.add_sensor("live-1");
    let spool = dir.path().join("spool");
    let mut sensor = live_sensor(
        &net,
        &collector,
        "live-1",
        &token,
        &spool,
        dir.path(),
        &["--segment-size", "4M", "--segment-seconds", "2"],
    );

    let replay = tcpreplay::start(&net, &tools, dir.path(), &file, PPS);
    let replayed = tcpreplay::finish(replay, Duration::from_secs(60));
    eprintln!(
        "{TEST}: tcpreplay sent {} packets in {:.2} s, rated {:.0} packets/s, {} failed",
        replayed.sent, replayed.seconds, replayed.pps, replayed.failed
    );
    assert_eq!(
        (replayed.sent, replayed.failed),
        (PACKETS, 0),
        "{TEST}: tcpreplay"
    );
    assert!(
        replayed.pps >= PPS as f64 * 0.99,
        "{TEST}: tcpreplay reached {:.0} packets/s, not {PPS}: the rate was not tested",
        replayed.pps
    );

    // Let the last segment age out and ship, then stop the sensor.
    std::thread::sleep(Duration::from_secs(2));
    let report = stop_sensor(&tools, &mut sensor, &collector);
    let made = assert_delivered(TEST, &net, &collector, &spool, &report, &truth);
    assert_eq!(
        (report.shipped, report.duplicates),
        (made, 0),
        "{TEST}: shipped"
    );
    assert_spool_empty(TEST, &spool);
    eprintln!(
        "{TEST}: passed in {:.1} s",
        test_started.elapsed().as_secs_f64()
    );
}

/// 1,000,000 packets at 20,000 packets/s (50 s) in 1 s segments; the
/// collector is SIGKILLed at 3 s and 9 s and back 2 s later, the uplink is
/// down from 15 s to 45 s. Every segment is stored once, nothing is lost.
#[test]
fn faults_lose_nothing_and_count_nothing_twice() {
    const TEST: &str = "faults_lose_nothing_and_count_nothing_twice";
    const PACKETS: u64 = 1_000_000;
    const PPS: u64 = 20_000;
    let _serial = serial();
    let Some((tools, net)) = testbed(TEST, "faults") else {
        return;
    };
    let test_started = Instant::now();
    let dir = tempdir("faults");
    let file = simulate(dir.path(), PACKETS, 12);
    let truth = analyze(&file);
    assert_eq!(truth.packets, PACKETS);
    eprintln!(
        "{TEST}: simulated {PACKETS} packets ({} ports); replay at {PPS} packets/s, ~{} s",
        truth.ports.len(),
        PACKETS / PPS
    );

    let mut collector = collector_in(&net, dir.path());
    let token = collector.add_sensor("faults-1");
    let spool = dir.path().join("spool");
    let mut sensor = live_sensor(
        &net,
        &collector,
        "faults-1",
        &token,
        &spool,
        dir.path(),
        &["--segment-size", "4M", "--segment-seconds", "1"],
    );

    let replay = tcpreplay::start(&net, &tools, dir.path(), &file, PPS);
    let t0 = Instant::now();
    let at = |seconds: u64| {
        let when = t0 + Duration::from_secs(seconds);
        std::thread::sleep(when.saturating_duration_since(Instant::now()));
    };
    let log = |what: &str| eprintln!("{TEST}: {:>6.1} s  {what}", t0.elapsed().as_secs_f64());
    log("replay started");
    for (kill_at, restart_at) in [(3, 5), (9, 11)] {
        at(kill_at);
        collector.kill();
        let stored = collector.stored();
        log(&format!(
            "collector killed (SIGKILL) holding {} segments, {} packets",
            stored.segments.len(),
            stored.totals.packets
        ));
        at(restart_at);
        collector.restart();
        log(&format!(
            "collector restarted (start {})",
            collector.starts()
        ));
    }
    // The outage comes last, so that nothing but the sensor itself gets
    // shipping going again once the link is back.
    at(15);
    net.set_uplink(false);
    log(&format!(
        "uplink down; collector holds {} segments, spool {}",
        collector.stored().segments.len(),
        spool_contents(&spool).0.len()
    ));
    at(45);
    let (waiting, _) = spool_contents(&spool);
    net.set_uplink(true);
    let up = Instant::now();
    log(&format!(
        "uplink up; collector holds {} segments, spool {}",
        collector.stored().segments.len(),
        waiting.len()
    ));
    // A segment a second for 30 s, none shipped: the cut was real.
    assert!(
        waiting.len() >= 20,
        "{TEST}: only {} segments waited in the spool after 30 s without an uplink",
        waiting.len()
    );

    // Until the replay is over and the spool empty. An upload cut off
    // mid-way waits for TCP's retransmission backoff, or for the
    // sensor's 120 s request timeout: allow for the latter.
    let limit = Duration::from_secs(150);
    let mut replay = Some(replay);
    let mut replay_ended = None;
    let mut before: BTreeSet<String> = waiting.into_iter().collect();
    let mut resumed = false;
    let mut reported = Instant::now();
    loop {
        if replay.as_mut().is_some_and(|r| r.try_wait().is_some()) {
            let replayed = tcpreplay::finish(replay.take().expect("some"), Duration::ZERO);
            log(&format!(
                "replay done: {} packets in {:.2} s, rated {:.0} packets/s, {} failed",
                replayed.sent, replayed.seconds, replayed.pps, replayed.failed
            ));
            assert_eq!(
                (replayed.sent, replayed.failed),
                (PACKETS, 0),
                "{TEST}: tcpreplay"
            );
            replay_ended = Some(Instant::now());
        }
        let now: BTreeSet<String> = spool_contents(&spool).0.into_iter().collect();
        if !resumed && before.difference(&now).next().is_some() {
            resumed = true;
            log(&format!(
                "first segment shipped {:.1} s after the uplink came back",
                up.elapsed().as_secs_f64()
            ));
        }
        before = now;
        // The last segment closes a second after the last packet.
        let settled = replay_ended.is_some_and(|t| t.elapsed() > Duration::from_millis(1500));
        if settled && before.is_empty() {
            break;
        }
        assert!(
            sensor.try_wait().is_none(),
            "{TEST}: the sensor exited:\n{}",
            sensor.output()
        );
        assert!(
            up.elapsed() < limit,
            "{TEST}: {} segments still in the spool {limit:?} after the uplink came back:\n{}\n{}",
            before.len(),
            sensor.output(),
            collector.output()
        );
        if reported.elapsed() >= Duration::from_secs(10) {
            log(&format!("{} segments in the spool", before.len()));
            reported = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    log(&format!(
        "spool empty {:.1} s after the uplink came back",
        up.elapsed().as_secs_f64()
    ));
    let report = stop_sensor(&tools, &mut sensor, &collector);
    let stderr = sensor.stderr();
    let not_shipped = stderr.lines().filter(|l| l.contains("not shipped")).count();
    let made = assert_delivered(TEST, &net, &collector, &spool, &report, &truth);
    eprintln!(
        "{TEST}: sensor made {made} segments and shipped {} uploads, {} of them already stored \
         (acknowledged duplicates), after {} retries ({not_shipped} failed uploads logged)",
        report.shipped, report.duplicates, report.retries
    );
    assert_eq!(
        report.shipped - report.duplicates,
        made,
        "{TEST}: each segment stored by exactly one upload"
    );
    assert!(
        report.retries > 0 && not_shipped > 0,
        "{TEST}: the faults were not felt: no upload failed"
    );
    assert_spool_empty(TEST, &spool);
    eprintln!(
        "{TEST}: passed in {:.1} s",
        test_started.elapsed().as_secs_f64()
    );
}

/// `sensor run --pcap` on loopback: a wrong fingerprint ships nothing; the
/// right one ships everything; the same file again from a fresh spool is
/// acknowledged segment by segment as already stored and counted once.
#[test]
fn replay_mode_ships_a_file_exactly_once() {
    const TEST: &str = "replay_mode_ships_a_file_exactly_once";
    const PACKETS: u64 = 100_000;
    let _serial = serial();
    let test_started = Instant::now();
    let dir = tempdir("replay");
    let file = simulate(dir.path(), PACKETS, 13);
    let truth = analyze(&file);
    assert_eq!(truth.packets, PACKETS);
    let collector = Collector::start(
        Box::new(|| Command::new(hirundo())),
        dir.path(),
        "127.0.0.1:0",
    );
    let token = collector.add_sensor("replay-1");
    let replay = |label: &str, fingerprint: &str| -> (Process, PathBuf) {
        let spool = dir.path().join(format!("spool-{label}"));
        let mut command = sensor_run(
            Command::new(hirundo()),
            &collector,
            fingerprint,
            "replay-1",
            &token,
            &spool,
        );
        command
            .arg("--pcap")
            .arg(&file)
            .args(["--segment-size", "2M"]);
        (
            Process::spawn(&format!("sensor-{label}"), command, dir.path()),
            spool,
        )
    };

    // A collector whose certificate is not the pinned one gets nothing:
    // the sensor keeps its segments and keeps trying.
    let mut wrong = collector.fingerprint.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).expect("hex");
    let (mut sensor, spool) = replay("wrong-fingerprint", &wrong);
    let line = sensor.wait_for_line(
        Stream::Err,
        "not the pinned fingerprint",
        Duration::from_secs(30),
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        sensor.try_wait().is_none(),
        "{TEST}: a sensor that cannot ship keeps trying:\n{}",
        sensor.output()
    );
    // SIGTERM ends it even though the spool is not empty; it says so by
    // its exit status.
    sensor.signal(Path::new("kill"), "TERM");
    let status = sensor.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1), "{TEST}: {}", sensor.output());
    let stored = collector.stored();
    let (waiting, _) = spool_contents(&spool);
    eprintln!(
        "{TEST}: wrong fingerprint: collector stored {} packets in {} segments; {} segments wait in the spool; \
         the sensor said: {line}",
        stored.totals.packets,
        stored.segments.len(),
        waiting.len()
    );
    assert!(
        line.contains(&collector.fingerprint) && line.contains("check --fingerprint"),
        "{TEST}: the sensor says why it does not ship: {line}"
    );
    assert_eq!(
        (stored.totals.packets, stored.segments.len()),
        (0, 0),
        "{TEST}: nothing reached the collector"
    );
    assert!(
        !waiting.is_empty(),
        "{TEST}: the segments stay in the spool"
    );

    // The right fingerprint: everything, once.
    let shipped_at = Instant::now();
    let (mut sensor, spool) = replay("first", &collector.fingerprint);
    let status = wait_for_sensor(&mut sensor, &collector, Duration::from_secs(60));
    let first = Report::parse(&sensor.stderr());
    eprintln!(
        "{TEST}: first replay exited with {status} in {:.2} s: {first:?}",
        shipped_at.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "{TEST}: first replay:\n{}\n{}",
        sensor.output(),
        collector.output()
    );
    let made = next_seq(&spool);
    assert_eq!(
        (first.captured, first.shipped, first.duplicates, first.left),
        (PACKETS, made, 0, 0),
        "{TEST}: first replay (captured, shipped, duplicates, left)"
    );
    assert_spool_empty(TEST, &spool);
    let stored = collector.stored();
    stored.assert_is(TEST, &truth);
    assert_eq!(stored.assert_contiguous(TEST), [made]);
    eprintln!(
        "{TEST}: collector stored {} packets in {} segments, {} ports, equal to analyze's",
        stored.totals.packets,
        stored.segments.len(),
        summary_ports(&truth).len()
    );

    // The same file from a fresh spool: the same segments under the same
    // numbers, acknowledged as already stored and not counted again.
    let shipped_at = Instant::now();
    let (mut sensor, spool) = replay("again", &collector.fingerprint);
    let status = wait_for_sensor(&mut sensor, &collector, Duration::from_secs(60));
    let again = Report::parse(&sensor.stderr());
    eprintln!(
        "{TEST}: second replay exited with {status} in {:.2} s: {again:?}",
        shipped_at.elapsed().as_secs_f64()
    );
    assert!(
        status.success(),
        "{TEST}: second replay:\n{}\n{}",
        sensor.output(),
        collector.output()
    );
    assert_eq!(
        (again.captured, again.shipped, again.duplicates, again.left),
        (PACKETS, made, made, 0),
        "{TEST}: second replay (captured, shipped, duplicates, left)"
    );
    assert_spool_empty(TEST, &spool);
    let after = collector.stored();
    assert_eq!(
        after.totals, stored.totals,
        "{TEST}: totals after the second replay"
    );
    assert_eq!(
        after.ports, stored.ports,
        "{TEST}: ports after the second replay"
    );
    assert_eq!(
        after.segments, stored.segments,
        "{TEST}: segments after the second replay"
    );
    eprintln!(
        "{TEST}: second replay: {} of {} segments already stored; totals unchanged ({} packets); passed in {:.1} s",
        again.duplicates,
        again.shipped,
        after.totals.packets,
        test_started.elapsed().as_secs_f64()
    );
}

/// Uploads over the real network that the collector must refuse: each gets
/// its 4xx with a message and leaves the store as it was.
#[test]
fn refused_uploads_over_the_network_change_nothing() {
    const TEST: &str = "refused_uploads_over_the_network_change_nothing";
    let _serial = serial();
    let Some((_tools, net)) = testbed(TEST, "refuse") else {
        return;
    };
    let curl = match Tools::find(&["curl"]) {
        Ok(tools) => tools.path("curl").to_path_buf(),
        Err(why) => return skip(TEST, &why),
    };
    let dir = tempdir("refuse");
    let file = simulate(dir.path(), 20_000, 13);
    let body = std::fs::read(&file).expect("read the capture");
    let collector = collector_in(&net, dir.path());
    let alpha = collector.add_sensor("alpha");
    let beta = collector.add_sensor("beta");
    let gamma = collector.add_sensor("gamma");
    let data = dir.path().join("collector");
    let disabled = Command::new(hirundo())
        .args(["sensor", "disable", "gamma", "--data"])
        .arg(&data)
        .output()
        .expect("run hirundo sensor disable");
    assert!(disabled.status.success(), "{disabled:?}");

    // One upload from the sensor namespace over HTTPS: (status, body).
    let put = |sensor: &str, seq: &str, token: Option<&str>, sha: Option<String>, bytes: &[u8]| {
        let path = dir.path().join("body");
        std::fs::write(&path, bytes).expect("write the body");
        let mut command = net.command(Ns::Sensor, &curl);
        command.args([
            "-sk",
            "--max-time",
            "60",
            "-X",
            "PUT",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
        ]);
        command
            .arg("--data-binary")
            .arg(format!("@{}", path.display()));
        if let Some(token) = token {
            command.args(["-H", &format!("Authorization: Bearer {token}")]);
        }
        if let Some(sha) = sha {
            command.args(["-H", &format!("Hirundo-Sha256: {sha}")]);
        }
        command.arg(format!(
            "{}/api/v1/sensors/{sensor}/segments/{seq}",
            collector.url
        ));
        let out = command.output().expect("run curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (answer, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse::<u16>().unwrap_or(0), answer.to_string())
    };
    let sha = |bytes: &[u8]| {
        use sha2::{Digest, Sha256};
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };

    let (status, answer) = put("beta", "0", Some(&beta), Some(sha(&body)), &body);
    assert_eq!(status, 201, "{TEST}: a good upload is stored: {answer}");
    let before = collector.stored();
    assert_eq!(before.totals.packets, 20_000);

    let truncated = &body[..body.len() - 100];
    let oversized = vec![0u8; 81 << 20];
    let nobodys = "f".repeat(64);
    // What, sensor, seq, token, digest, body; the status and reason due.
    type Refusal<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<String>,
        &'a [u8],
        u16,
        &'a str,
    );
    let cases: Vec<Refusal> = vec![
        (
            "no token",
            "alpha",
            "0",
            None,
            Some(sha(&body)),
            &body,
            401,
            "no_token",
        ),
        (
            "wrong token",
            "alpha",
            "0",
            Some(&nobodys),
            Some(sha(&body)),
            &body,
            401,
            "wrong_token",
        ),
        (
            "disabled sensor",
            "gamma",
            "0",
            Some(&gamma),
            Some(sha(&body)),
            &body,
            403,
            "sensor_disabled",
        ),
        (
            "another sensor's name and numbers",
            "beta",
            "0",
            Some(&alpha),
            Some(sha(&body)),
            &body,
            403,
            "wrong_sensor",
        ),
        (
            "another sensor's name, new number",
            "beta",
            "1",
            Some(&alpha),
            Some(sha(&body)),
            &body,
            403,
            "wrong_sensor",
        ),
        (
            "truncated capture",
            "alpha",
            "0",
            Some(&alpha),
            Some(sha(truncated)),
            truncated,
            422,
            "not_a_capture",
        ),
        (
            "not a capture",
            "alpha",
            "0",
            Some(&alpha),
            Some(sha(b"hello")),
            b"hello",
            422,
            "not_a_capture",
        ),
        (
            "oversized body",
            "alpha",
            "0",
            Some(&alpha),
            Some(sha(&oversized)),
            &oversized,
            413,
            "too_large",
        ),
        (
            "body not matching its digest",
            "alpha",
            "0",
            Some(&alpha),
            Some(sha(b"other")),
            &body,
            422,
            "digest_mismatch",
        ),
    ];
    for (what, sensor, seq, token, digest, bytes, want, reason) in cases {
        let (status, answer) = put(sensor, seq, token, digest, bytes);
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        eprintln!("{TEST}: {what}: {status} {}", json["error"]["message"]);
        assert_eq!(status, want, "{TEST}: {what}: {answer}");
        assert_eq!(json["error"]["reason"], reason, "{TEST}: {what}: {answer}");
        assert!(
            !json["error"]["message"].as_str().unwrap_or("").is_empty(),
            "{TEST}: {what}: the refusal says why"
        );
        let now = collector.stored();
        assert_eq!(
            (&now.totals, &now.ports, &now.segments),
            (&before.totals, &before.ports, &before.segments),
            "{TEST}: {what} changed the store"
        );
    }
    let refused: u64 = collector.stored().rejections.iter().map(|r| r.count).sum();
    assert_eq!(refused, 9, "{TEST}: every refusal is counted");
}
