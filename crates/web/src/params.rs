//! What pages and the API accept in their paths and query strings, parsed
//! into the store's terms. Every parser says what was wrong in a sentence
//! a user can act on; none panics.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use hirundo_store::{DayRange, Filter, HourRange, PortKey, SeriesOf};
use hirundo_summary::PortProto;

use crate::calendar::{self, SECONDS_PER_DAY};

const NS_PER_HOUR: i64 = 3_600_000_000_000;

/// The period a dashboard page covers: `?days=1|7|30`, ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Day,
    Week,
    Month,
}

impl Span {
    pub const ALL: [Span; 3] = [Span::Day, Span::Week, Span::Month];

    /// `None` is the default week.
    pub fn parse(days: Option<&str>) -> Result<Span, String> {
        match days.map(str::trim) {
            None | Some("") | Some("7") => Ok(Span::Week),
            Some("1") => Ok(Span::Day),
            Some("30") => Ok(Span::Month),
            Some(other) => Err(format!(
                "days={other:?}: pages show the last 1, 7 or 30 days"
            )),
        }
    }

    pub fn days(self) -> i64 {
        match self {
            Span::Day => 1,
            Span::Week => 7,
            Span::Month => 30,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Span::Day => "last 24 hours",
            Span::Week => "last 7 days",
            Span::Month => "last 30 days",
        }
    }

    /// The hours the page sums: the last 24 hours up to the current one,
    /// or whole UTC days up to and including today (whole days read the
    /// store's daily tables).
    pub fn hours(self, now_ns: i64) -> HourRange {
        let hour = now_ns.div_euclid(NS_PER_HOUR);
        match self {
            Span::Day => HourRange {
                from: hour - 23,
                to: hour + 1,
            },
            Span::Week | Span::Month => {
                let days = self.days_range(now_ns);
                HourRange {
                    from: days.from * 24,
                    to: days.to * 24,
                }
            }
        }
    }

    /// The UTC days per-source data are read for: the days the period
    /// touches (the last 24 hours touch yesterday and today).
    pub fn days_range(self, now_ns: i64) -> DayRange {
        let today = today(now_ns);
        let first = match self {
            Span::Day => today - 1,
            _ => today - (self.days() - 1),
        };
        DayRange {
            from: first,
            to: today + 1,
        }
    }

    /// How many days of data the period holds so far (today counts only
    /// as far as it has gone), for per-day averages.
    pub fn elapsed_days(self, now_ns: i64) -> f64 {
        let hours = self.hours(now_ns);
        let start_ns = hours.from.saturating_mul(NS_PER_HOUR);
        let end_ns = now_ns.min(hours.to.saturating_mul(NS_PER_HOUR));
        ((end_ns - start_ns) as f64 / (NS_PER_HOUR as f64 * 24.0)).max(1.0 / 24.0)
    }

    /// Hourly points are readable up to a week; a month is drawn by day.
    pub fn grain(self) -> hirundo_store::Grain {
        match self {
            Span::Month => hirundo_store::Grain::Day,
            _ => hirundo_store::Grain::Hour,
        }
    }

    pub fn query_value(self) -> &'static str {
        match self {
            Span::Day => "1",
            Span::Week => "7",
            Span::Month => "30",
        }
    }
}

/// Today, as days since 1970-01-01 UTC.
pub fn today(now_ns: i64) -> i64 {
    now_ns.div_euclid(SECONDS_PER_DAY * 1_000_000_000)
}

/// `?research=exclude` leaves research scanners' packets out.
pub fn parse_research(value: Option<&str>) -> Result<bool, String> {
    match value.map(str::trim) {
        None | Some("") | Some("include") => Ok(false),
        Some("exclude") => Ok(true),
        Some(other) => Err(format!(
            "research={other:?}: use research=exclude to leave research scanners out, or leave it off"
        )),
    }
}

/// The filter of a page: every sensor over the span.
pub fn filter(span: Span, now_ns: i64, exclude_research: bool) -> Filter {
    Filter {
        hours: span.hours(now_ns),
        sensor: None,
        exclude_research,
    }
}

