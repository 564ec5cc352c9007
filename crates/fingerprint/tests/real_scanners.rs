//! Real scanners from Debian against a darknet: does `tag` attribute what
//! zmap, masscan and a Mirai stand-in really send, and nothing of nmap's?
//!
//! Each test builds its own pair of network namespaces joined by a veth
//! (see [`real_scanners::testbed`]), runs one tool against the darknet
//! prefix 10.99.0.0/24 with tcpdump capturing on the darknet side (the
//! stand-in for the sensor), and reads each capture back with hirundo's
//! reader and decoder. Every run is bounded in probes and in time, and
//! every packet stays inside the namespaces, which are removed on success,
//! failure and panic.
//!
//! The acceptance: at least 99% of zmap's probes tagged ZMAP and of
//! masscan's MASSCAN, with explicit options and with the defaults; none of
//! `nmap -sS`'s tagged either; at least 99% of `hping3 --syn` probes whose
//! sequence number is the destination address tagged MIRAI. The same
//! through `hirundo analyze --format json` once its summary carries
//! fingerprints.
//!
//! Needs root and `zmap masscan nmap hping3 tcpdump iproute2` (CI installs
//! them, `.ci/run`); otherwise says SKIPPED, or fails under CI=true.
//! `cargo test -p hirundo-fingerprint --test real_scanners -- --nocapture`
//! shows the tool versions and the counts.

use std::net::Ipv4Addr;

mod real_scanners {
    pub mod attribution;
    pub mod cli;
    pub mod testbed;
    pub mod tools;
}

use real_scanners::attribution::{judge, Attribution, Expect};
use real_scanners::cli::judge_with_hirundo;
use real_scanners::testbed::{Captured, Testbed, Wake};
use real_scanners::tools::{is_root, skip, version, Tools};

/// Checks root and tools, prints the versions, builds the namespaces; or
/// says why not.
fn testbed(test: &str, scanner: &'static str) -> Option<(Tools, Testbed)> {
    if !is_root() {
        skip(
            test,
            "not root (network namespaces and raw sockets need it)",
        );
        return None;
    }
    let tools = match Tools::find(&[scanner, "tcpdump", "ip", "bash"]) {
        Ok(tools) => tools,
        Err(why) => {
            skip(test, &why);
            return None;
        }
    };
    for tool in [scanner, "tcpdump"] {
        eprintln!("{test}: {tool}: {}", version(tools.path(tool)));
    }
    match Testbed::new(scanner, &tools) {
        Ok(bed) => Some((tools, bed)),
        Err(why) => {
            skip(test, &format!("cannot build the network namespaces: {why}"));
            None
        }
    }
}

fn argv(tool: &std::path::Path, args: &[&str]) -> Vec<String> {
    std::iter::once(tool.to_string_lossy().into_owned())
        .chain(args.iter().map(|a| a.to_string()))
        .collect()
}

/// Reads one run's capture, checks it is whole and silent, and judges it
/// twice: by the test's own count and by `hirundo analyze`.
fn attribute(run: &str, captured: &Captured, expect: Expect) -> Attribution {
    let seen = Attribution::of(&captured.path, Testbed::SCANNER);
    eprintln!(
        "{run}: {} records: {} probes to {} addresses and {} ports, {} ARP, {} other IP, {} undecodable; spoofed {}",
        seen.records,
        seen.probes,
        seen.destinations,
        seen.ports,
        seen.not_ip,
        seen.others,
        seen.undecodable,
        seen.spoofed
    );
    assert_eq!(
        seen.records, captured.packets,
        "{run}: hirundo's reader and tcpdump disagree on the number of records"
    );
    assert_eq!(
        (seen.others, seen.undecodable),
        (0, 0),
        "{run}: the capture holds packets that are neither the scanner's nor ARP; \
         the darknet must never answer"
    );
    judge(run, "tag", expect, (&seen).into());
    judge_with_hirundo(run, &captured.path, &seen, expect);
    seen
}

