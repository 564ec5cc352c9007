//! What every fuzz target does with what it reads: decode each frame, walk
//! everything a caller can reach from it, and count it in a summary whose
//! totals must add up.

use std::io::Read;
use std::sync::Mutex;

use hirundo_capture::{CaptureReader, MAX_KEPT_ANOMALIES};
use hirundo_packet::{decode, LinkType, Transport};
use hirundo_summary::{Outcome, SummaryBuilder};

/// One builder across runs: a fresh one allocates its 1 MiB port table, which
/// would dominate each run. It is finished and checked every few thousand
/// records.
static SUMMARY: Mutex<Option<SummaryBuilder>> = Mutex::new(None);
const RECORDS_PER_SUMMARY: u64 = 4096;

/// Decodes `frame`, reads everything reachable from the result, and counts
/// it.
pub fn exercise_frame(link: LinkType, ts_ns: i64, orig_len: u32, frame: &[u8]) {
    let decoded = decode(link, frame);
    if let Ok(packet) = &decoded {
        assert!(packet.payload.len() <= frame.len());
        let ports = packet.ports();
        let _ = (packet.ip.source(), packet.ip.destination(), packet.ip.ttl());
        match packet.transport() {
            Ok(Transport::Tcp(tcp)) => {
                assert_eq!(ports, Some((tcp.source_port(), tcp.destination_port())));
                assert!((20..=60).contains(&tcp.header_len()));
                let _ = (tcp.flags().is_syn_only(), tcp.mss(), tcp.window_size());
                // Each option consumes at least one byte of at most 40.
                assert!(tcp.options().count() <= 40);
            }
            Ok(Transport::Udp(udp)) => {
                assert_eq!(ports, Some((udp.source_port(), udp.destination_port())));
            }
            Ok(Transport::Icmp(icmp) | Transport::Icmpv6(icmp)) => {
                let _ = (icmp.icmp_type(), icmp.code(), icmp.body().len());
                assert_eq!(ports, None);
            }
            Ok(Transport::LaterFragment { protocol }) => {
                assert_eq!(ports, None);
                assert_eq!(protocol, packet.protocol);
            }
            Ok(Transport::Other { .. }) => assert_eq!(ports, None),
            Err(e) => assert!(e.available < e.required),
        }
    }
    let mut slot = SUMMARY.lock().unwrap_or_else(|e| e.into_inner());
    let builder = slot.get_or_insert_with(SummaryBuilder::new);
    builder.record(ts_ns, orig_len, Outcome::of(&decoded));
    if builder.packets() >= RECORDS_PER_SUMMARY {
        let summary = slot.take().expect("just used").finish();
        assert_eq!(summary.packets, RECORDS_PER_SUMMARY);
        assert_eq!(summary.decoded + summary.errors.total(), summary.packets);
    }
}

/// Reads a capture stream to its end or first error, exercising every record.
pub fn exercise_capture(input: Box<dyn Read + Send>) {
    let Ok(mut reader) = CaptureReader::new(input) else {
        return;
    };
    // To the end or the first error.
    while let Ok(Some(record)) = reader.next_record() {
        exercise_frame(record.link, record.ts_ns, record.orig_len, record.data);
    }
    // Finished is finished, after an error too.
    assert!(matches!(reader.next_record(), Ok(None)));
    assert!(reader.anomalies().len() <= MAX_KEPT_ANOMALIES);
    assert!(reader.anomaly_count() >= reader.anomalies().len() as u64);
}

pub mod geo;
