//! Property tests on damaged files: random byte flips, truncations,
//! insertions and rewritten length fields of valid captures never panic,
//! never loop, and end in `Ok(None)` or an error whose offset lies inside the
//! input.

use std::io::Write;

use hirundo_capture::{ByteOrder, CaptureReader, PcapWriter, PcapngWriter};
use hirundo_packet::LinkType;
use proptest::prelude::*;

use crate::common::reader_of;

/// A valid file and the positions of its length fields (record caplens,
/// block lengths and their trailing copies, packet caplens).
struct Valid {
    bytes: Vec<u8>,
    order: ByteOrder,
    lengths: Vec<usize>,
}

fn u32_at(order: ByteOrder, b: &[u8], at: usize) -> u32 {
    let raw = b[at..at + 4].try_into().unwrap();
    match order {
        ByteOrder::Little => u32::from_le_bytes(raw),
        ByteOrder::Big => u32::from_be_bytes(raw),
    }
}

fn pcap_file(
    order: ByteOrder,
    nanosecond: bool,
    snaplen: u32,
    packets: &[(u32, Vec<u8>)],
) -> Valid {
    let mut w =
        PcapWriter::new(Vec::new(), LinkType::ETHERNET, snaplen, nanosecond, order).unwrap();
    for (i, (sec, data)) in packets.iter().enumerate() {
        w.write(
            i64::from(*sec) * 1_000_000_000 + i as i64,
            data.len() as u32,
            data,
        )
        .unwrap();
    }
    let bytes = w.finish().unwrap();
    let mut lengths = vec![16];
    let mut p = 24;
    while p < bytes.len() {
        lengths.extend([p + 8, p + 12]);
        p += 16 + u32_at(order, &bytes, p + 8) as usize;
    }
    Valid {
        bytes,
        order,
        lengths,
    }
}

fn pcapng_file(order: ByteOrder, tsresol: u8, packets: &[(u32, Vec<u8>)]) -> Valid {
    let mut w = PcapngWriter::new(Vec::new(), order).unwrap();
    w.add_interface(LinkType::ETHERNET, 0, tsresol).unwrap();
    w.add_interface(LinkType::RAW, 100, 9).unwrap();
    for (i, (sec, data)) in packets.iter().enumerate() {
        if i == packets.len() / 2 {
            w.new_section().unwrap();
            w.add_interface(LinkType::RAW, 0, 6).unwrap();
        }
        let interface = if i < packets.len() / 2 {
            (i % 2) as u32
        } else {
            0
        };
        w.write(
            interface,
            i64::from(*sec) * 1_000_000_000,
            data.len() as u32,
            data,
        )
        .unwrap();
    }
    let bytes = w.finish().unwrap();
    let mut lengths = Vec::new();
    let mut p = 0;
    while p < bytes.len() {
        let len = u32_at(order, &bytes, p + 4) as usize;
        lengths.extend([p + 4, p + len - 4]);
        if u32_at(order, &bytes, p) == 6 {
            lengths.extend([p + 8, p + 20]);
        }
        p += len;
    }
    Valid {
        bytes,
        order,
        lengths,
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
    SetLength { field: usize, value: u32 },
    NudgeLength { field: usize, delta: i32 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let value = prop_oneof![
        Just(0u32),
        Just(1),
        Just(11),
        Just(12),
        Just(13),
        Just(16),
        Just(28),
        Just(32),
        Just(262_145),
        Just(64 << 20),
        Just((64 << 20) + 4),
        Just(0x8000_0000),
        Just(u32::MAX),
        any::<u32>(),
    ];
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..40))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Remove { at, len }),
        (any::<usize>(), value).prop_map(|(field, value)| Mutation::SetLength { field, value }),
        (any::<usize>(), -9i32..9)
            .prop_map(|(field, delta)| Mutation::NudgeLength { field, delta }),
    ]
}

