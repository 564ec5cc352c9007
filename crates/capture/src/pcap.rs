//! The classic libpcap file format: a 24-byte file header, then records of a
//! 16-byte header and the captured bytes.

use hirundo_packet::LinkType;

use crate::error::truncated;
use crate::input::{ChunkedInput, MAX_RECORD_LEN};
use crate::reader::Anomalies;
use crate::{ByteOrder, Format, ReadError, ReadErrorKind, Record, MAX_SNAPLEN};

pub(crate) const FILE_HEADER_LEN: usize = 24;
pub(crate) const RECORD_HEADER_LEN: usize = 16;

pub(crate) const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
pub(crate) const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

/// State for reading records after the file header.
pub(crate) struct PcapReader {
    order: ByteOrder,
    /// Nanoseconds per unit of the fraction field: 1000 or 1.
    frac_ns: i64,
    /// The header's snapshot length, 0 read as [`MAX_SNAPLEN`] as libpcap does.
    snaplen: u32,
    link: LinkType,
}

impl PcapReader {
    pub(crate) fn recognises(magic: [u8; 4]) -> bool {
        Self::byte_order(magic).is_some()
    }

    fn byte_order(magic: [u8; 4]) -> Option<(ByteOrder, i64)> {
        match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
            (MAGIC_MICROS, _) => Some((ByteOrder::Little, 1000)),
            (MAGIC_NANOS, _) => Some((ByteOrder::Little, 1)),
            (_, MAGIC_MICROS) => Some((ByteOrder::Big, 1000)),
            (_, MAGIC_NANOS) => Some((ByteOrder::Big, 1)),
            _ => None,
        }
    }

    /// Reads and checks the file header; the caller has seen a pcap magic.
    pub(crate) fn start(input: &mut ChunkedInput) -> Result<Self, ReadError> {
        let available = input
            .ensure(FILE_HEADER_LEN)
            .map_err(|e| ReadError::io(0, e))?;
        if available < FILE_HEADER_LEN {
            return Err(ReadError::new(
                0,
                ReadErrorKind::Truncated {
                    what: "pcap file header",
                    needed: FILE_HEADER_LEN as u64,
                    available: available as u64,
                },
            ));
        }
        let h = input.window();
        let magic = [h[0], h[1], h[2], h[3]];
        let (order, frac_ns) = Self::byte_order(magic).expect("caller checked the magic");
        let (major, minor) = (order.u16(h, 4), order.u16(h, 6));
        if major != 2 {
            let kind = ReadErrorKind::BadVersion {
                format: Format::Pcap,
                major,
                minor,
            };
            return Err(ReadError::new(4, kind));
        }
        let snaplen = match order.u32(h, 16) {
            0 => MAX_SNAPLEN,
            n => n,
        };
        // libpcap's LT_LINKTYPE: the upper 16 bits may carry FCS length flags.
        let link = LinkType(order.u32(h, 20) & 0xffff);
        input.skip(FILE_HEADER_LEN);
        Ok(PcapReader {
            order,
            frac_ns,
            snaplen,
            link,
        })
    }

    #[inline]
    pub(crate) fn next<'a>(
        &mut self,
        input: &'a mut ChunkedInput,
        anomalies: &mut Anomalies,
    ) -> Result<Option<Record<'a>>, ReadError> {
        let at = input.offset();
        let available = input
            .ensure(RECORD_HEADER_LEN)
            .map_err(|e| ReadError::io(at, e))?;
        if available < RECORD_HEADER_LEN {
            if available == 0 {
                return Ok(None);
            }
            return Err(truncated(
                at,
                "pcap record header",
                RECORD_HEADER_LEN,
                available,
            ));
        }
        let h = input.window();
        let order = self.order;
        let sec = order.u32(h, 0);
        let frac = order.u32(h, 4);
        let caplen = order.u32(h, 8);
        let orig_len = order.u32(h, 12);
        if caplen > self.snaplen {
            anomalies.record_too_long(at, caplen, self.snaplen)?;
        }
        let total = RECORD_HEADER_LEN + caplen as usize;
        if total > MAX_RECORD_LEN {
            let kind = ReadErrorKind::TooLarge {
                length: total as u64,
                limit: MAX_RECORD_LEN as u64,
            };
            return Err(ReadError::new(at, kind));
        }
        let available = input.ensure(total).map_err(|e| ReadError::io(at, e))?;
        if available < total {
            return Err(truncated(at, "pcap record", total, available));
        }
        let bytes = input.take(total);
        Ok(Some(Record {
            // At most 2^32 * 1e9 + 2^32 * 1000 < 2^63: cannot overflow.
            ts_ns: i64::from(sec) * 1_000_000_000 + i64::from(frac) * self.frac_ns,
            orig_len,
            data: &bytes[RECORD_HEADER_LEN..],
            link: self.link,
            interface: 0,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: [u8; 4], snaplen: u32, link: u32) -> Vec<u8> {
        let mut h = magic.to_vec();
        h.extend([2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        h.extend(snaplen.to_le_bytes());
        h.extend(link.to_le_bytes());
        h
    }

    #[test]
    fn magic_picks_byte_order_and_resolution() {
        assert_eq!(
            PcapReader::byte_order([0xd4, 0xc3, 0xb2, 0xa1]),
            Some((ByteOrder::Little, 1000))
        );
        assert_eq!(
            PcapReader::byte_order([0x4d, 0x3c, 0xb2, 0xa1]),
            Some((ByteOrder::Little, 1))
        );
        assert_eq!(
            PcapReader::byte_order([0xa1, 0xb2, 0xc3, 0xd4]),
            Some((ByteOrder::Big, 1000))
        );
        assert_eq!(
            PcapReader::byte_order([0xa1, 0xb2, 0x3c, 0x4d]),
            Some((ByteOrder::Big, 1))
        );
        assert_eq!(PcapReader::byte_order(*b"\n\r\r\n"), None);
    }

    #[test]
    fn header_snaplen_zero_is_the_maximum_and_link_keeps_16_bits() {
        let bytes = header([0xd4, 0xc3, 0xb2, 0xa1], 0, 0x1234_0071);
        let mut input = ChunkedInput::new(Box::new(std::io::Cursor::new(bytes)));
        let reader = PcapReader::start(&mut input).unwrap();
        assert_eq!(
            (reader.snaplen, reader.link, reader.frac_ns),
            (MAX_SNAPLEN, LinkType(0x71), 1000)
        );
        assert_eq!(input.offset(), 24);
    }
}
