//! Every capture in ../shared/pcaps, and exact numbers for a few of them.
//! The numbers come from Wireshark 4.x: `capinfos -c`, and `tshark -T fields
//! -e frame.interface_id -e frame.time_epoch -e frame.len -e frame.cap_len`.

use std::path::Path;
use std::process::Command;

use hirundo_capture::{CaptureReader, Compression, Format, ReadErrorKind};

use crate::common::{captures_under, pcaps_dir, read_all, reader_of, skip, Outcome};

fn read_file(dir: &Path, name: &str) -> (Outcome, Format, Compression) {
    let reader = CaptureReader::open(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (format, compression) = (reader.format(), reader.compression());
    let outcome = read_all(reader);
    if let Some(e) = &outcome.error {
        panic!("{name}: {e}");
    }
    (outcome, format, compression)
}

struct Expected {
    name: &'static str,
    format: Format,
    compression: Compression,
    records: u64,
    caplen_sum: u64,
    orig_sum: u64,
    first_ts: i64,
    last_ts: i64,
    links: &'static [u32],
    anomalies: usize,
}

const EXPECTED: &[Expected] = &[
    // two interfaces, nanosecond and microsecond if_tsresol
    Expected {
        name: "zeek/pcapng-multi-interface.pcapng",
        format: Format::Pcapng,
        compression: Compression::None,
        records: 6,
        caplen_sum: 798,
        orig_sum: 798,
        first_ts: 1_767_663_089_500_330_493,
        last_ts: 1_767_663_437_140_942_000,
        links: &[1],
        anomalies: 0,
    },
    // 126 interfaces and name resolution blocks; every packet on interface 48
    Expected {
        name: "zeek/ldap/gap-data-missing.pcapng",
        format: Format::Pcapng,
        compression: Compression::None,
        records: 18,
        caplen_sum: 4969,
        orig_sum: 4969,
        first_ts: 1_725_966_494_956_327_000,
        last_ts: 1_725_966_495_127_166_000,
        links: &[1],
        anomalies: 0,
    },
    // the only big-endian pcap of the set (magic a1b2c3d4 as stored)
    Expected {
        name: "zeek/smb/dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap",
        format: Format::Pcap,
        compression: Compression::None,
        records: 9,
        caplen_sum: 1451,
        orig_sum: 1451,
        first_ts: 1_073_392_738_144_777_000,
        last_ts: 1_073_392_738_243_616_000,
        links: &[1],
        anomalies: 0,
    },
    // nanosecond pcap
    Expected {
        name: "zeek/vntag.pcap",
        format: Format::Pcap,
        compression: Compression::None,
        records: 3,
        caplen_sum: 384,
        orig_sum: 384,
        first_ts: 1_342_606_813_729_856_830,
        last_ts: 1_342_606_813_729_857_070,
        links: &[1],
        anomalies: 0,
    },
    // gzip pcap, the largest of the set
    Expected {
        name: "zeek/echo-connections.pcap.gz",
        format: Format::Pcap,
        compression: Compression::Gzip,
        records: 82_582,
        caplen_sum: 5_512_362,
        orig_sum: 5_512_362,
        first_ts: 1_627_225_020_686_470_000,
        last_ts: 1_627_225_027_180_797_000,
        links: &[1],
        anomalies: 0,
    },
    // gzip pcapng
    Expected {
        name: "zeek/portmapper-many-unanswered-calls.pcapng.gz",
        format: Format::Pcapng,
        compression: Compression::Gzip,
        records: 189,
        caplen_sum: 230_206,
        orig_sum: 230_206,
        first_ts: 1_782_725_176_000_000_000,
        last_ts: 1_782_725_177_879_998_000,
        links: &[1],
        anomalies: 0,
    },
    // record 43 captures 10014 bytes under a snaplen of 9999; Wireshark reads it
    Expected {
        name: "zeek/krb/smb2_krb.pcap",
        format: Format::Pcap,
        compression: Compression::None,
        records: 100,
        caplen_sum: 42_861,
        orig_sum: 44_865,
        first_ts: 1_490_797_191_686_886_000,
        last_ts: 1_490_797_192_801_813_000,
        links: &[1],
        anomalies: 1,
    },
    // nanosecond pcapng
    Expected {
        name: "zeek/http/cooper-grill-dvwa.pcapng",
        format: Format::Pcapng,
        compression: Compression::None,
        records: 64,
        caplen_sum: 20_825,
        orig_sum: 20_825,
        first_ts: 1_730_145_002_900_383_409,
        last_ts: 1_730_145_073_257_679_667,
        links: &[1],
        anomalies: 0,
    },
    // raw IPv4 (link type 228), gzip
    Expected {
        name: "zeek/ssh/kex-quadratic-1000.pcap.gz",
        format: Format::Pcap,
        compression: Compression::Gzip,
        records: 11,
        caplen_sum: 81_594,
        orig_sum: 81_594,
        first_ts: 1_782_914_726_000_000_000,
        last_ts: 1_782_914_726_010_000_000,
        links: &[228],
        anomalies: 0,
    },
    Expected {
        name: "tcpreplay/test.pcap",
        format: Format::Pcap,
        compression: Compression::None,
        records: 179,
        caplen_sum: 69_000,
        orig_sum: 69_000,
        first_ts: 1_278_472_579_466_743_000,
        last_ts: 1_278_472_582_723_492_000,
        links: &[1],
        anomalies: 0,
    },
];

#[test]
fn selected_captures_match_wireshark_exactly() {
    let Some(dir) = pcaps_dir() else { return };
    for e in EXPECTED {
        let (got, format, compression) = read_file(&dir, e.name);
        assert_eq!(
            (format, compression),
            (e.format, e.compression),
            "{}",
            e.name
        );
        assert_eq!(got.records, e.records, "{}", e.name);
        assert_eq!(got.caplen_sum, e.caplen_sum, "{}", e.name);
        assert_eq!(got.orig_sum, e.orig_sum, "{}", e.name);
        assert_eq!(got.first_ts, Some(e.first_ts), "{}", e.name);
        assert_eq!(got.last_ts, Some(e.last_ts), "{}", e.name);
        assert_eq!(got.links, e.links, "{}", e.name);
        assert_eq!(
            got.anomalies.len(),
            e.anomalies,
            "{}: {:?}",
            e.name,
            got.anomalies
        );
    }
}

#[test]
fn interfaces_of_multi_interface_pcapng_match_wireshark() {
    let Some(dir) = pcaps_dir() else { return };
    let (multi, ..) = read_file(&dir, "zeek/pcapng-multi-interface.pcapng");
    assert_eq!(
        multi.per_interface.into_iter().collect::<Vec<_>>(),
        [(0, 2), (1, 4)]
    );
    let (arp, ..) = read_file(&dir, "zeek/snap-arp.pcapng");
    assert_eq!(
        arp.per_interface.into_iter().collect::<Vec<_>>(),
        [(0, 2), (1, 2)]
    );
    let (ldap, ..) = read_file(&dir, "zeek/ldap/gap-data-missing.pcapng");
    assert_eq!(
        ldap.per_interface.into_iter().collect::<Vec<_>>(),
        [(48, 18)]
    );
}

#[test]
fn record_longer_than_snaplen_is_kept_and_noted() {
    let Some(dir) = pcaps_dir() else { return };
    let (krb, ..) = read_file(&dir, "zeek/krb/smb2_krb.pcap");
    assert_eq!(
        krb.anomalies,
        ["byte 11026: record's captured length 10014 exceeds the snapshot length 9999"]
    );
    // snaplen 1 in the header, 8 bytes captured: tshark shows 1 frame of 8 bytes
    let (trunc, ..) = read_file(&dir, "zeek/trunc/trunc-hdr.pcap");
    assert_eq!(
        (trunc.records, trunc.caplen_sum, trunc.orig_sum),
        (1, 8, 78)
    );
    assert_eq!(
        trunc.anomalies,
        ["byte 24: record's captured length 8 exceeds the snapshot length 1"]
    );
}

/// No capture of the set is cut short, so a real one is cut here: tshark
/// reads 11 frames of the first 1100 bytes and says the file "appears to
/// have been cut short in the middle of a packet".
#[test]
fn real_capture_cut_in_a_record_yields_the_whole_records_then_truncated() {
    let Some(dir) = pcaps_dir() else { return };
    let full = std::fs::read(dir.join("tcpreplay/test.pcap")).unwrap();
    let cut = read_all(reader_of(full[..1100].to_vec()).unwrap());
    assert_eq!(cut.records, 11);
    let err = cut.error.expect("a cut record is an error");
    assert_eq!(err.offset, 997);
    assert!(
        matches!(
            err.kind,
            ReadErrorKind::Truncated {
                needed: 130,
                available: 103,
                ..
            }
        ),
        "{err}"
    );
    let cut = read_all(reader_of(full[..1000].to_vec()).unwrap());
    assert_eq!(cut.records, 11);
    let err = cut.error.expect("a cut header is an error");
    assert_eq!(
        err.to_string(),
        "byte 997: last pcap record header cut short: needs 16 bytes, 3 left"
    );
}

#[test]
fn every_shared_capture_reads_to_a_clean_end() {
    let Some(dir) = pcaps_dir() else { return };
    let files = captures_under(&dir);
    assert!(
        files.len() >= 800,
        "expected the whole set, found {} files",
        files.len()
    );
    let mut failures = Vec::new();
    let mut records = 0;
    for path in &files {
        match CaptureReader::open(path).map(read_all) {
            Ok(got) => {
                records += got.records;
                if let Some(e) = got.error {
                    failures.push(format!("{}: {e}", path.display()));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    eprintln!("read {records} records from {} files", files.len());
}

/// Wireshark as the oracle for every file: capinfos's packet count must equal
/// ours. CI installs capinfos (.ci/run); elsewhere the test says it skipped.
#[test]
fn record_counts_equal_capinfos_for_every_shared_capture() {
    let Some(dir) = pcaps_dir() else { return };
    let files = captures_under(&dir);
    let run = Command::new("capinfos")
        .args(["-c", "-M", "-T", "-r"])
        .args(&files)
        .output();
    let Ok(run) = run else {
        return skip("capinfos (Debian package tshark) is not installed");
    };
    let table = String::from_utf8(run.stdout).unwrap();
    let mut compared = 0;
    for line in table.lines() {
        let mut cols = line.split('\t');
        let (Some(path), Some(count)) = (cols.next(), cols.next()) else {
            continue;
        };
        let want: u64 = count
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("capinfos line {line:?}"));
        let got = read_all(CaptureReader::open(Path::new(path)).unwrap());
        assert_eq!(got.records, want, "{path}");
        compared += 1;
    }
    assert_eq!(
        compared,
        files.len(),
        "capinfos stderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}
