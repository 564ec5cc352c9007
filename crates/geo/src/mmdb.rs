//! MaxMind DB (`.mmdb`) country and ASN files (GeoLite2, DB-IP lite,
//! ip-location-db), read whole into range tables.
//!
//! The file's search tree is walked once with the `maxminddb` reader and
//! every network that holds data becomes a range; records are decoded once
//! per distinct record, not per network. Country comes from
//! `country.iso_code` (GeoIP2 layout), else `registered_country.iso_code`,
//! else a top-level `country_code` (ip-location-db's layout). ASN comes
//! from `autonomous_system_number` and `autonomous_system_organization`.
//! Lookups then cost what any other source's do.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;

use crate::asn::{AsIndex, AsRegistryBuilder};
use crate::dataset::{AsnTable, CountryTable};
use crate::range_table::{IpKey, RangeTableBuilder};
use crate::{Asn, CountryCode};

/// What an `.mmdb` file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmdbInfo {
    /// `database_type` from the metadata, e.g. `GeoLite2-Country`.
    pub database_type: String,
    /// The build date from the metadata, `YYYY-MM-DD`.
    pub build_date: String,
    /// The English description, if any; vendors put their terms here.
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct CountryRecord<'a> {
    #[serde(borrow, default)]
    country: Option<IsoCode<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<IsoCode<'a>>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct AsnRecord<'a> {
    #[serde(default)]
    autonomous_system_number: Option<u32>,
    #[serde(borrow, default)]
    autonomous_system_organization: Option<&'a str>,
}

/// Reads the country of every network in an `.mmdb` file. Errors are
/// sentences about the file's content; the caller adds its name.
pub fn read_mmdb_countries(bytes: &[u8]) -> Result<(CountryTable, MmdbInfo), String> {
    let reader = open(bytes)?;
    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    let mut cache: HashMap<usize, Option<CountryCode>> = HashMap::new();
    walk(&reader, |result, span| {
        let Some(offset) = result.offset() else {
            return Ok(());
        };
        let country = match cache.get(&offset) {
            Some(&c) => c,
            None => {
                let record: Option<CountryRecord<'_>> =
                    result.decode().map_err(|e| e.to_string())?;
                let code = record.and_then(|r| {
                    r.country
                        .and_then(|c| c.iso_code)
                        .or(r.registered_country.and_then(|c| c.iso_code))
                        .or(r.country_code)
                });
                let country = match code {
                    Some(code) => Some(code.parse::<CountryCode>().map_err(|e| e.to_string())?),
                    None => None,
                };
                cache.insert(offset, country);
                country
            }
        };
        if let Some(country) = country {
            push(&mut v4, &mut v6, span, country);
        }
        Ok(())
    })?;
    let info = info(&reader);
    if v4.is_empty() && v6.is_empty() {
        return Err(format!(
            "no network in it has a country (database type {:?}); is it an ASN database?",
            info.database_type
        ));
    }
    Ok((
        CountryTable {
            v4: v4.build(),
            v6: v6.build(),
        },
        info,
    ))
}

/// Reads the autonomous system of every network in an `.mmdb` file.
pub fn read_mmdb_asns(bytes: &[u8]) -> Result<(AsnTable, MmdbInfo), String> {
    let reader = open(bytes)?;
    let mut v4 = RangeTableBuilder::new();
    let mut v6 = RangeTableBuilder::new();
    let mut registry = AsRegistryBuilder::new();
    let mut cache: HashMap<usize, Option<AsIndex>> = HashMap::new();
    walk(&reader, |result, span| {
        let Some(offset) = result.offset() else {
            return Ok(());
        };
        let index = match cache.get(&offset) {
            Some(&i) => i,
            None => {
                let record: Option<AsnRecord<'_>> = result.decode().map_err(|e| e.to_string())?;
                let index = match record {
                    Some(AsnRecord {
                        autonomous_system_number: Some(asn),
                        autonomous_system_organization: name,
                    }) => Some(
                        registry
                            .intern(Asn(asn), name.unwrap_or(""))
                            .ok_or("more than 2^32 distinct AS records")?,
                    ),
                    _ => None,
                };
                cache.insert(offset, index);
                index
            }
        };
        if let Some(index) = index {
            push(&mut v4, &mut v6, span, index);
        }
        Ok(())
    })?;
    let info = info(&reader);
    if v4.is_empty() && v6.is_empty() {
        return Err(format!(
            "no network in it has an AS number (database type {:?}); is it a country database?",
            info.database_type
        ));
    }
    let (registry, remap) = registry.finish();
    Ok((
        AsnTable {
            v4: v4.build().map(|i| remap[i.position()]),
            v6: v6.build().map(|i| remap[i.position()]),
            registry,
        },
        info,
    ))
}

