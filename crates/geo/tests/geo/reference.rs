//! The shipped dataset against a plain reference lookup over the raw
//! upstream rows: for each address, the smallest row containing it (of two
//! equally small, the later one in the file) wins.
//!
//! The reference shares no code with the crate. Scanning every row for
//! every address would take hours in a debug build, so it sorts the
//! addresses and sweeps the rows once, keeping the rows that contain the
//! current address in a short list: the same answer as a linear scan,
//! reached in one pass.

use std::cmp::Reverse;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use hirundo_geo::{Geo, SourceId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::shared_ipdb;

/// One upstream row: inclusive range, value, as read from the file.
pub type Row<V> = (u128, u128, V);

fn lines(path: &Path) -> impl Iterator<Item = String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(flate2::read::GzDecoder::new(file))
        .lines()
        .map(|l| l.expect("readable line"))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
}

pub fn country_rows(path: &Path, v6_as_text: bool) -> Vec<Row<String>> {
    let num = |s: &str| -> u128 {
        if v6_as_text {
            u128::from(s.parse::<Ipv6Addr>().expect("address"))
        } else {
            s.parse().expect("integer")
        }
    };
    lines(path)
        .filter_map(|l| {
            let mut f = l.split(',');
            let (s, e, cc) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
            // Tor's "??" is "not known": no answer, as if the row were absent.
            (cc != "??").then(|| (num(s), num(e), cc.to_owned()))
        })
        .collect()
}

fn asn_rows(path: &Path) -> Vec<Row<(u32, String)>> {
    lines(path)
        .map(|l| {
            let mut f = l.splitn(4, ',');
            let (s, e, asn, name) = (
                f.next().unwrap(),
                f.next().unwrap(),
                f.next().unwrap(),
                f.next().unwrap(),
            );
            let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => name.to_owned(),
            };
            (
                s.parse().unwrap(),
                e.parse().unwrap(),
                (asn.parse().unwrap(), name),
            )
        })
        .collect()
}

/// For each query, the value of the smallest row containing it; of equal
/// sizes, the row later in the file.
fn most_specific<V: Clone>(rows: &[Row<V>], queries: &[u128]) -> Vec<Option<V>> {
    let mut by_start: Vec<usize> = (0..rows.len()).collect();
    by_start.sort_by_key(|&i| rows[i].0);
    let mut by_addr: Vec<usize> = (0..queries.len()).collect();
    by_addr.sort_by_key(|&i| queries[i]);
    let mut out = vec![None; queries.len()];
    let mut containing: Vec<usize> = Vec::new();
    let mut next = 0;
    for qi in by_addr {
        let a = queries[qi];
        while next < by_start.len() && rows[by_start[next]].0 <= a {
            containing.push(by_start[next]);
            next += 1;
        }
        // Every row that starts at or below `a` was added; drop those that
        // end below it. Later queries are higher, so they are gone for good.
        containing.retain(|&i| rows[i].1 >= a);
        out[qi] = containing
            .iter()
            .min_by_key(|&&i| (rows[i].1 - rows[i].0, Reverse(i)))
            .map(|&i| rows[i].2.clone());
    }
    out
}

/// `n` addresses of `bits` width: 2 in 5 uniformly random, 2 in 5 inside a
/// random row, 1 in 5 on a random row's edge (start, end, or one past
/// either), plus the first and last address.
fn queries(rng: &mut ChaCha8Rng, n: usize, bits: u32, rows: &[&[(u128, u128)]]) -> Vec<u128> {
    let max = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let mut q = vec![0, max];
    while q.len() < n {
        let set = rows[rng.gen_range(0..rows.len())];
        let (s, e) = set[rng.gen_range(0..set.len())];
        q.push(match rng.gen_range(0..5) {
            0 | 1 => rng.gen::<u128>() & max,
            2 | 3 => rng.gen_range(s..=e),
            _ => match rng.gen_range(0..4) {
                0 => s.saturating_sub(1),
                1 => s,
                2 => e,
                _ => e.saturating_add(1).min(max),
            },
        });
    }
    q
}

fn source(geo: &Geo, prefix: &str) -> SourceId {
    let i = geo
        .sources()
        .iter()
        .position(|s| s.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no source named {prefix}..."));
    SourceId(i as u16)
}

#[test]
fn shipped_dataset_agrees_with_a_scan_of_the_upstream_rows() {
    let Some(dir) = shared_ipdb() else { return };
    let geo = crate::builtin();
    let geo_whois = source(geo, "ip-location-db geo-whois-asn-country");
    let tor = source(geo, "tor-geoip (IPFire Location)");
    let asn = source(geo, "ip-location-db asn");
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_2026);
    const N: usize = 100_000;

    for v6 in [false, true] {
        let family = if v6 { "ipv6" } else { "ipv4" };
        let country = country_rows(
            &dir.join(format!("geo-whois-asn-country-{family}-num.csv.gz")),
            false,
        );
        let tor_rows = country_rows(&dir.join(format!("tor-geoip-{family}.gz")), v6);
        let asns = asn_rows(&dir.join(format!("asn-{family}-num.csv.gz")));
        let spans = |rows: &[(u128, u128, _)]| -> Vec<(u128, u128)> {
            rows.iter().map(|r| (r.0, r.1)).collect()
        };
        let (a, b, c) = (
            spans(&country),
            spans(&tor_rows),
            asns.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        );
        let q = queries(&mut rng, N, if v6 { 128 } else { 32 }, &[&a, &b, &c]);
        let want_country = most_specific(&country, &q);
        let want_tor = most_specific(&tor_rows, &q);
        let want_asn = most_specific(&asns, &q);

        let (mut answered, mut disagreeing) = (0, 0);
        for (i, &addr) in q.iter().enumerate() {
            let ip = if v6 {
                IpAddr::V6(Ipv6Addr::from(addr))
            } else {
                IpAddr::V4(Ipv4Addr::from(addr as u32))
            };
            let got = geo.lookup(ip);
            let by = |id| {
                got.countries
                    .iter()
                    .find(|c| c.source == id)
                    .map(|c| c.country.to_string())
            };
            assert_eq!(
                by(geo_whois),
                want_country[i],
                "{ip}: geo-whois-asn-country"
            );
            assert_eq!(by(tor), want_tor[i], "{ip}: tor-geoip");
            let got_asn = got
                .asns
                .iter()
                .find(|a| a.source == asn)
                .map(|a| (a.asn.0, a.name.to_owned()));
            assert_eq!(got_asn, want_asn[i], "{ip}: asn");
            answered += usize::from(want_country[i].is_some());
            disagreeing += usize::from(got.countries_disagree());
        }
        eprintln!(
            "{family}: {N} addresses agree with the reference for 3 sources; \
             {answered} have a geo-whois country; the two country sources disagree on {disagreeing}"
        );
        // The queries must exercise the data, not only empty space.
        assert!(
            answered > N / 2,
            "{family}: only {answered} addresses had a country"
        );
    }
}
