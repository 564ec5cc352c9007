//! Hand-built headers for the unit tests, with addresses from the
//! documentation ranges (RFC 5737, RFC 3849). Every length field is filled in
//! from what is actually appended, so a test only overrides what it is about.

pub(crate) const SRC4: [u8; 4] = [192, 0, 2, 1];
pub(crate) const DST4: [u8; 4] = [198, 51, 100, 2];
/// 2001:db8::1
pub(crate) const SRC6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
/// 2001:db8::2
pub(crate) const DST6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// An IPv4 packet with no options and no fragmentation.
pub(crate) fn ipv4(protocol: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_with(protocol, &[], 0, payload)
}

/// An IPv4 packet with `options` (a multiple of 4 bytes) and the 16-bit
/// flags/fragment-offset field `frag`.
pub(crate) fn ipv4_with(protocol: u8, options: &[u8], frag: u16, payload: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0, "IPv4 options are whole words");
    let header_len = 20 + options.len();
    let total = u16::try_from(header_len + payload.len()).expect("fits");
    let mut p = vec![0x40 | (header_len / 4) as u8, 0x00];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&0x1234u16.to_be_bytes());
    p.extend_from_slice(&frag.to_be_bytes());
    p.extend_from_slice(&[64, protocol, 0xAB, 0xCD]);
    p.extend_from_slice(&SRC4);
    p.extend_from_slice(&DST4);
    p.extend_from_slice(options);
    p.extend_from_slice(payload);
    p
}

/// An IPv6 packet whose payload (extension headers included) is `payload`.
pub(crate) fn ipv6(next_header: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("fits");
    let mut p = vec![0x60, 0x00, 0x00, 0x00];
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&[next_header, 64]);
    p.extend_from_slice(&SRC6);
    p.extend_from_slice(&DST6);
    p.extend_from_slice(payload);
    p
}

/// A UDP datagram.
pub(crate) fn udp(source: u16, destination: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + payload.len()).expect("fits");
    let mut p = Vec::new();
    p.extend_from_slice(&source.to_be_bytes());
    p.extend_from_slice(&destination.to_be_bytes());
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&0xBEEFu16.to_be_bytes());
    p.extend_from_slice(payload);
    p
}

/// A TCP header with `flags` (NS in bit 8) and `options` (whole words),
/// sequence 1000, acknowledgment 0, window 1024.
pub(crate) fn tcp(source: u16, destination: u16, flags: u16, options: &[u8]) -> Vec<u8> {
    assert_eq!(options.len() % 4, 0, "TCP options are whole words");
    let words = (20 + options.len()) / 4;
    let mut p = Vec::new();
    p.extend_from_slice(&source.to_be_bytes());
    p.extend_from_slice(&destination.to_be_bytes());
    p.extend_from_slice(&1000u32.to_be_bytes());
    p.extend_from_slice(&0u32.to_be_bytes());
    p.push(((words as u8) << 4) | ((flags >> 8) as u8 & 0x01));
    p.push(flags as u8);
    p.extend_from_slice(&1024u16.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0]);
    p.extend_from_slice(options);
    p
}

/// An Ethernet II frame (or 802.3, when `ethertype` is a length).
pub(crate) fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// The 4 bytes a VLAN tag adds after its TPID: the TCI, then the inner
/// EtherType.
pub(crate) fn tag(vlan: u16, inner: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&vlan.to_be_bytes());
    f.extend_from_slice(&inner.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// A PPPoE session header and PPP protocol number.
pub(crate) fn pppoe(ppp_protocol: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(2 + payload.len()).expect("fits");
    let mut f = vec![0x11, 0x00, 0x12, 0x34];
    f.extend_from_slice(&len.to_be_bytes());
    f.extend_from_slice(&ppp_protocol.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An MPLS label stack entry.
pub(crate) fn mpls_label(label: u32, bottom: bool) -> [u8; 4] {
    ((label << 12) | (u32::from(bottom) << 8) | 64).to_be_bytes()
}
