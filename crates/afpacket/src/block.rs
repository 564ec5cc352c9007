//! Walking one retired TPACKET_V3 block: pure code over a byte slice, so that
//! it can be tested and fuzzed on blocks built by hand.

use crate::sys::{self, block_desc, packet_hdr};
use crate::BlockProblem;

/// One captured frame as it was on the wire, lent to the callback of
/// [`Ring::next_block`](crate::Ring::next_block).
///
/// `data` borrows the ring (or, for a frame whose VLAN tag the kernel took
/// out, the ring's own reinsertion buffer) and is valid only during the
/// call; copy what must outlive it.
#[derive(Debug, Clone, Copy)]
pub struct PacketView<'a> {
    /// Receive time in nanoseconds since the Unix epoch. TPACKET_V3 always
    /// carries nanoseconds; the kernel takes the software time when the
    /// frame reached the packet tap, or earlier if something enabled
    /// receive timestamps on the host.
    pub ts_ns: i64,
    /// Length of the frame on the wire, VLAN tag included; at least
    /// `data.len()`.
    pub wire_len: u32,
    /// The frame's first `min(wire_len, snaplen)` bytes, from the link-layer
    /// header on.
    pub data: &'a [u8],
}

/// The 802.1Q TPID the kernel means when it does not say
/// (`TP_STATUS_VLAN_TPID_VALID` unset, kernels before 3.14).
pub const ETH_P_8021Q: u16 = 0x8100;
/// Bytes of a VLAN tag: TPID and TCI.
pub const VLAN_TAG_LEN: usize = 4;
/// The tag goes after the destination and source MAC addresses.
const MACS_LEN: usize = 12;

/// How to present the packets of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkOptions {
    /// Put back a VLAN tag the kernel took out (Ethernet only).
    pub reinsert_vlan: bool,
    /// Never lend out more than this many bytes of a frame.
    pub snaplen: u32,
}

/// Where a block stopped holding together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockError {
    /// Index of the packet in the block; the ones before it were delivered.
    pub packet: u32,
    /// Byte offset of that packet's header in the block.
    pub offset: usize,
    pub problem: BlockProblem,
}

