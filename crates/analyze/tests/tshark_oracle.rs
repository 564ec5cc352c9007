//! Wireshark is the oracle for decoding: on every real capture under
//! `../shared/pcaps`, hirundo must count the same packets, bytes, transport
//! protocols and (proto, destination port) pairs as tshark, looking at the
//! outermost IP header only and with IP reassembly off.
//!
//! Where the two legitimately differ, [`KNOWN_DIFFERENCES`] names the file and
//! says why; the test checks those files still differ, so the list cannot go
//! stale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use hirundo_analyze::Analyzer;
use hirundo_summary::{PortProto, ProtocolCounts, Summary};

/// Files where hirundo and Wireshark differ on purpose, and why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    ("zeek/dns-inverse-query.pcap", UNSUPPORTED_LINK),
    ("zeek/llc.pcap", UNSUPPORTED_LINK),
    ("zeek/nflog-http.pcap", UNSUPPORTED_LINK),
    ("zeek/ppp/quic-interop-retry.pcap", UNSUPPORTED_LINK),
    (
        "zeek/quic/interop/quic-go_quic-go/handshake.pcap",
        UNSUPPORTED_LINK,
    ),
    (
        "zeek/quic/interop/quic-go_quic-go/retry.pcap",
        UNSUPPORTED_LINK,
    ),
    (
        "zeek/quic/interop/quic-go_quic-go/zerortt.pcap",
        UNSUPPORTED_LINK,
    ),
    ("zeek/radiotap.pcap", UNSUPPORTED_LINK),
    ("zeek/wlanmon.pcap", UNSUPPORTED_LINK),
    (
        "zeek/trunc/ipv4-internally-truncated-header.pcap",
        HEADER_CUT,
    ),
    ("zeek/trunc/ip6-trunc.pcap", HEADER_CUT),
    ("zeek/trunc/mpls-6in6-broken.pcap.gz", HEADER_CUT),
    (
        "zeek/ipv6-mobility-dst-opts.pcap",
        "a Destination Options header holds an option whose length overruns the header: \
         Wireshark stops there, hirundo skips the header by its own length and reads the \
         UDP ports behind it (13000/udp: 2 vs 1)",
    ),
];

/// FDDI, PPP, NFLOG, 802.11 and radiotap are outside the link types the
/// packet engine decodes; their records are counted under
/// `errors.unsupported_link`, never guessed at.
const UNSUPPORTED_LINK: &str = "link type outside the decoded set: counted as unsupported_link";

/// DESIGN.md counts a record as decoded only when its outer IP header,
/// options included, was captured whole; otherwise `errors.truncated`.
/// Wireshark still reads the protocol field from the part it has.
const HEADER_CUT: &str = "outer IP header cut short by the capture: errors.truncated, \
                          where Wireshark reads the protocol from the part it has";

/// The counts both tools must agree on.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    packets: u64,
    bytes: u64,
    protocols: ProtocolCounts,
    ports: BTreeMap<(PortProto, u16), u64>,
}

impl Counts {
    fn count_protocol(&mut self, number: u8) {
        let p = &mut self.protocols;
        match number {
            6 => p.tcp += 1,
            17 => p.udp += 1,
            1 => p.icmp += 1,
            58 => p.icmpv6 += 1,
            _ => p.other += 1,
        }
    }

    fn of_summary(s: &Summary) -> Counts {
        Counts {
            packets: s.packets,
            bytes: s.bytes,
            protocols: s.protocols,
            ports: s
                .ports
                .iter()
                .map(|p| ((p.proto, p.port), p.packets))
                .collect(),
        }
    }

    /// A one-line account of how `self` (hirundo) differs from `other` (tshark).
    fn diff(&self, tshark: &Counts) -> String {
        let mut out = Vec::new();
        if self.packets != tshark.packets {
            out.push(format!("packets {} vs {}", self.packets, tshark.packets));
        }
        if self.bytes != tshark.bytes {
            out.push(format!("bytes {} vs {}", self.bytes, tshark.bytes));
        }
        if self.protocols != tshark.protocols {
            out.push(format!(
                "protocols {:?} vs {:?}",
                self.protocols, tshark.protocols
            ));
        }
        let keys: std::collections::BTreeSet<_> =
            self.ports.keys().chain(tshark.ports.keys()).collect();
        for key in keys {
            let (a, b) = (self.ports.get(key), tshark.ports.get(key));
            if a != b {
                out.push(format!(
                    "{}/{} {} vs {}",
                    key.1,
                    key.0.as_str(),
                    a.copied().unwrap_or(0),
                    b.copied().unwrap_or(0)
                ));
            }
        }
        out.join("; ")
    }
}

const FIELDS: &[&str] = &[
    "frame.len",
    "frame.protocols",
    "ip.proto",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.routing.nxt",
    "ipv6.fraghdr.nxt",
    "ipv6.dstopts.nxt",
    "ah.next_header",
    "tcp.dstport",
    "udp.dstport",
];

