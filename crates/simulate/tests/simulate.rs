//! The simulator against the rest of hirundo: what it writes reads back,
//! decodes and summarises to exactly its ground truth, and looks like what
//! a darknet telescope sees.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;
use std::sync::OnceLock;

use hirundo_capture::CaptureReader;
use hirundo_packet::{decode, protocol, AddrKey, IpSlice, LinkType, Packet, TcpFlags, Transport};
use hirundo_simulate::{
    masscan_ip_id, simulate, CaptureFormat, Family, Generator, SimConfig, SimError, Simulation,
    DEFAULT_START_NS, TCP_PORTS, ZMAP_IP_ID,
};
use hirundo_summary::{Outcome, PortProto, SummaryBuilder};

const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// One generated frame, owned.
struct Owned {
    ts_ns: i64,
    data: Vec<u8>,
    family: Family,
}

/// The default capture (100,000 packets, one day, seed 1), generated once
/// in memory for the tests that look at its frames.
fn default_capture() -> &'static (Vec<Owned>, Simulation) {
    static CAPTURE: OnceLock<(Vec<Owned>, Simulation)> = OnceLock::new();
    CAPTURE.get_or_init(|| generate(&SimConfig::default()))
}

fn generate(config: &SimConfig) -> (Vec<Owned>, Simulation) {
    let mut generator = Generator::new(config).unwrap();
    let mut frames = Vec::new();
    while let Some(f) = generator.next_frame() {
        frames.push(Owned {
            ts_ns: f.ts_ns,
            data: f.data.to_vec(),
            family: f.family,
        });
    }
    (frames, generator.finish("memory"))
}

fn decoded(frame: &Owned) -> Packet<'_> {
    decode(LinkType::ETHERNET, &frame.data).expect("an IP frame")
}

fn write(config: &SimConfig) -> (Vec<u8>, Simulation) {
    let mut out = Vec::new();
    let truth = simulate(config, "sim.cap", &mut out).unwrap();
    (out, truth)
}

#[test]
fn same_config_writes_the_same_bytes_and_another_seed_does_not() {
    for format in [CaptureFormat::Pcap, CaptureFormat::Pcapng] {
        let config = SimConfig {
            packets: 20_000,
            format,
            ..SimConfig::default()
        };
        let (a, truth_a) = write(&config);
        let (b, truth_b) = write(&config);
        assert!(a == b, "{format:?}: two runs differ");
        assert_eq!(truth_a, truth_b);
        let (c, truth_c) = write(&SimConfig { seed: 2, ..config });
        assert!(a != c, "{format:?}: seeds 1 and 2 wrote the same capture");
        assert_ne!(truth_a.summary.sources, 0);
        assert_ne!(truth_a.summary, truth_c.summary);
    }
}

/// Reads a written capture back, decodes every record and summarises it as
/// `hirundo analyze` does.
fn analyze(bytes: Vec<u8>, format: &str) -> hirundo_summary::Summary {
    let mut reader = CaptureReader::new(Box::new(Cursor::new(bytes))).unwrap();
    let mut builder = SummaryBuilder::new();
    while let Some(record) = reader.next_record().unwrap() {
        assert_eq!(record.link, LinkType::ETHERNET);
        assert_eq!(record.orig_len as usize, record.data.len());
        assert!(
            record.data.len() >= 60,
            "a runt frame of {}",
            record.data.len()
        );
        let outcome = Outcome::of(&decode(record.link, record.data));
        builder.record(record.ts_ns, record.orig_len, outcome);
    }
    assert!(reader.anomalies().is_empty(), "{:?}", reader.anomalies());
    let packets = builder.packets();
    builder.add_file("sim.cap", format, packets);
    builder.finish()
}

#[test]
fn analyzing_the_written_file_gives_the_truth_exactly() {
    for seed in [1, 2, 3] {
        for format in [CaptureFormat::Pcap, CaptureFormat::Pcapng] {
            let config = SimConfig {
                packets: 30_000,
                days: 2,
                seed,
                format,
                ..SimConfig::default()
            };
            let (bytes, truth) = write(&config);
            let summary = analyze(bytes, format.name());
            assert_eq!(summary, truth.summary, "seed {seed}, {format:?}");
            assert_eq!(summary.packets, 30_000);
            assert_eq!(summary.files[0].format, format.name());
        }
    }
}

