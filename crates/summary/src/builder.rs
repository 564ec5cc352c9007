use std::collections::BTreeMap;
use std::net::IpAddr;

use hashbrown::HashMap;
use hirundo_fingerprint::{Tags, RESEARCH_PORTS_PER_DAY};
use hirundo_packet::{protocol, AddrKey, DecodeError, Packet};

use crate::flat_map::{prefetch_read, FlatMap};
use crate::{
    AsnCount, CountryCount, ErrorCounts, FileSummary, PortCount, PortProto, ProtocolCounts,
    Summary, Tally, Timestamp, SCHEMA,
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
        /// The packet's fingerprints.
        tags: Tags,
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
                tags: hirundo_fingerprint::tag(p),
            },
            Err(e) => Outcome::Rejected(e.into()),
        }
    }
}

/// What the summary needs to know about a source beyond its packets:
/// where it is and who runs it. Implemented over `hirundo-geo` and the
/// research-scanner list by the caller, so this crate stays free of data
/// files.
pub trait Attribution {
    /// ISO 3166-1 alpha-2 code of the source's country, and the name of
    /// the data source that said so.
    fn country(&self, source: IpAddr) -> Option<([u8; 2], &str)>;
    /// The source's autonomous system number and name, and the name of the
    /// data source that said so.
    fn asn(&self, source: IpAddr) -> Option<AsnAnswer<'_>>;
    /// Whether other data sources name a different country, and a
    /// different AS, for the source than the answers above.
    fn disputed(&self, _source: IpAddr) -> (bool, bool) {
        (false, false)
    }
    /// The research-scanning organisation the source belongs to.
    fn research_organisation(&self, source: IpAddr, asn: Option<u32>) -> Option<&str>;

    /// All of the above for one source. An implementation that can answer
    /// everything from one lookup should override this: it is what
    /// [`SummaryBuilder::finish_with`] calls, once per distinct source.
    fn attribute(&self, source: IpAddr) -> Attributes<'_> {
        let asn = self.asn(source);
        let (country_disputed, asn_disputed) = self.disputed(source);
        Attributes {
            country: self.country(source),
            asn,
            country_disputed,
            asn_disputed,
            research_organisation: self.research_organisation(source, asn.map(|a| a.asn)),
        }
    }
}

/// What an [`Attribution`] knows of one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attributes<'a> {
    /// Country code and the data source that said so.
    pub country: Option<([u8; 2], &'a str)>,
    pub asn: Option<AsnAnswer<'a>>,
    /// Another data source names a different country.
    pub country_disputed: bool,
    /// Another data source names a different AS.
    pub asn_disputed: bool,
    pub research_organisation: Option<&'a str>,
}

/// An autonomous system as an [`Attribution`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsnAnswer<'a> {
    pub asn: u32,
    pub name: &'a str,
    /// The data source that said so.
    pub source: &'a str,
}

/// Country code for sources no data source places: ISO 3166's
/// user-assigned "unknown" code, so that countries still add up.
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// Summary names of the per-source research verdicts, kept apart from the
/// per-packet tags so reports can show traffic with and without them.
pub const RESEARCH_HEURISTIC: &str = "research_heuristic";
pub const RESEARCH_ORGANISATION: &str = "research_org";

/// Slots in the per-port table: one per (tcp|udp, port).
const PORT_SLOTS: usize = 2 * 65_536;

/// How many IPv4 records behind the newest one their table updates are
/// applied: each record's slots are prefetched when it arrives and used this
/// many records later, by when the loads have landed. A few times the
/// memory latency over the time per record, and well within the CPU's
/// limit on loads in flight.
const PIPELINE: usize = 16;

/// In a pending IPv4 record: no (proto, port) slot.
const NO_SLOT: u32 = u32::MAX;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// An IPv4 record waiting in the pipeline.
#[derive(Clone, Copy)]
struct PendingV4 {
    source: u32,
    slot: u32,
    /// UTC days since the epoch.
    day: i32,
}

