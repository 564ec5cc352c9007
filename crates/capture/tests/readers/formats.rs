//! Format features, each on a small file built byte by byte (independently of
//! the writers) or on a real capture recompressed here.

use std::io::Write;

use hirundo_capture::{ByteOrder, Compression, Format, ReadErrorKind, MAX_KEPT_ANOMALIES};

use crate::common::{
    block, epb, idb, pcap_header, pcap_record, pcaps_dir, read_all, read_bytes, reader_of, shb,
    u32b,
};

const LE: ByteOrder = ByteOrder::Little;
const BE: ByteOrder = ByteOrder::Big;

#[test]
fn pcap_in_both_byte_orders_and_both_resolutions() {
    // big-endian, nanosecond magic a1b23c4d as stored
    let mut be = vec![0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0];
    be.extend(65535u32.to_be_bytes());
    be.extend(101u32.to_be_bytes());
    for field in [0x6553_f100u32, 999_999_999, 3, 40] {
        be.extend(field.to_be_bytes());
    }
    be.extend([0x45, 0, 0]);
    let mut reader = reader_of(be).unwrap();
    assert_eq!(
        (reader.format(), reader.compression()),
        (Format::Pcap, Compression::None)
    );
    let r = reader.next_record().unwrap().unwrap();
    assert_eq!(r.ts_ns, 0x6553_f100 * 1_000_000_000 + 999_999_999);
    assert_eq!(
        (r.orig_len, r.data, r.link.0, r.interface),
        (40, &[0x45, 0, 0][..], 101, 0)
    );
    assert!(reader.next_record().unwrap().is_none());
    assert_eq!(reader.offset(), 24 + 16 + 3);

    // little-endian microseconds; a link type field with FCS bits set above
    // the low 16, which hold the link type (libpcap's LT_LINKTYPE)
    let mut le = pcap_header(0xa1b2_c3d4, 0, 0x0400_0001);
    le.extend(pcap_record(4_000_000_000, 999_999, 60, &[1; 60]));
    let got = read_bytes(le);
    assert_eq!(got.first_ts, Some(4_000_000_000_999_999_000));
    assert_eq!(got.links, [1]);
}

#[test]
fn captured_length_above_original_length_is_accepted_as_wireshark_does() {
    let mut bytes = pcap_header(0xa1b2_c3d4, 65535, 1);
    bytes.extend(pcap_record(1, 0, 4, &[9; 10]));
    let got = read_bytes(bytes);
    assert_eq!((got.records, got.caplen_sum, got.orig_sum), (1, 10, 4));
    assert!(got.anomalies.is_empty() && got.error.is_none());
}

#[test]
fn interface_timestamp_resolution_and_offset() {
    let cases: [(&[u8], u64, i64); 7] = [
        (&[6], 1_234_567, 1_234_567_000),
        (&[9], 1_234_567, 1_234_567),
        (&[0], 7, 7_000_000_000),
        (&[3], 1234, 1_234_000_000),
        (&[12], 5_000_123, 5000),
        (&[0x80 | 10], 3, 2_929_687), // 3/1024 s, floored
        (&[0x80 | 30], 1 << 30, 1_000_000_000),
    ];
    for (tsresol, ticks, want) in cases {
        let mut bytes = shb(LE);
        bytes.extend(idb(LE, 1, 0, &[(9, tsresol)]));
        bytes.extend(epb(LE, 0, ticks, 4, b"abcd"));
        assert_eq!(
            read_bytes(bytes).first_ts,
            Some(want),
            "if_tsresol {tsresol:?}"
        );
    }

    // if_tsoffset adds signed seconds, saturating at the ends of i64
    for (offset, want) in [
        (3600i64, 3_601_000_001_000),
        (-2, -999_999_000),
        (i64::MAX, i64::MAX),
    ] {
        let mut bytes = shb(BE);
        bytes.extend(idb(BE, 1, 0, &[(14, &offset.to_be_bytes()), (9, &[6])]));
        bytes.extend(epb(BE, 0, 1_000_001, 4, b"abcd"));
        assert_eq!(
            read_bytes(bytes).first_ts,
            Some(want),
            "if_tsoffset {offset}"
        );
    }
}

#[test]
fn simple_and_obsolete_packet_blocks() {
    let mut bytes = shb(LE);
    bytes.extend(idb(LE, 1, 6, &[]));
    bytes.extend(idb(LE, 113, 0, &[(9, &[9])]));
    // SPB: original 10 bytes, snaplen 6 -> 6 captured
    let mut spb = u32b(LE, 10).to_vec();
    spb.extend([5; 12]);
    bytes.extend(block(LE, 3, &spb));
    // SPB shorter than the snaplen: captured length is the original length
    let mut spb = u32b(LE, 3).to_vec();
    spb.extend([6, 6, 6, 0]);
    bytes.extend(block(LE, 3, &spb));
    // obsolete PB on interface 1: u16 interface, u16 drops, ts, caplen, len
    let mut pb = vec![1, 0, 0, 0];
    pb.extend(u32b(LE, 0));
    pb.extend(u32b(LE, 77));
    pb.extend(u32b(LE, 5));
    pb.extend(u32b(LE, 50));
    pb.extend(b"hello");
    bytes.extend(block(LE, 2, &pb));

    let mut reader = reader_of(bytes).unwrap();
    let r = reader.next_record().unwrap().unwrap();
    assert_eq!(
        (r.ts_ns, r.orig_len, r.data, r.interface, r.link.0),
        (0, 10, &[5u8; 6][..], 0, 1)
    );
    let r = reader.next_record().unwrap().unwrap();
    assert_eq!((r.orig_len, r.data), (3, &[6u8, 6, 6][..]));
    let r = reader.next_record().unwrap().unwrap();
    assert_eq!(
        (r.ts_ns, r.orig_len, r.data, r.interface, r.link.0),
        (77, 50, &b"hello"[..], 1, 113)
    );
    assert!(reader.next_record().unwrap().is_none());

    let mut orphan = shb(LE);
    orphan.extend(block(LE, 3, &[0, 0, 0, 0]));
    let err = read_bytes(orphan).error.unwrap();
    assert!(matches!(
        err.kind,
        ReadErrorKind::UnknownInterface {
            interface: 0,
            defined: 0
        }
    ));
}

