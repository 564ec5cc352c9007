//! The reverse of a country lookup: every IPv4 address a set of country
//! sources places in one country, as the simulator needs to draw sources
//! "from Brazil" that enrichment will then call Brazilian.

use crate::dataset::{CountryTable, Dataset, SourceTables};
use crate::CountryCode;

/// The IPv4 ranges, inclusive, sorted and merged, whose primary country is
/// `country` when `tables` are the country sources in order of preference:
/// where the first table has any country for an address, that is the
/// answer; where it has none, the next table's; and so on, as
/// [`Geo::country`](crate::Geo::country) answers.
pub fn country_ranges_v4<'a>(
    tables: impl IntoIterator<Item = &'a CountryTable>,
    country: CountryCode,
) -> Vec<(u32, u32)> {
    // What no earlier table knows, inclusive ranges in order.
    let mut unknown: Vec<(u32, u32)> = vec![(0, u32::MAX)];
    let mut found: Vec<(u32, u32)> = Vec::new();
    for table in tables {
        let mut still_unknown = Vec::new();
        for &(lo, hi) in &unknown {
            let mut at = lo;
            loop {
                let entry = table.v4.entry(at);
                let end = entry.end.min(hi);
                match entry.value {
                    Some(c) if c == country => push_merged(&mut found, at, end),
                    Some(_) => {}
                    None => push_merged(&mut still_unknown, at, end),
                }
                if end == hi {
                    break;
                }
                at = end + 1;
            }
        }
        unknown = still_unknown;
        if unknown.is_empty() {
            break;
        }
    }
    // Later tables fill earlier tables' gaps, out of order.
    found.sort_unstable();
    let mut merged = Vec::with_capacity(found.len());
    for (lo, hi) in found {
        push_merged(&mut merged, lo, hi);
    }
    merged
}

/// Appends `lo..=hi`, joining it to the last range when they touch.
/// Ranges come in ascending order.
fn push_merged(ranges: &mut Vec<(u32, u32)>, lo: u32, hi: u32) {
    if let Some(last) = ranges.last_mut() {
        if last.1.checked_add(1) == Some(lo) {
            last.1 = hi;
            return;
        }
    }
    ranges.push((lo, hi));
}

impl Dataset {
    /// [`country_ranges_v4`] over the dataset's country sources in its
    /// order: for the shipped dataset, the ranges that
    /// [`Geo::builtin`](crate::Geo::builtin) calls `country`.
    pub fn country_ranges_v4(&self, country: CountryCode) -> Vec<(u32, u32)> {
        let tables = self.sources.iter().filter_map(|s| match &s.tables {
            SourceTables::Country(t) => Some(t),
            SourceTables::Asn(_) => None,
        });
        country_ranges_v4(tables, country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RangeTable, RangeTableBuilder};

    fn cc(s: &str) -> CountryCode {
        s.parse().unwrap()
    }

    fn table(rows: &[(u32, u32, &str)]) -> CountryTable {
        let mut b = RangeTableBuilder::new();
        for &(lo, hi, c) in rows {
            b.push(lo, hi, cc(c));
        }
        CountryTable {
            v4: b.build(),
            v6: RangeTable::empty(),
        }
    }

    #[test]
    fn the_first_source_that_knows_decides() {
        let first = table(&[(100, 199, "BR"), (300, 399, "JP"), (500, 500, "BR")]);
        let second = table(&[(0, 1000, "BR"), (350, 360, "AR")]);
        // 0-99, 200-299, 400-499 and 501-1000 come from the second table;
        // 300-399 is Japan by the first, whatever the second says.
        assert_eq!(
            country_ranges_v4([&first, &second], cc("BR")),
            vec![(0, 299), (400, 1000)]
        );
        assert_eq!(
            country_ranges_v4([&first], cc("BR")),
            vec![(100, 199), (500, 500)]
        );
        assert_eq!(
            country_ranges_v4([&first, &second], cc("JP")),
            vec![(300, 399)]
        );
        assert!(country_ranges_v4([&first, &second], cc("AR")).is_empty());
        assert!(country_ranges_v4([], cc("BR")).is_empty());
    }

    #[test]
    fn ranges_reach_the_top_address() {
        let t = table(&[(u32::MAX - 9, u32::MAX, "NZ")]);
        assert_eq!(
            country_ranges_v4([&t], cc("NZ")),
            vec![(u32::MAX - 9, u32::MAX)]
        );
    }

    #[cfg(feature = "builtin")]
    #[test]
    fn shipped_brazil_is_what_the_builtin_lookup_calls_brazil() {
        let dataset = crate::builtin_dataset().unwrap();
        let geo = crate::Geo::from_dataset(dataset.clone());
        let br = cc("BR");
        let ranges = dataset.country_ranges_v4(br);
        let total: u64 = ranges.iter().map(|&(lo, hi)| u64::from(hi - lo) + 1).sum();
        // Brazil holds some 80 million IPv4 addresses.
        assert!((50_000_000..150_000_000).contains(&total), "{total}");
        assert!(ranges.windows(2).all(|w| w[0].1 + 1 < w[1].0));
        let country = |a: u32| {
            geo.country(std::net::Ipv4Addr::from(a).into())
                .map(|c| c.country)
        };
        for &(lo, hi) in ranges.iter().step_by(97) {
            for a in [lo, lo + (hi - lo) / 2, hi] {
                assert_eq!(country(a), Some(br), "{a:#x}");
            }
            // Just outside a merged range is some other answer.
            if let Some(before) = lo.checked_sub(1) {
                assert_ne!(country(before), Some(br), "{before:#x}");
            }
        }
        assert!(dataset.country_ranges_v4(cc("XX")).is_empty());
    }
}