/// `tcp`/`udp` and a port number, as `/port/tcp/23` writes them.
pub fn parse_port(proto: &str, port: &str) -> Result<PortKey, String> {
    let proto = match proto.to_ascii_lowercase().as_str() {
        "tcp" => PortProto::Tcp,
        "udp" => PortProto::Udp,
        _ => {
            return Err(format!(
                "protocol {proto:?}: ports are tcp or udp, as in /port/tcp/23"
            ))
        }
    };
    let digits_only =
        !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    let number = digits_only
        .then(|| port.parse::<u16>().ok())
        .flatten()
        .ok_or_else(|| format!("port {port:?}: a port is a number from 0 to 65535"))?;
    Ok(PortKey::new(proto, number))
}

/// An IPv4 or IPv6 address.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    IpAddr::from_str(text.trim()).map_err(|_| {
        format!("{text:?} is not an IP address: write one as 192.0.2.1 or 2001:db8::1")
    })
}

/// An ISO 3166-1 alpha-2 code, in any case; returned in capitals.
pub fn parse_country(text: &str) -> Result<String, String> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(text.to_ascii_uppercase())
    } else {
        Err(format!(
            "{text:?} is not a country code: use two letters, such as BR (ZZ: unknown)"
        ))
    }
}

/// An AS number, with or without the `AS` prefix.
pub fn parse_asn(text: &str) -> Result<u32, String> {
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{text:?} is not an AS number: write 64500 or AS64500"
        ));
    }
    digits
        .parse()
        .map_err(|_| format!("{text:?} is not an AS number: they go up to 4294967295"))
}

/// What a series counts, as the API's `what=` writes it: `total`,
/// `port:tcp/23`, `country:BR` or `asn:64500`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct What(pub SeriesOf);

impl FromStr for What {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "total" {
            return Ok(What(SeriesOf::Total));
        }
        let (kind, rest) = s.split_once(':').ok_or_else(|| what_help(s))?;
        match kind {
            "port" => {
                let (proto, port) = rest.split_once('/').ok_or_else(|| what_help(s))?;
                Ok(What(SeriesOf::Port(parse_port(proto, port)?)))
            }
            "country" => Ok(What(SeriesOf::Country(parse_country(rest)?))),
            "asn" => Ok(What(SeriesOf::Asn(parse_asn(rest)?))),
            _ => Err(what_help(s)),
        }
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            SeriesOf::Total => f.write_str("total"),
            SeriesOf::Port(k) => write!(f, "port:{}/{}", k.proto.as_str(), k.port),
            SeriesOf::Country(cc) => write!(f, "country:{cc}"),
            SeriesOf::Asn(asn) => write!(f, "asn:{asn}"),
        }
    }
}

fn what_help(s: &str) -> String {
    format!("what={s:?}: use total, port:tcp/23, country:BR or asn:64500")
}

/// The API's bucket widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiGrain {
    Hour,
    Day,
    Wide(calendar::Wide),
}

impl FromStr for ApiGrain {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "hour" => ApiGrain::Hour,
            "day" => ApiGrain::Day,
            "week" => ApiGrain::Wide(calendar::Wide::Week),
            "month" => ApiGrain::Wide(calendar::Wide::Month),
            "quarter" => ApiGrain::Wide(calendar::Wide::Quarter),
            other => {
                return Err(format!(
                    "grain={other:?}: use hour, day, week, month or quarter"
                ))
            }
        })
    }
}

/// An instant in the API: a UTC date (`2026-03-10`, its midnight) or
/// seconds since the epoch. Returned as seconds.
pub fn parse_instant(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Some(day) = parse_date(text) {
        return Ok(day * SECONDS_PER_DAY);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(secs) = text.parse::<i64>() {
            return Ok(secs);
        }
    }
    Err(format!(
        "{text:?} is not a time: write a UTC date (2026-03-10) or seconds since 1970"
    ))
}

pub use hirundo_calendar::parse_date;

