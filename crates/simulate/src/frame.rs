//! Ethernet frames built in one reused buffer, with every checksum right:
//! analysts open these captures in Wireshark with checksum validation on.

use hirundo_packet::protocol;

/// The sensor's NIC: a locally administered address.
pub(crate) const SENSOR_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
/// The upstream router that forwards the darknet to the sensor.
pub(crate) const ROUTER_MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe];

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERNET_LEN: usize = 14;
const IPV4_LEN: usize = 20;
const IPV6_LEN: usize = 40;
const TCP_LEN: usize = 20;
const UDP_LEN: usize = 8;
const ICMP_LEN: usize = 8;

/// Ethernet's minimum frame without the FCS: shorter frames are padded
/// with zeros on the wire, and captures record the padding.
pub(crate) const MIN_FRAME: usize = 60;
/// A full 1500-byte IP packet in Ethernet.
pub(crate) const MAX_FRAME: usize = ETHERNET_LEN + 1500;

pub(crate) const TCP_SYN: u8 = 0x02;
pub(crate) const TCP_RST: u8 = 0x04;
pub(crate) const TCP_ACK: u8 = 0x10;

/// IPv4 header fields the families vary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ipv4 {
    pub src: u32,
    pub dst: u32,
    pub id: u16,
    pub ttl: u8,
    pub dont_fragment: bool,
    pub protocol: u8,
    /// Fragment offset in 8-byte units.
    pub fragment_offset: u16,
    pub more_fragments: bool,
}

impl Ipv4 {
    pub fn new(src: u32, dst: u32, protocol: u8, ttl: u8, id: u16) -> Self {
        Ipv4 {
            src,
            dst,
            id,
            ttl,
            dont_fragment: false,
            protocol,
            fragment_offset: 0,
            more_fragments: false,
        }
    }

    /// Writes the 20-byte header for a packet of `total_len` bytes, checksum
    /// included.
    pub fn write(&self, out: &mut [u8], total_len: usize) {
        let flags = u16::from(self.dont_fragment) << 14
            | u16::from(self.more_fragments) << 13
            | self.fragment_offset;
        out[0] = 0x45;
        out[1] = 0;
        out[2..4].copy_from_slice(&(total_len as u16).to_be_bytes());
        out[4..6].copy_from_slice(&self.id.to_be_bytes());
        out[6..8].copy_from_slice(&flags.to_be_bytes());
        out[8] = self.ttl;
        out[9] = self.protocol;
        out[10..12].copy_from_slice(&[0, 0]);
        out[12..16].copy_from_slice(&self.src.to_be_bytes());
        out[16..20].copy_from_slice(&self.dst.to_be_bytes());
        let sum = checksum(ones_sum(&out[..IPV4_LEN], 0));
        out[10..12].copy_from_slice(&sum.to_be_bytes());
    }

    fn pseudo_sum(&self, protocol: u8, len: usize) -> u32 {
        (self.src >> 16)
            + (self.src & 0xffff)
            + (self.dst >> 16)
            + (self.dst & 0xffff)
            + u32::from(protocol)
            + len as u32
    }
}

/// IPv6 header fields the families vary.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ipv6 {
    pub src: u128,
    pub dst: u128,
    pub hop_limit: u8,
    pub flow_label: u32,
}

impl Ipv6 {
    fn write(&self, out: &mut [u8], next_header: u8, payload_len: usize) {
        let first = 6u32 << 28 | (self.flow_label & 0x000f_ffff);
        out[0..4].copy_from_slice(&first.to_be_bytes());
        out[4..6].copy_from_slice(&(payload_len as u16).to_be_bytes());
        out[6] = next_header;
        out[7] = self.hop_limit;
        out[8..24].copy_from_slice(&self.src.to_be_bytes());
        out[24..40].copy_from_slice(&self.dst.to_be_bytes());
    }

    fn pseudo_sum(&self, next_header: u8, len: usize) -> u32 {
        ones_sum(&self.src.to_be_bytes(), 0)
            + ones_sum(&self.dst.to_be_bytes(), 0)
            + len as u32
            + u32::from(next_header)
    }
}

/// TCP header fields; options must be a multiple of 4 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tcp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub options: &'a [u8],
}

impl Tcp<'_> {
    fn len(&self) -> usize {
        TCP_LEN + self.options.len()
    }

    fn write(&self, out: &mut [u8]) {
        debug_assert!(self.options.len() % 4 == 0 && self.options.len() <= 40);
        out[0..2].copy_from_slice(&self.src_port.to_be_bytes());
        out[2..4].copy_from_slice(&self.dst_port.to_be_bytes());
        out[4..8].copy_from_slice(&self.seq.to_be_bytes());
        out[8..12].copy_from_slice(&self.ack.to_be_bytes());
        out[12] = ((self.len() / 4) as u8) << 4;
        out[13] = self.flags;
        out[14..16].copy_from_slice(&self.window.to_be_bytes());
        out[16..20].copy_from_slice(&[0, 0, 0, 0]);
        out[TCP_LEN..self.len()].copy_from_slice(self.options);
    }
}