/// A range of addresses from a network: IPv4 as `u32`, IPv6 as `u128`.
#[derive(Debug, Clone, Copy)]
enum Span {
    V4(u32, u32),
    V6(u128, u128),
}

fn open(bytes: &[u8]) -> Result<maxminddb::Reader<&[u8]>, String> {
    let reader = maxminddb::Reader::from_source(bytes)
        .map_err(|e| format!("not a valid MaxMind DB file: {e}"))?;
    match reader.metadata().ip_version {
        4 | 6 => Ok(reader),
        v => Err(format!("metadata ip_version is {v}, not 4 or 6")),
    }
}

/// Calls `f` with each network that holds data and its address range.
fn walk<'a>(
    reader: &'a maxminddb::Reader<&'a [u8]>,
    mut f: impl FnMut(&maxminddb::LookupResult<'a, &'a [u8]>, Span) -> Result<(), String>,
) -> Result<(), String> {
    let networks = reader
        .networks(maxminddb::WithinOptions::default())
        .map_err(|e| e.to_string())?;
    for result in networks {
        let result = result.map_err(|e| e.to_string())?;
        let network = result.network().map_err(|e| e.to_string())?;
        let span = match (network.network(), network.prefix()) {
            (IpAddr::V4(a), p) if p <= 32 => {
                Span::V4(u32::from(a), u32::from(a) | host_mask::<u32>(p))
            }
            (IpAddr::V6(a), p) if p <= 128 => {
                Span::V6(u128::from(a), u128::from(a) | host_mask::<u128>(p))
            }
            (addr, p) => {
                return Err(format!(
                    "network {addr}/{p} in the search tree is not valid"
                ))
            }
        };
        f(&result, span)?;
    }
    Ok(())
}

fn host_mask<A: IpKey>(prefix: u8) -> A {
    let bits = A::BITS - u32::from(prefix);
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX >> (128 - bits)
    };
    A::from_u128(mask).unwrap_or(A::MAX)
}

fn push<V: Copy + Eq>(
    v4: &mut RangeTableBuilder<u32, V>,
    v6: &mut RangeTableBuilder<u128, V>,
    span: Span,
    value: V,
) {
    match span {
        Span::V4(s, e) => {
            v4.push(s, e, value);
        }
        Span::V6(s, e) => {
            // A network above the IPv4 subtree (::/96) that covers it holds
            // every IPv4 address too.
            if s == 0 && e >= u128::from(u32::MAX) {
                v4.push(0, u32::MAX, value);
            }
            v6.push(s, e, value);
        }
    }
}

fn info(reader: &maxminddb::Reader<&[u8]>) -> MmdbInfo {
    let m = reader.metadata();
    MmdbInfo {
        database_type: m.database_type.clone(),
        build_date: civil_date(m.build_epoch),
        description: m.description.get("en").cloned(),
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time, by Howard Hinnant's days-to-civil.
pub(crate) fn civil_date(epoch: u64) -> String {
    let z = (epoch / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        // The shared test file's build_epoch.
        assert_eq!(civil_date(0x6a32_facc), "2026-06-17");
    }

    #[test]
    fn host_masks() {
        assert_eq!(host_mask::<u32>(32), 0);
        assert_eq!(host_mask::<u32>(24), 0xff);
        assert_eq!(host_mask::<u32>(0), u32::MAX);
        assert_eq!(host_mask::<u128>(0), u128::MAX);
        assert_eq!(host_mask::<u128>(127), 1);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read_mmdb_countries(b"").is_err());
        assert!(read_mmdb_countries(b"\xab\xcd\xefMaxMind.com").is_err());
        assert!(read_mmdb_asns(&[0u8; 4096]).is_err());
    }
}
