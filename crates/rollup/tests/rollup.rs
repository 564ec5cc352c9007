//! A segment's roll-up against the simulator's truth and against a naive
//! model: every count the collector stores must add up to what `hirundo
//! analyze` reports for the same packets.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::net::IpAddr;

use hirundo_analyze::Enrichment;
use hirundo_fingerprint::Tags;
use hirundo_packet::{protocol, AddrKey};
use hirundo_rollup::{day_of_hour, hour_of, rollup_capture, PortProto, RollupBuilder};
use hirundo_simulate::{simulate_with, SimConfig};
use hirundo_summary::{Attribution, Outcome};
use proptest::prelude::*;

#[test]
fn a_simulated_capture_rolls_up_to_its_truth() {
    let enrichment = Enrichment::builtin().unwrap();
    let config = SimConfig {
        packets: 60_000,
        days: 3,
        seed: 11,
        ..SimConfig::default()
    };
    let mut pcap = Vec::new();
    let truth = simulate_with(
        &config,
        "x",
        &mut pcap,
        Some(&enrichment as &dyn Attribution),
    )
    .unwrap()
    .summary;
    let compressed = zstd::encode_all(&pcap[..], 1).unwrap();
    let got = rollup_capture(
        Box::new(Cursor::new(compressed)),
        Some(&enrichment),
        u64::MAX,
    )
    .unwrap();
    let r = got.rollup;

    assert_eq!(
        (r.packets, r.bytes, r.decoded),
        (truth.packets, truth.bytes, truth.decoded)
    );
    assert_eq!(r.errors, truth.errors);
    assert_eq!(r.hours.len(), 72, "three days of hours");
    let sum = |f: fn(&hirundo_rollup::HourCounts) -> u64| r.hours.iter().map(f).sum::<u64>();
    assert_eq!(sum(|h| h.packets), truth.packets);
    assert_eq!(sum(|h| h.bytes), truth.bytes);
    assert_eq!(
        [
            sum(|h| h.tcp),
            sum(|h| h.udp),
            sum(|h| h.icmp),
            sum(|h| h.icmpv6),
            sum(|h| h.other)
        ],
        [
            truth.protocols.tcp,
            truth.protocols.udp,
            truth.protocols.icmp,
            truth.protocols.icmpv6,
            truth.protocols.other
        ]
    );

    let mut ports: BTreeMap<(PortProto, u16), u64> = BTreeMap::new();
    for p in &r.ports {
        *ports.entry((p.proto, p.port)).or_default() += p.packets;
    }
    let want: BTreeMap<(PortProto, u16), u64> = truth
        .ports
        .iter()
        .map(|p| ((p.proto, p.port), p.packets))
        .collect();
    assert_eq!(ports, want);

    let sources: BTreeSet<IpAddr> = r.sources.iter().map(|s| s.source).collect();
    assert_eq!(sources.len() as u64, truth.sources);
    assert_eq!(
        r.sources.iter().map(|s| s.packets).sum::<u64>(),
        truth.decoded
    );
    for (tag, name) in Tags::ALL {
        let tagged: BTreeSet<IpAddr> = r
            .sources
            .iter()
            .filter(|s| s.tags.contains(tag))
            .map(|s| s.source)
            .collect();
        assert_eq!(
            tagged.len() as u64,
            truth.fingerprints.as_ref().unwrap()[name].sources,
            "{name}"
        );
    }

    let mut countries: BTreeMap<String, u64> = BTreeMap::new();
    for c in &r.countries {
        *countries
            .entry(String::from_utf8(c.cc.to_vec()).unwrap())
            .or_default() += c.packets;
    }
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for c in truth.countries.as_ref().unwrap() {
        *want.entry(c.cc.clone()).or_default() += c.packets;
    }
    assert_eq!(countries, want);
    let mut asns: BTreeMap<u32, u64> = BTreeMap::new();
    for a in &r.asns {
        *asns.entry(a.asn).or_default() += a.packets;
    }
    let mut want: BTreeMap<u32, u64> = BTreeMap::new();
    for a in truth.asns.as_ref().unwrap() {
        *want.entry(a.asn).or_default() += a.packets;
    }
    assert_eq!(asns, want);
}

#[test]
fn a_broken_capture_is_refused_whole() {
    let mut pcap = Vec::new();
    let config = SimConfig {
        packets: 1_000,
        ..SimConfig::default()
    };
    simulate_with(&config, "x", &mut pcap, None).unwrap();
    let whole = pcap.clone();
    pcap.truncate(pcap.len() - 7);
    let err = rollup_capture(Box::new(Cursor::new(pcap)), None, u64::MAX).unwrap_err();
    assert!(err.to_string().contains("not a whole capture"), "{err}");
    let err = rollup_capture(Box::new(Cursor::new(b"hello".to_vec())), None, u64::MAX).unwrap_err();
    assert!(err.to_string().contains("not a whole capture"), "{err}");
    // 1,000 records pass a limit of 1,000 and not one of 999.
    assert!(rollup_capture(Box::new(Cursor::new(whole.clone())), None, 1_000).is_ok());
    let err = rollup_capture(Box::new(Cursor::new(whole)), None, 999).unwrap_err();
    assert!(err.to_string().contains("more than 999 records"), "{err}");
}

