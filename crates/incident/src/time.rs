//! Timestamps as reporters write them, and the UTC year and month of a
//! nanosecond timestamp for statistics.

use hirundo_calendar::{civil_from_days, parse_date, SECONDS_PER_DAY};

use crate::error::{clip, IncidentError};

pub(crate) const NS_PER_SECOND: i64 = 1_000_000_000;

/// How far after "now" an occurrence time may be: reporters' clocks are
/// off and a local date can be a day ahead of UTC.
pub const CLOCK_ALLOWANCE_NS: i64 = SECONDS_PER_DAY * NS_PER_SECOND;

/// Nanoseconds since the epoch of a time written as RFC 3339
/// (`2026-03-10T14:05:09Z`, `2026-03-10T16:05:09.5+02:00`), as
/// `YYYY-MM-DD HH:MM:SS` (UTC), or as a bare `YYYY-MM-DD` (midnight UTC).
/// A time without an offset is UTC: that is what IntelMQ and most abuse
/// feeds write. Surrounding whitespace is ignored; nothing else is
/// guessed.
pub fn parse_time(text: &str) -> Result<i64, IncidentError> {
    let bad = |why: &'static str| IncidentError::BadTime {
        given: clip(text),
        why,
    };
    let t = text.trim();
    let day = t
        .get(..10)
        .and_then(parse_date)
        .ok_or_else(|| bad("it does not start with a calendar date YYYY-MM-DD"))?;
    let rest = &t[10..];
    let (seconds_in_day, nanos, offset_s) = if rest.is_empty() {
        (0, 0, 0)
    } else {
        clock(rest).ok_or_else(|| bad("the time of day is not HH:MM:SS[.fraction][Z|±HH:MM]"))?
    };
    day.checked_mul(SECONDS_PER_DAY)
        .and_then(|s| s.checked_add(seconds_in_day - offset_s))
        .and_then(|s| s.checked_mul(NS_PER_SECOND))
        .and_then(|ns| ns.checked_add(nanos))
        .ok_or_else(|| bad("it is outside 1677..2262, the years a nanosecond count holds"))
}

/// (seconds into the day, nanoseconds, offset east of UTC in seconds) of
/// `THH:MM:SS[.f][Z|±HH:MM]`, the separator being `T`, `t` or a space.
fn clock(rest: &str) -> Option<(i64, i64, i64)> {
    let b = rest.as_bytes();
    if !matches!(b.first(), Some(b'T' | b't' | b' ')) || b.len() < 9 {
        return None;
    }
    if b[3] != b':' || b[6] != b':' {
        return None;
    }
    let hour = two_digits(&b[1..3]).filter(|h| *h < 24)?;
    let minute = two_digits(&b[4..6]).filter(|m| *m < 60)?;
    // 60 is a leap second; it counts as the first second of the next
    // minute, which is what a nanosecond count without leap seconds can do.
    let second = two_digits(&b[7..9]).filter(|s| *s <= 60)?;
    let mut at = 9;
    let mut nanos = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            // Digits past the ninth are below a nanosecond: dropped.
            if at - start < 9 {
                nanos = nanos * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        let digits = at - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..9 {
            nanos *= 10;
        }
    }
    let offset = match &b[at..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = two_digits(&[*h1, *h2]).filter(|h| *h < 24)?;
            let m = two_digits(&[*m1, *m2]).filter(|m| *m < 60)?;
            let east = h * 3_600 + m * 60;
            if *sign == b'+' {
                east
            } else {
                -east
            }
        }
        _ => return None,
    };
    Some((hour * 3_600 + minute * 60 + second, nanos, offset))
}

fn two_digits(b: &[u8]) -> Option<i64> {
    match b {
        [d1, d2] if d1.is_ascii_digit() && d2.is_ascii_digit() => {
            Some(i64::from(d1 - b'0') * 10 + i64::from(d2 - b'0'))
        }
        _ => None,
    }
}

/// The UTC (year, month 1..=12) of a nanosecond timestamp.
pub fn year_month(ns: i64) -> (i32, u32) {
    let day = ns.div_euclid(NS_PER_SECOND * SECONDS_PER_DAY);
    let (year, month, _) = civil_from_days(day);
    // An i64 of nanoseconds spans 1677..2262: the year always fits.
    let year = i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX });
    (year, month)
}

/// The UTC year of a nanosecond timestamp.
pub fn year_of(ns: i64) -> i32 {
    year_month(ns).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: i64 = NS_PER_SECOND;

    #[test]
    fn accepted_forms() {
        let base = 1_773_151_509 * S; // 2026-03-10T14:05:09Z
        assert_eq!(parse_time("2026-03-10T14:05:09Z"), Ok(base));
        assert_eq!(parse_time("2026-03-10t14:05:09z"), Ok(base));
        assert_eq!(parse_time("2026-03-10 14:05:09"), Ok(base));
        assert_eq!(parse_time(" 2026-03-10T14:05:09+00:00 "), Ok(base));
        assert_eq!(parse_time("2026-03-10T16:05:09+02:00"), Ok(base));
        assert_eq!(parse_time("2026-03-10T11:05:09-03:00"), Ok(base));
        assert_eq!(parse_time("2026-03-10T14:05:09.5Z"), Ok(base + S / 2));
        assert_eq!(
            parse_time("2026-03-10T14:05:09.123456789123Z"),
            Ok(base + 123_456_789)
        );
        assert_eq!(parse_time("2026-03-10"), Ok(1_773_100_800 * S));
        assert_eq!(parse_time("1969-12-31T23:59:59Z"), Ok(-S));
    }

    #[test]
    fn refused_forms_say_why() {
        for bad in [
            "",
            "10/03/2026",
            "2026-02-30",
            "2026-03-10T24:00:00Z",
            "2026-03-10T14:05Z",
            "2026-03-10T14:05:09.Z",
            "2026-03-10T14:05:09+0200",
            "2026-03-10T14:05:09 UTC",
            "2026-03-10X14:05:09",
            "2026-03-10T14:05:09+24:00",
        ] {
            assert!(
                matches!(parse_time(bad), Err(IncidentError::BadTime { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_time("9999-01-01").unwrap_err().to_string(),
            "\"9999-01-01\" is not a time: it is outside 1677..2262, the years a nanosecond count holds (use RFC 3339, YYYY-MM-DD HH:MM:SS in UTC, or YYYY-MM-DD)"
        );
    }

    #[test]
    fn year_and_month_are_utc() {
        // 2025-12-31T23:30:00-03:00 is already 2026 in UTC.
        let ns = parse_time("2025-12-31T23:30:00-03:00").unwrap();
        assert_eq!(year_month(ns), (2026, 1));
        assert_eq!(year_month(-1), (1969, 12));
        assert_eq!(year_of(0), 1970);
        assert_eq!(year_of(i64::MAX), 2262);
        assert_eq!(year_of(i64::MIN), 1677);
    }

    proptest! {
        #[test]
        fn rfc3339_round_trips(seconds in -9_000_000_000i64..9_000_000_000) {
            let text = hirundo_calendar::rfc3339_seconds(seconds);
            prop_assert_eq!(parse_time(&text), Ok(seconds * S));
        }

        #[test]
        fn never_panics(text in "[0-9T:.Zz+ -]{0,40}|.{0,40}") {
            let _ = parse_time(&text);
        }
    }
}
