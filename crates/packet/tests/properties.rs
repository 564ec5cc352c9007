//! Property tests for `decode`.
//!
//! A small model of a frame (link layer, IP header, extension headers,
//! transport header) is drawn at random and serialised by the builder below.
//! Decoding it must give every field back; cutting it anywhere must fail the
//! way the cut says (inside the link header: the link is broken; inside the IP
//! header: truncated; past it: decoded, with what was captured); and no bytes
//! at all, random or mutated, may make `decode` or `transport` panic.

use hirundo_packet::ipv6::{AUTHENTICATION, DESTINATION_OPTIONS, FRAGMENT, HOP_BY_HOP, ROUTING};
use hirundo_packet::{
    decode, protocol, DecodeError, Fragment, IpSlice, Layer, LinkType, Packet, TcpFlags, TcpOption,
    Transport,
};
use proptest::collection::vec;
use proptest::prelude::*;

// ---------------------------------------------------------------- the model

#[derive(Debug, Clone)]
enum Link {
    Ethernet {
        /// (TPID, TCI) of each tag, outermost first.
        tags: Vec<(u16, u16)>,
        inner: EthernetInner,
    },
    Sll,
    Sll2,
    /// 101, 12 or 14: the version nibble decides.
    Raw(u32),
    /// 228 for IPv4, 229 for IPv6.
    RawVersioned,
    Null {
        little_endian: bool,
        ethertype: bool,
        af_inet6: u32,
    },
    Loop {
        ethertype: bool,
        af_inet6: u32,
    },
}

#[derive(Debug, Clone)]
enum EthernetInner {
    Plain,
    Pppoe { session: u16 },
    Mpls { labels: Vec<u32>, multicast: bool },
    Snap,
}

#[derive(Debug, Clone)]
struct V4 {
    dscp: u8,
    ecn: u8,
    id: u16,
    df: bool,
    mf: bool,
    offset: u16,
    ttl: u8,
    checksum: u16,
    src: u32,
    dst: u32,
    options: Vec<u8>,
}

#[derive(Debug, Clone)]
struct V6 {
    traffic_class: u8,
    flow_label: u32,
    hop_limit: u8,
    src: u128,
    dst: u128,
    extensions: Vec<Extension>,
}

#[derive(Debug, Clone)]
enum Ip {
    V4(V4),
    V6(V6),
}

#[derive(Debug, Clone)]
enum Extension {
    /// Hop-by-hop, routing or destination options: `units` 8-byte units
    /// beyond the first.
    Options {
        kind: u8,
        units: u8,
        fill: u8,
    },
    Fragment {
        offset: u16,
        more: bool,
        id: u32,
    },
    /// Authentication header: its length field is `words`, so it spans
    /// (words + 2) × 4 bytes.
    Auth {
        words: u8,
        fill: u8,
    },
}

#[derive(Debug, Clone)]
enum TcpOptionSpec {
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    Sack(Vec<(u32, u32)>),
    Timestamp(u32, u32),
    Unknown(u8, Vec<u8>),
}

