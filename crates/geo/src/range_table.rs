use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Debug;
use std::hash::Hash;

/// An IP address as an integer: `u32` for IPv4, `u128` for IPv6.
///
/// A table searches on an address's high part (all 32 bits of IPv4, the
/// top 64 of IPv6) and only looks at the low 64 bits of IPv6 when a range
/// starts inside the address's own /64, which is rare: comparing and
/// moving `u64`s instead of `u128`s halves the memory a search touches.
pub trait IpKey: Copy + Ord + Hash + Debug + Send + Sync + 'static {
    /// Address width in bits.
    const BITS: u32;
    const ZERO: Self;
    const MAX: Self;
    /// Whether the address has bits below [`IpKey::High`].
    const HAS_LOW: bool;
    /// The part a search compares first.
    type High: Copy + Ord + Into<u64> + Debug + Send + Sync + 'static;

    fn high(self) -> Self::High;
    /// The bits below the high part; 0 for IPv4.
    fn low(self) -> u64;
    fn from_parts(high: Self::High, low: u64) -> Self;
    fn to_u128(self) -> u128;
    /// The address, if `v` fits the width.
    fn from_u128(v: u128) -> Option<Self>;
    fn checked_next(self) -> Option<Self>;
}

impl IpKey for u32 {
    const BITS: u32 = 32;
    const ZERO: u32 = 0;
    const MAX: u32 = u32::MAX;
    const HAS_LOW: bool = false;
    type High = u32;
    #[inline]
    fn high(self) -> u32 {
        self
    }
    #[inline]
    fn low(self) -> u64 {
        0
    }
    #[inline]
    fn from_parts(high: u32, _: u64) -> u32 {
        high
    }
    #[inline]
    fn to_u128(self) -> u128 {
        self.into()
    }
    #[inline]
    fn from_u128(v: u128) -> Option<u32> {
        u32::try_from(v).ok()
    }
    #[inline]
    fn checked_next(self) -> Option<u32> {
        self.checked_add(1)
    }
}

impl IpKey for u128 {
    const BITS: u32 = 128;
    const ZERO: u128 = 0;
    const MAX: u128 = u128::MAX;
    const HAS_LOW: bool = true;
    type High = u64;
    #[inline]
    fn high(self) -> u64 {
        (self >> 64) as u64
    }
    #[inline]
    fn low(self) -> u64 {
        self as u64
    }
    #[inline]
    fn from_parts(high: u64, low: u64) -> u128 {
        (u128::from(high) << 64) | u128::from(low)
    }
    #[inline]
    fn to_u128(self) -> u128 {
        self
    }
    #[inline]
    fn from_u128(v: u128) -> Option<u128> {
        Some(v)
    }
    #[inline]
    fn checked_next(self) -> Option<u128> {
        self.checked_add(1)
    }
}

/// Buckets in the first-level index.
const BUCKETS: usize = 1 << 16;

/// Address ranges and what each one maps to, for lookups by address.
///
/// The table partitions the whole address space: entry `i` covers
/// `start(i)..start(i + 1)` (the last one up to the top address) and holds
/// `Some(value)`, or `None` for space no source row covers. The first
/// entry starts at address 0.
///
/// A lookup reads a first-level index of 65,536 buckets, then
/// binary-searches the entries that start in the address's bucket. The
/// buckets split the stretch between the table's lowest and highest
/// non-zero starts evenly (for IPv6 data, roughly 2001::/16 to 2c0f::/16,
/// so a bucket is about a /20 rather than a whole /16), which keeps the
/// searched slices short.
///
/// Built by [`RangeTableBuilder`], which flattens nested and overlapping
/// rows, or decoded from the dataset file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeTable<A: IpKey, V> {
    /// High part of each entry's start.
    highs: Vec<A::High>,
    /// Low part of each entry's start; empty for IPv4.
    lows: Vec<u64>,
    values: Vec<Option<V>>,
    /// `index[b]` is how many entries start in buckets before `b`;
    /// `BUCKETS + 1` entries.
    index: Box<[u32]>,
    /// Bucket of a high part `h`: 0 below `base`, else `(h - base) >>
    /// shift`, capped at the last bucket. Monotone in `h`, which is all
    /// the search needs.
    base: u64,
    shift: u32,
}

/// One entry of a [`RangeTable`]: an inclusive range and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeEntry<A, V> {
    pub start: A,
    pub end: A,
    pub value: Option<V>,
}