#[test]
fn tiny_captures_read_back_exactly() {
    for packets in [1, 2, 3, 17] {
        let config = SimConfig {
            packets,
            ..SimConfig::default()
        };
        let (bytes, truth) = write(&config);
        assert_eq!(analyze(bytes, "pcap"), truth.summary, "{packets} packets");
        assert_eq!(truth.summary.packets, packets);
    }
}

#[test]
fn bad_settings_fail_before_anything_is_written() {
    let mut out = Vec::new();
    let config = SimConfig {
        days: 0,
        ..SimConfig::default()
    };
    match simulate(&config, "x.pcap", &mut out) {
        Err(SimError::Config(message)) => assert!(message.contains("days is 0"), "{message}"),
        other => panic!("expected a config error, got {other:?}"),
    }
    assert!(out.is_empty());
}

#[test]
fn mirai_probes_carry_the_destination_as_sequence_number() {
    let (frames, _) = default_capture();
    let (mut telnet, mut alt) = (0u32, 0u32);
    for f in frames.iter().filter(|f| f.family == Family::Mirai) {
        let p = decoded(f);
        let IpSlice::V4(ip) = p.ip else {
            panic!("Mirai over IPv6")
        };
        let Ok(Transport::Tcp(tcp)) = p.transport() else {
            panic!("not TCP")
        };
        assert_eq!(tcp.sequence_number(), ip.destination_u32());
        assert!(tcp.flags().is_syn_only());
        assert_eq!(tcp.header_len(), 20, "Mirai sends no options");
        // TTL 64 at the bot, 6 to 24 hops away.
        assert!((40..=58).contains(&ip.ttl()), "TTL {}", ip.ttl());
        assert!(!ip.dont_fragment());
        match tcp.destination_port() {
            23 => telnet += 1,
            2323 => alt += 1,
            other => panic!("Mirai to port {other}"),
        }
    }
    // Every tenth probe goes to 2323: about 9:1.
    let ratio = f64::from(telnet) / f64::from(alt);
    assert!((7.5..11.0).contains(&ratio), "23:2323 = {telnet}:{alt}");
    assert!(telnet + alt > 20_000, "{}", telnet + alt);
}

