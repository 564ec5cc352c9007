//! The SQLite store against hand-made roll-ups and an in-test model that
//! sums them naively: exactly-once commits, every view's numbers and
//! order, source-day merging, persistence, refusal of foreign files, the
//! sensor registry, health and refused uploads.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use hirundo_fingerprint::Tags;
use hirundo_rollup::{
    AsnHour, CountryHour, ErrorCounts, HourCounts, PortHour, PortKey, PortProto, Rollup, SourceDay,
};
use hirundo_store::{
    AsnTotal, Committed, CountryTotal, DayRange, Filter, HourRange, HourTotal, NetworkType,
    NewSegment, NewSensor, PortTotal, Rejection, RejectionCount, SensorHealth, SensorId,
    SourceDayRow, SqliteStore, Store, StoreError, TokenHash, Totals,
};
use proptest::prelude::*;
use tempfile::TempDir;

// --- fixtures ---

/// The first hour of UTC day 20,000.
const H0: i64 = 20_000 * 24;
const D0: i64 = 20_000;
const NS_PER_HOUR: i64 = 3_600 * 1_000_000_000;

fn file_store() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("hirundo.db")).unwrap();
    (dir, store)
}

fn new_sensor(name: &str) -> NewSensor {
    NewSensor {
        name: name.to_string(),
        country: "BR".to_string(),
        network_type: NetworkType::Campus,
        addresses: vec!["192.0.2.0/24".to_string(), "2001:db8:1::/48".to_string()],
    }
}

fn token(n: u8) -> TokenHash {
    TokenHash([n; 32])
}

fn add(store: &SqliteStore, name: &str, n: u8) -> SensorId {
    store.add_sensor(&new_sensor(name), &token(n)).unwrap().id
}

fn seg(sensor: SensorId, seq: u64, sha: u8) -> NewSegment {
    NewSegment {
        sensor,
        seq,
        sha256: [sha; 32],
        size: 1_000 + seq,
        received_ns: 5_000 + seq as i64,
        archive: format!("archive/{sensor}/{seq}.cap.zst"),
    }
}

fn tcp(port: u16) -> PortKey {
    PortKey::new(PortProto::Tcp, port)
}

