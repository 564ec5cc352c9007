//! Checks shared by the geo and research-list targets: whatever a parser
//! returns must answer lookups, and its tables must be well formed.

use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hirundo_geo::{AsnTable, CountryTable, IpKey, RangeTable};

/// Entries checked per table: enough for any table a small input makes,
/// few enough that a large decompressed dataset stays fast.
const CHECKED_ENTRIES: usize = 4096;

/// Addresses every target looks up: edges of both families, the seeds'
/// ranges, the IPv4-mapped and 6to4 forms.
pub fn probe_addresses() -> Vec<IpAddr> {
    let v4 = [
        0u32,
        1,
        0x0100_0000, // 1.0.0.0
        0x0100_0100, // 1.0.1.0
        0x0100_10ff, // 1.0.16.255
        0x8d0d_7901, // 141.212.121.1
        0xc000_0280, // 192.0.2.128
        0xffff_fffe,
        u32::MAX,
    ];
    let v6 = [
        0u128,
        1,
        0xffff_0100_0000,        // ::ffff:1.0.0.0
        0x2001_0200 << 96,       // 2001:200::
        (0x2001_0db8 << 96) | 5, // 2001:db8::5
        0x2002_0100_0000 << 80,  // 2002:100:0::
        0x2602_080d_1009 << 80,  // 2602:80d:1009::
        u128::MAX - 1,
        u128::MAX,
    ];
    v4.iter()
        .map(|&a| IpAddr::V4(Ipv4Addr::from(a)))
        .chain(v6.iter().map(|&a| IpAddr::V6(Ipv6Addr::from(a))))
        .collect()
}

/// A table covers the whole address space with consecutive entries, and a
/// lookup at either end of an entry gives that entry's value.
pub fn check_range_table<A: IpKey, V: Copy + Eq + Debug>(table: &RangeTable<A, V>) {
    assert!(!table.is_empty());
    assert_eq!(table.values().len(), table.len());
    let mut next = Some(A::ZERO);
    let mut last = None;
    for entry in table.entries().take(CHECKED_ENTRIES) {
        assert_eq!(Some(entry.start), next, "entries are not consecutive");
        assert!(entry.start <= entry.end);
        assert_eq!(table.get(entry.start), entry.value);
        assert_eq!(table.get(entry.end), entry.value);
        assert_eq!(table.entry(entry.end), entry);
        next = entry.end.checked_next();
        last = Some(entry.end);
    }
    if table.len() <= CHECKED_ENTRIES {
        assert_eq!(last, Some(A::MAX), "the last entry does not end at the top");
    }
}

pub fn check_country_table(table: &CountryTable) {
    check_range_table(&table.v4);
    check_range_table(&table.v6);
    for addr in probe_addresses() {
        if let Some(cc) = table.get(addr) {
            let s = cc.as_str();
            assert!(
                s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()),
                "{s:?}"
            );
        }
    }
}

pub fn check_asn_table(table: &AsnTable) {
    check_range_table(&table.v4);
    check_range_table(&table.v6);
    for values in [table.v4.values(), table.v6.values()] {
        for index in values.iter().flatten().take(CHECKED_ENTRIES) {
            assert!(
                table.registry.get(*index).is_some(),
                "index {index:?} past the registry"
            );
        }
    }
    for addr in probe_addresses() {
        let _ = table.get(addr);
    }
    let _ = table.registry.records().take(CHECKED_ENTRIES).count();
}
