use std::net::IpAddr;

use hashbrown::HashMap;
use hirundo_fingerprint::Tags;
use hirundo_packet::{protocol, AddrKey};
use hirundo_summary::{Attribution, Outcome, PortProto, UNKNOWN_COUNTRY};

use crate::{
    day_of_hour, hour_of, AsnHour, CountryHour, HourCounts, PortHour, PortKey, Rollup, SourceDay,
};

/// Accumulates records into a [`Rollup`].
///
/// Per record it bumps one hour counter and at most one (hour, port)
/// counter, gives the source a small number (one probe in a table of the
/// segment's distinct sources), and appends a 32-byte event. Everything per
/// source (its hours, days, ports, first and last packet) comes from
/// sorting those events every [`COMPACT_AT`] and folding the runs: sorting
/// is cheaper than keeping a growing table per (hour, source) whose every
/// lookup misses the cache. Countries and ASes are looked up once per distinct
/// source, never per packet.
pub struct RollupBuilder {
    packets: u64,
    bytes: u64,
    decoded: u64,
    errors: hirundo_summary::ErrorCounts,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
    /// Unordered; a segment spans few hours, and `current` finds the
    /// common case (the same hour as the last record) without a search.
    hours: Vec<HourCounts>,
    current: usize,
    /// `hour << 17 | PortKey::to_u32()` → packets.
    ports: HashMap<i64, u64>,
    /// Source address → its number, an index into `sources`.
    v4: HashMap<u32, u32>,
    v6: HashMap<u128, u32>,
    sources: Vec<AddrKey>,
    /// One per decoded record since the last compaction.
    events: Vec<Event>,
    /// Events folded so far: (source number, hour) → packets, and
    /// (source number, UTC day) → what it did that day.
    source_hours: HashMap<(u32, i64), u64>,
    source_days: HashMap<(u32, i64), DayAcc>,
    /// [`COMPACT_AT`], smaller in tests.
    compact_at: usize,
    /// The sorted copy of `events`, kept between compactions.
    scratch: Vec<Event>,
}

/// A source's day so far.
struct DayAcc {
    packets: u64,
    /// Sorted and distinct after each compaction.
    ports: Vec<PortKey>,
    tags: Tags,
    first_ns: i64,
    last_ns: i64,
}

/// Events held before they are folded: bounds the builder's memory (32
/// bytes an event) whatever the segment's length, while keeping the sort
/// large enough to be cheap per event.
const COMPACT_AT: usize = 1 << 18;

/// A decoded record, as much of it as the per-source roll-ups need.
#[derive(Clone, Copy)]
struct Event {
    source: u32,
    /// `PortKey::to_u32()`, or [`NO_PORT`].
    port: u32,
    hour: i64,
    ts_ns: i64,
    tags: Tags,
}

const NO_PORT: u32 = u32::MAX;

impl Event {
    const EMPTY: Event = Event {
        source: 0,
        port: NO_PORT,
        hour: 0,
        ts_ns: 0,
        tags: Tags::NONE,
    };
}

impl RollupBuilder {
    pub fn new() -> Self {
        RollupBuilder {
            packets: 0,
            bytes: 0,
            decoded: 0,
            errors: Default::default(),
            first_ns: None,
            last_ns: None,
            hours: Vec::new(),
            current: 0,
            ports: HashMap::new(),
            v4: HashMap::new(),
            v6: HashMap::new(),
            sources: Vec::new(),
            events: Vec::new(),
            source_hours: HashMap::new(),
            source_days: HashMap::new(),
            compact_at: COMPACT_AT,
            scratch: Vec::new(),
        }
    }