#[test]
fn blocks_without_packets_are_skipped() {
    let mut bytes = shb(LE);
    bytes.extend(idb(LE, 1, 0, &[]));
    bytes.extend(block(LE, 4, &[0; 8])); // name resolution
    bytes.extend(epb(LE, 0, 1, 1, b"a"));
    bytes.extend(block(LE, 5, &[0; 20])); // interface statistics
    bytes.extend(block(LE, 0x0a, &[0; 16])); // decryption secrets
    bytes.extend(block(LE, 0x0000_0bad, &[1, 2, 3, 4, 5])); // custom / unknown
    bytes.extend(block(LE, 0x4000_0bad, &[])); // custom, copyable
    bytes.extend(epb(LE, 0, 2, 1, b"b"));
    let got = read_bytes(bytes);
    assert_eq!(
        (got.records, got.first_ts, got.last_ts),
        (2, Some(1000), Some(2000))
    );
    assert!(got.error.is_none());
}

#[test]
fn sections_reset_byte_order_and_interfaces() {
    let mut bytes = shb(LE);
    bytes.extend(idb(LE, 1, 0, &[]));
    bytes.extend(idb(LE, 113, 0, &[(9, &[9])]));
    bytes.extend(epb(LE, 1, 42, 3, b"one"));
    bytes.extend(epb(LE, 0, 42, 3, b"two"));
    bytes.extend(shb(BE));
    bytes.extend(idb(BE, 101, 0, &[(9, &[9])]));
    bytes.extend(epb(BE, 0, 43, 5, b"three"));
    let second_section_bad = {
        let mut b = bytes.clone();
        b.extend(epb(BE, 1, 44, 4, b"four"));
        b
    };
    let mut reader = reader_of(bytes).unwrap();
    let mut seen = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        seen.push((r.interface, r.link.0, r.ts_ns, r.data.to_vec()));
    }
    assert_eq!(
        seen,
        [
            (1, 113, 42, b"one".to_vec()),
            (0, 1, 42_000, b"two".to_vec()),
            (0, 101, 43, b"three".to_vec()),
        ]
    );
    let got = read_bytes(second_section_bad);
    assert_eq!(got.records, 3);
    assert!(matches!(
        got.error.unwrap().kind,
        ReadErrorKind::UnknownInterface {
            interface: 1,
            defined: 1
        }
    ));
}

#[test]
fn records_larger_than_the_read_chunk_survive_between_small_ones() {
    let big: Vec<u8> = (0..3 << 20).map(|i: u32| (i % 253) as u8).collect();
    let mut bytes = shb(LE);
    bytes.extend(idb(LE, 1, 0, &[]));
    bytes.extend(epb(LE, 0, 1, 1, b"s"));
    bytes.extend(epb(LE, 0, 2, big.len() as u32, &big));
    bytes.extend(epb(LE, 0, 3, 1, b"t"));
    let total = bytes.len() as u64;
    let mut reader = reader_of(bytes).unwrap();
    assert_eq!(reader.next_record().unwrap().unwrap().data, b"s");
    assert!(reader.next_record().unwrap().unwrap().data == &big[..]);
    assert_eq!(reader.next_record().unwrap().unwrap().data, b"t");
    assert!(reader.next_record().unwrap().is_none());
    assert_eq!(reader.offset(), total);
}

#[test]
fn anomalies_kept_are_capped_and_all_are_counted() {
    let mut bytes = pcap_header(0xa1b2_c3d4, 2, 1);
    for _ in 0..1500 {
        bytes.extend(pcap_record(1, 0, 3, &[0; 3]));
    }
    let mut reader = reader_of(bytes).unwrap();
    let mut records = 0;
    while reader.next_record().unwrap().is_some() {
        records += 1;
    }
    assert_eq!(records, 1500);
    assert_eq!(reader.anomalies().len(), MAX_KEPT_ANOMALIES);
    assert_eq!(reader.anomaly_count(), 1500);
}

#[test]
fn compressed_real_captures_read_like_the_plain_file() {
    let Some(dir) = pcaps_dir() else { return };
    let plain = std::fs::read(dir.join("tcpreplay/test.pcap")).unwrap();
    let zst = zstd::encode_all(&plain[..], 3).unwrap();
    let reader = reader_of(zst).unwrap();
    assert_eq!(reader.compression(), Compression::Zstd);
    let got = read_all(reader);
    assert_eq!(
        (got.records, got.caplen_sum, got.error.is_none()),
        (179, 69_000, true)
    );

    // two gzip members split mid-record, as `cat a.gz b.gz` makes
    let mut two = Vec::new();
    for part in [&plain[..5000], &plain[5000..]] {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(part).unwrap();
        two.extend(gz.finish().unwrap());
    }
    let reader = reader_of(two).unwrap();
    assert_eq!(reader.compression(), Compression::Gzip);
    let got = read_all(reader);
    assert_eq!(
        (got.records, got.caplen_sum, got.error.is_none()),
        (179, 69_000, true)
    );
}

#[test]
fn format_and_compression_display() {
    assert_eq!(Format::Pcap.to_string(), "pcap");
    assert_eq!(Format::Pcapng.to_string(), "pcapng");
    assert_eq!(Compression::Zstd.to_string(), "zstd");
}