impl PendingV4 {
    /// The (port, source) key: `slot << 32 | source`.
    fn pair(self) -> u64 {
        (u64::from(self.slot) << 32) | u64::from(self.source)
    }
}

/// What is kept per distinct source: enough for countries, ASNs,
/// fingerprint sources and TSUBAME's research heuristic, in 16 bytes.
#[derive(Clone, Copy, Default, Debug)]
struct SourceStats {
    packets: u64,
    /// Every tag any of its packets carried.
    tags: Tags,
    /// The UTC day `day_ports` counts for.
    day: i32,
    /// Distinct (proto, port) pairs it sent to that day, up to the threshold.
    day_ports: u8,
    /// Crossed TSUBAME's threshold on some day.
    research: bool,
}

impl SourceStats {
    /// Counts one packet. `new_port_today` is `Some` for TCP and UDP with a
    /// port: whether this (proto, port) is new for the source today.
    /// Packets are taken in time order per source, as a capture holds them;
    /// one from an earlier day than the source's latest does not count
    /// towards the heuristic.
    #[inline]
    fn count(&mut self, first: bool, tags: Tags, day: i32, new_port_today: Option<bool>) {
        self.packets += 1;
        self.tags |= tags;
        if first || day > self.day {
            self.day = day;
            self.day_ports = 0;
        }
        if new_port_today == Some(true) && day == self.day && !self.research {
            self.day_ports += 1;
            self.research = usize::from(self.day_ports) > RESEARCH_PORTS_PER_DAY;
        }
    }
}

/// Sources one data source attributes to one country or AS.
#[derive(Default)]
struct Attributed {
    tally: Tally,
    /// Of them, those another data source places elsewhere.
    disputed: u64,
}

impl Attributed {
    fn add(&mut self, packets: u64, disputed: bool) {
        self.tally.add(packets);
        self.disputed += u64::from(disputed);
    }
}

/// For a (port, source) pair: whether it is new, and whether it is new
/// today, given the last day it was seen (stored in the pair's slot).
#[inline]
fn pair_seen(last_day: &mut i32, first: bool, day: i32) -> bool {
    let new_today = first || *last_day < day;
    *last_day = if first { day } else { (*last_day).max(day) };
    new_today
}

