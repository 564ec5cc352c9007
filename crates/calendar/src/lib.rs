//! UTC civil dates: day numbers (days since 1970-01-01) to (year, month,
//! day) and back, in the proleptic Gregorian calendar, with Howard
//! Hinnant's algorithms. Reports, charts, feeds, pages and timestamps all
//! print dates; they share this one copy rather than each their own.

pub const SECONDS_PER_DAY: i64 = 86_400;

/// The day number of a civil date. Months and days out of range are not
/// checked: 2026-02-30 is 2026-03-02 (see [`parse_date`] for a check).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day number.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // From 0000-03-01, so that leap days end each 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// "2026-03-10".
pub fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of `YYYY-MM-DD`, if it is a calendar day.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let n = days_from_civil(i64::from(year), month, day);
    (civil_from_days(n) == (i64::from(year), month, day)).then_some(n)
}

/// "2026-03-10T14:05:09Z" for seconds since the epoch.
pub fn rfc3339_seconds(seconds: i64) -> String {
    let day = seconds.div_euclid(SECONDS_PER_DAY);
    let in_day = seconds.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(day),
        in_day / 3_600,
        in_day % 3_600 / 60,
        in_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(20_454), "2026-01-01");
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(
            rfc3339_seconds(1_767_225_600 + 3_661),
            "2026-01-01T01:01:01Z"
        );
        assert_eq!(rfc3339_seconds(-1), "1969-12-31T23:59:59Z");
    }

    proptest! {
        #[test]
        fn round_trips(day in -5_000_000i64..5_000_000) {
            let (y, m, d) = civil_from_days(day);
            prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            prop_assert_eq!(days_from_civil(y, m, d), day);
            if (0..=9999).contains(&y) {
                prop_assert_eq!(parse_date(&date(day)), Some(day));
            }
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,12}") {
            let _ = parse_date(&text);
        }
    }
}
