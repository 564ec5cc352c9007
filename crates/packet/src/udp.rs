use crate::{Layer, LenError};

/// A zero-copy view of a captured 8-byte UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpSlice<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> UdpSlice<'a> {
    pub const LEN: usize = 8;

    pub fn from_slice(data: &'a [u8]) -> Result<Self, LenError> {
        if data.len() < Self::LEN {
            return Err(LenError {
                layer: Layer::Udp,
                required: Self::LEN,
                available: data.len(),
            });
        }
        Ok(UdpSlice {
            header: &data[..Self::LEN],
            payload: &data[Self::LEN..],
        })
    }

    pub fn slice(&self) -> &'a [u8] {
        self.header
    }
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    pub fn source_port(&self) -> u16 {
        u16::from_be_bytes([self.header[0], self.header[1]])
    }
    pub fn destination_port(&self) -> u16 {
        u16::from_be_bytes([self.header[2], self.header[3]])
    }
    /// The length field: header plus payload as the sender claimed.
    pub fn length(&self) -> u16 {
        u16::from_be_bytes([self.header[4], self.header[5]])
    }
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.header[6], self.header[7]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_payload() {
        let bytes = [
            0x13, 0x8D, 0x00, 0x35, 0x00, 0x0C, 0xAB, 0xCD, b'd', b'n', b's', b'!',
        ];
        let u = UdpSlice::from_slice(&bytes).unwrap();
        assert_eq!(u.source_port(), 5005);
        assert_eq!(u.destination_port(), 53);
        assert_eq!(u.length(), 12);
        assert_eq!(u.checksum(), 0xABCD);
        assert_eq!(u.slice(), &bytes[..8]);
        assert_eq!(u.payload(), b"dns!");
    }

    #[test]
    fn header_cut_short_is_a_len_error() {
        assert_eq!(
            UdpSlice::from_slice(&[0; 7]),
            Err(LenError {
                layer: Layer::Udp,
                required: 8,
                available: 7
            })
        );
        assert_eq!(UdpSlice::from_slice(&[0; 8]).unwrap().payload(), b"");
    }
}
