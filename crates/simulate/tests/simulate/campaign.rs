//! Injected campaigns: what the capture holds equals their truth, they
//! leave the background alone, and they look like a botnet's scan.

use std::net::{IpAddr, Ipv4Addr};

use hirundo_fingerprint::{is_bogon_v4, tag, ResearchScanners, SourceProfile, Tags, Verdict};
use hirundo_simulate::{Campaign, CampaignTruth, Ipv4Prefix};
use hirundo_summary::{Summary, Tally};

use super::*;

const HOUR_NS: i64 = 3_600 * 1_000_000_000;

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn campaign(
    proto: PortProto,
    port: u16,
    start_h: i64,
    hours: i64,
    sources: u32,
    rate: f64,
) -> Campaign {
    Campaign {
        proto,
        port,
        start_ns: DEFAULT_START_NS + start_h * HOUR_NS,
        duration_ns: hours * HOUR_NS,
        sources,
        rate,
        from: Vec::new(),
        label: None,
    }
}

/// 20,000 background packets over two days, and three campaigns: one on a
/// port the background scans, one UDP from a given /12, one on a port the
/// background never touches.
fn with_campaigns(format: CaptureFormat, unseen_port: u16) -> SimConfig {
    let mut udp = campaign(PortProto::Udp, 161, 20, 10, 25, 0.05);
    udp.from = vec!["200.128.0.0/12".parse().unwrap()];
    udp.label = Some("snmp".into());
    SimConfig {
        campaigns: vec![
            Campaign {
                label: Some("mikrotik".into()),
                ..campaign(PortProto::Tcp, 8728, 6, 6, 40, 0.2)
            },
            udp,
            campaign(PortProto::Tcp, unseen_port, 30, 12, 300, 0.1),
        ],
        ..background(format)
    }
}

fn background(format: CaptureFormat) -> SimConfig {
    SimConfig {
        packets: 20_000,
        days: 2,
        seed: 7,
        format,
        ..SimConfig::default()
    }
}

/// A TCP port the background of [`background`] never sends to.
fn unseen_tcp_port(control: &Summary) -> u16 {
    (1000..)
        .find(|&p| {
            !control
                .ports
                .iter()
                .any(|c| c.proto == PortProto::Tcp && c.port == p)
        })
        .unwrap()
}

fn port_count(summary: &Summary, proto: PortProto, port: u16) -> (u64, u64) {
    summary
        .ports
        .iter()
        .find(|c| c.proto == proto && c.port == port)
        .map_or((0, 0), |c| (c.packets, c.sources))
}

/// The capture of seed 7 before campaigns existed, hashed: without
/// campaigns the generator must write exactly these bytes (FNV-1a 64 of
/// the files written by the code of commit 5e875d5).
#[test]
fn without_campaigns_the_bytes_are_those_written_before_campaigns_existed() {
    for (format, len, hash) in [
        (CaptureFormat::Pcap, 1_931_456, 0xc992_eced_8068_b75d_u64),
        (CaptureFormat::Pcapng, 2_267_216, 0xa37c_24d4_6bf3_ac15),
    ] {
        let (bytes, truth) = write(&background(format));
        assert_eq!(bytes.len(), len, "{format:?}");
        assert_eq!(fnv1a(&bytes), hash, "{format:?}");
        assert!(truth.campaigns.is_empty());
        assert!(!truth.families.contains_key("campaign"));
    }
}

