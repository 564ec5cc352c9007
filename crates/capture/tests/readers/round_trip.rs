//! Property tests: whatever the writers write, in either byte order, any
//! resolution, several interfaces and sections, plain or compressed, and
//! however the bytes trickle in, the reader returns exactly.

use std::io::{Read, Write};

use hirundo_capture::{ByteOrder, CaptureReader, Compression, PcapWriter, PcapngWriter};
use hirundo_packet::LinkType;
use proptest::prelude::*;

/// What a reader should return for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    ts_ns: i64,
    orig_len: u32,
    data: Vec<u8>,
    link: u32,
    interface: u32,
}

/// Hands out at most `step` bytes per read, as pipes and decompressors do,
/// so records straddle every possible refill boundary.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn compress(bytes: Vec<u8>, how: Compression) -> Vec<u8> {
    match how {
        Compression::None => bytes,
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&bytes).unwrap();
            gz.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(&bytes[..], 1).unwrap(),
    }
}

fn read_back(bytes: Vec<u8>, step: usize, compression: Compression) -> Vec<Seen> {
    let mut reader = CaptureReader::new(Box::new(Trickle {
        data: bytes,
        at: 0,
        step,
    }))
    .unwrap();
    assert_eq!(reader.compression(), compression);
    let mut seen = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        seen.push(Seen {
            ts_ns: r.ts_ns,
            orig_len: r.orig_len,
            data: r.data.to_vec(),
            link: r.link.0,
            interface: r.interface,
        });
    }
    assert!(reader.anomalies().is_empty(), "{:?}", reader.anomalies());
    seen
}

fn order() -> impl Strategy<Value = ByteOrder> {
    prop_oneof![Just(ByteOrder::Little), Just(ByteOrder::Big)]
}

fn compression() -> impl Strategy<Value = Compression> {
    prop_oneof![
        Just(Compression::None),
        Just(Compression::Gzip),
        Just(Compression::Zstd)
    ]
}

/// Small steps to cross boundaries, huge ones for the bulk path.
fn step() -> impl Strategy<Value = usize> {
    prop_oneof![1usize..8, 8usize..300, Just(1 << 20)]
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..200)
}

/// `floor(ticks * 1e9 / R)`, the pcapng reading of a tick count, worked out
/// here independently of the crate.
fn ns_of_ticks(tsresol: u8, ticks: u64) -> u128 {
    let n = u32::from(tsresol & 0x7f);
    let per_second = if tsresol & 0x80 == 0 {
        10u128.pow(n)
    } else {
        1u128 << n
    };
    u128::from(ticks) * 1_000_000_000 / per_second
}

const TSRESOLS: [u8; 9] = [6, 9, 0, 3, 12, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 40];

#[derive(Debug, Clone)]
struct Section {
    order: ByteOrder,
    /// (link type, snaplen, if_tsresol)
    interfaces: Vec<(u16, u32, u8)>,
    /// (interface index modulo the count, ticks, extra original length, bytes)
    packets: Vec<(usize, u64, u32, Vec<u8>)>,
}