/// Why a [`RangeTable`] cannot be assembled from the given entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeTableError {
    /// The first entry must start at address 0 so that every address falls
    /// in one entry.
    #[error("the first range starts at {first}, not at address 0")]
    FirstNotZero { first: u128 },
    /// Entry starts must increase strictly.
    #[error("range {position} starts at {start}, not after the range before it")]
    NotIncreasing { position: usize, start: u128 },
    /// `starts` and `values` differ in length.
    #[error("{starts} range starts but {values} values")]
    LengthMismatch { starts: usize, values: usize },
    /// More entries than a 32-bit index can address.
    #[error("{0} ranges is more than a table holds")]
    TooMany(usize),
}

impl<A: IpKey, V: Copy + Eq> RangeTable<A, V> {
    /// A table where no address has a value.
    pub fn empty() -> RangeTable<A, V> {
        RangeTable::from_entries(vec![A::ZERO], vec![None]).unwrap_or_else(|_| unreachable!())
    }

    /// A table from its entries' starts and values. Starts must begin at 0
    /// and increase strictly; neighbours may hold the same value.
    pub fn from_entries(
        starts: Vec<A>,
        values: Vec<Option<V>>,
    ) -> Result<RangeTable<A, V>, RangeTableError> {
        if starts.len() != values.len() {
            return Err(RangeTableError::LengthMismatch {
                starts: starts.len(),
                values: values.len(),
            });
        }
        if starts.len() >= u32::MAX as usize {
            return Err(RangeTableError::TooMany(starts.len()));
        }
        match starts.first() {
            Some(&first) if first == A::ZERO => {}
            Some(&first) => {
                return Err(RangeTableError::FirstNotZero {
                    first: first.to_u128(),
                })
            }
            None => return Err(RangeTableError::FirstNotZero { first: 0 }),
        }
        if let Some(position) = starts.windows(2).position(|w| w[0] >= w[1]) {
            return Err(RangeTableError::NotIncreasing {
                position: position + 1,
                start: starts[position + 1].to_u128(),
            });
        }
        let highs: Vec<A::High> = starts.iter().map(|s| s.high()).collect();
        let lows: Vec<u64> = match A::HAS_LOW {
            true => starts.iter().map(|s| s.low()).collect(),
            false => Vec::new(),
        };
        let base = highs.get(1).map_or(0, |&h| h.into());
        let top = highs.last().map_or(0, |&h| h.into());
        let span_bits = 64 - (top - base).leading_zeros();
        let mut table = RangeTable {
            highs,
            lows,
            values,
            index: Box::new([]),
            base,
            shift: span_bits.saturating_sub(BUCKETS.trailing_zeros()),
        };
        let mut index = vec![0u32; BUCKETS + 1];
        // index[b + 1] counts the starts in bucket b, then sums run.
        for &h in &table.highs {
            index[table.bucket(h) + 1] += 1;
        }
        for b in 1..=BUCKETS {
            index[b] += index[b - 1];
        }
        table.index = index.into_boxed_slice();
        Ok(table)
    }

    #[inline]
    fn bucket(&self, high: A::High) -> usize {
        let h: u64 = high.into();
        match h.checked_sub(self.base) {
            Some(d) => ((d >> self.shift) as usize).min(BUCKETS - 1),
            None => 0,
        }
    }

    /// The value for an address, if a range holds one.
    #[inline]
    pub fn get(&self, addr: A) -> Option<V> {
        self.values[self.position(addr)]
    }

    /// The entry holding an address: its whole range and its value.
    pub fn entry(&self, addr: A) -> RangeEntry<A, V> {
        self.entry_at(self.position(addr))
    }

    /// Index of the entry holding `addr`: the number of starts at or below
    /// it, minus one. The index bounds the search to the starts in
    /// `addr`'s bucket: buckets are monotone in the address, so every start
    /// in an earlier bucket is lower and every start in a later one higher.
    /// The first start is 0, so the count is at least one.
    ///
    /// Starts that share the address's high part sit just before the
    /// count by high parts alone; only then are low parts compared.
    #[inline]
    fn position(&self, addr: A) -> usize {
        let h = addr.high();
        let b = self.bucket(h);
        let lo = self.index[b] as usize;
        let hi = self.index[b + 1] as usize;
        let mut n = lo + self.highs[lo..hi].partition_point(|&x| x <= h);
        if A::HAS_LOW && n > 0 && self.highs[n - 1] == h {
            // Few starts share a /64: gallop back from the end to the
            // first of them rather than search the whole bucket again.
            let mut step = 1;
            let mut floor = n - 1;
            while floor > lo && self.highs[floor - 1] == h {
                floor = floor.saturating_sub(step).max(lo);
                step *= 2;
            }
            let first = floor + self.highs[floor..n].partition_point(|&x| x < h);
            let low = addr.low();
            n = first + self.lows[first..n].partition_point(|&l| l <= low);
        }
        n.saturating_sub(1)
    }

