//! Property tests: the range-table builder against a linear scan, and the
//! dataset format's round trip and refusal of damaged bytes.

use std::cmp::Reverse;

use hirundo_geo::{
    AsRegistryBuilder, Asn, AsnTable, CountryCode, CountryTable, Dataset, DatasetSource, IpKey,
    RangeTableBuilder, SourceInfo, SourceKind, SourceTables,
};
use proptest::prelude::*;

/// Most specific row containing `a` by scanning them all: smallest size,
/// then latest.
fn scan<A: IpKey>(rows: &[(A, A, u8)], a: A) -> Option<u8> {
    rows.iter()
        .enumerate()
        .filter(|(_, &(s, e, _))| s <= a && a <= e)
        .min_by_key(|&(i, &(s, e, _))| (e.to_u128() - s.to_u128(), Reverse(i)))
        .map(|(_, &(_, _, v))| v)
}

/// Rows in a small window so they nest and overlap often, some at the top
/// of the address space (IPv6: others across a /64 boundary, where the
/// table compares low parts).
fn rows_u32() -> impl Strategy<Value = Vec<(u32, u32, u8)>> {
    prop::collection::vec((0u32..200, 0u32..60, 0u8..5, any::<bool>()), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(s, len, val, top)| {
                let s = if top { u32::MAX - s } else { s };
                (s, s.saturating_add(len), val)
            })
            .collect()
    })
}

