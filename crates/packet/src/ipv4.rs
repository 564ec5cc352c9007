use std::net::Ipv4Addr;

use crate::{DecodeError, Layer};

/// A zero-copy view of an IPv4 header whose fixed part and options were
/// captured whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Slice<'a> {
    header: &'a [u8],
}

impl<'a> Ipv4Slice<'a> {
    /// The fixed header, without options.
    pub const MIN_LEN: usize = 20;

    /// Checks the header at the start of `data` and splits off the bytes the
    /// packet carries: up to its total length, or what was captured if less.
    /// A total length of zero (TCP segmentation offload on the capturing
    /// host) means "what was captured".
    pub fn from_slice(data: &'a [u8]) -> Result<(Self, &'a [u8]), DecodeError> {
        let Some(&first) = data.first() else {
            return Err(truncated(Self::MIN_LEN, 0));
        };
        if first >> 4 != 4 {
            return Err(DecodeError::Malformed {
                layer: Layer::Ipv4,
                reason: "version is not 4",
            });
        }
        if data.len() < Self::MIN_LEN {
            return Err(truncated(Self::MIN_LEN, data.len()));
        }
        let header_len = usize::from(first & 0x0F) * 4;
        if header_len < Self::MIN_LEN {
            return Err(DecodeError::Malformed {
                layer: Layer::Ipv4,
                reason: "header length below 20 bytes",
            });
        }
        if data.len() < header_len {
            return Err(truncated(header_len, data.len()));
        }
        let total_len = usize::from(u16::from_be_bytes([data[2], data[3]]));
        let end = if total_len == 0 {
            data.len()
        } else if total_len < header_len {
            return Err(DecodeError::Malformed {
                layer: Layer::Ipv4,
                reason: "total length shorter than the header",
            });
        } else {
            total_len.min(data.len())
        };
        Ok((
            Ipv4Slice {
                header: &data[..header_len],
            },
            &data[header_len..end],
        ))
    }

    /// The header as captured, options included.
    pub fn slice(&self) -> &'a [u8] {
        self.header
    }
    /// Header length in bytes (IHL × 4).
    pub fn header_len(&self) -> usize {
        self.header.len()
    }
    pub fn dscp(&self) -> u8 {
        self.header[1] >> 2
    }
    pub fn ecn(&self) -> u8 {
        self.header[1] & 0x03
    }
    pub fn total_len(&self) -> u16 {
        u16::from_be_bytes([self.header[2], self.header[3]])
    }
    pub fn identification(&self) -> u16 {
        u16::from_be_bytes([self.header[4], self.header[5]])
    }
    pub fn dont_fragment(&self) -> bool {
        self.header[6] & 0x40 != 0
    }
    pub fn more_fragments(&self) -> bool {
        self.header[6] & 0x20 != 0
    }
    /// Fragment offset in 8-byte units.
    pub fn fragment_offset(&self) -> u16 {
        u16::from_be_bytes([self.header[6] & 0x1F, self.header[7]])
    }
    pub fn ttl(&self) -> u8 {
        self.header[8]
    }
    pub fn protocol(&self) -> u8 {
        self.header[9]
    }
    pub fn header_checksum(&self) -> u16 {
        u16::from_be_bytes([self.header[10], self.header[11]])
    }
    pub fn source_u32(&self) -> u32 {
        u32::from_be_bytes([
            self.header[12],
            self.header[13],
            self.header[14],
            self.header[15],
        ])
    }
    pub fn destination_u32(&self) -> u32 {
        u32::from_be_bytes([
            self.header[16],
            self.header[17],
            self.header[18],
            self.header[19],
        ])
    }
    pub fn source(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.source_u32())
    }
    pub fn destination(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.destination_u32())
    }
    /// The raw option bytes (empty when IHL is 5).
    pub fn options(&self) -> &'a [u8] {
        &self.header[Self::MIN_LEN..]
    }
}

fn truncated(required: usize, available: usize) -> DecodeError {
    DecodeError::Truncated {
        layer: Layer::Ipv4,
        required,
        available,
    }
}
