use std::io::{self, BufWriter, Write};

use hirundo_packet::LinkType;

use super::{invalid, split_ns, BUFFER_LEN};
use crate::pcapng::{BYTE_ORDER_MAGIC, EPB, IDB, SHB};
use crate::{ByteOrder, TsResolution};

/// Writes a pcapng file: a section header at creation, then interface
/// descriptions and enhanced packet blocks as asked. Buffered internally;
/// call [`finish`](Self::finish) to flush and get the output back.
pub struct PcapngWriter<W: Write> {
    out: BufWriter<W>,
    order: ByteOrder,
    /// Per interface of the current section: its unit and the longest record
    /// kept (the snaplen, 0 meaning no limit).
    interfaces: Vec<(TsResolution, usize)>,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the first section header block.
    pub fn new(out: W, order: ByteOrder) -> io::Result<Self> {
        let mut writer = PcapngWriter {
            out: BufWriter::with_capacity(BUFFER_LEN, out),
            order,
            interfaces: Vec::new(),
        };
        writer.section_header()?;
        Ok(writer)
    }

    fn section_header(&mut self) -> io::Result<()> {
        let o = self.order;
        let mut block = [0u8; 28];
        block[0..4].copy_from_slice(&o.put_u32(SHB));
        block[4..8].copy_from_slice(&o.put_u32(28));
        block[8..12].copy_from_slice(&o.put_u32(BYTE_ORDER_MAGIC));
        block[12..14].copy_from_slice(&o.put_u16(1));
        block[14..16].copy_from_slice(&o.put_u16(0));
        // section length unknown, as a streaming writer must say
        block[16..24].copy_from_slice(&o.put_u64(u64::MAX));
        block[24..28].copy_from_slice(&o.put_u32(28));
        self.out.write_all(&block)
    }

    /// Describes an interface with an `if_tsresol` option of `tsresol` (the
    /// raw option byte: 6 for microseconds, 9 for nanoseconds, 0x80|n for
    /// 2^-n s) and returns its id within the current section. A link type
    /// above 65535 or a unit finer than 10^-38 s is an `InvalidInput` error.
    pub fn add_interface(&mut self, link: LinkType, snaplen: u32, tsresol: u8) -> io::Result<u32> {
        let link16 = u16::try_from(link.0)
            .map_err(|_| invalid(format!("pcapng cannot store link type {}", link.0)))?;
        let resolution = TsResolution(tsresol);
        if resolution.ticks_per_second().is_none() {
            return Err(invalid(format!(
                "if_tsresol 0x{tsresol:02x} is finer than any 64-bit timestamp can use"
            )));
        }
        let id = u32::try_from(self.interfaces.len())
            .map_err(|_| invalid("too many interfaces".to_owned()))?;
        let o = self.order;
        let mut block = [0u8; 32];
        block[0..4].copy_from_slice(&o.put_u32(IDB));
        block[4..8].copy_from_slice(&o.put_u32(32));
        block[8..10].copy_from_slice(&o.put_u16(link16));
        // 10..12 reserved
        block[12..16].copy_from_slice(&o.put_u32(snaplen));
        block[16..18].copy_from_slice(&o.put_u16(9));
        block[18..20].copy_from_slice(&o.put_u16(1));
        block[20] = tsresol;
        // 21..24 option padding, 24..28 end of options
        block[28..32].copy_from_slice(&o.put_u32(32));
        self.out.write_all(&block)?;
        let keep = if snaplen == 0 {
            usize::MAX
        } else {
            snaplen as usize
        };
        self.interfaces.push((resolution, keep));
        Ok(id)
    }

    /// Starts a new section: another section header; interface ids restart at 0.
    pub fn new_section(&mut self) -> io::Result<()> {
        self.interfaces.clear();
        self.section_header()
    }

    /// Writes an enhanced packet block. Bytes beyond the interface's snaplen
    /// are cut off; the time is truncated to the interface's unit (exactly
    /// kept when it is a multiple of that unit). An unknown interface, a time
    /// before 1970 or one that overflows 64 bits of ticks is `InvalidInput`.
    #[inline]
    pub fn write(
        &mut self,
        interface: u32,
        ts_ns: i64,
        orig_len: u32,
        data: &[u8],
    ) -> io::Result<()> {
        let Some(&(resolution, keep)) = self.interfaces.get(interface as usize) else {
            let defined = self.interfaces.len();
            return Err(invalid(format!(
                "interface {interface} was not added in this section ({defined} defined)"
            )));
        };
        split_ns(ts_ns, "pcapng")?;
        let ticks = resolution.ticks_from_ns(ts_ns as u64).ok_or_else(|| {
            invalid(format!(
                "{ts_ns} ns overflows 64-bit ticks of if_tsresol 0x{:02x}",
                resolution.0
            ))
        })?;
        let data = &data[..data.len().min(keep)];
        let pad = (4 - data.len() % 4) % 4;
        let len = u32::try_from(32 + data.len() + pad)
            .map_err(|_| invalid("packet too long for pcapng".to_owned()))?;
        let o = self.order;
        let mut header = [0u8; 28];
        header[0..4].copy_from_slice(&o.put_u32(EPB));
        header[4..8].copy_from_slice(&o.put_u32(len));
        header[8..12].copy_from_slice(&o.put_u32(interface));
        header[12..16].copy_from_slice(&o.put_u32((ticks >> 32) as u32));
        header[16..20].copy_from_slice(&o.put_u32(ticks as u32));
        header[20..24].copy_from_slice(&o.put_u32(data.len() as u32));
        header[24..28].copy_from_slice(&o.put_u32(orig_len));
        self.out.write_all(&header)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&o.put_u32(len))
    }

    /// Flushes everything and returns the output.
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.out.into_inner().map_err(|e| e.into_error())?;
        out.flush()?;
        Ok(out)
    }
}
