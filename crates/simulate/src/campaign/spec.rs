//! The command-line form of a campaign:
//! `port=8728/tcp,start=2026-01-10T03:00:00Z,sources=40,rate=20,duration=6h,country=BR,label=mikrotik`.

use std::fmt;
use std::str::FromStr;

use hirundo_summary::{PortProto, Timestamp};

use crate::config::{Ipv4Prefix, NANOS_PER_SECOND};
use crate::Campaign;

/// When a campaign starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStart {
    /// At this instant, nanoseconds since the epoch (`2026-01-10T03:00:00Z`).
    At(i64),
    /// This many nanoseconds after the capture starts (`+3d4h`).
    After(i64),
}

/// A campaign as written on the command line, before the capture's start
/// and the country's ranges are known.
///
/// Keys, in any order, separated by commas: `port` (`8728/tcp`,
/// `161/udp`), `start` (RFC 3339 UTC ending in `Z`, or `+` and a duration
/// after the capture's start), `duration` (default 6h), `sources`, `rate`
/// (packets per second, the whole campaign), and optionally `country` (a
/// two-letter code the caller resolves to ranges), `from` (an IPv4
/// prefix; repeat the key for several) and `label`. A duration is one or
/// more numbers with units `d`, `h`, `m`, `s`, `ms`, `us` or `ns`
/// (`1d12h`).
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    pub proto: PortProto,
    pub port: u16,
    pub start: CampaignStart,
    pub duration_ns: i64,
    pub sources: u32,
    pub rate: f64,
    /// Upper-case two-letter country code, not yet resolved.
    pub country: Option<String>,
    pub from: Vec<Ipv4Prefix>,
    pub label: Option<String>,
}

impl CampaignSpec {
    /// Six hours: a typical burst of a new botnet variant.
    pub const DEFAULT_DURATION_NS: i64 = 6 * 3_600 * NANOS_PER_SECOND;

    /// The start instant for a capture that starts at `capture_start_ns`
    /// (saturating: a start that far away is refused by validation).
    pub fn start_ns(&self, capture_start_ns: i64) -> i64 {
        match self.start {
            CampaignStart::At(ns) => ns,
            CampaignStart::After(offset) => capture_start_ns.saturating_add(offset),
        }
    }

    /// The campaign, for a capture that starts at `capture_start_ns`, with
    /// sources from `from`. A caller that resolved `country` replaces
    /// `from` with the country's prefixes.
    pub fn to_campaign(&self, capture_start_ns: i64) -> Campaign {
        Campaign {
            proto: self.proto,
            port: self.port,
            start_ns: self.start_ns(capture_start_ns),
            duration_ns: self.duration_ns,
            sources: self.sources,
            rate: self.rate,
            from: self.from.clone(),
            label: self.label.clone(),
        }
    }
}

