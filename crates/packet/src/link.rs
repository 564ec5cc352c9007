//! Link layers: find where the outer IP header starts, or say why there is none.

use crate::{DecodeError, Layer, LinkType};

/// What the link layer says follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Network {
    /// EtherType 0x0800 or AF_INET: IPv4 is announced, but like Wireshark we
    /// let the version nibble decide, so IPv6 mislabelled as IPv4 still decodes.
    Ipv4,
    /// EtherType 0x86DD or an AF_INET6 value: must be IPv6.
    Ipv6,
    /// Raw IP with no header: the version nibble decides.
    ByVersion,
}

pub(crate) const ETHERTYPE_IPV4: u16 = 0x0800;
pub(crate) const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;
/// Pre-standard Q-in-Q tags still seen from older switches.
const ETHERTYPE_QINQ_OLD: [u16; 3] = [0x9100, 0x9200, 0x9300];
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const ETHERTYPE_MPLS_UNICAST: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
/// The largest 802.3 length field; anything above is an EtherType.
const IEEE_802_3_MAX_LEN: u16 = 1500;

const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// BSD address family values for IPv4 and the three IPv6 spellings
/// (NetBSD/OpenBSD, FreeBSD, Darwin) found in NULL/LOOP headers.
const BSD_AF_INET: u32 = 2;
const BSD_AF_INET6: [u32; 3] = [24, 28, 30];

const ETHERNET_LEN: usize = 14;
const SLL_LEN: usize = 16;
const SLL2_LEN: usize = 20;
const NULL_LEN: usize = 4;
const VLAN_TAG_LEN: usize = 4;
const PPPOE_LEN: usize = 8; // 6-byte PPPoE header + 2-byte PPP protocol
const MPLS_LABEL_LEN: usize = 4;
const LLC_SNAP_LEN: usize = 8;

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// A link header cut short is a broken frame rather than a snaplen effect on
/// the IP header, so it is counted as malformed, not truncated.
const LINK_SHORT: DecodeError = DecodeError::Malformed {
    layer: Layer::Link,
    reason: "link header shorter than its fixed size",
};

/// Strips the link layer of `frame` and returns what follows it.
#[inline]
pub(crate) fn strip(link: LinkType, frame: &[u8]) -> Result<(Network, &[u8]), DecodeError> {
    match link {
        LinkType::ETHERNET => {
            if frame.len() < ETHERNET_LEN {
                return Err(LINK_SHORT);
            }
            ethertype_payload(be16(frame, 12), &frame[ETHERNET_LEN..])
        }
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => Ok((Network::ByVersion, frame)),
        LinkType::IPV4 => Ok((Network::Ipv4, frame)),
        LinkType::IPV6 => Ok((Network::Ipv6, frame)),
        LinkType::LINUX_SLL => {
            if frame.len() < SLL_LEN {
                return Err(LINK_SHORT);
            }
            ethertype_payload(be16(frame, 14), &frame[SLL_LEN..])
        }
        LinkType::LINUX_SLL2 => {
            if frame.len() < SLL2_LEN {
                return Err(LINK_SHORT);
            }
            ethertype_payload(be16(frame, 0), &frame[SLL2_LEN..])
        }
        LinkType::NULL | LinkType::LOOP => {
            if frame.len() < NULL_LEN {
                return Err(LINK_SHORT);
            }
            let mut family = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
            // NULL stores the family in the capturing host's byte order; a
            // family never needs the upper half, so a non-zero one means the
            // writer was little-endian. LOOP is always big-endian.
            if link == LinkType::NULL && family & 0xFFFF_0000 != 0 {
                family = family.swap_bytes();
            }
            let rest = &frame[NULL_LEN..];
            // Some systems put an EtherType here instead of a family.
            if family > u32::from(IEEE_802_3_MAX_LEN) {
                return ethertype_payload(family as u16, rest);
            }
            if family == BSD_AF_INET {
                Ok((Network::Ipv4, rest))
            } else if BSD_AF_INET6.contains(&family) {
                Ok((Network::Ipv6, rest))
            } else {
                Err(DecodeError::NotIp { protocol: family })
            }
        }
        other => Err(DecodeError::UnsupportedLink(other)),
    }
}

/// Follows an EtherType through any number of VLAN tags, PPPoE, MPLS and
/// LLC/SNAP until IP or something else is found.
#[inline]
fn ethertype_payload(mut ethertype: u16, mut rest: &[u8]) -> Result<(Network, &[u8]), DecodeError> {
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok((Network::Ipv4, rest)),
            ETHERTYPE_IPV6 => return Ok((Network::Ipv6, rest)),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ => {}
            t if ETHERTYPE_QINQ_OLD.contains(&t) => {}
            ETHERTYPE_PPPOE_SESSION => {
                if rest.len() < PPPOE_LEN {
                    return Err(LINK_SHORT);
                }
                let ppp = be16(rest, 6);
                let rest = &rest[PPPOE_LEN..];
                return match ppp {
                    PPP_IPV4 => Ok((Network::Ipv4, rest)),
                    PPP_IPV6 => Ok((Network::Ipv6, rest)),
                    other => Err(DecodeError::NotIp {
                        protocol: u32::from(other),
                    }),
                };
            }
            ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => return mpls_payload(rest),
            len if len <= IEEE_802_3_MAX_LEN => {
                // 802.3 length field: LLC follows. Only SNAP carries an
                // EtherType; any other SAP is not IP.
                if rest.len() >= LLC_SNAP_LEN
                    && rest[0] == 0xAA
                    && rest[1] == 0xAA
                    && rest[2] == 0x03
                {
                    ethertype = be16(rest, 6);
                    rest = &rest[LLC_SNAP_LEN..];
                    continue;
                }
                return Err(DecodeError::NotIp {
                    protocol: u32::from(len),
                });
            }
            other => {
                return Err(DecodeError::NotIp {
                    protocol: u32::from(other),
                })
            }
        }
        // A VLAN tag: 2 bytes of TCI, then the inner EtherType.
        if rest.len() < VLAN_TAG_LEN {
            return Err(LINK_SHORT);
        }
        ethertype = be16(rest, 2);
        rest = &rest[VLAN_TAG_LEN..];
    }
}

/// Skips an MPLS label stack. MPLS does not say what it carries, so as in
/// every decoder the first nibble after the bottom of the stack decides.
#[inline]
fn mpls_payload(mut rest: &[u8]) -> Result<(Network, &[u8]), DecodeError> {
    loop {
        if rest.len() < MPLS_LABEL_LEN {
            return Err(LINK_SHORT);
        }
        let bottom = rest[2] & 0x01 != 0;
        rest = &rest[MPLS_LABEL_LEN..];
        if bottom {
            break;
        }
    }
    match rest.first().map(|b| b >> 4) {
        Some(4) => Ok((Network::Ipv4, rest)),
        Some(6) => Ok((Network::Ipv6, rest)),
        // A pseudowire control word (nibble 0) or anything else is not IP.
        _ => Err(DecodeError::NotIp {
            protocol: u32::from(ETHERTYPE_MPLS_UNICAST),
        }),
    }
}