/// A source-day in the model: packets, ports, tags, first and last.
type DayModel = (u64, BTreeSet<(PortProto, u16)>, u16, i64, i64);

/// One decoded record of the model: (ts, source, proto, port).
fn records() -> impl Strategy<Value = Vec<(i64, u32, bool, Option<u16>, u16)>> {
    proptest::collection::vec(
        (
            0i64..(5 * 86_400 * 1_000_000_000),
            0u32..20,
            any::<bool>(),
            proptest::option::of(0u16..30),
            0u16..32,
        ),
        0..400,
    )
}

proptest! {
    #[test]
    fn roll_up_equals_a_naive_model(recs in records()) {
        let mut b = RollupBuilder::new(None);
        let mut hours: BTreeMap<i64, u64> = BTreeMap::new();
        let mut ports: BTreeMap<(i64, PortProto, u16), u64> = BTreeMap::new();
        let mut days: BTreeMap<(i64, u32), DayModel> = BTreeMap::new();
        let mut cells: BTreeMap<(i64, PortProto, u16), (u64, BTreeSet<u32>)> = BTreeMap::new();
        for &(ts, src, udp, port, tags) in &recs {
            let tags = Tags(tags);
            let proto = if udp { protocol::UDP } else { protocol::TCP };
            b.record(ts, 60, Outcome::Decoded { source: AddrKey::V4(src), protocol: proto, dst_port: port, tags });
            let hour = hour_of(ts);
            *hours.entry(hour).or_default() += 1;
            let pp = if udp { PortProto::Udp } else { PortProto::Tcp };
            if let Some(port) = port {
                *ports.entry((hour, pp, port)).or_default() += 1;
                if !tags.contains(Tags::BACKSCATTER) {
                    let c = cells.entry((hour, pp, port)).or_default();
                    c.0 += 1;
                    c.1.insert(src);
                }
            }
            let d = days.entry((day_of_hour(hour), src)).or_insert((0, BTreeSet::new(), 0, ts, ts));
            d.0 += 1;
            if let Some(port) = port { d.1.insert((pp, port)); }
            d.2 |= tags.0;
            d.3 = d.3.min(ts);
            d.4 = d.4.max(ts);
        }
        let r = b.finish();
        prop_assert_eq!(r.packets, recs.len() as u64);
        let got: BTreeMap<i64, u64> = r.hours.iter().map(|h| (h.hour, h.packets)).collect();
        prop_assert_eq!(got, hours);
        let got: BTreeMap<(i64, PortProto, u16), u64> = r.ports.iter().map(|p| ((p.hour, p.proto, p.port), p.packets)).collect();
        prop_assert_eq!(got, ports);
        let got: BTreeMap<(i64, u32), DayModel> = r
            .sources
            .iter()
            .map(|s| {
                let IpAddr::V4(a) = s.source else { unreachable!() };
                ((s.day, u32::from(a)), (s.packets, s.ports.iter().map(|k| (k.proto, k.port)).collect(), s.tags.0, s.first_ns, s.last_ns))
            })
            .collect();
        prop_assert_eq!(&got, &days);
        // Cells: probes per (hour, port) with their distinct sources (all
        // of unknown country here, and never more than 20: exact).
        let got: BTreeMap<(i64, PortProto, u16), (u64, u64)> = r.cells.iter().map(|c| {
            assert_eq!(&c.cc, b"ZZ");
            ((c.hour, c.port.proto, c.port.port), (c.packets, c.sources.estimate()))
        }).collect();
        let want: BTreeMap<(i64, PortProto, u16), (u64, u64)> = cells.iter().map(|(&k, (p, s))| (k, (*p, s.len() as u64))).collect();
        prop_assert_eq!(got, want);
        // Sources per day, exact below the sketch size.
        let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
        for &(day, _) in days.keys() {
            *per_day.entry(day).or_default() += 1;
        }
        let got: BTreeMap<i64, u64> = r.day_sources.iter().map(|d| (d.day, d.sources.estimate())).collect();
        prop_assert_eq!(got, per_day);
        // Sorted as documented.
        prop_assert!(r.sources.windows(2).all(|w| (w[0].day, w[0].source) < (w[1].day, w[1].source)));
        prop_assert!(r.sources.iter().all(|s| s.ports.windows(2).all(|w| w[0] < w[1])));
        prop_assert_eq!(r.countries.iter().map(|c| c.packets).sum::<u64>(), recs.len() as u64);
    }
}