/// Accumulates records into a [`Summary`].
///
/// Exact, not sketched: analysts compare these counts with other tools, so
/// every source is kept (packets, tags, per-day ports) and every (port, source) pair, the
/// latter in one table keyed by (slot, source) that also survives a scanner
/// sweeping all ports. Per-port packets and sources sit side by side in a
/// flat table indexed by (proto, port). Countries, ASNs and fingerprint
/// sources are worked out per source at the end, so their cost follows the
/// number of sources, not of packets. The tables outgrow the CPU caches, so
/// IPv4 updates go through a short pipeline that prefetches each record's
/// slots before touching them; IPv6, rare on darknets, goes straight to
/// hash maps.
pub struct SummaryBuilder {
    files: Vec<FileSummary>,
    packets: u64,
    bytes: u64,
    errors: ErrorCounts,
    first_ts: i64,
    last_ts: i64,
    protocols: ProtocolCounts,
    tag_packets: [u64; Tags::ALL.len()],
    ports: Box<[Tally]>,
    sources_v4: FlatMap<SourceStats>,
    /// `slot << 32 | source` → the last UTC day the pair was seen.
    pairs_v4: FlatMap<i32>,
    /// A ring of records not yet applied; `pending` of them, oldest at `head`.
    pipeline: [PendingV4; PIPELINE],
    /// Tags of the records in `pipeline`, beside it to keep it small.
    pipeline_tags: [Tags; PIPELINE],
    head: usize,
    pending: usize,
    sources_v6: HashMap<u128, SourceStats>,
    pairs_v6: HashMap<(u32, u128), i32>,
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
            tag_packets: [0; Tags::ALL.len()],
            ports: vec![Tally::default(); PORT_SLOTS].into_boxed_slice(),
            sources_v4: FlatMap::new(),
            pairs_v4: FlatMap::new(),
            pipeline: [PendingV4 {
                source: 0,
                slot: NO_SLOT,
                day: 0,
            }; PIPELINE],
            pipeline_tags: [Tags::NONE; PIPELINE],
            head: 0,
            pending: 0,
            sources_v6: HashMap::new(),
            pairs_v6: HashMap::new(),
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
            Outcome::Rejected(r) => self.errors.count(r),
            Outcome::Decoded {
                source,
                protocol,
                dst_port,
                tags,
            } => self.decoded(ts_ns, source, protocol, dst_port, tags),
        }
    }

    #[inline]
    fn decoded(
        &mut self,
        ts_ns: i64,
        source: AddrKey,
        proto: u8,
        dst_port: Option<u16>,
        tags: Tags,
    ) {
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
        if !tags.is_empty() {
            for (i, (tag, _)) in Tags::ALL.iter().enumerate() {
                self.tag_packets[i] += u64::from(tags.contains(*tag));
            }
        }
        // Days before 1970 or after 5.8 million years saturate; they only
        // bound the research heuristic's day.
        let day = ts_ns
            .div_euclid(NANOS_PER_DAY)
            .clamp(i32::MIN.into(), i32::MAX.into()) as i32;
        match source {
            AddrKey::V4(source) => self.push_v4(
                PendingV4 {
                    source,
                    slot: slot.map_or(NO_SLOT, |slot| slot as u32),
                    day,
                },
                tags,
            ),
            AddrKey::V6(src) => {
                let new_port_today = slot.map(|slot| {
                    let (first, last_day) = match self.pairs_v6.entry((slot as u32, src)) {
                        hashbrown::hash_map::Entry::Occupied(e) => (false, e.into_mut()),
                        hashbrown::hash_map::Entry::Vacant(e) => (true, e.insert(day)),
                    };
                    let tally = &mut self.ports[slot];
                    tally.packets += 1;
                    tally.sources += u64::from(first);
                    pair_seen(last_day, first, day)
                });
                let (first, stats) = match self.sources_v6.entry(src) {
                    hashbrown::hash_map::Entry::Occupied(e) => (false, e.into_mut()),
                    hashbrown::hash_map::Entry::Vacant(e) => {
                        (true, e.insert(SourceStats::default()))
                    }
                };
                stats.count(first, tags, day, new_port_today);
            }
        }
    }

    /// Prefetches what `record` will touch, applies the oldest pending
    /// record if the pipeline is full, and queues `record`.
    #[inline]
    fn push_v4(&mut self, record: PendingV4, tags: Tags) {
        self.sources_v4.prefetch(u64::from(record.source));
        if record.slot != NO_SLOT {
            prefetch_read(&self.ports[record.slot as usize]);
            self.pairs_v4.prefetch(record.pair());
        }
        let at = (self.head + self.pending) % PIPELINE;
        if self.pending == PIPELINE {
            self.apply_v4(self.head);
            self.head = (self.head + 1) % PIPELINE;
        } else {
            self.pending += 1;
        }
        self.pipeline[at] = record;
        self.pipeline_tags[at] = tags;
    }

    #[inline]
    fn apply_v4(&mut self, at: usize) {
        let record = self.pipeline[at];
        let new_port_today = (record.slot != NO_SLOT).then(|| {
            let (last_day, first) = self.pairs_v4.entry(record.pair());
            let tally = &mut self.ports[record.slot as usize];
            tally.packets += 1;
            tally.sources += u64::from(first);
            pair_seen(last_day, first, record.day)
        });
        let (stats, first) = self.sources_v4.entry(u64::from(record.source));
        stats.count(first, self.pipeline_tags[at], record.day, new_port_today);
    }

    /// Applies every pending record, oldest first.
    fn drain_v4(&mut self) {
        while self.pending > 0 {
            self.apply_v4(self.head);
            self.head = (self.head + 1) % PIPELINE;
            self.pending -= 1;
        }
    }

    /// Records counted so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// The summary without countries, ASNs or research organisations.
    pub fn finish(self) -> Summary {
        self.finish_with(None)
    }

    /// The summary, with countries, ASNs and research organisations when
    /// `attribution` is given.
    pub fn finish_with(mut self, attribution: Option<&dyn Attribution>) -> Summary {
        self.drain_v4();
        let sources = self
            .sources_v4
            .iter()
            .map(|(k, s)| (AddrKey::V4(k as u32), s))
            .chain(self.sources_v6.iter().map(|(k, s)| (AddrKey::V6(*k), s)));

        let mut fingerprints: BTreeMap<String, Tally> = Tags::ALL
            .iter()
            .zip(self.tag_packets)
            .map(|((_, name), packets)| {
                (
                    name.to_string(),
                    Tally {
                        packets,
                        sources: 0,
                    },
                )
            })
            .collect();
        let mut research = Tally::default();
        let mut organisations = Tally::default();
        // Keyed with the data source too: every enriched value keeps the
        // source that said it, and a secondary source may place some.
        let mut countries: BTreeMap<([u8; 2], Option<&str>), Attributed> = BTreeMap::new();
        let mut asns: BTreeMap<(u32, Option<&str>), (&str, Attributed)> = BTreeMap::new();
        let mut count = 0u64;
        for (key, stats) in sources {
            count += 1;
            for (_, name) in stats.tags.iter() {
                if let Some(t) = fingerprints.get_mut(name) {
                    t.sources += 1;
                }
            }
            if stats.research {
                research.add(stats.packets);
            }
            let Some(attribution) = attribution else {
                continue;
            };
            let addr = IpAddr::from(key);
            let about = attribution.attribute(addr);
            let key = about
                .country
                .map_or((*b"ZZ", None), |(cc, source)| (cc, Some(source)));
            countries
                .entry(key)
                .or_default()
                .add(stats.packets, about.country_disputed);
            let key = about.asn.map_or((0, None), |a| (a.asn, Some(a.source)));
            let name = about.asn.map_or("unknown", |a| a.name);
            asns.entry(key)
                .or_insert((name, Attributed::default()))
                .1
                .add(stats.packets, about.asn_disputed);
            if about.research_organisation.is_some() {
                organisations.add(stats.packets);
            }
        }
        fingerprints.insert(RESEARCH_HEURISTIC.to_string(), research);

        let (countries, asns) = match attribution {
            None => (None, None),
            Some(_) => {
                fingerprints.insert(RESEARCH_ORGANISATION.to_string(), organisations);
                let mut countries: Vec<CountryCount> = countries
                    .into_iter()
                    .map(|((cc, source), a)| CountryCount {
                        cc: String::from_utf8_lossy(&cc).into_owned(),
                        packets: a.tally.packets,
                        sources: a.tally.sources,
                        source: source.map(str::to_string),
                        disputed: a.disputed,
                    })
                    .collect();
                countries.sort_by(|a, b| {
                    b.packets
                        .cmp(&a.packets)
                        .then_with(|| a.cc.cmp(&b.cc))
                        .then_with(|| a.source.cmp(&b.source))
                });
                let mut asns: Vec<AsnCount> = asns
                    .into_iter()
                    .map(|((asn, source), (name, a))| AsnCount {
                        asn,
                        name: name.to_string(),
                        packets: a.tally.packets,
                        sources: a.tally.sources,
                        source: source.map(str::to_string),
                        disputed: a.disputed,
                    })
                    .collect();
                asns.sort_by(|a, b| {
                    b.packets
                        .cmp(&a.packets)
                        .then(a.asn.cmp(&b.asn))
                        .then_with(|| a.source.cmp(&b.source))
                });
                (Some(countries), Some(asns))
            }
        };

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
            sources: count,
            ports,
            fingerprints: Some(fingerprints),
            countries,
            asns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(source: AddrKey, protocol: u8, dst_port: Option<u16>) -> Outcome {
        Outcome::Decoded {
            source,
            protocol,
            dst_port,
            tags: Tags::NONE,
        }
    }

    fn tcp(src: u32, port: u16) -> Outcome {
        decoded(AddrKey::V4(src), protocol::TCP, Some(port))
    }

    #[test]
    fn counts_ports_and_distinct_sources_per_port() {
        let mut b = SummaryBuilder::new();
        // Two sources on 23/tcp (one of them twice), one on 23/udp, one v6 on 23/tcp.
        b.record(3, 60, tcp(1, 23));
        b.record(1, 60, tcp(1, 23));
        b.record(2, 60, tcp(2, 23));
        b.record(5, 70, decoded(AddrKey::V4(1), protocol::UDP, Some(23)));
        b.record(4, 90, decoded(AddrKey::V6(7), protocol::TCP, Some(23)));
        // A later fragment: protocol counted, no port.
        b.record(6, 60, decoded(AddrKey::V4(9), protocol::TCP, None));
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
        b.record(0, 60, decoded(AddrKey::V4(1), protocol::UDP, Some(1)));
        b.record(0, 60, decoded(AddrKey::V4(1), protocol::UDP, Some(1)));
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
    //! its prefetch pipeline, per-source tables and per-day port tracking
    //! must not change a single count.
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    const DAY: i64 = NANOS_PER_DAY;

    fn outcome() -> impl Strategy<Value = Outcome> {
        let source = prop_oneof![
            4 => (0u32..40).prop_map(AddrKey::V4),
            1 => (0u128..10).prop_map(AddrKey::V6),
        ];
        let protocol = prop_oneof![Just(6u8), Just(17), Just(1), Just(58), Just(47)];
        let tags = (0u16..32).prop_map(Tags);
        prop_oneof![
            20 => (source, protocol, proptest::option::weighted(0.9, 0u16..30), tags).prop_map(|(source, protocol, port, tags)| {
                let dst_port = if matches!(protocol, 6 | 17) { port } else { None };
                Outcome::Decoded { source, protocol, dst_port, tags }
            }),
            1 => Just(Outcome::Rejected(Rejection::NotIp)),
            1 => Just(Outcome::Rejected(Rejection::Truncated)),
        ]
    }

    /// Countries, ASNs and organisations by simple rules on the address.
    struct Fake;

    fn low(addr: IpAddr) -> u8 {
        match addr {
            IpAddr::V4(a) => a.octets()[3],
            IpAddr::V6(a) => a.octets()[15] + 100,
        }
    }

    impl Attribution for Fake {
        fn country(&self, source: IpAddr) -> Option<([u8; 2], &str)> {
            // BB comes from two sources, so it must be listed twice.
            [
                None,
                Some((*b"AA", "one")),
                Some((*b"BB", "one")),
                Some((*b"BB", "two")),
            ][usize::from(low(source) % 4)]
        }
        fn asn(&self, source: IpAddr) -> Option<AsnAnswer<'_>> {
            (low(source) % 2 == 1).then(|| AsnAnswer {
                asn: 64_500 + u32::from(low(source) % 4),
                name: "AS-TEST",
                source: "asn-source",
            })
        }
        fn research_organisation(&self, source: IpAddr, _asn: Option<u32>) -> Option<&str> {
            (low(source) % 7 == 0).then_some("Research Org")
        }
        fn disputed(&self, source: IpAddr) -> (bool, bool) {
            (low(source) % 5 == 0, low(source) % 6 == 1)
        }
    }

    #[derive(Default)]
    struct Source {
        packets: u64,
        tags: u16,
        ports_by_day: BTreeMap<i64, BTreeSet<(bool, u16)>>,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn counts_equal_a_naive_model(
            mut records in proptest::collection::vec((0i64..4 * DAY, 0u32..2000, outcome()), 0..3000),
            attributed in any::<bool>(),
        ) {
            // Captures hold each source's packets in time order.
            records.sort_by_key(|r| r.0);
            let mut builder = SummaryBuilder::new();
            let mut sources: BTreeMap<AddrKey, Source> = BTreeMap::new();
            let mut ports: BTreeMap<(bool, u16), (u64, BTreeSet<AddrKey>)> = BTreeMap::new();
            let mut tag_packets = [0u64; 5];
            for &(ts, len, outcome) in &records {
                builder.record(ts, len, outcome);
                if let Outcome::Decoded { source, protocol, dst_port, tags } = outcome {
                    let s = sources.entry(source).or_default();
                    s.packets += 1;
                    s.tags |= tags.0;
                    for (i, count) in tag_packets.iter_mut().enumerate() {
                        *count += u64::from(tags.0 >> i & 1);
                    }
                    if let Some(port) = dst_port {
                        let key = (protocol == 17, port);
                        s.ports_by_day.entry(ts.div_euclid(DAY)).or_default().insert(key);
                        let entry = ports.entry(key).or_default();
                        entry.0 += 1;
                        entry.1.insert(source);
                    }
                }
            }
            let s = builder.finish_with(attributed.then_some(&Fake as &dyn Attribution));
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

            let fingerprints = s.fingerprints.as_ref().unwrap();
            for (i, (_, name)) in Tags::ALL.iter().enumerate() {
                let sources_with = sources.values().filter(|s| s.tags >> i & 1 == 1).count() as u64;
                prop_assert_eq!(fingerprints[*name], Tally { packets: tag_packets[i], sources: sources_with });
            }
            let mut research = Tally::default();
            for source in sources.values() {
                if source.ports_by_day.values().any(|ports| ports.len() > RESEARCH_PORTS_PER_DAY) {
                    research.add(source.packets);
                }
            }
            prop_assert_eq!(fingerprints[RESEARCH_HEURISTIC], research);

            if !attributed {
                prop_assert!(s.countries.is_none() && s.asns.is_none());
                prop_assert!(!fingerprints.contains_key(RESEARCH_ORGANISATION));
                return Ok(());
            }
            let (mut countries, mut asns, mut organisations) = (BTreeMap::new(), BTreeMap::new(), Tally::default());
            let (mut country_disputes, mut asn_disputes) = (BTreeMap::new(), BTreeMap::new());
            for (key, source) in &sources {
                let addr = IpAddr::from(*key);
                let cc = Fake.country(addr).map_or(("ZZ".to_string(), None), |(cc, from)| {
                    (String::from_utf8_lossy(&cc).into_owned(), Some(from.to_string()))
                });
                let (country_disputed, asn_disputed) = Fake.disputed(addr);
                *country_disputes.entry(cc.clone()).or_insert(0u64) += u64::from(country_disputed);
                countries.entry(cc).or_insert_with(Tally::default).add(source.packets);
                let asn = Fake.asn(addr).map_or(0, |a| a.asn);
                *asn_disputes.entry(asn).or_insert(0u64) += u64::from(asn_disputed);
                asns.entry(asn).or_insert_with(Tally::default).add(source.packets);
                if Fake.research_organisation(addr, None).is_some() {
                    organisations.add(source.packets);
                }
            }
            let got_disputes: BTreeMap<(String, Option<String>), u64> = s.countries.as_ref().unwrap().iter()
                .map(|c| ((c.cc.clone(), c.source.clone()), c.disputed)).collect();
            prop_assert_eq!(got_disputes, country_disputes);
            let got_disputes: BTreeMap<u32, u64> = s.asns.as_ref().unwrap().iter().map(|a| (a.asn, a.disputed)).collect();
            prop_assert_eq!(got_disputes, asn_disputes);
            let got: BTreeMap<(String, Option<String>), Tally> = s.countries.unwrap().into_iter()
                .map(|c| ((c.cc, c.source), Tally { packets: c.packets, sources: c.sources })).collect();
            prop_assert_eq!(got, countries);
            let got: BTreeMap<u32, Tally> = s.asns.unwrap().into_iter()
                .map(|a| (a.asn, Tally { packets: a.packets, sources: a.sources })).collect();
            prop_assert_eq!(got, asns);
            prop_assert_eq!(fingerprints[RESEARCH_ORGANISATION], organisations);
        }
    }
}
