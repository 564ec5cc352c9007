use hashbrown::HashSet;
use hirundo_packet::{protocol, AddrKey, DecodeError, Packet};

use crate::distinct::DistinctSet;

use crate::{
    ErrorCounts, FileSummary, PortCount, PortProto, ProtocolCounts, Summary, Timestamp, SCHEMA,
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

/// IPv4 records whose distinct-set inserts wait to be done together, after
/// their table slots were prefetched. Large enough to overlap the memory
/// latency of many lookups, small enough to stay in L1.
const BATCH: usize = 32;

/// In a pending IPv4 record: no (port, source) pair to count.
const NO_PAIR: u64 = u64::MAX;

/// Accumulates records into a [`Summary`].
///
/// Exact, not sketched: analysts compare these counts with other tools, so
/// distinct sources are kept in full sets. Per-port packets live in a flat
/// table indexed by (proto, port); per-port sources in one set of
/// (slot, source) keys, which also survives a scanner that sweeps all ports.
/// IPv4 set inserts are batched so their cache misses overlap (see
/// [`DistinctSet`]); IPv6, rare on darknets, goes straight to hash sets.
pub struct SummaryBuilder {
    files: Vec<FileSummary>,
    packets: u64,
    bytes: u64,
    errors: ErrorCounts,
    first_ts: i64,
    last_ts: i64,
    protocols: ProtocolCounts,
    port_packets: Box<[u64]>,
    sources_v4: DistinctSet,
    /// `slot << 32 | source`.
    port_sources_v4: DistinctSet,
    /// (source, pair key or [`NO_PAIR`]) not yet inserted.
    pending_v4: [(u64, u64); BATCH],
    pending: usize,
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
            port_packets: vec![0; PORT_SLOTS].into_boxed_slice(),
            sources_v4: DistinctSet::new(),
            port_sources_v4: DistinctSet::new(),
            pending_v4: [(0, NO_PAIR); BATCH],
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
            AddrKey::V4(src) => {
                let pair = match slot {
                    Some(slot) => {
                        self.port_packets[slot] += 1;
                        ((slot as u64) << 32) | u64::from(src)
                    }
                    None => NO_PAIR,
                };
                self.pending_v4[self.pending] = (u64::from(src), pair);
                self.pending += 1;
                if self.pending == BATCH {
                    self.flush_v4();
                }
            }
            AddrKey::V6(src) => {
                self.sources_v6.insert(src);
                if let Some(slot) = slot {
                    self.port_packets[slot] += 1;
                    self.port_sources_v6.insert((slot as u32, src));
                }
            }
        }
    }

    /// Inserts the pending IPv4 keys: first every prefetch, then every
    /// insert, so the loads are in flight together.
    fn flush_v4(&mut self) {
        let pending = &self.pending_v4[..self.pending];
        for &(src, pair) in pending {
            self.sources_v4.prefetch(src);
            if pair != NO_PAIR {
                self.port_sources_v4.prefetch(pair);
            }
        }
        for &(src, pair) in pending {
            self.sources_v4.insert(src);
            if pair != NO_PAIR {
                self.port_sources_v4.insert(pair);
            }
        }
        self.pending = 0;
    }

    /// Records counted so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    pub fn finish(mut self) -> Summary {
        self.flush_v4();
        let mut port_sources = vec![0u64; PORT_SLOTS];
        for key in self.port_sources_v4.iter() {
            port_sources[(key >> 32) as usize] += 1;
        }
        for (slot, _) in &self.port_sources_v6 {
            port_sources[*slot as usize] += 1;
        }
        let mut ports: Vec<PortCount> = self
            .port_packets
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(slot, &packets)| PortCount {
                proto: if slot < 65_536 {
                    PortProto::Tcp
                } else {
                    PortProto::Udp
                },
                port: (slot % 65_536) as u16,
                packets,
                sources: port_sources[slot],
            })
            .collect();
        ports.sort_by(|a, b| {
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
