//! Timestamps as each attachment writes them, from the nanoseconds the
//! store keeps. The same arithmetic as `hirundo-deliver`'s `rfc3339`,
//! which this crate does not depend on; the calendar comes from
//! `hirundo-calendar`.

use hirundo_calendar::date;

const NS_PER_SEC: i64 = 1_000_000_000;
const NS_PER_MS: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// A UTC instant split into its printed parts, rounded down to the
/// millisecond (also before 1970).
struct Instant {
    date: String,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

impl Instant {
    fn from_ns(ns: i64) -> Self {
        let secs = ns.div_euclid(NS_PER_SEC);
        let of_day = secs.rem_euclid(SECS_PER_DAY);
        Instant {
            date: date(secs.div_euclid(SECS_PER_DAY)),
            hour: of_day / 3_600,
            minute: of_day % 3_600 / 60,
            second: of_day % 60,
            milli: ns.rem_euclid(NS_PER_SEC) / NS_PER_MS,
        }
    }

    fn clock(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }
}

/// "2026-11-22T03:04:05Z": whole seconds, for the CSV's own columns.
pub fn rfc3339(ns: i64) -> String {
    let t = Instant::from_ns(ns);
    format!("{}T{}Z", t.date, t.clock())
}

/// "2026-11-22T03:04:05.250Z": STIX 2.1 requires millisecond precision
/// for `created` and `modified`; the bundle writes every timestamp so.
pub fn rfc3339_millis(ns: i64) -> String {
    let t = Instant::from_ns(ns);
    format!("{}T{}.{:03}Z", t.date, t.clock(), t.milli)
}

/// "2026-11-22T03:04:05+00:00": as IntelMQ writes `time.source` and
/// `time.observation` once it has sanitised them.
pub fn rfc3339_offset(ns: i64) -> String {
    let t = Instant::from_ns(ns);
    format!("{}T{}+00:00", t.date, t.clock())
}

/// "2026-11-22 03:04:05": Shadowserver's `timestamp` column.
pub fn spaced(ns: i64) -> String {
    let t = Instant::from_ns(ns);
    format!("{} {}", t.date, t.clock())
}

/// The UTC days [from_day, to_day) as one date when the window is one
/// day (or, for a malformed window, none), else "first{sep}last" with the
/// last day inclusive.
pub fn window(from_day: i64, to_day: i64, sep: &str) -> String {
    if to_day - from_day <= 1 {
        date(from_day)
    } else {
        format!("{}{sep}{}", date(from_day), date(to_day - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // `date -u -d @1795339445` is 2026-11-22 09:24:05 UTC.
    const T: i64 = 1_795_339_445 * NS_PER_SEC + 250_999_999;

    #[test]
    fn known_instant_in_every_shape() {
        assert_eq!(rfc3339(T), "2026-11-22T09:24:05Z");
        assert_eq!(rfc3339_millis(T), "2026-11-22T09:24:05.250Z");
        assert_eq!(rfc3339_offset(T), "2026-11-22T09:24:05+00:00");
        assert_eq!(spaced(T), "2026-11-22 09:24:05");
    }

    #[test]
    fn before_the_epoch_rounds_down() {
        assert_eq!(rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(i64::MIN), "1677-09-21T00:12:43Z");
        assert_eq!(rfc3339_millis(i64::MAX), "2262-04-11T23:47:16.854Z");
    }

    #[test]
    fn windows() {
        let day = hirundo_calendar::days_from_civil(2026, 11, 16);
        assert_eq!(window(day, day + 1, "_"), "2026-11-16");
        assert_eq!(window(day, day + 7, "_"), "2026-11-16_2026-11-22");
        assert_eq!(window(day, day + 7, " to "), "2026-11-16 to 2026-11-22");
        // An empty or reversed window names its first day rather than
        // a range that runs backwards.
        assert_eq!(window(day, day, "_"), "2026-11-16");
        assert_eq!(window(day, day - 3, "_"), "2026-11-16");
    }

    proptest! {
        #[test]
        fn shapes_are_fixed(ns in any::<i64>()) {
            let s = rfc3339_millis(ns);
            prop_assert_eq!(s.len(), 24);
            prop_assert_eq!(&s[10..11], "T");
            prop_assert_eq!(&s[19..20], ".");
            prop_assert_eq!(&rfc3339(ns)[..19], &s[..19]);
            prop_assert_eq!(&spaced(ns)[11..], &s[11..19]);
            prop_assert!(rfc3339_offset(ns).ends_with("+00:00"));
        }
    }
}
