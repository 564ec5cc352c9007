//! An exact map from `u64` keys, built for the summary's hot loop.
//!
//! Counting distinct sources, and distinct (port, source) pairs, is most of
//! the cost of a summary: the tables outgrow the CPU caches and every lookup
//! waits on memory. [`FlatMap`] is open addressing with linear probing over
//! one flat array of (key, value) slots, so that the slot a key will land in
//! can be computed, and prefetched, some records ahead of its update: the
//! waits overlap instead of adding up.

use std::hash::BuildHasher;

/// Marks an empty slot; the key 0 itself is kept aside in `zero`.
const EMPTY: u64 = 0;
const MIN_SLOTS: usize = 1 << 10;

/// Insert-only and exact. The hash is keyed per process, so crafted source
/// addresses (spoofing is free) cannot be chosen to collide.
pub(crate) struct FlatMap<V> {
    slots: Box<[(u64, V)]>,
    /// `64 - log2(slots.len())`: the index is the hash's top bits.
    shift: u32,
    /// Keys stored in `slots` (not counting 0).
    stored: usize,
    zero: Option<V>,
    seed: u64,
}

impl<V: Copy + Default> FlatMap<V> {
    pub(crate) fn new() -> Self {
        FlatMap {
            slots: vec![(EMPTY, V::default()); MIN_SLOTS].into_boxed_slice(),
            shift: 64 - MIN_SLOTS.trailing_zeros(),
            stored: 0,
            zero: None,
            seed: std::hash::RandomState::new().hash_one(0u64),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.stored + usize::from(self.zero.is_some())
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
        prefetch_read(&self.slots[self.index(key)]);
    }

    /// The value for `key`, inserted as `V::default()` if new, and whether it
    /// was new.
    #[inline]
    pub(crate) fn entry(&mut self, key: u64) -> (&mut V, bool) {
        if key == EMPTY {
            let new = self.zero.is_none();
            return (self.zero.get_or_insert_with(V::default), new);
        }
        // At most half full keeps probe runs short; growing first keeps the
        // returned slot where it is.
        if (self.stored + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.index(key);
        loop {
            let slot_key = self.slots[i].0;
            if slot_key == key {
                return (&mut self.slots[i].1, false);
            }
            if slot_key == EMPTY {
                self.slots[i].0 = key;
                self.stored += 1;
                return (&mut self.slots[i].1, true);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let doubled = vec![(EMPTY, V::default()); self.slots.len() * 2].into_boxed_slice();
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for slot in old.iter().filter(|s| s.0 != EMPTY) {
            let mut i = self.index(slot.0);
            while self.slots[i].0 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = *slot;
        }
    }

    /// Every key and value, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &V)> + '_ {
        let zero = self.zero.as_ref().map(|v| (EMPTY, v));
        zero.into_iter().chain(
            self.slots
                .iter()
                .filter(|s| s.0 != EMPTY)
                .map(|(k, v)| (*k, v)),
        )
    }
}

/// Asks the CPU to start loading the cache line holding `ptr`.
#[inline]
pub(crate) fn prefetch_read<T>(ptr: *const T) {
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
    use std::collections::{HashMap, HashSet};

    #[test]
    fn zero_and_max_are_keys_like_any_other() {
        let mut set: FlatMap<()> = FlatMap::new();
        assert!(set.entry(0).1);
        assert!(!set.entry(0).1);
        assert!(set.entry(u64::MAX).1);
        assert!(!set.entry(u64::MAX).1);
        assert_eq!(set.len(), 2);
        let mut keys: Vec<u64> = set.iter().map(|(k, _)| k).collect();
        keys.sort_unstable();
        assert_eq!(keys, [0, u64::MAX]);
    }

    #[test]
    fn grows_past_many_doublings_without_losing_a_key() {
        let mut set: FlatMap<()> = FlatMap::new();
        // Keys differing only in their high half, like (port, source) pairs
        // of one source sweeping every port.
        for port in 0..200_000u64 {
            assert!(set.entry((port << 32) | 0xC633_6401).1);
        }
        assert_eq!(set.len(), 200_000);
        assert!((0..200_000u64).all(|port| !set.entry((port << 32) | 0xC633_6401).1));
        assert!(set.slots.len() >= 400_000);
    }

    proptest! {
        #[test]
        fn agrees_with_std_hash_set(keys in proptest::collection::vec(0u64..5_000, 0..4_000)) {
            let mut ours: FlatMap<()> = FlatMap::new();
            let mut std_set = HashSet::new();
            for key in keys {
                ours.prefetch(key);
                prop_assert_eq!(ours.entry(key).1, std_set.insert(key));
            }
            prop_assert_eq!(ours.len(), std_set.len());
            let mut got: Vec<u64> = ours.iter().map(|(k, _)| k).collect();
            got.sort_unstable();
            let mut want: Vec<u64> = std_set.into_iter().collect();
            want.sort_unstable();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn map_values_agree_with_std_hash_map(keys in proptest::collection::vec(0u64..3_000, 0..4_000)) {
            let mut ours: FlatMap<u64> = FlatMap::new();
            let mut std_map: HashMap<u64, u64> = HashMap::new();
            for key in keys {
                let (value, new) = ours.entry(key);
                *value += key + 1;
                let std_value = std_map.entry(key).or_default();
                prop_assert_eq!(new, *std_value == 0);
                *std_value += key + 1;
            }
            let got: HashMap<u64, u64> = ours.iter().map(|(k, v)| (k, *v)).collect();
            prop_assert_eq!(got, std_map);
        }
    }
}
