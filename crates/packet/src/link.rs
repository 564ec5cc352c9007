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
const ETHERTYPE_VNTAG: u16 = 0x8926;
const ETHERTYPE_ETAG: u16 = 0x893F;
const ETHERTYPE_FABRICPATH: u16 = 0x8903;
const ETHERTYPE_PBB: u16 = 0x88E7;
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
const PW_CONTROL_WORD_LEN: usize = 4;
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
            // Some systems put an EtherType here instead of a family. A value
            // wider than 16 bits is neither: cutting it to an EtherType would
            // be a guess.
            if family > u32::from(IEEE_802_3_MAX_LEN) {
                return match u16::try_from(family) {
                    Ok(ethertype) => ethertype_payload(ethertype, rest),
                    Err(_) => Err(DecodeError::NotIp { protocol: family }),
                };
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

/// Tags that sit between one EtherType and the next, and how many bytes
/// each spans up to and including the inner EtherType, which is always its
/// last two bytes.
#[inline]
fn tag_len(ethertype: u16) -> Option<usize> {
    match ethertype {
        // 802.1Q, 802.1ad, and the pre-standard Q-in-Q values: TCI + EtherType.
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | 0x9100 | 0x9200 | 0x9300 => Some(4),
        // Cisco VN-Tag: 4 bytes of tag.
        ETHERTYPE_VNTAG => Some(6),
        // 802.1BR E-Tag: 6 bytes of tag.
        ETHERTYPE_ETAG => Some(8),
        // Cisco FabricPath: FTag/TTL, then the customer frame's MAC addresses.
        ETHERTYPE_FABRICPATH => Some(16),
        // 802.1ah provider backbone: I-TAG, then the customer MAC addresses.
        ETHERTYPE_PBB => Some(18),
        _ => None,
    }
}

/// Follows an EtherType through any number of tags, PPPoE, MPLS (with
/// Ethernet pseudowires) and LLC/SNAP until IP or something else is found.
///
/// A loop, not recursion: a hostile frame can nest encapsulations as deep as
/// its length allows, and every turn consumes bytes, so this always ends.
#[inline]
fn ethertype_payload(mut ethertype: u16, mut rest: &[u8]) -> Result<(Network, &[u8]), DecodeError> {
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok((Network::Ipv4, rest)),
            ETHERTYPE_IPV6 => return Ok((Network::Ipv6, rest)),
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
            ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => {
                let payload = skip_mpls_labels(rest)?;
                match payload.first().map(|b| b >> 4) {
                    Some(4) => return Ok((Network::Ipv4, payload)),
                    Some(6) => return Ok((Network::Ipv6, payload)),
                    // RFC 4385: a first nibble of 0 is a pseudowire control
                    // word. The pseudowire's type is configured, not carried;
                    // like Wireshark we take the common case, Ethernet.
                    Some(0) if payload.len() >= PW_CONTROL_WORD_LEN + ETHERNET_LEN => {
                        let frame = &payload[PW_CONTROL_WORD_LEN..];
                        ethertype = be16(frame, 12);
                        rest = &frame[ETHERNET_LEN..];
                        continue;
                    }
                    _ => {
                        return Err(DecodeError::NotIp {
                            protocol: u32::from(ethertype),
                        })
                    }
                }
            }
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
                let Some(len) = tag_len(other) else {
                    return Err(DecodeError::NotIp {
                        protocol: u32::from(other),
                    });
                };
                if rest.len() < len {
                    return Err(LINK_SHORT);
                }
                ethertype = be16(rest, len - 2);
                rest = &rest[len..];
            }
        }
    }
}

