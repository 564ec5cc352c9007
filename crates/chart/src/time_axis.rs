//! Time-axis ticks at UTC calendar boundaries: hours, days, Mondays,
//! months or years, whichever fits the span in few enough labels.

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Ticks are placed for years 1 to 9999 only; beyond, a chart of darknet
/// traffic has nothing to say and the calendar arithmetic would overflow.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_799;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// One labelled tick: `at` in seconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeTick {
    pub at: i64,
    pub label: String,
}

/// A spacing between ticks. Calendar units are not fixed lengths, so
/// months and years are counted, not measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spacing {
    Hours(i64),
    Days(i64),
    /// Mondays, every `n` weeks.
    Weeks(i64),
    Months(i64),
    Years(i64),
}

impl Spacing {
    /// Roughly how long one step is, to estimate how many fit.
    fn approx_seconds(self) -> i64 {
        match self {
            Spacing::Hours(n) => n * HOUR,
            Spacing::Days(n) => n * DAY,
            Spacing::Weeks(n) => n * 7 * DAY,
            Spacing::Months(n) => n * 2_629_746,
            Spacing::Years(n) => n * 31_556_952,
        }
    }
}

/// Finest first, so the first that fits wins.
const LADDER: [Spacing; 19] = [
    Spacing::Hours(1),
    Spacing::Hours(2),
    Spacing::Hours(3),
    Spacing::Hours(6),
    Spacing::Hours(12),
    Spacing::Days(1),
    Spacing::Days(2),
    Spacing::Weeks(1),
    Spacing::Weeks(2),
    Spacing::Months(1),
    Spacing::Months(3),
    Spacing::Months(6),
    Spacing::Years(1),
    Spacing::Years(2),
    Spacing::Years(5),
    Spacing::Years(10),
    Spacing::Years(50),
    Spacing::Years(100),
    Spacing::Years(1000),
];

/// Ticks inside `from..=to` (seconds since the epoch, UTC), at most
/// `max_ticks` of them, at the finest calendar spacing that fits.
pub fn time_ticks(from: i64, to: i64, max_ticks: usize) -> Vec<TimeTick> {
    let (from, to) = (
        from.min(to).clamp(MIN_SECONDS, MAX_SECONDS),
        from.max(to).clamp(MIN_SECONDS, MAX_SECONDS),
    );
    let max_ticks = max_ticks.max(1);
    let span = to - from;
    for spacing in LADDER {
        // The estimate can be off by one at calendar edges; generating
        // and counting settles it.
        if span / spacing.approx_seconds() > max_ticks as i64 + 1 {
            continue;
        }
        let ticks = ticks_at(spacing, from, to, max_ticks + 1);
        if ticks.len() <= max_ticks {
            return label(spacing, ticks);
        }
    }
    Vec::new()
}

/// Tick instants of `spacing` inside `from..=to`, stopping after `cap`.
fn ticks_at(spacing: Spacing, from: i64, to: i64, cap: usize) -> Vec<i64> {
    let mut out = Vec::new();
    match spacing {
        Spacing::Hours(_) | Spacing::Days(_) => {
            let step = spacing.approx_seconds();
            let mut t = from.div_euclid(step) * step;
            if t < from {
                t += step;
            }
            while t <= to && out.len() < cap {
                out.push(t);
                t += step;
            }
        }
        Spacing::Weeks(n) => {
            // Day 4 of the epoch (1970-01-05) was a Monday.
            let step = n * 7;
            let first_day = from.div_euclid(DAY) + i64::from(from.rem_euclid(DAY) != 0);
            let mut day = first_day + (4 - first_day).rem_euclid(step);
            while day * DAY <= to && out.len() < cap {
                out.push(day * DAY);
                day += step;
            }
        }
        Spacing::Months(n) | Spacing::Years(n) => {
            let months_step = if matches!(spacing, Spacing::Years(_)) {
                n * 12
            } else {
                n
            };
            let (y, m, _) = civil_from_days(from.div_euclid(DAY));
            // Months counted from year 0, so steps align to calendar
            // quarters, halves and round years.
            let mut index = y * 12 + (m - 1);
            index += (-index).rem_euclid(months_step);
            loop {
                let t = days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) * DAY;
                if t > to || out.len() >= cap {
                    break;
                }
                if t >= from {
                    out.push(t);
                }
                index += months_step;
            }
        }
    }
    out
}

