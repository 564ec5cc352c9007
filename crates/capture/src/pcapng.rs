//! pcapng: a sequence of blocks, each `type, total length, body, total length`,
//! grouped in sections that each start with a section header block (SHB)
//! fixing the byte order and resetting the interface table.

use hirundo_packet::LinkType;

use crate::error::truncated;
use crate::input::{ChunkedInput, MAX_RECORD_LEN};
use crate::reader::Anomalies;
use crate::timestamp::{saturating_ns, TsScale};
use crate::{
    BlockLengthProblem, ByteOrder, Format, ReadError, ReadErrorKind, Record, TsResolution,
};

pub(crate) const SHB: u32 = 0x0a0d_0d0a;
pub(crate) const IDB: u32 = 1;
pub(crate) const PB: u32 = 2;
pub(crate) const SPB: u32 = 3;
pub(crate) const EPB: u32 = 6;
pub(crate) const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const SHB_MIN_LEN: u32 = 28;
const IDB_MIN_LEN: u32 = 20;
const PACKET_MIN_LEN: u32 = 32;
const SPB_MIN_LEN: u32 = 16;
const BLOCK_MIN_LEN: u32 = 12;

/// Interfaces kept per section. Each costs a few dozen bytes; the cap stops a
/// file of nothing but interface blocks from claiming memory without bound.
pub const MAX_INTERFACES: u32 = 1 << 16;

const OPT_END: u16 = 0;
const OPT_TSRESOL: u16 = 9;
const OPT_TSOFFSET: u16 = 14;

/// What a packet block needs to know about the interface it names.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link: LinkType,
    /// 0 in the file means no limit, kept here as u32::MAX.
    snaplen: u32,
    scale: TsScale,
    offset_s: i64,
}

/// State for reading blocks: the current section's byte order and interfaces.
pub(crate) struct PcapngReader {
    order: ByteOrder,
    interfaces: Vec<Interface>,
}

impl PcapngReader {
    pub(crate) fn recognises(magic: [u8; 4]) -> bool {
        u32::from_le_bytes(magic) == SHB
    }

    /// Reads and checks the first section header.
    pub(crate) fn start(input: &mut ChunkedInput) -> Result<Self, ReadError> {
        let mut reader = PcapngReader {
            order: ByteOrder::Little,
            interfaces: Vec::new(),
        };
        let at = input.offset();
        let available = input
            .ensure(BLOCK_MIN_LEN as usize)
            .map_err(|e| ReadError::io(at, e))?;
        if available < BLOCK_MIN_LEN as usize {
            return Err(truncated(
                at,
                "pcapng section header",
                BLOCK_MIN_LEN as usize,
                available,
            ));
        }
        reader.section(input)?;
        Ok(reader)
    }

