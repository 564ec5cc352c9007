//! Tags every packet of the captures named on the command line and prints,
//! per tag, the packets and distinct sources, then each source's verdict
//! (`hirundo analyze` gives the research verdicts):
//!
//! `cargo run --release -p hirundo-fingerprint --example tag -- FILE...`

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use hirundo_capture::CaptureReader;
use hirundo_fingerprint::SourceProfile;
use hirundo_packet::{decode, AddrKey, IpSlice};

fn main() -> ExitCode {
    let mut decoded = 0u64;
    let mut tags: BTreeMap<&str, (u64, HashSet<AddrKey>)> = BTreeMap::new();
    let mut profiles: HashMap<AddrKey, SourceProfile> = HashMap::new();
    let mut mss: BTreeMap<String, u64> = BTreeMap::new();
    for path in std::env::args().skip(1) {
        let mut reader = match CaptureReader::open(Path::new(&path)) {
            Ok(reader) => reader,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        loop {
            let record = match reader.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let Ok(packet) = decode(record.link, record.data) else {
                continue;
            };
            decoded += 1;
            let source = packet.ip.source_key();
            let packet_tags = profiles.entry(source).or_default().observe_packet(&packet);
            for (_, name) in packet_tags.iter() {
                let entry = tags.entry(name).or_default();
                entry.0 += 1;
                entry.1.insert(source);
            }
            if packet_tags.is_empty() {
                tags.entry("none").or_default().0 += 1;
            }
            if let (IpSlice::V4(_), Ok(hirundo_packet::Transport::Tcp(tcp))) =
                (packet.ip, packet.transport())
            {
                let key = format!(
                    "tcp flags {:#05x} window {} mss {:?}",
                    tcp.flags().0,
                    tcp.window_size(),
                    tcp.mss()
                );
                *mss.entry(key).or_default() += 1;
            }
        }
    }
    println!("decoded\t{decoded}");
    for (name, (packets, sources)) in &tags {
        println!("{name}\t{packets} packets\t{} sources", sources.len());
    }
    for (shape, n) in &mss {
        println!("{shape}\t{n}");
    }
    for (source, profile) in &profiles {
        println!(
            "{}\t{}\t{} packets",
            std::net::IpAddr::from(*source),
            profile.verdict().name(),
            profile.packets
        );
    }
    ExitCode::SUCCESS
}