#[test]
fn the_capture_holds_exactly_what_the_truth_says() {
    let (control_bytes, control) = write(&background(CaptureFormat::Pcap));
    drop(control_bytes);
    let unseen = unseen_tcp_port(&control.summary);
    for format in [CaptureFormat::Pcap, CaptureFormat::Pcapng] {
        let config = with_campaigns(format, unseen);
        let (bytes, truth) = write(&config);
        // What `hirundo analyze` computes from the file is the truth.
        assert_eq!(analyze(bytes.clone(), format.name()), truth.summary);
        let planned: u64 = config.campaigns.iter().map(|c| c.planned_packets()).sum();
        assert_eq!(planned, 4_320 + 1_800 + 4_320);
        assert_eq!(truth.summary.packets, 20_000 + planned);
        assert_eq!(truth.campaigns.len(), 3);

        let found = decode_campaigns(&bytes, &truth.campaigns);
        for (t, f) in truth.campaigns.iter().zip(&found) {
            let name = t.campaign.name();
            assert_eq!(t.packets, t.campaign.planned_packets(), "{name}");
            assert_eq!(f.packets, t.packets, "{name}");
            assert_eq!(f.sources.len() as u64, t.sources, "{name}");
            assert_eq!(f.sources, t.addresses, "{name}");
            assert_eq!(Some(f.first_ns), t.first_ns, "{name}");
            assert_eq!(Some(f.last_ns), t.last_ns, "{name}");
            assert!(t.first_ns.unwrap() >= t.campaign.start_ns, "{name}");
            assert!(t.last_ns.unwrap() < t.campaign.end_ns(), "{name}");
            // The span is used to its end, not bunched at the start.
            assert!(t.last_ns.unwrap() > t.campaign.end_ns() - HOUR_NS, "{name}");
            // Per port, the campaign adds exactly its packets and sources
            // to what the same background alone has there.
            let (packets, sources) = port_count(&truth.summary, t.campaign.proto, t.campaign.port);
            let (bg_packets, bg_sources) =
                port_count(&control.summary, t.campaign.proto, t.campaign.port);
            assert_eq!(packets, bg_packets + t.packets, "{name}");
            assert_eq!(sources, bg_sources + t.sources, "{name}");
        }
        // 4,320 packets from 40 sources: every source sends; 4,320 from
        // 300: nearly all do (each misses with probability e^-14.4).
        assert_eq!(truth.campaigns[0].sources, 40);
        assert_eq!(truth.campaigns[1].sources, 25);
        assert_eq!(truth.campaigns[2].sources, 300);
        assert_eq!(port_count(&control.summary, PortProto::Tcp, unseen), (0, 0));
        assert_eq!(
            truth.families["campaign"],
            Tally {
                packets: planned,
                sources: 365
            }
        );
        // The UDP campaign's sources are all in its /12.
        let from = config.campaigns[1].from[0];
        assert!(truth.campaigns[1]
            .addresses
            .iter()
            .all(|&a| from.contains(u32::from(a))));
    }
}

struct Found {
    packets: u64,
    sources: Vec<Ipv4Addr>,
    first_ns: i64,
    last_ns: i64,
}

/// Reads the capture back and counts, per campaign, the frames to its
/// port from its addresses.
fn decode_campaigns(bytes: &[u8], truth: &[CampaignTruth]) -> Vec<Found> {
    let mut found: Vec<Found> = truth
        .iter()
        .map(|_| Found {
            packets: 0,
            sources: Vec::new(),
            first_ns: i64::MAX,
            last_ns: i64::MIN,
        })
        .collect();
    let mut reader = CaptureReader::new(Box::new(Cursor::new(bytes.to_vec()))).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        let Ok(packet) = decode(record.link, record.data) else {
            continue;
        };
        let (IpSlice::V4(ip), Some((_, dst_port))) = (packet.ip, packet.ports()) else {
            continue;
        };
        let src = Ipv4Addr::from(ip.source_u32());
        for (t, f) in truth.iter().zip(found.iter_mut()) {
            let proto = match t.campaign.proto {
                PortProto::Tcp => protocol::TCP,
                PortProto::Udp => protocol::UDP,
            };
            if packet.protocol == proto
                && dst_port == t.campaign.port
                && t.addresses.binary_search(&src).is_ok()
            {
                f.packets += 1;
                if !f.sources.contains(&src) {
                    f.sources.push(src);
                }
                f.first_ns = f.first_ns.min(record.ts_ns);
                f.last_ns = f.last_ns.max(record.ts_ns);
            }
        }
    }
    for f in &mut found {
        f.sources.sort_unstable();
    }
    found
}