    fn start(&self, i: usize) -> A {
        A::from_parts(self.highs[i], self.lows.get(i).copied().unwrap_or(0))
    }

    fn entry_at(&self, i: usize) -> RangeEntry<A, V> {
        let end = match i + 1 < self.len() {
            true => A::from_u128(self.start(i + 1).to_u128() - 1).unwrap_or(A::MAX),
            false => A::MAX,
        };
        RangeEntry {
            start: self.start(i),
            end,
            value: self.values[i],
        }
    }

    /// Number of entries, gaps included.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Never true: a table always covers the whole address space.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every entry in address order, gaps included.
    pub fn entries(&self) -> impl Iterator<Item = RangeEntry<A, V>> + '_ {
        (0..self.len()).map(|i| self.entry_at(i))
    }

    /// Entry starts in order.
    pub fn starts(&self) -> impl Iterator<Item = A> + '_ {
        (0..self.len()).map(|i| self.start(i))
    }

    /// Entry values in order.
    pub fn values(&self) -> &[Option<V>] {
        &self.values
    }

    /// The same ranges with each value mapped.
    pub fn map<W: Copy + Eq>(&self, mut f: impl FnMut(V) -> W) -> RangeTable<A, W> {
        RangeTable {
            highs: self.highs.clone(),
            lows: self.lows.clone(),
            values: self.values.iter().map(|v| v.map(&mut f)).collect(),
            index: self.index.clone(),
            base: self.base,
            shift: self.shift,
        }
    }

    /// Bytes of memory the table holds.
    pub fn heap_size(&self) -> usize {
        self.highs.capacity() * size_of::<A::High>()
            + self.lows.capacity() * size_of::<u64>()
            + self.values.capacity() * size_of::<Option<V>>()
            + self.index.len() * size_of::<u32>()
    }
}

/// Collects source rows (inclusive ranges that may nest or overlap) and
/// flattens them into a [`RangeTable`].
///
/// Where rows overlap, the most specific one wins: each address takes the
/// value of the smallest row that contains it, and of two equally small
/// rows, the one pushed later. Nested rows are the common case (a /24
/// inside the /22 listed before it); partial overlaps and duplicate rows
/// occur in real data and follow the same rule.
#[derive(Debug, Clone)]
pub struct RangeTableBuilder<A, V> {
    rows: Vec<(A, A, V)>,
}

impl<A: IpKey, V: Copy + Eq> Default for RangeTableBuilder<A, V> {
    fn default() -> Self {
        RangeTableBuilder { rows: Vec::new() }
    }
}

impl<A: IpKey, V: Copy + Eq> RangeTableBuilder<A, V> {
    pub fn new() -> RangeTableBuilder<A, V> {
        RangeTableBuilder::default()
    }

