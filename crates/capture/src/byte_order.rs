/// The byte order of a capture's header and record fields.
///
/// Readers learn it from the magic number; writers are told, so that tests
/// can produce big-endian files as SPARC and old MIPS hosts did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    Little,
    Big,
}

// Readers index with offsets they have bounds-checked against the block or
// record length first; a panic here would be a bug in that check.
impl ByteOrder {
    #[inline(always)]
    pub(crate) fn u16(self, b: &[u8], at: usize) -> u16 {
        let raw = [b[at], b[at + 1]];
        match self {
            ByteOrder::Little => u16::from_le_bytes(raw),
            ByteOrder::Big => u16::from_be_bytes(raw),
        }
    }

    #[inline(always)]
    pub(crate) fn u32(self, b: &[u8], at: usize) -> u32 {
        let raw: [u8; 4] = b[at..at + 4].try_into().expect("4 bytes");
        match self {
            ByteOrder::Little => u32::from_le_bytes(raw),
            ByteOrder::Big => u32::from_be_bytes(raw),
        }
    }

    #[inline(always)]
    pub(crate) fn u64(self, b: &[u8], at: usize) -> u64 {
        let raw: [u8; 8] = b[at..at + 8].try_into().expect("8 bytes");
        match self {
            ByteOrder::Little => u64::from_le_bytes(raw),
            ByteOrder::Big => u64::from_be_bytes(raw),
        }
    }

    #[inline(always)]
    pub(crate) fn put_u16(self, v: u16) -> [u8; 2] {
        match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        }
    }

    #[inline(always)]
    pub(crate) fn put_u32(self, v: u32) -> [u8; 4] {
        match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        }
    }

    #[inline(always)]
    pub(crate) fn put_u64(self, v: u64) -> [u8; 8] {
        match self {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ByteOrder::{Big, Little};

    #[test]
    fn reads_and_writes_agree_in_both_orders() {
        let b = [0x0a, 0x0b, 0x0c, 0x0d, 1, 2, 3, 4];
        assert_eq!(Little.u16(&b, 0), 0x0b0a);
        assert_eq!(Big.u16(&b, 0), 0x0a0b);
        assert_eq!(Little.u32(&b, 0), 0x0d0c0b0a);
        assert_eq!(Big.u32(&b, 4), 0x01020304);
        assert_eq!(Big.u64(&b, 0), 0x0a0b0c0d01020304);
        assert_eq!(Little.u64(&b, 0), 0x040302010d0c0b0a);
        for order in [Little, Big] {
            assert_eq!(order.u32(&order.put_u32(0xdeadbeef), 0), 0xdeadbeef);
            assert_eq!(order.u16(&order.put_u16(0xbeef), 0), 0xbeef);
            assert_eq!(order.u64(&order.put_u64(u64::MAX - 7), 0), u64::MAX - 7);
        }
    }
}