/// Where a login may send the user back to: only a path on this site.
/// Anything else (another host, `//host`, a scheme, backslashes that some
/// browsers read as slashes, control characters) is the overview.
pub fn local_path(next: &str) -> &str {
    let b = next.as_bytes();
    let local = b.first() == Some(&b'/')
        && b.get(1) != Some(&b'/')
        && next.len() <= 2048
        && !next.bytes().any(|c| c == b'\\' || c.is_ascii_control())
        && !next.starts_with("/login")
        && !next.starts_with("/logout");
    if local {
        next
    } else {
        "/"
    }
}

/// Percent-encodes a query value: everything but unreserved characters
/// and `/`.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ports_parse_and_refuse() {
        assert_eq!(
            parse_port("tcp", "23"),
            Ok(PortKey::new(PortProto::Tcp, 23))
        );
        assert_eq!(
            parse_port("UDP", "65535"),
            Ok(PortKey::new(PortProto::Udp, 65535))
        );
        for (proto, port) in [
            ("tcp", "65536"),
            ("tcp", "-1"),
            ("tcp", "+23"),
            ("tcp", ""),
            ("sctp", "23"),
            ("tcp", "23a"),
        ] {
            assert!(parse_port(proto, port).is_err(), "{proto}/{port}");
        }
    }

    #[test]
    fn spans_cover_whole_days_or_the_last_24_hours() {
        // 2026-03-10 14:05 UTC.
        let now = 1_773_151_500 * 1_000_000_000;
        let today = 20_522;
        assert_eq!(
            Span::Week.hours(now),
            HourRange {
                from: (today - 6) * 24,
                to: (today + 1) * 24
            }
        );
        let hour = now / NS_PER_HOUR;
        assert_eq!(
            Span::Day.hours(now),
            HourRange {
                from: hour - 23,
                to: hour + 1
            }
        );
        assert_eq!(
            Span::Day.days_range(now),
            DayRange {
                from: today - 1,
                to: today + 1
            }
        );
        let elapsed = Span::Week.elapsed_days(now);
        assert!((elapsed - (6.0 + 14.0833 / 24.0)).abs() < 0.01, "{elapsed}");
        assert_eq!(Span::parse(None), Ok(Span::Week));
        assert!(Span::parse(Some("5")).is_err());
    }

    #[test]
    fn next_is_kept_only_when_local() {
        assert_eq!(local_path("/port/tcp/23?days=1"), "/port/tcp/23?days=1");
        for evil in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "evil",
            "",
            "/login?next=/",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(local_path(evil), "/", "{evil:?}");
        }
    }

    #[test]
    fn instants_and_dates() {
        assert_eq!(parse_instant("2026-03-10"), Ok(20_522 * 86_400));
        assert_eq!(parse_instant("1773151500"), Ok(1_773_151_500));
        assert!(parse_instant("2026-02-30").is_err());
        assert!(parse_instant("yesterday").is_err());
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
    }

    proptest! {
        #[test]
        fn what_round_trips(kind in 0u8..4, port in any::<u16>(), udp in any::<bool>(),
                            cc in "[A-Z]{2}", asn in any::<u32>()) {
            let what = What(match kind {
                0 => SeriesOf::Total,
                1 => SeriesOf::Port(PortKey::new(if udp { PortProto::Udp } else { PortProto::Tcp }, port)),
                2 => SeriesOf::Country(cc),
                _ => SeriesOf::Asn(asn),
            });
            prop_assert_eq!(what.to_string().parse::<What>(), Ok(what));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = s.parse::<What>();
            let _ = s.parse::<ApiGrain>();
            let _ = parse_instant(&s);
            let _ = parse_ip(&s);
            let _ = parse_country(&s);
            let _ = parse_asn(&s);
            let _ = parse_port("tcp", &s);
            let _ = Span::parse(Some(&s));
            let next = local_path(&s);
            prop_assert!(next == "/" || (next.starts_with('/') && !next.starts_with("//")));
        }

        #[test]
        fn encoded_queries_hold_only_safe_characters(s in "\\PC{0,40}") {
            let e = encode_query(&s);
            prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)));
        }
    }
}
