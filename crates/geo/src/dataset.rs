//! The dataset file (`.hgeo`): several sources' range tables in one
//! compact, compressed file with a readable header.
//!
//! ```text
//! magic        8 bytes  "HGEO\r\n\x1a\n"
//! version      u16 LE   1
//! header_len   u32 LE
//! header       header_len bytes, uncompressed:
//!                varint source count; per source: kind u8 (1 country,
//!                2 ASN), then strings key, name, date, licence, attribution
//!                (each a varint length and UTF-8 bytes)
//! body_len     u32 LE   size of the body once decompressed
//! body         the rest: one zstd frame (with its content checksum) holding,
//!              per source in header order,
//!                country: table v4, table v6
//!                ASN:     AS registry, table v4, table v6
//! ```
//!
//! A table of n entries is a varint n, then for the n - 1 gaps between
//! consecutive range starts (the first start is always 0) one byte of
//! trailing zero bits each, then each gap shifted right by them as a
//! varint, then n values: two ASCII bytes per country (`00 00` for no
//! value) or a varint AS record number plus one (0 for no value). Range
//! boundaries are mostly prefix-aligned, so a gap is a small number times a
//! power of two, and columns of like numbers compress well.
//!
//! The AS registry is a varint name count, each name's length as a varint,
//! the names' bytes back to back; then a varint record count, the records'
//! numbers as varint differences from the one before (records are sorted),
//! and each record's name index as a varint.
//!
//! [`Dataset::from_bytes`] reads untrusted bytes: it checks every count
//! against the bytes left, bounds the decompressed size, and returns a
//! [`FormatError`] for anything else, never panicking. It is the function
//! to fuzz.

use std::io::Read;
use std::net::IpAddr;

use crate::asn::{AsIndex, AsRegistry};
use crate::range_table::{IpKey, RangeTable};
use crate::wire::{put_str, put_varint, Cursor};
use crate::{Asn, CountryCode, FormatError};

/// What one source says about addresses: a country or an autonomous
/// system per range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Country,
    Asn,
}

/// Who a source is and what using it obliges: its name, the date of its
/// data, its licence, and the credit line to show wherever its data
/// appears.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// Short stable name to select it in configuration, e.g. `tor-geoip`.
    pub key: String,
    /// Full name, e.g. `ip-location-db geo-whois-asn-country`.
    pub name: String,
    /// Date of the data, e.g. `2026-06` or `2026-06-25`.
    pub date: String,
    /// e.g. `CC BY 4.0`.
    pub licence: String,
    /// The credit the licence requires, one or more lines.
    pub attribution: String,
}

impl SourceInfo {
    /// Name and date, the way answers are labelled: `ip-location-db asn
    /// 2026-06`.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.date)
    }
}

/// Country per range, for IPv4 and IPv6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryTable {
    pub v4: RangeTable<u32, CountryCode>,
    pub v6: RangeTable<u128, CountryCode>,
}

impl CountryTable {
    #[inline]
    pub fn get(&self, addr: IpAddr) -> Option<CountryCode> {
        match addr {
            IpAddr::V4(a) => self.v4.get(a.into()),
            IpAddr::V6(a) => self.v6.get(a.into()),
        }
    }
}

/// Autonomous system per range, for IPv4 and IPv6, with the numbers and
/// names the ranges refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsnTable {
    pub v4: RangeTable<u32, AsIndex>,
    pub v6: RangeTable<u128, AsIndex>,
    pub registry: AsRegistry,
}

impl AsnTable {
    #[inline]
    pub fn get(&self, addr: IpAddr) -> Option<(Asn, &str)> {
        let index = match addr {
            IpAddr::V4(a) => self.v4.get(a.into()),
            IpAddr::V6(a) => self.v6.get(a.into()),
        }?;
        self.registry.get(index)
    }
}

/// One source's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceTables {
    Country(CountryTable),
    Asn(AsnTable),
}

/// One source in a dataset: who it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSource {
    pub info: SourceInfo,
    pub tables: SourceTables,
}

