//! Counts the records of each capture named on the command line, as
//! `capinfos -c -M -T -r` would print them, for checking against Wireshark and
//! for timing against `cat FILE > /dev/null`:
//!
//! `cargo run --release -p hirundo-capture --example count -- FILE...`

use std::path::Path;
use std::process::ExitCode;

use hirundo_capture::CaptureReader;

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args().skip(1) {
        let mut reader = match CaptureReader::open(Path::new(&path)) {
            Ok(reader) => reader,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let (mut records, mut bytes) = (0u64, 0u64);
        let end = loop {
            match reader.next_record() {
                Ok(Some(record)) => {
                    records += 1;
                    bytes += record.data.len() as u64;
                }
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        println!(
            "{path}\t{records}\t{bytes}\t{}\t{}",
            reader.format(),
            reader.anomaly_count()
        );
        for anomaly in reader.anomalies() {
            eprintln!("{path}: note: {anomaly}");
        }
        if let Some(e) = end {
            eprintln!("{path}: {e}");
            status = ExitCode::FAILURE;
        }
    }
    status
}