fn udp(port: u16) -> PortKey {
    PortKey::new(PortProto::Udp, port)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn hour(hour: i64, packets: u64, decoded: u64, tcp: u64, udp: u64, icmp: u64) -> HourCounts {
    HourCounts {
        hour,
        packets,
        bytes: packets * 100,
        decoded,
        tcp,
        udp,
        icmp,
        icmpv6: 0,
        other: decoded - tcp - udp - icmp,
        research: 0,
    }
}

fn port(hour: i64, key: PortKey, packets: u64) -> PortHour {
    PortHour {
        hour,
        proto: key.proto,
        port: key.port,
        packets,
        research: 0,
    }
}

fn country(hour: i64, cc: &str, packets: u64) -> CountryHour {
    CountryHour {
        hour,
        cc: cc.as_bytes().try_into().unwrap(),
        packets,
        research: 0,
    }
}

fn asn(hour: i64, asn: u32, name: &str, packets: u64) -> AsnHour {
    AsnHour {
        hour,
        asn,
        name: name.to_string(),
        packets,
        research: 0,
    }
}

#[allow(clippy::too_many_arguments)]
fn source(
    day: i64,
    addr: &str,
    packets: u64,
    ports: &[PortKey],
    tags: Tags,
    (first_ns, last_ns): (i64, i64),
    cc: &str,
    asn: u32,
    research: Option<&str>,
) -> SourceDay {
    SourceDay {
        day,
        source: ip(addr),
        packets,
        ports: ports.to_vec(),
        tags,
        first_ns,
        last_ns,
        cc: cc.as_bytes().try_into().unwrap(),
        asn,
        research: research.map(str::to_string),
    }
}

/// Completes a roll-up's segment totals from its hours, as a builder would.
fn finish(mut r: Rollup, errors: ErrorCounts) -> Rollup {
    r.packets = r.hours.iter().map(|h| h.packets).sum();
    r.bytes = r.hours.iter().map(|h| h.bytes).sum();
    r.decoded = r.hours.iter().map(|h| h.decoded).sum();
    assert_eq!(
        r.decoded + errors.total(),
        r.packets,
        "fixture is inconsistent"
    );
    r.errors = errors;
    let first = r.hours.first().map(|h| h.hour * NS_PER_HOUR);
    let last = r.hours.last().map(|h| h.hour * NS_PER_HOUR + 59);
    r.first_ns = first;
    r.last_ns = last;
    r
}

/// Sensor a's segment: two hours of day D0, with ties in every view.
fn rollup_a() -> Rollup {
    finish(
        Rollup {
            hours: vec![hour(H0, 10, 8, 5, 2, 1), hour(H0 + 1, 6, 6, 3, 3, 0)],
            ports: vec![
                port(H0, tcp(22), 2),
                port(H0, tcp(80), 3),
                port(H0, udp(53), 2),
                port(H0 + 1, tcp(23), 2),
                port(H0 + 1, tcp(80), 1),
                port(H0 + 1, udp(80), 2),
            ],
            countries: vec![
                country(H0, "BR", 5),
                country(H0, "ZZ", 3),
                country(H0 + 1, "US", 6),
            ],
            asns: vec![
                asn(H0, 0, "", 3),
                asn(H0, 100, "Alpha", 5),
                asn(H0 + 1, 200, "Beta", 6),
            ],
            sources: vec![
                source(
                    D0,
                    "203.0.113.9",
                    8,
                    &[tcp(22), tcp(80)],
                    Tags::MIRAI,
                    (H0 * NS_PER_HOUR + 10, H0 * NS_PER_HOUR + 20),
                    "BR",
                    100,
                    None,
                ),
                source(
                    D0,
                    "2001:db8::9",
                    6,
                    &[udp(80)],
                    Tags::NONE,
                    (H0 * NS_PER_HOUR + 30, (H0 + 1) * NS_PER_HOUR),
                    "US",
                    200,
                    Some("Example Research"),
                ),
            ],
            ..Rollup::default()
        },
        ErrorCounts {
            truncated: 1,
            not_ip: 1,
            ..ErrorCounts::default()
        },
    )
}

/// Sensor b's segment: one hour shared with a, one on the next day.
fn rollup_b() -> Rollup {
    finish(
        Rollup {
            hours: vec![hour(H0 + 1, 4, 3, 1, 2, 0), hour(H0 + 24, 5, 5, 5, 0, 0)],
            ports: vec![
                port(H0 + 1, tcp(80), 1),
                port(H0 + 1, udp(53), 2),
                port(H0 + 24, tcp(443), 5),
            ],
            countries: vec![country(H0 + 1, "BR", 3), country(H0 + 24, "US", 5)],
            asns: vec![
                asn(H0 + 1, 100, "Alpha Networks", 3),
                asn(H0 + 24, 200, "", 5),
            ],
            sources: vec![
                source(
                    D0,
                    "203.0.113.9",
                    3,
                    &[tcp(23), tcp(80)],
                    Tags::ZMAP,
                    (H0 * NS_PER_HOUR + 5, H0 * NS_PER_HOUR + 15),
                    "BR",
                    100,
                    None,
                ),
                source(
                    D0 + 1,
                    "198.51.100.7",
                    5,
                    &[tcp(443)],
                    Tags::NONE,
                    ((H0 + 24) * NS_PER_HOUR, (H0 + 24) * NS_PER_HOUR + 1),
                    "ZZ",
                    0,
                    None,
                ),
            ],
            ..Rollup::default()
        },
        ErrorCounts {
            malformed: 1,
            ..ErrorCounts::default()
        },
    )
}

// --- the model: every view computed naively from the roll-ups ---

#[derive(Default)]
struct Model {
    /// Committed segments, in commit order.
    segments: Vec<(SensorId, Rollup)>,
}

impl Model {
    fn picks(&self, f: &Filter, sensor: SensorId, hour: i64) -> bool {
        f.sensor.is_none_or(|s| s == sensor) && f.hours.from <= hour && hour < f.hours.to
    }

    fn totals(&self, f: &Filter) -> Totals {
        let mut t = Totals::default();
        for (sensor, r) in &self.segments {
            for h in r.hours.iter().filter(|h| self.picks(f, *sensor, h.hour)) {
                t.packets += h.packets;
                t.bytes += h.bytes;
                t.decoded += h.decoded;
                t.tcp += h.tcp;
                t.udp += h.udp;
                t.icmp += h.icmp;
                t.icmpv6 += h.icmpv6;
                t.other += h.other;
            }
            if f.sensor.is_none_or(|s| s == *sensor) {
                t.segments += 1;
                if f.hours == HourRange::ALL {
                    t.errors.truncated += r.errors.truncated;
                    t.errors.unsupported_link += r.errors.unsupported_link;
                    t.errors.not_ip += r.errors.not_ip;
                    t.errors.malformed += r.errors.malformed;
                }
            }
        }
        t
    }

    fn ports(&self, f: &Filter, limit: Option<usize>) -> Vec<PortTotal> {
        let mut sums: BTreeMap<(PortProto, u16), u64> = BTreeMap::new();
        for (sensor, r) in &self.segments {
            for p in r.ports.iter().filter(|p| self.picks(f, *sensor, p.hour)) {
                *sums.entry((p.proto, p.port)).or_default() += p.packets;
            }
        }
        let mut out: Vec<PortTotal> = sums
            .into_iter()
            .map(|((proto, port), packets)| PortTotal {
                proto,
                port,
                packets,
            })
            .collect();
        out.sort_by_key(|p| (std::cmp::Reverse(p.packets), p.proto, p.port));
        out.truncate(limit.unwrap_or(usize::MAX));
        out
    }

    fn countries(&self, f: &Filter, limit: Option<usize>) -> Vec<CountryTotal> {
        let mut sums: BTreeMap<String, u64> = BTreeMap::new();
        for (sensor, r) in &self.segments {
            for c in r
                .countries
                .iter()
                .filter(|c| self.picks(f, *sensor, c.hour))
            {
                *sums
                    .entry(String::from_utf8(c.cc.to_vec()).unwrap())
                    .or_default() += c.packets;
            }
        }
        let mut out: Vec<CountryTotal> = sums
            .into_iter()
            .map(|(cc, packets)| CountryTotal { cc, packets })
            .collect();
        out.sort_by(|a, b| b.packets.cmp(&a.packets).then(a.cc.cmp(&b.cc)));
        out.truncate(limit.unwrap_or(usize::MAX));
        out
    }

    fn asns(&self, f: &Filter, limit: Option<usize>) -> Vec<AsnTotal> {
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        let mut sums: BTreeMap<u32, u64> = BTreeMap::new();
        for (sensor, r) in &self.segments {
            for a in &r.asns {
                if !a.name.is_empty() {
                    names.insert(a.asn, a.name.clone());
                }
            }
            for a in r.asns.iter().filter(|a| self.picks(f, *sensor, a.hour)) {
                *sums.entry(a.asn).or_default() += a.packets;
            }
        }
        let mut out: Vec<AsnTotal> = sums
            .into_iter()
            .map(|(asn, packets)| AsnTotal {
                asn,
                name: names.get(&asn).cloned().unwrap_or_default(),
                packets,
            })
            .collect();
        out.sort_by_key(|a| (std::cmp::Reverse(a.packets), a.asn));
        out.truncate(limit.unwrap_or(usize::MAX));
        out
    }

    fn hours(&self, f: &Filter) -> Vec<HourTotal> {
        let mut sums: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
        for (sensor, r) in &self.segments {
            for h in r.hours.iter().filter(|h| self.picks(f, *sensor, h.hour)) {
                let e = sums.entry(h.hour).or_default();
                e.0 += h.packets;
                e.1 += h.bytes;
            }
        }
        sums.into_iter()
            .map(|(hour, (packets, bytes))| HourTotal {
                hour,
                packets,
                bytes,
            })
            .collect()
    }

    fn source_days(&self, days: DayRange, limit: Option<usize>) -> Vec<SourceDayRow> {
        let mut rows: BTreeMap<(i64, IpAddr), SourceDayRow> = BTreeMap::new();
        for (sensor, r) in &self.segments {
            for s in r
                .sources
                .iter()
                .filter(|s| days.from <= s.day && s.day < days.to)
            {
                let cc = String::from_utf8(s.cc.to_vec()).unwrap();
                match rows.get_mut(&(s.day, s.source)) {
                    None => {
                        rows.insert(
                            (s.day, s.source),
                            SourceDayRow {
                                day: s.day,
                                source: s.source,
                                packets: s.packets,
                                ports: s.ports.clone(),
                                tags: s.tags,
                                first_ns: s.first_ns,
                                last_ns: s.last_ns,
                                cc,
                                asn: s.asn,
                                research: s.research.clone(),
                                sensors: vec![*sensor],
                            },
                        );
                    }
                    Some(row) => {
                        row.packets += s.packets;
                        let ports: BTreeSet<PortKey> =
                            row.ports.iter().chain(&s.ports).copied().collect();
                        row.ports = ports.into_iter().collect();
                        row.tags |= s.tags;
                        row.first_ns = row.first_ns.min(s.first_ns);
                        row.last_ns = row.last_ns.max(s.last_ns);
                        if row.cc == "ZZ" {
                            row.cc = cc;
                        }
                        if row.asn == 0 {
                            row.asn = s.asn;
                        }
                        if row.research.is_none() {
                            row.research = s.research.clone();
                        }
                        if !row.sensors.contains(sensor) {
                            row.sensors.push(*sensor);
                            row.sensors.sort_unstable();
                        }
                    }
                }
            }
        }
        let mut out: Vec<SourceDayRow> = rows.into_values().collect();
        out.sort_by_key(|r| (std::cmp::Reverse(r.packets), r.day, r.source));
        out.truncate(limit.unwrap_or(usize::MAX));
        out
    }

    /// Asserts that every view of `store` equals the model's under `f`.
    fn check(&self, store: &SqliteStore, f: &Filter) {
        let got = store.totals(f).unwrap();
        let mut want = self.totals(f);
        if f.hours != HourRange::ALL {
            // Errors by reason are attributed within a segment's hours; only
            // their sum per hour is exact.
            assert_eq!(
                got.decoded + got.errors.total(),
                got.packets,
                "errors under {f:?}"
            );
            want.errors = got.errors;
        }
        assert_eq!(got, want, "totals under {f:?}");
        assert_eq!(got.decoded + got.errors.total(), got.packets);
        for limit in [None, Some(0), Some(1), Some(3)] {
            assert_eq!(
                store.ports(f, limit).unwrap(),
                self.ports(f, limit),
                "ports under {f:?}, limit {limit:?}"
            );
            assert_eq!(
                store.countries(f, limit).unwrap(),
                self.countries(f, limit),
                "countries under {f:?}, limit {limit:?}"
            );
            assert_eq!(
                store.asns(f, limit).unwrap(),
                self.asns(f, limit),
                "asns under {f:?}, limit {limit:?}"
            );
        }
        assert_eq!(store.hours(f).unwrap(), self.hours(f), "hours under {f:?}");
    }
}

fn commit_new(store: &SqliteStore, model: &mut Model, segment: NewSegment, rollup: Rollup) {
    assert_eq!(
        store.commit_segment(&segment, &rollup).unwrap(),
        Committed::New
    );
    model.segments.push((segment.sensor, rollup));
}

// --- exactly once ---

#[test]
fn a_segment_committed_twice_counts_once() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let rollup = rollup_a();
    assert_eq!(
        store.commit_segment(&seg(a, 7, 0xAA), &rollup).unwrap(),
        Committed::New
    );
    let once = store.totals(&Filter::ALL).unwrap();
    assert_eq!((once.packets, once.decoded, once.segments), (16, 14, 1));

    assert_eq!(
        store.commit_segment(&seg(a, 7, 0xAA), &rollup).unwrap(),
        Committed::Duplicate
    );
    assert_eq!(store.totals(&Filter::ALL).unwrap(), once);

    // Same sequence, other content: refused, and the stored hash named.
    assert_eq!(
        store.commit_segment(&seg(a, 7, 0xBB), &rollup_b()).unwrap(),
        Committed::Conflict {
            stored_sha256: [0xAA; 32]
        }
    );
    assert_eq!(store.totals(&Filter::ALL).unwrap(), once);
    assert_eq!(store.ports(&Filter::ALL, None).unwrap().len(), 5);
    assert_eq!(store.source_days(DayRange::ALL, None).unwrap().len(), 2);

    let stored = store.segment(a, 7).unwrap().unwrap();
    assert_eq!(stored.sha256, [0xAA; 32]);
    assert_eq!(stored.packets, 16);
    assert_eq!(stored.size, 1_007);
    assert_eq!(stored.archive, format!("archive/{a}/7.cap.zst"));
    assert_eq!(stored.first_ns, Some(H0 * NS_PER_HOUR));
    assert_eq!(stored.last_ns, Some((H0 + 1) * NS_PER_HOUR + 59));
    assert_eq!(store.segment(a, 8).unwrap(), None);
    assert_eq!(store.segments(None).unwrap(), vec![stored]);
}