#[derive(Debug, Clone)]
struct Tcp {
    src: u16,
    dst: u16,
    seq: u32,
    ack: u32,
    flags: u16,
    window: u16,
    checksum: u16,
    urgent: u16,
    options: Vec<TcpOptionSpec>,
    payload: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Upper {
    Tcp(Tcp),
    Udp {
        src: u16,
        dst: u16,
        checksum: u16,
        payload: Vec<u8>,
    },
    /// ICMP under IPv4, ICMPv6 under IPv6.
    Icmp {
        icmp_type: u8,
        code: u8,
        checksum: u16,
        body: Vec<u8>,
    },
    Other {
        protocol: u8,
        payload: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
struct Frame {
    link: Link,
    ip: Ip,
    upper: Upper,
    /// Link-layer padding after the IP packet, never part of it.
    trailer: Vec<u8>,
}

// ---------------------------------------------------------------- strategies

fn link() -> impl Strategy<Value = Link> {
    let tpid = prop::sample::select(vec![0x8100u16, 0x88A8, 0x9100, 0x9200, 0x9300]);
    let tags = vec((tpid, any::<u16>()), 0..4);
    let inner = prop_oneof![
        3 => Just(EthernetInner::Plain),
        1 => any::<u16>().prop_map(|session| EthernetInner::Pppoe { session }),
        1 => (vec(0u32..1 << 20, 1..4), any::<bool>())
            .prop_map(|(labels, multicast)| EthernetInner::Mpls { labels, multicast }),
        1 => Just(EthernetInner::Snap),
    ];
    let af_inet6 = prop::sample::select(vec![24u32, 28, 30]);
    prop_oneof![
        4 => (tags, inner).prop_map(|(tags, inner)| Link::Ethernet { tags, inner }),
        1 => Just(Link::Sll),
        1 => Just(Link::Sll2),
        1 => prop::sample::select(vec![101u32, 12, 14]).prop_map(Link::Raw),
        1 => Just(Link::RawVersioned),
        1 => (any::<bool>(), any::<bool>(), af_inet6.clone()).prop_map(
            |(little_endian, ethertype, af_inet6)| Link::Null { little_endian, ethertype, af_inet6 }
        ),
        1 => (any::<bool>(), af_inet6)
            .prop_map(|(ethertype, af_inet6)| Link::Loop { ethertype, af_inet6 }),
    ]
}

fn fragment_offset() -> impl Strategy<Value = u16> {
    prop_oneof![3 => Just(0u16), 1 => 1u16..8192]
}

fn v4() -> impl Strategy<Value = V4> {
    (
        (0u8..64, 0u8..4, any::<u16>(), any::<bool>(), any::<bool>()),
        (
            fragment_offset(),
            any::<u8>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
        ),
        (0usize..=10).prop_flat_map(|words| vec(any::<u8>(), words * 4)),
    )
        .prop_map(
            |((dscp, ecn, id, df, mf), (offset, ttl, checksum, src, dst), options)| V4 {
                dscp,
                ecn,
                id,
                df,
                mf,
                offset,
                ttl,
                checksum,
                src,
                dst,
                options,
            },
        )
}

fn extension() -> impl Strategy<Value = Extension> {
    prop_oneof![
        (
            prop::sample::select(vec![HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS]),
            0u8..4,
            any::<u8>()
        )
            .prop_map(|(kind, units, fill)| Extension::Options { kind, units, fill }),
        (fragment_offset(), any::<bool>(), any::<u32>())
            .prop_map(|(offset, more, id)| Extension::Fragment { offset, more, id }),
        (1u8..6, any::<u8>()).prop_map(|(words, fill)| Extension::Auth { words, fill }),
    ]
}

fn v6() -> impl Strategy<Value = V6> {
    (
        any::<u8>(),
        0u32..1 << 20,
        any::<u8>(),
        any::<u128>(),
        any::<u128>(),
        vec(extension(), 0..5),
    )
        .prop_map(
            |(traffic_class, flow_label, hop_limit, src, dst, extensions)| V6 {
                traffic_class,
                flow_label,
                hop_limit,
                src,
                dst,
                extensions,
            },
        )
}

fn tcp_option() -> impl Strategy<Value = TcpOptionSpec> {
    // Kinds with no special meaning to the decoder.
    let unknown_kind =
        any::<u8>().prop_filter("kind the decoder names", |k| !matches!(k, 0..=5 | 8));
    prop_oneof![
        Just(TcpOptionSpec::Nop),
        any::<u16>().prop_map(TcpOptionSpec::Mss),
        any::<u8>().prop_map(TcpOptionSpec::WindowScale),
        Just(TcpOptionSpec::SackPermitted),
        vec((any::<u32>(), any::<u32>()), 1..5).prop_map(TcpOptionSpec::Sack),
        (any::<u32>(), any::<u32>()).prop_map(|(v, e)| TcpOptionSpec::Timestamp(v, e)),
        (unknown_kind, vec(any::<u8>(), 0..8)).prop_map(|(k, d)| TcpOptionSpec::Unknown(k, d)),
    ]
}

fn upper() -> impl Strategy<Value = Upper> {
    let tcp = (
        (any::<u16>(), any::<u16>(), any::<u32>(), any::<u32>()),
        (0u16..512, any::<u16>(), any::<u16>(), any::<u16>()),
        vec(tcp_option(), 0..8),
        vec(any::<u8>(), 0..32),
    )
        .prop_map(
            |((src, dst, seq, ack), (flags, window, checksum, urgent), options, payload)| {
                Upper::Tcp(Tcp {
                    src,
                    dst,
                    seq,
                    ack,
                    flags,
                    window,
                    checksum,
                    urgent,
                    options,
                    payload,
                })
            },
        );
    let udp = (
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        vec(any::<u8>(), 0..32),
    )
        .prop_map(|(src, dst, checksum, payload)| Upper::Udp {
            src,
            dst,
            checksum,
            payload,
        });
    let icmp = (
        any::<u8>(),
        any::<u8>(),
        any::<u16>(),
        vec(any::<u8>(), 0..32),
    )
        .prop_map(|(icmp_type, code, checksum, body)| Upper::Icmp {
            icmp_type,
            code,
            checksum,
            body,
        });
    let other = (
        any::<u8>().prop_filter("a protocol the decoder names or walks", |p| {
            !matches!(p, 0 | 1 | 6 | 17 | 43 | 44 | 51 | 58 | 60)
        }),
        vec(any::<u8>(), 0..32),
    )
        .prop_map(|(protocol, payload)| Upper::Other { protocol, payload });
    prop_oneof![3 => tcp, 3 => udp, 1 => icmp, 1 => other]
}

fn frame() -> impl Strategy<Value = Frame> {
    (
        link(),
        prop_oneof![v4().prop_map(Ip::V4), v6().prop_map(Ip::V6)],
        upper(),
        vec(any::<u8>(), 0..8),
    )
        .prop_map(|(link, ip, upper, trailer)| Frame {
            link,
            ip,
            upper,
            trailer,
        })
}

// ---------------------------------------------------------------- the builder

/// Where the parts of a built frame lie.
#[derive(Debug)]
struct Built {
    link: LinkType,
    bytes: Vec<u8>,
    /// Bytes of link layer before the IP header.
    link_len: usize,
    /// Where an LLC/SNAP header starts, and the 802.3 length before it.
    snap: Option<(usize, u16)>,
    mpls: bool,
    by_version: bool,
    /// IPv4 header with options, or the 40-byte IPv6 header.
    ip_header_len: usize,
    /// The IP packet, header to end (no trailer).
    ip_len: usize,
}

fn tcp_options_bytes(options: &[TcpOptionSpec]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut kept = 0;
    for option in options {
        let bytes = match option {
            TcpOptionSpec::Nop => vec![1],
            TcpOptionSpec::Mss(mss) => [&[2u8, 4][..], &mss.to_be_bytes()].concat(),
            TcpOptionSpec::WindowScale(shift) => vec![3, 3, *shift],
            TcpOptionSpec::SackPermitted => vec![4, 2],
            TcpOptionSpec::Sack(blocks) => {
                let mut b = vec![5, (2 + 8 * blocks.len()) as u8];
                for (left, right) in blocks {
                    b.extend(left.to_be_bytes());
                    b.extend(right.to_be_bytes());
                }
                b
            }
            TcpOptionSpec::Timestamp(value, echo) => {
                [&[8u8, 10][..], &value.to_be_bytes(), &echo.to_be_bytes()].concat()
            }
            TcpOptionSpec::Unknown(kind, data) => {
                [&[*kind, (2 + data.len()) as u8][..], data].concat()
            }
        };
        if out.len() + bytes.len() > 40 {
            break;
        }
        out.extend(bytes);
        kept += 1;
    }
    (out, kept)
}

/// The transport bytes and protocol number.
fn upper_bytes(upper: &Upper, v6: bool) -> (u8, Vec<u8>) {
    match upper {
        Upper::Tcp(t) => {
            let (mut options, _) = tcp_options_bytes(&t.options);
            // Pad with end-of-list to whole words.
            options.resize(options.len().div_ceil(4) * 4, 0);
            let words = ((20 + options.len()) / 4) as u8;
            let mut b = Vec::new();
            b.extend(t.src.to_be_bytes());
            b.extend(t.dst.to_be_bytes());
            b.extend(t.seq.to_be_bytes());
            b.extend(t.ack.to_be_bytes());
            b.push((words << 4) | (t.flags >> 8) as u8);
            b.push(t.flags as u8);
            b.extend(t.window.to_be_bytes());
            b.extend(t.checksum.to_be_bytes());
            b.extend(t.urgent.to_be_bytes());
            b.extend(options);
            b.extend(&t.payload);
            (protocol::TCP, b)
        }
        Upper::Udp {
            src,
            dst,
            checksum,
            payload,
        } => {
            let mut b = Vec::new();
            b.extend(src.to_be_bytes());
            b.extend(dst.to_be_bytes());
            b.extend(((8 + payload.len()) as u16).to_be_bytes());
            b.extend(checksum.to_be_bytes());
            b.extend(payload);
            (protocol::UDP, b)
        }
        Upper::Icmp {
            icmp_type,
            code,
            checksum,
            body,
        } => {
            let mut b = vec![*icmp_type, *code];
            b.extend(checksum.to_be_bytes());
            b.extend(body);
            (if v6 { protocol::ICMPV6 } else { protocol::ICMP }, b)
        }
        Upper::Other { protocol, payload } => (*protocol, payload.clone()),
    }
}

fn extension_kind(e: &Extension) -> u8 {
    match e {
        Extension::Options { kind, .. } => *kind,
        Extension::Fragment { .. } => FRAGMENT,
        Extension::Auth { .. } => AUTHENTICATION,
    }
}

fn extension_bytes(e: &Extension, next: u8) -> Vec<u8> {
    match e {
        Extension::Options { units, fill, .. } => {
            let mut b = vec![next, *units];
            b.resize((usize::from(*units) + 1) * 8, *fill);
            b
        }
        Extension::Fragment { offset, more, id } => {
            let mut b = vec![next, 0];
            b.extend(((offset << 3) | u16::from(*more)).to_be_bytes());
            b.extend(id.to_be_bytes());
            b
        }
        Extension::Auth { words, fill } => {
            let mut b = vec![next, *words];
            b.resize((usize::from(*words) + 2) * 4, *fill);
            b
        }
    }
}

/// The IP packet, and the length of its fixed header (with IPv4 options).
fn ip_bytes(ip: &Ip, upper: &Upper) -> (Vec<u8>, usize) {
    match ip {
        Ip::V4(h) => {
            let (protocol, rest) = upper_bytes(upper, false);
            let header_len = 20 + h.options.len();
            let mut b = vec![0x40 | (header_len / 4) as u8, (h.dscp << 2) | h.ecn];
            b.extend(((header_len + rest.len()) as u16).to_be_bytes());
            b.extend(h.id.to_be_bytes());
            let frag = (u16::from(h.df) << 14) | (u16::from(h.mf) << 13) | h.offset;
            b.extend(frag.to_be_bytes());
            b.extend([h.ttl, protocol]);
            b.extend(h.checksum.to_be_bytes());
            b.extend(h.src.to_be_bytes());
            b.extend(h.dst.to_be_bytes());
            b.extend(&h.options);
            b.extend(rest);
            (b, header_len)
        }
        Ip::V6(h) => {
            let (protocol, rest) = upper_bytes(upper, true);
            let mut payload = Vec::new();
            for (i, e) in h.extensions.iter().enumerate() {
                let next = h.extensions.get(i + 1).map_or(protocol, extension_kind);
                payload.extend(extension_bytes(e, next));
            }
            payload.extend(rest);
            let first = h.extensions.first().map_or(protocol, extension_kind);
            let word = (6u32 << 28) | (u32::from(h.traffic_class) << 20) | h.flow_label;
            let mut b = word.to_be_bytes().to_vec();
            b.extend((payload.len() as u16).to_be_bytes());
            b.extend([first, h.hop_limit]);
            b.extend(h.src.to_be_bytes());
            b.extend(h.dst.to_be_bytes());
            b.extend(payload);
            (b, 40)
        }
    }
}

fn build(frame: &Frame) -> Built {
    let v6 = matches!(frame.ip, Ip::V6(_));
    let (ip, ip_header_len) = ip_bytes(&frame.ip, &frame.upper);
    let ethertype: u16 = if v6 { 0x86DD } else { 0x0800 };
    let family = |af_inet6: u32| if v6 { af_inet6 } else { 2 };
    let mut b = Vec::new();
    let mut snap = None;
    let mut mpls = false;
    let mut by_version = false;
    let link = match &frame.link {
        Link::Ethernet { tags, inner } => {
            b.extend([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]);
            let last = match inner {
                EthernetInner::Plain => ethertype,
                EthernetInner::Pppoe { .. } => 0x8864,
                EthernetInner::Mpls { multicast, .. } => {
                    if *multicast {
                        0x8848
                    } else {
                        0x8847
                    }
                }
                EthernetInner::Snap => u16::try_from(8 + ip.len()).expect("fits in 1500"),
            };
            let types: Vec<u16> = tags.iter().map(|t| t.0).chain([last]).collect();
            b.extend(types[0].to_be_bytes());
            for (i, (_, tci)) in tags.iter().enumerate() {
                b.extend(tci.to_be_bytes());
                b.extend(types[i + 1].to_be_bytes());
            }
            match inner {
                EthernetInner::Plain => {}
                EthernetInner::Pppoe { session } => {
                    b.extend([0x11, 0x00]);
                    b.extend(session.to_be_bytes());
                    b.extend(((2 + ip.len()) as u16).to_be_bytes());
                    b.extend(if v6 { [0x00, 0x57] } else { [0x00, 0x21] });
                }
                EthernetInner::Mpls { labels, .. } => {
                    mpls = true;
                    for (i, label) in labels.iter().enumerate() {
                        let bottom = u32::from(i + 1 == labels.len());
                        b.extend(((label << 12) | (bottom << 8) | 64).to_be_bytes());
                    }
                }
                EthernetInner::Snap => {
                    snap = Some((b.len(), last));
                    b.extend([0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00]);
                    b.extend(ethertype.to_be_bytes());
                }
            }
            LinkType::ETHERNET
        }
        Link::Sll => {
            b.extend([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
            b.extend(ethertype.to_be_bytes());
            LinkType::LINUX_SLL
        }
        Link::Sll2 => {
            b.extend(ethertype.to_be_bytes());
            b.extend([0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
            LinkType::LINUX_SLL2
        }
        Link::Raw(number) => {
            by_version = true;
            LinkType(*number)
        }
        Link::RawVersioned => {
            if v6 {
                LinkType::IPV6
            } else {
                LinkType::IPV4
            }
        }
        Link::Null {
            little_endian,
            ethertype: as_ethertype,
            af_inet6,
        } => {
            let value = if *as_ethertype {
                u32::from(ethertype)
            } else {
                family(*af_inet6)
            };
            b.extend(if *little_endian {
                value.to_le_bytes()
            } else {
                value.to_be_bytes()
            });
            LinkType::NULL
        }
        Link::Loop {
            ethertype: as_ethertype,
            af_inet6,
        } => {
            let value = if *as_ethertype {
                u32::from(ethertype)
            } else {
                family(*af_inet6)
            };
            b.extend(value.to_be_bytes());
            LinkType::LOOP
        }
    };
    let link_len = b.len();
    let ip_len = ip.len();
    b.extend(ip);
    b.extend(&frame.trailer);
    Built {
        link,
        bytes: b,
        link_len,
        snap,
        mpls,
        by_version,
        ip_header_len,
        ip_len,
    }
}

// ---------------------------------------------------------------- expectations

/// What `decode` must say about the IP packet of `frame` when `avail` bytes
/// of what follows the fixed IP header are visible to it.
#[derive(Debug, PartialEq, Eq)]
struct Expected {
    protocol: u8,
    /// Offset and length of `Packet::payload` within the bytes after the
    /// fixed IP header.
    payload: (usize, usize),
    fragment: Option<Fragment>,
    later: bool,
    /// Whether the walk reached the transport header the builder wrote.
    reached_upper: bool,
}

fn expected(frame: &Frame, avail: usize) -> Expected {
    let (upper_protocol, _) = upper_bytes(&frame.upper, matches!(frame.ip, Ip::V6(_)));
    match &frame.ip {
        Ip::V4(h) => {
            let fragment = (h.offset != 0 || h.mf).then_some(Fragment {
                offset: h.offset,
                more: h.mf,
            });
            Expected {
                protocol: upper_protocol,
                payload: (0, avail),
                fragment,
                later: h.offset != 0,
                reached_upper: h.offset == 0,
            }
        }
        Ip::V6(h) => {
            let mut at = 0;
            let mut fragment = None;
            for (i, e) in h.extensions.iter().enumerate() {
                let len = extension_bytes(e, 0).len();
                if avail < at + len {
                    // Cut short: its next-header byte names the protocol if
                    // it was captured, else the header's own kind does.
                    let next = h
                        .extensions
                        .get(i + 1)
                        .map_or(upper_protocol, extension_kind);
                    return Expected {
                        protocol: if avail > at { next } else { extension_kind(e) },
                        payload: (at, 0),
                        fragment,
                        later: false,
                        reached_upper: false,
                    };
                }
                at += len;
                if let Extension::Fragment { offset, more, .. } = e {
                    fragment = Some(Fragment {
                        offset: *offset,
                        more: *more,
                    });
                    if *offset != 0 {
                        let next = h
                            .extensions
                            .get(i + 1)
                            .map_or(upper_protocol, extension_kind);
                        return Expected {
                            protocol: next,
                            payload: (at, avail - at),
                            fragment,
                            later: true,
                            reached_upper: false,
                        };
                    }
                }
            }
            Expected {
                protocol: upper_protocol,
                payload: (at, avail - at),
                fragment,
                later: false,
                reached_upper: true,
            }
        }
    }
}

/// The IP-header-relative offset of `inner` within `outer`.
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    assert!(
        start + inner.len() <= outer.len(),
        "payload outside the frame"
    );
    start
}

/// Asserts that `packet`, decoded from `built.bytes[..cut]`, is what the
/// model says, down to every transport field that was captured.
fn check_packet(frame: &Frame, built: &Built, cut: usize, packet: &Packet<'_>) {
    let after_header = built.link_len + built.ip_header_len;
    // An IPv6 payload length of zero means "what was captured", so a bare
    // IPv6 header takes the link trailer as its payload.
    let end = if built.ip_len == 40 && matches!(frame.ip, Ip::V6(_)) {
        cut
    } else {
        (built.link_len + built.ip_len).min(cut)
    };
    let want = expected(frame, end - after_header);
    assert_eq!(packet.protocol, want.protocol);
    assert_eq!(packet.fragment, want.fragment);
    assert_eq!(packet.is_later_fragment(), want.later);
    if want.payload.1 > 0 {
        let start = offset_in(&built.bytes, packet.payload) - after_header;
        assert_eq!((start, packet.payload.len()), want.payload);
    } else {
        assert_eq!(packet.payload.len(), 0);
    }

    match &frame.ip {
        Ip::V4(h) => {
            let IpSlice::V4(ip) = packet.ip else {
                panic!("IPv4 decoded as {:?}", packet.ip)
            };
            assert_eq!(ip.source_u32(), h.src);
            assert_eq!(ip.destination_u32(), h.dst);
            assert_eq!((ip.dscp(), ip.ecn()), (h.dscp, h.ecn));
            assert_eq!(ip.identification(), h.id);
            assert_eq!((ip.dont_fragment(), ip.more_fragments()), (h.df, h.mf));
            assert_eq!(ip.fragment_offset(), h.offset);
            assert_eq!(ip.ttl(), h.ttl);
            assert_eq!(ip.header_checksum(), h.checksum);
            assert_eq!(ip.options(), &h.options[..]);
            assert_eq!(ip.header_len(), built.ip_header_len);
            assert_eq!(usize::from(ip.total_len()), built.ip_len);
        }
        Ip::V6(h) => {
            let IpSlice::V6(ip) = packet.ip else {
                panic!("IPv6 decoded as {:?}", packet.ip)
            };
            assert_eq!(ip.source_u128(), h.src);
            assert_eq!(ip.destination_u128(), h.dst);
            assert_eq!(ip.traffic_class(), h.traffic_class);
            assert_eq!(ip.flow_label(), h.flow_label);
            assert_eq!(ip.hop_limit(), h.hop_limit);
            assert_eq!(usize::from(ip.payload_len()), built.ip_len - 40);
        }
    }

    let transport = packet.transport();
    if want.later {
        assert_eq!(
            transport,
            Ok(Transport::LaterFragment {
                protocol: want.protocol
            })
        );
        assert_eq!(packet.ports(), None);
        return;
    }
    if !want.reached_upper {
        assert_eq!(packet.ports(), None);
        // A cut extension header may still name TCP or UDP; their headers
        // are then simply absent.
        match transport {
            Ok(t) => assert_eq!(
                t,
                Transport::Other {
                    protocol: want.protocol
                }
            ),
            Err(e) => assert_eq!(e.available, 0),
        }
        return;
    }
    let captured = packet.payload.len();
    match &frame.upper {
        Upper::Tcp(t) => {
            let ports = (captured >= 4).then_some((t.src, t.dst));
            assert_eq!(packet.ports(), ports);
            let (options, kept) = tcp_options_bytes(&t.options);
            let header_len = 20 + options.len().div_ceil(4) * 4;
            if captured < header_len {
                let e = transport.expect_err("TCP header cut short");
                assert_eq!((e.layer, e.available), (Layer::Tcp, captured));
                return;
            }
            let Ok(Transport::Tcp(tcp)) = transport else {
                panic!("expected TCP, got {transport:?}")
            };
            assert_eq!((tcp.source_port(), tcp.destination_port()), (t.src, t.dst));
            assert_eq!(tcp.sequence_number(), t.seq);
            assert_eq!(tcp.acknowledgment_number(), t.ack);
            assert_eq!(tcp.flags(), TcpFlags(t.flags));
            assert_eq!(tcp.window_size(), t.window);
            assert_eq!(tcp.checksum(), t.checksum);
            assert_eq!(tcp.urgent_pointer(), t.urgent);
            assert_eq!(tcp.header_len(), header_len);
            assert_eq!(tcp.payload(), &t.payload[..captured - header_len]);
            let sack_edges: Vec<Vec<u8>> = t.options[..kept]
                .iter()
                .map(|o| match o {
                    TcpOptionSpec::Sack(blocks) => blocks
                        .iter()
                        .flat_map(|(l, r)| [l.to_be_bytes(), r.to_be_bytes()].concat())
                        .collect(),
                    _ => Vec::new(),
                })
                .collect();
            let mut want_options: Vec<TcpOption<'_>> = t.options[..kept]
                .iter()
                .zip(&sack_edges)
                .map(|(o, edges)| match o {
                    TcpOptionSpec::Nop => TcpOption::Nop,
                    TcpOptionSpec::Mss(m) => TcpOption::Mss(*m),
                    TcpOptionSpec::WindowScale(s) => TcpOption::WindowScale(*s),
                    TcpOptionSpec::SackPermitted => TcpOption::SackPermitted,
                    TcpOptionSpec::Sack(_) => TcpOption::Sack(edges),
                    TcpOptionSpec::Timestamp(value, echo) => TcpOption::Timestamp {
                        value: *value,
                        echo: *echo,
                    },
                    TcpOptionSpec::Unknown(kind, data) => TcpOption::Unknown { kind: *kind, data },
                })
                .collect();
            if options.len() % 4 != 0 {
                want_options.push(TcpOption::EndOfList);
            }
            assert_eq!(tcp.options().collect::<Vec<_>>(), want_options);
            let mss = t.options[..kept].iter().find_map(|o| match o {
                TcpOptionSpec::Mss(m) => Some(*m),
                _ => None,
            });
            assert_eq!(tcp.mss(), mss);
        }
        Upper::Udp {
            src,
            dst,
            checksum,
            payload,
        } => {
            assert_eq!(packet.ports(), (captured >= 4).then_some((*src, *dst)));
            if captured < 8 {
                let e = transport.expect_err("UDP header cut short");
                assert_eq!(
                    (e.layer, e.required, e.available),
                    (Layer::Udp, 8, captured)
                );
                return;
            }
            let Ok(Transport::Udp(udp)) = transport else {
                panic!("expected UDP, got {transport:?}")
            };
            assert_eq!((udp.source_port(), udp.destination_port()), (*src, *dst));
            assert_eq!(usize::from(udp.length()), 8 + payload.len());
            assert_eq!(udp.checksum(), *checksum);
            assert_eq!(udp.payload(), &payload[..captured - 8]);
        }
        Upper::Icmp {
            icmp_type,
            code,
            checksum,
            body,
        } => {
            assert_eq!(packet.ports(), None);
            if captured < 4 {
                let e = transport.expect_err("ICMP header cut short");
                assert_eq!(
                    (e.layer, e.required, e.available),
                    (Layer::Icmp, 4, captured)
                );
                return;
            }
            let icmp = match (transport, &frame.ip) {
                (Ok(Transport::Icmp(i)), Ip::V4(_)) | (Ok(Transport::Icmpv6(i)), Ip::V6(_)) => i,
                (other, _) => panic!("expected ICMP of the IP version, got {other:?}"),
            };
            assert_eq!((icmp.icmp_type(), icmp.code()), (*icmp_type, *code));
            assert_eq!(icmp.checksum(), *checksum);
            assert_eq!(icmp.body(), &body[..captured - 4]);
        }
        Upper::Other { protocol, .. } => {
            assert_eq!(packet.ports(), None);
            assert_eq!(
                transport,
                Ok(Transport::Other {
                    protocol: *protocol
                })
            );
        }
    }
}

/// Whatever `decode` returns, reading it further must not panic, and the
/// payload must lie inside the frame.
fn exercise(frame: &[u8], decoded: &Result<Packet<'_>, DecodeError>) {
    let Ok(packet) = decoded else { return };
    if !packet.payload.is_empty() {
        offset_in(frame, packet.payload);
    }
    if let Some(_ports) = packet.ports() {
        assert!(matches!(packet.protocol, protocol::TCP | protocol::UDP));
        assert!(packet.payload.len() >= 4);
        assert!(!packet.is_later_fragment());
    }
    let _ = (packet.ip.source(), packet.ip.destination(), packet.ip.ttl());
    match packet.transport() {
        Ok(Transport::Tcp(tcp)) => {
            assert!((20..=60).contains(&tcp.header_len()));
            assert_eq!(tcp.header_len() + tcp.payload().len(), packet.payload.len());
            let _ = (tcp.flags(), tcp.mss(), tcp.sequence_number());
            assert!(tcp.options().count() <= 40);
        }
        Ok(Transport::Udp(udp)) => {
            let _ = (udp.length(), udp.payload());
        }
        Ok(Transport::Icmp(icmp) | Transport::Icmpv6(icmp)) => {
            let _ = (icmp.icmp_type(), icmp.code(), icmp.body());
        }
        Ok(Transport::LaterFragment { protocol } | Transport::Other { protocol }) => {
            assert_eq!(protocol, packet.protocol);
        }
        Err(e) => assert!(e.available < e.required),
    }
}

const CASES: u32 = 2048;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// A frame built from random fields decodes to exactly those fields.
    #[test]
    fn built_frames_decode_to_their_fields(frame in frame()) {
        let built = build(&frame);
        let packet = decode(built.link, &built.bytes).unwrap_or_else(|e| panic!("{e}: {built:?}"));
        check_packet(&frame, &built, built.bytes.len(), &packet);
    }

    /// Cutting a built frame anywhere fails the way the cut says.
    #[test]
    fn truncated_frames_fail_where_they_were_cut(frame in frame(), at in any::<prop::sample::Index>()) {
        let built = build(&frame);
        let cut = at.index(built.bytes.len() + 1);
        let bytes = &built.bytes[..cut];
        let decoded = decode(built.link, bytes);
        exercise(bytes, &decoded);
        let v6 = matches!(frame.ip, Ip::V6(_));
        let ip_layer = if v6 { Layer::Ipv6 } else { Layer::Ipv4 };
        if cut < built.link_len {
            match (decoded, built.snap) {
                // Inside the LLC/SNAP header: a plain 802.3 frame, not IP.
                (Err(DecodeError::NotIp { protocol }), Some((at, length))) if cut >= at => {
                    prop_assert_eq!(protocol, u32::from(length));
                }
                (Err(DecodeError::Malformed { layer: Layer::Link, .. }), _) => {}
                (other, _) => panic!("cut at {cut} inside the link header: {other:?}"),
            }
        } else if cut == built.link_len {
            if built.mpls {
                // MPLS says nothing of what follows; nothing follows.
                let is_mpls = matches!(decoded, Err(DecodeError::NotIp { protocol: 0x8847 | 0x8848 }));
                prop_assert!(is_mpls, "{:?}", decoded);
            } else if built.by_version {
                let link_malformed = matches!(decoded, Err(DecodeError::Malformed { layer: Layer::Link, .. }));
                prop_assert!(link_malformed, "{:?}", decoded);
            } else {
                let required = if v6 { 40 } else { 20 };
                prop_assert_eq!(decoded, Err(DecodeError::Truncated { layer: ip_layer, required, available: 0 }));
            }
        } else if cut < built.link_len + built.ip_header_len {
            let available = cut - built.link_len;
            let required = if v6 || available >= 20 { built.ip_header_len } else { 20 };
            prop_assert_eq!(decoded, Err(DecodeError::Truncated { layer: ip_layer, required, available }));
        } else {
            let packet = decoded.unwrap_or_else(|e| panic!("cut at {cut} past the IP header: {e}"));
            check_packet(&frame, &built, cut, &packet);
        }
    }

    /// A lying IPv4 total length or IPv6 payload length bounds the payload,
    /// or (below the header) makes the packet malformed.
    #[test]
    fn ip_length_fields_bound_the_payload(frame in frame(), claimed in any::<u16>()) {
        let mut built = build(&frame);
        let at = built.link_len;
        let v6 = matches!(frame.ip, Ip::V6(_));
        let field = if v6 { at + 4 } else { at + 2 };
        built.bytes[field..field + 2].copy_from_slice(&claimed.to_be_bytes());
        let decoded = decode(built.link, &built.bytes);
        exercise(&built.bytes, &decoded);
        let captured = built.bytes.len() - at;
        let claimed = usize::from(claimed);
        let ip_end = match (v6, claimed) {
            (_, 0) => captured,
            (false, n) if n < built.ip_header_len => {
                prop_assert_eq!(decoded, Err(DecodeError::Malformed {
                    layer: Layer::Ipv4,
                    reason: "total length shorter than the header",
                }));
                return Ok(());
            }
            (false, n) => n.min(captured),
            (true, n) => (40 + n).min(captured),
        };
        let packet = decoded.unwrap_or_else(|e| panic!("{e}"));
        let want = expected(&frame, ip_end - built.ip_header_len);
        prop_assert_eq!(packet.protocol, want.protocol);
        prop_assert_eq!(packet.payload.len(), want.payload.1);
        prop_assert_eq!(packet.fragment, want.fragment);
    }

    /// Random bytes under any link type, supported or not, never panic.
    #[test]
    fn random_bytes_never_panic(link in 0u32..300, bytes in vec(any::<u8>(), 0..200)) {
        let decoded = decode(LinkType(link), &bytes);
        if !LinkType(link).is_supported() {
            prop_assert_eq!(decoded, Err(DecodeError::UnsupportedLink(LinkType(link))));
        }
        exercise(&bytes, &decoded);
    }

    /// Random bytes after a link header that announces IP: the IP and
    /// transport parsers see garbage rather than the link parser.
    #[test]
    fn random_ip_never_panics(version in prop::sample::select(vec![0x40u8, 0x60]), bytes in vec(any::<u8>(), 0..120)) {
        let mut frame = bytes;
        if let Some(first) = frame.first_mut() {
            *first = version | (*first & 0x0F);
        }
        let decoded = decode(LinkType::RAW, &frame);
        exercise(&frame, &decoded);
    }

    /// Valid frames with bytes overwritten at random never panic, and
    /// whatever decodes can be read further.
    #[test]
    fn mutated_frames_never_panic(
        frame in frame(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut built = build(&frame);
        for (at, byte) in edits {
            let i = at.index(built.bytes.len());
            built.bytes[i] = byte;
        }
        let decoded = decode(built.link, &built.bytes);
        exercise(&built.bytes, &decoded);
    }
}