fn apply(valid: &Valid, mutations: &[Mutation]) -> Vec<u8> {
    let mut b = valid.bytes.clone();
    for m in mutations {
        if b.is_empty() {
            break;
        }
        let put = |b: &mut Vec<u8>, field: usize, value: u32| {
            let at = valid.lengths[field % valid.lengths.len()];
            if at + 4 <= b.len() {
                let raw = match valid.order {
                    ByteOrder::Little => value.to_le_bytes(),
                    ByteOrder::Big => value.to_be_bytes(),
                };
                b[at..at + 4].copy_from_slice(&raw);
            }
        };
        match m {
            Mutation::Flip { at, xor } => {
                let at = at % b.len();
                b[at] ^= xor;
            }
            Mutation::Truncate { at } => b.truncate(at % b.len()),
            Mutation::Insert { at, bytes } => {
                let at = at % b.len();
                b.splice(at..at, bytes.iter().copied());
            }
            Mutation::Remove { at, len } => {
                let at = at % b.len();
                let end = (at + len).min(b.len());
                b.drain(at..end);
            }
            Mutation::SetLength { field, value } => put(&mut b, *field, *value),
            Mutation::NudgeLength { field, delta } => {
                let at = valid.lengths[field % valid.lengths.len()];
                if at + 4 <= b.len() {
                    let old = u32_at(valid.order, &b, at);
                    put(&mut b, *field, old.wrapping_add_signed(*delta));
                }
            }
        }
    }
    b
}

/// Reads `bytes` to the end and checks the contract for damaged input.
fn survives(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let len = bytes.len() as u64;
    let mut reader = match reader_of(bytes) {
        Ok(reader) => reader,
        Err(e) => {
            prop_assert!(e.offset <= len, "{} beyond {}", e, len);
            return Ok(());
        }
    };
    // every record takes at least 16 bytes of input
    let mut budget = len / 16 + 2;
    loop {
        prop_assert!(budget > 0, "more records than the input can hold");
        budget -= 1;
        match reader.next_record() {
            Ok(Some(r)) => prop_assert!(r.data.len() as u64 <= len),
            Ok(None) => break,
            Err(e) => {
                prop_assert!(e.offset <= len, "{} beyond {}", e, len);
                break;
            }
        }
    }
    prop_assert!(reader.offset() <= len);
    prop_assert!(
        reader.next_record().unwrap().is_none(),
        "finished readers stay finished"
    );
    for a in reader.anomalies() {
        prop_assert!(a.offset <= len);
    }
    Ok(())
}

fn packets() -> impl Strategy<Value = Vec<(u32, Vec<u8>)>> {
    prop::collection::vec(
        (any::<u32>(), prop::collection::vec(any::<u8>(), 0..120)),
        1..12,
    )
}

fn order() -> impl Strategy<Value = ByteOrder> {
    prop_oneof![Just(ByteOrder::Little), Just(ByteOrder::Big)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn damaged_pcap_never_panics(
        order in order(),
        nanosecond: bool,
        snaplen in prop_oneof![Just(0u32), Just(64), Just(65535)],
        packets in packets(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let valid = pcap_file(order, nanosecond, snaplen, &packets);
        survives(apply(&valid, &mutations))?;
    }

    #[test]
    fn damaged_pcapng_never_panics(
        order in order(),
        tsresol in prop::sample::select(&[6u8, 9, 0, 3, 0x80 | 20][..]),
        packets in packets(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let valid = pcapng_file(order, tsresol, &packets);
        survives(apply(&valid, &mutations))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Damage to the compressed bytes surfaces as an error or as damaged
    /// capture bytes, never as a panic or a hang.
    #[test]
    fn damaged_compressed_streams_never_panic(
        zstd_not_gzip: bool,
        packets in packets(),
        mutations in prop::collection::vec(mutation(), 1..3),
    ) {
        let plain = pcapng_file(ByteOrder::Little, 6, &packets).bytes;
        let packed = if zstd_not_gzip {
            zstd::encode_all(&plain[..], 1).unwrap()
        } else {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&plain).unwrap();
            gz.finish().unwrap()
        };
        let valid = Valid { lengths: vec![0], order: ByteOrder::Little, bytes: packed };
        if let Ok(mut reader) = CaptureReader::new(Box::new(std::io::Cursor::new(apply(&valid, &mutations)))) {
            let mut budget = 100_000;
            while let Ok(Some(_)) = reader.next_record() {
                budget -= 1;
                prop_assert!(budget > 0);
            }
        }
    }
}
