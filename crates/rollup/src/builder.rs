use std::net::IpAddr;

use hashbrown::HashMap;
use hirundo_fingerprint::Tags;
use hirundo_packet::{protocol, AddrKey};
use hirundo_summary::{Attribution, Outcome, PortProto, UNKNOWN_COUNTRY};

use crate::sketch::source_hash;
use crate::{
    day_of_hour, hour_of, AsnHour, Cell, CellSketch, CountryHour, DaySketch, DaySources,
    HourCounts, PortHour, PortKey, Rollup, SourceDay,
};

/// Accumulates records into a [`Rollup`].
///
/// Per record it bumps one hour counter and at most one (hour, port)
/// counter, gives the source a small number (one probe in a table of the
/// segment's distinct sources), and appends a 32-byte event. Everything per
/// source (its hours, days, ports, first and last packet) comes from
/// sorting those events every [`COMPACT_AT`] and folding the runs: sorting
/// is cheaper than keeping a growing table per (hour, source) whose every
/// lookup misses the cache. Countries, ASes and research organisations are
/// looked up once per distinct source, when it is first seen, never per
/// packet: the research flag then splits the per-port counts as they are
/// made, and the folds know each source's country.
pub struct RollupBuilder<'a> {
    attribution: Option<&'a dyn Attribution>,
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
    /// `hour << 18 | research << 17 | PortKey::to_u32()` → packets.
    ports: HashMap<i64, u64>,
    /// Source address → its number, an index into `sources`.
    v4: HashMap<u32, u32>,
    v6: HashMap<u128, u32>,
    sources: Vec<AddrKey>,
    /// Per source number: what the attribution says of it, and its hash
    /// for the sketches.
    who: Vec<Who<'a>>,
    hashes: Vec<u32>,
    /// One per (source, hour, port) with probes (research scanners and
    /// backscatter left out), folded into cells at the end by one sort:
    /// a table of cells would cost a lookup and a small allocation for
    /// nearly every event, since random-port scans make a cell of most.
    probes: Vec<ProbeRun>,
    /// UTC day → every source of the day.
    day_sketches: HashMap<i64, DaySketch>,
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

