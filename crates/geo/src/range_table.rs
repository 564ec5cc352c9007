use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Debug;
use std::hash::Hash;

/// An IP address as an integer: `u32` for IPv4, `u128` for IPv6.
pub trait IpKey: Copy + Ord + Hash + Debug + Send + Sync + 'static {
    /// Address width in bits.
    const BITS: u32;
    const ZERO: Self;
    const MAX: Self;

    fn to_u128(self) -> u128;
    /// The address, if `v` fits the width.
    fn from_u128(v: u128) -> Option<Self>;
    /// The top [`RangeTable::INDEX_BITS`] bits.
    fn bucket(self) -> usize;
    fn checked_next(self) -> Option<Self>;
}

impl IpKey for u32 {
    const BITS: u32 = 32;
    const ZERO: u32 = 0;
    const MAX: u32 = u32::MAX;
    #[inline]
    fn to_u128(self) -> u128 {
        self.into()
    }
    #[inline]
    fn from_u128(v: u128) -> Option<u32> {
        u32::try_from(v).ok()
    }
    #[inline]
    fn bucket(self) -> usize {
        (self >> (32 - INDEX_BITS)) as usize
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
    #[inline]
    fn to_u128(self) -> u128 {
        self
    }
    #[inline]
    fn from_u128(v: u128) -> Option<u128> {
        Some(v)
    }
    #[inline]
    fn bucket(self) -> usize {
        (self >> (128 - INDEX_BITS)) as usize
    }
    #[inline]
    fn checked_next(self) -> Option<u128> {
        self.checked_add(1)
    }
}

/// Width of the first-level index: the top bits of an address pick the
/// slice of the table a binary search then runs in.
const INDEX_BITS: u32 = 16;

/// Address ranges and what each one maps to, for lookups by address.
///
/// The table partitions the whole address space: entry `i` covers
/// `starts[i]..starts[i + 1]` (the last one up to the top address) and
/// holds `Some(value)` or `None` for space no source row covers. `starts[0]`
/// is always 0. A lookup reads a first-level index of the top 16 address
/// bits, then binary-searches the few entries that start under that prefix.
///
/// Built by [`RangeTableBuilder`], which flattens nested and overlapping
/// rows, or decoded from the dataset file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeTable<A, V> {
    starts: Vec<A>,
    values: Vec<Option<V>>,
    /// `index[b]` is how many entries start below the first address with
    /// top bits `b`; `2^16 + 1` entries.
    index: Box<[u32]>,
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
        let buckets = 1usize << INDEX_BITS;
        let mut index = vec![0u32; buckets + 1];
        // index[b] = #starts with bucket < b; fill by counting per bucket.
        for s in &starts {
            index[s.bucket() + 1] += 1;
        }
        for b in 1..=buckets {
            index[b] += index[b - 1];
        }
        Ok(RangeTable {
            starts,
            values,
            index: index.into_boxed_slice(),
        })
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
    /// it, minus one. The index bounds the search to the starts under
    /// `addr`'s top bits; every start before that slice is lower and every
    /// start after it higher, and `starts[0] == 0` makes the count at
    /// least one.
    #[inline]
    fn position(&self, addr: A) -> usize {
        let b = addr.bucket();
        let lo = self.index[b] as usize;
        let hi = self.index[b + 1] as usize;
        let within = self.starts[lo..hi].partition_point(|&s| s <= addr);
        (lo + within).saturating_sub(1)
    }

    fn entry_at(&self, i: usize) -> RangeEntry<A, V> {
        let end = match self.starts.get(i + 1) {
            Some(next) => A::from_u128(next.to_u128() - 1).unwrap_or(A::MAX),
            None => A::MAX,
        };
        RangeEntry {
            start: self.starts[i],
            end,
            value: self.values[i],
        }
    }

    /// Number of entries, gaps included.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Never true: a table always covers the whole address space.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Every entry in address order, gaps included.
    pub fn entries(&self) -> impl Iterator<Item = RangeEntry<A, V>> + '_ {
        (0..self.starts.len()).map(|i| self.entry_at(i))
    }

    /// Entry starts in order.
    pub fn starts(&self) -> &[A] {
        &self.starts
    }

    /// Entry values in order.
    pub fn values(&self) -> &[Option<V>] {
        &self.values
    }

    /// The same ranges with each value mapped.
    pub fn map<W: Copy + Eq>(&self, mut f: impl FnMut(V) -> W) -> RangeTable<A, W> {
        RangeTable {
            starts: self.starts.clone(),
            values: self.values.iter().map(|v| v.map(&mut f)).collect(),
            index: self.index.clone(),
        }
    }

    /// Bytes of memory the table holds.
    pub fn heap_size(&self) -> usize {
        self.starts.capacity() * size_of::<A>()
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
        let outer = (u32::from_be_bytes([2, 58, 196, 0]), u32::from_be_bytes([2, 58, 197, 255]));
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
        assert_eq!(t.starts(), &[0, 20, 30]);
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
            Err(RangeTableError::NotIncreasing { position: 2, start: 5 })
        );
    }
}
