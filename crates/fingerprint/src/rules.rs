//! The per-packet rules behind [`tag`]. The crate documentation states each
//! rule, where it comes from and how often it fires by chance.

use hirundo_packet::{protocol, IpSlice, Packet, TcpFlags, TcpSlice, Transport};

use crate::bogon::{is_bogon_v4, is_bogon_v6};
use crate::Tags;

/// The IPv4 identification ZMap 2.x to 4.0 writes in every probe
/// (`make_ip_header` in `src/probe_modules/packet.c`).
pub const ZMAP_IP_ID: u16 = 54321;

/// The IPv4 identification Masscan gives a TCP segment: the low 16 bits of
/// `ip_them ^ port_them ^ seqno` (`tcp_create_packet` and
/// `template_set_target` in `src/templ-pkt.c`).
#[inline]
pub fn masscan_ip_id(dst: u32, dst_port: u16, seq: u32) -> u16 {
    (dst ^ u32::from(dst_port) ^ seq) as u16
}

/// Tags one decoded packet. Pure, allocation-free, a few ns.
///
/// Transport rules need the whole fixed transport header (20 bytes of TCP,
/// 8 of UDP, 4 of ICMP) and are never applied to a later fragment; the
/// port-0 and UDP-source-53 rules need only the four port bytes, as the
/// summary's port counts do.
#[inline]
pub fn tag(packet: &Packet<'_>) -> Tags {
    let mut tags = Tags::NONE;
    let v4 = match packet.ip {
        IpSlice::V4(h) => Some(h),
        IpSlice::V6(_) => None,
    };
    if let Some(h) = v4 {
        if h.identification() == ZMAP_IP_ID {
            tags |= Tags::ZMAP;
        }
    }
    if is_spoofed(packet) {
        tags |= Tags::SPOOFED;
    }
    match packet.transport() {
        Ok(Transport::Tcp(tcp)) => {
            if let Some(h) = v4 {
                let dst = h.destination_u32();
                if is_syn(tcp.flags()) && tcp.sequence_number() == dst {
                    tags |= Tags::MIRAI;
                }
                if h.identification()
                    == masscan_ip_id(dst, tcp.destination_port(), tcp.sequence_number())
                {
                    tags |= Tags::MASSCAN;
                }
            }
            if is_tcp_backscatter(&tcp) {
                tags |= Tags::BACKSCATTER;
            }
        }
        Ok(Transport::Icmp(icmp)) => {
            // Echo reply, unreachable, source quench, redirect, time
            // exceeded, parameter problem, timestamp reply, information
            // reply, address-mask reply: Corsaro3's list.
            if matches!(icmp.icmp_type(), 0 | 3 | 4 | 5 | 11 | 12 | 14 | 16 | 18) {
                tags |= Tags::BACKSCATTER;
            }
        }
        Ok(Transport::Icmpv6(icmp)) => {
            // Destination unreachable, packet too big, time exceeded,
            // parameter problem, echo reply.
            if matches!(icmp.icmp_type(), 1..=4 | 129) {
                tags |= Tags::BACKSCATTER;
            }
        }
        _ => {}
    }
    if packet.protocol == protocol::UDP && matches!(packet.ports(), Some((53, _))) {
        tags |= Tags::BACKSCATTER;
    }
    tags
}

/// Whether a packet is a TCP SYN without ACK: a connection attempt, the
/// packets a scanner verdict is judged on (see [`crate::SourceProfile`]).
#[inline]
pub fn is_syn_probe(packet: &Packet<'_>) -> bool {
    matches!(packet.transport(), Ok(Transport::Tcp(tcp)) if is_syn(tcp.flags()))
}

#[inline]
fn is_syn(flags: TcpFlags) -> bool {
    flags.contains(TcpFlags::SYN) && !flags.contains(TcpFlags::ACK)
}

/// SYN-ACK, or RST with or without ACK.
#[inline]
fn is_tcp_backscatter(tcp: &TcpSlice<'_>) -> bool {
    let flags = tcp.flags();
    flags.contains(TcpFlags::SYN | TcpFlags::ACK) || flags.contains(TcpFlags::RST)
}