/// Probes from one source to one port in one hour.
#[derive(Clone, Copy)]
struct ProbeRun {
    hour: i64,
    port: u32,
    cc: [u8; 2],
    hash: u32,
    probes: u32,
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

impl<'a> RollupBuilder<'a> {
    /// A builder that attributes sources with `attribution` (unknown for
    /// all when `None`).
    pub fn new(attribution: Option<&'a dyn Attribution>) -> Self {
        RollupBuilder {
            attribution,
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
            who: Vec::new(),
            hashes: Vec::new(),
            probes: Vec::new(),
            day_sketches: HashMap::new(),
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

        let next = self.sources.len() as u32;
        let id = match source {
            AddrKey::V4(a) => *self.v4.entry(a).or_insert(next),
            AddrKey::V6(a) => *self.v6.entry(a).or_insert(next),
        };
        if id == next {
            self.sources.push(source);
            self.who
                .push(Who::of(IpAddr::from(source), self.attribution));
            self.hashes.push(source_hash(source));
        }
        let research = self.who[id as usize].research.is_some();
        if research {
            self.hours[self.current].research += 1;
        }
        let port = dst_port
            .and_then(|port| match proto {
                protocol::TCP => Some(PortKey::new(PortProto::Tcp, port)),
                protocol::UDP => Some(PortKey::new(PortProto::Udp, port)),
                _ => None,
            })
            .map_or(NO_PORT, PortKey::to_u32);
        if port != NO_PORT {
            *self
                .ports
                .entry(hour << 18 | i64::from(research) << 17 | i64::from(port))
                .or_default() += 1;
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
            let day_number = day_of_hour(hour);
            let day = self
                .source_days
                .entry((source, day_number))
                .or_insert_with(|| {
                    // First sight of the source this day, in this segment.
                    self.day_sketches
                        .entry(day_number)
                        .or_default()
                        .insert(self.hashes[source as usize]);
                    DayAcc {
                        packets: 0,
                        ports: Vec::new(),
                        tags: Tags::NONE,
                        first_ns: i64::MAX,
                        last_ns: i64::MIN,
                    }
                });
            day.packets += run.len() as u64;
            let who = &self.who[source as usize];
            // Cells count what surge detection looks at: probes. Research
            // scanners announce themselves and backscatter is a victim's
            // replies, not a scan.
            let probing = who.research.is_none();
            let mut last_port = NO_PORT;
            for port_run in run.chunk_by(|a, b| a.port == b.port) {
                let port = port_run[0].port;
                for e in port_run {
                    day.tags |= e.tags;
                    day.first_ns = day.first_ns.min(e.ts_ns);
                    day.last_ns = day.last_ns.max(e.ts_ns);
                }
                if port == NO_PORT {
                    continue;
                }
                // Sorted within the run: a new port is a change.
                if port != last_port {
                    day.ports
                        .push(PortKey::from_u32(port).expect("built by to_u32"));
                    last_port = port;
                }
                let probes = port_run
                    .iter()
                    .filter(|e| !e.tags.contains(Tags::BACKSCATTER))
                    .count() as u64;
                if probing && probes > 0 {
                    self.probes.push(ProbeRun {
                        hour,
                        port,
                        cc: who.cc,
                        hash: self.hashes[source as usize],
                        probes: probes as u32,
                    });
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

    /// The roll-up.
    pub fn finish(mut self) -> Rollup {
        self.compact();
        let builder = self;
        let mut hours = builder.hours;
        hours.sort_unstable_by_key(|h| h.hour);

        // Both halves of a port's hour (research scanners or not) become
        // one row.
        let mut port_rows: HashMap<i64, (u64, u64)> = HashMap::with_capacity(builder.ports.len());
        for (key, packets) in builder.ports {
            let row = port_rows
                .entry(key >> 18 << 17 | key & 0x1_ffff)
                .or_default();
            row.0 += packets;
            if key >> 17 & 1 == 1 {
                row.1 += packets;
            }
        }
        let mut ports: Vec<PortHour> = port_rows
            .into_iter()
            .map(|(key, (packets, research))| {
                let port = PortKey::from_u32((key & 0x1_ffff) as u32)
                    .expect("keys are built from PortKey::to_u32");
                PortHour {
                    hour: key >> 17,
                    proto: port.proto,
                    port: port.port,
                    packets,
                    research,
                }
            })
            .collect();
        ports.sort_unstable_by_key(|p| (p.hour, p.proto, p.port));

        let who = &builder.who;
        let mut countries: HashMap<(i64, [u8; 2]), (u64, u64)> = HashMap::new();
        let mut asns: HashMap<(i64, u32), (u64, u64)> = HashMap::new();
        for (&(source, hour), &packets) in &builder.source_hours {
            let about = &who[source as usize];
            let research = if about.research.is_some() { packets } else { 0 };
            let c = countries.entry((hour, about.cc)).or_default();
            c.0 += packets;
            c.1 += research;
            let a = asns.entry((hour, about.asn)).or_default();
            a.0 += packets;
            a.1 += research;
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
            .map(|((hour, cc), (packets, research))| CountryHour {
                hour,
                cc,
                packets,
                research,
            })
            .collect();
        countries.sort_unstable_by_key(|c| (c.hour, c.cc));
        let mut asns: Vec<AsnHour> = asns
            .into_iter()
            .map(|((hour, asn), (packets, research))| AsnHour {
                hour,
                asn,
                name: names.get(&asn).copied().unwrap_or_default().to_string(),
                packets,
                research,
            })
            .collect();
        asns.sort_unstable_by_key(|a| (a.hour, a.asn));
        days.sort_unstable_by_key(|s| (s.day, s.source));
        let mut probes = builder.probes;
        probes.sort_unstable_by_key(|r| (r.hour, r.port, r.cc, r.hash));
        let mut cells: Vec<Cell> = probes
            .chunk_by(|a, b| (a.hour, a.port, a.cc) == (b.hour, b.port, b.cc))
            .map(|run| Cell {
                hour: run[0].hour,
                port: PortKey::from_u32(run[0].port).expect("built by to_u32"),
                cc: run[0].cc,
                packets: run.iter().map(|r| u64::from(r.probes)).sum(),
                // Sorted by hash: the sketch is the first distinct ones.
                sources: CellSketch::from_sorted(run.iter().map(|r| r.hash)),
            })
            .collect();
        cells.sort_unstable_by_key(|c| (c.hour, c.port, c.cc));
        let mut day_sources: Vec<DaySources> = builder
            .day_sketches
            .into_iter()
            .map(|(day, sources)| DaySources { day, sources })
            .collect();
        day_sources.sort_unstable_by_key(|d| d.day);

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
            cells,
            day_sources,
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

impl Default for RollupBuilder<'_> {
    fn default() -> Self {
        Self::new(None)
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
            let mut once = RollupBuilder::new(None);
            let mut often = RollupBuilder { compact_at: every, ..RollupBuilder::new(None) };
            for &(ts, src, v6, port, tags) in &recs {
                let source = if v6 { AddrKey::V6(u128::from(src) << 64) } else { AddrKey::V4(src) };
                let outcome = Outcome::Decoded { source, protocol: protocol::TCP, dst_port: port, tags: Tags(tags) };
                once.record(ts, 60, outcome);
                often.record(ts, 60, outcome);
            }
            prop_assert_eq!(once.finish(), often.finish());
        }
    }
}
