use hashbrown::HashSet;
use hirundo_packet::{protocol, AddrKey, DecodeError, Packet};

use crate::distinct::{prefetch_read, DistinctSet};

use crate::{
    ErrorCounts, FileSummary, PortCount, PortProto, ProtocolCounts, Summary, Tally, Timestamp,
    SCHEMA,
};

/// What one capture record turned out to be, in the terms the summary
/// counts. Built from a decode result by [`Outcome::of`], or directly by a
/// traffic generator that knows what it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Decoded {
        source: AddrKey,
        /// Transport protocol number after IPv6 extension headers.
        protocol: u8,
        /// For TCP and UDP, the destination port when it was captured and
        /// the packet is not a later fragment.
        dst_port: Option<u16>,
    },
    Rejected(Rejection),
}

/// Why a record was not decoded; one variant per `errors` counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Truncated,
    UnsupportedLink,
    NotIp,
    Malformed,
}

impl From<&DecodeError> for Rejection {
    fn from(e: &DecodeError) -> Self {
        match e {
            DecodeError::Truncated { .. } => Rejection::Truncated,
            DecodeError::UnsupportedLink(_) => Rejection::UnsupportedLink,
            DecodeError::NotIp { .. } => Rejection::NotIp,
            DecodeError::Malformed { .. } => Rejection::Malformed,
        }
    }
}

impl Outcome {
    #[inline]
    pub fn of(decoded: &Result<Packet<'_>, DecodeError>) -> Outcome {
        match decoded {
            Ok(p) => Outcome::Decoded {
                source: p.ip.source_key(),
                protocol: p.protocol,
                dst_port: p.ports().map(|(_, dst)| dst),
            },
            Err(e) => Outcome::Rejected(e.into()),
        }
    }
}

/// Slots in the per-port packet table: one per (tcp|udp, port).
const PORT_SLOTS: usize = 2 * 65_536;

/// How many IPv4 records behind the newest one their table updates are
/// applied: each record's slots are prefetched when it arrives and used this
/// many records later, by when the loads have landed. A few times the
/// memory latency over the time per record, and well within the CPU's
/// limit on loads in flight.
const PIPELINE: usize = 16;

/// In a pending IPv4 record: no (proto, port) slot, so no pair to count.
const NO_SLOT: u32 = u32::MAX;

/// An IPv4 record waiting in the pipeline: its source and its port slot.
#[derive(Clone, Copy)]
struct PendingV4 {
    source: u32,
    slot: u32,
}

impl PendingV4 {
    /// The (port, source) key: `slot << 32 | source`.
    fn pair(self) -> u64 {
        (u64::from(self.slot) << 32) | u64::from(self.source)
    }
}

/// Accumulates records into a [`Summary`].
///
/// Exact, not sketched: analysts compare these counts with other tools, so
/// distinct sources are kept in full sets. Per-port packets live in a flat
/// table indexed by (proto, port); per-port sources in one set of
/// (slot, source) keys, which also survives a scanner that sweeps all ports.
/// The tables outgrow the CPU caches, so IPv4 updates go through a short
/// pipeline that prefetches each record's slots before touching them (see
/// [`DistinctSet`]); IPv6, rare on darknets, goes straight to hash sets.
pub struct SummaryBuilder {
    files: Vec<FileSummary>,
    packets: u64,
    bytes: u64,
    errors: ErrorCounts,
    first_ts: i64,
    last_ts: i64,
    protocols: ProtocolCounts,
    /// Packets and distinct sources per (proto, port) slot, side by side
    /// so one cache line serves both updates.
    ports: Box<[Tally]>,
    /// Sources of records with no port slot (ICMP, later fragments...);
    /// the sources in `port_sources_v4` join them in `finish`.
    sources_v4: DistinctSet,
    /// `slot << 32 | source`.
    port_sources_v4: DistinctSet,
    /// A ring of records not yet applied; `pending` of them, oldest at `head`.
    pipeline: [PendingV4; PIPELINE],
    head: usize,
    pending: usize,
    /// As for IPv4: sources with no port slot, joined by those in the pairs.
    sources_v6: HashSet<u128>,
    port_sources_v6: HashSet<(u32, u128)>,
}

