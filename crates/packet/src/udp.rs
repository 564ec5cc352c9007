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
