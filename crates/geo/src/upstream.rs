//! Readers for the upstream files the shipped dataset is built from, and
//! the build itself.
//!
//! - ip-location-db `geo-whois-asn-country-ipv{4,6}-num.csv`: `start,end,CC`
//!   with addresses as integers;
//! - ip-location-db `asn-ipv{4,6}-num.csv`: `start,end,ASN,name`, names with
//!   commas or quotes quoted CSV-style (`"LLC ""SPUTNIK"""`);
//! - Tor's `geoip` and `geoip6` (Debian's tor-geoipdb, from IPFire
//!   Location): `start,end,CC`, IPv4 as integers, IPv6 as addresses, `#`
//!   comments, `??` for unknown.
//!
//! Each may be gzip-compressed. A bad row is an error naming the file and
//! line, never skipped.

use std::borrow::Cow;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};

use crate::asn::{AsIndex, AsRegistryBuilder};
use crate::attribution;
use crate::dataset::{
    AsnTable, CountryTable, Dataset, DatasetSource, SourceInfo, SourceKind, SourceTables,
};
use crate::lines::Input;
use crate::range_table::{IpKey, RangeTableBuilder};
use crate::{Asn, CountryCode, ParseError};

/// Source keys of the shipped dataset, as `builtin:KEY` in configuration.
pub const GEO_WHOIS_ASN_COUNTRY: &str = "geo-whois-asn-country";
pub const TOR_GEOIP: &str = "tor-geoip";
pub const ASN: &str = "asn";

/// Reads an ip-location-db country file (`start,end,CC`, integers) into a
/// builder. Returns the number of rows read.
pub fn read_country_csv<A: IpKey>(
    path: &Path,
    builder: &mut RangeTableBuilder<A, CountryCode>,
) -> Result<usize, ParseError> {
    country_csv(Input::File(path), builder)
}

/// [`read_country_csv`] on text already in memory; errors name it `name`.
pub fn parse_country_csv<A: IpKey>(
    text: &str,
    name: &str,
    builder: &mut RangeTableBuilder<A, CountryCode>,
) -> Result<usize, ParseError> {
    country_csv(text_input(text, name), builder)
}

fn country_csv<A: IpKey>(
    input: Input<'_>,
    builder: &mut RangeTableBuilder<A, CountryCode>,
) -> Result<usize, ParseError> {
    let mut rows = 0;
    input.for_each_line(|_, line| {
        if skip(line) {
            return Ok(());
        }
        let f = csv_fields(line)?;
        let [start, end, cc] = f.as_slice() else {
            return Err(format!(
                "{} fields, expected 3 (start,end,country)",
                f.len()
            ));
        };
        let (start, end) = (integer::<A>(start)?, integer::<A>(end)?);
        push(builder, start, end, country(cc)?)?;
        rows += 1;
        Ok(())
    })?;
    nonempty(input.path(), rows, "start,end,country")
}

/// Reads an ip-location-db ASN file (`start,end,ASN,name`, integers) into a
/// builder, interning (number, name) pairs in `registry`.
pub fn read_asn_csv<A: IpKey>(
    path: &Path,
    builder: &mut RangeTableBuilder<A, AsIndex>,
    registry: &mut AsRegistryBuilder,
) -> Result<usize, ParseError> {
    asn_csv(Input::File(path), builder, registry)
}

/// [`read_asn_csv`] on text already in memory; errors name it `name`.
pub fn parse_asn_csv<A: IpKey>(
    text: &str,
    name: &str,
    builder: &mut RangeTableBuilder<A, AsIndex>,
    registry: &mut AsRegistryBuilder,
) -> Result<usize, ParseError> {
    asn_csv(text_input(text, name), builder, registry)
}