/// Calls `f` for every packet of a retired block and returns how many it
/// visited. Every offset is checked against `block.len()` before a slice is
/// made, so no content of `block` can make this panic or read outside it.
/// `scratch` holds a frame whose VLAN tag is put back; it is reused, and
/// does not grow once it has `snaplen + 4` bytes of capacity.
pub(crate) fn walk_block(
    block: &[u8],
    options: WalkOptions,
    scratch: &mut Vec<u8>,
    f: &mut dyn FnMut(PacketView<'_>),
) -> Result<usize, BlockError> {
    let desc: &[u8; block_desc::LEN] = block
        .get(..block_desc::LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(BlockError {
            packet: 0,
            offset: 0,
            problem: BlockProblem::ShortBlock { len: block.len() },
        })?;
    let num_pkts = u32_at(desc, block_desc::NUM_PKTS);
    let mut offset = u32_at(desc, block_desc::OFFSET_TO_FIRST_PKT) as usize;
    for packet in 0..num_pkts {
        let fail = |problem| BlockError {
            packet,
            offset,
            problem,
        };
        let hdr: &[u8; packet_hdr::SIZE] = offset
            .checked_add(packet_hdr::SIZE)
            .and_then(|end| block.get(offset..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(fail(BlockProblem::HeaderBeyondBlock {
                block_len: block.len(),
            }))?;
        let mac = u16_at(hdr, packet_hdr::MAC);
        let snaplen = u32_at(hdr, packet_hdr::SNAPLEN);
        let len = u32_at(hdr, packet_hdr::LEN);
        let next = u32_at(hdr, packet_hdr::NEXT_OFFSET);
        if usize::from(mac) < packet_hdr::SIZE {
            return Err(fail(BlockProblem::MacInsideHeader { mac }));
        }
        if snaplen > len {
            return Err(fail(BlockProblem::SnaplenAboveLen { snaplen, len }));
        }
        let start = offset + usize::from(mac);
        let data = start
            .checked_add(snaplen as usize)
            .and_then(|end| block.get(start..end))
            .ok_or(fail(BlockProblem::DataBeyondBlock {
                mac,
                snaplen,
                block_len: block.len(),
            }))?;
        let remaining = num_pkts - packet - 1;
        if remaining > 0 && (next as usize) < packet_hdr::SIZE {
            return Err(fail(BlockProblem::BadNextOffset { next, remaining }));
        }

        let ts_ns = i64::from(u32_at(hdr, packet_hdr::SEC)) * 1_000_000_000
            + i64::from(u32_at(hdr, packet_hdr::NSEC));
        let data = &data[..data.len().min(options.snaplen as usize)];
        let status = u32_at(hdr, packet_hdr::STATUS);
        if options.reinsert_vlan && status & sys::TP_STATUS_VLAN_VALID != 0 {
            let tpid = if status & sys::TP_STATUS_VLAN_TPID_VALID != 0 {
                u16_at(hdr, packet_hdr::VLAN_TPID)
            } else {
                ETH_P_8021Q
            };
            // The TCI is the low 16 bits of a u32 field.
            let tci = u32_at(hdr, packet_hdr::VLAN_TCI) as u16;
            let data = reinsert_vlan(data, tpid, tci, options.snaplen, scratch);
            f(PacketView {
                ts_ns,
                wire_len: len.saturating_add(VLAN_TAG_LEN as u32),
                data,
            });
        } else {
            f(PacketView {
                ts_ns,
                wire_len: len,
                data,
            });
        }
        offset = offset.saturating_add(next as usize);
    }
    Ok(num_pkts as usize)
}

/// The frame as it was on the wire: `data` with the tag `tpid`/`tci` put
/// back after the two MAC addresses, cut to `snaplen` bytes. A frame cut
/// to fewer than 12 bytes is returned as it is: the tag lay beyond what was
/// kept.
pub(crate) fn reinsert_vlan<'a>(
    data: &'a [u8],
    tpid: u16,
    tci: u16,
    snaplen: u32,
    scratch: &'a mut Vec<u8>,
) -> &'a [u8] {
    let Some((macs, rest)) = data.split_at_checked(MACS_LEN) else {
        return data;
    };
    scratch.clear();
    scratch.extend_from_slice(macs);
    scratch.extend_from_slice(&tpid.to_be_bytes());
    scratch.extend_from_slice(&tci.to_be_bytes());
    scratch.extend_from_slice(rest);
    let keep = scratch.len().min(snaplen as usize);
    &scratch[..keep]
}

fn u32_at<const N: usize>(bytes: &[u8; N], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_ne_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn u16_at<const N: usize>(bytes: &[u8; N], at: usize) -> u16 {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => u16::from_ne_bytes([a, b]),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One packet to put in a hand-built block.
    #[derive(Debug, Clone)]
    struct Pkt {
        sec: u32,
        nsec: u32,
        frame: Vec<u8>,
        wire_len: u32,
        vlan: Option<(u16, Option<u16>)>,
    }

    impl Pkt {
        fn plain(frame: &[u8]) -> Pkt {
            Pkt {
                sec: 1_700_000_000,
                nsec: 123_456_789,
                frame: frame.to_vec(),
                wire_len: frame.len() as u32,
                vlan: None,
            }
        }
    }

    /// Lays out a block the way the kernel does: descriptor, then packets
    /// at 16-byte aligned offsets, each header followed by a sockaddr_ll
    /// and the frame at `tp_mac`.
    fn build_block(size: usize, pkts: &[Pkt]) -> Vec<u8> {
        let mut block = vec![0u8; size];
        let put32 = |b: &mut Vec<u8>, at: usize, v: u32| {
            b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
        };
        let put16 = |b: &mut Vec<u8>, at: usize, v: u16| {
            b[at..at + 2].copy_from_slice(&v.to_ne_bytes());
        };
        put32(&mut block, 0, 3); // version
        put32(&mut block, block_desc::BLOCK_STATUS, sys::TP_STATUS_USER);
        put32(&mut block, block_desc::NUM_PKTS, pkts.len() as u32);
        put32(&mut block, block_desc::OFFSET_TO_FIRST_PKT, 48);
        let mut offset = 48usize;
        for (i, p) in pkts.iter().enumerate() {
            let mac = 82u16; // as the kernel puts an Ethernet frame
            put32(&mut block, offset + packet_hdr::SEC, p.sec);
            put32(&mut block, offset + packet_hdr::NSEC, p.nsec);
            put32(
                &mut block,
                offset + packet_hdr::SNAPLEN,
                p.frame.len() as u32,
            );
            put32(&mut block, offset + packet_hdr::LEN, p.wire_len);
            put16(&mut block, offset + packet_hdr::MAC, mac);
            let mut status = sys::TP_STATUS_USER;
            if let Some((tci, tpid)) = p.vlan {
                status |= sys::TP_STATUS_VLAN_VALID;
                put32(&mut block, offset + packet_hdr::VLAN_TCI, u32::from(tci));
                if let Some(tpid) = tpid {
                    status |= sys::TP_STATUS_VLAN_TPID_VALID;
                    put16(&mut block, offset + packet_hdr::VLAN_TPID, tpid);
                }
            }
            put32(&mut block, offset + packet_hdr::STATUS, status);
            let start = offset + usize::from(mac);
            block[start..start + p.frame.len()].copy_from_slice(&p.frame);
            let next = (usize::from(mac) + p.frame.len()).next_multiple_of(16);
            if i + 1 < pkts.len() {
                put32(&mut block, offset + packet_hdr::NEXT_OFFSET, next as u32);
            }
            offset += next;
        }
        block
    }

    /// The status word of a block, read from its descriptor.
    fn block_status(block: &[u8]) -> Option<u32> {
        block
            .get(block_desc::BLOCK_STATUS..block_desc::BLOCK_STATUS + 4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
    }

    #[derive(Debug, PartialEq, Eq)]
    struct Seen {
        ts_ns: i64,
        wire_len: u32,
        data: Vec<u8>,
    }

    fn walk(block: &[u8], options: WalkOptions) -> (Result<usize, BlockError>, Vec<Seen>) {
        let mut seen = Vec::new();
        let mut scratch = Vec::new();
        let r = walk_block(block, options, &mut scratch, &mut |p| {
            assert!(p.data.len() as u64 <= u64::from(p.wire_len));
            seen.push(Seen {
                ts_ns: p.ts_ns,
                wire_len: p.wire_len,
                data: p.data.to_vec(),
            });
        });
        (r, seen)
    }

    const FULL: WalkOptions = WalkOptions {
        reinsert_vlan: true,
        snaplen: 262_144,
    };

    fn frame(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect()
    }

    #[test]
    fn walks_every_packet_with_time_and_lengths() {
        let mut short = Pkt::plain(&frame(60, 1));
        short.wire_len = 1514; // truncated by the kernel
        let pkts = [
            Pkt::plain(&frame(42, 2)),
            short,
            Pkt::plain(&frame(1514, 3)),
        ];
        let block = build_block(8192, &pkts);
        assert_eq!(block_status(&block), Some(sys::TP_STATUS_USER));
        let (r, seen) = walk(&block, FULL);
        assert_eq!(r, Ok(3));
        assert_eq!(seen.len(), 3);
        for (s, p) in seen.iter().zip(&pkts) {
            assert_eq!(s.ts_ns, 1_700_000_000_123_456_789);
            assert_eq!(s.wire_len, p.wire_len);
            assert_eq!(s.data, p.frame);
        }
    }

    #[test]
    fn empty_block_visits_nothing() {
        let block = build_block(4096, &[]);
        assert_eq!(walk(&block, FULL), (Ok(0), vec![]));
    }

    #[test]
    fn snaplen_option_cuts_frames_and_keeps_wire_len() {
        let pkts = [Pkt::plain(&frame(300, 4))];
        let block = build_block(4096, &pkts);
        let (r, seen) = walk(
            &block,
            WalkOptions {
                reinsert_vlan: true,
                snaplen: 100,
            },
        );
        assert_eq!(r, Ok(1));
        assert_eq!(seen[0].data, &pkts[0].frame[..100]);
        assert_eq!(seen[0].wire_len, 300);
    }

    #[test]
    fn vlan_tag_is_put_back_after_the_macs() {
        let untagged = frame(64, 5);
        let mut p = Pkt::plain(&untagged);
        p.vlan = Some((0x2064, None)); // PCP 1, VID 100; default TPID
        let mut q = Pkt::plain(&untagged);
        q.vlan = Some((0x0005, Some(0x88a8))); // 802.1ad outer tag
        let block = build_block(4096, &[p, q]);
        let (r, seen) = walk(&block, FULL);
        assert_eq!(r, Ok(2));
        let mut want = untagged[..12].to_vec();
        want.extend_from_slice(&[0x81, 0x00, 0x20, 0x64]);
        want.extend_from_slice(&untagged[12..]);
        assert_eq!(seen[0].data, want);
        assert_eq!(seen[0].wire_len, 68);
        want[12..16].copy_from_slice(&[0x88, 0xa8, 0x00, 0x05]);
        assert_eq!(seen[1].data, want);
        assert_eq!(seen[1].wire_len, 68);
    }

    #[test]
    fn vlan_tag_left_alone_off_ethernet() {
        let mut p = Pkt::plain(&frame(40, 6));
        p.vlan = Some((7, None));
        let block = build_block(4096, std::slice::from_ref(&p));
        let (r, seen) = walk(
            &block,
            WalkOptions {
                reinsert_vlan: false,
                snaplen: 262_144,
            },
        );
        assert_eq!(r, Ok(1));
        assert_eq!((seen[0].wire_len, &seen[0].data), (40, &p.frame));
    }

    #[test]
    fn vlan_reinsertion_respects_snaplen() {
        let wire = {
            let mut f = frame(12, 8);
            f.extend_from_slice(&[0x81, 0x00, 0x00, 0x0a]);
            f.extend_from_slice(&frame(84, 9));
            f
        };
        let untagged: Vec<u8> = [&wire[..12], &wire[16..]].concat();
        for snaplen in [1u32, 11, 12, 13, 14, 15, 16, 17, 50, 96, 99, 100, 1000] {
            // The kernel cut the untagged frame to snaplen; we must return
            // the tagged one cut to snaplen.
            let kept = untagged.len().min(snaplen as usize);
            let mut p = Pkt::plain(&untagged[..kept]);
            p.wire_len = untagged.len() as u32;
            p.vlan = Some((0x000a, Some(0x8100)));
            let block = build_block(4096, &[p]);
            let (r, seen) = walk(
                &block,
                WalkOptions {
                    reinsert_vlan: true,
                    snaplen,
                },
            );
            assert_eq!(r, Ok(1));
            let want = &wire[..wire.len().min(snaplen as usize)];
            assert_eq!(seen[0].data, want, "snaplen {snaplen}");
            assert_eq!(seen[0].wire_len, 100, "snaplen {snaplen}");
        }
    }

    #[test]
    fn reinsertion_reuses_the_buffer() {
        let mut scratch = Vec::with_capacity(262_144 + VLAN_TAG_LEN);
        let ptr = scratch.as_ptr();
        let big = frame(9000, 10);
        for _ in 0..3 {
            let out = reinsert_vlan(&big, 0x8100, 1, 262_144, &mut scratch);
            assert_eq!(out.len(), 9004);
        }
        assert_eq!(scratch.as_ptr(), ptr, "no reallocation");
    }

    fn put32(block: &mut [u8], at: usize, v: u32) {
        block[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }

    #[test]
    fn corrupt_first_offset_is_an_error_not_a_read() {
        let mut block = build_block(4096, &[Pkt::plain(&frame(60, 11))]);
        put32(&mut block, block_desc::OFFSET_TO_FIRST_PKT, 4090);
        let (r, seen) = walk(&block, FULL);
        assert_eq!(
            r,
            Err(BlockError {
                packet: 0,
                offset: 4090,
                problem: BlockProblem::HeaderBeyondBlock { block_len: 4096 }
            })
        );
        assert!(seen.is_empty());
        put32(&mut block, block_desc::OFFSET_TO_FIRST_PKT, u32::MAX);
        assert!(matches!(
            walk(&block, FULL).0,
            Err(BlockError {
                problem: BlockProblem::HeaderBeyondBlock { .. },
                ..
            })
        ));
    }

    #[test]
    fn corrupt_next_offset_stops_after_the_good_packets() {
        let pkts = [
            Pkt::plain(&frame(60, 12)),
            Pkt::plain(&frame(60, 13)),
            Pkt::plain(&frame(60, 14)),
        ];
        let mut block = build_block(4096, &pkts);
        // The second packet's next offset sends the walk past the end.
        let second = 48 + (82 + 60usize).next_multiple_of(16);
        put32(&mut block, second + packet_hdr::NEXT_OFFSET, 5000);
        let (r, seen) = walk(&block, FULL);
        assert_eq!(seen.len(), 2);
        assert_eq!(
            r,
            Err(BlockError {
                packet: 2,
                offset: second + 5000,
                problem: BlockProblem::HeaderBeyondBlock { block_len: 4096 }
            })
        );
        // A zero next offset before the last packet would visit one packet
        // again and again.
        put32(&mut block, second + packet_hdr::NEXT_OFFSET, 0);
        let (r, seen) = walk(&block, FULL);
        assert_eq!(seen.len(), 1);
        assert_eq!(
            r,
            Err(BlockError {
                packet: 1,
                offset: second,
                problem: BlockProblem::BadNextOffset {
                    next: 0,
                    remaining: 1
                }
            })
        );
    }

    #[test]
    fn corrupt_lengths_are_errors() {
        let good = build_block(4096, &[Pkt::plain(&frame(60, 15))]);
        let mut block = good.clone();
        put32(&mut block, 48 + packet_hdr::SNAPLEN, 4000);
        put32(&mut block, 48 + packet_hdr::LEN, 4000);
        assert_eq!(
            walk(&block, FULL).0.map_err(|e| e.problem),
            Err(BlockProblem::DataBeyondBlock {
                mac: 82,
                snaplen: 4000,
                block_len: 4096
            })
        );
        let mut block = good.clone();
        put32(&mut block, 48 + packet_hdr::SNAPLEN, 61);
        assert_eq!(
            walk(&block, FULL).0.map_err(|e| e.problem),
            Err(BlockProblem::SnaplenAboveLen {
                snaplen: 61,
                len: 60
            })
        );
        let mut block = good.clone();
        block[48 + packet_hdr::MAC..48 + packet_hdr::MAC + 2].copy_from_slice(&8u16.to_ne_bytes());
        assert_eq!(
            walk(&block, FULL).0.map_err(|e| e.problem),
            Err(BlockProblem::MacInsideHeader { mac: 8 })
        );
        let mut block = good;
        put32(&mut block, block_desc::NUM_PKTS, u32::MAX);
        assert!(
            walk(&block, FULL).0.is_err(),
            "a huge packet count ends at the block's end"
        );
        assert_eq!(
            walk(&[0u8; 47], FULL).0.map_err(|e| e.problem),
            Err(BlockProblem::ShortBlock { len: 47 })
        );
    }

    proptest! {
        /// Whatever the kernel (or a bug) writes into a block, the walk
        /// ends with a count or an error, and every frame it lends lies in
        /// the block or the scratch buffer.
        #[test]
        fn mutated_blocks_never_panic(
            edits in proptest::collection::vec((0usize..2048, any::<u8>()), 1..24),
            vlan in any::<bool>(),
            snaplen in 1u32..3000,
        ) {
            let mut p = Pkt::plain(&frame(100, 16));
            if vlan {
                p.vlan = Some((3, Some(0x8100)));
            }
            let mut block = build_block(2048, &[p.clone(), Pkt::plain(&frame(300, 17)), p]);
            for (at, byte) in edits {
                block[at] = byte;
            }
            let options = WalkOptions { reinsert_vlan: true, snaplen };
            let mut scratch = Vec::new();
            let (mut visited, mut longest) = (0usize, 0usize);
            let r = walk_block(&block, options, &mut scratch, &mut |p| {
                longest = longest.max(p.data.len());
                visited += 1;
            });
            prop_assert!(longest <= snaplen as usize);
            if let Ok(n) = r {
                prop_assert_eq!(n, visited);
            }
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut scratch = Vec::new();
            let _ = walk_block(&bytes, FULL, &mut scratch, &mut |_| {});
        }
    }
}