/// Why a campaign spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Nothing but separators.
    #[error("empty campaign: write KEY=VALUE pairs separated by commas, e.g. {EXAMPLE}")]
    Empty,
    /// An item without `=`.
    #[error("{item:?} is not KEY=VALUE (e.g. {EXAMPLE})")]
    NotKeyValue { item: String },
    /// A key this parser does not know.
    #[error(
        "unknown key {key:?}: use port, start, duration, sources, rate, country, from or label"
    )]
    UnknownKey { key: String },
    /// A key other than `from` given twice.
    #[error("{key} is given twice")]
    Repeated { key: &'static str },
    /// A required key is absent.
    #[error("{key}= is missing (e.g. {EXAMPLE})")]
    Missing { key: &'static str },
    /// A value that does not parse or is out of range.
    #[error("{key}={value:?}: expected {expected}")]
    BadValue {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    /// Both `country` and `from`.
    #[error("country and from both say where the sources are: give one of them")]
    CountryAndFrom,
}

const EXAMPLE: &str = "port=8728/tcp,start=+2d,sources=40,rate=20";

impl FromStr for CampaignSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut port = None;
        let mut start = None;
        let mut duration_ns = None;
        let mut sources = None;
        let mut rate = None;
        let mut country = None;
        let mut from = Vec::new();
        let mut label = None;
        let mut any = false;
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            any = true;
            let (key, value) = item.split_once('=').ok_or_else(|| SpecError::NotKeyValue {
                item: item.to_string(),
            })?;
            let (key, value) = (key.trim(), value.trim());
            match key {
                "port" => set(&mut port, "port", parse_port(value), value, PORT)?,
                "start" => set(&mut start, "start", parse_start(value), value, START)?,
                "duration" => set(
                    &mut duration_ns,
                    "duration",
                    parse_duration(value).filter(|&d| d > 0),
                    value,
                    DURATION,
                )?,
                "sources" => set(
                    &mut sources,
                    "sources",
                    parse_whole(value)
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|&n| n > 0),
                    value,
                    SOURCES,
                )?,
                "rate" => set(&mut rate, "rate", parse_rate(value), value, RATE)?,
                "country" => set(
                    &mut country,
                    "country",
                    parse_country(value),
                    value,
                    COUNTRY,
                )?,
                "label" => set(
                    &mut label,
                    "label",
                    Some(value.to_string()).filter(|l| !l.is_empty()),
                    value,
                    LABEL,
                )?,
                "from" => from.push(parse_from(value).ok_or_else(|| bad("from", value, FROM))?),
                _ => {
                    return Err(SpecError::UnknownKey {
                        key: key.to_string(),
                    })
                }
            }
        }
        if !any {
            return Err(SpecError::Empty);
        }
        if country.is_some() && !from.is_empty() {
            return Err(SpecError::CountryAndFrom);
        }
        let (proto, port) = port.ok_or(SpecError::Missing { key: "port" })?;
        Ok(CampaignSpec {
            proto,
            port,
            start: start.ok_or(SpecError::Missing { key: "start" })?,
            duration_ns: duration_ns.unwrap_or(CampaignSpec::DEFAULT_DURATION_NS),
            sources: sources.ok_or(SpecError::Missing { key: "sources" })?,
            rate: rate.ok_or(SpecError::Missing { key: "rate" })?,
            country,
            from,
            label,
        })
    }
}

const PORT: &str = "PORT/tcp or PORT/udp with PORT from 1 to 65535";
const START: &str = "an RFC 3339 UTC time like 2026-01-10T03:00:00Z, or +DURATION after the \
                     capture's start like +3d4h";
const DURATION: &str = "a positive duration like 6h, 90m or 1d12h (units d, h, m, s, ms, us, ns)";
const SOURCES: &str = "a whole number from 1 to 4294967295";
const RATE: &str = "a positive number of packets per second, like 20 or 0.5";
const COUNTRY: &str = "a two-letter country code like BR";
const LABEL: &str = "a non-empty name";
const FROM: &str = "an IPv4 prefix like 203.0.113.0/24, without host bits";

fn bad(key: &'static str, value: &str, expected: &'static str) -> SpecError {
    SpecError::BadValue {
        key,
        value: value.to_string(),
        expected,
    }
}

/// Stores a key's parsed value, refusing a second one.
fn set<T>(
    slot: &mut Option<T>,
    key: &'static str,
    parsed: Option<T>,
    value: &str,
    expected: &'static str,
) -> Result<(), SpecError> {
    if slot.is_some() {
        return Err(SpecError::Repeated { key });
    }
    *slot = Some(parsed.ok_or_else(|| bad(key, value, expected))?);
    Ok(())
}

/// Digits only: no sign, no spaces.
fn parse_whole(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_port(s: &str) -> Option<(PortProto, u16)> {
    let (port, proto) = s.split_once('/')?;
    let proto = match proto.to_ascii_lowercase().as_str() {
        "tcp" => PortProto::Tcp,
        "udp" => PortProto::Udp,
        _ => return None,
    };
    let port = u16::try_from(parse_whole(port)?).ok().filter(|&p| p > 0)?;
    Some((proto, port))
}

fn parse_start(s: &str) -> Option<CampaignStart> {
    if let Some(offset) = s.strip_prefix('+') {
        return parse_duration(offset).map(CampaignStart::After);
    }
    let ns = s.parse::<Timestamp>().ok()?.0;
    // The summary's parser takes 2026-02-30 for 2026-03-02; shown back,
    // such a date differs from what was written.
    let shown = Timestamp(ns).to_string();
    (shown.get(..19) == s.get(..19)).then_some(CampaignStart::At(ns))
}

/// Units longest name first, so that `ms` is not read as `m`.
const UNITS: [(&str, i64); 7] = [
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
    ("d", 86_400 * NANOS_PER_SECOND),
    ("h", 3_600 * NANOS_PER_SECOND),
    ("m", 60 * NANOS_PER_SECOND),
    ("s", NANOS_PER_SECOND),
];

/// `1d12h` to nanoseconds; `None` for anything else or on overflow.
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    let mut rest = s;
    let mut total: i64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let &(unit, ns) = UNITS.iter().find(|(u, _)| rest.starts_with(u))?;
        rest = &rest[unit.len()..];
        total = total.checked_add(number.checked_mul(ns)?)?;
    }
    Some(total)
}