/// Skips an MPLS label stack up to and including its bottom label.
#[inline]
fn skip_mpls_labels(mut rest: &[u8]) -> Result<&[u8], DecodeError> {
    loop {
        if rest.len() < MPLS_LABEL_LEN {
            return Err(LINK_SHORT);
        }
        let bottom = rest[2] & 0x01 != 0;
        rest = &rest[MPLS_LABEL_LEN..];
        if bottom {
            return Ok(rest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_frames::*;
    use crate::{decode, protocol, IpSlice, Packet};
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4_udp() -> Vec<u8> {
        ipv4(protocol::UDP, &udp(40000, 53, b"query"))
    }

    fn v6_udp() -> Vec<u8> {
        ipv6(protocol::UDP, &udp(40001, 5353, b"query"))
    }

    /// How many bytes the link layer took off `frame`.
    fn link_len(link: LinkType, frame: &[u8]) -> usize {
        let (_, rest) = strip(link, frame).expect("IP follows");
        frame.len() - rest.len()
    }

    #[track_caller]
    fn assert_v4_udp(packet: Packet<'_>) {
        let IpSlice::V4(ip) = packet.ip else {
            panic!("expected IPv4, got {:?}", packet.ip);
        };
        assert_eq!(ip.source(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(ip.destination(), Ipv4Addr::new(198, 51, 100, 2));
        assert_eq!(packet.protocol, protocol::UDP);
        assert_eq!(packet.ports(), Some((40000, 53)));
        assert_eq!(packet.payload, &udp(40000, 53, b"query")[..]);
    }

    #[track_caller]
    fn assert_v6_udp(packet: Packet<'_>) {
        let IpSlice::V6(ip) = packet.ip else {
            panic!("expected IPv6, got {:?}", packet.ip);
        };
        assert_eq!(ip.source(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(ip.destination(), "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(packet.protocol, protocol::UDP);
        assert_eq!(packet.ports(), Some((40001, 5353)));
    }

    #[track_caller]
    fn assert_link_short(result: Result<Packet<'_>, DecodeError>) {
        assert_eq!(result, Err(LINK_SHORT));
    }

    #[test]
    fn ethernet_ipv4() {
        let frame = ethernet(0x0800, &v4_udp());
        assert_eq!(strip(LinkType::ETHERNET, &frame).unwrap().0, Network::Ipv4);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 14);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn ethernet_ipv6() {
        let frame = ethernet(0x86DD, &v6_udp());
        assert_eq!(strip(LinkType::ETHERNET, &frame).unwrap().0, Network::Ipv6);
        assert_v6_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn ethernet_minimum_frame_padding_is_not_payload() {
        // A 20+8+0 byte IPv4/UDP packet padded to the 46-byte Ethernet minimum.
        let mut frame = ethernet(0x0800, &ipv4(protocol::UDP, &udp(1, 2, b"")));
        frame.resize(14 + 46, 0);
        let packet = decode(LinkType::ETHERNET, &frame).unwrap();
        assert_eq!(packet.payload.len(), 8);
        assert_eq!(packet.ports(), Some((1, 2)));
    }

    #[test]
    fn ethertype_ipv4_carrying_ipv6_decodes_as_ipv6_like_wireshark() {
        let frame = ethernet(0x0800, &v6_udp());
        assert_v6_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn ethertype_ipv6_carrying_ipv4_is_malformed() {
        let frame = ethernet(0x86DD, &v4_udp());
        assert!(matches!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::Malformed {
                layer: Layer::Ipv6,
                ..
            })
        ));
    }

    #[test]
    fn ethernet_shorter_than_its_header_is_malformed() {
        assert_link_short(decode(LinkType::ETHERNET, &[0u8; 13]));
        assert_link_short(decode(LinkType::ETHERNET, &[]));
    }

    #[test]
    fn ethernet_header_alone_is_a_truncated_ip_header() {
        let frame = ethernet(0x0800, &[]);
        assert_eq!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::Truncated {
                layer: Layer::Ipv4,
                required: 20,
                available: 0
            })
        );
    }

    #[test]
    fn vlan_8021q() {
        let frame = ethernet(0x8100, &tag(100, 0x0800, &v4_udp()));
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 18);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn qinq_8021ad() {
        let frame = ethernet(0x88A8, &tag(10, 0x8100, &tag(20, 0x86DD, &v6_udp())));
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 22);
        assert_v6_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn three_stacked_tags() {
        let inner = tag(30, 0x0800, &v4_udp());
        let frame = ethernet(0x88A8, &tag(10, 0x8100, &tag(20, 0x8100, &inner)));
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 26);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn pre_standard_qinq_tags() {
        for tpid in [0x9100, 0x9200, 0x9300] {
            let frame = ethernet(tpid, &tag(10, 0x8100, &tag(20, 0x0800, &v4_udp())));
            assert_eq!(link_len(LinkType::ETHERNET, &frame), 22, "{tpid:#x}");
            assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
        }
    }

    #[test]
    fn vlan_tag_cut_short_is_malformed() {
        let frame = ethernet(0x8100, &[0x00, 0x64, 0x08]);
        assert_link_short(decode(LinkType::ETHERNET, &frame));
    }

    #[test]
    fn vlan_carrying_arp_is_not_ip() {
        let frame = ethernet(0x8100, &tag(100, 0x0806, &[0; 28]));
        assert_eq!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::NotIp { protocol: 0x0806 })
        );
    }

    #[test]
    fn pppoe_session_ipv4() {
        let frame = ethernet(0x8864, &pppoe(0x0021, &v4_udp()));
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 22);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn pppoe_session_ipv6() {
        let frame = ethernet(0x8864, &pppoe(0x0057, &v6_udp()));
        assert_eq!(strip(LinkType::ETHERNET, &frame).unwrap().0, Network::Ipv6);
        assert_v6_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn pppoe_behind_a_vlan_tag() {
        let frame = ethernet(0x8100, &tag(7, 0x8864, &pppoe(0x0021, &v4_udp())));
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 26);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn pppoe_lcp_is_not_ip() {
        let frame = ethernet(0x8864, &pppoe(0xC021, &[0x01, 0x01, 0x00, 0x04]));
        assert_eq!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::NotIp { protocol: 0xC021 })
        );
    }

    #[test]
    fn pppoe_header_cut_short_is_malformed() {
        let frame = ethernet(0x8864, &[0x11, 0x00, 0x12, 0x34, 0x00, 0x20, 0x00]);
        assert_link_short(decode(LinkType::ETHERNET, &frame));
    }

    #[test]
    fn mpls_one_label_ipv4() {
        let mut payload = mpls_label(16, true).to_vec();
        payload.extend(v4_udp());
        let frame = ethernet(0x8847, &payload);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 18);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn mpls_three_labels_ipv6() {
        let mut payload = Vec::new();
        payload.extend(mpls_label(16, false));
        payload.extend(mpls_label(0xFFFFF, false));
        payload.extend(mpls_label(3, true));
        payload.extend(v6_udp());
        let frame = ethernet(0x8847, &payload);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 26);
        assert_eq!(strip(LinkType::ETHERNET, &frame).unwrap().0, Network::Ipv6);
        assert_v6_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn mpls_multicast_three_labels_ipv4() {
        let mut payload = Vec::new();
        payload.extend(mpls_label(100, false));
        payload.extend(mpls_label(200, false));
        payload.extend(mpls_label(300, true));
        payload.extend(v4_udp());
        let frame = ethernet(0x8848, &payload);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 26);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn mpls_pseudowire_control_word_carries_ethernet() {
        // Ethernet over MPLS: a zero control word, then a whole inner frame,
        // as in tcpreplay's test.pcap, which Wireshark decodes the same way.
        let mut payload = mpls_label(16, true).to_vec();
        payload.extend([0, 0, 0, 0]);
        payload.extend(ethernet(0x0800, &v4_udp()));
        let frame = ethernet(0x8847, &payload);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 14 + 4 + 4 + 14);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());

        // A control word with no room for an inner Ethernet header.
        let mut payload = mpls_label(16, true).to_vec();
        payload.extend([0; 4 + 13]);
        assert_eq!(
            decode(LinkType::ETHERNET, &ethernet(0x8847, &payload)),
            Err(DecodeError::NotIp { protocol: 0x8847 })
        );
    }

    #[test]
    fn data_centre_tags_are_skipped_to_the_inner_ethertype() {
        // (EtherType, bytes of tag before the inner EtherType), as in
        // zeek's vntag.pcap, cisco-fabric-path.pcap and pbb.pcap.
        for (ethertype, tag) in [(0x8926u16, 4usize), (0x893F, 6), (0x8903, 14), (0x88E7, 16)] {
            let mut payload = vec![0xEE; tag];
            payload.extend(0x0800u16.to_be_bytes());
            payload.extend(v4_udp());
            let frame = ethernet(ethertype, &payload);
            assert_eq!(
                link_len(LinkType::ETHERNET, &frame),
                14 + tag + 2,
                "{ethertype:#x}"
            );
            assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
            // Cut inside the tag.
            assert_eq!(
                decode(LinkType::ETHERNET, &frame[..14 + tag + 1]),
                Err(LINK_SHORT),
                "{ethertype:#x}"
            );
        }
    }

    #[test]
    fn mpls_stack_without_a_bottom_is_malformed() {
        let mut payload = mpls_label(16, false).to_vec();
        payload.extend(mpls_label(17, false));
        let frame = ethernet(0x8847, &payload);
        assert_link_short(decode(LinkType::ETHERNET, &frame));
    }

    #[test]
    fn llc_snap_ipv4() {
        let mut payload = vec![0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00];
        payload.extend(v4_udp());
        let frame = ethernet(u16::try_from(payload.len()).unwrap(), &payload);
        assert_eq!(link_len(LinkType::ETHERNET, &frame), 22);
        assert_v4_udp(decode(LinkType::ETHERNET, &frame).unwrap());
    }

    #[test]
    fn ieee_802_3_stp_is_not_ip() {
        // 802.3 length 38, LLC DSAP/SSAP 0x42 (spanning tree), then a config BPDU.
        let mut payload = vec![0x42, 0x42, 0x03];
        payload.extend([0u8; 35]);
        let frame = ethernet(38, &payload);
        assert_eq!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::NotIp { protocol: 38 })
        );
    }

    #[test]
    fn arp_is_not_ip() {
        let frame = ethernet(0x0806, &[0; 28]);
        assert_eq!(
            decode(LinkType::ETHERNET, &frame),
            Err(DecodeError::NotIp { protocol: 0x0806 })
        );
    }

    fn sll(protocol: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x00, 0x00, 0x00, 0x01, 0x00, 0x06];
        f.extend([0x02, 0, 0, 0, 0, 0x01, 0, 0]);
        f.extend(protocol.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn sll2(protocol: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = protocol.to_be_bytes().to_vec();
        f.extend([0, 0]); // reserved
        f.extend(3u32.to_be_bytes()); // interface index
        f.extend([0x00, 0x01, 0x00, 0x06]); // ARPHRD_ETHER, PACKET_HOST, address length
        f.extend([0x02, 0, 0, 0, 0, 0x01, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn linux_sll() {
        let frame = sll(0x0800, &v4_udp());
        assert_eq!(link_len(LinkType::LINUX_SLL, &frame), 16);
        assert_v4_udp(decode(LinkType::LINUX_SLL, &frame).unwrap());
        assert_v6_udp(decode(LinkType::LINUX_SLL, &sll(0x86DD, &v6_udp())).unwrap());
        assert_eq!(
            decode(LinkType::LINUX_SLL, &sll(0x0806, &[0; 28])),
            Err(DecodeError::NotIp { protocol: 0x0806 })
        );
        assert_link_short(decode(LinkType::LINUX_SLL, &frame[..15]));
    }

    #[test]
    fn linux_sll2() {
        let frame = sll2(0x0800, &v4_udp());
        assert_eq!(link_len(LinkType::LINUX_SLL2, &frame), 20);
        assert_v4_udp(decode(LinkType::LINUX_SLL2, &frame).unwrap());
        assert_v6_udp(decode(LinkType::LINUX_SLL2, &sll2(0x86DD, &v6_udp())).unwrap());
        assert_eq!(
            decode(LinkType::LINUX_SLL2, &sll2(0x88CC, &[0; 20])),
            Err(DecodeError::NotIp { protocol: 0x88CC })
        );
        assert_link_short(decode(LinkType::LINUX_SLL2, &frame[..19]));
    }

    #[test]
    fn raw_ip_decides_by_version() {
        for link in [LinkType::RAW, LinkType::RAW_12, LinkType::RAW_14] {
            assert_eq!(link_len(link, &v4_udp()), 0);
            assert_v4_udp(decode(link, &v4_udp()).unwrap());
            assert_v6_udp(decode(link, &v6_udp()).unwrap());
            let mut bogus = v4_udp();
            bogus[0] = 0x55;
            assert!(matches!(
                decode(link, &bogus),
                Err(DecodeError::Malformed {
                    layer: Layer::Link,
                    ..
                })
            ));
        }
    }

    #[test]
    fn raw_ipv4_and_ipv6_link_types() {
        assert_v4_udp(decode(LinkType::IPV4, &v4_udp()).unwrap());
        assert_v6_udp(decode(LinkType::IPV6, &v6_udp()).unwrap());
    }

    #[test]
    fn link_type_ipv4_carrying_ipv6_decodes_as_ipv6_like_tshark() {
        // tshark 4.0 dissects LINKTYPE_IPV4 with the "ip" dissector, which
        // hands a version-6 header to IPv6; the summary must count as it does.
        assert_v6_udp(decode(LinkType::IPV4, &v6_udp()).unwrap());
    }

    #[test]
    fn link_type_ipv6_carrying_ipv4_is_malformed() {
        assert_eq!(
            decode(LinkType::IPV6, &v4_udp()),
            Err(DecodeError::Malformed {
                layer: Layer::Ipv6,
                reason: "version is not 6"
            })
        );
    }

    fn null(header: [u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut f = header.to_vec();
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn bsd_null_in_both_byte_orders() {
        for family in [2u32, 24, 28, 30] {
            for header in [family.to_be_bytes(), family.to_le_bytes()] {
                if family == 2 {
                    let frame = null(header, &v4_udp());
                    assert_eq!(link_len(LinkType::NULL, &frame), 4);
                    assert_v4_udp(decode(LinkType::NULL, &frame).unwrap());
                } else {
                    let frame = null(header, &v6_udp());
                    assert_eq!(strip(LinkType::NULL, &frame).unwrap().0, Network::Ipv6);
                    assert_v6_udp(decode(LinkType::NULL, &frame).unwrap());
                }
            }
        }
    }

    #[test]
    fn bsd_null_with_an_ethertype_in_both_byte_orders() {
        for header in [0x0800u32.to_be_bytes(), 0x0800u32.to_le_bytes()] {
            assert_v4_udp(decode(LinkType::NULL, &null(header, &v4_udp())).unwrap());
        }
        for header in [0x86DDu32.to_be_bytes(), 0x86DDu32.to_le_bytes()] {
            assert_v6_udp(decode(LinkType::NULL, &null(header, &v6_udp())).unwrap());
        }
    }

    #[test]
    fn bsd_null_other_family_is_not_ip() {
        // AF_APPLETALK (16 on the BSDs), little-endian.
        assert_eq!(
            decode(LinkType::NULL, &null(16u32.to_le_bytes(), &[0; 30])),
            Err(DecodeError::NotIp { protocol: 16 })
        );
        assert_link_short(decode(LinkType::NULL, &[2, 0, 0]));
    }

    #[test]
    fn loop_is_big_endian_only() {
        let frame = null(2u32.to_be_bytes(), &v4_udp());
        assert_v4_udp(decode(LinkType::LOOP, &frame).unwrap());
        let frame = null(24u32.to_be_bytes(), &v6_udp());
        assert_v6_udp(decode(LinkType::LOOP, &frame).unwrap());
        // A little-endian AF_INET is not swapped under LOOP.
        let frame = null(2u32.to_le_bytes(), &v4_udp());
        assert_eq!(
            decode(LinkType::LOOP, &frame),
            Err(DecodeError::NotIp {
                protocol: 0x0200_0000
            })
        );
    }

    #[test]
    fn null_family_wider_than_an_ethertype_is_not_ip_rather_than_truncated_to_16_bits() {
        // Regression: 0x0001_0800 was cut to EtherType 0x0800 and decoded as
        // IPv4, and a NULL header 00 01 00 02 (byte-swapped to 0x0200_0100,
        // cut to 0x0100, an 802.3 length) let a SNAP header follow into IP.
        let frame = null([0x00, 0x01, 0x08, 0x00], &v4_udp());
        assert_eq!(
            decode(LinkType::LOOP, &frame),
            Err(DecodeError::NotIp {
                protocol: 0x0001_0800
            })
        );
        let mut snap = vec![0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00];
        snap.extend(v4_udp());
        let frame = null([0x00, 0x01, 0x00, 0x02], &snap);
        assert_eq!(
            decode(LinkType::NULL, &frame),
            Err(DecodeError::NotIp {
                protocol: 0x0200_0100
            })
        );
    }

    #[test]
    fn unsupported_links_are_refused_not_guessed() {
        let frame = ethernet(0x0800, &v4_udp());
        for link in [105, 127, 147, 239, 0xFFFF_FFFF] {
            assert_eq!(
                decode(LinkType(link), &frame),
                Err(DecodeError::UnsupportedLink(LinkType(link)))
            );
        }
    }
}
