use std::net::IpAddr;

use crate::link::{self, Network};
use crate::{DecodeError, IcmpSlice, Ipv4Slice, Ipv6Slice, LenError, LinkType, TcpSlice, UdpSlice};

/// IP protocol numbers the summary names.
pub mod protocol {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

/// The outer IP header of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpSlice<'a> {
    V4(Ipv4Slice<'a>),
    V6(Ipv6Slice<'a>),
}

/// A source or destination address in a form that hashes fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddrKey {
    V4(u32),
    V6(u128),
}

impl From<AddrKey> for IpAddr {
    fn from(key: AddrKey) -> IpAddr {
        match key {
            AddrKey::V4(a) => IpAddr::V4(a.into()),
            AddrKey::V6(a) => IpAddr::V6(a.into()),
        }
    }
}

impl From<IpAddr> for AddrKey {
    fn from(addr: IpAddr) -> AddrKey {
        match addr {
            IpAddr::V4(a) => AddrKey::V4(a.into()),
            IpAddr::V6(a) => AddrKey::V6(a.into()),
        }
    }
}

impl IpSlice<'_> {
    pub fn source(&self) -> IpAddr {
        self.source_key().into()
    }
    pub fn destination(&self) -> IpAddr {
        self.destination_key().into()
    }
    #[inline]
    pub fn source_key(&self) -> AddrKey {
        match self {
            IpSlice::V4(h) => AddrKey::V4(h.source_u32()),
            IpSlice::V6(h) => AddrKey::V6(h.source_u128()),
        }
    }
    #[inline]
    pub fn destination_key(&self) -> AddrKey {
        match self {
            IpSlice::V4(h) => AddrKey::V4(h.destination_u32()),
            IpSlice::V6(h) => AddrKey::V6(h.destination_u128()),
        }
    }
    /// TTL (IPv4) or hop limit (IPv6).
    pub fn ttl(&self) -> u8 {
        match self {
            IpSlice::V4(h) => h.ttl(),
            IpSlice::V6(h) => h.hop_limit(),
        }
    }
}

/// Fragmentation as the outer IP header states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// Offset in 8-byte units; only offset 0 carries the transport header.
    pub offset: u16,
    pub more: bool,
}

/// A decoded frame: its outer IP header and what that header carries.
///
/// Everything borrows from the captured bytes; nothing is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    pub ip: IpSlice<'a>,
    /// The transport protocol number, after IPv6 extension headers. Where an
    /// extension header is cut short, the last next-header value captured.
    pub protocol: u8,
    /// The transport bytes: bounded by both the IP length fields and the
    /// capture length.
    pub payload: &'a [u8],
    /// Set when the packet is a fragment (IPv4 MF/offset, IPv6 fragment header).
    pub fragment: Option<Fragment>,
}

