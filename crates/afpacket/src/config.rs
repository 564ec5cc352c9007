use crate::sys;
use crate::RingError;

/// Ring geometry and capture options.
///
/// The defaults suit a darknet sensor on a 1–10 Gbit/s link: a 64 MiB ring
/// absorbs about half a second of line-rate 64-byte probes while the reader
/// is busy, and a block is handed over at least every 100 ms on a quiet
/// link. [`RingConfig::validate`] says in a sentence what to change when a
/// value cannot work; [`Ring::open`](crate::Ring::open) calls it first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingConfig {
    /// Bytes per block, the unit the kernel hands over. A power of two and
    /// at least one page. Default 1 MiB.
    pub block_size: u32,
    /// Blocks in the ring; at least 2, so that the kernel can fill one
    /// while the reader walks another. Default 64 (64 MiB with the default
    /// block size).
    pub block_count: u32,
    /// `tp_frame_size`. TPACKET_V3 packs packets tightly and uses this only
    /// for the kernel's sanity checks; a multiple of 16, at least 80, at
    /// most `block_size`. Default 2048.
    pub frame_size: u32,
    /// Bytes kept of each frame; longer frames are truncated (by the kernel,
    /// so they take less room in the ring), and their wire length is kept.
    /// 1 to 262144, and with at least [`RingConfig::BLOCK_OVERHEAD`] bytes
    /// to spare in a block. Default 262144, which keeps every frame whole.
    pub snaplen: u32,
    /// `tp_retire_blk_tov`: a block that is not full is handed over after
    /// this many milliseconds, which bounds the latency on a quiet link.
    /// 1 to 60000. Default 100.
    pub block_timeout_ms: u32,
    /// Put the interface in promiscuous mode for as long as the ring is
    /// open (`PACKET_MR_PROMISC`; the kernel undoes it when the socket
    /// closes). A darknet's traffic is addressed to the router's MAC, not
    /// the sensor's, so this is needed unless the switch port is a mirror
    /// that rewrites nothing. Default true.
    pub promiscuous: bool,
}

impl Default for RingConfig {
    fn default() -> Self {
        RingConfig {
            block_size: 1 << 20,
            block_count: 64,
            frame_size: 2048,
            snaplen: Self::MAX_SNAPLEN,
            block_timeout_ms: 100,
            promiscuous: true,
        }
    }
}

impl RingConfig {
    /// The largest snapshot length, the one Wireshark and libpcap use.
    pub const MAX_SNAPLEN: u32 = 262_144;
    /// Room a block needs beyond a packet's bytes: the block descriptor
    /// (48), the packet header and `sockaddr_ll` (68), alignment of the
    /// frame (up to 16) and a margin; rounded up.
    pub const BLOCK_OVERHEAD: u32 = 256;
    /// The kernel refuses a ring of 4 GiB or more (`tp_block_size *
    /// tp_block_nr` must fit in an unsigned int).
    pub const MAX_RING_BYTES: u64 = u32::MAX as u64;
    /// The smallest `frame_size` the kernel accepts, rounded up to the
    /// alignment.
    pub const MIN_FRAME_SIZE: u32 =
        sys::TPACKET3_HDRLEN.div_ceil(sys::TPACKET_ALIGNMENT) * sys::TPACKET_ALIGNMENT;
    /// The longest block timeout accepted.
    pub const MAX_BLOCK_TIMEOUT_MS: u32 = 60_000;

    /// Checks that the kernel will accept this geometry and that no frame
    /// can be cut short by the block size; the error is a sentence naming
    /// the field and what to set it to.
    pub fn validate(&self) -> Result<(), RingError> {
        self.validate_with_page_size(page_size())
    }

    /// Total bytes of the ring, which is also the size of the mapping.
    pub fn ring_bytes(&self) -> u64 {
        u64::from(self.block_size) * u64::from(self.block_count)
    }

    fn validate_with_page_size(&self, page: u32) -> Result<(), RingError> {
        let bad = |s: String| Err(RingError::BadConfig(s));
        let b = self.block_size;
        if !b.is_power_of_two() || b < page {
            return bad(format!(
                "block_size is {b} bytes; it must be a power of two and at least the \
                 page size ({page}), for example 1048576"
            ));
        }
        if self.block_count < 2 {
            return bad(format!(
                "block_count is {}; use at least 2 so that the kernel can fill one block \
                 while the sensor reads another (64 is the default)",
                self.block_count
            ));
        }
        if self.ring_bytes() > Self::MAX_RING_BYTES {
            return bad(format!(
                "block_size {b} times block_count {} is {} bytes; the kernel accepts rings \
                 under 4 GiB, so lower one of them",
                self.block_count,
                self.ring_bytes()
            ));
        }
        let f = self.frame_size;
        if f % sys::TPACKET_ALIGNMENT != 0 || f < Self::MIN_FRAME_SIZE || f > b {
            return bad(format!(
                "frame_size is {f}; it must be a multiple of {}, at least {} and at most \
                 block_size ({b}); 2048 is the default",
                sys::TPACKET_ALIGNMENT,
                Self::MIN_FRAME_SIZE
            ));
        }
        if self.snaplen == 0 || self.snaplen > Self::MAX_SNAPLEN {
            return bad(format!(
                "snaplen is {}; it must be between 1 and {} bytes",
                self.snaplen,
                Self::MAX_SNAPLEN
            ));
        }
        if u64::from(self.snaplen) + u64::from(Self::BLOCK_OVERHEAD) > u64::from(b) {
            return bad(format!(
                "snaplen {} plus {} bytes of ring headers does not fit in a block of {b} \
                 bytes, so long frames would be cut short; raise block_size to {} or lower \
                 snaplen to {}",
                self.snaplen,
                Self::BLOCK_OVERHEAD,
                (self.snaplen + Self::BLOCK_OVERHEAD)
                    .checked_next_power_of_two()
                    .unwrap_or(u32::MAX),
                b.saturating_sub(Self::BLOCK_OVERHEAD)
            ));
        }
        let t = self.block_timeout_ms;
        if t == 0 || t > Self::MAX_BLOCK_TIMEOUT_MS {
            return bad(format!(
                "block_timeout_ms is {t}; it must be between 1 and {} (100 is the default): \
                 it bounds how long a packet waits in a block that is not full",
                Self::MAX_BLOCK_TIMEOUT_MS
            ));
        }
        Ok(())
    }
}

