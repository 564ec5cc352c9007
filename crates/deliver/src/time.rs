//! RFC 3339 timestamps from the nanoseconds the store keeps, without a
//! date library: the civil-from-days conversion is a dozen lines
//! (Howard Hinnant's `civil_from_days`), and a feed needs nothing more.

const NS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// `ns` since the epoch as "2026-03-01T13:05:09Z", UTC, whole seconds
/// (rounded down, also before 1970). Every `i64` of nanoseconds lies in
/// 1677..2262, so the year always has the four digits RFC 3339 requires.
pub fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(NS_PER_SEC);
    let days = secs.div_euclid(SECS_PER_DAY);
    let of_day = secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

pub(crate) use hirundo_calendar::civil_from_days;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use hirundo_calendar::days_from_civil;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // `date -u -d @1700000000`
        assert_eq!(rfc3339(1_700_000_000 * NS_PER_SEC), "2023-11-14T22:13:20Z");
        // A leap day, and the nanoseconds are dropped, not rounded.
        assert_eq!(
            rfc3339(1_709_164_800 * NS_PER_SEC + 999_999_999),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(rfc3339(951_782_400 * NS_PER_SEC), "2000-02-29T00:00:00Z");
        // One nanosecond before the epoch is the last second of 1969.
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(i64::MIN), "1677-09-21T00:12:43Z");
        assert_eq!(rfc3339(i64::MAX), "2262-04-11T23:47:16Z");
    }

    #[test]
    fn century_rules() {
        // 1900 is not a leap year, 2000 is: the day after Feb 28 differs.
        assert_eq!(
            civil_from_days(days_from_civil(1900, 2, 28) + 1),
            (1900, 3, 1)
        );
        assert_eq!(
            civil_from_days(days_from_civil(2000, 2, 28) + 1),
            (2000, 2, 29)
        );
        assert_eq!(
            days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28),
            1
        );
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -106_752i64..106_752) {
            let (y, m, d) = civil_from_days(days);
            prop_assert!((1..=12).contains(&m));
            prop_assert!((1..=31).contains(&d));
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn consecutive_days_are_consecutive(days in -106_752i64..106_751) {
            let (y0, m0, d0) = civil_from_days(days);
            let (y1, m1, d1) = civil_from_days(days + 1);
            let next_day = (y1, m1, d1) == (y0, m0, d0 + 1);
            let next_month = d1 == 1 && ((y1 == y0 && m1 == m0 + 1) || (y1 == y0 + 1 && m0 == 12 && m1 == 1));
            prop_assert!(next_day || next_month, "{:?} -> {:?}", (y0, m0, d0), (y1, m1, d1));
        }

        #[test]
        fn shape_is_fixed(ns in any::<i64>()) {
            let s = rfc3339(ns);
            prop_assert_eq!(s.len(), 20);
            prop_assert_eq!(&s[4..5], "-");
            prop_assert_eq!(&s[10..11], "T");
            prop_assert!(s.ends_with('Z'));
        }
    }
}