/// The transport header of a [`Packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp(TcpSlice<'a>),
    Udp(UdpSlice<'a>),
    Icmp(IcmpSlice<'a>),
    Icmpv6(IcmpSlice<'a>),
    /// A later fragment: its transport header is in another packet.
    LaterFragment {
        protocol: u8,
    },
    /// Any other protocol, by number.
    Other {
        protocol: u8,
    },
}

impl<'a> Packet<'a> {
    /// Whether this is a fragment other than the first.
    #[inline]
    pub fn is_later_fragment(&self) -> bool {
        matches!(self.fragment, Some(f) if f.offset != 0)
    }

    /// Source and destination port of TCP and UDP packets whose port fields
    /// were captured, except later fragments.
    #[inline]
    pub fn ports(&self) -> Option<(u16, u16)> {
        if !matches!(self.protocol, protocol::TCP | protocol::UDP) || self.is_later_fragment() {
            return None;
        }
        match self.payload {
            [a, b, c, d, ..] => Some((u16::from_be_bytes([*a, *b]), u16::from_be_bytes([*c, *d]))),
            _ => None,
        }
    }

    /// Parses the transport header in full.
    pub fn transport(&self) -> Result<Transport<'a>, LenError> {
        if self.is_later_fragment() {
            return Ok(Transport::LaterFragment {
                protocol: self.protocol,
            });
        }
        Ok(match self.protocol {
            protocol::TCP => Transport::Tcp(TcpSlice::from_slice(self.payload)?),
            protocol::UDP => Transport::Udp(UdpSlice::from_slice(self.payload)?),
            protocol::ICMP if matches!(self.ip, IpSlice::V4(_)) => {
                Transport::Icmp(IcmpSlice::from_slice(self.payload)?)
            }
            protocol::ICMPV6 if matches!(self.ip, IpSlice::V6(_)) => {
                Transport::Icmpv6(IcmpSlice::from_slice(self.payload)?)
            }
            protocol => Transport::Other { protocol },
        })
    }
}

/// Decodes one captured frame of link type `link` down to its outer IP header.
///
/// Never panics and never allocates, whatever the bytes.
#[inline]
pub fn decode(link: LinkType, frame: &[u8]) -> Result<Packet<'_>, DecodeError> {
    let (network, bytes) = link::strip(link, frame)?;
    let version = bytes.first().map(|b| b >> 4);
    let is_v6 = match network {
        Network::Ipv6 => true,
        // EtherType IPv4 carrying a version-6 header: decode it as IPv6, as
        // Wireshark does, rather than calling it malformed.
        Network::Ipv4 => version == Some(6),
        Network::ByVersion => match version {
            Some(4) => false,
            Some(6) => true,
            _ => {
                return Err(DecodeError::Malformed {
                    layer: crate::Layer::Link,
                    reason: "raw IP whose version is neither 4 nor 6",
                })
            }
        },
    };
    if is_v6 {
        let (header, payload) = Ipv6Slice::from_slice(bytes)?;
        let upper = header.upper(payload);
        Ok(Packet {
            ip: IpSlice::V6(header),
            protocol: upper.protocol,
            payload: if upper.complete { upper.payload } else { &[] },
            fragment: upper.fragment,
        })
    } else {
        let (header, payload) = Ipv4Slice::from_slice(bytes)?;
        let offset = header.fragment_offset();
        let more = header.more_fragments();
        Ok(Packet {
            ip: IpSlice::V4(header),
            protocol: header.protocol(),
            payload,
            fragment: (offset != 0 || more).then_some(Fragment { offset, more }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_frames::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn raw(frame: &[u8]) -> Packet<'_> {
        decode(LinkType::RAW, frame).expect("decodes")
    }

    #[test]
    fn addresses_and_ttl_of_either_version() {
        let v4 = ipv4(protocol::UDP, &udp(1, 2, b""));
        let p = raw(&v4);
        assert_eq!(p.ip.source(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(
            p.ip.destination(),
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2))
        );
        assert_eq!(p.ip.source_key(), AddrKey::V4(0xC000_0201));
        assert_eq!(p.ip.ttl(), 64);

        let v6 = ipv6(protocol::UDP, &udp(1, 2, b""));
        let p = raw(&v6);
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        assert_eq!(p.ip.source(), IpAddr::V6(src));
        assert_eq!(
            p.ip.destination_key(),
            AddrKey::V6(u128::from_be_bytes(DST6))
        );
        assert_eq!(p.ip.ttl(), 64);
        assert_eq!(
            IpAddr::from(AddrKey::from(IpAddr::V6(src))),
            IpAddr::V6(src)
        );
    }

    #[test]
    fn ports_need_all_four_bytes_captured() {
        let packet = ipv4(protocol::TCP, &tcp(40000, 8728, 0x002, &[]));
        assert_eq!(raw(&packet[..20 + 4]).ports(), Some((40000, 8728)));
        let p = raw(&packet[..20 + 3]);
        assert_eq!((p.protocol, p.ports()), (protocol::TCP, None));
        // Four bytes give the ports but not the header.
        assert_eq!(
            raw(&packet[..24]).transport(),
            Err(LenError {
                layer: crate::Layer::Tcp,
                required: 20,
                available: 4
            })
        );
    }

    #[test]
    fn ports_need_all_four_bytes_inside_the_ip_length() {
        // Everything captured, but the IP length ends after 3 transport bytes:
        // the rest is link padding, not a port.
        let mut v4 = ipv4(protocol::UDP, &udp(53, 53, b""));
        v4[2..4].copy_from_slice(&23u16.to_be_bytes());
        let p = raw(&v4);
        assert_eq!((p.payload.len(), p.ports()), (3, None));

        let mut v6 = ipv6(protocol::UDP, &udp(53, 53, b""));
        v6[4..6].copy_from_slice(&3u16.to_be_bytes());
        let p = raw(&v6);
        assert_eq!((p.payload.len(), p.ports()), (3, None));
        v6[4..6].copy_from_slice(&4u16.to_be_bytes());
        assert_eq!(raw(&v6).ports(), Some((53, 53)));
    }

    #[test]
    fn ports_only_for_tcp_and_udp() {
        for proto in [protocol::ICMP, 47, 132, 136] {
            let packet = ipv4(proto, &udp(1, 2, b""));
            assert_eq!(raw(&packet).ports(), None, "protocol {proto}");
        }
    }

    #[test]
    fn ipv4_later_fragment_keeps_its_protocol_but_has_no_ports() {
        // Offset 185 × 8 = 1480: the second fragment of a 1500-MTU datagram.
        let packet = ipv4_with(protocol::UDP, &[], 185, &udp(53, 53, &[0; 12]));
        let p = raw(&packet);
        assert_eq!(p.protocol, protocol::UDP);
        assert_eq!(
            p.fragment,
            Some(Fragment {
                offset: 185,
                more: false
            })
        );
        assert!(p.is_later_fragment());
        assert_eq!(p.ports(), None);
        assert_eq!(
            p.transport(),
            Ok(Transport::LaterFragment {
                protocol: protocol::UDP
            })
        );
    }

    #[test]
    fn ipv4_first_fragment_has_ports() {
        let packet = ipv4_with(protocol::UDP, &[], 0x2000, &udp(40000, 53, &[0; 12]));
        let p = raw(&packet);
        assert_eq!(
            p.fragment,
            Some(Fragment {
                offset: 0,
                more: true
            })
        );
        assert!(!p.is_later_fragment());
        assert_eq!(p.ports(), Some((40000, 53)));
        assert!(matches!(p.transport(), Ok(Transport::Udp(_))));
    }

    #[test]
    fn dont_fragment_alone_is_not_a_fragment() {
        let packet = ipv4_with(protocol::TCP, &[], 0x4000, &tcp(1, 2, 0x002, &[]));
        assert_eq!(raw(&packet).fragment, None);
    }

    #[test]
    fn transport_of_each_protocol() {
        let packet = ipv4(protocol::TCP, &tcp(40000, 23, 0x002, &[]));
        let Ok(Transport::Tcp(t)) = raw(&packet).transport() else {
            panic!("not TCP");
        };
        assert_eq!((t.source_port(), t.destination_port()), (40000, 23));

        let packet = ipv6(protocol::UDP, &udp(5353, 5353, b"mdns"));
        let Ok(Transport::Udp(u)) = raw(&packet).transport() else {
            panic!("not UDP");
        };
        assert_eq!((u.destination_port(), u.payload()), (5353, &b"mdns"[..]));

        let echo = [8, 0, 0xF7, 0xFF, 0, 1, 0, 1];
        let packet = ipv4(protocol::ICMP, &echo);
        let Ok(Transport::Icmp(i)) = raw(&packet).transport() else {
            panic!("not ICMP");
        };
        assert_eq!((i.icmp_type(), i.code()), (8, 0));

        let echo6 = [128, 0, 0x12, 0x34, 0, 1, 0, 1];
        let packet = ipv6(protocol::ICMPV6, &echo6);
        let Ok(Transport::Icmpv6(i)) = raw(&packet).transport() else {
            panic!("not ICMPv6");
        };
        assert_eq!((i.icmp_type(), i.code(), i.checksum()), (128, 0, 0x1234));

        let packet = ipv4(47, &[0; 4]);
        assert_eq!(
            raw(&packet).transport(),
            Ok(Transport::Other { protocol: 47 })
        );
    }

    #[test]
    fn icmp_numbers_in_the_wrong_ip_version_are_other() {
        let packet = ipv6(protocol::ICMP, &[8, 0, 0, 0]);
        assert_eq!(
            raw(&packet).transport(),
            Ok(Transport::Other {
                protocol: protocol::ICMP
            })
        );
        let packet = ipv4(protocol::ICMPV6, &[128, 0, 0, 0]);
        assert_eq!(
            raw(&packet).transport(),
            Ok(Transport::Other {
                protocol: protocol::ICMPV6
            })
        );
    }

    #[test]
    fn short_transport_headers_are_len_errors() {
        let packet = ipv4(protocol::UDP, &[0; 7]);
        assert_eq!(
            raw(&packet).transport(),
            Err(LenError {
                layer: crate::Layer::Udp,
                required: 8,
                available: 7
            })
        );
        let packet = ipv4(protocol::ICMP, &[3, 1, 0]);
        assert_eq!(
            raw(&packet).transport(),
            Err(LenError {
                layer: crate::Layer::Icmp,
                required: 4,
                available: 3
            })
        );
    }

    #[test]
    fn raw_ip_with_no_bytes_is_malformed() {
        // No version nibble to decide by. (Under Ethernet the EtherType says
        // IPv4, so the same empty IP is Truncated there.)
        assert!(matches!(
            decode(LinkType::RAW, &[]),
            Err(DecodeError::Malformed {
                layer: crate::Layer::Link,
                ..
            })
        ));
    }
}
