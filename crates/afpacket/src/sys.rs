//! The kernel's side of the ring, from `include/uapi/linux/if_packet.h`.
//!
//! Defined here rather than taken from `libc` so that the layout the walker
//! relies on is written down in one place and does not move with the `libc`
//! version. The walker reads ring memory by byte offset, never through these
//! structs; the structs exist for the `setsockopt`/`getsockopt` calls and for
//! the size assertions below, which pin the offsets to the kernel's layout.

use libc::{c_int, c_uint, c_ushort};

/// `SOL_PACKET` option names.
pub const PACKET_ADD_MEMBERSHIP: c_int = 1;
pub const PACKET_RX_RING: c_int = 5;
pub const PACKET_STATISTICS: c_int = 6;
pub const PACKET_VERSION: c_int = 10;
/// Since Linux 4.20: the socket no longer sees frames the host sends.
pub const PACKET_IGNORE_OUTGOING: c_int = 23;

/// `enum tpacket_versions`: V1 is 0, V2 is 1.
pub const TPACKET_V3: c_int = 2;

/// `packet_mreq.mr_type` for promiscuous mode.
pub const PACKET_MR_PROMISC: c_ushort = 1;

/// Block and packet status bits.
pub const TP_STATUS_KERNEL: u32 = 0;
pub const TP_STATUS_USER: u32 = 1 << 0;
pub const TP_STATUS_VLAN_VALID: u32 = 1 << 4;
pub const TP_STATUS_VLAN_TPID_VALID: u32 = 1 << 6;

/// Alignment of frames in the ring; `tp_frame_size` must be a multiple.
pub const TPACKET_ALIGNMENT: u32 = 16;

/// `TPACKET3_HDRLEN`: the aligned packet header plus the `sockaddr_ll` the
/// kernel writes after it. `tp_frame_size` may not be smaller.
pub const TPACKET3_HDRLEN: u32 = 48 + 20;

/// `struct tpacket_req3`, the argument of `PACKET_RX_RING` for TPACKET_V3.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TpacketReq3 {
    pub tp_block_size: c_uint,
    pub tp_block_nr: c_uint,
    pub tp_frame_size: c_uint,
    pub tp_frame_nr: c_uint,
    pub tp_retire_blk_tov: c_uint,
    pub tp_sizeof_priv: c_uint,
    pub tp_feature_req_word: c_uint,
}

/// `struct tpacket_stats_v3`, what `PACKET_STATISTICS` returns for V3.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct TpacketStatsV3 {
    pub tp_packets: c_uint,
    pub tp_drops: c_uint,
    pub tp_freeze_q_cnt: c_uint,
}

/// `struct packet_mreq`, the argument of `PACKET_ADD_MEMBERSHIP`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PacketMreq {
    pub mr_ifindex: c_int,
    pub mr_type: c_ushort,
    pub mr_alen: c_ushort,
    pub mr_address: [u8; 8],
}

/// `struct tpacket_block_desc` with its `tpacket_hdr_v1`: byte offsets of
/// the fields the walker reads.
pub mod block_desc {
    /// `hdr.bh1.block_status`: `TP_STATUS_KERNEL` or `TP_STATUS_USER` (plus
    /// `TP_STATUS_BLK_TMO` when the block was retired by the timer).
    pub const BLOCK_STATUS: usize = 8;
    /// `hdr.bh1.num_pkts`.
    pub const NUM_PKTS: usize = 12;
    /// `hdr.bh1.offset_to_first_pkt`, from the start of the block.
    pub const OFFSET_TO_FIRST_PKT: usize = 16;
    /// `sizeof(struct tpacket_block_desc)`: version, offset_to_priv, then
    /// `tpacket_hdr_v1` (four u32, an aligned u64 and two `tpacket_bd_ts`).
    pub const LEN: usize = 48;
}

/// `struct tpacket3_hdr` with its `tpacket_hdr_variant1`: byte offsets.
pub mod packet_hdr {
    /// `tp_next_offset`, from this header to the next; 0 on the last packet.
    pub const NEXT_OFFSET: usize = 0;
    pub const SEC: usize = 4;
    pub const NSEC: usize = 8;
    /// `tp_snaplen`: bytes in the ring.
    pub const SNAPLEN: usize = 12;
    /// `tp_len`: bytes on the wire (without a VLAN tag the kernel took out).
    pub const LEN: usize = 16;
    pub const STATUS: usize = 20;
    /// `tp_mac` (u16): the frame's offset from this header.
    pub const MAC: usize = 24;
    /// `hv1.tp_vlan_tci` (u32, TCI in the low 16 bits).
    pub const VLAN_TCI: usize = 32;
    /// `hv1.tp_vlan_tpid` (u16, host byte order).
    pub const VLAN_TPID: usize = 36;
    /// `sizeof(struct tpacket3_hdr)`, a multiple of `TPACKET_ALIGNMENT`.
    pub const SIZE: usize = 48;
}

// The offsets above are the kernel ABI; these catch a typo in the structs.
const _: () = assert!(std::mem::size_of::<TpacketReq3>() == 28);
const _: () = assert!(std::mem::size_of::<TpacketStatsV3>() == 12);
const _: () = assert!(std::mem::size_of::<PacketMreq>() == 16);
const _: () = assert!(std::mem::size_of::<libc::sockaddr_ll>() == 20);