impl Default for SummaryBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SummaryBuilder {
    pub fn new() -> Self {
        SummaryBuilder {
            files: Vec::new(),
            packets: 0,
            bytes: 0,
            errors: ErrorCounts::default(),
            first_ts: i64::MAX,
            last_ts: i64::MIN,
            protocols: ProtocolCounts::default(),
            ports: vec![Tally::default(); PORT_SLOTS].into_boxed_slice(),
            sources_v4: DistinctSet::new(),
            port_sources_v4: DistinctSet::new(),
            pipeline: [PendingV4 {
                source: 0,
                slot: NO_SLOT,
            }; PIPELINE],
            head: 0,
            pending: 0,
            sources_v6: HashSet::new(),
            port_sources_v6: HashSet::new(),
        }
    }

    /// Lists a file in `files`; call once per file after its records.
    pub fn add_file(&mut self, path: impl Into<String>, format: impl Into<String>, packets: u64) {
        self.files.push(FileSummary {
            path: path.into(),
            format: format.into(),
            packets,
        });
    }

    /// Counts one capture record.
    #[inline]
    pub fn record(&mut self, ts_ns: i64, wire_len: u32, outcome: Outcome) {
        self.packets += 1;
        self.bytes += u64::from(wire_len);
        // Min and max rather than first and last: merged or reordered
        // captures are not in time order.
        self.first_ts = self.first_ts.min(ts_ns);
        self.last_ts = self.last_ts.max(ts_ns);
        match outcome {
            Outcome::Rejected(r) => match r {
                Rejection::Truncated => self.errors.truncated += 1,
                Rejection::UnsupportedLink => self.errors.unsupported_link += 1,
                Rejection::NotIp => self.errors.not_ip += 1,
                Rejection::Malformed => self.errors.malformed += 1,
            },
            Outcome::Decoded {
                source,
                protocol,
                dst_port,
            } => self.decoded(source, protocol, dst_port),
        }
    }

    #[inline]
    fn decoded(&mut self, source: AddrKey, proto: u8, dst_port: Option<u16>) {
        let slot = match proto {
            protocol::TCP => {
                self.protocols.tcp += 1;
                dst_port.map(usize::from)
            }
            protocol::UDP => {
                self.protocols.udp += 1;
                dst_port.map(|p| 65_536 + usize::from(p))
            }
            protocol::ICMP => {
                self.protocols.icmp += 1;
                None
            }
            protocol::ICMPV6 => {
                self.protocols.icmpv6 += 1;
                None
            }
            _ => {
                self.protocols.other += 1;
                None
            }
        };
        match source {
            AddrKey::V4(source) => self.push_v4(PendingV4 {
                source,
                slot: slot.map_or(NO_SLOT, |slot| slot as u32),
            }),
            AddrKey::V6(src) => match slot {
                Some(slot) => {
                    let tally = &mut self.ports[slot];
                    tally.packets += 1;
                    if self.port_sources_v6.insert((slot as u32, src)) {
                        tally.sources += 1;
                    }
                }
                None => {
                    self.sources_v6.insert(src);
                }
            },
        }
    }

    /// Prefetches what `record` will touch, applies the oldest pending
    /// record if the pipeline is full, and queues `record`.
    #[inline]
    fn push_v4(&mut self, record: PendingV4) {
        if record.slot == NO_SLOT {
            self.sources_v4.prefetch(u64::from(record.source));
        } else {
            prefetch_read(&self.ports[record.slot as usize].packets);
            self.port_sources_v4.prefetch(record.pair());
        }
        let at = (self.head + self.pending) % PIPELINE;
        if self.pending == PIPELINE {
            self.apply_v4(self.pipeline[self.head]);
            self.head = (self.head + 1) % PIPELINE;
        } else {
            self.pending += 1;
        }
        self.pipeline[at] = record;
    }

    #[inline]
    fn apply_v4(&mut self, record: PendingV4) {
        // One set update per record: a source seen on a port is in the
        // pairs, and joins the distinct sources in `finish`.
        if record.slot == NO_SLOT {
            self.sources_v4.insert(u64::from(record.source));
        } else {
            let tally = &mut self.ports[record.slot as usize];
            tally.packets += 1;
            if self.port_sources_v4.insert(record.pair()) {
                tally.sources += 1;
            }
        }
    }