/// Counts what tshark sees in `path`, or `None` if it cannot read the file at all.
fn tshark_counts(path: &Path) -> Option<Counts> {
    let mut cmd = Command::new("tshark");
    cmd.args([
        "-n",
        "-o",
        "ip.defragment:FALSE",
        "-o",
        "ipv6.defragment:FALSE",
    ]);
    cmd.args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
        "-E",
        "separator=/t",
    ]);
    for field in FIELDS {
        cmd.args(["-e", field]);
    }
    cmd.arg("-r").arg(path);
    let output = cmd.output().expect("running tshark");
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() && stdout.is_empty() {
        return None;
    }
    let mut counts = Counts::default();
    for line in stdout.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let field = |name: &str| -> Vec<&str> {
            let i = FIELDS.iter().position(|f| *f == name).expect("known field");
            cols.get(i)
                .map(|c| c.split(',').filter(|v| !v.is_empty()).collect())
                .unwrap_or_default()
        };
        counts.packets += 1;
        counts.bytes += field("frame.len")
            .first()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let Some(proto) = outer_protocol(&field("frame.protocols").join(","), &field) else {
            continue;
        };
        counts.count_protocol(proto);
        let port = match proto {
            6 => field("tcp.dstport").first().map(|p| (PortProto::Tcp, *p)),
            17 => field("udp.dstport").first().map(|p| (PortProto::Udp, *p)),
            _ => None,
        };
        if let Some((proto, port)) = port {
            *counts
                .ports
                .entry((proto, port.parse().expect("numeric port")))
                .or_default() += 1;
        }
    }
    Some(counts)
}

/// The transport protocol number of the outermost IP header, following the
/// outer IPv6 extension-header chain as Wireshark dissected it.
fn outer_protocol<'a>(protocols: &str, field: &dyn Fn(&str) -> Vec<&'a str>) -> Option<u8> {
    let layers: Vec<&str> = protocols.split(':').collect();
    let at = layers.iter().position(|l| *l == "ip" || *l == "ipv6")?;
    let nth = |name: &str, n: usize| field(name).get(n).and_then(|v| v.parse::<u8>().ok());
    if layers[at] == "ip" {
        return nth("ip.proto", 0);
    }
    let mut proto = nth("ipv6.nxt", 0)?;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for layer in &layers[at + 1..] {
        let name = match *layer {
            "ipv6.hopopts" => "ipv6.hopopts.nxt",
            "ipv6.routing" => "ipv6.routing.nxt",
            "ipv6.fraghdr" => "ipv6.fraghdr.nxt",
            "ipv6.dstopts" => "ipv6.dstopts.nxt",
            "ah" => "ah.next_header",
            _ => break,
        };
        let n = seen.entry(name).or_default();
        // An extension header cut before its next-header byte: the protocol
        // stays the header's own number.
        let Some(next) = nth(name, *n) else { break };
        proto = next;
        *n += 1;
    }
    Some(proto)
}

fn captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("reading pcaps dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            captures(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng" | "gz" | "cap" | "zst")
        ) {
            out.push(path);
        }
    }
}

fn shared_pcaps() -> Option<PathBuf> {
    let dir = hirundo_testbed::shared("pcaps");
    dir.is_dir().then_some(dir)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn skip(why: &str) {
    assert!(!in_ci(), "CI=true but {why}");
    eprintln!("\n!!! SKIPPED tshark oracle test: {why} !!!\n");
}

#[test]
fn every_shared_capture_counts_as_tshark_counts() {
    let Some(dir) = shared_pcaps() else {
        return skip("../shared/pcaps is missing");
    };
    if Command::new("tshark").arg("--version").output().is_err() {
        return skip("tshark is not installed (apt-get install tshark)");
    }
    let mut files = Vec::new();
    captures(&dir, &mut files);
    assert!(
        files.len() > 500,
        "expected the zeek and tcpreplay captures, found {}",
        files.len()
    );

    let results = Mutex::new(Vec::new());
    let next = Mutex::new(files.iter());
    // tshark's start-up dominates; two workers keep both cores busy.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(path) = next.lock().unwrap().next() else {
                    break;
                };
                let mut analyzer = Analyzer::new();
                analyzer.add_path(path, &mut |_| {});
                let analysis = analyzer.finish();
                let ours = Counts::of_summary(&analysis.summary);
                let theirs = tshark_counts(path);
                results
                    .lock()
                    .unwrap()
                    .push((path.clone(), ours, theirs, analysis.diagnostics));
            });
        }
    });

    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut failures = Vec::new();
    let (mut agreed, mut packets) = (0, 0);
    for (path, ours, theirs, diagnostics) in &results {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let known = KNOWN_DIFFERENCES.iter().find(|(f, _)| *f == name);
        let Some(theirs) = theirs else {
            // Neither tool can read it: not a capture at all.
            if ours.packets != 0 || !diagnostics.iter().any(|d| d.fatal) {
                failures.push(format!(
                    "{name}: tshark cannot read it but hirundo did without complaint"
                ));
            }
            continue;
        };
        let diff = ours.diff(theirs);
        match (diff.is_empty(), known) {
            (true, None) => {
                agreed += 1;
                packets += ours.packets;
            }
            // Even where decoding legitimately differs, every record and
            // byte must be there.
            (false, Some(_)) if (ours.packets, ours.bytes) != (theirs.packets, theirs.bytes) => {
                failures.push(format!(
                    "{name}: packets or bytes differ from tshark: {diff}"
                ));
            }
            (false, Some(_)) => {}
            (true, Some((_, why))) => failures.push(format!(
                "{name}: now agrees with tshark; drop it from KNOWN_DIFFERENCES ({why})"
            )),
            (false, None) => {
                let notes: Vec<String> = diagnostics.iter().map(|d| d.to_string()).collect();
                failures.push(format!(
                    "{name}: hirundo vs tshark: {diff} [{}]",
                    notes.join(" | ")
                ));
            }
        }
    }
    eprintln!(
        "tshark oracle: {agreed} of {} captures agree exactly ({packets} packets); {} known differences",
        results.len(),
        KNOWN_DIFFERENCES.len()
    );
    assert!(
        failures.is_empty(),
        "{} captures disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
