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
    /// extension header is cut short, its own number.
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