    /// Applies every pending record, oldest first.
    fn drain_v4(&mut self) {
        while self.pending > 0 {
            self.apply_v4(self.pipeline[self.head]);
            self.head = (self.head + 1) % PIPELINE;
            self.pending -= 1;
        }
    }

    /// Records counted so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    pub fn finish(mut self) -> Summary {
        self.drain_v4();
        let pair_sources = self.port_sources_v4.iter().map(|key| key & 0xFFFF_FFFF);
        self.sources_v4.extend(pair_sources);
        self.sources_v6
            .extend(self.port_sources_v6.iter().map(|&(_, src)| src));
        let mut ports: Vec<PortCount> = self
            .ports
            .iter()
            .enumerate()
            .filter(|(_, t)| t.packets > 0)
            .map(|(slot, t)| PortCount {
                proto: if slot < 65_536 {
                    PortProto::Tcp
                } else {
                    PortProto::Udp
                },
                port: (slot % 65_536) as u16,
                packets: t.packets,
                sources: t.sources,
            })
            .collect();
        // (proto, port) is unique, so an unstable sort is still deterministic.
        ports.sort_unstable_by(|a, b| {
            b.packets
                .cmp(&a.packets)
                .then(a.proto.cmp(&b.proto))
                .then(a.port.cmp(&b.port))
        });
        let decoded = self.packets - self.errors.total();
        let (first_ts, last_ts) = if self.packets == 0 {
            (None, None)
        } else {
            (
                Some(Timestamp(self.first_ts)),
                Some(Timestamp(self.last_ts)),
            )
        };
        Summary {
            schema: SCHEMA.to_string(),
            files: self.files,
            packets: self.packets,
            bytes: self.bytes,
            decoded,
            errors: self.errors,
            first_ts,
            last_ts,
            protocols: self.protocols,
            sources: (self.sources_v4.len() + self.sources_v6.len()) as u64,
            ports,
            fingerprints: None,
            countries: None,
            asns: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(src: u32, port: u16) -> Outcome {
        Outcome::Decoded {
            source: AddrKey::V4(src),
            protocol: protocol::TCP,
            dst_port: Some(port),
        }
    }

    #[test]
    fn counts_ports_and_distinct_sources_per_port() {
        let mut b = SummaryBuilder::new();
        // Two sources on 23/tcp (one of them twice), one on 23/udp, one v6 on 23/tcp.
        b.record(3, 60, tcp(1, 23));
        b.record(1, 60, tcp(1, 23));
        b.record(2, 60, tcp(2, 23));
        b.record(
            5,
            70,
            Outcome::Decoded {
                source: AddrKey::V4(1),
                protocol: protocol::UDP,
                dst_port: Some(23),
            },
        );
        b.record(
            4,
            90,
            Outcome::Decoded {
                source: AddrKey::V6(7),
                protocol: protocol::TCP,
                dst_port: Some(23),
            },
        );
        // A later fragment: protocol counted, no port.
        b.record(
            6,
            60,
            Outcome::Decoded {
                source: AddrKey::V4(9),
                protocol: protocol::TCP,
                dst_port: None,
            },
        );
        b.record(7, 42, Outcome::Rejected(Rejection::NotIp));
        b.record(8, 10, Outcome::Rejected(Rejection::Truncated));
        b.add_file("a.pcap", "pcap", 8);
        let s = b.finish();

        assert_eq!((s.packets, s.decoded, s.bytes), (8, 6, 452));
        assert_eq!(
            s.errors,
            ErrorCounts {
                truncated: 1,
                unsupported_link: 0,
                not_ip: 1,
                malformed: 0
            }
        );
        assert_eq!((s.protocols.tcp, s.protocols.udp), (5, 1));
        assert_eq!(s.sources, 4, "v4 sources 1, 2, 9 and one v6");
        assert_eq!(
            s.ports,
            vec![
                PortCount {
                    proto: PortProto::Tcp,
                    port: 23,
                    packets: 4,
                    sources: 3
                },
                PortCount {
                    proto: PortProto::Udp,
                    port: 23,
                    packets: 1,
                    sources: 1
                },
            ]
        );
        assert_eq!(s.first_ts, Some(Timestamp(1)));
        assert_eq!(s.last_ts, Some(Timestamp(8)));
        assert_eq!(s.files[0].packets, 8);
    }

    #[test]
    fn orders_ports_by_packets_then_proto_then_port() {
        let mut b = SummaryBuilder::new();
        for (port, n) in [(443u16, 2), (22, 2), (80, 5)] {
            for i in 0..n {
                b.record(0, 60, tcp(i, port));
            }
        }
        b.record(
            0,
            60,
            Outcome::Decoded {
                source: AddrKey::V4(1),
                protocol: protocol::UDP,
                dst_port: Some(1),
            },
        );
        b.record(
            0,
            60,
            Outcome::Decoded {
                source: AddrKey::V4(1),
                protocol: protocol::UDP,
                dst_port: Some(1),
            },
        );
        let order: Vec<_> = b.finish().ports.iter().map(|p| (p.proto, p.port)).collect();
        assert_eq!(
            order,
            vec![
                (PortProto::Tcp, 80),
                (PortProto::Tcp, 22),
                (PortProto::Tcp, 443),
                (PortProto::Udp, 1)
            ]
        );
    }

    #[test]
    fn a_full_port_sweep_from_one_source_counts_once_per_port() {
        let mut b = SummaryBuilder::new();
        for port in 0..=u16::MAX {
            b.record(0, 60, tcp(0xC633_6401, port));
        }
        let s = b.finish();
        assert_eq!(s.sources, 1);
        assert_eq!(s.ports.len(), 65_536);
        assert!(s.ports.iter().all(|p| p.packets == 1 && p.sources == 1));
    }

    #[test]
    fn empty_input_has_no_time_span() {
        let s = SummaryBuilder::new().finish();
        assert_eq!((s.packets, s.first_ts, s.last_ts), (0, None, None));
        assert!(s.ports.is_empty());
    }
}

#[cfg(test)]
mod model {
    //! The builder against the obvious implementation, on random records:
    //! its batching, prefetch pipeline and late merge of port sources must
    //! not change a single count.
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn outcome() -> impl Strategy<Value = Outcome> {
        let source = prop_oneof![
            4 => (0u32..300).prop_map(AddrKey::V4),
            1 => (0u128..50).prop_map(AddrKey::V6),
        ];
        let protocol = prop_oneof![Just(6u8), Just(17), Just(1), Just(58), Just(47)];
        prop_oneof![
            20 => (source, protocol, proptest::option::weighted(0.9, 0u16..40)).prop_map(|(source, protocol, port)| {
                let dst_port = if matches!(protocol, 6 | 17) { port } else { None };
                Outcome::Decoded { source, protocol, dst_port }
            }),
            1 => Just(Outcome::Rejected(Rejection::NotIp)),
            1 => Just(Outcome::Rejected(Rejection::Truncated)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn counts_equal_a_naive_model(records in proptest::collection::vec((any::<i64>(), 0u32..2000, outcome()), 0..3000)) {
            let mut builder = SummaryBuilder::new();
            let mut sources = BTreeSet::new();
            let mut ports: BTreeMap<(bool, u16), (u64, BTreeSet<AddrKey>)> = BTreeMap::new();
            for &(ts, len, outcome) in &records {
                builder.record(ts, len, outcome);
                if let Outcome::Decoded { source, protocol, dst_port } = outcome {
                    sources.insert(source);
                    if let Some(port) = dst_port {
                        let entry = ports.entry((protocol == 17, port)).or_default();
                        entry.0 += 1;
                        entry.1.insert(source);
                    }
                }
            }
            let s = builder.finish();
            prop_assert_eq!(s.packets, records.len() as u64);
            prop_assert_eq!(s.bytes, records.iter().map(|r| u64::from(r.1)).sum::<u64>());
            prop_assert_eq!(s.sources, sources.len() as u64);
            let got: BTreeMap<(bool, u16), (u64, u64)> = s
                .ports
                .iter()
                .map(|p| ((p.proto == PortProto::Udp, p.port), (p.packets, p.sources)))
                .collect();
            let want: BTreeMap<(bool, u16), (u64, u64)> =
                ports.into_iter().map(|(k, (n, src))| (k, (n, src.len() as u64))).collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(s.first_ts.map(|t| t.0), records.iter().map(|r| r.0).min());
            prop_assert_eq!(s.last_ts.map(|t| t.0), records.iter().map(|r| r.0).max());
        }
    }
}
