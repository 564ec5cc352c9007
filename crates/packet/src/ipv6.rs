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
    /// The first next-header value that is not an extension header we walk,
    /// or the extension header whose bytes were cut short.
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
                return Upper {
                    protocol,
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
