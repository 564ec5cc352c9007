//! An exact set of distinct `u64` keys, built for the summary's hot loop.
//!
//! Counting distinct sources, and distinct (port, source) pairs, is most of
//! the cost of a summary: the tables outgrow the CPU caches and every lookup
//! waits on memory. [`DistinctSet`] is open addressing with linear probing
//! over a flat array of keys, so that the slot a key will land in can be
//! computed, and prefetched, a batch ahead of the insert: the waits overlap
//! instead of adding up.

use std::hash::BuildHasher;

/// Marks an empty slot; the key 0 itself is kept aside in `has_zero`.
const EMPTY: u64 = 0;
const MIN_SLOTS: usize = 1 << 10;

/// Insert-only and exact. The hash is keyed per process, so crafted source
/// addresses (spoofing is free) cannot be chosen to collide.
pub(crate) struct DistinctSet {
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`: the index is the hash's top bits.
    shift: u32,
    /// Keys stored in `slots` (not counting 0).
    stored: usize,
    has_zero: bool,
    seed: u64,
}

impl DistinctSet {
    pub(crate) fn new() -> Self {
        DistinctSet {
            slots: vec![EMPTY; MIN_SLOTS].into_boxed_slice(),
            shift: 64 - MIN_SLOTS.trailing_zeros(),
            stored: 0,
            has_zero: false,
            seed: std::hash::RandomState::new().hash_one(0u64),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.stored + usize::from(self.has_zero)
    }

    #[inline]
    fn index(&self, key: u64) -> usize {
        // foldhash's folded multiply: all 64 input bits reach the top bits.
        let product = u128::from(key ^ self.seed) * 0x9E37_79B9_7F4A_7C15u128;
        let folded = (product as u64) ^ ((product >> 64) as u64);
        (folded >> self.shift) as usize
    }

    /// Asks the CPU to start loading the slot where `key` belongs.
    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        let slot: *const u64 = &self.slots[self.index(key)];
        prefetch_read(slot);
    }

    /// Adds `key`; true if it was not there yet.
    #[inline]
    pub(crate) fn insert(&mut self, key: u64) -> bool {
        if key == EMPTY {
            return !std::mem::replace(&mut self.has_zero, true);
        }
        let mask = self.slots.len() - 1;
        let mut i = self.index(key);
        loop {
            let slot = self.slots[i];
            if slot == key {
                return false;
            }
            if slot == EMPTY {
                self.slots[i] = key;
                self.stored += 1;
                // At most half full keeps probe runs short.
                if self.stored * 2 > self.slots.len() {
                    self.grow();
                }
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    /// Inserts every key, prefetching each a few keys ahead of its insert.
    pub(crate) fn extend(&mut self, keys: impl IntoIterator<Item = u64>) {
        const AHEAD: usize = 16;
        let mut ring = [0u64; AHEAD];
        let mut n = 0usize;
        for key in keys {
            self.prefetch(key);
            if n >= AHEAD {
                self.insert(ring[n % AHEAD]);
            }
            ring[n % AHEAD] = key;
            n += 1;
        }
        for i in n.saturating_sub(AHEAD)..n {
            self.insert(ring[i % AHEAD]);
        }
    }

    fn grow(&mut self) {
        let doubled = vec![EMPTY; self.slots.len() * 2].into_boxed_slice();
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for key in old.iter().copied().filter(|&k| k != EMPTY) {
            let mut i = self.index(key);
            while self.slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = key;
        }
    }

    /// Every key, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let zero = self.has_zero.then_some(0);
        zero.into_iter()
            .chain(self.slots.iter().copied().filter(|&k| k != EMPTY))
    }
}

/// Asks the CPU to start loading the cache line holding `ptr`.
#[inline]
pub(crate) fn prefetch_read(ptr: *const u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, and `ptr` points into
    // a live slice anyway. SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ptr;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn zero_and_max_are_keys_like_any_other() {
        let mut set = DistinctSet::new();
        assert!(set.insert(0));
        assert!(!set.insert(0));
        assert!(set.insert(u64::MAX));
        assert!(!set.insert(u64::MAX));
        assert_eq!(set.len(), 2);
        let mut keys: Vec<u64> = set.iter().collect();
        keys.sort_unstable();
        assert_eq!(keys, [0, u64::MAX]);
    }

    #[test]
    fn grows_past_many_doublings_without_losing_a_key() {
        let mut set = DistinctSet::new();
        // Keys differing only in their high half, like (port, source) pairs
        // of one source sweeping every port.
        for port in 0..200_000u64 {
            assert!(set.insert(port << 32 | 0xC633_6401));
        }
        assert_eq!(set.len(), 200_000);
        assert!((0..200_000u64).all(|port| !set.insert(port << 32 | 0xC633_6401)));
        assert!(set.slots.len() >= 400_000);
    }

    proptest! {
        #[test]
        fn agrees_with_std_hash_set(keys in proptest::collection::vec(0u64..5_000, 0..4_000)) {
            let mut ours = DistinctSet::new();
            let mut std_set = HashSet::new();
            for key in keys {
                ours.prefetch(key);
                prop_assert_eq!(ours.insert(key), std_set.insert(key));
            }
            prop_assert_eq!(ours.len(), std_set.len());
            let mut extended = DistinctSet::new();
            extended.extend(std_set.iter().copied().chain(std_set.iter().copied()));
            prop_assert_eq!(extended.len(), std_set.len());
            let mut got: Vec<u64> = ours.iter().collect();
            got.sort_unstable();
            let mut want: Vec<u64> = std_set.into_iter().collect();
            want.sort_unstable();
            prop_assert_eq!(got, want);
        }
    }
}