    /// Records read so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Counts one record.
    #[inline]
    pub fn record(&mut self, ts_ns: i64, wire_len: u32, outcome: Outcome) {
        self.packets += 1;
        self.bytes += u64::from(wire_len);
        self.first_ns = Some(self.first_ns.map_or(ts_ns, |t| t.min(ts_ns)));
        self.last_ns = Some(self.last_ns.map_or(ts_ns, |t| t.max(ts_ns)));
        let hour = hour_of(ts_ns);
        let counts = self.hour(hour);
        counts.packets += 1;
        counts.bytes += u64::from(wire_len);
        let (source, proto, dst_port, tags) = match outcome {
            Outcome::Decoded {
                source,
                protocol,
                dst_port,
                tags,
            } => (source, protocol, dst_port, tags),
            Outcome::Rejected(why) => {
                self.errors.count(why);
                return;
            }
        };
        counts.decoded += 1;
        *match proto {
            protocol::TCP => &mut counts.tcp,
            protocol::UDP => &mut counts.udp,
            protocol::ICMP => &mut counts.icmp,
            protocol::ICMPV6 => &mut counts.icmpv6,
            _ => &mut counts.other,
        } += 1;
        self.decoded += 1;

        let port = dst_port
            .and_then(|port| match proto {
                protocol::TCP => Some(PortKey::new(PortProto::Tcp, port)),
                protocol::UDP => Some(PortKey::new(PortProto::Udp, port)),
                _ => None,
            })
            .map_or(NO_PORT, PortKey::to_u32);
        if port != NO_PORT {
            *self.ports.entry(hour << 17 | i64::from(port)).or_default() += 1;
        }
        let next = self.sources.len() as u32;
        let id = match source {
            AddrKey::V4(a) => *self.v4.entry(a).or_insert(next),
            AddrKey::V6(a) => *self.v6.entry(a).or_insert(next),
        };
        if id == next {
            self.sources.push(source);
        }
        self.events.push(Event {
            source: id,
            port,
            hour,
            ts_ns,
            tags,
        });
        if self.events.len() >= self.compact_at {
            self.compact();
        }
    }

