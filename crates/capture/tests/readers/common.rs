//! Helpers shared by the test modules: reading a whole capture into numbers,
//! finding ../shared/pcaps, and building pcapng blocks by hand.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;

use hirundo_capture::{ByteOrder, CaptureReader, ReadError};

/// What reading a capture to its end produced.
#[derive(Debug)]
pub struct Outcome {
    pub records: u64,
    pub caplen_sum: u64,
    pub orig_sum: u64,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub per_interface: BTreeMap<u32, u64>,
    pub links: Vec<u32>,
    pub anomalies: Vec<String>,
    /// How the read ended: `None` at a clean end.
    pub error: Option<ReadError>,
}

pub fn read_all(mut reader: CaptureReader) -> Outcome {
    let mut out = Outcome {
        records: 0,
        caplen_sum: 0,
        orig_sum: 0,
        first_ts: None,
        last_ts: None,
        per_interface: BTreeMap::new(),
        links: Vec::new(),
        anomalies: Vec::new(),
        error: None,
    };
    loop {
        match reader.next_record() {
            Ok(Some(r)) => {
                out.records += 1;
                out.caplen_sum += r.data.len() as u64;
                out.orig_sum += u64::from(r.orig_len);
                out.first_ts.get_or_insert(r.ts_ns);
                out.last_ts = Some(r.ts_ns);
                *out.per_interface.entry(r.interface).or_default() += 1;
                if !out.links.contains(&r.link.0) {
                    out.links.push(r.link.0);
                }
            }
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    assert!(
        reader.next_record().unwrap().is_none(),
        "a finished reader stays finished"
    );
    out.anomalies = reader.anomalies().iter().map(|a| a.to_string()).collect();
    out
}

pub fn reader_of(bytes: Vec<u8>) -> Result<CaptureReader, ReadError> {
    CaptureReader::new(Box::new(Cursor::new(bytes)))
}

pub fn read_bytes(bytes: Vec<u8>) -> Outcome {
    read_all(reader_of(bytes).expect("a valid file header"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says loudly that a test did not run, and fails instead under CI=true.
pub fn skip(why: &str) {
    assert!(!in_ci(), "CI=true but {why}");
    eprintln!("\n!!! SKIPPED: {why} !!!\n");
}

/// `../shared/pcaps` beside the checkout, or `None` after saying so loudly.
pub fn pcaps_dir() -> Option<PathBuf> {
    let dir = hirundo_testbed::shared("pcaps");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip("../shared/pcaps not found");
        None
    }
}

/// Every capture under `dir`, by extension, sorted.
pub fn captures_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng" | "gz" | "cap")
            ) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

// Hand-made pcapng, for what the writer never produces.

pub fn u16b(order: ByteOrder, v: u16) -> [u8; 2] {
    match order {
        ByteOrder::Little => v.to_le_bytes(),
        ByteOrder::Big => v.to_be_bytes(),
    }
}

pub fn u32b(order: ByteOrder, v: u32) -> [u8; 4] {
    match order {
        ByteOrder::Little => v.to_le_bytes(),
        ByteOrder::Big => v.to_be_bytes(),
    }
}

/// A block with its two length fields; `body` is padded to 4 bytes.
pub fn block(order: ByteOrder, block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().div_ceil(4) * 4;
    let len = (12 + padded) as u32;
    let mut b = Vec::new();
    b.extend(u32b(order, block_type));
    b.extend(u32b(order, len));
    b.extend(body);
    b.resize(8 + padded, 0);
    b.extend(u32b(order, len));
    b
}

pub fn shb(order: ByteOrder) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(u32b(order, 0x1a2b_3c4d));
    body.extend(u16b(order, 1));
    body.extend(u16b(order, 0));
    body.extend([0xff; 8]);
    block(order, 0x0a0d_0d0a, &body)
}

/// An interface description block with the given raw options.
pub fn idb(order: ByteOrder, link: u16, snaplen: u32, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(u16b(order, link));
    body.extend([0, 0]);
    body.extend(u32b(order, snaplen));
    for (code, value) in options {
        body.extend(u16b(order, *code));
        body.extend(u16b(order, value.len() as u16));
        body.extend(*value);
        body.resize(body.len().div_ceil(4) * 4, 0);
    }
    if !options.is_empty() {
        body.extend([0; 4]);
    }
    block(order, 1, &body)
}

pub fn epb(order: ByteOrder, interface: u32, ticks: u64, orig_len: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend(u32b(order, interface));
    body.extend(u32b(order, (ticks >> 32) as u32));
    body.extend(u32b(order, ticks as u32));
    body.extend(u32b(order, data.len() as u32));
    body.extend(u32b(order, orig_len));
    body.extend(data);
    block(order, 6, &body)
}

/// A classic pcap file header.
pub fn pcap_header(magic: u32, snaplen: u32, link: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(magic.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(4u16.to_le_bytes());
    h.extend([0; 8]);
    h.extend(snaplen.to_le_bytes());
    h.extend(link.to_le_bytes());
    h
}

pub fn pcap_record(sec: u32, frac: u32, orig_len: u32, data: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend(sec.to_le_bytes());
    r.extend(frac.to_le_bytes());
    r.extend((data.len() as u32).to_le_bytes());
    r.extend(orig_len.to_le_bytes());
    r.extend(data);
    r
}