fn section() -> impl Strategy<Value = Section> {
    let interface = (
        any::<u16>(),
        prop_oneof![Just(0u32), 1u32..300],
        prop::sample::select(&TSRESOLS[..]),
    );
    (
        order(),
        prop::collection::vec(interface, 1..4),
        prop::collection::vec((any::<usize>(), any::<u64>(), 0u32..2000, payload()), 0..12),
    )
        .prop_map(|(order, interfaces, packets)| Section {
            order,
            interfaces,
            packets,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn pcap_round_trips(
        order in order(),
        nanosecond: bool,
        link in any::<u16>(),
        snaplen in prop_oneof![Just(0u32), 1u32..300, Just(65535)],
        records in prop::collection::vec((any::<u32>(), 0u32..1_000_000_000, 0u32..2000, payload()), 0..30),
        how in compression(),
        step in step(),
    ) {
        let mut w = PcapWriter::new(Vec::new(), LinkType(u32::from(link)), snaplen, nanosecond, order).unwrap();
        let mut want = Vec::new();
        for (sec, nanos, extra, data) in &records {
            // exactly representable at the file's resolution
            let nanos = if nanosecond { *nanos } else { nanos / 1000 * 1000 };
            let ts_ns = i64::from(*sec) * 1_000_000_000 + i64::from(nanos);
            let orig_len = data.len() as u32 + extra;
            w.write(ts_ns, orig_len, data).unwrap();
            let keep = if snaplen == 0 { 262_144 } else { snaplen as usize };
            let data = data[..data.len().min(keep)].to_vec();
            want.push(Seen { ts_ns, orig_len, data, link: u32::from(link), interface: 0 });
        }
        let bytes = compress(w.finish().unwrap(), how);
        prop_assert_eq!(read_back(bytes, step, how), want);
    }

    #[test]
    fn pcapng_round_trips(
        sections in prop::collection::vec(section(), 1..4),
        how in compression(),
        step in step(),
    ) {
        let mut bytes = Vec::new();
        let mut writer: Option<PcapngWriter<Vec<u8>>> = None;
        let mut previous_order = None;
        let mut want = Vec::new();
        for s in &sections {
            // a new writer when the byte order changes, else a new section
            // in the same writer: both make a multi-section file
            let mut w = match writer.take() {
                Some(mut w) if previous_order == Some(s.order) => {
                    w.new_section().unwrap();
                    w
                }
                Some(w) => {
                    bytes.extend(w.finish().unwrap());
                    PcapngWriter::new(Vec::new(), s.order).unwrap()
                }
                None => PcapngWriter::new(Vec::new(), s.order).unwrap(),
            };
            previous_order = Some(s.order);
            for (id, &(link, snaplen, tsresol)) in s.interfaces.iter().enumerate() {
                prop_assert_eq!(w.add_interface(LinkType(u32::from(link)), snaplen, tsresol).unwrap(), id as u32);
            }
            for (pick, ticks, extra, data) in &s.packets {
                let id = pick % s.interfaces.len();
                let (link, snaplen, tsresol) = s.interfaces[id];
                let ns = ns_of_ticks(tsresol, *ticks);
                if ns > i64::MAX as u128 {
                    continue;
                }
                let ts_ns = ns as i64;
                let orig_len = data.len() as u32 + extra;
                w.write(id as u32, ts_ns, orig_len, data).unwrap();
                let keep = if snaplen == 0 { usize::MAX } else { snaplen as usize };
                let data = data[..data.len().min(keep)].to_vec();
                want.push(Seen { ts_ns, orig_len, data, link: u32::from(link), interface: id as u32 });
            }
            writer = Some(w);
        }
        bytes.extend(writer.unwrap().finish().unwrap());
        let bytes = compress(bytes, how);
        prop_assert_eq!(read_back(bytes, step, how), want);
    }

    /// A time finer than the unit comes back truncated to the unit: never
    /// later, and less than one unit earlier.
    #[test]
    fn pcapng_truncates_unrepresentable_times(
        tsresol in prop::sample::select(&TSRESOLS[..]),
        ts_ns in 0i64..(1i64 << 60),
    ) {
        let mut w = PcapngWriter::new(Vec::new(), ByteOrder::Little).unwrap();
        w.add_interface(LinkType::ETHERNET, 0, tsresol).unwrap();
        let wrote = w.write(0, ts_ns, 1, b"x");
        let per_second: u128 = if tsresol & 0x80 == 0 { 10u128.pow(u32::from(tsresol)) } else { 1 << (tsresol & 0x7f) };
        if u128::from(ts_ns as u64) * per_second / 1_000_000_000 > u128::from(u64::MAX) {
            prop_assert!(wrote.is_err(), "ticks beyond 64 bits must be refused");
            return Ok(());
        }
        wrote.unwrap();
        let got = read_back(w.finish().unwrap(), 1 << 20, Compression::None);
        let read = i128::from(got[0].ts_ns);
        let unit_ns = (1_000_000_000 / per_second).max(1) as i128;
        prop_assert!(read <= i128::from(ts_ns));
        prop_assert!(i128::from(ts_ns) - read < unit_ns + 1);
    }
}

#[test]
fn writers_refuse_what_the_formats_cannot_hold() {
    let mut pcap =
        PcapWriter::new(Vec::new(), LinkType::ETHERNET, 0, false, ByteOrder::Little).unwrap();
    assert!(pcap.write(-1, 1, b"x").is_err());
    assert!(pcap
        .write(u32::MAX as i64 * 1_000_000_000 + 999_999_999, 1, b"x")
        .is_ok());
    assert!(pcap
        .write((u32::MAX as i64 + 1) * 1_000_000_000, 1, b"x")
        .is_err());
    let mut ng = PcapngWriter::new(Vec::new(), ByteOrder::Big).unwrap();
    assert!(ng.write(0, 0, 1, b"x").is_err(), "no interface yet");
    assert!(ng.add_interface(LinkType(70_000), 0, 6).is_err());
    assert!(
        ng.add_interface(LinkType::RAW, 0, 39).is_err(),
        "10^-39 s ticks"
    );
    assert_eq!(ng.add_interface(LinkType::RAW, 0, 6).unwrap(), 0);
    ng.new_section().unwrap();
    assert!(
        ng.write(0, 0, 1, b"x").is_err(),
        "interfaces reset with the section"
    );
}
