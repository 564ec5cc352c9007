use std::net::Ipv6Addr;

use crate::{DecodeError, Fragment, Layer};

/// A zero-copy view of a captured 40-byte IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Slice<'a> {
    header: &'a [u8],
}

/// Extension header numbers walked to find the transport protocol.
pub const HOP_BY_HOP: u8 = 0;
pub const ROUTING: u8 = 43;
pub const FRAGMENT: u8 = 44;
pub const AUTHENTICATION: u8 = 51;
pub const DESTINATION_OPTIONS: u8 = 60;

/// Where the chain of extension headers led.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Upper<'a> {
    /// The first next-header value that is not an extension header we walk.
    /// Where an extension header is cut short, its next-header byte if that
    /// was captured, else the header's own number.
    pub protocol: u8,
    pub payload: &'a [u8],
    pub fragment: Option<Fragment>,
    /// False when an extension header did not fit in the packet.
    pub complete: bool,
}

impl<'a> Ipv6Slice<'a> {
    pub const LEN: usize = 40;
    const FRAGMENT_HEADER_LEN: usize = 8;

    /// Checks the header at the start of `data` and splits off the bytes the
    /// packet carries: up to its payload length, or what was captured if
    /// less. A payload length of zero (jumbogram, or offload) means "what was
    /// captured".
    pub fn from_slice(data: &'a [u8]) -> Result<(Self, &'a [u8]), DecodeError> {
        if let Some(&first) = data.first() {
            if first >> 4 != 6 {
                return Err(DecodeError::Malformed {
                    layer: Layer::Ipv6,
                    reason: "version is not 6",
                });
            }
        }
        if data.len() < Self::LEN {
            return Err(DecodeError::Truncated {
                layer: Layer::Ipv6,
                required: Self::LEN,
                available: data.len(),
            });
        }
        let payload_len = usize::from(u16::from_be_bytes([data[4], data[5]]));
        let end = if payload_len == 0 {
            data.len()
        } else {
            (Self::LEN + payload_len).min(data.len())
        };
        Ok((
            Ipv6Slice {
                header: &data[..Self::LEN],
            },
            &data[Self::LEN..end],
        ))
    }

