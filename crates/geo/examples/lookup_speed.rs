//! Load time of the shipped dataset and lookup cost per address.
//!
//! ```sh
//! cargo run --release -p hirundo-geo --example lookup_speed [-- FILE.mmdb]
//! ```
//!
//! Lookups are measured over a few million addresses: uniformly random
//! IPv4, and IPv6 inside the ranges the data lists (uniformly random IPv6
//! is almost all unallocated space and would flatter the numbers). With an
//! `.mmdb` file, also the time to read it whole into tables.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use hirundo_geo::{Dataset, Geo, GeoConfig, SourceSpec, SourceTables, BUILTIN_DATASET};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("runs > 0"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("dataset: {} bytes compressed", BUILTIN_DATASET.len());
    let (load, dataset) = best_of(10, || Dataset::from_bytes(BUILTIN_DATASET));
    let dataset = dataset?;
    println!(
        "decode (decompress + parse + index): {:.1} ms (best of 10)",
        load.as_secs_f64() * 1e3
    );
    let (load, geo) = best_of(5, Geo::builtin);
    let geo = geo?;
    println!(
        "Geo::builtin(): {:.1} ms (best of 5)",
        load.as_secs_f64() * 1e3
    );

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    const N: usize = 4_000_000;
    let v4: Vec<IpAddr> = (0..N)
        .map(|_| IpAddr::V4(Ipv4Addr::from(rng.gen::<u32>())))
        .collect();
    let SourceTables::Country(first) = &dataset.sources[0].tables else {
        return Err("first source is not a country source".into());
    };
    let listed: Vec<_> = first.v6.entries().filter(|e| e.value.is_some()).collect();
    let v6: Vec<IpAddr> = (0..N)
        .map(|_| {
            let e = listed[rng.gen_range(0..listed.len())];
            IpAddr::V6(Ipv6Addr::from(rng.gen_range(e.start..=e.end)))
        })
        .collect();

    for (family, addrs) in [("IPv4", &v4), ("IPv6", &v6)] {
        let (t, hits) = best_of(3, || {
            addrs
                .iter()
                .filter(|&&a| black_box(geo.country(a)).is_some())
                .count()
        });
        println!(
            "{family} country (primary): {:.1} ns/lookup, {:.1}% answered",
            t.as_nanos() as f64 / N as f64,
            100.0 * hits as f64 / N as f64
        );
        let (t, hits) = best_of(3, || {
            addrs
                .iter()
                .filter(|&&a| black_box(geo.asn(a)).is_some())
                .count()
        });
        println!(
            "{family} ASN + name (primary): {:.1} ns/lookup, {:.1}% answered",
            t.as_nanos() as f64 / N as f64,
            100.0 * hits as f64 / N as f64
        );
        let (t, _) = best_of(3, || {
            addrs
                .iter()
                .map(|&a| black_box(geo.lookup(a)).countries.len())
                .sum::<usize>()
        });
        println!(
            "{family} full lookup (3 sources, allocates): {:.1} ns/lookup",
            t.as_nanos() as f64 / N as f64
        );
    }

    if let Some(path) = std::env::args().nth(1) {
        let config = GeoConfig {
            country: vec![SourceSpec::Mmdb(path.clone().into())],
            asn: vec![],
        };
        let (t, mmdb) = best_of(3, || Geo::load(&config));
        let mmdb = mmdb?;
        println!(
            "{path}: read into tables in {:.0} ms (best of 3)",
            t.as_secs_f64() * 1e3
        );
        let (t, _) = best_of(3, || {
            v4.iter()
                .filter(|&&a| black_box(mmdb.country(a)).is_some())
                .count()
        });
        println!(
            "  IPv4 country: {:.1} ns/lookup",
            t.as_nanos() as f64 / N as f64
        );
    }
    Ok(())
}
