use hirundo_packet::LinkType;

/// One captured packet, borrowed from the reader's buffer until the next call
/// to [`CaptureReader::next_record`](crate::CaptureReader::next_record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Nanoseconds since the Unix epoch, saturated to the i64 range (a pcapng
    /// timestamp with a large `if_tsoffset` can exceed it). 0 for a pcapng
    /// simple packet block, which carries no timestamp.
    pub ts_ns: i64,
    /// Length of the packet on the wire; may be more than `data.len()` (cut by
    /// the snapshot length) and, in odd files Wireshark accepts, less.
    pub orig_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
    /// Link type of the interface that captured the packet.
    pub link: LinkType,
    /// pcapng interface id within the current section; 0 for pcap.
    pub interface: u32,
}