    /// Walks hop-by-hop, routing, fragment, destination options and AH
    /// headers. A later fragment's remaining headers are not in this packet,
    /// so the walk stops at its fragment header.
    pub(crate) fn upper(&self, mut payload: &'a [u8]) -> Upper<'a> {
        let mut protocol = self.next_header();
        let mut fragment = None;
        loop {
            let len = match protocol {
                HOP_BY_HOP | ROUTING | DESTINATION_OPTIONS => match payload.get(1) {
                    Some(&units) => (usize::from(units) + 1) * 8,
                    None => 2,
                },
                AUTHENTICATION => match payload.get(1) {
                    Some(&units) => (usize::from(units) + 2) * 4,
                    None => 2,
                },
                FRAGMENT => Self::FRAGMENT_HEADER_LEN,
                _ => break,
            };
            if payload.len() < len {
                // The header overruns the packet. Its next-header byte, if
                // captured, still names what follows, and Wireshark reports
                // that; the transport bytes are gone either way.
                return Upper {
                    protocol: payload.first().copied().unwrap_or(protocol),
                    payload,
                    fragment,
                    complete: false,
                };
            }
            if protocol == FRAGMENT {
                let field = u16::from_be_bytes([payload[2], payload[3]]);
                let frag = Fragment {
                    offset: field >> 3,
                    more: field & 0x01 != 0,
                };
                fragment = Some(frag);
                protocol = payload[0];
                payload = &payload[len..];
                if frag.offset != 0 {
                    break;
                }
                continue;
            }
            protocol = payload[0];
            payload = &payload[len..];
        }
        Upper {
            protocol,
            payload,
            fragment,
            complete: true,
        }
    }

    pub fn slice(&self) -> &'a [u8] {
        self.header
    }
    pub fn traffic_class(&self) -> u8 {
        (self.header[0] << 4) | (self.header[1] >> 4)
    }
    pub fn flow_label(&self) -> u32 {
        u32::from_be_bytes([0, self.header[1] & 0x0F, self.header[2], self.header[3]])
    }
    pub fn payload_len(&self) -> u16 {
        u16::from_be_bytes([self.header[4], self.header[5]])
    }
    /// The next-header field of the fixed header (possibly an extension).
    pub fn next_header(&self) -> u8 {
        self.header[6]
    }
    pub fn hop_limit(&self) -> u8 {
        self.header[7]
    }
    pub fn source_u128(&self) -> u128 {
        u128::from_be_bytes(self.header[8..24].try_into().expect("16 bytes"))
    }
    pub fn destination_u128(&self) -> u128 {
        u128::from_be_bytes(self.header[24..40].try_into().expect("16 bytes"))
    }
    pub fn source(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.source_u128())
    }
    pub fn destination(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.destination_u128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_frames::*;
    use crate::{decode, protocol, LinkType, Transport};

    /// An extension header of `units` 8-byte units beyond the first
    /// (hop-by-hop, routing, destination options), filled with PadN.
    fn ext(next: u8, units: u8) -> Vec<u8> {
        let mut h = vec![next, units];
        h.resize((usize::from(units) + 1) * 8, 0);
        h[2] = 1; // PadN
        h[3] = (h.len() - 4) as u8;
        h
    }

    /// An authentication header with `words` 4-byte words of ICV beyond the
    /// fixed 12 bytes.
    fn ah(next: u8, words: u8) -> Vec<u8> {
        let mut h = vec![next, words + 1, 0, 0];
        h.extend(0x1000u32.to_be_bytes()); // SPI
        h.extend(7u32.to_be_bytes()); // sequence
        h.resize(usize::from(words + 3) * 4, 0xA5);
        h
    }

    fn fragment(next: u8, offset: u16, more: bool) -> Vec<u8> {
        let mut h = vec![next, 0];
        h.extend(((offset << 3) | u16::from(more)).to_be_bytes());
        h.extend(0xDEAD_BEEFu32.to_be_bytes());
        h
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn fixed_header_fields() {
        let mut packet = ipv6(protocol::UDP, &udp(1, 2, b""));
        // Traffic class 0xB8 (EF), flow label 0xABCDE.
        packet[0..4].copy_from_slice(&[0x6B, 0x8A, 0xBC, 0xDE]);
        packet[7] = 255;
        let (h, payload) = Ipv6Slice::from_slice(&packet).unwrap();
        assert_eq!(h.traffic_class(), 0xB8);
        assert_eq!(h.flow_label(), 0xA_BCDE);
        assert_eq!(h.payload_len(), 8);
        assert_eq!(h.next_header(), protocol::UDP);
        assert_eq!(h.hop_limit(), 255);
        assert_eq!(h.source(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(h.destination(), "2001:db8::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(h.source_u128(), 0x2001_0db8_u128 << 96 | 1);
        assert_eq!(h.slice(), &packet[..40]);
        assert_eq!(payload, &packet[40..]);
    }

    #[test]
    fn extension_chain_leads_to_the_transport_header() {
        let segment = tcp(40000, 22, 0x002, &[]);
        let payload = cat(&[
            &ext(ROUTING, 0),             // hop-by-hop, 8 bytes
            &ext(DESTINATION_OPTIONS, 2), // routing, 24 bytes
            &ext(FRAGMENT, 1),            // destination options, 16 bytes
            &fragment(AUTHENTICATION, 0, true),
            &ah(protocol::TCP, 3), // 24 bytes
            &segment,
        ]);
        let packet = ipv6(HOP_BY_HOP, &payload);
        let p = decode(LinkType::RAW, &packet).unwrap();
        assert_eq!(p.protocol, protocol::TCP);
        assert_eq!(p.payload, &segment[..]);
        assert_eq!(
            p.fragment,
            Some(Fragment {
                offset: 0,
                more: true
            })
        );
        assert_eq!(p.ports(), Some((40000, 22)));
        let Ok(Transport::Tcp(t)) = p.transport() else {
            panic!("{:?}", p.transport());
        };
        assert_eq!(t.destination_port(), 22);
    }

    #[test]
    fn authentication_header_length_counts_words_plus_two() {
        // Payload-length field 4 → (4 + 2) × 4 = 24 bytes.
        let h = ah(protocol::UDP, 3);
        assert_eq!((h.len(), h[1]), (24, 4));
        let packet = ipv6(AUTHENTICATION, &cat(&[&h, &udp(5, 6, b"")]));
        let p = decode(LinkType::RAW, &packet).unwrap();
        assert_eq!((p.protocol, p.ports()), (protocol::UDP, Some((5, 6))));
    }

    #[test]
    fn later_fragment_stops_the_walk_and_has_no_ports() {
        // The fragment's next header is destination options, but its bytes are
        // in the first fragment; what follows here is the middle of the data.
        let data = [0x00, 0x35, 0x00, 0x35, 0, 0, 0, 0];
        let packet = ipv6(
            FRAGMENT,
            &cat(&[&fragment(DESTINATION_OPTIONS, 185, false), &data]),
        );
        let p = decode(LinkType::RAW, &packet).unwrap();
        assert_eq!(p.protocol, DESTINATION_OPTIONS);
        assert_eq!(p.payload, &data);
        assert_eq!(
            p.fragment,
            Some(Fragment {
                offset: 185,
                more: false
            })
        );
        assert!(p.is_later_fragment());
        assert_eq!(p.ports(), None);

        let packet = ipv6(FRAGMENT, &cat(&[&fragment(protocol::UDP, 1, true), &data]));
        let p = decode(LinkType::RAW, &packet).unwrap();
        assert_eq!(p.protocol, protocol::UDP);
        assert_eq!(p.ports(), None);
        assert_eq!(
            p.transport(),
            Ok(Transport::LaterFragment {
                protocol: protocol::UDP
            })
        );
    }

    #[test]
    fn extension_header_cut_short_names_its_next_header_with_no_payload() {
        // Hop-by-hop claims 16 bytes; only 8 were captured. Its next-header
        // byte was, so the protocol is UDP (as Wireshark says), with no ports.
        let packet = ipv6(HOP_BY_HOP, &cat(&[&ext(protocol::UDP, 1), &udp(1, 2, b"")]));
        let p = decode(LinkType::RAW, &packet[..48]).unwrap();
        assert_eq!(p.protocol, protocol::UDP);
        assert_eq!(p.payload, b"");
        assert_eq!(p.ports(), None);
        assert!(p.transport().is_err());

        // Cut before the hop-by-hop header's first byte: its own number.
        let p = decode(LinkType::RAW, &packet[..40]).unwrap();
        assert_eq!((p.protocol, p.payload), (HOP_BY_HOP, &b""[..]));

        // Routing after hop-by-hop, cut before its length byte.
        let payload = cat(&[&ext(ROUTING, 0), &ext(protocol::TCP, 0)]);
        let packet = ipv6(HOP_BY_HOP, &payload);
        let p = decode(LinkType::RAW, &packet[..40 + 9]).unwrap();
        assert_eq!((p.protocol, p.payload), (protocol::TCP, &b""[..]));

        // A fragment header needs its 8 bytes.
        let packet = ipv6(FRAGMENT, &fragment(protocol::UDP, 0, true));
        let p = decode(LinkType::RAW, &packet[..47]).unwrap();
        assert_eq!(
            (p.protocol, p.payload, p.fragment),
            (protocol::UDP, &b""[..], None)
        );

        // AH cut inside its ICV.
        let packet = ipv6(AUTHENTICATION, &ah(protocol::TCP, 3));
        let p = decode(LinkType::RAW, &packet[..40 + 20]).unwrap();
        assert_eq!((p.protocol, p.payload), (protocol::TCP, &b""[..]));
    }

    #[test]
    fn extension_header_past_the_payload_length_is_cut_short_too() {
        // Everything captured, but the payload length stops inside hop-by-hop.
        let mut packet = ipv6(HOP_BY_HOP, &cat(&[&ext(protocol::UDP, 1), &udp(1, 2, b"")]));
        packet[4..6].copy_from_slice(&12u16.to_be_bytes());
        let p = decode(LinkType::RAW, &packet).unwrap();
        assert_eq!((p.protocol, p.payload), (protocol::UDP, &b""[..]));
    }

    #[test]
    fn headers_not_walked_are_the_protocol() {
        for next in [50u8, 59, 47, 135] {
            let packet = ipv6(next, &[9; 16]);
            let p = decode(LinkType::RAW, &packet).unwrap();
            assert_eq!((p.protocol, p.payload), (next, &[9u8; 16][..]));
            assert_eq!(p.ports(), None);
        }
    }

    #[test]
    fn payload_ends_at_payload_length_or_capture_whichever_is_first() {
        let mut padded = ipv6(protocol::UDP, &udp(1, 2, b""));
        padded.extend([0; 10]);
        assert_eq!(Ipv6Slice::from_slice(&padded).unwrap().1.len(), 8);
        let packet = ipv6(protocol::UDP, &udp(1, 2, &[0; 100]));
        assert_eq!(Ipv6Slice::from_slice(&packet[..50]).unwrap().1.len(), 10);
        // Zero (a jumbogram, or offload): what was captured.
        let mut jumbo = packet.clone();
        jumbo[4..6].copy_from_slice(&[0, 0]);
        assert_eq!(Ipv6Slice::from_slice(&jumbo).unwrap().1.len(), 108);
    }

    #[test]
    fn header_cut_by_the_capture_is_truncated() {
        let packet = ipv6(protocol::UDP, &udp(1, 2, b""));
        for available in [0, 1, 39] {
            assert_eq!(
                Ipv6Slice::from_slice(&packet[..available]),
                Err(DecodeError::Truncated {
                    layer: Layer::Ipv6,
                    required: 40,
                    available
                })
            );
        }
        assert_eq!(Ipv6Slice::from_slice(&packet[..40]).unwrap().1, b"");
    }

    #[test]
    fn version_other_than_six_is_malformed() {
        let mut packet = ipv6(protocol::UDP, &udp(1, 2, b""));
        packet[0] = 0x45;
        assert_eq!(
            Ipv6Slice::from_slice(&packet),
            Err(DecodeError::Malformed {
                layer: Layer::Ipv6,
                reason: "version is not 6"
            })
        );
    }
}
