use crate::{Layer, LenError};

/// A zero-copy view of an ICMP or ICMPv6 message; both start with type,
/// code and checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpSlice<'a> {
    message: &'a [u8],
}

impl<'a> IcmpSlice<'a> {
    /// Type, code and checksum.
    pub const MIN_LEN: usize = 4;

    pub fn from_slice(data: &'a [u8]) -> Result<Self, LenError> {
        if data.len() < Self::MIN_LEN {
            return Err(LenError {
                layer: Layer::Icmp,
                required: Self::MIN_LEN,
                available: data.len(),
            });
        }
        Ok(IcmpSlice { message: data })
    }

    pub fn slice(&self) -> &'a [u8] {
        self.message
    }
    pub fn icmp_type(&self) -> u8 {
        self.message[0]
    }
    pub fn code(&self) -> u8 {
        self.message[1]
    }
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.message[2], self.message[3]])
    }
    /// Everything after type, code and checksum: identifiers, sequence
    /// numbers, or the quoted packet of an error message.
    pub fn body(&self) -> &'a [u8] {
        &self.message[Self::MIN_LEN..]
    }
    /// Whether an ICMPv4 message reports an error about another packet
    /// (unreachable, source quench, redirect, time exceeded, parameter
    /// problem) — the shape of DDoS backscatter.
    pub fn is_v4_error(&self) -> bool {
        matches!(self.icmp_type(), 3 | 4 | 5 | 11 | 12)
    }
    /// Whether an ICMPv6 message is an error (types below 128).
    pub fn is_v6_error(&self) -> bool {
        self.icmp_type() < 128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_code_checksum_body() {
        // Port unreachable, quoting the start of an IPv4 header.
        let bytes = [3, 3, 0xFC, 0xFC, 0, 0, 0, 0, 0x45, 0x00];
        let i = IcmpSlice::from_slice(&bytes).unwrap();
        assert_eq!(i.icmp_type(), 3);
        assert_eq!(i.code(), 3);
        assert_eq!(i.checksum(), 0xFCFC);
        assert_eq!(i.body(), &bytes[4..]);
        assert_eq!(i.slice(), &bytes);
    }

    #[test]
    fn v4_errors_are_the_backscatter_types() {
        let errors: Vec<u8> = (0..=255u8)
            .filter(|&t| IcmpSlice::from_slice(&[t, 0, 0, 0]).unwrap().is_v4_error())
            .collect();
        assert_eq!(errors, [3, 4, 5, 11, 12]);
    }

    #[test]
    fn v6_errors_are_types_below_128() {
        let is_error = |t| IcmpSlice::from_slice(&[t, 0, 0, 0]).unwrap().is_v6_error();
        assert!(is_error(1) && is_error(3) && is_error(127));
        assert!(!is_error(128) && !is_error(129) && !is_error(135));
    }

    #[test]
    fn header_cut_short_is_a_len_error() {
        assert_eq!(
            IcmpSlice::from_slice(&[8, 0, 0]),
            Err(LenError {
                layer: Layer::Icmp,
                required: 4,
                available: 3
            })
        );
        assert_eq!(IcmpSlice::from_slice(&[8, 0, 0, 0]).unwrap().body(), b"");
    }
}