#[test]
fn zmap_masscan_and_nmap_probes_have_their_fingerprints() {
    let (frames, _) = default_capture();
    let mut zmap_ports: BTreeMap<AddrKey, BTreeSet<u16>> = BTreeMap::new();
    let mut masscan_ports: BTreeMap<AddrKey, BTreeSet<u16>> = BTreeMap::new();
    let mut masscan_without_options = 0;
    let mut seen = BTreeMap::new();
    for f in frames.iter().filter(|f| f.family != Family::Arp) {
        let p = decoded(f);
        let IpSlice::V4(ip) = p.ip else { continue };
        let Ok(Transport::Tcp(tcp)) = p.transport() else {
            // Only ZMap uses 54321, whatever the protocol.
            assert_ne!(ip.identification(), ZMAP_IP_ID, "{:?}", f.family);
            continue;
        };
        let dst = ip.destination_u32();
        let dport = tcp.destination_port();
        let seq = tcp.sequence_number();
        let id = ip.identification();
        // Each fingerprint matches its own family and no other.
        assert_eq!(id == ZMAP_IP_ID, f.family == Family::Zmap, "{:?}", f.family);
        assert_eq!(
            id == masscan_ip_id(dst, dport, seq),
            f.family == Family::Masscan,
            "{:?}",
            f.family
        );
        assert_eq!(seq == dst, f.family == Family::Mirai, "{:?}", f.family);
        *seen.entry(f.family).or_insert(0u32) += 1;
        match f.family {
            Family::Zmap => {
                assert!(tcp.flags().is_syn_only());
                assert_eq!(tcp.window_size(), 65535);
                assert_eq!(tcp.options_slice(), &[2, 4, 5, 0xb4], "MSS 1460 only");
                assert!(ip.ttl() > 200 && !ip.dont_fragment());
                zmap_ports
                    .entry(p.ip.source_key())
                    .or_default()
                    .insert(dport);
            }
            Family::Masscan => {
                assert!(tcp.flags().is_syn_only());
                assert_eq!(tcp.window_size(), 1024);
                match tcp.options_slice() {
                    [] => masscan_without_options += 1,
                    [2, 4, 5, 0xb4] => {}
                    other => panic!("masscan options {other:?}"),
                }
                assert!(ip.ttl() > 200 && !ip.dont_fragment());
                masscan_ports
                    .entry(p.ip.source_key())
                    .or_default()
                    .insert(dport);
            }
            Family::Nmap => {
                assert!(tcp.flags().is_syn_only());
                assert_eq!(tcp.window_size(), 1024);
                assert_eq!(tcp.mss(), Some(1460));
                assert_eq!(tcp.header_len(), 24);
                assert!(ip.ttl() <= 59 - 6, "TTL {}", ip.ttl());
            }
            Family::Generic => {
                assert!(tcp.flags().is_syn_only() && ip.dont_fragment());
                assert_eq!(tcp.mss(), Some(1460));
                // Linux (40-byte header, with timestamps) or Windows (32).
                assert!(matches!(tcp.header_len(), 32 | 40), "{}", tcp.header_len());
            }
            _ => {}
        }
    }
    assert!(
        seen[&Family::Zmap] > 5_000 && seen[&Family::Masscan] > 5_000,
        "{seen:?}"
    );
    // ZMap scans one port per scan; masscan sweeps many.
    assert!(zmap_ports.values().all(|ports| ports.len() == 1));
    assert!(masscan_ports.values().filter(|p| p.len() > 5).count() * 2 > masscan_ports.len());
    // Both masscan generations appear.
    assert!(masscan_without_options > 0 && masscan_without_options < seen[&Family::Masscan]);
}

/// Whether a frame has the shape of backscatter: a TCP reply (ACK or RST
/// set) or an ICMP echo reply or error.
fn is_backscatter_shaped(p: &Packet<'_>) -> bool {
    match p.transport() {
        Ok(Transport::Tcp(tcp)) => {
            let flags = tcp.flags();
            flags.contains(TcpFlags::ACK) || flags.contains(TcpFlags::RST)
        }
        Ok(Transport::Icmp(icmp)) => matches!(icmp.icmp_type(), 0 | 3 | 11),
        _ => false,
    }
}

