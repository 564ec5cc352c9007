//! What one capture holds, as the darknet saw it: the scanner's probes and
//! how many of them `hirundo_fingerprint::tag` attributes to each tool.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use hirundo_capture::CaptureReader;
use hirundo_fingerprint::{tag, Tags};
use hirundo_packet::{decode, DecodeError};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// Records in the capture.
    pub records: u64,
    /// IP packets from the scanner's address: its probes.
    pub probes: u64,
    /// Probes tagged with each fingerprint.
    pub zmap: u64,
    pub masscan: u64,
    pub mirai: u64,
    /// Every probe here is SPOOFED too: 10.99.255.1 is RFC 1918 space,
    /// which Corsaro3's rules call a bogon source. Reported, not judged.
    pub spoofed: u64,
    /// IP packets from any other address. The darknet never answers and
    /// nothing else is on the link, so this must stay 0.
    pub others: u64,
    /// Frames without IP: the scanner kernel's ARP requests (see
    /// `Wake::Receiver`).
    pub not_ip: u64,
    /// Frames that did not decode for any other reason.
    pub undecodable: u64,
    /// Distinct destination addresses and (protocol, port)s among probes.
    pub destinations: usize,
    pub ports: usize,
}

impl Attribution {
    /// Reads a capture with hirundo's own reader and decoder.
    pub fn of(capture: &Path, scanner: Ipv4Addr) -> Attribution {
        let mut reader = CaptureReader::open(capture)
            .unwrap_or_else(|e| panic!("open {}: {e}", capture.display()));
        let mut seen = Attribution::default();
        let mut destinations = HashSet::new();
        let mut ports = HashSet::new();
        while let Some(record) = reader
            .next_record()
            .unwrap_or_else(|e| panic!("read {}: {e}", capture.display()))
        {
            seen.records += 1;
            let packet = match decode(record.link, record.data) {
                Ok(packet) => packet,
                Err(DecodeError::NotIp { .. }) => {
                    seen.not_ip += 1;
                    continue;
                }
                Err(_) => {
                    seen.undecodable += 1;
                    continue;
                }
            };
            if packet.ip.source() != IpAddr::V4(scanner) {
                seen.others += 1;
                continue;
            }
            seen.probes += 1;
            destinations.insert(packet.ip.destination());
            if let Some((_, port)) = packet.ports() {
                ports.insert((packet.protocol, port));
            }
            let tags = tag(&packet);
            for (tally, tag) in [
                (&mut seen.zmap, Tags::ZMAP),
                (&mut seen.masscan, Tags::MASSCAN),
                (&mut seen.mirai, Tags::MIRAI),
                (&mut seen.spoofed, Tags::SPOOFED),
            ] {
                *tally += u64::from(tags.contains(tag));
            }
        }
        seen.destinations = destinations.len();
        seen.ports = ports.len();
        seen
    }
}

/// What a run's probes must be attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// At least 99% ZMAP.
    Zmap,
    /// At least 99% MASSCAN.
    Masscan,
    /// At least 99% MIRAI.
    Mirai,
    /// Not one ZMAP or MASSCAN (nmap).
    NeitherZmapNorMasscan,
}

/// Counts of probes and their fingerprints, from either judge: the test's
/// own reading of the capture or `hirundo analyze`.
#[derive(Debug, Clone, Copy)]
pub struct Verdicts {
    pub probes: u64,
    pub zmap: u64,
    pub masscan: u64,
    pub mirai: u64,
}

impl From<&Attribution> for Verdicts {
    fn from(a: &Attribution) -> Verdicts {
        Verdicts {
            probes: a.probes,
            zmap: a.zmap,
            masscan: a.masscan,
            mirai: a.mirai,
        }
    }
}

/// Prints the counts and asserts the acceptance thresholds.
pub fn judge(run: &str, by: &str, expect: Expect, v: Verdicts) {
    let pct = |n: u64| 100.0 * n as f64 / v.probes.max(1) as f64;
    eprintln!(
        "{run}: {by}: {} probes; zmap {} ({:.2}%), masscan {} ({:.2}%), mirai {} ({:.2}%)",
        v.probes,
        v.zmap,
        pct(v.zmap),
        v.masscan,
        pct(v.masscan),
        v.mirai,
        pct(v.mirai)
    );
    let at_least_99 = |n: u64| n * 100 >= v.probes * 99;
    let (tag, n) = match expect {
        Expect::Zmap => ("zmap", v.zmap),
        Expect::Masscan => ("masscan", v.masscan),
        Expect::Mirai => ("mirai", v.mirai),
        Expect::NeitherZmapNorMasscan => {
            assert_eq!(
                (v.zmap, v.masscan),
                (0, 0),
                "{run}: {by} attributes (zmap, masscan) probes of {} nmap probes",
                v.probes
            );
            return;
        }
    };
    assert!(
        at_least_99(n),
        "{run}: {by} attributes {n} of {} probes to {tag} ({:.2}%), under 99%",
        v.probes,
        pct(n)
    );
}