/// Sums 16-bit big-endian words, an odd last byte padded with zero
/// (RFC 1071).
#[inline]
pub(crate) fn ones_sum(data: &[u8], initial: u32) -> u32 {
    let mut sum = u64::from(initial);
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff_ffff {
        sum = (sum & 0xffff_ffff) + (sum >> 32);
    }
    sum as u32
}

/// Folds a sum to 16 bits and complements it.
#[inline]
pub(crate) fn checksum(sum: u32) -> u16 {
    let mut s = sum;
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The UDP checksum of `datagram` (header included, checksum field zero)
/// between two IPv4 addresses. Zero means "none" in UDP, so it is sent as
/// 0xFFFF.
pub(crate) fn udp_checksum_v4(src: u32, dst: u32, datagram: &[u8]) -> u16 {
    let ip = Ipv4::new(src, dst, protocol::UDP, 0, 0);
    let sum = checksum(ones_sum(
        datagram,
        ip.pseudo_sum(protocol::UDP, datagram.len()),
    ));
    if sum == 0 {
        0xffff
    } else {
        sum
    }
}

/// One frame, rebuilt in place for every packet so that nothing is
/// allocated per packet.
pub(crate) struct FrameBuf {
    buf: Box<[u8; MAX_FRAME]>,
    len: usize,
}

impl FrameBuf {
    pub fn new() -> Self {
        FrameBuf {
            buf: Box::new([0; MAX_FRAME]),
            len: 0,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn ethernet(&mut self, src: [u8; 6], dst: [u8; 6], ethertype: u16) {
        self.buf[0..6].copy_from_slice(&dst);
        self.buf[6..12].copy_from_slice(&src);
        self.buf[12..14].copy_from_slice(&ethertype.to_be_bytes());
    }

    /// Sets the frame length, zero-padding to Ethernet's minimum.
    fn end(&mut self, len: usize) {
        if len < MIN_FRAME {
            self.buf[len..MIN_FRAME].fill(0);
            self.len = MIN_FRAME;
        } else {
            self.len = len;
        }
    }

    /// An IPv4 TCP segment without payload.
    pub fn tcp_v4(&mut self, ip: &Ipv4, tcp: &Tcp<'_>) {
        let ip = Ipv4 {
            protocol: protocol::TCP,
            ..*ip
        };
        let tcp_len = tcp.len();
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV4);
        let at = ETHERNET_LEN + IPV4_LEN;
        ip.write(&mut self.buf[ETHERNET_LEN..], IPV4_LEN + tcp_len);
        tcp.write(&mut self.buf[at..]);
        let segment = &self.buf[at..at + tcp_len];
        let sum = checksum(ones_sum(segment, ip.pseudo_sum(protocol::TCP, tcp_len)));
        self.buf[at + 16..at + 18].copy_from_slice(&sum.to_be_bytes());
        self.end(at + tcp_len);
    }

    /// An IPv6 TCP segment without payload.
    pub fn tcp_v6(&mut self, ip: &Ipv6, tcp: &Tcp<'_>) {
        let tcp_len = tcp.len();
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV6);
        let at = ETHERNET_LEN + IPV6_LEN;
        ip.write(&mut self.buf[ETHERNET_LEN..], protocol::TCP, tcp_len);
        tcp.write(&mut self.buf[at..]);
        let segment = &self.buf[at..at + tcp_len];
        let sum = checksum(ones_sum(segment, ip.pseudo_sum(protocol::TCP, tcp_len)));
        self.buf[at + 16..at + 18].copy_from_slice(&sum.to_be_bytes());
        self.end(at + tcp_len);
    }

    /// An IPv4 UDP datagram.
    pub fn udp_v4(&mut self, ip: &Ipv4, src_port: u16, dst_port: u16, payload: &[u8]) {
        let ip = Ipv4 {
            protocol: protocol::UDP,
            ..*ip
        };
        let udp_len = UDP_LEN + payload.len();
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV4);
        ip.write(&mut self.buf[ETHERNET_LEN..], IPV4_LEN + udp_len);
        let at = ETHERNET_LEN + IPV4_LEN;
        let udp = &mut self.buf[at..at + udp_len];
        udp[0..2].copy_from_slice(&src_port.to_be_bytes());
        udp[2..4].copy_from_slice(&dst_port.to_be_bytes());
        udp[4..6].copy_from_slice(&(udp_len as u16).to_be_bytes());
        udp[6..8].copy_from_slice(&[0, 0]);
        udp[UDP_LEN..].copy_from_slice(payload);
        let sum = udp_checksum_v4(ip.src, ip.dst, udp);
        udp[6..8].copy_from_slice(&sum.to_be_bytes());
        self.end(at + udp_len);
    }

    /// An ICMPv4 message: type, code, the four bytes after the checksum
    /// (identifier and sequence, or unused), then `body`.
    pub fn icmp_v4(&mut self, ip: &Ipv4, kind: u8, code: u8, rest: [u8; 4], body: &[u8]) {
        let ip = Ipv4 {
            protocol: protocol::ICMP,
            ..*ip
        };
        let icmp_len = ICMP_LEN + body.len();
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV4);
        ip.write(&mut self.buf[ETHERNET_LEN..], IPV4_LEN + icmp_len);
        let at = ETHERNET_LEN + IPV4_LEN;
        self.icmp_body(at, kind, code, rest, body, 0);
        self.end(at + icmp_len);
    }

    /// An ICMPv6 message; its checksum covers the IPv6 pseudo-header.
    pub fn icmp_v6(&mut self, ip: &Ipv6, kind: u8, code: u8, rest: [u8; 4], body: &[u8]) {
        let icmp_len = ICMP_LEN + body.len();
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV6);
        ip.write(&mut self.buf[ETHERNET_LEN..], protocol::ICMPV6, icmp_len);
        let at = ETHERNET_LEN + IPV6_LEN;
        let pseudo = ip.pseudo_sum(protocol::ICMPV6, icmp_len);
        self.icmp_body(at, kind, code, rest, body, pseudo);
        self.end(at + icmp_len);
    }

    fn icmp_body(
        &mut self,
        at: usize,
        kind: u8,
        code: u8,
        rest: [u8; 4],
        body: &[u8],
        pseudo: u32,
    ) {
        let icmp = &mut self.buf[at..at + ICMP_LEN + body.len()];
        icmp[0] = kind;
        icmp[1] = code;
        icmp[2..4].copy_from_slice(&[0, 0]);
        icmp[4..8].copy_from_slice(&rest);
        icmp[ICMP_LEN..].copy_from_slice(body);
        let sum = checksum(ones_sum(icmp, pseudo));
        icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    }

    /// An IPv4 packet whose payload is given whole: how fragments are
    /// written, each carrying its slice of an already checksummed datagram.
    pub fn ipv4_raw(&mut self, ip: &Ipv4, payload: &[u8]) {
        self.ethernet(ROUTER_MAC, SENSOR_MAC, ETHERTYPE_IPV4);
        ip.write(&mut self.buf[ETHERNET_LEN..], IPV4_LEN + payload.len());
        let at = ETHERNET_LEN + IPV4_LEN;
        self.buf[at..at + payload.len()].copy_from_slice(payload);
        self.end(at + payload.len());
    }

    /// An ARP who-has request broadcast by the router.
    pub fn arp_request(&mut self, sender_ip: u32, target_ip: u32) {
        self.ethernet(ROUTER_MAC, [0xff; 6], ETHERTYPE_ARP);
        let arp = &mut self.buf[ETHERNET_LEN..ETHERNET_LEN + 28];
        // Ethernet (1), IPv4, 6-byte and 4-byte addresses, request (1).
        arp[0..8].copy_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
        arp[8..14].copy_from_slice(&ROUTER_MAC);
        arp[14..18].copy_from_slice(&sender_ip.to_be_bytes());
        arp[18..24].fill(0);
        arp[24..28].copy_from_slice(&target_ip.to_be_bytes());
        self.end(ETHERNET_LEN + 28);
    }
}

