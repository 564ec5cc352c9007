//! Zero-copy decoding of captured frames, from the link layer down to the
//! transport header.
//!
//! [`decode`] takes a [`LinkType`] and the captured bytes of one frame and
//! returns a [`Packet`]: the outer [`IpSlice`] (IPv4 or IPv6), the transport
//! protocol number found after IPv6 extension headers, the transport bytes,
//! and fragmentation. [`Packet::ports`] is the hot-path accessor the summary
//! uses; [`Packet::transport`] parses the full [`TcpSlice`], [`UdpSlice`] or
//! [`IcmpSlice`] for fingerprinting.
//!
//! Link layers: Ethernet (any number of 802.1Q/802.1ad tags, PPPoE session,
//! MPLS, LLC/SNAP), Linux SLL and SLL2, raw IP (101, 12, 14, 228, 229), and
//! BSD NULL/LOOP in either byte order. Any other link type is
//! [`DecodeError::UnsupportedLink`]: we count it, we never guess.
//!
//! Nothing here allocates, and nothing panics on any input: every length is
//! checked before it is used (see the property tests and `fuzz/`).

mod error;
mod icmp;
mod ipv4;
pub mod ipv6;
mod link;
mod link_type;
mod packet;
mod tcp;
#[cfg(test)]
mod test_frames;
mod udp;

pub use error::{DecodeError, Layer, LenError};
pub use icmp::IcmpSlice;
pub use ipv4::Ipv4Slice;
pub use ipv6::Ipv6Slice;
pub use link_type::LinkType;
pub use packet::{decode, protocol, AddrKey, Fragment, IpSlice, Packet, Transport};
pub use tcp::{TcpFlags, TcpOption, TcpOptions, TcpSlice};
pub use udp::UdpSlice;