    /// Adds the inclusive range `start..=end`. Returns `false`, adding
    /// nothing, when `start > end`.
    pub fn push(&mut self, start: A, end: A, value: V) -> bool {
        if start > end {
            return false;
        }
        self.rows.push((start, end, value));
        true
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The flattened table.
    ///
    /// A sweep over every boundary (each row's start and the address after
    /// its end) with a heap of the rows that have begun, smallest first;
    /// rows that have ended are dropped from the top when they surface.
    /// Between two boundaries the set of containing rows does not change,
    /// so the heap's top holds for the whole stretch. O(n log n).
    pub fn build(self) -> RangeTable<A, V> {
        let rows = self.rows;
        let mut by_start: Vec<usize> = (0..rows.len()).collect();
        by_start.sort_by_key(|&i| rows[i].0);
        let mut points: Vec<A> = Vec::with_capacity(2 * rows.len() + 1);
        points.push(A::ZERO);
        for &(start, end, _) in &rows {
            points.push(start);
            if let Some(after) = end.checked_next() {
                points.push(after);
            }
        }
        points.sort_unstable();
        points.dedup();

        // Heap key: smallest size first, then latest row first.
        let mut heap: BinaryHeap<Reverse<(u128, Reverse<usize>)>> = BinaryHeap::new();
        let mut next_row = 0;
        let mut starts: Vec<A> = Vec::with_capacity(points.len());
        let mut values: Vec<Option<V>> = Vec::with_capacity(points.len());
        for &p in &points {
            while next_row < by_start.len() && rows[by_start[next_row]].0 <= p {
                let i = by_start[next_row];
                let (start, end, _) = rows[i];
                heap.push(Reverse((end.to_u128() - start.to_u128(), Reverse(i))));
                next_row += 1;
            }
            while let Some(&Reverse((_, Reverse(i)))) = heap.peek() {
                if rows[i].1 < p {
                    heap.pop();
                } else {
                    break;
                }
            }
            let value = heap.peek().map(|&Reverse((_, Reverse(i)))| rows[i].2);
            if values.last() != Some(&value) {
                starts.push(p);
                values.push(value);
            }
        }
        // Starts begin at 0 and increase strictly by construction.
        RangeTable::from_entries(starts, values).unwrap_or_else(|_| RangeTable::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(u32, u32, u8)]) -> RangeTable<u32, u8> {
        let mut b = RangeTableBuilder::new();
        for &(s, e, v) in rows {
            assert!(b.push(s, e, v));
        }
        b.build()
    }

    #[test]
    fn nested_row_wins_inside_its_container() {
        // 2.58.196.0-2.58.197.255 DE holds 2.58.197.15 BE.
        let de = 1;
        let be = 2;
        let outer = (
            u32::from_be_bytes([2, 58, 196, 0]),
            u32::from_be_bytes([2, 58, 197, 255]),
        );
        let inner = u32::from_be_bytes([2, 58, 197, 15]);
        let t = table(&[(outer.0, outer.1, de), (inner, inner, be)]);
        assert_eq!(t.get(outer.0 - 1), None);
        assert_eq!(t.get(outer.0), Some(de));
        assert_eq!(t.get(inner - 1), Some(de));
        assert_eq!(t.get(inner), Some(be));
        assert_eq!(t.get(inner + 1), Some(de));
        assert_eq!(t.get(outer.1), Some(de));
        assert_eq!(t.get(outer.1 + 1), None);
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn order_of_rows_does_not_matter_for_nesting() {
        let a = table(&[(10, 20, 1), (12, 13, 2)]);
        let b = table(&[(12, 13, 2), (10, 20, 1)]);
        assert_eq!(a, b);
    }

    #[test]
    fn partial_overlap_goes_to_the_smaller_row_and_ties_to_the_later() {
        let t = table(&[(0, 99, 1), (50, 59, 2), (55, 64, 3)]);
        assert_eq!(t.get(49), Some(1));
        assert_eq!(t.get(50), Some(2));
        assert_eq!(t.get(54), Some(2));
        // 55..=59 is in both 10-address rows: the later one wins.
        assert_eq!(t.get(55), Some(3));
        assert_eq!(t.get(64), Some(3));
        assert_eq!(t.get(65), Some(1));
        let dup = table(&[(5, 9, 1), (5, 9, 2)]);
        assert_eq!(dup.get(7), Some(2));
    }

    #[test]
    fn edges_of_the_address_space() {
        let t = table(&[(0, 0, 1), (u32::MAX, u32::MAX, 2)]);
        assert_eq!(t.get(0), Some(1));
        assert_eq!(t.get(1), None);
        assert_eq!(t.get(u32::MAX - 1), None);
        assert_eq!(t.get(u32::MAX), Some(2));
        let whole = table(&[(0, u32::MAX, 7)]);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole.get(0x8000_0000), Some(7));
        let e = whole.entry(5);
        assert_eq!((e.start, e.end, e.value), (0, u32::MAX, Some(7)));

        let mut b = RangeTableBuilder::<u128, u8>::new();
        b.push(u128::MAX - 5, u128::MAX, 3);
        let t6 = b.build();
        assert_eq!(t6.get(u128::MAX), Some(3));
        assert_eq!(t6.get(u128::MAX - 6), None);
        assert_eq!(t6.get(0), None);
    }

    #[test]
    fn adjacent_equal_values_merge() {
        let t = table(&[(0, 9, 1), (10, 19, 1), (20, 29, 2)]);
        assert_eq!(t.starts().collect::<Vec<_>>(), [0, 20, 30]);
    }

    #[test]
    fn refuses_reversed_rows_and_bad_entries() {
        let mut b = RangeTableBuilder::<u32, u8>::new();
        assert!(!b.push(5, 4, 1));
        assert!(b.is_empty());
        assert_eq!(
            RangeTable::<u32, u8>::from_entries(vec![1], vec![None]),
            Err(RangeTableError::FirstNotZero { first: 1 })
        );
        assert_eq!(
            RangeTable::<u32, u8>::from_entries(vec![0, 5, 5], vec![None, None, None]),
            Err(RangeTableError::NotIncreasing {
                position: 2,
                start: 5
            })
        );
    }
}