#[test]
fn a_segment_of_an_unknown_sensor_is_refused_and_adds_nothing() {
    let (_dir, store) = file_store();
    let err = store
        .commit_segment(&seg(42, 1, 1), &rollup_a())
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("42")),
        "{err}"
    );
    assert_eq!(store.totals(&Filter::ALL).unwrap(), Totals::default());
    assert!(store.segments(None).unwrap().is_empty());
}

#[test]
fn a_country_code_that_is_not_ascii_is_refused_before_anything_is_written() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let mut rollup = rollup_a();
    rollup.countries[0].cc = [0xC3, 0xA9];
    let err = store.commit_segment(&seg(a, 1, 1), &rollup).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(store.segment(a, 1).unwrap(), None);
    assert_eq!(store.totals(&Filter::ALL).unwrap(), Totals::default());
}

// --- views ---

#[test]
fn two_sensors_add_up_per_sensor_and_overall() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let b = add(&store, "b", 2);
    let mut model = Model::default();
    commit_new(&store, &mut model, seg(a, 1, 1), rollup_a());
    commit_new(&store, &mut model, seg(b, 1, 2), rollup_b());

    for sensor in [None, Some(a), Some(b), Some(999)] {
        for hours in [
            HourRange::ALL,
            HourRange {
                from: H0,
                to: H0 + 1,
            },
            HourRange {
                from: H0 + 1,
                to: H0 + 25,
            },
            HourRange { from: 0, to: H0 },
        ] {
            model.check(
                &store,
                &Filter {
                    hours,
                    sensor,
                    exclude_research: false,
                },
            );
        }
    }

    // The same numbers, written out: the model could share a mistake.
    let all = store.totals(&Filter::ALL).unwrap();
    assert_eq!(
        all,
        Totals {
            packets: 25,
            bytes: 2_500,
            decoded: 22,
            errors: ErrorCounts {
                truncated: 1,
                unsupported_link: 0,
                not_ip: 1,
                malformed: 1,
            },
            tcp: 14,
            udp: 7,
            icmp: 1,
            icmpv6: 0,
            other: 0,
            research: 0,
            segments: 2,
        }
    );
    let p = |proto, port, packets| PortTotal {
        proto,
        port,
        packets,
    };
    use PortProto::{Tcp, Udp};
    // 5 packets each to tcp/80 and tcp/443: by port. 4 to udp/53; then 2
    // each to tcp/22, tcp/23 and udp/80: TCP first, then by port.
    assert_eq!(
        store.ports(&Filter::ALL, None).unwrap(),
        vec![
            p(Tcp, 80, 5),
            p(Tcp, 443, 5),
            p(Udp, 53, 4),
            p(Tcp, 22, 2),
            p(Tcp, 23, 2),
            p(Udp, 80, 2),
        ]
    );
    assert_eq!(
        store.ports(&Filter::ALL, Some(2)).unwrap(),
        vec![p(Tcp, 80, 5), p(Tcp, 443, 5)]
    );
    let c = |cc: &str, packets| CountryTotal {
        cc: cc.to_string(),
        packets,
    };
    assert_eq!(
        store.countries(&Filter::ALL, None).unwrap(),
        vec![c("US", 11), c("BR", 8), c("ZZ", 3)]
    );
    let a_only = Filter {
        hours: HourRange::ALL,
        sensor: Some(a),
        exclude_research: false,
    };
    assert_eq!(
        store.countries(&a_only, None).unwrap(),
        vec![c("US", 6), c("BR", 5), c("ZZ", 3)]
    );
    let n = |asn, name: &str, packets| AsnTotal {
        asn,
        name: name.to_string(),
        packets,
    };
    // AS 200's later segment had no name: the earlier one stays. AS 100
    // was renamed by the later segment.
    assert_eq!(
        store.asns(&Filter::ALL, None).unwrap(),
        vec![n(200, "Beta", 11), n(100, "Alpha Networks", 8), n(0, "", 3)]
    );
    let h = |hour, packets| HourTotal {
        hour,
        packets,
        bytes: packets * 100,
    };
    assert_eq!(
        store.hours(&Filter::ALL).unwrap(),
        vec![h(H0, 10), h(H0 + 1, 10), h(H0 + 24, 5)]
    );
    assert_eq!(store.totals(&a_only).unwrap().segments, 1);
    assert_eq!(
        store
            .totals(&Filter {
                hours: HourRange { from: 0, to: 1 },
                sensor: None,
                exclude_research: false,
            })
            .unwrap(),
        Totals {
            segments: 2,
            ..Totals::default()
        }
    );
}

