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
        4 | 6 => {}
        v => return Err(format!("metadata ip_version is {v}, not 4 or 6")),
    }
    check_tree(&reader, bytes)?;
    Ok(reader)
}

/// Refuses a search tree that is not a tree, before [`walk`] iterates it.
///
/// `Reader::networks` follows every path from the root. In a tree that is
/// one visit per node, but records may point at any node: a cycle ends in
/// an error at the address's last bit, while a chain of n nodes whose two
/// records both point at the next one has 2^n paths. A 400-byte file of
/// that shape kept `read_mmdb_countries` busy past any timeout, its tables
/// growing (found while writing the `mmdb` fuzz target, see
/// `fuzz/README.md`). A tree reaches each node
/// once; the one exception is the IPv4 subtree of an IPv6 database, which
/// `::ffff:0:0/96`, `2001::/32` and `2002::/16` alias and which the
/// iterator enters only from `::/96`. One pass over the nodes, reading them
/// as the reader does (`from_source` checked that they lie in the file).
fn check_tree(reader: &maxminddb::Reader<&[u8]>, bytes: &[u8]) -> Result<(), String> {
    let m = reader.metadata();
    let node_count = m.node_count as usize;
    let record_size = usize::from(m.record_size);
    let tree = bytes
        .get(..node_count.saturating_mul(record_size) / 4)
        .ok_or("the search tree extends beyond the file")?;
    let record = |node: usize, side: usize| -> usize {
        let b = &tree[node * record_size / 4..(node + 1) * record_size / 4];
        let be = |b: &[u8]| b.iter().fold(0usize, |v, &x| v << 8 | usize::from(x));
        match (record_size, side) {
            (28, 0) => usize::from(b[3] >> 4) << 24 | be(&b[..3]),
            (28, _) => usize::from(b[3] & 0x0f) << 24 | be(&b[4..]),
            (_, 0) => be(&b[..b.len() / 2]),
            (_, _) => be(&b[b.len() / 2..]),
        }
    };
    if node_count == 0 {
        return Ok(());
    }
    let bits: u32 = if m.ip_version == 6 { 128 } else { 32 };
    // The node `::/96` leads to, found as the reader finds it.
    let mut ipv4_start = 0;
    if bits == 128 {
        for _ in 0..96 {
            if ipv4_start >= node_count {
                break;
            }
            ipv4_start = record(ipv4_start, 0);
        }
    }
    let mut seen = vec![false; node_count];
    seen[0] = true;
    // (node, its network's first address, prefix length)
    let mut stack: Vec<(usize, u128, u32)> = vec![(0, 0, 0)];
    while let Some((node, addr, depth)) = stack.pop() {
        if depth >= bits {
            return Err(format!(
                "the search tree goes deeper than {bits} bits (node {node})"
            ));
        }
        for side in [1, 0] {
            let child = record(node, side);
            if child >= node_count {
                continue;
            }
            let child_addr = addr | (side as u128) << (bits - 1 - depth);
            // An alias of the IPv4 subtree: the iterator skips it.
            if bits == 128 && ipv4_start != 0 && child == ipv4_start && child_addr >> 32 != 0 {
                continue;
            }
            if std::mem::replace(&mut seen[child], true) {
                return Err(format!(
                    "the search tree reaches node {child} a second time (from node {node}): not a tree"
                ));
            }
            stack.push((child, child_addr, depth + 1));
        }
    }
    Ok(())
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

/// `YYYY-MM-DD` (UTC) of a Unix time.
pub(crate) fn civil_date(epoch: u64) -> String {
    hirundo_calendar::date((epoch / 86_400) as i64)
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

    /// A file with 24-bit records `tree` (left, right per node), one data
    /// record `{country_code: "JP"}` (pointer [`data`]), and metadata.
    fn mmdb(ip_version: u8, tree: &[[u32; 2]]) -> Vec<u8> {
        let n = tree.len() as u8;
        let mut out = Vec::new();
        for rec in tree.iter().flatten() {
            out.extend_from_slice(&rec.to_be_bytes()[1..]);
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(b"\xe1\x4ccountry_code\x42JP");
        out.extend_from_slice(b"\xab\xcd\xefMaxMind.com\xe9");
        out.extend_from_slice(b"\x4anode_count\xc1");
        out.push(n);
        out.extend_from_slice(b"\x4brecord_size\xa1\x18");
        out.extend_from_slice(b"\x4aip_version\xa1");
        out.push(ip_version);
        out.extend_from_slice(b"\x4ddatabase_type\x44test");
        out.extend_from_slice(b"\x5bbinary_format_major_version\xa1\x02");
        out.extend_from_slice(b"\x5bbinary_format_minor_version\xa0");
        out.extend_from_slice(b"\x4bbuild_epoch\x01\x02\x01");
        out.extend_from_slice(b"\x4bdescription\xe0\x49languages\x00\x04");
        out
    }

    /// The data record's pointer in a tree of `n` nodes.
    fn data(n: usize) -> u32 {
        n as u32 + 16
    }

    #[test]
    fn a_search_tree_that_is_not_a_tree_is_refused() {
        // Each node's two records point at the next node: 2^40 paths in
        // 41 nodes.
        let mut tree: Vec<[u32; 2]> = (1..=40).map(|i| [i, i]).collect();
        tree.push([data(41); 2]);
        let start = std::time::Instant::now();
        let err = read_mmdb_countries(&mmdb(6, &tree)).unwrap_err();
        assert!(err.contains("reaches node 1 a second time"), "{err}");
        let err = read_mmdb_asns(&mmdb(4, &tree[10..])).unwrap_err();
        assert!(err.contains("a second time"), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        // A cycle.
        let err = read_mmdb_countries(&mmdb(4, &[[1, data(2)], [0, 2]])).unwrap_err();
        assert!(err.contains("reaches node 0 a second time"), "{err}");
    }

    #[test]
    fn the_ipv4_subtree_may_be_aliased() {
        // 96 nodes down ::/96, then 1.0.0.0/8 in the IPv4 subtree; node 80
        // also points ::ffff:0:0/96 (its right record's path) at the
        // subtree, through 16 nodes of ones, as writers alias it.
        let n = 96 + 8 + 16;
        let mut tree: Vec<[u32; 2]> = (1..=96).map(|i| [i, n]).collect();
        // Nodes 96..103 hold 1.0.0.0/8: bits 00000001.
        for i in 0..8u32 {
            let next = if i == 7 { data(n as usize) } else { 97 + i };
            tree.push(if i == 7 { [n, next] } else { [next, n] });
        }
        tree[80][1] = 104;
        for i in 0..16u32 {
            let next = if i == 15 { 96 } else { 105 + i };
            tree.push([n, next]);
        }
        let (table, _) = read_mmdb_countries(&mmdb(6, &tree)).unwrap();
        assert_eq!(
            table.v4.get(0x0100_0001).map(|c| c.to_string()),
            Some("JP".into())
        );
        assert_eq!(table.v4.get(0x0200_0000), None);
        // The alias itself adds no IPv6 range.
        assert_eq!(table.v6.entries().filter(|e| e.value.is_some()).count(), 0);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read_mmdb_countries(b"").is_err());
        assert!(read_mmdb_countries(b"\xab\xcd\xefMaxMind.com").is_err());
        assert!(read_mmdb_asns(&[0u8; 4096]).is_err());
    }
}