#[test]
fn campaigns_leave_the_background_as_it_was_and_merge_in_time_order() {
    let control = generate(&background(CaptureFormat::Pcap));
    let config = with_campaigns(CaptureFormat::Pcap, 1);
    let (frames, truth) = generate(&config);
    assert!(frames.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    let background: Vec<&Owned> = frames
        .iter()
        .filter(|f| f.family != Family::Campaign)
        .collect();
    assert_eq!(background.len(), control.0.len());
    for (a, b) in background.iter().zip(&control.0) {
        assert_eq!((a.ts_ns, &a.data, a.family), (b.ts_ns, &b.data, b.family));
    }
    let campaign_frames = frames.len() - background.len();
    assert_eq!(
        campaign_frames as u64,
        truth.campaigns.iter().map(|c| c.packets).sum::<u64>()
    );
    // Campaign frames interleave with the background's, not after it.
    let first = frames.iter().position(|f| f.family == Family::Campaign);
    assert!(first.unwrap() > 1_000);
    let mut generator = Generator::new(&config).unwrap();
    assert_eq!(generator.packets(), frames.len() as u64);
    assert!(generator.next_frame().is_some());
}

#[test]
fn same_seed_and_campaigns_write_the_same_bytes() {
    let config = with_campaigns(CaptureFormat::Pcapng, 1);
    let (a, truth_a) = write(&config);
    let (b, truth_b) = write(&config);
    assert!(a == b, "two runs differ");
    assert_eq!(truth_a, truth_b);
    let (c, truth_c) = write(&SimConfig { seed: 8, ..config });
    assert!(a != c);
    assert_ne!(
        truth_a.campaigns[0].addresses,
        truth_c.campaigns[0].addresses
    );
}

#[test]
fn campaign_sources_are_fresh_and_their_packets_fingerprint_as_nothing() {
    let config = with_campaigns(CaptureFormat::Pcap, 1);
    let (frames, truth) = generate(&config);
    let research = ResearchScanners::builtin();
    let mut background_sources = BTreeSet::new();
    let mut profiles: HashMap<AddrKey, SourceProfile> = HashMap::new();
    for f in &frames {
        let Ok(packet) = decode(LinkType::ETHERNET, &f.data) else {
            continue;
        };
        let source = packet.ip.source_key();
        if f.family != Family::Campaign {
            background_sources.insert(source);
            continue;
        }
        assert_eq!(tag(&packet), Tags::NONE);
        profiles.entry(source).or_default().observe_packet(&packet);
        let IpSlice::V4(ip) = packet.ip else {
            panic!("a campaign sent IPv6")
        };
        // A Linux stack: DF, TTL 64 minus the hops, and for TCP its SYN.
        assert!(ip.dont_fragment());
        assert!((40..=58).contains(&ip.ttl()), "{}", ip.ttl());
        if let Ok(Transport::Tcp(tcp)) = packet.transport() {
            assert_eq!(tcp.flags(), TcpFlags(TcpFlags::SYN));
            assert_eq!(tcp.window_size(), 64240);
            assert_eq!(tcp.options_slice().len(), 20);
        }
    }
    assert_eq!(profiles.len(), 365);
    for (source, profile) in &profiles {
        assert_eq!(profile.verdict(), Verdict::Unknown, "{source:?}");
        assert!(!background_sources.contains(source), "{source:?} in both");
    }
    for t in &truth.campaigns {
        for &a in &t.addresses {
            let raw = u32::from(a);
            assert!(!is_bogon_v4(raw) && !matches!(raw & 0xff, 0 | 255), "{a}");
            assert!(!config.darknet_v4.contains(raw), "{a}");
            assert!(research.by_address(IpAddr::V4(a)).is_none(), "{a}");
        }
    }
}

#[test]
fn arrivals_are_poisson_at_the_rate() {
    let config = SimConfig {
        packets: 1_000,
        campaigns: vec![campaign(PortProto::Udp, 40_000, 2, 20, 5, 1.0)],
        format: CaptureFormat::Pcapng,
        ..SimConfig::default()
    };
    let (frames, truth) = generate(&config);
    let times: Vec<i64> = frames
        .iter()
        .filter(|f| f.family == Family::Campaign)
        .map(|f| f.ts_ns)
        .collect();
    assert_eq!(times.len(), 72_000);
    assert_eq!(truth.campaigns[0].packets, 72_000);
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / 1e9)
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    // Exponential gaps: mean 1/rate, standard deviation equal to the mean.
    assert!((0.98..1.02).contains(&mean), "mean gap {mean}");
    assert!(
        (0.97..1.03).contains(&(var.sqrt() / mean)),
        "cv {}",
        var.sqrt() / mean
    );
    // Each hour holds about 3,600 of them.
    let per_hour = |h: i64| {
        let lo = config.campaigns[0].start_ns + h * HOUR_NS;
        times
            .iter()
            .filter(|&&t| t >= lo && t < lo + HOUR_NS)
            .count()
    };
    for h in [0, 9, 19] {
        assert!(
            (3_350..3_850).contains(&per_hour(h)),
            "hour {h}: {}",
            per_hour(h)
        );
    }
}