/// A decoded dataset file: its sources in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub sources: Vec<DatasetSource>,
}

impl Dataset {
    pub const MAGIC: [u8; 8] = *b"HGEO\r\n\x1a\n";
    pub const VERSION: u16 = 1;
    /// Largest decompressed body accepted: several times the shipped one,
    /// far below what would hurt a small machine.
    pub const MAX_BODY_LEN: u64 = 256 << 20;
    /// zstd level for [`Dataset::to_bytes`]. Fixed, so that the same
    /// input always gives the same file (with the same zstd library).
    /// Level 19 saves a tenth of the size (3.1 MB instead of 3.4 MB) but
    /// compresses ten times slower, which the rebuild test in a debug
    /// build feels.
    pub const ZSTD_LEVEL: i32 = 9;

    /// The file's bytes. Deterministic: the same dataset always gives the
    /// same bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, std::io::Error> {
        let mut header = Vec::new();
        put_varint(&mut header, self.sources.len() as u128);
        for s in &self.sources {
            header.push(match s.info.kind {
                SourceKind::Country => 1,
                SourceKind::Asn => 2,
            });
            for field in [
                &s.info.key,
                &s.info.name,
                &s.info.date,
                &s.info.licence,
                &s.info.attribution,
            ] {
                put_str(&mut header, field);
            }
        }
        let mut body = Vec::new();
        for s in &self.sources {
            match &s.tables {
                SourceTables::Country(t) => {
                    put_table(&mut body, &t.v4, put_country);
                    put_table(&mut body, &t.v6, put_country);
                }
                SourceTables::Asn(t) => {
                    put_registry(&mut body, &t.registry);
                    put_table(&mut body, &t.v4, put_as_index);
                    put_table(&mut body, &t.v6, put_as_index);
                }
            }
        }
        // With the frame's checksum on, a damaged body is refused as such
        // instead of decoding into other, plausible tables.
        let mut compressor = zstd::bulk::Compressor::new(Dataset::ZSTD_LEVEL)?;
        compressor.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
        let compressed = compressor.compress(&body)?;
        let too_big = |what| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
        let header_len = u32::try_from(header.len()).map_err(|_| too_big("header over 4 GiB"))?;
        let body_len = u32::try_from(body.len())
            .ok()
            .filter(|&n| u64::from(n) <= Dataset::MAX_BODY_LEN)
            .ok_or_else(|| too_big("body over the format's limit"))?;
        let mut out = Vec::with_capacity(18 + header.len() + compressed.len());
        out.extend_from_slice(&Dataset::MAGIC);
        out.extend_from_slice(&Dataset::VERSION.to_le_bytes());
        out.extend_from_slice(&header_len.to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&body_len.to_le_bytes());
        out.extend_from_slice(&compressed);
        Ok(out)
    }

    /// The sources named in a file's header, without decompressing the
    /// tables.
    pub fn read_header(bytes: &[u8]) -> Result<Vec<SourceInfo>, FormatError> {
        Ok(split(bytes)?.0)
    }

    /// Decodes a dataset file. Safe on any input: every failure is a
    /// [`FormatError`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Dataset, FormatError> {
        let (infos, body_len, compressed) = split(bytes)?;
        let body = decompress(compressed, body_len)?;
        let mut c = Cursor::new(&body, "body");
        let mut sources = Vec::with_capacity(infos.len());
        for info in infos {
            let tables = match info.kind {
                SourceKind::Country => SourceTables::Country(CountryTable {
                    v4: read_table(&mut c, read_country)?,
                    v6: read_table(&mut c, read_country)?,
                }),
                SourceKind::Asn => {
                    let registry = read_registry(&mut c)?;
                    let records = registry.len();
                    let index = |c: &mut Cursor<'_>| read_as_index(c, records);
                    SourceTables::Asn(AsnTable {
                        v4: read_table(&mut c, index)?,
                        v6: read_table(&mut c, index)?,
                        registry,
                    })
                }
            };
            sources.push(DatasetSource { info, tables });
        }
        c.finish()?;
        Ok(Dataset { sources })
    }
}