    /// Sorts the events by (source, hour, port) and folds each run into
    /// the per-source tables.
    fn compact(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        // Source numbers are dense, so a counting sort groups by source in
        // two passes; each (usually small) group is then sorted by hour and
        // port.
        let mut start = vec![0u32; self.sources.len() + 1];
        for e in &events {
            start[e.source as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut sorted = std::mem::take(&mut self.scratch);
        sorted.clear();
        sorted.resize(
            events.len(),
            events.first().copied().unwrap_or(Event::EMPTY),
        );
        let mut next = start.clone();
        for e in &events {
            let at = &mut next[e.source as usize];
            sorted[*at as usize] = *e;
            *at += 1;
        }
        for group in start.windows(2) {
            let group = &mut sorted[group[0] as usize..group[1] as usize];
            if group.len() > 1 {
                group.sort_unstable_by_key(|e| (e.hour, e.port));
            }
        }
        for run in sorted.chunk_by(|a, b| a.source == b.source && a.hour == b.hour) {
            let (source, hour) = (run[0].source, run[0].hour);
            *self.source_hours.entry((source, hour)).or_default() += run.len() as u64;
            let day = self
                .source_days
                .entry((source, day_of_hour(hour)))
                .or_insert_with(|| DayAcc {
                    packets: 0,
                    ports: Vec::new(),
                    tags: Tags::NONE,
                    first_ns: i64::MAX,
                    last_ns: i64::MIN,
                });
            day.packets += run.len() as u64;
            let mut last_port = NO_PORT;
            for e in run {
                day.tags |= e.tags;
                day.first_ns = day.first_ns.min(e.ts_ns);
                day.last_ns = day.last_ns.max(e.ts_ns);
                // Sorted within the run: a new port is a change.
                if e.port != last_port && e.port != NO_PORT {
                    day.ports
                        .push(PortKey::from_u32(e.port).expect("built by to_u32"));
                    last_port = e.port;
                }
            }
        }
        // A day whose ports came from several hours holds sorted runs laid
        // end to end: make them one sorted set.
        for day in self.source_days.values_mut() {
            if !day.ports.is_sorted_by(|a, b| a < b) {
                day.ports.sort_unstable();
                day.ports.dedup();
            }
        }
        events.clear();
        self.events = events;
        self.scratch = sorted;
    }

    fn hour(&mut self, hour: i64) -> &mut HourCounts {
        if self.hours.get(self.current).is_none_or(|h| h.hour != hour) {
            self.current = match self.hours.iter().position(|h| h.hour == hour) {
                Some(at) => at,
                None => {
                    self.hours.push(HourCounts {
                        hour,
                        ..HourCounts::default()
                    });
                    self.hours.len() - 1
                }
            };
        }
        &mut self.hours[self.current]
    }

    /// The roll-up, with countries, ASes and research organisations from
    /// `attribution` (unknown for all when `None`).
    pub fn finish(mut self, attribution: Option<&dyn Attribution>) -> Rollup {
        self.compact();
        let builder = self;
        let mut hours = builder.hours;
        hours.sort_unstable_by_key(|h| h.hour);

        let mut ports: Vec<PortHour> = builder
            .ports
            .into_iter()
            .map(|(key, packets)| {
                let port = PortKey::from_u32((key & 0x1_ffff) as u32)
                    .expect("keys are built from PortKey::to_u32");
                PortHour {
                    hour: key >> 17,
                    proto: port.proto,
                    port: port.port,
                    packets,
                }
            })
            .collect();
        ports.sort_unstable_by_key(|p| (p.hour, p.proto, p.port));

        let who: Vec<Who> = builder
            .sources
            .iter()
            .map(|&source| Who::of(IpAddr::from(source), attribution))
            .collect();
        let mut countries: HashMap<(i64, [u8; 2]), u64> = HashMap::new();
        let mut asns: HashMap<(i64, u32), u64> = HashMap::new();
        for (&(source, hour), &packets) in &builder.source_hours {
            let about = &who[source as usize];
            *countries.entry((hour, about.cc)).or_default() += packets;
            *asns.entry((hour, about.asn)).or_default() += packets;
        }
        let mut days: Vec<SourceDay> = builder
            .source_days
            .into_iter()
            .map(|((source, day), acc)| {
                let about = &who[source as usize];
                SourceDay {
                    day,
                    source: IpAddr::from(builder.sources[source as usize]),
                    packets: acc.packets,
                    ports: acc.ports,
                    tags: acc.tags,
                    first_ns: acc.first_ns,
                    last_ns: acc.last_ns,
                    cc: about.cc,
                    asn: about.asn,
                    research: about.research.map(str::to_string),
                }
            })
            .collect();
        let names: HashMap<u32, &str> = who.iter().map(|w| (w.asn, w.name)).collect();

        let mut countries: Vec<CountryHour> = countries
            .into_iter()
            .map(|((hour, cc), packets)| CountryHour { hour, cc, packets })
            .collect();
        countries.sort_unstable_by_key(|c| (c.hour, c.cc));
        let mut asns: Vec<AsnHour> = asns
            .into_iter()
            .map(|((hour, asn), packets)| AsnHour {
                hour,
                asn,
                name: names.get(&asn).copied().unwrap_or_default().to_string(),
                packets,
            })
            .collect();
        asns.sort_unstable_by_key(|a| (a.hour, a.asn));
        days.sort_unstable_by_key(|s| (s.day, s.source));

        Rollup {
            packets: builder.packets,
            bytes: builder.bytes,
            decoded: builder.decoded,
            errors: builder.errors,
            first_ns: builder.first_ns,
            last_ns: builder.last_ns,
            hours,
            ports,
            countries,
            asns,
            sources: days,
        }
    }
}

/// What the attribution says of one source, borrowed from it: nothing is
/// allocated per source.
struct Who<'a> {
    cc: [u8; 2],
    asn: u32,
    name: &'a str,
    research: Option<&'a str>,
}

impl<'a> Who<'a> {
    fn of(source: IpAddr, attribution: Option<&'a dyn Attribution>) -> Who<'a> {
        let unknown = *UNKNOWN_COUNTRY
            .as_bytes()
            .first_chunk::<2>()
            .expect("a two-letter code");
        let Some(attribution) = attribution else {
            return Who {
                cc: unknown,
                asn: 0,
                name: "",
                research: None,
            };
        };
        let about = attribution.attribute(source);
        Who {
            cc: about.country.map_or(unknown, |(cc, _)| cc),
            asn: about.asn.map_or(0, |a| a.asn),
            name: about.asn.map_or("", |a| a.name),
            research: about.research_organisation,
        }
    }
}

impl Default for RollupBuilder {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Folding the events early and often gives the same roll-up as
        /// folding them once at the end.
        #[test]
        fn compaction_changes_nothing(
            recs in proptest::collection::vec(
                (0i64..(3 * 86_400 * 1_000_000_000), 0u32..30, any::<bool>(), proptest::option::of(0u16..20), 0u16..32),
                0..300,
            ),
            every in 1usize..50,
        ) {
            let mut once = RollupBuilder::new();
            let mut often = RollupBuilder { compact_at: every, ..RollupBuilder::new() };
            for &(ts, src, v6, port, tags) in &recs {
                let source = if v6 { AddrKey::V6(u128::from(src) << 64) } else { AddrKey::V4(src) };
                let outcome = Outcome::Decoded { source, protocol: protocol::TCP, dst_port: port, tags: Tags(tags) };
                once.record(ts, 60, outcome);
                often.record(ts, 60, outcome);
            }
            prop_assert_eq!(once.finish(None), often.finish(None));
        }
    }
}