/// Corsaro3's address and port rules for spoofed sources, plus its
/// reserved-source list.
#[inline]
fn is_spoofed(packet: &Packet<'_>) -> bool {
    let by_address = match packet.ip {
        IpSlice::V4(h) => {
            let src = h.source_u32();
            matches!(src & 0xff, 0 | 0xff) || src == h.destination_u32() || is_bogon_v4(src)
        }
        IpSlice::V6(h) => {
            let src = h.source_u128();
            src == h.destination_u128() || is_bogon_v6(src)
        }
    };
    by_address || matches!(packet.ports(), Some((0, _) | (_, 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_packet::{decode, LinkType};
    use proptest::prelude::*;

    /// 93.184.216.34: an ordinary public source.
    const SRC: u32 = 0x5db8_d822;
    /// 198.51.100.2: a darknet address, as in the simulator.
    const DST: u32 = 0xc633_6402;
    const SYN: u8 = 0x02;
    const RST: u8 = 0x04;
    const ACK: u8 = 0x10;
    const MSS_1460: [u8; 4] = [2, 4, 0x05, 0xb4];

    fn ipv4(src: u32, dst: u32, id: u16, proto: u8, frag: u16, payload: &[u8]) -> Vec<u8> {
        let total = (20 + payload.len()) as u16;
        let mut p = vec![0x45, 0];
        p.extend(total.to_be_bytes());
        p.extend(id.to_be_bytes());
        p.extend(frag.to_be_bytes());
        p.extend([64, proto, 0, 0]);
        p.extend(src.to_be_bytes());
        p.extend(dst.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    fn ipv6(src: u128, dst: u128, next: u8, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend((payload.len() as u16).to_be_bytes());
        p.extend([next, 64]);
        p.extend(src.to_be_bytes());
        p.extend(dst.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    fn tcp(sport: u16, dport: u16, seq: u32, flags: u8, options: &[u8]) -> Vec<u8> {
        let words = 5 + options.len() / 4;
        let mut t = Vec::new();
        t.extend(sport.to_be_bytes());
        t.extend(dport.to_be_bytes());
        t.extend(seq.to_be_bytes());
        t.extend(0u32.to_be_bytes());
        t.extend([(words as u8) << 4, flags]);
        t.extend(1024u16.to_be_bytes());
        t.extend([0, 0, 0, 0]);
        t.extend_from_slice(options);
        t
    }

    fn udp(sport: u16, dport: u16) -> Vec<u8> {
        let mut u = Vec::new();
        u.extend(sport.to_be_bytes());
        u.extend(dport.to_be_bytes());
        u.extend([0, 8, 0, 0]);
        u
    }

    fn icmp(kind: u8) -> Vec<u8> {
        vec![kind, 0, 0, 0, 0, 1, 0, 1]
    }

    fn tags(frame: &[u8]) -> Tags {
        tag(&decode(LinkType::RAW, frame).expect("decodes"))
    }

    /// A TCP segment from SRC to DST with IP id 1 (matching nothing).
    fn v4_tcp(id: u16, dport: u16, seq: u32, flags: u8) -> Vec<u8> {
        ipv4(
            SRC,
            DST,
            id,
            protocol::TCP,
            0,
            &tcp(40000, dport, seq, flags, &[]),
        )
    }

    #[test]
    fn a_plain_syn_has_no_tag() {
        assert_eq!(tags(&v4_tcp(1, 23, 12345, SYN)), Tags::NONE);
    }

    #[test]
    fn mirai_syn_sequence_is_the_destination() {
        assert_eq!(tags(&v4_tcp(1, 23, DST, SYN)), Tags::MIRAI);
        // ECN bits do not matter; ACK does.
        assert_eq!(tags(&v4_tcp(1, 23, DST, SYN | 0x40 | 0x80)), Tags::MIRAI);
        for near in [DST + 1, DST - 1, DST.swap_bytes(), SRC] {
            assert_eq!(tags(&v4_tcp(1, 23, near, SYN)), Tags::NONE, "{near:#x}");
        }
        // A SYN-ACK whose sequence happens to be our address is a reply.
        assert_eq!(tags(&v4_tcp(1, 23, DST, SYN | ACK)), Tags::BACKSCATTER);
        assert_eq!(tags(&v4_tcp(1, 23, DST, ACK)), Tags::NONE);
    }

    #[test]
    fn mirai_needs_ipv4_a_whole_header_and_no_later_fragment() {
        // IPv6 destination whose low 32 bits equal the sequence number.
        let dst6 = 0x2001_0db8_u128 << 96 | u128::from(DST);
        let src6 = 0x2a00_1450_u128 << 96 | 1;
        let frame = ipv6(src6, dst6, protocol::TCP, &tcp(1, 23, DST, SYN, &[]));
        assert_eq!(tags(&frame), Tags::NONE);
        let frame = v4_tcp(1, 23, DST, SYN);
        assert_eq!(tags(&frame[..20 + 19]), Tags::NONE);
        let frame = ipv4(SRC, DST, 1, protocol::TCP, 185, &tcp(1, 23, DST, SYN, &[]));
        assert_eq!(tags(&frame), Tags::NONE);
    }

    #[test]
    fn zmap_id_in_any_protocol() {
        assert_eq!(tags(&v4_tcp(54321, 80, 7, SYN)), Tags::ZMAP);
        let echo = ipv4(
            SRC,
            DST,
            54321,
            protocol::ICMP,
            0,
            &[8, 0, 0, 0, 0, 1, 0, 1],
        );
        assert_eq!(tags(&echo), Tags::ZMAP);
        let probe = ipv4(SRC, DST, 54321, protocol::UDP, 0, &udp(40000, 161));
        assert_eq!(tags(&probe), Tags::ZMAP);
        for near in [54320, 54322, 0xd431_u16.swap_bytes()] {
            assert_eq!(tags(&v4_tcp(near, 80, 7, SYN)), Tags::NONE, "{near}");
        }
    }

    #[test]
    fn masscan_id_relation_with_and_without_mss() {
        // 198.51.100.2 ^ 23 ^ 0: only the low 16 bits, 0x6402 ^ 0x0017.
        assert_eq!(masscan_ip_id(DST, 23, 0), 0x6415);
        assert_eq!(tags(&v4_tcp(0x6415, 23, 0, SYN)), Tags::MASSCAN);
        let seq = 0x9e37_79b9;
        let id = masscan_ip_id(DST, 8728, seq);
        assert_eq!(id, (0x6402 ^ 8728 ^ 0x79b9) as u16);
        let bare = ipv4(
            SRC,
            DST,
            id,
            protocol::TCP,
            0,
            &tcp(61000, 8728, seq, SYN, &[]),
        );
        let mss = ipv4(
            SRC,
            DST,
            id,
            protocol::TCP,
            0,
            &tcp(61000, 8728, seq, SYN, &MSS_1460),
        );
        assert_eq!(tags(&bare), Tags::MASSCAN);
        assert_eq!(tags(&mss), Tags::MASSCAN);
        // Off by one in the id, the port or the sequence number.
        assert_eq!(tags(&v4_tcp(id ^ 1, 8728, seq, SYN)), Tags::NONE);
        assert_eq!(tags(&v4_tcp(id, 8729, seq, SYN)), Tags::NONE);
        assert_eq!(tags(&v4_tcp(id, 8728, seq + 1, SYN)), Tags::NONE);
        // The source port is not part of it.
        let other_sport = ipv4(SRC, DST, id, protocol::TCP, 0, &tcp(1, 8728, seq, SYN, &[]));
        assert_eq!(tags(&other_sport), Tags::MASSCAN);
    }

    #[test]
    fn masscan_relation_is_tcp_only() {
        // The same id and "port" in UDP: masscan's UDP template does set
        // its id this way, but there is no sequence number to check.
        let id = masscan_ip_id(DST, 53, 0);
        let probe = ipv4(SRC, DST, id, protocol::UDP, 0, &udp(40000, 53));
        assert_eq!(tags(&probe), Tags::NONE);
    }

    #[test]
    fn backscatter_tcp_flags() {
        let cases = [
            (SYN | ACK, true),
            (RST, true),
            (RST | ACK, true),
            (SYN, false),
            (ACK, false),
            (0x01, false),       // FIN
            (0x01 | ACK, false), // FIN-ACK
            (0x08 | ACK, false), // PSH-ACK
            (0, false),
        ];
        for (flags, backscatter) in cases {
            let frame = ipv4(
                SRC,
                DST,
                1,
                protocol::TCP,
                0,
                &tcp(80, 41000, 5, flags, &[]),
            );
            assert_eq!(
                tags(&frame).contains(Tags::BACKSCATTER),
                backscatter,
                "{flags:#x}"
            );
        }
    }

    #[test]
    fn backscatter_icmp_types_exactly() {
        let tagged: Vec<u8> = (0..=255u8)
            .filter(|&t| tags(&ipv4(SRC, DST, 1, protocol::ICMP, 0, &icmp(t))) == Tags::BACKSCATTER)
            .collect();
        assert_eq!(tagged, [0, 3, 4, 5, 11, 12, 14, 16, 18]);
        let src6 = 0x2a00_1450_u128 << 96 | 1;
        let dst6 = 0x2001_0db8_u128 << 96 | 2;
        let tagged: Vec<u8> = (0..=255u8)
            .filter(|&t| tags(&ipv6(src6, dst6, protocol::ICMPV6, &icmp(t))) == Tags::BACKSCATTER)
            .collect();
        assert_eq!(tagged, [1, 2, 3, 4, 129]);
    }

    #[test]
    fn backscatter_udp_from_port_53_only() {
        let reply = ipv4(SRC, DST, 1, protocol::UDP, 0, &udp(53, 40000));
        assert_eq!(tags(&reply), Tags::BACKSCATTER);
        // Four port bytes are enough, as for the summary's ports.
        assert_eq!(tags(&reply[..24]), Tags::BACKSCATTER);
        let query = ipv4(SRC, DST, 1, protocol::UDP, 0, &udp(40000, 53));
        assert_eq!(tags(&query), Tags::NONE);
        let tcp53 = ipv4(SRC, DST, 1, protocol::TCP, 0, &tcp(53, 40000, 5, SYN, &[]));
        assert_eq!(tags(&tcp53), Tags::NONE);
        // A later fragment's first bytes are not a UDP header.
        let later = ipv4(SRC, DST, 1, protocol::UDP, 185, &udp(53, 40000));
        assert_eq!(tags(&later), Tags::NONE);
    }

    #[test]
    fn spoofed_by_last_octet_equal_addresses_and_port_zero() {
        let from = |src: u32| {
            tags(&ipv4(
                src,
                DST,
                1,
                protocol::TCP,
                0,
                &tcp(40000, 23, 5, SYN, &[]),
            ))
        };
        assert_eq!(from(0x5db8_d800), Tags::SPOOFED);
        assert_eq!(from(0x5db8_d8ff), Tags::SPOOFED);
        assert_eq!(from(0x5db8_d801), Tags::NONE);
        assert_eq!(from(0x5db8_d8fe), Tags::NONE);
        assert_eq!(from(DST), Tags::SPOOFED);
        for (sport, dport) in [(0, 23), (40000, 0)] {
            let t = ipv4(
                SRC,
                DST,
                1,
                protocol::TCP,
                0,
                &tcp(sport, dport, 5, SYN, &[]),
            );
            assert_eq!(tags(&t), Tags::SPOOFED, "tcp {sport} {dport}");
            let u = ipv4(SRC, DST, 1, protocol::UDP, 0, &udp(sport, dport));
            assert_eq!(tags(&u), Tags::SPOOFED, "udp {sport} {dport}");
        }
        // Echo reply's type 0 is not a port.
        let echo = ipv4(SRC, DST, 1, protocol::ICMP, 0, &[0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(tags(&echo), Tags::BACKSCATTER);
    }

    #[test]
    fn spoofed_by_bogon_source_but_never_by_destination() {
        for bogon in [
            0x0a00_0001,
            0x7f00_0001,
            0xc0a8_0101,
            0xe000_0001,
            0x6440_0001,
            0xc633_6407,
        ] {
            let frame = ipv4(bogon, DST, 1, protocol::UDP, 0, &udp(40000, 161));
            assert_eq!(tags(&frame), Tags::SPOOFED, "{bogon:#x}");
        }
        // A SYN-ACK from a private address: both.
        let frame = ipv4(
            0x0a00_0001,
            DST,
            1,
            protocol::TCP,
            0,
            &tcp(80, 41000, 5, SYN | ACK, &[]),
        );
        assert_eq!(tags(&frame), Tags::BACKSCATTER | Tags::SPOOFED);
        // Darknets in documentation or private space are fine as destinations.
        for dst in [0xc633_6400, 0x0a00_0000, 0xcb00_71ff] {
            let frame = ipv4(SRC, dst, 1, protocol::UDP, 0, &udp(40000, 161));
            assert_eq!(tags(&frame), Tags::NONE, "{dst:#x}");
        }
    }

    #[test]
    fn spoofed_ipv6_has_no_last_octet_rule() {
        let dst6 = 0x2001_0db8_u128 << 96 | 2;
        let from = |src: u128| tags(&ipv6(src, dst6, protocol::UDP, &udp(40000, 161)));
        assert_eq!(from(0x2a00_1450_u128 << 96), Tags::NONE);
        assert_eq!(from(0x2a00_1450_u128 << 96 | 0xff), Tags::NONE);
        assert_eq!(from(1), Tags::SPOOFED); // ::1
        assert_eq!(from(0xfe80_u128 << 112 | 1), Tags::SPOOFED);
        assert_eq!(from(dst6), Tags::SPOOFED);
    }

    #[test]
    fn several_tags_at_once() {
        // A masscan-shaped SYN from .0 that also has ZMap's id and Mirai's
        // sequence: every rule speaks for itself.
        let seq = DST;
        // seq == dst cancels out, so the destination port is the id.
        let dport = ZMAP_IP_ID;
        let id = masscan_ip_id(DST, dport, seq);
        assert_eq!(id, ZMAP_IP_ID);
        let frame = ipv4(
            0x5db8_d800,
            DST,
            id,
            protocol::TCP,
            0,
            &tcp(1, dport, seq, SYN, &[]),
        );
        assert_eq!(
            tags(&frame),
            Tags::MIRAI | Tags::ZMAP | Tags::MASSCAN | Tags::SPOOFED
        );
    }

    #[test]
    fn syn_probe_is_syn_without_ack() {
        let probe = |flags| is_syn_probe(&decode(LinkType::RAW, &v4_tcp(1, 23, 5, flags)).unwrap());
        assert!(probe(SYN));
        assert!(!probe(SYN | ACK));
        assert!(!probe(ACK));
        let udp = ipv4(SRC, DST, 1, protocol::UDP, 0, &udp(1, 2));
        assert!(!is_syn_probe(&decode(LinkType::RAW, &udp).unwrap()));
    }

    /// Well-formed frames of every shape the rules look at, to mutate.
    fn seeds() -> Vec<Vec<u8>> {
        let src6 = 0x2a00_1450_u128 << 96 | 1;
        let dst6 = 0x2001_0db8_u128 << 96 | 2;
        vec![
            v4_tcp(0x6415, 23, 0, SYN),
            ipv4(SRC, DST, 54321, protocol::UDP, 0, &udp(53, 40000)),
            ipv4(SRC, DST, 1, protocol::ICMP, 0, &icmp(3)),
            ipv4(SRC, DST, 1, protocol::UDP, 0x2000, &udp(53, 4)),
            ipv6(
                src6,
                dst6,
                protocol::TCP,
                &tcp(1, 2, 3, SYN | ACK, &MSS_1460),
            ),
            ipv6(src6, dst6, protocol::ICMPV6, &icmp(129)),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_random_frames(
            link in prop::sample::select(vec![LinkType::RAW, LinkType::ETHERNET, LinkType::NULL, LinkType::LINUX_SLL]),
            bytes in prop::collection::vec(any::<u8>(), 0..128),
        ) {
            if let Ok(packet) = decode(link, &bytes) {
                let t = tag(&packet);
                prop_assert_eq!(t.0 & !0x1f, 0);
                let _ = is_syn_probe(&packet);
            }
        }

        #[test]
        fn never_panics_on_mutated_frames(
            seed in 0usize..6,
            edits in prop::collection::vec((0usize..128, any::<u8>()), 1..8),
            cut in 0usize..128,
        ) {
            let mut frame = seeds()[seed].clone();
            for (at, byte) in edits {
                if let Some(b) = frame.get_mut(at) {
                    *b = byte;
                }
            }
            frame.truncate(cut.max(1));
            if let Ok(packet) = decode(LinkType::RAW, &frame) {
                let t = tag(&packet);
                // Mirai and Masscan are IPv4 TCP rules, ZMap an IPv4 one.
                let v4_tcp = matches!(packet.ip, IpSlice::V4(_)) && packet.protocol == protocol::TCP;
                prop_assert!(!t.contains(Tags::MIRAI) || v4_tcp);
                prop_assert!(!t.contains(Tags::MASSCAN) || v4_tcp);
                prop_assert!(!t.contains(Tags::ZMAP) || matches!(packet.ip, IpSlice::V4(_)));
            }
        }
    }
}
