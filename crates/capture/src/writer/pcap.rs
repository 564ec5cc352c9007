use std::io::{self, BufWriter, Write};

use hirundo_packet::LinkType;

use super::{invalid, split_ns, BUFFER_LEN};
use crate::pcap::{MAGIC_MICROS, MAGIC_NANOS};
use crate::{ByteOrder, MAX_SNAPLEN};

/// Writes a pcap file: the file header at creation, then one record per
/// [`write`](Self::write). Buffered internally; call [`finish`](Self::finish)
/// to flush and get the output back.
pub struct PcapWriter<W: Write> {
    out: BufWriter<W>,
    order: ByteOrder,
    nanosecond: bool,
    /// Longest record kept: the snaplen, 0 read as [`MAX_SNAPLEN`].
    keep: usize,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header. `nanosecond` picks the a1b23c4d magic and
    /// nanosecond fractions; otherwise microseconds.
    pub fn new(
        out: W,
        link: LinkType,
        snaplen: u32,
        nanosecond: bool,
        order: ByteOrder,
    ) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(BUFFER_LEN, out);
        let magic = if nanosecond {
            MAGIC_NANOS
        } else {
            MAGIC_MICROS
        };
        let mut header = [0u8; 24];
        header[0..4].copy_from_slice(&order.put_u32(magic));
        header[4..6].copy_from_slice(&order.put_u16(2));
        header[6..8].copy_from_slice(&order.put_u16(4));
        // 8..16: thiszone and sigfigs, always 0 in practice
        header[16..20].copy_from_slice(&order.put_u32(snaplen));
        header[20..24].copy_from_slice(&order.put_u32(link.0));
        out.write_all(&header)?;
        let keep = if snaplen == 0 { MAX_SNAPLEN } else { snaplen } as usize;
        Ok(PcapWriter {
            out,
            order,
            nanosecond,
            keep,
        })
    }

    /// Writes one record. Bytes beyond the snaplen are cut off as a capture
    /// would (the record keeps `orig_len`); the time is truncated to the
    /// file's resolution. Times before 1970 or after 2106 are an
    /// `InvalidInput` error: pcap stores unsigned 32-bit seconds.
    #[inline]
    pub fn write(&mut self, ts_ns: i64, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let (sec, nanos) = split_ns(ts_ns, "pcap")?;
        let sec = u32::try_from(sec)
            .map_err(|_| invalid(format!("pcap cannot store a time after 2106 ({ts_ns} ns)")))?;
        let frac = if self.nanosecond { nanos } else { nanos / 1000 };
        let data = &data[..data.len().min(self.keep)];
        let o = self.order;
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&o.put_u32(sec));
        header[4..8].copy_from_slice(&o.put_u32(frac));
        header[8..12].copy_from_slice(&o.put_u32(data.len() as u32));
        header[12..16].copy_from_slice(&o.put_u32(orig_len));
        self.out.write_all(&header)?;
        self.out.write_all(data)
    }

    /// Flushes everything and returns the output.
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.out.into_inner().map_err(|e| e.into_error())?;
        out.flush()?;
        Ok(out)
    }
}