#[test]
fn bad_campaigns_are_refused_with_a_sentence() {
    let refused = |c: Campaign| {
        let config = SimConfig {
            campaigns: vec![campaign(PortProto::Tcp, 22, 0, 1, 1, 1.0), c],
            ..SimConfig::default()
        };
        match Generator::new(&config) {
            Err(SimError::Config(m)) => m,
            Err(e) => panic!("expected a config error, got {e}"),
            Ok(_) => panic!("accepted"),
        }
    };
    let ok = || campaign(PortProto::Tcp, 8728, 1, 2, 10, 1.0);
    assert_eq!(
        refused(Campaign { port: 0, ..ok() }),
        "campaign 2 (0/tcp): port 0 cannot be scanned: give a port from 1 to 65535"
    );
    let labelled = Campaign {
        sources: 0,
        label: Some("mikrotik".into()),
        ..ok()
    };
    assert!(refused(labelled).contains("campaign 2 (mikrotik): sources is 0"));
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(refused(Campaign { rate, ..ok() }).contains("give a positive number"));
    }
    assert!(refused(Campaign { rate: 1e-6, ..ok() }).contains("rounds to no packet"));
    assert!(refused(Campaign { rate: 1e9, ..ok() }).contains("at most 1000000000"));
    assert!(refused(Campaign {
        duration_ns: 0,
        ..ok()
    })
    .contains("positive time"));
    assert!(refused(Campaign {
        start_ns: DEFAULT_START_NS - HOUR_NS,
        ..ok()
    })
    .contains("starts at 2025-12-31T23:00:00.000000000Z, outside the capture"));
    assert!(refused(Campaign {
        start_ns: DEFAULT_START_NS + 24 * HOUR_NS,
        ..ok()
    })
    .contains("outside the capture"));
    assert!(refused(Campaign {
        duration_ns: 24 * HOUR_NS,
        ..ok()
    })
    .contains("shorten it to at most 82800 s"));
    assert!(refused(Campaign {
        start_ns: DEFAULT_START_NS + 1,
        ..ok()
    })
    .contains("microsecond"));
    let from = |p: &str| vec![p.parse::<Ipv4Prefix>().unwrap()];
    assert!(refused(Campaign {
        from: from("1.2.3.4/24"),
        ..ok()
    })
    .contains("host bits"));
    assert!(refused(Campaign {
        from: from("1.2.3.0/29"),
        ..ok()
    })
    .contains("10 sources cannot be drawn from ranges of 8 addresses"));
    // Enough addresses on paper, none usable: private space.
    assert!(refused(Campaign {
        from: from("10.0.0.0/24"),
        ..ok()
    })
    .contains("found only 0 of 10 fresh addresses"));
    assert!(refused(Campaign {
        sources: 5_000_000,
        ..ok()
    })
    .contains("at most 4194304"));
}