fn asn_csv<A: IpKey>(
    input: Input<'_>,
    builder: &mut RangeTableBuilder<A, AsIndex>,
    registry: &mut AsRegistryBuilder,
) -> Result<usize, ParseError> {
    let mut rows = 0;
    input.for_each_line(|_, line| {
        if skip(line) {
            return Ok(());
        }
        let f = csv_fields(line)?;
        let [start, end, asn, name] = f.as_slice() else {
            return Err(format!(
                "{} fields, expected 4 (start,end,ASN,name)",
                f.len()
            ));
        };
        let (start, end) = (integer::<A>(start)?, integer::<A>(end)?);
        let asn = asn
            .strip_prefix("AS")
            .unwrap_or(asn)
            .parse::<u32>()
            .map_err(|_| format!("AS number {asn:?} is not a 32-bit number"))?;
        let index = registry
            .intern(Asn(asn), name)
            .ok_or("more than 2^32 distinct AS records")?;
        push(builder, start, end, index)?;
        rows += 1;
        Ok(())
    })?;
    nonempty(input.path(), rows, "start,end,ASN,name")
}

/// Reads Tor's IPv4 geoip file (`start,end,CC`, integers).
pub fn read_tor_geoip_v4(
    path: &Path,
    builder: &mut RangeTableBuilder<u32, CountryCode>,
) -> Result<usize, ParseError> {
    tor_geoip(Input::File(path), builder, integer::<u32>)
}

/// Reads Tor's IPv6 geoip file (`start,end,CC`, addresses).
pub fn read_tor_geoip_v6(
    path: &Path,
    builder: &mut RangeTableBuilder<u128, CountryCode>,
) -> Result<usize, ParseError> {
    tor_geoip(Input::File(path), builder, ipv6)
}

/// [`read_tor_geoip_v4`] on text already in memory; errors name it `name`.
pub fn parse_tor_geoip_v4(
    text: &str,
    name: &str,
    builder: &mut RangeTableBuilder<u32, CountryCode>,
) -> Result<usize, ParseError> {
    tor_geoip(text_input(text, name), builder, integer::<u32>)
}

/// [`read_tor_geoip_v6`] on text already in memory; errors name it `name`.
pub fn parse_tor_geoip_v6(
    text: &str,
    name: &str,
    builder: &mut RangeTableBuilder<u128, CountryCode>,
) -> Result<usize, ParseError> {
    tor_geoip(text_input(text, name), builder, ipv6)
}

fn ipv6(s: &str) -> Result<u128, String> {
    s.parse::<Ipv6Addr>()
        .map(u128::from)
        .map_err(|_| format!("{s:?} is not an IPv6 address"))
}

fn tor_geoip<A: IpKey>(
    input: Input<'_>,
    builder: &mut RangeTableBuilder<A, CountryCode>,
    address: impl Fn(&str) -> Result<A, String>,
) -> Result<usize, ParseError> {
    let mut rows = 0;
    input.for_each_line(|_, line| {
        if skip(line) {
            return Ok(());
        }
        let f = csv_fields(line)?;
        let [start, end, cc] = f.as_slice() else {
            return Err(format!(
                "{} fields, expected 3 (start,end,country)",
                f.len()
            ));
        };
        let (start, end) = (address(start)?, address(end)?);
        rows += 1;
        // `??` is Tor's "no country known": the range holds no answer.
        if cc == "??" {
            return Ok(());
        }
        push(builder, start, end, country(cc)?)
    })?;
    nonempty(input.path(), rows, "start,end,country")
}

/// The date in a Tor geoip file's copied IPFire header, `# Generated: Thu,
/// 25 Jun 2026 04:33:59 GMT`, as `2026-06-25`.
pub fn read_tor_geoip_date(path: &Path) -> Result<String, ParseError> {
    tor_geoip_date(Input::File(path))
}

/// [`read_tor_geoip_date`] on text already in memory; errors name it
/// `name`.
pub fn parse_tor_geoip_date(text: &str, name: &str) -> Result<String, ParseError> {
    tor_geoip_date(text_input(text, name))
}

fn tor_geoip_date(input: Input<'_>) -> Result<String, ParseError> {
    let mut date = None;
    input.for_each_line(|_, line| {
        if date.is_none() {
            if let Some(rest) = line.strip_prefix('#').map(str::trim) {
                if let Some(when) = rest.strip_prefix("Generated:") {
                    date = Some(
                        rfc2822_date(when.trim())
                            .ok_or_else(|| format!("cannot read the date in {:?}", when.trim()))?,
                    );
                }
            }
        }
        Ok(())
    })?;
    date.ok_or_else(|| ParseError::Empty {
        path: input.path().to_owned(),
        expected: "\"# Generated: <date>\" header",
    })
}

