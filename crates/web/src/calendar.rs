//! UTC calendar arithmetic for the series API: ISO weeks, months and
//! quarters as sums of days, and the dates and times pages print.

use hirundo_store::Bucket;
use serde::Serialize;

pub const SECONDS_PER_DAY: i64 = 86_400;

/// Buckets wider than the store's days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wide {
    /// ISO 8601 weeks: Monday to Sunday, numbered in the year that holds
    /// their Thursday.
    Week,
    Month,
    Quarter,
}

/// A bucket of a wide grain: its first day and how reports write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WideBucket {
    /// First day, days since 1970-01-01.
    pub start_day: i64,
    /// "2026-W10", "2026-03" or "2026Q1", as periods are written.
    pub label: String,
    pub packets: u64,
}

pub use hirundo_calendar::{civil_from_days as civil, days_from_civil as day_of};

/// The wide bucket a day falls in: its first day and label.
pub fn bucket_of(day: i64, wide: Wide) -> (i64, String) {
    match wide {
        Wide::Week => {
            // 1970-01-01 was a Thursday: Monday is 0.
            let monday = day - (day + 3).rem_euclid(7);
            let thursday = monday + 3;
            let (year, _, _) = civil(thursday);
            let week = (thursday - day_of(year, 1, 1)) / 7 + 1;
            (monday, format!("{year:04}-W{week:02}"))
        }
        Wide::Month => {
            let (year, month, _) = civil(day);
            (day_of(year, month, 1), format!("{year:04}-{month:02}"))
        }
        Wide::Quarter => {
            let (year, month, _) = civil(day);
            let quarter = (month - 1) / 3 + 1;
            (
                day_of(year, quarter * 3 - 2, 1),
                format!("{year:04}Q{quarter}"),
            )
        }
    }
}

/// Sums day buckets (`at` = day number) into wide buckets, in day order,
/// leaving out buckets no day fell in.
pub fn sum_days(days: &[Bucket], wide: Wide) -> Vec<WideBucket> {
    let mut sorted: Vec<Bucket> = days.to_vec();
    sorted.sort_by_key(|b| b.at);
    let mut out: Vec<WideBucket> = Vec::new();
    for b in sorted {
        let (start_day, label) = bucket_of(b.at, wide);
        match out.last_mut() {
            Some(last) if last.start_day == start_day => last.packets += b.packets,
            _ => out.push(WideBucket {
                start_day,
                label,
                packets: b.packets,
            }),
        }
    }
    out
}

/// "2026-03-10", UTC.
pub use hirundo_calendar::date;

/// "2026-03-10 14:05 UTC".
pub fn date_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let day = secs.div_euclid(SECONDS_PER_DAY);
    let in_day = secs.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{} {:02}:{:02} UTC",
        date(day),
        in_day / 3_600,
        in_day % 3_600 / 60
    )
}

/// How long ago, roughly: "40 s", "12 min", "5 h", "3 days".
pub fn age(ns: i64) -> String {
    let secs = (ns / 1_000_000_000).max(0);
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7_199 => format!("{} min", secs / 60),
        7_200..=172_799 => format!("{} h", secs / 3_600),
        _ => format!("{} days", secs / SECONDS_PER_DAY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(day_of(2026, 3, 10), 20_522);
        assert_eq!(date(20_522), "2026-03-10");
        assert_eq!(
            date_time(1_773_151_500 * 1_000_000_000),
            "2026-03-10 14:05 UTC"
        );
    }

    #[test]
    fn iso_weeks_at_year_ends() {
        // 2026-01-01 is a Thursday: week 1 of 2026 starts Monday 2025-12-29.
        let (start, label) = bucket_of(day_of(2025, 12, 29), Wide::Week);
        assert_eq!(
            (date(start).as_str(), label.as_str()),
            ("2025-12-29", "2026-W01")
        );
        // 2021-01-03 (a Sunday) still belongs to 2020's week 53.
        assert_eq!(bucket_of(day_of(2021, 1, 3), Wide::Week).1, "2020-W53");
        assert_eq!(bucket_of(day_of(2026, 3, 10), Wide::Week).1, "2026-W11");
    }

    #[test]
    fn months_and_quarters() {
        let (start, label) = bucket_of(day_of(2026, 5, 31), Wide::Quarter);
        assert_eq!(
            (date(start).as_str(), label.as_str()),
            ("2026-04-01", "2026Q2")
        );
        let (start, label) = bucket_of(day_of(2024, 2, 29), Wide::Month);
        assert_eq!(
            (date(start).as_str(), label.as_str()),
            ("2024-02-01", "2024-02")
        );
    }

    #[test]
    fn days_sum_into_weeks() {
        let monday = day_of(2026, 3, 9);
        let days: Vec<Bucket> = (0..10)
            .map(|i| Bucket {
                at: monday + i,
                packets: 10 + i as u64,
            })
            .collect();
        let weeks = sum_days(&days, Wide::Week);
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].packets, (10..17).sum::<u64>());
        assert_eq!(weeks[1].packets, 17 + 18 + 19);
        assert_eq!(weeks[1].start_day, monday + 7);
    }

    #[test]
    fn ages() {
        assert_eq!(age(5_000_000_000), "5 s");
        assert_eq!(age(16 * 60 * 1_000_000_000), "16 min");
        assert_eq!(age(-3), "0 s");
        assert_eq!(age(3 * 86_400 * 1_000_000_000), "3 days");
    }

    proptest! {
        #[test]
        fn civil_round_trips(day in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil(day);
            prop_assert_eq!(day_of(y, m, d), day);
        }

        #[test]
        fn every_day_lies_in_its_bucket_and_sums_keep_the_total(
            start in -50_000i64..50_000,
            packets in proptest::collection::vec(0u64..1_000_000, 1..400),
        ) {
            let days: Vec<Bucket> = packets
                .iter()
                .enumerate()
                .map(|(i, &p)| Bucket { at: start + i as i64, packets: p })
                .collect();
            for wide in [Wide::Week, Wide::Month, Wide::Quarter] {
                let sums = sum_days(&days, wide);
                prop_assert_eq!(
                    sums.iter().map(|b| b.packets).sum::<u64>(),
                    packets.iter().sum::<u64>()
                );
                for w in sums.windows(2) {
                    prop_assert!(w[0].start_day < w[1].start_day);
                    prop_assert_ne!(&w[0].label, &w[1].label);
                }
                for b in &days {
                    let (first, _) = bucket_of(b.at, wide);
                    prop_assert!(first <= b.at && b.at - first < 92);
                }
            }
        }
    }
}