#[test]
fn errors_stay_exact_per_hour_when_a_segment_spans_hours() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let rollup = finish(
        Rollup {
            hours: vec![hour(H0, 10, 7, 7, 0, 0), hour(H0 + 1, 10, 6, 6, 0, 0)],
            ..Rollup::default()
        },
        ErrorCounts {
            truncated: 2,
            unsupported_link: 0,
            not_ip: 4,
            malformed: 1,
        },
    );
    store.commit_segment(&seg(a, 1, 1), &rollup).unwrap();
    let first = store
        .totals(&Filter {
            hours: HourRange {
                from: H0,
                to: H0 + 1,
            },
            sensor: None,
            exclude_research: false,
        })
        .unwrap();
    let second = store
        .totals(&Filter {
            hours: HourRange {
                from: H0 + 1,
                to: H0 + 2,
            },
            sensor: Some(a),
            exclude_research: false,
        })
        .unwrap();
    assert_eq!(
        (first.packets, first.decoded, first.errors.total()),
        (10, 7, 3)
    );
    assert_eq!(
        (second.packets, second.decoded, second.errors.total()),
        (10, 6, 4)
    );
    // The reasons taken in order: both truncated and one not-IP in the
    // first hour, the rest in the second.
    assert_eq!((first.errors.truncated, first.errors.not_ip), (2, 1));
    assert_eq!((second.errors.not_ip, second.errors.malformed), (3, 1));
    assert_eq!(store.totals(&Filter::ALL).unwrap().errors, rollup.errors);
}

// --- source-days ---