/// `Thu, 25 Jun 2026 04:33:59 GMT` as `2026-06-25`.
fn rfc2822_date(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = s.split_once(',').map_or(s, |(_, rest)| rest);
    let mut parts = s.split_whitespace();
    let day: u8 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|&m| m == month_name)? + 1;
    let year: u16 = parts.next()?.parse().ok()?;
    (1..=31)
        .contains(&day)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

fn text_input<'a>(text: &'a str, name: &'a str) -> Input<'a> {
    Input::Text {
        text,
        name: Path::new(name),
    }
}

fn skip(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn push<A: IpKey, V: Copy + Eq>(
    builder: &mut RangeTableBuilder<A, V>,
    start: A,
    end: A,
    value: V,
) -> Result<(), String> {
    if builder.push(start, end, value) {
        Ok(())
    } else {
        Err(format!("range starts after it ends ({start:?} > {end:?})"))
    }
}

fn nonempty(path: &Path, rows: usize, expected: &'static str) -> Result<usize, ParseError> {
    if rows == 0 {
        return Err(ParseError::Empty {
            path: path.to_owned(),
            expected,
        });
    }
    Ok(rows)
}

fn integer<A: IpKey>(s: &str) -> Result<A, String> {
    let v: u128 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not an address as an integer"))?;
    A::from_u128(v).ok_or_else(|| format!("{v} is beyond the last {}-bit address", A::BITS))
}

fn country(s: &str) -> Result<CountryCode, String> {
    s.trim()
        .parse()
        .map_err(|e: crate::CountryCodeError| e.to_string())
}

/// Splits one CSV line into fields. A field may be quoted; inside quotes a
/// comma is text and `""` is one quote.
pub(crate) fn csv_fields(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::with_capacity(4);
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut text = String::new();
            let mut tail = quoted;
            loop {
                let Some(q) = tail.find('"') else {
                    return Err("a quoted field has no closing quote".into());
                };
                text.push_str(&tail[..q]);
                tail = &tail[q + 1..];
                match tail.strip_prefix('"') {
                    Some(after) => {
                        text.push('"');
                        tail = after;
                    }
                    None => break,
                }
            }
            fields.push(Cow::Owned(text));
            if tail.is_empty() {
                return Ok(fields);
            }
            rest = tail.strip_prefix(',').ok_or(
                "text after a closing quote; a quote inside a quoted field is written \"\"",
            )?;
        } else {
            match rest.find(',') {
                Some(c) => {
                    fields.push(Cow::Borrowed(&rest[..c]));
                    rest = &rest[c + 1..];
                }
                None => {
                    fields.push(Cow::Borrowed(rest));
                    return Ok(fields);
                }
            }
        }
    }
}

/// The upstream files a build reads, found in one folder by their usual
/// names, plain or `.gz`.
#[derive(Debug, Clone)]
pub struct UpstreamFiles {
    pub country_v4: PathBuf,
    pub country_v6: PathBuf,
    pub asn_v4: PathBuf,
    pub asn_v6: PathBuf,
    pub tor_v4: PathBuf,
    pub tor_v6: PathBuf,
}

impl UpstreamFiles {
    /// Finds the six files in `dir`: the ip-location-db files under their
    /// package names (`geo-whois-asn-country-ipv4-num.csv`,
    /// `asn-ipv4-num.csv`, ...) and Tor's as `tor-geoip-ipv4`/`geoip` and
    /// `tor-geoip-ipv6`/`geoip6`, each also with `.gz`.
    pub fn find(dir: &Path) -> Result<UpstreamFiles, ParseError> {
        let find = |names: &[&str]| -> Result<PathBuf, ParseError> {
            for name in names {
                for candidate in [dir.join(name), dir.join(format!("{name}.gz"))] {
                    if candidate.is_file() {
                        return Ok(candidate);
                    }
                }
            }
            Err(ParseError::Io {
                path: dir.join(names[0]),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "not found (looked for {} with and without .gz)",
                        names.join(", ")
                    ),
                ),
            })
        };
        Ok(UpstreamFiles {
            country_v4: find(&["geo-whois-asn-country-ipv4-num.csv"])?,
            country_v6: find(&["geo-whois-asn-country-ipv6-num.csv"])?,
            asn_v4: find(&["asn-ipv4-num.csv"])?,
            asn_v6: find(&["asn-ipv6-num.csv"])?,
            tor_v4: find(&["tor-geoip-ipv4", "geoip"])?,
            tor_v6: find(&["tor-geoip-ipv6", "geoip6"])?,
        })
    }
}