/// The first 28 bytes of an IPv4 packet as an ICMP error quotes them: the
/// header, then the first 8 bytes of its payload (RFC 792).
pub(crate) fn quote_ipv4(ip: &Ipv4, total_len: u16, first8: [u8; 8]) -> [u8; 28] {
    let mut out = [0u8; 28];
    ip.write(&mut out, usize::from(total_len));
    out[IPV4_LEN..].copy_from_slice(&first8);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        let mut s = ones_sum(&data, 0);
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        assert_eq!(s, 0xddf2);
        assert_eq!(checksum(ones_sum(&data, 0)), !0xddf2);
    }

    #[test]
    fn a_header_with_its_checksum_sums_to_zero() {
        let mut out = [0u8; 20];
        Ipv4::new(0xC000_0201, 0xC633_6401, 6, 64, 0x1c46).write(&mut out, 60);
        assert_eq!(checksum(ones_sum(&out, 0)), 0);
        // The textbook header 4500 0073 0000 4000 4011 .... c0a8 0001 c0a8 00c7.
        let ip = Ipv4 {
            dont_fragment: true,
            ..Ipv4::new(0xc0a8_0001, 0xc0a8_00c7, 17, 64, 0)
        };
        ip.write(&mut out, 0x73);
        assert_eq!(&out[10..12], &[0xb8, 0x61]);
    }

    #[test]
    fn short_frames_are_padded_with_zeros() {
        let mut f = FrameBuf::new();
        f.buf.fill(0xAA);
        let ip = Ipv4::new(1, 2, 6, 64, 7);
        let tcp = Tcp {
            src_port: 1,
            dst_port: 23,
            seq: 0,
            ack: 0,
            flags: TCP_SYN,
            window: 1,
            options: &[],
        };
        f.tcp_v4(&ip, &tcp);
        assert_eq!(f.bytes().len(), MIN_FRAME);
        assert!(f.bytes()[54..].iter().all(|&b| b == 0));
        f.arp_request(1, 2);
        assert_eq!(f.bytes().len(), MIN_FRAME);
        assert!(f.bytes()[42..].iter().all(|&b| b == 0));
    }
}
