//! Broken files: each test asserts the exact error kind and offset.

use std::io::Write;

use hirundo_capture::{
    BlockLengthProblem, ByteOrder, CaptureReader, PcapWriter, PcapngWriter, ReadError,
    ReadErrorKind,
};
use hirundo_packet::LinkType;

use crate::common::{epb, idb, pcap_header, pcap_record, read_all, read_bytes, reader_of, shb};

const MICROS: u32 = 0xa1b2_c3d4;

fn open_err(bytes: &[u8]) -> ReadError {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    CaptureReader::open(file.path()).expect_err("not a capture")
}

/// SHB (28 bytes) at 0, one IDB (32 bytes) at 28, then an EPB per payload
/// starting at 60.
fn pcapng_with(payloads: &[&str]) -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new(), ByteOrder::Little).unwrap();
    w.add_interface(LinkType::ETHERNET, 0, 6).unwrap();
    for (i, p) in payloads.iter().enumerate() {
        w.write(0, 1_000_000 * i as i64, p.len() as u32, p.as_bytes())
            .unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn text_file_is_not_a_capture() {
    let err = open_err(b"<!DOCTYPE html>\n<html></html>\n");
    assert_eq!(err.offset, 0);
    assert!(matches!(err.kind, ReadErrorKind::NotACapture { magic, len: 4 } if magic == *b"<!DO"));
    assert_eq!(
        err.to_string(),
        "byte 0: not a capture file: starts with 3c 21 44 4f (expected a pcap or pcapng magic number)"
    );
}

#[test]
fn empty_file_says_so() {
    let err = open_err(b"");
    assert_eq!(err.offset, 0);
    assert!(matches!(
        err.kind,
        ReadErrorKind::NotACapture { len: 0, .. }
    ));
    assert_eq!(err.to_string(), "byte 0: not a capture file: empty file");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"").unwrap();
    let err = reader_of(gz.finish().unwrap()).err().unwrap();
    assert_eq!(err.to_string(), "byte 0: not a capture file: empty file");
}