#[test]
fn source_days_merge_across_segments_and_sensors() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let b = add(&store, "b", 2);
    let mut model = Model::default();
    commit_new(&store, &mut model, seg(a, 1, 1), rollup_a());
    commit_new(&store, &mut model, seg(b, 1, 2), rollup_b());
    // A later segment of a: the IPv6 source again, with what was unknown
    // now known and what was known now different (which must not win).
    let later = Rollup {
        sources: vec![
            source(
                D0,
                "2001:db8::9",
                2,
                &[tcp(22), udp(80)],
                Tags::BACKSCATTER,
                (H0 * NS_PER_HOUR, H0 * NS_PER_HOUR + 40),
                "DE",
                300,
                Some("Other Research"),
            ),
            source(
                D0 + 1,
                "198.51.100.7",
                1,
                &[],
                Tags::SPOOFED,
                ((H0 + 25) * NS_PER_HOUR, (H0 + 25) * NS_PER_HOUR),
                "NL",
                64_500,
                Some("Late Research"),
            ),
        ],
        ..Rollup::default()
    };
    commit_new(&store, &mut model, seg(a, 2, 3), later);

    let rows = store.source_days(DayRange::ALL, None).unwrap();
    assert_eq!(rows, model.source_days(DayRange::ALL, None));
    let v4 = SourceDayRow {
        day: D0,
        source: ip("203.0.113.9"),
        packets: 11,
        ports: vec![tcp(22), tcp(23), tcp(80)],
        tags: Tags::MIRAI | Tags::ZMAP,
        first_ns: H0 * NS_PER_HOUR + 5,
        last_ns: H0 * NS_PER_HOUR + 20,
        cc: "BR".to_string(),
        asn: 100,
        research: None,
        sensors: vec![a, b],
    };
    let v6 = SourceDayRow {
        day: D0,
        source: ip("2001:db8::9"),
        packets: 8,
        ports: vec![tcp(22), udp(80)],
        tags: Tags::BACKSCATTER,
        first_ns: H0 * NS_PER_HOUR,
        last_ns: (H0 + 1) * NS_PER_HOUR,
        cc: "US".to_string(),
        asn: 200,
        research: Some("Example Research".to_string()),
        sensors: vec![a],
    };
    let next_day = SourceDayRow {
        day: D0 + 1,
        source: ip("198.51.100.7"),
        packets: 6,
        ports: vec![tcp(443)],
        tags: Tags::SPOOFED,
        first_ns: (H0 + 24) * NS_PER_HOUR,
        last_ns: (H0 + 25) * NS_PER_HOUR,
        cc: "NL".to_string(),
        asn: 64_500,
        research: Some("Late Research".to_string()),
        sensors: vec![a, b],
    };
    assert_eq!(rows, vec![v4.clone(), v6.clone(), next_day.clone()]);

    assert_eq!(
        store
            .source_days(
                DayRange {
                    from: D0,
                    to: D0 + 1
                },
                None
            )
            .unwrap(),
        vec![v4.clone(), v6]
    );
    assert_eq!(
        store
            .source_days(
                DayRange {
                    from: D0 + 1,
                    to: i64::MAX
                },
                None
            )
            .unwrap(),
        vec![next_day]
    );
    assert_eq!(store.source_days(DayRange::ALL, Some(1)).unwrap(), vec![v4]);
    assert!(store
        .source_days(DayRange::ALL, Some(0))
        .unwrap()
        .is_empty());
}

#[test]
fn source_days_tie_on_packets_by_day_then_address_ipv4_first() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let one = |day, addr| source(day, addr, 4, &[], Tags::NONE, (0, 0), "ZZ", 0, None);
    let rollup = Rollup {
        sources: vec![
            one(D0 + 1, "10.0.0.1"),
            one(D0, "::1"),
            one(D0, "255.255.255.255"),
            one(D0, "9.0.0.0"),
            one(D0, "10.0.0.0"),
        ],
        ..Rollup::default()
    };
    store.commit_segment(&seg(a, 1, 1), &rollup).unwrap();
    let order: Vec<(i64, IpAddr)> = store
        .source_days(DayRange::ALL, None)
        .unwrap()
        .into_iter()
        .map(|r| (r.day, r.source))
        .collect();
    assert_eq!(
        order,
        vec![
            (D0, ip("9.0.0.0")),
            (D0, ip("10.0.0.0")),
            (D0, ip("255.255.255.255")),
            (D0, ip("::1")),
            (D0 + 1, ip("10.0.0.1")),
        ]
    );
}

#[test]
fn a_damaged_port_list_is_an_error_naming_the_row_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hirundo.db");
    let store = SqliteStore::open(&path).unwrap();
    let a = add(&store, "a", 1);
    store.commit_segment(&seg(a, 1, 1), &rollup_a()).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE source_day SET ports = x'0200' WHERE source = x'cb007109'",
        [],
    )
    .unwrap();
    drop(raw);

    let err = store.source_days(DayRange::ALL, None).unwrap_err();
    let StoreError::Backend(why) = &err else {
        panic!("{err}")
    };
    assert!(
        why.contains("source_day") && why.contains("203.0.113.9"),
        "{why}"
    );
    assert!(why.contains("ports"), "{why}");

    // Merging into the damaged row fails the whole commit: nothing of it
    // is stored.
    let before = store.totals(&Filter::ALL).unwrap();
    let err = store
        .commit_segment(&seg(a, 2, 2), &rollup_a())
        .unwrap_err();
    let StoreError::Backend(why) = &err else {
        panic!("{err}")
    };
    assert!(
        why.contains("source_day row (day 20000, source 203.0.113.9)"),
        "{why}"
    );
    assert_eq!(store.segment(a, 2).unwrap(), None);
    assert_eq!(store.totals(&Filter::ALL).unwrap(), before);
}

// --- persistence and files ---

#[test]
fn everything_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hirundo.db");
    let mut model = Model::default();
    let (a, b) = {
        let store = SqliteStore::open(&path).unwrap();
        let a = add(&store, "a", 1);
        let b = add(&store, "b", 2);
        commit_new(&store, &mut model, seg(a, 1, 1), rollup_a());
        commit_new(&store, &mut model, seg(b, 1, 2), rollup_b());
        store.set_enabled("b", false).unwrap();
        (a, b)
    };
    let store = SqliteStore::open(&path).unwrap();
    model.check(&store, &Filter::ALL);
    assert_eq!(
        store.source_days(DayRange::ALL, None).unwrap(),
        model.source_days(DayRange::ALL, None)
    );
    assert_eq!(store.segments(Some(b)).unwrap().len(), 1);
    assert_eq!(store.segments(None).unwrap().len(), 2);
    let sensors = store.sensors().unwrap();
    assert_eq!(
        sensors
            .iter()
            .map(|s| (s.id, s.enabled))
            .collect::<Vec<_>>(),
        vec![(a, true), (b, false)]
    );
    // Committing after reopening still counts exactly once.
    assert_eq!(
        store.commit_segment(&seg(a, 1, 1), &rollup_a()).unwrap(),
        Committed::Duplicate
    );
    commit_new(&store, &mut model, seg(a, 2, 9), rollup_a());
    model.check(&store, &Filter::ALL);
}