#[test]
fn zmap_probes_are_attributed_to_zmap() {
    const TEST: &str = "zmap_probes_are_attributed_to_zmap";
    let Some((tools, bed)) = testbed(TEST, "zmap") else {
        return;
    };
    let zmap = tools.path("zmap");
    // Debian's /etc/zmap/zmap.conf blocklists 10.0.0.0/8 with the other
    // reserved ranges; the darknet here is inside it.
    let blocklist = bed.empty_file("zmap-blocklist.conf");
    let blocklist = format!("--blacklist-file={}", blocklist.display());
    let interface = format!("--interface={}", bed.scanner_if());
    let gateway = format!("--gateway-mac={}", Testbed::DARKNET_MAC);

    // Explicit: two probes to each of 200 targets from a pinned range of
    // source ports, rate-limited.
    let run = "zmap explicit";
    let source_ip = format!("--source-ip={}", Testbed::SCANNER);
    let scan = bed.scan(
        "zmap-explicit",
        &argv(
            zmap,
            &[
                "--target-port=23",
                "--probes=2",
                "--max-targets=200",
                "--rate=2000",
                "--cooldown-time=1",
                "--source-port=40000-40999",
                &source_ip,
                &interface,
                &gateway,
                &blocklist,
                Testbed::DARKNET,
            ],
        ),
        Wake::Never,
    );
    assert!(
        scan.status.success(),
        "{run}: zmap exited with {}:\n{}",
        scan.status,
        bed.stderr_of("zmap-explicit")
    );
    let seen = attribute(run, &scan.captured, Expect::Zmap);
    assert_eq!((seen.probes, seen.destinations), (400, 200), "{run}");

    // Defaults: the tcp_synscan module, its rate, one probe per target, the
    // whole /24 and the 8 s cooldown. Only the port is required; the
    // interface, gateway and blocklist describe the testbed.
    let run = "zmap defaults";
    let scan = bed.scan(
        "zmap-defaults",
        &argv(
            zmap,
            &[
                "-p",
                "80",
                &interface,
                &gateway,
                &blocklist,
                Testbed::DARKNET,
            ],
        ),
        Wake::Never,
    );
    assert!(
        scan.status.success(),
        "{run}: zmap exited with {}:\n{}",
        scan.status,
        bed.stderr_of("zmap-defaults")
    );
    let seen = attribute(run, &scan.captured, Expect::Zmap);
    assert_eq!((seen.probes, seen.destinations), (256, 256), "{run}");
}

#[test]
fn masscan_probes_are_attributed_to_masscan() {
    const TEST: &str = "masscan_probes_are_attributed_to_masscan";
    let Some((tools, bed)) = testbed(TEST, "masscan") else {
        return;
    };
    let masscan = tools.path("masscan");
    // Masscan has its own stack and would ARP for the router; the darknet
    // never answers, so it is told the router's MAC.
    let (interface, router) = (bed.scanner_if(), Testbed::DARKNET_MAC);

    // Explicit: six ports, a fixed source address and port, 20 kpps.
    let run = "masscan explicit";
    let adapter_ip = Testbed::SCANNER.to_string();
    let scan = bed.scan(
        "masscan-explicit",
        &argv(
            masscan,
            &[
                "-e",
                interface,
                "--router-mac",
                router,
                "--adapter-ip",
                &adapter_ip,
                "--adapter-port",
                "61000",
                "-p",
                "22,23,80,443,2323,8080",
                "--rate",
                "20000",
                "--wait",
                "1",
                Testbed::DARKNET,
            ],
        ),
        Wake::Receiver,
    );
    assert!(
        scan.status.success(),
        "{run}: masscan exited with {}:\n{}",
        scan.status,
        bed.stderr_of("masscan-explicit")
    );
    let seen = attribute(run, &scan.captured, Expect::Masscan);
    assert_eq!((seen.probes, seen.ports), (256 * 6, 6), "{run}");

    // Defaults: 100 packets/s, the source address of the interface, a
    // random source port, the 10 s wait. Masscan requires the ports.
    let run = "masscan defaults";
    let scan = bed.scan(
        "masscan-defaults",
        &argv(
            masscan,
            &[
                "-e",
                interface,
                "--router-mac",
                router,
                "-p",
                "80",
                Testbed::DARKNET,
            ],
        ),
        Wake::Receiver,
    );
    assert!(
        scan.status.success(),
        "{run}: masscan exited with {}:\n{}",
        scan.status,
        bed.stderr_of("masscan-defaults")
    );
    let seen = attribute(run, &scan.captured, Expect::Masscan);
    assert_eq!((seen.probes, seen.destinations), (256, 256), "{run}");
}