#[test]
fn missing_file_is_an_io_error() {
    let err = CaptureReader::open("/nonexistent/hirundo.pcap".as_ref())
        .err()
        .unwrap();
    assert_eq!(err.offset, 0);
    assert!(matches!(&err.kind, ReadErrorKind::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
}

#[test]
fn bad_section_byte_order_magic_points_at_the_field() {
    let mut bytes = pcapng_with(&["abc"]);
    bytes[8..12].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let err = reader_of(bytes).err().unwrap();
    assert_eq!(err.offset, 8);
    assert!(matches!(
        err.kind,
        ReadErrorKind::BadMagic { magic: 0xdead_beef }
    ));
    assert_eq!(
        err.to_string(),
        "byte 8: section header byte-order magic is deadbeef (expected 1a2b3c4d or 4d3c2b1a)"
    );
}

#[test]
fn later_section_with_bad_magic_ends_the_read_after_the_first_section() {
    let mut w = PcapngWriter::new(Vec::new(), ByteOrder::Big).unwrap();
    w.add_interface(LinkType::RAW, 0, 9).unwrap();
    w.write(0, 5, 4, b"1234").unwrap();
    w.write(0, 6, 4, b"5678").unwrap();
    w.new_section().unwrap();
    let mut bytes = w.finish().unwrap();
    let second = 28 + 32 + 2 * 36;
    assert_eq!(bytes.len(), second + 28);
    bytes[second + 8] ^= 0xff;
    let got = read_bytes(bytes);
    assert_eq!(got.records, 2);
    let err = got.error.unwrap();
    assert_eq!(err.offset, second as u64 + 8);
    assert!(
        matches!(err.kind, ReadErrorKind::BadMagic { magic: 0xe52b_3c4d }),
        "{err}"
    );
}

#[test]
fn block_length_that_lies_is_fatal() {
    // EPB at 60 with 10 bytes of data: 44 bytes long, trailing copy at 100
    let mut bytes = pcapng_with(&["0123456789", "next"]);
    bytes[100..104].copy_from_slice(&48u32.to_le_bytes());
    let got = read_bytes(bytes);
    assert_eq!(got.records, 0);
    let err = got.error.unwrap();
    assert_eq!(err.offset, 60);
    assert!(matches!(
        err.kind,
        ReadErrorKind::BlockLength {
            block_type: 6,
            length: 44,
            problem: BlockLengthProblem::TrailingMismatch { trailing: 48 }
        }
    ));
    assert_eq!(
        err.to_string(),
        "byte 60: pcapng block of type 0x00000006 has length 44: the trailing copy of the length says 48"
    );
}

#[test]
fn block_length_not_a_multiple_of_4_is_fatal() {
    let mut bytes = pcapng_with(&["first", "0123456789"]);
    // the second EPB starts at 60 + 40
    bytes[104..108].copy_from_slice(&45u32.to_le_bytes());
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    let err = got.error.unwrap();
    assert_eq!(err.offset, 100);
    assert!(matches!(
        err.kind,
        ReadErrorKind::BlockLength {
            length: 45,
            problem: BlockLengthProblem::NotMultipleOf4,
            ..
        }
    ));
}

#[test]
fn block_length_too_short_or_too_large_is_fatal() {
    for (length, problem) in [
        (8, BlockLengthProblem::TooShort { min: 32 }),
        (28, BlockLengthProblem::TooShort { min: 32 }),
        (
            0xffff_fff0,
            BlockLengthProblem::TooLarge { limit: 64 << 20 },
        ),
    ] {
        let mut bytes = pcapng_with(&["abcd"]);
        bytes[64..68].copy_from_slice(&u32::to_le_bytes(length));
        let err = read_bytes(bytes).error.unwrap();
        assert_eq!(err.offset, 60);
        assert!(
            matches!(err.kind, ReadErrorKind::BlockLength { length: l, problem: p, .. } if l == length && p == problem),
            "{err}"
        );
    }
}

#[test]
fn packet_larger_than_its_block_is_fatal() {
    let mut bytes = pcapng_with(&["abcd"]);
    bytes[80..84].copy_from_slice(&5u32.to_le_bytes());
    let err = read_bytes(bytes).error.unwrap();
    assert_eq!(err.offset, 60);
    assert!(matches!(
        err.kind,
        ReadErrorKind::CaplenBeyondBlock { caplen: 5, room: 4 }
    ));
}

#[test]
fn pcap_record_longer_than_snaplen_is_returned_and_noted() {
    let mut bytes = pcap_header(MICROS, 64, 1);
    bytes.extend(pcap_record(1, 2, 100, &[7; 100]));
    bytes.extend(pcap_record(1, 3, 10, &[8; 10]));
    let mut reader = reader_of(bytes).unwrap();
    let first = reader.next_record().unwrap().unwrap();
    assert_eq!((first.data.len(), first.ts_ns), (100, 1_000_002_000));
    assert_eq!(reader.next_record().unwrap().unwrap().data, &[8; 10]);
    assert!(reader.next_record().unwrap().is_none());
    let notes: Vec<String> = reader.anomalies().iter().map(|a| a.to_string()).collect();
    assert_eq!(
        notes,
        ["byte 24: record's captured length 100 exceeds the snapshot length 64"]
    );
    assert!(matches!(
        reader.anomalies()[0].kind,
        ReadErrorKind::RecordTooLong {
            caplen: 100,
            snaplen: 64
        }
    ));
}

#[test]
fn pcap_record_over_wireshark_maximum_and_snaplen_is_fatal() {
    // 262144 bytes over a snaplen of 65535 is still read (Wireshark's limit)
    let mut bytes = pcap_header(MICROS, 65535, 1);
    bytes.extend(pcap_record(1, 0, 262_144, &vec![1; 262_144]));
    let got = read_bytes(bytes);
    assert_eq!((got.records, got.anomalies.len()), (1, 1));
    assert!(got.error.is_none());

    // one byte more is taken for a corrupt length, even with the bytes there
    let mut bytes = pcap_header(MICROS, 65535, 1);
    bytes.extend(pcap_record(1, 0, 10, &[1; 10]));
    bytes.extend(pcap_record(1, 0, 262_145, &vec![1; 262_145]));
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    let err = got.error.unwrap();
    assert_eq!(err.offset, 24 + 16 + 10);
    assert!(matches!(
        err.kind,
        ReadErrorKind::RecordTooLong {
            caplen: 262_145,
            snaplen: 65535
        }
    ));
}

#[test]
fn pcapng_packet_longer_than_snaplen_is_noted() {
    let mut bytes = shb(ByteOrder::Little);
    bytes.extend(idb(ByteOrder::Little, 1, 8, &[]));
    bytes.extend(epb(ByteOrder::Little, 0, 1, 12, &[3; 12]));
    let got = read_bytes(bytes);
    assert_eq!((got.records, got.caplen_sum), (1, 12));
    assert_eq!(
        got.anomalies,
        ["byte 48: record's captured length 12 exceeds the snapshot length 8"]
    );
}

#[test]
fn truncated_last_record_is_not_returned() {
    let mut bytes = pcap_header(MICROS, 65535, 1);
    bytes.extend(pcap_record(1, 0, 20, &[1; 20]));
    let cut_at = bytes.len() as u64;
    bytes.extend(&pcap_record(2, 0, 100, &[2; 100])[..56]);
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    let err = got.error.unwrap();
    assert_eq!(err.offset, cut_at);
    assert_eq!(
        err.to_string(),
        format!("byte {cut_at}: last pcap record cut short: needs 116 bytes, 56 left")
    );

    let mut bytes = pcapng_with(&["whole", "cut short"]);
    bytes.truncate(bytes.len() - 3);
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    let err = got.error.unwrap();
    assert_eq!(err.offset, 100);
    assert!(matches!(
        err.kind,
        ReadErrorKind::Truncated {
            what: "pcapng block",
            needed: 44,
            available: 41
        }
    ));
}

#[test]
fn truncated_file_headers() {
    let err = reader_of(pcap_header(MICROS, 65535, 1)[..10].to_vec())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "byte 0: last pcap file header cut short: needs 24 bytes, 10 left"
    );
    let err = reader_of(shb(ByteOrder::Big)[..20].to_vec()).err().unwrap();
    assert_eq!(err.offset, 0);
    assert!(matches!(
        err.kind,
        ReadErrorKind::Truncated {
            needed: 28,
            available: 20,
            ..
        }
    ));
    let mut bytes = pcapng_with(&["x"]);
    bytes.extend([0; 5]);
    let err = read_bytes(bytes).error.unwrap();
    assert_eq!(err.offset, 60 + 36);
    assert!(matches!(
        err.kind,
        ReadErrorKind::Truncated {
            needed: 12,
            available: 5,
            ..
        }
    ));
}

#[test]
fn unsupported_versions_point_at_the_version_field() {
    let mut pcap = pcap_header(MICROS, 65535, 1);
    pcap[4] = 3;
    let err = reader_of(pcap).err().unwrap();
    assert_eq!(err.offset, 4);
    assert_eq!(
        err.to_string(),
        "byte 4: pcap version 3.4 is not supported (expected 2.x)"
    );

    let mut ng = pcapng_with(&[]);
    ng[12] = 2;
    let err = reader_of(ng).err().unwrap();
    assert_eq!(err.offset, 12);
    assert_eq!(
        err.to_string(),
        "byte 12: pcapng version 2.0 is not supported (expected 1.x)"
    );
}

#[test]
fn packet_on_an_undefined_interface_is_fatal() {
    let mut bytes = shb(ByteOrder::Little);
    bytes.extend(idb(ByteOrder::Little, 1, 0, &[]));
    bytes.extend(epb(ByteOrder::Little, 0, 1, 4, b"good"));
    bytes.extend(epb(ByteOrder::Little, 3, 1, 4, b"bad!"));
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    let err = got.error.unwrap();
    assert_eq!(err.offset, 28 + 20 + 36);
    assert_eq!(
        err.to_string(),
        "byte 84: packet refers to interface 3, but this section defines 1 interface(s)"
    );
}

#[test]
fn overrunning_interface_option_is_noted_and_ignored() {
    let mut bytes = shb(ByteOrder::Little);
    let mut block = idb(ByteOrder::Little, 1, 0, &[(9, &[9])]);
    // option length 1 -> 200, far past the block's end
    block[18..20].copy_from_slice(&200u16.to_le_bytes());
    bytes.extend(block);
    bytes.extend(epb(ByteOrder::Little, 0, 1_500_000, 4, b"abcd"));
    let got = read_bytes(bytes);
    assert_eq!(got.records, 1);
    assert_eq!(
        got.first_ts,
        Some(1_500_000_000),
        "default microseconds kept"
    );
    assert_eq!(
        got.anomalies,
        ["byte 44: option 9 claims 200 bytes but the block has 8 left; later options ignored"]
    );
}

#[test]
fn corrupt_gzip_is_an_io_error_naming_gzip() {
    // compression method 7 in the gzip header: fails at the first read
    let err = reader_of(vec![0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])
        .err()
        .unwrap();
    assert_eq!(err.offset, 0);
    assert!(matches!(err.kind, ReadErrorKind::Io(_)));
    assert!(
        err.to_string()
            .starts_with("byte 0: corrupt or truncated gzip stream"),
        "{err}"
    );

    // a wrong CRC in the trailer: every record arrives, then the error, at
    // the end of the decompressed stream
    let mut w = PcapWriter::new(
        Vec::new(),
        LinkType::ETHERNET,
        65535,
        false,
        ByteOrder::Little,
    )
    .unwrap();
    for i in 0..50 {
        w.write(i * 1000, 60, &[i as u8; 60]).unwrap();
    }
    let plain = w.finish().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let mut gz = gz.finish().unwrap();
    let crc_at = gz.len() - 8;
    gz[crc_at] ^= 0x55;
    let got = read_bytes(gz);
    assert_eq!(got.records, 50);
    let err = got.error.unwrap();
    assert_eq!(err.offset, plain.len() as u64);
    assert!(matches!(err.kind, ReadErrorKind::Io(_)));
    assert!(err.to_string().contains("gzip"), "{err}");
}

#[test]
fn corrupt_zstd_is_an_io_error() {
    let plain = pcapng_with(&["some packet bytes"; 20]);
    let mut zst = zstd::encode_all(&plain[..], 3).unwrap();
    zst.truncate(zst.len() / 2);
    let result = reader_of(zst).map(read_all);
    let err = match result {
        Ok(got) => got.error.expect("a half zstd stream cannot end cleanly"),
        Err(e) => e,
    };
    assert!(matches!(err.kind, ReadErrorKind::Io(_)), "{err}");
    assert!(err.to_string().contains("zstd"), "{err}");
    assert!(err.offset <= plain.len() as u64);
}

#[test]
fn recognised_but_unsupported_inputs_say_what_to_do() {
    let err = reader_of(vec![0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0])
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "byte 0: unsupported input: Kuznetzov's modified pcap (convert it with editcap -F pcap)"
    );
    let err = reader_of(b"BZh91AY&SY".to_vec()).err().unwrap();
    assert!(err.to_string().contains("bzip2"), "{err}");
}