#[test]
fn the_file_is_a_wal_database_marked_as_hirundo_s() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new").with_extension("db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let pragma = |name: &str| -> String {
        raw.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(s) => s,
            other => format!("{other:?}"),
        })
        .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "wal");
    assert_eq!(pragma("user_version"), "3");
    assert_eq!(
        pragma("application_id"),
        i32::from_be_bytes(*b"hiru").to_string()
    );
    assert_eq!(pragma("page_size"), "16384");
}

fn incompatible(path: &Path) -> (String, String) {
    match SqliteStore::open(path) {
        Err(StoreError::Incompatible { path, why }) => (path, why),
        Err(other) => panic!("expected Incompatible, got {other}"),
        Ok(_) => panic!("expected Incompatible, got a store"),
    }
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let text = b"These are not the tables you are looking for.\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let (shown, why) = incompatible(&path);
    assert_eq!(shown, path.display().to_string());
    assert!(why.contains("not an SQLite database"), "{why}");
    assert_eq!(std::fs::read(&path).unwrap(), text);
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn a_database_of_a_newer_hirundo_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hirundo.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        add(&store, "a", 1);
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let (shown, why) = incompatible(&path);
    assert_eq!(shown, path.display().to_string());
    assert!(why.contains("newer hirundo") && why.contains("99"), "{why}");
}

#[test]
fn another_program_s_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    drop(raw);
    let (_, why) = incompatible(&path);
    assert!(why.contains("not a hirundo store"), "{why}");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "application_id", 42).unwrap();
    drop(raw);
    let (_, why) = incompatible(&path);
    assert!(
        why.contains("another program") && why.contains("0x2a"),
        "{why}"
    );
}

#[test]
fn a_missing_directory_is_a_backend_error_that_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/hirundo.db");
    match SqliteStore::open(&path) {
        Err(StoreError::Backend(why)) => {
            assert!(why.contains(&path.display().to_string()), "{why}")
        }
        Err(other) => panic!("expected Backend, got {other}"),
        Ok(_) => panic!("opened a file in a missing directory"),
    }
}

// --- registry ---

#[test]
fn sensors_register_rotate_tokens_and_toggle() {
    let (_dir, store) = file_store();
    let zed = store.add_sensor(&new_sensor("zed"), &token(1)).unwrap();
    assert!(zed.enabled);
    assert_eq!(
        (zed.country.as_str(), zed.network_type),
        ("BR", NetworkType::Campus)
    );
    assert!(zed.created_ns > 1_700_000_000_000_000_000);
    let mut alpha = new_sensor("alpha.1");
    alpha.network_type = NetworkType::Ix;
    alpha.addresses = vec!["198.51.100.0/24".to_string()];
    let alpha = store.add_sensor(&alpha, &token(2)).unwrap();
    assert_ne!(alpha.id, zed.id);

    assert_eq!(store.sensors().unwrap(), vec![alpha.clone(), zed.clone()]);
    assert_eq!(store.sensor("zed").unwrap(), Some(zed.clone()));
    assert_eq!(store.sensor("nobody").unwrap(), None);
    assert_eq!(store.sensor_by_token(&token(1)).unwrap(), Some(zed.clone()));

    // Rotation: the old token stops working at once.
    store.set_token("zed", &token(3)).unwrap();
    assert_eq!(store.sensor_by_token(&token(1)).unwrap(), None);
    assert_eq!(store.sensor_by_token(&token(3)).unwrap(), Some(zed.clone()));

    // Disabled sensors are still found by token, and say so.
    store.set_enabled("zed", false).unwrap();
    let disabled = store.sensor_by_token(&token(3)).unwrap().unwrap();
    assert!(!disabled.enabled);
    assert_eq!(store.sensor("zed").unwrap(), Some(disabled));
    store.set_enabled("zed", true).unwrap();
    assert!(store.sensor("zed").unwrap().unwrap().enabled);

    assert_eq!(
        store.sensor_addresses("zed").unwrap(),
        vec!["192.0.2.0/24", "2001:db8:1::/48"]
    );
    assert_eq!(
        store.sensor_addresses("alpha.1").unwrap(),
        vec!["198.51.100.0/24"]
    );
}

