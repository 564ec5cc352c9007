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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_frames::*;

    fn truncated_at(required: usize, available: usize) -> Result<(), DecodeError> {
        Err(truncated(required, available))
    }

    #[test]
    fn fixed_header_fields() {
        let mut packet = ipv4_with(17, &[], 0x4000 | 0x2000 | 0x0ABC, b"payload");
        packet[1] = 0xB9; // DSCP 46 (EF), ECN 1
        let (h, payload) = Ipv4Slice::from_slice(&packet).unwrap();
        assert_eq!(h.header_len(), 20);
        assert_eq!(h.dscp(), 46);
        assert_eq!(h.ecn(), 1);
        assert_eq!(h.total_len(), 27);
        assert_eq!(h.identification(), 0x1234);
        assert!(h.dont_fragment());
        assert!(h.more_fragments());
        assert_eq!(h.fragment_offset(), 0x0ABC);
        assert_eq!(h.ttl(), 64);
        assert_eq!(h.protocol(), 17);
        assert_eq!(h.header_checksum(), 0xABCD);
        assert_eq!(h.source(), Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(h.destination(), Ipv4Addr::new(198, 51, 100, 2));
        assert_eq!(h.source_u32(), 0xC000_0201);
        assert_eq!(h.destination_u32(), 0xC633_6402);
        assert_eq!(h.options(), b"");
        assert_eq!(h.slice(), &packet[..20]);
        assert_eq!(payload, b"payload");
    }

    #[test]
    fn options_are_part_of_the_header() {
        // Router alert (RFC 2113) then NOP padding to two words.
        let options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00];
        let packet = ipv4_with(6, &options, 0, b"tcp");
        let (h, payload) = Ipv4Slice::from_slice(&packet).unwrap();
        assert_eq!(h.header_len(), 28);
        assert_eq!(h.options(), &options);
        assert_eq!(h.slice(), &packet[..28]);
        assert_eq!(payload, b"tcp");
    }

    #[test]
    fn header_length_below_five_words_is_malformed() {
        for ihl in 0..5u8 {
            let mut packet = ipv4(17, &[0; 8]);
            packet[0] = 0x40 | ihl;
            assert_eq!(
                Ipv4Slice::from_slice(&packet),
                Err(DecodeError::Malformed {
                    layer: Layer::Ipv4,
                    reason: "header length below 20 bytes"
                }),
                "IHL {ihl}"
            );
        }
    }

    #[test]
    fn total_length_shorter_than_the_header_is_malformed() {
        let malformed = Err(DecodeError::Malformed {
            layer: Layer::Ipv4,
            reason: "total length shorter than the header",
        });
        let mut packet = ipv4(17, &[0; 8]);
        packet[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(Ipv4Slice::from_slice(&packet), malformed);
        // With options the header is 24 bytes; a total of 20 is still short.
        let mut packet = ipv4_with(17, &[1, 1, 1, 1], 0, &[0; 8]);
        packet[2..4].copy_from_slice(&20u16.to_be_bytes());
        assert_eq!(Ipv4Slice::from_slice(&packet), malformed);
        // Exactly the header is fine: no payload.
        packet[2..4].copy_from_slice(&24u16.to_be_bytes());
        assert_eq!(Ipv4Slice::from_slice(&packet).unwrap().1, b"");
    }

    #[test]
    fn total_length_zero_means_what_was_captured() {
        // TCP segmentation offload leaves the field zero on the capturing host.
        let mut packet = ipv4(6, &[7; 1000]);
        packet[2..4].copy_from_slice(&0u16.to_be_bytes());
        let (h, payload) = Ipv4Slice::from_slice(&packet).unwrap();
        assert_eq!(h.total_len(), 0);
        assert_eq!(payload.len(), 1000);
    }

    #[test]
    fn payload_ends_at_total_length_or_capture_whichever_is_first() {
        let mut padded = ipv4(17, &[1; 8]);
        padded.extend([0; 10]);
        assert_eq!(Ipv4Slice::from_slice(&padded).unwrap().1, &[1; 8]);
        let packet = ipv4(17, &[1; 100]);
        assert_eq!(Ipv4Slice::from_slice(&packet[..50]).unwrap().1, &[1; 30]);
    }

    #[test]
    fn header_cut_by_the_capture_is_truncated() {
        let packet = ipv4(17, &[0; 8]);
        assert_eq!(
            Ipv4Slice::from_slice(&packet[..19]).map(|_| ()),
            truncated_at(20, 19)
        );
        assert_eq!(
            Ipv4Slice::from_slice(&packet[..1]).map(|_| ()),
            truncated_at(20, 1)
        );
        assert_eq!(Ipv4Slice::from_slice(&[]).map(|_| ()), truncated_at(20, 0));
        // Fifteen words of header, of which 40 bytes were captured.
        let packet = ipv4_with(17, &[1; 40], 0, &[0; 8]);
        assert_eq!(packet[0], 0x4F);
        assert_eq!(
            Ipv4Slice::from_slice(&packet[..40]).map(|_| ()),
            truncated_at(60, 40)
        );
        assert_eq!(
            Ipv4Slice::from_slice(&packet[..60]).unwrap().0.header_len(),
            60
        );
    }

    #[test]
    fn version_other_than_four_is_malformed() {
        let mut packet = ipv4(17, &[0; 8]);
        packet[0] = 0x65;
        assert_eq!(
            Ipv4Slice::from_slice(&packet),
            Err(DecodeError::Malformed {
                layer: Layer::Ipv4,
                reason: "version is not 4"
            })
        );
        // The version is judged before the length: one byte suffices.
        assert!(matches!(
            Ipv4Slice::from_slice(&[0x15]),
            Err(DecodeError::Malformed { .. })
        ));
    }
}
