//! tcpreplay sends the capture into the darknet veth from the internet
//! side, frame by frame, unmodified, at a fixed rate.

use std::path::Path;
use std::time::Duration;

use crate::sensor_network::network::{Network, Ns};
use crate::sensor_network::process::Process;
use crate::sensor_network::tools::Tools;

/// What tcpreplay says it did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Replayed {
    pub sent: u64,
    pub failed: u64,
    pub seconds: f64,
    pub pps: f64,
}

/// Starts `tcpreplay --intf1=dk1 --pps=RATE FILE` in the internet
/// namespace.
pub fn start(net: &Network, tools: &Tools, dir: &Path, file: &Path, pps: u64) -> Process {
    let mut command = net.command(Ns::Internet, tools.path("tcpreplay"));
    command
        .arg(format!("--intf1={}", Network::DARKNET_PEER))
        .arg(format!("--pps={pps}"))
        .arg(file);
    Process::spawn("tcpreplay", command, dir)
}

/// Waits for tcpreplay and reads its statistics; panics unless it exited
/// successfully and sent every frame.
pub fn finish(mut process: Process, limit: Duration) -> Replayed {
    let status = process.wait(limit);
    assert!(
        status.success(),
        "tcpreplay exited with {status}:\n{}",
        process.output()
    );
    let out = process.stdout();
    let count = |prefix: &str| -> u64 {
        after(&out, prefix)
            .parse()
            .unwrap_or_else(|_| panic!("tcpreplay's {prefix:?} is not a count:\n{out}"))
    };
    let pps = after(&out, "Rated:")
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_suffix(" pps"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("tcpreplay printed no rate in packets/s:\n{out}"));
    let seconds = after(&out, "Actual:")
        .split(" sent in ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("tcpreplay printed no duration:\n{out}"));
    Replayed {
        sent: count("Successful packets:"),
        failed: count("Failed packets:"),
        seconds,
        pps,
    }
}

/// The rest of the first line that starts (after indentation) with
/// `prefix`, trimmed; panics if there is none.
fn after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(prefix))
        .map(str::trim)
        .unwrap_or_else(|| panic!("tcpreplay printed no {prefix:?} line:\n{text}"))
}