#[test]
fn registry_errors_say_what_is_wrong() {
    let (_dir, store) = file_store();
    add(&store, "zed", 1);
    assert!(matches!(
        store.add_sensor(&new_sensor("zed"), &token(9)),
        Err(StoreError::SensorExists(name)) if name == "zed"
    ));
    assert!(matches!(
        store.add_sensor(&new_sensor("bad name"), &token(9)),
        Err(StoreError::Invalid(_))
    ));
    let mut lower = new_sensor("ok");
    lower.country = "br".to_string();
    assert!(matches!(
        store.add_sensor(&lower, &token(9)),
        Err(StoreError::Invalid(_))
    ));
    // A token another sensor holds.
    assert!(matches!(
        store.add_sensor(&new_sensor("other"), &token(1)),
        Err(StoreError::Invalid(_))
    ));
    add(&store, "other", 2);
    assert!(matches!(
        store.set_token("other", &token(1)),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.sensor_by_token(&token(2)).unwrap().unwrap().name,
        "other"
    );

    for result in [
        store.set_enabled("ghost", false),
        store.set_token("ghost", &token(5)),
        store.sensor_addresses("ghost").map(|_| ()),
    ] {
        assert!(matches!(result, Err(StoreError::NoSuchSensor(name)) if name == "ghost"));
    }
    assert_eq!(store.sensors().unwrap().len(), 2);
}

// --- health, overview, rejections ---

fn health(n: u64) -> SensorHealth {
    SensorHealth {
        reported_ns: 9_000 + n as i64,
        kernel_packets: 1_000_000 * n,
        kernel_drops: n,
        spool_segments: 2 * n,
        spool_bytes: 1 << 40,
        spool_cap_bytes: u64::MAX,
        paused: n % 2 == 1,
        pauses: 3 * n,
        not_captured: 4 * n,
        quarantined: 5 * n,
    }
}

#[test]
fn the_overview_sums_segments_and_keeps_the_latest_health() {
    let (_dir, store) = file_store();
    let a = add(&store, "a", 1);
    let b = add(&store, "b", 2);
    add(&store, "c", 3);
    store.commit_segment(&seg(a, 1, 1), &rollup_a()).unwrap();
    store.commit_segment(&seg(a, 4, 4), &rollup_b()).unwrap();
    store.commit_segment(&seg(b, 1, 2), &rollup_b()).unwrap();
    store.record_health(a, &health(1)).unwrap();
    store.record_health(a, &health(2)).unwrap();
    store.record_health(b, &health(3)).unwrap();
    assert!(matches!(
        store.record_health(77, &health(1)),
        Err(StoreError::Invalid(_))
    ));

    let overview = store.sensor_overview().unwrap();
    let names: Vec<&str> = overview.iter().map(|o| o.sensor.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let [oa, ob, oc] = &overview[..] else {
        unreachable!()
    };
    assert_eq!(oa.sensor, store.sensor("a").unwrap().unwrap());
    assert_eq!(
        (oa.segments, oa.packets, oa.bytes),
        (2, 16 + 9, 1_001 + 1_004)
    );
    assert_eq!(oa.last_segment_ns, Some(5_004));
    assert_eq!(oa.first_ns, Some(H0 * NS_PER_HOUR));
    assert_eq!(oa.last_ns, Some((H0 + 24) * NS_PER_HOUR + 59));
    assert_eq!(oa.health, Some(health(2)));
    assert_eq!((ob.segments, ob.packets, ob.bytes), (1, 9, 1_001));
    assert_eq!(ob.first_ns, Some((H0 + 1) * NS_PER_HOUR));
    assert_eq!(ob.health, Some(health(3)));
    assert_eq!((oc.segments, oc.packets, oc.bytes), (0, 0, 0));
    assert_eq!(
        (oc.last_segment_ns, oc.first_ns, oc.last_ns),
        (None, None, None)
    );
    assert_eq!(oc.health, None);
}

#[test]
fn refused_uploads_are_counted_per_reason_and_status() {
    let (_dir, store) = file_store();
    let refuse = |at_ns, status, reason| {
        store
            .record_rejection(&Rejection {
                at_ns,
                status,
                reason,
            })
            .unwrap()
    };
    refuse(10, 401, "bad_token");
    refuse(30, 401, "bad_token");
    refuse(20, 401, "bad_token");
    refuse(5, 400, "not_a_capture");
    refuse(6, 413, "too_large");
    refuse(7, 400, "not_a_capture");
    refuse(8, 422, "not_a_capture");
    let r = |reason: &str, status, count, last_ns| RejectionCount {
        reason: reason.to_string(),
        status,
        count,
        last_ns,
    };
    assert_eq!(
        store.rejections().unwrap(),
        vec![
            r("bad_token", 401, 3, 30),
            r("not_a_capture", 400, 2, 7),
            r("not_a_capture", 422, 1, 8),
            r("too_large", 413, 1, 6),
        ]
    );
}

// --- sharing ---

#[test]
fn readers_run_while_segments_commit_and_a_second_opener_sees_the_same_file() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SqliteStore>();

    let (dir, store) = file_store();
    let store = Arc::new(store);
    let a = add(&store, "a", 1);
    let writer = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            for seq in 0..40 {
                store.commit_segment(&seg(a, seq, 1), &rollup_a()).unwrap();
            }
        })
    };
    for _ in 0..200 {
        let t = store.totals(&Filter::ALL).unwrap();
        // One snapshot: the segment count and the sums agree.
        assert_eq!(t.packets, 16 * t.segments);
        assert_eq!(t.decoded + t.errors.total(), t.packets);
    }
    // What `hirundo sensor add` does while the collector runs.
    let cli = SqliteStore::open(&dir.path().join("hirundo.db")).unwrap();
    cli.add_sensor(&new_sensor("late"), &token(2)).unwrap();
    writer.join().unwrap();
    assert!(store.sensor("late").unwrap().is_some());
    assert_eq!(store.totals(&Filter::ALL).unwrap().packets, 16 * 40);
    assert_eq!(cli.totals(&Filter::ALL).unwrap().segments, 40);
}

#[test]
fn an_in_memory_store_works_like_a_file() {
    let store = SqliteStore::open_in_memory().unwrap();
    let a = add(&store, "a", 1);
    let mut model = Model::default();
    commit_new(&store, &mut model, seg(a, 1, 1), rollup_a());
    commit_new(&store, &mut model, seg(a, 2, 2), rollup_b());
    model.check(&store, &Filter::ALL);
    assert_eq!(
        store.source_days(DayRange::ALL, None).unwrap(),
        model.source_days(DayRange::ALL, None)
    );
}

// --- property: random roll-ups in random order equal the naive model ---

const ADDRS: [&str; 4] = ["192.0.2.1", "192.0.2.2", "2001:db8::1", "2001:db8::2"];
const PORTS: [u16; 4] = [22, 23, 80, 443];
const COUNTRIES: [&str; 3] = ["BR", "US", "ZZ"];
const ASNS: [(u32, &str); 3] = [(0, ""), (100, "Alpha"), (200, "Beta")];

fn arb_hour_counts(hour: i64) -> impl Strategy<Value = HourCounts> {
    (0..50u64, 0..50u64, 0..50u64, 0..50u64, 0..50u64, 0..50u64).prop_map(
        move |(tcp, udp, icmp, icmpv6, other, undecoded)| {
            let decoded = tcp + udp + icmp + icmpv6 + other;
            HourCounts {
                hour,
                packets: decoded + undecoded,
                bytes: (decoded + undecoded) * 64 + tcp,
                decoded,
                tcp,
                udp,
                icmp,
                icmpv6,
                other,
                research: 0,
            }
        },
    )
}