fn rows_u128() -> impl Strategy<Value = Vec<(u128, u128, u8)>> {
    prop::collection::vec((0u128..200, 0u128..60, 0u8..5, any::<bool>()), 0..40).prop_map(|v| {
        v.into_iter()
            .map(|(s, len, val, top)| {
                let s = if top {
                    u128::MAX - s
                } else {
                    (5 << 64) - 100 + s
                };
                (s, s.saturating_add(len), val)
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn flattened_ipv4_table_answers_as_a_linear_scan(rows in rows_u32()) {
        let mut b = RangeTableBuilder::new();
        for &(s, e, v) in &rows {
            b.push(s, e, v);
        }
        let t = b.build();
        let mut addrs: Vec<u32> = (0..270).chain(u32::MAX - 270..=u32::MAX).collect();
        for &(s, e, _) in &rows {
            addrs.extend([s.wrapping_sub(1), s, e, e.wrapping_add(1)]);
        }
        for a in addrs {
            prop_assert_eq!(t.get(a), scan(&rows, a), "address {}", a);
            let entry = t.entry(a);
            prop_assert!(entry.start <= a && a <= entry.end);
            prop_assert_eq!(entry.value, t.get(a));
        }
        // Neighbouring entries never hold the same value.
        let values = t.values();
        prop_assert!(values.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn flattened_ipv6_table_answers_as_a_linear_scan(rows in rows_u128()) {
        let mut b = RangeTableBuilder::new();
        for &(s, e, v) in &rows {
            b.push(s, e, v);
        }
        let t = b.build();
        let mut addrs: Vec<u128> = (0..270).chain(u128::MAX - 270..=u128::MAX).collect();
        for &(s, e, _) in &rows {
            addrs.extend([s.wrapping_sub(1), s, e, e.wrapping_add(1)]);
        }
        for a in addrs {
            prop_assert_eq!(t.get(a), scan(&rows, a), "address {}", a);
        }
    }

    #[test]
    fn dataset_round_trips(
        country4 in rows_u32(), country6 in rows_u128(), asn4 in rows_u32(), asn6 in rows_u128(),
        names in prop::collection::vec("[a-zA-Z ,\"é]{0,12}", 1..6),
    ) {
        let dataset = dataset(&country4, &country6, &asn4, &asn6, &names);
        let bytes = dataset.to_bytes().unwrap();
        prop_assert_eq!(Dataset::from_bytes(&bytes).unwrap(), dataset.clone());
        prop_assert_eq!(dataset.to_bytes().unwrap(), bytes, "deterministic");
    }

    #[test]
    fn truncated_dataset_is_an_error(cut in any::<prop::sample::Index>()) {
        let bytes = small_dataset_bytes();
        let cut = cut.index(bytes.len());
        prop_assert!(Dataset::from_bytes(&bytes[..cut]).is_err());
    }

    #[test]
    fn damaged_dataset_never_panics(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
    ) {
        let mut bytes = small_dataset_bytes();
        for (at, xor) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
        }
        // Any outcome but a panic: a flipped string byte may still decode.
        let _ = Dataset::from_bytes(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_prefix_never_panic(tail in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = small_dataset_bytes()[..14].to_vec();
        bytes.extend(tail);
        let _ = Dataset::from_bytes(&bytes);
    }
}

/// A body made of this crate's encoding but with values no builder
/// produces: a damaged body that still decompresses must be refused.
#[test]
fn damaged_body_is_refused_not_trusted() {
    let bytes = small_dataset_bytes();
    // Re-compress a body whose bytes were altered, keeping the header.
    let header_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let body_at = 14 + header_len + 4;
    let body = zstd::bulk::decompress(&bytes[body_at..], 1 << 20).unwrap();
    let mut refused = 0;
    for i in 0..body.len() {
        for xor in [0x01u8, 0x80, 0xff] {
            let mut b = body.clone();
            b[i] ^= xor;
            let mut file = bytes[..body_at - 4].to_vec();
            file.extend_from_slice(&(b.len() as u32).to_le_bytes());
            file.extend(zstd::bulk::compress(&b, 1).unwrap());
            refused += usize::from(Dataset::from_bytes(&file).is_err());
        }
    }
    // Most single-byte changes break an invariant (order, counts, codes,
    // indices); the rest change a value into another valid one.
    assert!(
        refused * 2 > body.len() * 3,
        "{refused} of {} refused",
        body.len() * 3
    );
}

#[test]
fn wrong_magic_and_version_are_named() {
    let bytes = small_dataset_bytes();
    assert_eq!(
        Dataset::from_bytes(b"GIF89a"),
        Err(hirundo_geo::FormatError::BadMagic)
    );
    let mut v2 = bytes.clone();
    v2[8] = 2;
    assert_eq!(
        Dataset::from_bytes(&v2).unwrap_err().to_string(),
        "dataset format version 2; this build reads version 1"
    );
    let mut long = bytes.clone();
    long.push(0);
    assert!(Dataset::from_bytes(&long).is_err());
}

fn small_dataset_bytes() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(small_dataset).clone()
}

fn small_dataset() -> Vec<u8> {
    dataset(
        &[(10, 20, 1), (12, 13, 2), (u32::MAX - 3, u32::MAX, 3)],
        &[(1 << 100, (1 << 100) + 99, 4), (u128::MAX, u128::MAX, 0)],
        &[(5, 50, 0), (30, 31, 1)],
        &[(7 << 120, (7 << 120) + 5, 1)],
        &["Example AS".to_owned(), "Other, \"Quoted\"".to_owned()],
    )
    .to_bytes()
    .unwrap()
}

fn dataset(
    country4: &[(u32, u32, u8)],
    country6: &[(u128, u128, u8)],
    asn4: &[(u32, u32, u8)],
    asn6: &[(u128, u128, u8)],
    names: &[String],
) -> Dataset {
    const CODES: [&str; 5] = ["BR", "JP", "DE", "US", "ZZ"];
    let cc = |v: u8| {
        CODES[v as usize % CODES.len()]
            .parse::<CountryCode>()
            .unwrap()
    };
    let mut c4 = RangeTableBuilder::new();
    for &(s, e, v) in country4 {
        c4.push(s, e, cc(v));
    }
    let mut c6 = RangeTableBuilder::new();
    for &(s, e, v) in country6 {
        c6.push(s, e, cc(v));
    }
    let mut registry = AsRegistryBuilder::new();
    let mut index = |v: u8| {
        registry
            .intern(
                Asn(64_500 + u32::from(v) * 7),
                &names[v as usize % names.len()],
            )
            .unwrap()
    };
    let mut a4 = RangeTableBuilder::new();
    for &(s, e, v) in asn4 {
        a4.push(s, e, index(v));
    }
    let mut a6 = RangeTableBuilder::new();
    for &(s, e, v) in asn6 {
        a6.push(s, e, index(v));
    }
    let (registry, remap) = registry.finish();
    let info = |kind, key: &str| SourceInfo {
        kind,
        key: key.into(),
        name: format!("test {key}"),
        date: "2026-06".into(),
        licence: "CC0".into(),
        attribution: "line one\nline two".into(),
    };
    Dataset {
        sources: vec![
            DatasetSource {
                info: info(SourceKind::Country, "c"),
                tables: SourceTables::Country(CountryTable {
                    v4: c4.build(),
                    v6: c6.build(),
                }),
            },
            DatasetSource {
                info: info(SourceKind::Asn, "a"),
                tables: SourceTables::Asn(AsnTable {
                    v4: a4.build().map(|i| remap[i.position()]),
                    v6: a6.build().map(|i| remap[i.position()]),
                    registry,
                }),
            },
        ],
    }
}
