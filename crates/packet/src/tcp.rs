use crate::{Layer, LenError};

/// A zero-copy view of a TCP header captured whole, options included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSlice<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

/// TCP flag bits as they sit in the header's 13th byte (plus NS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const NS: u16 = 0x100;

    pub fn contains(self, bits: u16) -> bool {
        self.0 & bits == bits
    }
    /// A bare SYN: how a scan opens (as opposed to SYN-ACK backscatter).
    pub fn is_syn_only(self) -> bool {
        self.0 & (Self::SYN | Self::ACK | Self::RST | Self::FIN) == Self::SYN
    }
}

impl<'a> TcpSlice<'a> {
    pub const MIN_LEN: usize = 20;
    /// 40 bytes of options at most: data offset is a 4-bit count of words.
    pub const MAX_LEN: usize = 60;

    pub fn from_slice(data: &'a [u8]) -> Result<Self, LenError> {
        if data.len() < Self::MIN_LEN {
            return Err(len_error(Self::MIN_LEN, data.len()));
        }
        // A data offset below 5 words cannot hold the fixed header; treat it
        // as needing the fixed header only, as Wireshark flags and moves on.
        let header_len = (usize::from(data[12] >> 4) * 4).max(Self::MIN_LEN);
        if data.len() < header_len {
            return Err(len_error(header_len, data.len()));
        }
        Ok(TcpSlice {
            header: &data[..header_len],
            payload: &data[header_len..],
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
    pub fn sequence_number(&self) -> u32 {
        u32::from_be_bytes([
            self.header[4],
            self.header[5],
            self.header[6],
            self.header[7],
        ])
    }
    pub fn acknowledgment_number(&self) -> u32 {
        u32::from_be_bytes([
            self.header[8],
            self.header[9],
            self.header[10],
            self.header[11],
        ])
    }
    /// Header length in bytes, from the data offset field.
    pub fn header_len(&self) -> usize {
        self.header.len()
    }
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(u16::from(self.header[13]) | (u16::from(self.header[12] & 0x01) << 8))
    }
    pub fn window_size(&self) -> u16 {
        u16::from_be_bytes([self.header[14], self.header[15]])
    }
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.header[16], self.header[17]])
    }
    pub fn urgent_pointer(&self) -> u16 {
        u16::from_be_bytes([self.header[18], self.header[19]])
    }
    pub fn options_slice(&self) -> &'a [u8] {
        &self.header[Self::MIN_LEN..]
    }
    pub fn options(&self) -> TcpOptions<'a> {
        TcpOptions {
            rest: self.options_slice(),
        }
    }
    /// The maximum segment size option, if present and well formed.
    pub fn mss(&self) -> Option<u16> {
        self.options().find_map(|o| match o {
            TcpOption::Mss(mss) => Some(mss),
            _ => None,
        })
    }
}

/// One TCP option as found in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    EndOfList,
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    /// Raw left/right edge pairs.
    Sack(&'a [u8]),
    Timestamp {
        value: u32,
        echo: u32,
    },
    Unknown {
        kind: u8,
        data: &'a [u8],
    },
    /// A length byte that is missing, below 2, past the header, or wrong for
    /// the kind. Iteration stops after it.
    Malformed {
        kind: u8,
    },
}

/// Iterator over [`TcpOption`]s; stops after end-of-list or a malformed option.
#[derive(Debug, Clone)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = TcpOption<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&kind, tail) = self.rest.split_first()?;
        match kind {
            0 => {
                self.rest = &[];
                return Some(TcpOption::EndOfList);
            }
            1 => {
                self.rest = tail;
                return Some(TcpOption::Nop);
            }
            _ => {}
        }
        let len = match tail.first() {
            Some(&len) if len >= 2 && usize::from(len) <= self.rest.len() => usize::from(len),
            _ => {
                self.rest = &[];
                return Some(TcpOption::Malformed { kind });
            }
        };
        let data = &self.rest[2..len];
        self.rest = &self.rest[len..];
        let option = match (kind, data.len()) {
            (2, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
            (3, 1) => TcpOption::WindowScale(data[0]),
            (4, 0) => TcpOption::SackPermitted,
            (5, n) if n % 8 == 0 => TcpOption::Sack(data),
            (8, 8) => TcpOption::Timestamp {
                value: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
                echo: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
            },
            (2..=5 | 8, _) => {
                self.rest = &[];
                TcpOption::Malformed { kind }
            }
            _ => TcpOption::Unknown { kind, data },
        };
        Some(option)
    }
}

fn len_error(required: usize, available: usize) -> LenError {
    LenError {
        layer: Layer::Tcp,
        required,
        available,
    }
}
