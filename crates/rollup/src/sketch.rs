use hirundo_packet::AddrKey;

/// Distinct sources, countable across segments and sensors: the `K`
/// smallest distinct 32-bit hashes of the addresses seen (a "k minimum
/// values" sketch).
///
/// Distinct counts do not add up: the same scanner hits every sensor and
/// every segment of an hour. Keeping every address of every (hour, port,
/// country) cell would cost as much as the packets themselves; this keeps
/// at most `K` hashes, merges by union, and counts **exactly** below `K`
/// distinct sources (up to hash collisions, about one in 2^32 per pair)
/// and within about `1/sqrt(K)` above it. Surge detection only asks
/// whether a cell has a handful of sources, which is always exact.
///
/// The hash is fixed (no random seed): sketches written by one collector
/// merge with those of another, and survive restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSketch<const K: usize> {
    /// Ascending, distinct, at most `K`.
    hashes: Vec<u32>,
}

/// Per (hour, port, country) cell: exact up to 64 sources.
pub type CellSketch = SourceSketch<64>;
/// Per UTC day over every sensor: within about 3% above 1,024 sources.
pub type DaySketch = SourceSketch<1024>;

impl<const K: usize> SourceSketch<K> {
    pub fn new() -> Self {
        SourceSketch { hashes: Vec::new() }
    }

    /// The sketch of hashes given in ascending order (repeats allowed):
    /// no search per hash.
    pub fn from_sorted(hashes: impl IntoIterator<Item = u32>) -> Self {
        let mut kept: Vec<u32> = Vec::new();
        for h in hashes {
            if kept.len() == K {
                break;
            }
            if kept.last() != Some(&h) {
                kept.push(h);
            }
        }
        SourceSketch { hashes: kept }
    }

    pub fn insert(&mut self, hash: u32) {
        if self.hashes.len() == K && hash >= self.hashes[K - 1] {
            return;
        }
        if let Err(at) = self.hashes.binary_search(&hash) {
            self.hashes.insert(at, hash);
            self.hashes.truncate(K);
        }
    }

    /// Adds every source `other` counted.
    pub fn merge(&mut self, other: &Self) {
        if other.hashes.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity((self.hashes.len() + other.hashes.len()).min(K));
        let (a, b) = (&self.hashes, &other.hashes);
        let (mut i, mut j) = (0, 0);
        while out.len() < K && (i < a.len() || j < b.len()) {
            let next = match (a.get(i), b.get(j)) {
                (Some(&x), Some(&y)) if x == y => {
                    i += 1;
                    j += 1;
                    x
                }
                (Some(&x), Some(&y)) if x < y => {
                    i += 1;
                    x
                }
                (Some(&x), None) => {
                    i += 1;
                    x
                }
                (_, Some(&y)) => {
                    j += 1;
                    y
                }
                (None, None) => unreachable!("the loop condition"),
            };
            out.push(next);
        }
        self.hashes = out;
    }

    /// Distinct sources: exact below `K`, else the standard KMV estimate
    /// `(K - 1) / (K-th smallest hash as a fraction of the hash space)`.
    pub fn estimate(&self) -> u64 {
        if self.hashes.len() < K {
            return self.hashes.len() as u64;
        }
        let kth = f64::from(self.hashes[K - 1]) + 1.0;
        ((K - 1) as f64 * 4_294_967_296.0 / kth).round() as u64
    }

    /// The hashes kept, ascending.
    pub fn hashes(&self) -> &[u32] {
        &self.hashes
    }

    /// Whether [`estimate`](Self::estimate) is an exact count.
    pub fn is_exact(&self) -> bool {
        self.hashes.len() < K
    }

    /// Four bytes per hash, big-endian, ascending: how a store keeps it.
    pub fn encode(&self) -> Vec<u8> {
        self.hashes.iter().flat_map(|h| h.to_be_bytes()).collect()
    }

    /// Reads what [`encode`](Self::encode) wrote; `None` for anything else
    /// (wrong length, unsorted, repeated, or more than `K` hashes).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() % 4 != 0 || bytes.len() / 4 > K {
            return None;
        }
        let hashes: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        hashes
            .windows(2)
            .all(|w| w[0] < w[1])
            .then_some(SourceSketch { hashes })
    }
}

/// The sketches' hash of a source address: SplitMix64's finaliser over
/// the address bits, upper half. Fixed forever: stored sketches depend on
/// it.
pub fn source_hash(source: AddrKey) -> u32 {
    let bits: u64 = match source {
        AddrKey::V4(a) => u64::from(a) | 1 << 40,
        AddrKey::V6(a) => (a as u64) ^ ((a >> 64) as u64).rotate_left(29) ^ 2 << 40,
    };
    let mut z = bits.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_exactly_below_k_and_closely_above() {
        let mut small = CellSketch::new();
        for a in 0..40u32 {
            small.insert(source_hash(AddrKey::V4(a)));
            small.insert(source_hash(AddrKey::V4(a)));
        }
        assert_eq!(small.estimate(), 40);
        assert!(small.is_exact());

        let mut big = DaySketch::new();
        for a in 0..200_000u32 {
            big.insert(source_hash(AddrKey::V4(0x0A00_0000 + a)));
        }
        let est = big.estimate() as f64;
        assert!(
            (est - 200_000.0).abs() / 200_000.0 < 0.1,
            "estimate {est} for 200,000"
        );
    }

    proptest! {
        #[test]
        fn merging_equals_inserting_everything(a in proptest::collection::vec(any::<u32>(), 0..200), b in proptest::collection::vec(any::<u32>(), 0..200)) {
            let (mut x, mut y, mut all) = (CellSketch::new(), CellSketch::new(), CellSketch::new());
            for &h in &a { x.insert(h); all.insert(h); }
            for &h in &b { y.insert(h); all.insert(h); }
            x.merge(&y);
            prop_assert_eq!(&x, &all);
            let mut sorted: Vec<u32> = a.iter().chain(&b).copied().collect();
            sorted.sort_unstable();
            prop_assert_eq!(&CellSketch::from_sorted(sorted), &all);
            prop_assert_eq!(CellSketch::decode(&x.encode()), Some(x));
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = CellSketch::decode(&bytes);
        }
    }
}
