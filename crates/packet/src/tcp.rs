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

#[cfg(test)]
mod tests {
    use super::*;

    /// A header with every field distinct, NS set, and `options`.
    fn header(options: &[u8]) -> Vec<u8> {
        let words = (20 + options.len()) / 4;
        let mut h = vec![0x9C, 0x40, 0x00, 0x17]; // 40000 → 23
        h.extend(0x0102_0304u32.to_be_bytes());
        h.extend(0x0A0B_0C0Du32.to_be_bytes());
        h.push(((words as u8) << 4) | 0x01);
        h.push(0xFF);
        h.extend([0xFA, 0xF0, 0x12, 0x34, 0x00, 0x07]);
        h.extend_from_slice(options);
        h
    }

    fn options(bytes: &[u8]) -> Vec<TcpOption<'_>> {
        TcpOptions { rest: bytes }.collect()
    }

    #[test]
    fn fixed_fields() {
        let mut bytes = header(&[]);
        bytes.extend(b"data");
        let t = TcpSlice::from_slice(&bytes).unwrap();
        assert_eq!(t.source_port(), 40000);
        assert_eq!(t.destination_port(), 23);
        assert_eq!(t.sequence_number(), 0x0102_0304);
        assert_eq!(t.acknowledgment_number(), 0x0A0B_0C0D);
        assert_eq!(t.header_len(), 20);
        assert_eq!(t.window_size(), 0xFAF0);
        assert_eq!(t.checksum(), 0x1234);
        assert_eq!(t.urgent_pointer(), 7);
        assert_eq!(t.slice(), &bytes[..20]);
        assert_eq!(t.payload(), b"data");
        assert_eq!(t.options().next(), None);
        assert_eq!(t.mss(), None);
    }

    #[test]
    fn every_flag_including_ns() {
        let bytes = header(&[]);
        let flags = TcpSlice::from_slice(&bytes).unwrap().flags();
        assert_eq!(flags, TcpFlags(0x1FF));
        for bit in [
            TcpFlags::FIN,
            TcpFlags::SYN,
            TcpFlags::RST,
            TcpFlags::PSH,
            TcpFlags::ACK,
            TcpFlags::URG,
            TcpFlags::ECE,
            TcpFlags::CWR,
            TcpFlags::NS,
        ] {
            assert!(flags.contains(bit), "{bit:#x}");
        }
        // NS is the low bit of byte 12 only; the data offset does not leak in.
        let mut bytes = header(&[]);
        bytes[12] = 0x50;
        bytes[13] = 0x12;
        let flags = TcpSlice::from_slice(&bytes).unwrap().flags();
        assert_eq!(flags, TcpFlags(TcpFlags::SYN | TcpFlags::ACK));
        assert!(!flags.contains(TcpFlags::NS));
    }

    #[test]
    fn syn_only_ignores_ecn_bits_but_not_ack_rst_fin() {
        assert!(TcpFlags(TcpFlags::SYN).is_syn_only());
        assert!(
            TcpFlags(TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR | TcpFlags::NS).is_syn_only()
        );
        for other in [TcpFlags::ACK, TcpFlags::RST, TcpFlags::FIN] {
            assert!(!TcpFlags(TcpFlags::SYN | other).is_syn_only());
        }
        assert!(!TcpFlags(TcpFlags::ACK).is_syn_only());
    }

    #[test]
    fn header_length_from_data_offset() {
        let bytes = header(&[1, 1, 1, 0]);
        let t = TcpSlice::from_slice(&bytes).unwrap();
        assert_eq!(t.header_len(), 24);
        assert_eq!(t.options_slice(), &[1, 1, 1, 0]);
        assert_eq!(t.payload(), b"");
        // An offset below five words still reads the fixed header.
        let mut bytes = header(&[]);
        bytes[12] = 0x21;
        bytes.extend(b"xy");
        let t = TcpSlice::from_slice(&bytes).unwrap();
        assert_eq!((t.header_len(), t.payload()), (20, &b"xy"[..]));
    }

    #[test]
    fn header_cut_short_is_a_len_error() {
        let bytes = header(&[]);
        assert_eq!(
            TcpSlice::from_slice(&bytes[..19]),
            Err(LenError {
                layer: Layer::Tcp,
                required: 20,
                available: 19
            })
        );
        let bytes = header(&[1; 40]);
        assert_eq!(bytes[12] >> 4, 15);
        assert_eq!(
            TcpSlice::from_slice(&bytes[..40]),
            Err(LenError {
                layer: Layer::Tcp,
                required: 60,
                available: 40
            })
        );
        assert_eq!(
            TcpSlice::from_slice(&bytes).unwrap().header_len(),
            TcpSlice::MAX_LEN
        );
    }

    #[test]
    fn linux_syn_options() {
        // MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
        let opts = [
            2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        let bytes = header(&opts);
        let t = TcpSlice::from_slice(&bytes).unwrap();
        assert_eq!(
            t.options().collect::<Vec<_>>(),
            [
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamp {
                    value: 0x1234,
                    echo: 0
                },
                TcpOption::Nop,
                TcpOption::WindowScale(7),
            ]
        );
        assert_eq!(t.mss(), Some(1460));
    }

    #[test]
    fn sack_blocks_and_end_of_list() {
        let mut opts = vec![1, 1, 5, 18];
        opts.extend(1u32.to_be_bytes());
        opts.extend(2u32.to_be_bytes());
        opts.extend(3u32.to_be_bytes());
        opts.extend(4u32.to_be_bytes());
        // End of list, then bytes that must not be read as options.
        opts.extend([0, 2, 4, 5]);
        assert_eq!(
            options(&opts),
            [
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Sack(&opts[4..20]),
                TcpOption::EndOfList,
            ]
        );
    }

    #[test]
    fn unknown_kinds_keep_their_data() {
        // MPTCP (30) with 2 bytes, then MSS: mss() looks past the unknown.
        let opts = [30, 4, 0xAB, 0xCD, 2, 4, 0x02, 0x18];
        assert_eq!(
            options(&opts),
            [
                TcpOption::Unknown {
                    kind: 30,
                    data: &[0xAB, 0xCD]
                },
                TcpOption::Mss(536)
            ]
        );
        let bytes = header(&opts);
        assert_eq!(TcpSlice::from_slice(&bytes).unwrap().mss(), Some(536));
        // A bare two-byte unknown option carries no data.
        assert_eq!(
            options(&[254, 2]),
            [TcpOption::Unknown {
                kind: 254,
                data: &[]
            }]
        );
    }

    #[test]
    fn malformed_lengths_stop_the_walk() {
        let malformed = |kind| TcpOption::Malformed { kind };
        // Length 0 and 1 cannot even cover kind and length.
        assert_eq!(options(&[2, 0, 2, 4, 5, 180]), [malformed(2)]);
        assert_eq!(
            options(&[1, 30, 1, 2, 4, 5, 180]),
            [TcpOption::Nop, malformed(30)]
        );
        // Overlong: claims 10 bytes where 4 are left.
        assert_eq!(options(&[8, 10, 0, 0]), [malformed(8)]);
        // The length byte itself is missing.
        assert_eq!(
            options(&[1, 1, 1, 2]),
            [TcpOption::Nop; 3]
                .iter()
                .copied()
                .chain([malformed(2)])
                .collect::<Vec<_>>()
        );
        // Known kinds with the wrong length.
        assert_eq!(options(&[2, 3, 5, 1, 2, 4, 5, 180]), [malformed(2)]);
        assert_eq!(options(&[3, 4, 7, 0]), [malformed(3)]);
        assert_eq!(options(&[4, 3, 0, 1]), [malformed(4)]);
        assert_eq!(options(&[5, 6, 0, 0, 0, 0]), [malformed(5)]);
        assert_eq!(options(&[8, 6, 0, 0, 0, 0]), [malformed(8)]);
    }

    #[test]
    fn mss_is_none_when_malformed_or_after_a_malformed_option() {
        let bytes = header(&[2, 3, 5, 0]);
        assert_eq!(TcpSlice::from_slice(&bytes).unwrap().mss(), None);
        let bytes = header(&[30, 0, 0, 0, 2, 4, 5, 180]);
        assert_eq!(TcpSlice::from_slice(&bytes).unwrap().mss(), None);
        // Past end-of-list.
        let bytes = header(&[0, 0, 0, 0, 2, 4, 5, 180]);
        assert_eq!(TcpSlice::from_slice(&bytes).unwrap().mss(), None);
    }
}