/// The system page size; 4096 if `sysconf` cannot tell.
pub(crate) fn page_size() -> u32 {
    // SAFETY: sysconf takes no pointers and only reads a constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u32::try_from(page).ok().filter(|&p| p > 0).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(config: &RingConfig) -> String {
        match config.validate_with_page_size(4096) {
            Err(RingError::BadConfig(s)) => s,
            other => panic!("expected BadConfig for {config:?}, got {other:?}"),
        }
    }

    #[test]
    fn default_is_valid_and_documented_values() {
        let c = RingConfig::default();
        assert_eq!(c.block_size, 1 << 20);
        assert_eq!(c.block_count, 64);
        assert_eq!(c.frame_size, 2048);
        assert_eq!(c.snaplen, 262_144);
        assert_eq!(c.block_timeout_ms, 100);
        assert!(c.promiscuous);
        assert_eq!(c.ring_bytes(), 64 << 20);
        c.validate().expect("the default configuration is valid");
        c.validate_with_page_size(65536)
            .expect("valid with 64 KiB pages too");
    }

    #[test]
    fn min_frame_size_is_aligned_header_len() {
        assert_eq!(RingConfig::MIN_FRAME_SIZE, 80);
    }

    #[test]
    fn block_size_must_be_power_of_two_and_page_sized() {
        for block_size in [0, 3000, 4096 * 3, 2048] {
            let c = RingConfig {
                block_size,
                snaplen: 100,
                frame_size: 1024,
                ..RingConfig::default()
            };
            let e = error_of(&c);
            assert!(
                e.starts_with(&format!("block_size is {block_size} bytes")),
                "{e}"
            );
            assert!(e.contains("power of two"), "{e}");
        }
        let c = RingConfig {
            block_size: 4096,
            snaplen: 4096 - 256,
            ..RingConfig::default()
        };
        // 4096 is fine for the block, but frame_size 2048 still fits.
        c.validate_with_page_size(4096).expect("one page blocks");
    }

    #[test]
    fn block_count_below_two_is_refused() {
        for block_count in [0, 1] {
            let e = error_of(&RingConfig {
                block_count,
                ..RingConfig::default()
            });
            assert!(e.contains("at least 2"), "{e}");
        }
    }

    #[test]
    fn ring_of_four_gib_is_refused() {
        let e = error_of(&RingConfig {
            block_size: 1 << 20,
            block_count: 4096,
            ..RingConfig::default()
        });
        assert!(e.contains("4294967296 bytes"), "{e}");
        let just_under = RingConfig {
            block_size: 1 << 20,
            block_count: 4095,
            ..RingConfig::default()
        };
        just_under.validate_with_page_size(4096).expect("4095 MiB");
    }

    #[test]
    fn frame_size_rules() {
        for frame_size in [0, 64, 2050, 2 << 20] {
            let e = error_of(&RingConfig {
                frame_size,
                ..RingConfig::default()
            });
            assert!(
                e.starts_with(&format!("frame_size is {frame_size};")),
                "{e}"
            );
        }
        let c = RingConfig {
            frame_size: 80,
            ..RingConfig::default()
        };
        c.validate_with_page_size(4096).expect("80 is the minimum");
    }

    #[test]
    fn snaplen_rules() {
        for snaplen in [0, 262_145] {
            let e = error_of(&RingConfig {
                snaplen,
                ..RingConfig::default()
            });
            assert!(e.starts_with(&format!("snaplen is {snaplen};")), "{e}");
        }
        let e = error_of(&RingConfig {
            block_size: 65536,
            ..RingConfig::default()
        });
        assert_eq!(
            e,
            "snaplen 262144 plus 256 bytes of ring headers does not fit in a block of 65536 \
             bytes, so long frames would be cut short; raise block_size to 524288 or lower \
             snaplen to 65280"
        );
        let c = RingConfig {
            block_size: 65536,
            snaplen: 65280,
            ..RingConfig::default()
        };
        c.validate_with_page_size(4096).expect("snaplen just fits");
    }

    #[test]
    fn block_timeout_rules() {
        for block_timeout_ms in [0, 60_001] {
            let e = error_of(&RingConfig {
                block_timeout_ms,
                ..RingConfig::default()
            });
            assert!(
                e.starts_with(&format!("block_timeout_ms is {block_timeout_ms};")),
                "{e}"
            );
        }
    }
}