    #[inline]
    pub(crate) fn next<'a>(
        &mut self,
        input: &'a mut ChunkedInput,
        anomalies: &mut Anomalies,
    ) -> Result<Option<Record<'a>>, ReadError> {
        loop {
            let at = input.offset();
            let available = input
                .ensure(BLOCK_MIN_LEN as usize)
                .map_err(|e| ReadError::io(at, e))?;
            if available < BLOCK_MIN_LEN as usize {
                if available == 0 {
                    return Ok(None);
                }
                return Err(truncated(
                    at,
                    "pcapng block",
                    BLOCK_MIN_LEN as usize,
                    available,
                ));
            }
            let w = input.window();
            // The SHB type reads the same in both byte orders; its length can
            // only be read once its byte-order magic is known.
            if u32::from_le_bytes([w[0], w[1], w[2], w[3]]) == SHB {
                self.section(input)?;
                continue;
            }
            let block_type = self.order.u32(w, 0);
            let min = match block_type {
                EPB | PB => PACKET_MIN_LEN,
                SPB => SPB_MIN_LEN,
                IDB => IDB_MIN_LEN,
                _ => BLOCK_MIN_LEN,
            };
            let len = self.whole_block(input, at, block_type, min)?;
            match block_type {
                EPB => {
                    let w = input.window();
                    let interface = self.order.u32(w, 8);
                    return self.packet(input, at, len, interface, anomalies).map(Some);
                }
                PB => {
                    let interface = u32::from(self.order.u16(input.window(), 8));
                    return self.packet(input, at, len, interface, anomalies).map(Some);
                }
                SPB => return self.simple_packet(input, at, len).map(Some),
                IDB => self.interface(input, at, len, anomalies)?,
                // Name resolution, statistics, decryption secrets, custom and
                // unknown blocks carry no packets.
                _ => input.skip(len),
            }
        }
    }

    /// Checks a block's length, buffers the whole block and checks its
    /// trailing length; returns the length.
    fn whole_block(
        &self,
        input: &mut ChunkedInput,
        at: u64,
        block_type: u32,
        min: u32,
    ) -> Result<usize, ReadError> {
        let length = self.order.u32(input.window(), 4);
        let bad = |problem| {
            ReadError::new(
                at,
                ReadErrorKind::BlockLength {
                    block_type,
                    length,
                    problem,
                },
            )
        };
        if length < min {
            return Err(bad(BlockLengthProblem::TooShort { min }));
        }
        if length % 4 != 0 {
            return Err(bad(BlockLengthProblem::NotMultipleOf4));
        }
        if length as usize > MAX_RECORD_LEN {
            return Err(bad(BlockLengthProblem::TooLarge {
                limit: MAX_RECORD_LEN as u32,
            }));
        }
        let len = length as usize;
        let available = input.ensure(len).map_err(|e| ReadError::io(at, e))?;
        if available < len {
            return Err(truncated(at, "pcapng block", len, available));
        }
        let trailing = self.order.u32(input.window(), len - 4);
        if trailing != length {
            return Err(bad(BlockLengthProblem::TrailingMismatch { trailing }));
        }
        Ok(len)
    }

    /// A section header block: new byte order, no interfaces yet. At least 12
    /// bytes are buffered.
    fn section(&mut self, input: &mut ChunkedInput) -> Result<(), ReadError> {
        let at = input.offset();
        let w = input.window();
        let magic = [w[8], w[9], w[10], w[11]];
        self.order = if u32::from_be_bytes(magic) == BYTE_ORDER_MAGIC {
            ByteOrder::Big
        } else if u32::from_le_bytes(magic) == BYTE_ORDER_MAGIC {
            ByteOrder::Little
        } else {
            let kind = ReadErrorKind::BadMagic {
                magic: u32::from_be_bytes(magic),
            };
            return Err(ReadError::new(at + 8, kind));
        };
        let len = self.whole_block(input, at, SHB, SHB_MIN_LEN)?;
        let w = input.window();
        let (major, minor) = (self.order.u16(w, 12), self.order.u16(w, 14));
        if major != 1 {
            let kind = ReadErrorKind::BadVersion {
                format: Format::Pcapng,
                major,
                minor,
            };
            return Err(ReadError::new(at + 12, kind));
        }
        self.interfaces.clear();
        input.skip(len);
        Ok(())
    }

    /// An interface description block: link type, snaplen, and the two
    /// options that change how timestamps read.
    fn interface(
        &mut self,
        input: &mut ChunkedInput,
        at: u64,
        len: usize,
        anomalies: &mut Anomalies,
    ) -> Result<(), ReadError> {
        if self.interfaces.len() >= MAX_INTERFACES as usize {
            let kind = ReadErrorKind::TooManyInterfaces {
                limit: MAX_INTERFACES,
            };
            return Err(ReadError::new(at, kind));
        }
        let order = self.order;
        let w = &input.window()[..len];
        let link = LinkType(u32::from(order.u16(w, 8)));
        let snaplen = match order.u32(w, 12) {
            0 => u32::MAX,
            n => n,
        };
        let mut resolution = TsResolution::default();
        let mut offset_s = 0i64;
        let end = len - 4;
        let mut p = 16;
        while p + 4 <= end {
            let code = order.u16(w, p);
            let length = order.u16(w, p + 2);
            if code == OPT_END {
                break;
            }
            let value = p + 4;
            if value + usize::from(length) > end {
                let room = (end - value) as u32;
                let kind = ReadErrorKind::BadOption { code, length, room };
                anomalies.push(ReadError::new(at + p as u64, kind));
                break;
            }
            match (code, length) {
                (OPT_TSRESOL, 1..) => resolution = TsResolution(w[value]),
                (OPT_TSOFFSET, 8) => offset_s = order.u64(w, value) as i64,
                _ => {}
            }
            p = value + usize::from(length).div_ceil(4) * 4;
        }
        self.interfaces.push(Interface {
            link,
            snaplen,
            scale: resolution.scale(),
            offset_s,
        });
        input.skip(len);
        Ok(())
    }

    fn lookup(&self, at: u64, interface: u32) -> Result<Interface, ReadError> {
        match self.interfaces.get(interface as usize) {
            Some(found) => Ok(*found),
            None => {
                let kind = ReadErrorKind::UnknownInterface {
                    interface,
                    defined: self.interfaces.len() as u32,
                };
                Err(ReadError::new(at, kind))
            }
        }
    }

    /// An enhanced (or obsolete) packet block: both have the timestamp,
    /// captured and original lengths at the same offsets.
    #[inline]
    fn packet<'a>(
        &self,
        input: &'a mut ChunkedInput,
        at: u64,
        len: usize,
        interface: u32,
        anomalies: &mut Anomalies,
    ) -> Result<Record<'a>, ReadError> {
        let order = self.order;
        let w = input.window();
        let ticks = u64::from(order.u32(w, 12)) << 32 | u64::from(order.u32(w, 16));
        let caplen = order.u32(w, 20);
        let orig_len = order.u32(w, 24);
        let room = len - PACKET_MIN_LEN as usize;
        if caplen as usize > room {
            let kind = ReadErrorKind::CaplenBeyondBlock {
                caplen,
                room: room as u32,
            };
            return Err(ReadError::new(at, kind));
        }
        let iface = self.lookup(at, interface)?;
        if caplen > iface.snaplen {
            anomalies.record_too_long(at, caplen, iface.snaplen)?;
        }
        let block = input.take(len);
        Ok(Record {
            ts_ns: saturating_ns(iface.scale.ns(ticks), iface.offset_s),
            orig_len,
            data: &block[28..28 + caplen as usize],
            link: iface.link,
            interface,
        })
    }

    /// A simple packet block: interface 0, no timestamp, and a captured length
    /// the reader must work out.
    fn simple_packet<'a>(
        &self,
        input: &'a mut ChunkedInput,
        at: u64,
        len: usize,
    ) -> Result<Record<'a>, ReadError> {
        let orig_len = self.order.u32(input.window(), 8);
        let iface = self.lookup(at, 0)?;
        let room = len - SPB_MIN_LEN as usize;
        let caplen = (orig_len as usize).min(iface.snaplen as usize).min(room);
        let block = input.take(len);
        Ok(Record {
            ts_ns: 0,
            orig_len,
            data: &block[12..12 + caplen],
            link: iface.link,
            interface: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_block(block_type: u32, body: &[u8]) -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        let mut b = block_type.to_le_bytes().to_vec();
        b.extend(len.to_le_bytes());
        b.extend(body);
        b.extend(len.to_le_bytes());
        b
    }

    #[test]
    fn interface_options_set_unit_and_offset_and_unknown_options_are_skipped() {
        let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
        shb.extend([1, 0, 0, 0]);
        shb.extend([0xff; 8]);
        let mut idb = vec![1, 0, 0, 0, 0, 0, 0, 0];
        idb.extend([2, 0, 5, 0, b'e', b't', b'h', b'0', b'!', 0, 0, 0]); // if_name, padded
        idb.extend([9, 0, 1, 0, 0x80 | 3, 0, 0, 0]); // if_tsresol 2^-3 s
        idb.extend([14, 0, 8, 0]);
        idb.extend((-10i64).to_le_bytes()); // if_tsoffset
        idb.extend([0, 0, 0, 0]);
        let mut bytes = le_block(SHB, &shb);
        bytes.extend(le_block(IDB, &idb));
        let mut input = ChunkedInput::new(Box::new(std::io::Cursor::new(bytes)));
        let mut reader = PcapngReader::start(&mut input).unwrap();
        let mut anomalies = Anomalies::default();
        assert!(reader.next(&mut input, &mut anomalies).unwrap().is_none());
        let iface = reader.interfaces[0];
        assert_eq!(
            (iface.link, iface.snaplen, iface.offset_s),
            (LinkType::ETHERNET, u32::MAX, -10)
        );
        assert_eq!(iface.scale, TsScale::Shift(3));
        assert_eq!(
            saturating_ns(iface.scale.ns(12), iface.offset_s),
            1_500_000_000 - 10_000_000_000
        );
    }
}