fn arb_keys() -> impl Strategy<Value = Vec<PortKey>> {
    proptest::collection::btree_set((any::<bool>(), 0..PORTS.len()), 0..4).prop_map(|set| {
        let mut keys: Vec<PortKey> = set
            .into_iter()
            .map(|(is_udp, i)| if is_udp { udp(PORTS[i]) } else { tcp(PORTS[i]) })
            .collect();
        keys.sort_unstable();
        keys
    })
}

fn arb_source(day: i64, addr: usize) -> impl Strategy<Value = SourceDay> {
    (
        1..20u64,
        arb_keys(),
        0..32u16,
        0..1_000i64,
        0..1_000i64,
        0..COUNTRIES.len(),
        0..ASNS.len(),
        proptest::option::of(0..2usize),
    )
        .prop_map(move |(packets, ports, tags, a, b, cc, asn, research)| {
            let base = day * 24 * NS_PER_HOUR;
            SourceDay {
                day,
                source: ip(ADDRS[addr]),
                packets,
                ports,
                tags: Tags(tags),
                first_ns: base + a.min(b),
                last_ns: base + a.max(b),
                cc: COUNTRIES[cc].as_bytes().try_into().unwrap(),
                asn: ASNS[asn].0,
                research: research.map(|r| ["Org A", "Org B"][r].to_string()),
            }
        })
}

fn arb_rollup() -> impl Strategy<Value = Rollup> {
    // Hours from the last of day D0 - 1 into day D0 + 1.
    let hours = proptest::collection::btree_set(H0 - 1..H0 + 26, 0..4);
    let cells = proptest::collection::btree_set((0..4usize, 0..4usize), 0..6);
    let sources = proptest::collection::btree_set((D0 - 1..D0 + 2, 0..ADDRS.len()), 0..5);
    (hours, cells, sources, any::<[u8; 4]>())
        .prop_flat_map(|(hours, cells, sources, split)| {
            let hours: Vec<i64> = hours.into_iter().collect();
            let counts: Vec<_> = hours.iter().map(|&h| arb_hour_counts(h)).collect();
            let ports = hours
                .iter()
                .map(|&h| {
                    arb_keys().prop_flat_map(move |keys| {
                        proptest::collection::vec(1..30u64, keys.len()).prop_map(move |n| {
                            keys.iter()
                                .zip(n)
                                .map(|(k, n)| port(h, *k, n))
                                .collect::<Vec<_>>()
                        })
                    })
                })
                .collect::<Vec<_>>();
            let cells: Vec<(usize, usize)> = cells.into_iter().collect();
            let sources: Vec<_> = sources.into_iter().map(|(d, a)| arb_source(d, a)).collect();
            (
                Just(hours),
                counts,
                ports,
                Just(cells),
                proptest::collection::vec(1..40u64, 12),
                sources,
                Just(split),
            )
        })
        .prop_map(|(hours, counts, ports, cells, n, sources, split)| {
            let mut r = Rollup {
                hours: counts,
                ports: ports.into_iter().flatten().collect(),
                sources,
                ..Rollup::default()
            };
            // Countries and ASes on some hours: (hour index, value index).
            for (k, &(h, v)) in cells.iter().enumerate() {
                let Some(&hour) = hours.get(h) else { continue };
                if v < COUNTRIES.len() {
                    r.countries.push(country(hour, COUNTRIES[v], n[k]));
                }
                if v < ASNS.len() {
                    let (number, name) = ASNS[v];
                    r.asns.push(asn(hour, number, name, n[k + 6]));
                }
            }
            r.countries.sort_by_key(|c| (c.hour, c.cc));
            r.countries.dedup_by_key(|c| (c.hour, c.cc));
            r.asns.sort_by_key(|a| (a.hour, a.asn));
            r.asns.dedup_by_key(|a| (a.hour, a.asn));
            // Errors: the undecoded records, split among the reasons.
            let undecoded: u64 = r.hours.iter().map(|h| h.packets - h.decoded).sum();
            let weights: Vec<u64> = split.iter().map(|&w| u64::from(w) + 1).collect();
            let total: u64 = weights.iter().sum();
            let mut parts: Vec<u64> = weights.iter().map(|w| undecoded * w / total).collect();
            parts[0] += undecoded - parts.iter().sum::<u64>();
            let errors = ErrorCounts {
                truncated: parts[0],
                unsupported_link: parts[1],
                not_ip: parts[2],
                malformed: parts[3],
            };
            finish(r, errors)
        })
}

proptest! {
    #[test]
    fn random_segments_in_random_order_sum_like_the_model(
        segments in proptest::collection::vec((0..3usize, arb_rollup()), 1..7),
        from in H0 - 2..H0 + 27,
        span in 0..30i64,
    ) {
        let store = SqliteStore::open_in_memory().unwrap();
        let ids: Vec<SensorId> = (0..3).map(|i| add(&store, &format!("s{i}"), i as u8)).collect();
        let mut model = Model::default();
        for (seq, (sensor, rollup)) in segments.into_iter().enumerate() {
            commit_new(&store, &mut model, seg(ids[sensor], seq as u64, 1), rollup);
        }
        let hours = HourRange { from, to: from + span };
        for sensor in [None, Some(ids[0]), Some(ids[2])] {
            model.check(&store, &Filter { hours: HourRange::ALL, sensor, exclude_research: false });
            model.check(&store, &Filter { hours, sensor, exclude_research: false });
        }
        let days = DayRange { from: D0, to: D0 + 2 };
        for limit in [None, Some(2)] {
            prop_assert_eq!(
                store.source_days(DayRange::ALL, limit).unwrap(),
                model.source_days(DayRange::ALL, limit)
            );
            prop_assert_eq!(
                store.source_days(days, limit).unwrap(),
                model.source_days(days, limit)
            );
        }
    }
}