/// Nanoseconds in the largest units that divide them: `1d12h`, `90s`,
/// `0s`. What [`parse_duration`] reads back.
pub(crate) fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ns;
    for (unit, size) in [
        ("d", 86_400 * NANOS_PER_SECOND),
        ("h", 3_600 * NANOS_PER_SECOND),
        ("m", 60 * NANOS_PER_SECOND),
        ("s", NANOS_PER_SECOND),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

fn parse_rate(s: &str) -> Option<f64> {
    // Rust's float parser also takes "inf" and "NaN"; neither is a rate.
    s.parse::<f64>().ok().filter(|r| r.is_finite() && *r > 0.0)
}

fn parse_country(s: &str) -> Option<String> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_uppercase())
}

fn parse_from(s: &str) -> Option<Ipv4Prefix> {
    let prefix: Ipv4Prefix = s.parse().ok()?;
    (prefix.len <= 32 && u32::from(prefix.addr) & prefix.host_mask() == 0).then_some(prefix)
}

/// The spec in the form [`CampaignSpec::from_str`] reads: keys in a fixed
/// order, the duration in its largest units, whole-second instants
/// without a fraction.
impl fmt::Display for CampaignSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "port={}/{},start=", self.port, self.proto.as_str())?;
        match self.start {
            CampaignStart::At(ns) => {
                let shown = Timestamp(ns).to_string();
                match shown.strip_suffix(".000000000Z") {
                    Some(whole) => write!(f, "{whole}Z")?,
                    None => f.write_str(&shown)?,
                }
            }
            CampaignStart::After(offset) => write!(f, "+{}", format_duration(offset))?,
        }
        write!(
            f,
            ",duration={},sources={},rate={}",
            format_duration(self.duration_ns),
            self.sources,
            self.rate
        )?;
        if let Some(country) = &self.country {
            write!(f, ",country={country}")?;
        }
        for prefix in &self.from {
            write!(f, ",from={prefix}")?;
        }
        if let Some(label) = &self.label {
            write!(f, ",label={label}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const JAN_10_3AM: i64 = 1_768_014_000 * NANOS_PER_SECOND;

    #[test]
    fn parses_the_documented_example() {
        let spec: CampaignSpec = "port=8728/tcp,start=2026-01-10T03:00:00Z,sources=40,rate=20,\
                                  duration=6h,country=br,label=mikrotik"
            .parse()
            .unwrap();
        assert_eq!(
            spec,
            CampaignSpec {
                proto: PortProto::Tcp,
                port: 8728,
                start: CampaignStart::At(JAN_10_3AM),
                duration_ns: 6 * 3_600 * NANOS_PER_SECOND,
                sources: 40,
                rate: 20.0,
                country: Some("BR".into()),
                from: vec![],
                label: Some("mikrotik".into()),
            }
        );
    }

    #[test]
    fn keys_in_any_order_with_defaults_and_offsets() {
        let spec: CampaignSpec =
            " rate=0.5 , sources=3,port=161/UDP,start=+3d4h,from=1.2.0.0/16,from=5.0.0.0/8"
                .parse()
                .unwrap();
        assert_eq!(spec.proto, PortProto::Udp);
        assert_eq!(spec.port, 161);
        assert_eq!(
            spec.start,
            CampaignStart::After((3 * 86_400 + 4 * 3_600) * NANOS_PER_SECOND)
        );
        assert_eq!(spec.duration_ns, CampaignSpec::DEFAULT_DURATION_NS);
        assert_eq!(spec.rate, 0.5);
        assert_eq!(spec.from.len(), 2);
        assert_eq!(spec.start_ns(1_000), 1_000 + 273_600 * NANOS_PER_SECOND);
        let c = spec.to_campaign(0);
        assert_eq!(c.end_ns() - c.start_ns, 6 * 3_600 * NANOS_PER_SECOND);
        assert_eq!(c.planned_packets(), 10_800);
    }

    #[test]
    fn durations_parse_and_format_back() {
        assert_eq!(parse_duration("90m"), Some(5_400 * NANOS_PER_SECOND));
        assert_eq!(parse_duration("1d12h"), Some(129_600 * NANOS_PER_SECOND));
        assert_eq!(parse_duration("250ms"), Some(250_000_000));
        assert_eq!(format_duration(129_600 * NANOS_PER_SECOND), "1d12h");
        assert_eq!(format_duration(5_400 * NANOS_PER_SECOND), "1h30m");
        for bad in ["", "6", "h", "6x", "-6h", "6h ", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn errors_name_the_key_and_the_value() {
        let err = |s: &str| s.parse::<CampaignSpec>().unwrap_err().to_string();
        let base = "start=+1d,sources=4,rate=2";
        assert_eq!(
            err(&format!("port=0/tcp,{base}")),
            format!("port=\"0/tcp\": expected {PORT}")
        );
        assert!(err(&format!("port=80,{base}")).starts_with("port=\"80\": expected"));
        assert!(err("port=80/tcp,start=+1d,sources=0,rate=2").starts_with("sources=\"0\""));
        assert!(err("port=80/tcp,start=+1d,sources=4,rate=-1").starts_with("rate=\"-1\""));
        assert!(err("port=80/tcp,start=+1d,sources=4,rate=NaN").starts_with("rate=\"NaN\""));
        assert!(
            err("port=80/tcp,start=2026-02-30T00:00:00Z,sources=4,rate=1")
                .starts_with("start=\"2026-02-30T00:00:00Z\"")
        );
        assert!(err(&format!("port=80/tcp,{base},duration=0s")).starts_with("duration=\"0s\""));
        assert!(err(&format!("port=80/tcp,{base},country=BRA")).starts_with("country=\"BRA\""));
        assert!(
            err(&format!("port=80/tcp,{base},from=1.2.3.4/24")).starts_with("from=\"1.2.3.4/24\"")
        );
        assert_eq!(
            err(base),
            "port= is missing (e.g. port=8728/tcp,start=+2d,sources=40,rate=20)"
        );
        assert_eq!(
            err(&format!("port=1/tcp,{base},rate=3")),
            "rate is given twice"
        );
        assert!(err(&format!("port=1/tcp,{base},speed=3")).contains("unknown key \"speed\""));
        assert!(err(&format!("port=1/tcp,{base},oops")).starts_with("\"oops\" is not KEY=VALUE"));
        assert!(err(" , ,").starts_with("empty campaign"));
        assert_eq!(
            err(&format!("port=1/tcp,{base},country=BR,from=1.0.0.0/8")),
            SpecError::CountryAndFrom.to_string()
        );
    }

    fn arb_spec() -> impl Strategy<Value = CampaignSpec> {
        let start = prop_oneof![
            (0i64..=4_102_444_800_000_000_000).prop_map(CampaignStart::At),
            (0i64..=i64::MAX).prop_map(CampaignStart::After),
        ];
        let prefix = (any::<u32>(), 0u8..=32).prop_map(|(a, len)| {
            let mask = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            Ipv4Prefix {
                addr: (a & !mask).into(),
                len,
            }
        });
        let place = prop_oneof![
            Just((None, vec![])),
            "[A-Z]{2}".prop_map(|c| (Some(c), vec![])),
            proptest::collection::vec(prefix, 1..4).prop_map(|p| (None, p)),
        ];
        (
            any::<bool>(),
            1u16..,
            start,
            1i64..=i64::MAX,
            1u32..,
            (f64::MIN_POSITIVE..f64::MAX),
            place,
            proptest::option::of("[a-z0-9_-]{1,12}"),
        )
            .prop_map(
                |(udp, port, start, duration_ns, sources, rate, (country, from), label)| {
                    CampaignSpec {
                        proto: if udp { PortProto::Udp } else { PortProto::Tcp },
                        port,
                        start,
                        duration_ns,
                        sources,
                        rate,
                        country,
                        from,
                        label,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
            let _ = s.parse::<CampaignSpec>();
        }

        #[test]
        fn never_panics_on_plausible_pairs(
            pairs in proptest::collection::vec(
                ("(port|start|duration|sources|rate|country|from|label|x)", "[-+0-9a-zA-Z:./ ]{0,24}"),
                0..10,
            )
        ) {
            let s = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            let _ = s.parse::<CampaignSpec>();
        }

        #[test]
        fn display_then_parse_round_trips(spec in arb_spec()) {
            let shown = spec.to_string();
            prop_assert_eq!(shown.parse::<CampaignSpec>(), Ok(spec), "{}", shown);
        }
    }
}