#[test]
fn nmap_syn_scan_is_neither_zmap_nor_masscan() {
    const TEST: &str = "nmap_syn_scan_is_neither_zmap_nor_masscan";
    let Some((tools, bed)) = testbed(TEST, "nmap") else {
        return;
    };
    let run = "nmap -sS";
    const HOSTS: u64 = 8;
    const PORTS: u64 = 6;
    let scan = bed.scan(
        "nmap",
        &argv(
            tools.path("nmap"),
            &[
                "-sS",
                "-n",
                "-Pn",
                "--max-retries",
                "1",
                "-p",
                "21,22,23,80,443,8080",
                "-e",
                bed.scanner_if(),
                "10.99.0.1-8",
            ],
        ),
        Wake::Never,
    );
    assert!(
        scan.status.success(),
        "{run}: nmap exited with {}:\n{}",
        scan.status,
        bed.stderr_of("nmap")
    );
    let seen = attribute(run, &scan.captured, Expect::NeitherZmapNorMasscan);
    // Each filtered port is probed once and retried at most once.
    assert!(
        (HOSTS * PORTS..=2 * HOSTS * PORTS).contains(&seen.probes),
        "{run}: {} probes, expected {} to {}",
        seen.probes,
        HOSTS * PORTS,
        2 * HOSTS * PORTS
    );
}

#[test]
fn hping3_with_destination_as_sequence_is_attributed_to_mirai() {
    const TEST: &str = "hping3_with_destination_as_sequence_is_attributed_to_mirai";
    let Some((tools, bed)) = testbed(TEST, "hping3") else {
        return;
    };
    let run = "hping3 --syn (mirai)";
    const PER_TARGET: u64 = 40;
    let targets: Vec<Ipv4Addr> = (10..15).map(|d| Ipv4Addr::new(10, 99, 0, d)).collect();
    // One hping3 per target, since Mirai's mark is per destination: the
    // sequence number is the destination address as a 32-bit integer.
    let capture = bed.capture("hping3");
    for (i, target) in targets.iter().enumerate() {
        let name = format!("hping3-{i}");
        let seq = u32::from(*target).to_string();
        let count = PER_TARGET.to_string();
        let target = target.to_string();
        let status = bed.run(
            &name,
            &argv(
                tools.path("hping3"),
                &[
                    "--syn",
                    "--setseq",
                    &seq,
                    "--destport",
                    "23",
                    "--count",
                    &count,
                    "--interval",
                    "u5000",
                    "--interface",
                    bed.scanner_if(),
                    &target,
                ],
            ),
            Wake::Never,
        );
        // hping3 exits 1 when nothing answered, which is the darknet's way.
        assert!(
            matches!(status.code(), Some(0 | 1)),
            "{run}: hping3 exited with {status}:\n{}",
            bed.stderr_of(&name)
        );
    }
    let seen = attribute(run, &capture.finish(), Expect::Mirai);
    assert_eq!(
        (seen.probes, seen.destinations),
        (PER_TARGET * targets.len() as u64, targets.len()),
        "{run}"
    );
}
