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
/// Per record it touches one hour counter, at most one (hour, port)
/// counter and one (hour, source) entry; countries and ASes are worked out
/// per distinct source in [`RollupBuilder::finish`], never per packet.
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
    sources: HashMap<(i64, AddrKey), SourceHour>,
}

/// One source in one hour.
struct SourceHour {
    packets: u64,
    tags: Tags,
    first_ns: i64,
    last_ns: i64,
    /// Sorted, distinct.
    ports: Vec<PortKey>,
}

impl RollupBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records read so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Counts one record.
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

        let port = dst_port.and_then(|port| match proto {
            protocol::TCP => Some(PortKey::new(PortProto::Tcp, port)),
            protocol::UDP => Some(PortKey::new(PortProto::Udp, port)),
            _ => None,
        });
        if let Some(key) = port {
            *self.ports.entry(hour << 17 | i64::from(key.to_u32())).or_default() += 1;
        }
        let entry = self
            .sources
            .entry((hour, source))
            .or_insert_with(|| SourceHour {
                packets: 0,
                tags: Tags::NONE,
                first_ns: ts_ns,
                last_ns: ts_ns,
                ports: Vec::new(),
            });
        entry.packets += 1;
        entry.tags |= tags;
        entry.first_ns = entry.first_ns.min(ts_ns);
        entry.last_ns = entry.last_ns.max(ts_ns);
        if let Some(key) = port {
            if let Err(at) = entry.ports.binary_search(&key) {
                entry.ports.insert(at, key);
            }
        }
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

        let mut who: HashMap<AddrKey, Who> = HashMap::new();
        let mut countries: HashMap<(i64, [u8; 2]), u64> = HashMap::new();
        let mut asns: HashMap<(i64, u32), u64> = HashMap::new();
        let mut days: HashMap<(i64, AddrKey), SourceDay> = HashMap::new();
        for ((hour, source), seen) in self.sources {
            let about = who
                .entry(source)
                .or_insert_with(|| Who::of(IpAddr::from(source), attribution));
            *countries.entry((hour, about.cc)).or_default() += seen.packets;
            *asns.entry((hour, about.asn)).or_default() += seen.packets;
            let day = day_of_hour(hour);
            match days.entry((day, source)) {
                hashbrown::hash_map::Entry::Occupied(mut e) => {
                    let d = e.get_mut();
                    d.packets += seen.packets;
                    d.tags |= seen.tags;
                    d.first_ns = d.first_ns.min(seen.first_ns);
                    d.last_ns = d.last_ns.max(seen.last_ns);
                    d.ports = PortKey::union(&d.ports, &seen.ports);
                }
                hashbrown::hash_map::Entry::Vacant(e) => {
                    e.insert(SourceDay {
                        day,
                        source: IpAddr::from(source),
                        packets: seen.packets,
                        ports: seen.ports,
                        tags: seen.tags,
                        first_ns: seen.first_ns,
                        last_ns: seen.last_ns,
                        cc: about.cc,
                        asn: about.asn,
                        research: about.research.clone(),
                    });
                }
            }
        }

        let mut countries: Vec<CountryHour> = countries
            .into_iter()
            .map(|((hour, cc), packets)| CountryHour { hour, cc, packets })
            .collect();
        countries.sort_unstable_by_key(|c| (c.hour, c.cc));
        let names: HashMap<u32, &str> = who.values().map(|w| (w.asn, w.name.as_str())).collect();
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
        let mut sources: Vec<SourceDay> = days.into_values().collect();
        sources.sort_unstable_by_key(|s| (s.day, s.source));

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
            sources,
        }
    }
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
