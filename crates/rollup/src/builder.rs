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
/// source (its hours, days, ports, first and last packet) comes from one
/// sort of those events in [`RollupBuilder::finish`]: sorting is cheaper
/// than keeping a growing table per (hour, source) whose every lookup
/// misses the cache. Countries and ASes are looked up once per distinct
/// source, never per packet.
#[derive(Default)]
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
    /// One per decoded record.
    events: Vec<Event>,
}

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

impl RollupBuilder {
    pub fn new() -> Self {
        Self::default()
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
    pub fn finish(self, attribution: Option<&dyn Attribution>) -> Rollup {
        let mut hours = self.hours;
        hours.sort_unstable_by_key(|h| h.hour);

        let mut ports: Vec<PortHour> = self
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

        let mut events = self.events;
        events.sort_unstable_by_key(|e| (e.source, e.hour, e.port));
        let mut countries: HashMap<(i64, [u8; 2]), u64> = HashMap::new();
        let mut asns: HashMap<(i64, u32), (u64, usize)> = HashMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut days: Vec<SourceDay> = Vec::with_capacity(self.sources.len());
        // Runs of one source, then of one hour within it.
        for run in events.chunk_by(|a, b| a.source == b.source) {
            let address = IpAddr::from(self.sources[run[0].source as usize]);
            let who = Who::of(address, attribution);
            let mut day: Option<SourceDay> = None;
            for hour_run in run.chunk_by(|a, b| a.hour == b.hour) {
                let hour = hour_run[0].hour;
                let packets = hour_run.len() as u64;
                *countries.entry((hour, who.cc)).or_default() += packets;
                asns.entry((hour, who.asn))
                    .or_insert_with(|| {
                        names.push(who.name.clone());
                        (0, names.len() - 1)
                    })
                    .0 += packets;
                let this_day = day_of_hour(hour);
                if day.as_ref().is_some_and(|d| d.day != this_day) {
                    days.extend(day.take().map(close_day));
                }
                let d = day.get_or_insert_with(|| SourceDay {
                    day: this_day,
                    source: address,
                    packets: 0,
                    ports: Vec::new(),
                    tags: Tags::NONE,
                    first_ns: i64::MAX,
                    last_ns: i64::MIN,
                    cc: who.cc,
                    asn: who.asn,
                    research: who.research.clone(),
                });
                d.packets += packets;
                let mut last_port = NO_PORT;
                for e in hour_run {
                    d.tags |= e.tags;
                    d.first_ns = d.first_ns.min(e.ts_ns);
                    d.last_ns = d.last_ns.max(e.ts_ns);
                    // Sorted within the hour: a new port is a change.
                    if e.port != last_port && e.port != NO_PORT {
                        d.ports
                            .push(PortKey::from_u32(e.port).expect("built by to_u32"));
                        last_port = e.port;
                    }
                }
            }
            days.extend(day.map(close_day));
        }

        let mut countries: Vec<CountryHour> = countries
            .into_iter()
            .map(|((hour, cc), packets)| CountryHour { hour, cc, packets })
            .collect();
        countries.sort_unstable_by_key(|c| (c.hour, c.cc));
        let mut asns: Vec<AsnHour> = asns
            .into_iter()
            .map(|((hour, asn), (packets, name))| AsnHour {
                hour,
                asn,
                name: std::mem::take(&mut names[name]),
                packets,
            })
            .collect();
        asns.sort_unstable_by_key(|a| (a.hour, a.asn));
        days.sort_unstable_by_key(|s| (s.day, s.source));

        Rollup {
            packets: self.packets,
            bytes: self.bytes,
            decoded: self.decoded,
            errors: self.errors,
            first_ns: self.first_ns,
            last_ns: self.last_ns,
            hours,
            ports,
            countries,
            asns,
            sources: days,
        }
    }
}

/// A source-day whose ports came from several hours: sorted runs laid end
/// to end, made one sorted set.
fn close_day(mut day: SourceDay) -> SourceDay {
    if !day.ports.is_sorted_by(|a, b| a < b) {
        day.ports.sort_unstable();
        day.ports.dedup();
    }
    day
}

/// What the attribution says of one source, owned.
struct Who {
    cc: [u8; 2],
    asn: u32,
    name: String,
    research: Option<String>,
}

impl Who {
    fn of(source: IpAddr, attribution: Option<&dyn Attribution>) -> Who {
        let unknown = *UNKNOWN_COUNTRY
            .as_bytes()
            .first_chunk::<2>()
            .expect("a two-letter code");
        let Some(attribution) = attribution else {
            return Who {
                cc: unknown,
                asn: 0,
                name: String::new(),
                research: None,
            };
        };
        let about = attribution.attribute(source);
        Who {
            cc: about.country.map_or(unknown, |(cc, _)| cc),
            asn: about.asn.map_or(0, |a| a.asn),
            name: about.asn.map_or(String::new(), |a| a.name.to_string()),
            research: about.research_organisation.map(str::to_string),
        }
    }
}
