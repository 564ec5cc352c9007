//! RIR delegated-stats files (`delegated-apnic-extended-latest`,
//! `delegated-ripencc-latest`, the NRO's combined file): country per
//! allocation.
//!
//! ```text
//! 2|apnic|20260625|70123|19830613|20260624|+1000     version line
//! apnic|*|ipv4|*|53216|summary                       summary lines
//! apnic|JP|ipv4|1.0.16.0|4096|20110412|allocated     records:
//! apnic|AU|ipv6|2001:db8::|32|20040101|allocated     registry|cc|type|start|value|date|status[|...]
//! ```
//!
//! For `ipv4` the value is a number of addresses (not always a power of
//! two); for `ipv6` it is a prefix length. Only `allocated` and `assigned`
//! records carry a country; `available` and `reserved` space is left
//! without one, and `asn` records are skipped.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::dataset::CountryTable;
use crate::lines::Input;
use crate::range_table::RangeTableBuilder;
use crate::{CountryCode, ParseError};

/// Reads a delegated-stats file. Returns its table and the file's date
/// (`YYYY-MM-DD`, from the version line's serial) if it has one.
pub fn read_rir_delegated(path: &Path) -> Result<(CountryTable, Option<String>), ParseError> {
    delegated(Input::File(path))
}

/// [`read_rir_delegated`] on text already in memory (not compressed);
/// errors name the text `name`.
pub fn parse_rir_delegated(
    text: &str,
    name: &str,
) -> Result<(CountryTable, Option<String>), ParseError> {
    delegated(Input::Text {
        text,
        name: Path::new(name),
    })
}

fn delegated(input: Input<'_>) -> Result<(CountryTable, Option<String>), ParseError> {
    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    let mut date = None;
    let mut seen_version = false;
    let mut records = 0usize;
    input.for_each_line(|_, line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let f: Vec<&str> = line.split('|').collect();
        if !seen_version {
            seen_version = true;
            if f.first().is_some_and(|v| {
                !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            }) {
                date = f.get(2).and_then(|s| yyyymmdd(s));
                return Ok(());
            }
        }
        if f.len() < 7 {
            // Summary lines have six fields and a `*` registry code.
            if f.len() == 6 && f[1] == "*" && f[5] == "summary" {
                return Ok(());
            }
            return Err(format!(
                "{} fields, expected registry|cc|type|start|value|date|status",
                f.len()
            ));
        }
        let (cc, kind, start, value, status) = (f[1], f[2], f[3], f[4], f[6]);
        if kind == "asn" || !matches!(status, "allocated" | "assigned") {
            return Ok(());
        }
        let country: CountryCode = cc
            .parse()
            .map_err(|e: crate::CountryCodeError| e.to_string())?;
        match kind {
            "ipv4" => {
                let start = u32::from(
                    start
                        .parse::<Ipv4Addr>()
                        .map_err(|_| format!("{start:?} is not an IPv4 address"))?,
                );
                let count: u32 = value
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{value:?} is not a number of IPv4 addresses"))?;
                let end = start.checked_add(count - 1).ok_or_else(|| {
                    format!("{count} addresses from {start} run past 255.255.255.255")
                })?;
                v4.push(start, end, country);
            }
            "ipv6" => {
                let start = u128::from(
                    start
                        .parse::<Ipv6Addr>()
                        .map_err(|_| format!("{start:?} is not an IPv6 address"))?,
                );
                let prefix: u32 = value
                    .parse()
                    .ok()
                    .filter(|&p| p <= 128)
                    .ok_or_else(|| format!("{value:?} is not an IPv6 prefix length"))?;
                let host = if prefix == 0 {
                    u128::MAX
                } else {
                    u128::MAX >> prefix
                };
                if start & host != 0 {
                    return Err(format!(
                        "{} is not the start of a /{prefix}",
                        Ipv6Addr::from(start)
                    ));
                }
                v6.push(start, start | host, country);
            }
            other => return Err(format!("unknown record type {other:?}")),
        }
        records += 1;
        Ok(())
    })?;
    if records == 0 {
        return Err(ParseError::Empty {
            path: input.path().to_owned(),
            expected: "allocated or assigned ipv4/ipv6",
        });
    }
    Ok((
        CountryTable {
            v4: v4.build(),
            v6: v6.build(),
        },
        date,
    ))
}

fn yyyymmdd(s: &str) -> Option<String> {
    (s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]))
}