fn label(spacing: Spacing, ticks: Vec<i64>) -> Vec<TimeTick> {
    ticks
        .into_iter()
        .enumerate()
        .map(|(i, at)| {
            let (y, m, d) = civil_from_days(at.div_euclid(DAY));
            let month = MONTHS[(m - 1).clamp(0, 11) as usize];
            let label = match spacing {
                Spacing::Hours(_) if at.rem_euclid(DAY) != 0 => {
                    format!("{:02}:00", at.rem_euclid(DAY) / HOUR)
                }
                Spacing::Hours(_) | Spacing::Days(_) | Spacing::Weeks(_) => {
                    format!("{month} {d}")
                }
                // The year once, on the first tick and at each January, so
                // a reader never has to guess it.
                Spacing::Months(_) if i == 0 || m == 1 => {
                    format!("{month} {y}")
                }
                Spacing::Months(_) => month.to_string(),
                Spacing::Years(_) => y.to_string(),
            };
            TimeTick { at, label }
        })
        .collect()
}

/// Days since 1970-01-01 of a date (`hirundo-calendar`, with this
/// module's signed month and day).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    hirundo_calendar::days_from_civil(y, m as u32, d as u32)
}

/// The (year, month, day) of a day since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let (y, m, d) = hirundo_calendar::civil_from_days(days);
    (y, i64::from(m), i64::from(d))
}

/// "2026-03-10" for an instant, UTC.
pub(crate) fn date_label(seconds: i64) -> String {
    let (y, m, d) = civil_from_days(seconds.clamp(MIN_SECONDS, MAX_SECONDS).div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(y: i64, m: i64, d: i64) -> i64 {
        days_from_civil(y, m, d) * DAY
    }

    fn labels(ticks: &[TimeTick]) -> Vec<&str> {
        ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn civil_dates_round_trip_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 1, 1), 20_454);
        assert_eq!(civil_from_days(20_454 + 59), (2026, 3, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(date_label(at(2026, 3, 10) + 5 * HOUR), "2026-03-10");
    }

    #[test]
    fn a_day_gets_hour_labels_with_the_date_at_midnight() {
        let t = time_ticks(at(2026, 3, 10), at(2026, 3, 11) - 1, 8);
        assert_eq!(
            labels(&t),
            vec!["Mar 10", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"]
        );
        // Midnight at both ends makes nine 3-hour ticks, one too many.
        let t = time_ticks(at(2026, 3, 10), at(2026, 3, 11), 8);
        assert_eq!(
            labels(&t),
            vec!["Mar 10", "06:00", "12:00", "18:00", "Mar 11"]
        );
    }

    #[test]
    fn a_quarter_gets_fortnightly_mondays() {
        let t = time_ticks(at(2026, 1, 1), at(2026, 3, 31), 8);
        assert_eq!(
            labels(&t),
            vec!["Jan 5", "Jan 19", "Feb 2", "Feb 16", "Mar 2", "Mar 16", "Mar 30"]
        );
        // Every tick is a Monday: (day + 3) % 7 == 0 for 1970-01-05 = day 4.
        assert!(t.iter().all(|t| (t.at / DAY + 3) % 7 == 0));
    }

    #[test]
    fn a_year_gets_quarters_with_the_year_on_january() {
        let t = time_ticks(at(2025, 11, 15), at(2026, 11, 15), 5);
        assert_eq!(labels(&t), vec!["Jan 2026", "Apr", "Jul", "Oct"]);
        let t = time_ticks(at(2025, 11, 15), at(2026, 4, 15), 8);
        assert_eq!(
            labels(&t),
            vec!["Dec 2025", "Jan 2026", "Feb", "Mar", "Apr"]
        );
    }

    #[test]
    fn decades_get_years() {
        let t = time_ticks(at(2001, 6, 1), at(2026, 6, 1), 8);
        assert_eq!(labels(&t), vec!["2005", "2010", "2015", "2020", "2025"]);
    }

    proptest! {
        #[test]
        fn ticks_stay_inside_the_span_and_under_the_cap(
            from in -5_000_000_000i64..5_000_000_000, len in 0i64..2_000_000_000, max in 1usize..10,
        ) {
            let t = time_ticks(from, from + len, max);
            prop_assert!(t.len() <= max);
            prop_assert!(t.windows(2).all(|w| w[0].at < w[1].at));
            prop_assert!(t.iter().all(|t| t.at >= from && t.at <= from + len));
        }

        #[test]
        fn civil_conversion_round_trips(day in -3_000_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(day);
            prop_assert_eq!(days_from_civil(y, m, d), day);
        }

        #[test]
        fn extreme_instants_never_panic(a in any::<i64>(), b in any::<i64>()) {
            let _ = time_ticks(a, b, 8);
            let _ = date_label(a);
        }
    }
}
