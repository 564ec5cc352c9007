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