/// Header, declared body length, compressed body.
fn split(bytes: &[u8]) -> Result<(Vec<SourceInfo>, u32, &[u8]), FormatError> {
    let mut c = Cursor::new(bytes, "file");
    if c.bytes(8, "magic").map_err(|_| FormatError::BadMagic)? != Dataset::MAGIC {
        return Err(FormatError::BadMagic);
    }
    let version = c.u16_le("format version")?;
    if version != Dataset::VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: Dataset::VERSION,
        });
    }
    let header_len = c.u32_le("header length")? as usize;
    let header = c.bytes(header_len, "header")?;
    let mut h = Cursor::new(header, "header");
    // Each source takes at least six bytes.
    let n = h.count(h.remaining() / 6, "source count")?;
    let mut infos = Vec::with_capacity(n);
    for _ in 0..n {
        let at = h.offset();
        let kind = match h.u8("source kind")? {
            1 => SourceKind::Country,
            2 => SourceKind::Asn,
            _ => return Err(h.invalid("source kind", at)),
        };
        infos.push(SourceInfo {
            kind,
            key: h.str("source key")?.to_owned(),
            name: h.str("source name")?.to_owned(),
            date: h.str("source date")?.to_owned(),
            licence: h.str("source licence")?.to_owned(),
            attribution: h.str("source attribution")?.to_owned(),
        });
    }
    h.finish()?;
    let body_len = c.u32_le("body length")?;
    if u64::from(body_len) > Dataset::MAX_BODY_LEN {
        return Err(FormatError::BodyTooLarge {
            len: body_len.into(),
            max: Dataset::MAX_BODY_LEN,
        });
    }
    let rest = c.remaining();
    Ok((infos, body_len, c.bytes(rest, "body")?))
}

/// Decompresses exactly `len` bytes, growing the buffer only as output
/// arrives, so a lying length costs nothing.
fn decompress(compressed: &[u8], len: u32) -> Result<Vec<u8>, FormatError> {
    let len = len as usize;
    let decoder = zstd::stream::read::Decoder::with_buffer(compressed)
        .map_err(|e| FormatError::Decompress(e.to_string()))?;
    let mut body = Vec::with_capacity(len.min(compressed.len().saturating_mul(8)));
    decoder
        .take(len as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| FormatError::Decompress(e.to_string()))?;
    if body.len() != len {
        return Err(FormatError::Decompress(format!(
            "{} bytes decompressed, {len} declared",
            body.len()
        )));
    }
    Ok(body)
}

fn put_table<A: IpKey, V: Copy + Eq>(
    out: &mut Vec<u8>,
    table: &RangeTable<A, V>,
    put_value: fn(&mut Vec<u8>, Option<V>),
) {
    let starts: Vec<A> = table.starts().collect();
    put_varint(out, starts.len() as u128);
    let gaps: Vec<u128> = starts
        .windows(2)
        .map(|w| w[1].to_u128() - w[0].to_u128())
        .collect();
    // Gaps are never zero: starts increase strictly.
    out.extend(gaps.iter().map(|g| g.trailing_zeros() as u8));
    for g in &gaps {
        put_varint(out, g >> g.trailing_zeros());
    }
    for &v in table.values() {
        put_value(out, v);
    }
}