#[test]
fn backscatter_is_replies_and_holds_its_share() {
    let (frames, truth) = default_capture();
    let config = SimConfig::default();
    let mut shaped = 0u64;
    let mut kinds = BTreeMap::new();
    for f in frames.iter().filter(|f| f.data[12..14] != [0x08, 0x06]) {
        let p = decoded(f);
        let backscatter = is_backscatter_shaped(&p);
        assert_eq!(
            backscatter,
            f.family == Family::Backscatter,
            "{:?}",
            f.family
        );
        if !backscatter {
            continue;
        }
        shaped += 1;
        match p.transport().unwrap() {
            Transport::Tcp(tcp) => {
                assert!(tcp.source_port() < 30_000, "from a service port");
                assert!(tcp.destination_port() >= 1024, "to the spoofed high port");
                *kinds
                    .entry(format!("tcp {:#x}", tcp.flags().0))
                    .or_insert(0) += 1;
            }
            Transport::Icmp(icmp) => {
                *kinds
                    .entry(format!("icmp {}", icmp.icmp_type()))
                    .or_insert(0) += 1;
                if icmp.is_v4_error() {
                    // The quoted packet was "sent" by the darknet address
                    // this error came back to.
                    let quoted = icmp.body().get(4..).unwrap();
                    assert_eq!(quoted.len(), 28);
                    assert_eq!(quoted[0], 0x45);
                    assert_eq!(&quoted[12..16], &f.data[30..34]);
                    assert_eq!(inet_fold(&[&quoted[..20]]), 0xffff, "quoted checksum");
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(shaped, truth.families["backscatter"].packets);
    let share = shaped as f64 / frames.len() as f64;
    let configured = f64::from(config.mix.backscatter) / config.mix.total() as f64;
    assert!(
        (share - configured).abs() < 0.005,
        "{share} vs {configured}"
    );
    for kind in [
        "tcp 0x12", "tcp 0x14", "tcp 0x4", "icmp 0", "icmp 3", "icmp 11",
    ] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) > 10,
            "{kind}: {kinds:?}"
        );
    }
}

#[test]
fn ports_rank_as_telescopes_see_them() {
    let (_, truth) = default_capture();
    let tcp: Vec<u16> = truth
        .summary
        .ports
        .iter()
        .filter(|p| p.proto == PortProto::Tcp)
        .map(|p| p.port)
        .collect();
    assert_eq!(tcp[0], 23, "{:?}", &tcp[..10]);
    assert_eq!(truth.summary.ports[0].port, 23);
    // The table's leaders stay near the top: each of its first ten is
    // among the first fifteen seen (2323 comes up from Mirai's share).
    let rank = |port: u16| tcp.iter().position(|&p| p == port).unwrap();
    for &(port, _) in &TCP_PORTS[..10] {
        assert!(
            rank(port) < 15,
            "{port}/tcp ranked {}: {:?}",
            rank(port),
            &tcp[..15]
        );
    }
    // And the order roughly follows the weights: Spearman's rho over the
    // first fifteen of the table.
    let ranks: Vec<f64> = TCP_PORTS[..15]
        .iter()
        .map(|&(p, _)| rank(p) as f64)
        .collect();
    let mut order: Vec<usize> = (0..15).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let d2: f64 = order
        .iter()
        .enumerate()
        .map(|(observed, &expected)| (observed as f64 - expected as f64).powi(2))
        .sum();
    let rho = 1.0 - 6.0 * d2 / (15.0 * (225.0 - 1.0));
    assert!(rho > 0.7, "rho {rho}: {:?}", &tcp[..20]);
    // A long tail of ports as well.
    assert!(tcp.len() > 2_000, "{} TCP ports", tcp.len());
    let udp: BTreeSet<u16> = truth
        .summary
        .ports
        .iter()
        .filter(|p| p.proto == PortProto::Udp)
        .map(|p| p.port)
        .collect();
    for port in [53, 123, 161, 1900, 5060, 11211, 137, 389, 19, 5353, 3702] {
        assert!(udp.contains(&port), "{port}/udp never probed");
    }
}

#[test]
fn sources_are_heavy_tailed() {
    let (frames, truth) = default_capture();
    let mut per_source: HashMap<AddrKey, u64> = HashMap::new();
    for f in frames.iter().filter(|f| f.family != Family::Arp) {
        *per_source.entry(decoded(f).ip.source_key()).or_default() += 1;
    }
    assert_eq!(per_source.len() as u64, truth.summary.sources);
    let decoded_total: u64 = per_source.values().sum();
    let mut volumes: Vec<u64> = per_source.into_values().collect();
    volumes.sort_unstable_by(|a, b| b.cmp(a));
    let top: u64 = volumes[..volumes.len() / 100].iter().sum();
    assert!(
        top * 100 >= decoded_total * 30,
        "top 1% send {top} of {decoded_total}"
    );
    let small = volumes.iter().filter(|&&v| v <= 2).count();
    assert!(
        small * 10 >= volumes.len() * 3,
        "{small} of {} send one or two",
        volumes.len()
    );
    let per = frames.len() / volumes.len();
    assert!((12..=18).contains(&per), "{per} packets per source");
    for v in volumes.iter().filter(|&&v| v > 0).take(1) {
        assert!(*v > 500, "the busiest source sends {v}");
    }
}

#[test]
fn sources_are_public_and_destinations_in_the_darknet() {
    let (frames, _) = default_capture();
    let config = SimConfig::default();
    for f in frames.iter().filter(|f| f.family != Family::Arp) {
        let p = decoded(f);
        match p.ip {
            IpSlice::V4(ip) => {
                assert!(config.darknet_v4.contains(ip.destination_u32()));
                let src = ip.source();
                assert!(
                    !(src.is_private()
                        || src.is_loopback()
                        || src.is_multicast()
                        || src.is_link_local()
                        || src.is_documentation()
                        || src.is_broadcast()
                        || src.is_unspecified()
                        || src.octets()[0] >= 240
                        || src.octets()[0] == 0),
                    "{src}"
                );
            }
            IpSlice::V6(ip) => {
                let net = u128::from(config.darknet_v6.addr);
                assert_eq!(ip.destination_u128() & !config.darknet_v6.host_mask(), net);
                let top = ip.source().segments()[0];
                assert!(top & 0xe000 == 0x2000 && top != 0x2001 && top != 0x2002);
            }
        }
    }
}

#[test]
fn arp_fragments_and_ipv6_are_all_there() {
    let (frames, truth) = default_capture();
    let s = &truth.summary;
    assert!(s.errors.not_ip > 0);
    assert_eq!(s.errors.not_ip, truth.families["arp"].packets);
    assert_eq!(s.decoded + s.errors.total(), s.packets);

    let mut later = 0;
    for (i, f) in frames.iter().enumerate() {
        if f.family != Family::Fragment {
            continue;
        }
        let p = decoded(f);
        let fragment = p.fragment.expect("a fragment");
        if fragment.offset == 0 {
            assert!(fragment.more);
            assert!(p.ports().is_some());
            assert_eq!(f.data.len(), 1514);
            continue;
        }
        // A later fragment: no ports, right after its first fragment.
        later += 1;
        assert!(!fragment.more && p.ports().is_none());
        let first = decoded(&frames[i - 1]);
        let (IpSlice::V4(a), IpSlice::V4(b)) = (first.ip, p.ip) else {
            panic!()
        };
        assert_eq!(a.identification(), b.identification());
        assert_eq!(a.source_u32(), b.source_u32());
        assert_eq!(fragment.offset * 8, 1480);
        assert!(f.ts_ns - frames[i - 1].ts_ns <= 12_000);
    }
    assert!(later > 0);
    assert_eq!(later * 2, truth.families["fragment"].packets);

    let v6 = frames
        .iter()
        .filter(|f| f.data[12..14] == [0x86, 0xdd])
        .count();
    let share = v6 as f64 / frames.len() as f64;
    assert!((0.01..=0.02).contains(&share), "IPv6 share {share}");
    assert!(s.protocols.icmpv6 > 0 && s.protocols.icmp > 0 && s.protocols.udp > 0);
}

#[test]
fn family_tallies_add_up_to_the_summary() {
    let (frames, truth) = default_capture();
    let packets: u64 = truth.families.values().map(|t| t.packets).sum();
    let sources: u64 = truth.families.values().map(|t| t.sources).sum();
    assert_eq!(packets, truth.summary.packets);
    assert_eq!(sources, truth.summary.sources, "families share no source");
    let mut seen: BTreeMap<&str, BTreeSet<AddrKey>> = BTreeMap::new();
    for f in frames.iter().filter(|f| f.family != Family::Arp) {
        seen.entry(f.family.name())
            .or_default()
            .insert(decoded(f).ip.source_key());
    }
    for (name, tally) in &truth.families {
        let distinct = seen.get(name.as_str()).map_or(0, |s| s.len() as u64);
        assert_eq!(tally.sources, distinct, "{name}");
    }
    for name in [
        "mirai",
        "zmap",
        "masscan",
        "nmap",
        "generic",
        "backscatter",
        "udp",
        "ping",
    ] {
        assert!(truth.families[name].sources > 0, "{name}");
    }
}

#[test]
fn timestamps_are_ordered_and_inside_the_span() {
    for (format, days) in [(CaptureFormat::Pcap, 3), (CaptureFormat::Pcapng, 1)] {
        let config = SimConfig {
            packets: 20_000,
            days,
            format,
            ..SimConfig::default()
        };
        let (frames, truth) = generate(&config);
        let end = DEFAULT_START_NS + i64::from(days) * DAY_NS;
        let mut last = DEFAULT_START_NS;
        let mut sub_micro = 0;
        for f in &frames {
            assert!(f.ts_ns >= last && f.ts_ns < end, "{} after {last}", f.ts_ns);
            last = f.ts_ns;
            if f.ts_ns % 1_000 != 0 {
                sub_micro += 1;
            }
        }
        match format {
            CaptureFormat::Pcap => assert_eq!(sub_micro, 0, "pcap keeps microseconds"),
            CaptureFormat::Pcapng => assert!(sub_micro > 10_000, "pcapng keeps nanoseconds"),
        }
        // Spread over the whole span, not bunched at its start.
        assert!(frames[frames.len() / 2].ts_ns - DEFAULT_START_NS > i64::from(days) * DAY_NS / 3);
        assert!(end - last < DAY_NS / 24);
        assert_eq!(truth.summary.first_ts.unwrap().nanos(), frames[0].ts_ns);
    }
}

/// RFC 1071 sum of the concatenated parts, folded to 16 bits but not
/// complemented: a packet whose checksum is right folds to 0xFFFF. Written
/// apart from the generator's own, byte pair by byte pair.
fn inet_fold(parts: &[&[u8]]) -> u16 {
    let bytes: Vec<u8> = parts.concat();
    let mut sum: u64 = 0;
    for pair in bytes.chunks(2) {
        let hi = u64::from(pair[0]) << 8;
        let lo = pair.get(1).map_or(0, |&b| u64::from(b));
        sum += hi | lo;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

#[test]
fn checksums_verify_with_an_independent_implementation() {
    let (frames, _) = default_capture();
    let mut checked = BTreeMap::new();
    let mut first_fragment: Option<Vec<u8>> = None;
    for f in frames {
        let d = &f.data;
        match [d[12], d[13]] {
            [0x08, 0x00] => {
                let ihl = usize::from(d[14] & 0x0f) * 4;
                let ip = &d[14..14 + ihl];
                assert_eq!(inet_fold(&[ip]), 0xffff, "IPv4 header of {:?}", f.family);
                let total = usize::from(u16::from_be_bytes([d[16], d[17]]));
                let payload = &d[14 + ihl..14 + total];
                let proto = ip[9];
                let frag = u16::from_be_bytes([ip[6], ip[7]]);
                let (offset, more) = (frag & 0x1fff, frag & 0x2000 != 0);
                let segment: Vec<u8> = if more && offset == 0 {
                    first_fragment = Some(payload.to_vec());
                    continue;
                } else if offset != 0 {
                    let mut whole = first_fragment.take().expect("first fragment before later");
                    whole.extend_from_slice(payload);
                    whole
                } else {
                    payload.to_vec()
                };
                let sum = if proto == protocol::ICMP {
                    inet_fold(&[&segment])
                } else {
                    let len = (segment.len() as u16).to_be_bytes();
                    let pseudo = [&ip[12..20], &[0, proto], &len[..]].concat();
                    inet_fold(&[&pseudo, &segment])
                };
                assert_eq!(sum, 0xffff, "protocol {proto} of {:?}", f.family);
                *checked.entry(proto).or_insert(0) += 1;
            }
            [0x86, 0xdd] => {
                let next = d[20];
                let segment = &d[54..];
                let len = (segment.len() as u32).to_be_bytes();
                let pseudo = [&d[22..54], &len[..], &[0, 0, 0, next]].concat();
                assert_eq!(inet_fold(&[&pseudo, segment]), 0xffff, "IPv6 {next}");
                *checked.entry(next).or_insert(0) += 1;
            }
            [0x08, 0x06] => {}
            other => panic!("EtherType {other:?}"),
        }
    }
    for proto in [
        protocol::TCP,
        protocol::UDP,
        protocol::ICMP,
        protocol::ICMPV6,
    ] {
        assert!(
            checked.get(&proto).copied().unwrap_or(0) > 50,
            "{proto}: {checked:?}"
        );
    }
}

#[path = "simulate/campaign.rs"]
mod campaign;