/// Builds the shipped dataset from the upstream files: country from
/// ip-location-db's geo-whois-asn-country set, then country from Tor's
/// geoip (IPFire Location), then ASN and AS names from ip-location-db's asn
/// set. `ip_location_db_date` (e.g. `2026-06`) dates the ip-location-db
/// files, which carry no date of their own; the Tor files' date is read
/// from their header.
pub fn build_dataset(
    files: &UpstreamFiles,
    ip_location_db_date: &str,
) -> Result<Dataset, ParseError> {
    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    read_country_csv(&files.country_v4, &mut v4)?;
    read_country_csv(&files.country_v6, &mut v6)?;
    let geo_whois = CountryTable {
        v4: v4.build(),
        v6: v6.build(),
    };

    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    read_tor_geoip_v4(&files.tor_v4, &mut v4)?;
    read_tor_geoip_v6(&files.tor_v6, &mut v6)?;
    let tor_date = read_tor_geoip_date(&files.tor_v4)?;
    let tor = CountryTable {
        v4: v4.build(),
        v6: v6.build(),
    };

    let mut registry = AsRegistryBuilder::new();
    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    read_asn_csv(&files.asn_v4, &mut v4, &mut registry)?;
    read_asn_csv(&files.asn_v6, &mut v6, &mut registry)?;
    let (registry, remap) = registry.finish();
    let asn = AsnTable {
        v4: v4.build().map(|i| remap[i.position()]),
        v6: v6.build().map(|i| remap[i.position()]),
        registry,
    };

    let info =
        |kind, key: &str, name: &str, date: &str, licence: &str, lines: &[&str]| SourceInfo {
            kind,
            key: key.into(),
            name: name.into(),
            date: date.into(),
            licence: licence.into(),
            attribution: lines.join("\n"),
        };
    Ok(Dataset {
        sources: vec![
            DatasetSource {
                info: info(
                    SourceKind::Country,
                    GEO_WHOIS_ASN_COUNTRY,
                    "ip-location-db geo-whois-asn-country",
                    ip_location_db_date,
                    "CC BY 4.0",
                    &[attribution::NRO, attribution::IP_LOCATION_DB],
                ),
                tables: SourceTables::Country(geo_whois),
            },
            DatasetSource {
                info: info(
                    SourceKind::Country,
                    TOR_GEOIP,
                    "tor-geoip (IPFire Location)",
                    &tor_date,
                    "CC BY-SA 4.0",
                    &[attribution::IPFIRE],
                ),
                tables: SourceTables::Country(tor),
            },
            DatasetSource {
                info: info(
                    SourceKind::Asn,
                    ASN,
                    "ip-location-db asn",
                    ip_location_db_date,
                    "CC BY 4.0",
                    &[
                        attribution::DBIP,
                        attribution::ROUTEVIEWS,
                        attribution::NRO,
                        attribution::IP_LOCATION_DB,
                    ],
                ),
                tables: SourceTables::Asn(asn),
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_handle_quotes_and_commas() {
        assert_eq!(csv_fields("1,2,JP").unwrap(), ["1", "2", "JP"]);
        assert_eq!(
            csv_fields(r#"16777216,16777471,13335,"Cloudflare, Inc.""#).unwrap(),
            ["16777216", "16777471", "13335", "Cloudflare, Inc."]
        );
        assert_eq!(
            csv_fields(r#"1,2,201907,"LLC ""SPUTNIK""""#).unwrap(),
            ["1", "2", "201907", "LLC \"SPUTNIK\""]
        );
        assert_eq!(csv_fields("1,2,3,").unwrap(), ["1", "2", "3", ""]);
        assert_eq!(csv_fields(r#"1,"",x"#).unwrap(), ["1", "", "x"]);
        assert!(csv_fields(r#"1,2,"open"#).is_err());
        assert!(csv_fields(r#"1,2,"a"b"#).is_err());
    }

    #[test]
    fn reads_the_ipfire_generated_date() {
        assert_eq!(
            rfc2822_date("Thu, 25 Jun 2026 04:33:59 GMT").as_deref(),
            Some("2026-06-25")
        );
        assert_eq!(
            rfc2822_date("1 Jan 2027 00:00:00 GMT").as_deref(),
            Some("2027-01-01")
        );
        assert_eq!(rfc2822_date("Thu, 25 Juni 2026"), None);
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "1,2,JP\n3,4,JP\n5,4,JP\n").unwrap();
        let err = read_country_csv::<u32>(&path, &mut RangeTableBuilder::new()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("c.csv: line 3: range starts after it ends"),
            "{msg}"
        );

        std::fs::write(&path, "1,2,JP\n1,4294967296,JP\n").unwrap();
        let msg = read_country_csv::<u32>(&path, &mut RangeTableBuilder::new())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("line 2: 4294967296 is beyond the last 32-bit address"),
            "{msg}"
        );

        std::fs::write(&path, "1,2,J1\n").unwrap();
        let msg = read_country_csv::<u32>(&path, &mut RangeTableBuilder::new())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("line 1: \"J1\" is not a two-letter country code"),
            "{msg}"
        );

        std::fs::write(&path, "# only a comment\n").unwrap();
        let msg = read_country_csv::<u32>(&path, &mut RangeTableBuilder::new())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("no start,end,country rows"), "{msg}");

        std::fs::write(&path, "1,2,13335,\"Cloudflare\n").unwrap();
        let msg = read_asn_csv::<u32>(
            &path,
            &mut RangeTableBuilder::new(),
            &mut AsRegistryBuilder::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("line 1: a quoted field has no closing quote"),
            "{msg}"
        );
    }

    #[test]
    fn text_in_memory_reads_as_a_file_does() {
        let mut b = RangeTableBuilder::<u32, _>::new();
        assert_eq!(
            parse_country_csv("# c\n1,2,JP\r\n3,4,DE\n", "c", &mut b).unwrap(),
            2
        );
        assert_eq!(
            b.build().get(3).map(|c| c.to_string()).as_deref(),
            Some("DE")
        );
        let err = parse_country_csv::<u32>("1,2,JP\n5,4,JP\n", "c", &mut RangeTableBuilder::new())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c: line 2: range starts after it ends (5 > 4)"
        );
        let mut registry = AsRegistryBuilder::new();
        let mut b = RangeTableBuilder::<u128, _>::new();
        assert_eq!(
            parse_asn_csv(
                "1,2,13335,\"Cloudflare, Inc.\"\n",
                "a",
                &mut b,
                &mut registry
            )
            .unwrap(),
            1
        );
        let mut b = RangeTableBuilder::new();
        assert_eq!(
            parse_tor_geoip_v4("1,2,??\n3,4,JP\n", "t", &mut b).unwrap(),
            2
        );
        let mut b = RangeTableBuilder::new();
        assert_eq!(
            parse_tor_geoip_v6("2001::,2001::1,JP\n", "t", &mut b).unwrap(),
            1
        );
        assert_eq!(
            parse_tor_geoip_date("# Generated: Thu, 25 Jun 2026 04:33:59 GMT\n", "t").unwrap(),
            "2026-06-25"
        );
        assert!(parse_tor_geoip_date("1,2,JP\n", "t")
            .unwrap_err()
            .to_string()
            .starts_with("t: no "));
    }

    #[test]
    fn tor_unknown_country_holds_no_answer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("geoip6");
        std::fs::write(&path, "# comment\n2001::,2001:0:ffff:ffff:ffff:ffff:ffff:ffff,??\n2001:2::,2001:2:0:ffff:ffff:ffff:ffff:ffff,JP\n").unwrap();
        let mut b = RangeTableBuilder::new();
        assert_eq!(read_tor_geoip_v6(&path, &mut b).unwrap(), 2);
        let t = b.build();
        assert_eq!(
            t.get(u128::from("2001::1".parse::<Ipv6Addr>().unwrap())),
            None
        );
        assert_eq!(
            t.get(u128::from("2001:2::1".parse::<Ipv6Addr>().unwrap()))
                .map(|c| c.to_string()),
            Some("JP".into())
        );
    }
}