fn read_table<A: IpKey, V: Copy + Eq>(
    c: &mut Cursor<'_>,
    mut read_value: impl FnMut(&mut Cursor<'_>) -> Result<Option<V>, FormatError>,
) -> Result<RangeTable<A, V>, FormatError> {
    // Each entry after the first takes at least two bytes (shift and gap).
    let n = c.count(c.remaining() / 2 + 1, "table length")?;
    if n == 0 {
        return Err(c.invalid("table length", c.offset()));
    }
    let shifts = c.bytes(n - 1, "range gap shifts")?;
    let mut starts = Vec::with_capacity(n);
    starts.push(A::ZERO);
    let mut at = 0u128;
    for &shift in shifts {
        let offset = c.offset();
        let mantissa = c.varint("range gap")?;
        let gap = (u32::from(shift) < A::BITS && mantissa != 0)
            .then(|| mantissa.checked_shl(shift.into()))
            .flatten()
            .filter(|g| g >> shift == mantissa);
        at = gap
            .and_then(|g| at.checked_add(g))
            .filter(|&s| A::from_u128(s).is_some())
            .ok_or_else(|| c.invalid("range gap", offset))?;
        starts.push(A::from_u128(at).ok_or_else(|| c.invalid("range gap", offset))?);
    }
    let mut values = Vec::with_capacity(n);
    for _ in 0..n {
        values.push(read_value(c)?);
    }
    let offset = c.offset();
    RangeTable::from_entries(starts, values).map_err(|_| c.invalid("range table", offset))
}

fn put_country(out: &mut Vec<u8>, v: Option<CountryCode>) {
    out.extend_from_slice(&v.map_or([0, 0], CountryCode::to_bytes));
}

fn read_country(c: &mut Cursor<'_>) -> Result<Option<CountryCode>, FormatError> {
    let at = c.offset();
    match c.bytes(2, "country code")? {
        [0, 0] => Ok(None),
        &[a, b] => CountryCode::from_bytes([a, b])
            .map(Some)
            .ok_or_else(|| c.invalid("country code", at)),
        _ => Err(c.invalid("country code", at)),
    }
}

fn put_as_index(out: &mut Vec<u8>, v: Option<AsIndex>) {
    put_varint(out, v.map_or(0, |i| i.position() as u128 + 1));
}

fn read_as_index(c: &mut Cursor<'_>, records: usize) -> Result<Option<AsIndex>, FormatError> {
    let at = c.offset();
    match c.count(records, "AS record number")? {
        0 => Ok(None),
        n => AsIndex::from_position(n - 1)
            .map(Some)
            .ok_or_else(|| c.invalid("AS record number", at)),
    }
}

fn put_registry(out: &mut Vec<u8>, registry: &AsRegistry) {
    put_varint(out, registry.name_count() as u128);
    for name in registry.names() {
        put_varint(out, name.len() as u128);
    }
    for name in registry.names() {
        out.extend_from_slice(name.as_bytes());
    }
    let records = registry.raw_records();
    put_varint(out, records.len() as u128);
    let mut previous = 0u32;
    for &(asn, _) in records {
        // Records are sorted by number; a registry built otherwise still
        // round-trips, as a wrapped difference.
        put_varint(out, u128::from(asn.0.wrapping_sub(previous)));
        previous = asn.0;
    }
    for &(_, name) in records {
        put_varint(out, name.into());
    }
}

fn read_registry(c: &mut Cursor<'_>) -> Result<AsRegistry, FormatError> {
    let n_names = c.count(c.remaining(), "AS name count")?;
    let mut lengths = Vec::with_capacity(n_names);
    for _ in 0..n_names {
        lengths.push(c.count(c.remaining(), "AS name length")?);
    }
    let mut names = Vec::with_capacity(n_names);
    for len in lengths {
        names.push(c.str_of_len(len, "AS name")?);
    }
    let n_records = c.count(c.remaining() / 2, "AS record count")?;
    let mut numbers = Vec::with_capacity(n_records);
    let mut previous = 0u32;
    for _ in 0..n_records {
        let at = c.offset();
        let gap = u32::try_from(c.varint("AS number")?).map_err(|_| c.invalid("AS number", at))?;
        previous = previous.wrapping_add(gap);
        numbers.push(Asn(previous));
    }
    let mut records = Vec::with_capacity(n_records);
    for asn in numbers {
        let name = c.count(u32::MAX as usize, "AS name index")? as u32;
        records.push((asn, name));
    }
    let at = c.offset();
    AsRegistry::from_parts(names, records).ok_or_else(|| c.invalid("AS registry", at))
}
