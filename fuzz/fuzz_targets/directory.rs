//! The CSIRT directory's readers, on the input as UTF-8 (lossily):
//!
//! - Trusted Introducer `teams.json`: whatever imports builds a
//!   directory (import validates each team and makes ids unique), and a
//!   few addresses derived from the input route without panicking, each
//!   route ending at the level it names;
//! - the directory TOML: when its teams build a directory, `to_toml`
//!   reads back to the same teams;
//! - a prefix: on success, its `Display` parses back to it.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hirundo_directory::{from_toml, to_toml, trusted_introducer, Directory, Level, Origin, Prefix};
use libfuzzer_sys::fuzz_target;

/// Routes a handful of sources made from the input's bytes.
fn route_some(dir: &Directory, data: &[u8]) {
    let mut words = data
        .chunks(4)
        .map(|c| c.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)));
    for _ in 0..4 {
        let a = words.next().unwrap_or(0x0a00_0001);
        let b = words.next().unwrap_or(0);
        let ip = if a & 1 == 0 {
            IpAddr::V4(Ipv4Addr::from(a))
        } else {
            IpAddr::V6(Ipv6Addr::from(u128::from(a) << 96 | u128::from(b)))
        };
        let cc = ["AT", "es", "JP", "x", "BR"][(b % 5) as usize];
        let origin = Origin {
            ip,
            asn: Some(b % 1024),
            cc: Some(cc),
        };
        let route = dir.route(&origin);
        assert_eq!(route.team.is_none(), route.level == Level::Unrouted);
        assert!(!route.steps.is_empty() && route.steps.len() <= 4);
        let _ = route.to_string();
    }
    // Every constituency prefix routes to some team at the prefix level.
    for team in dir.teams().iter().take(8) {
        if let Some(p) = team.constituency.prefixes.first() {
            let route = dir.route(&Origin {
                ip: p.addr,
                asn: None,
                cc: None,
            });
            assert_eq!(route.level, Level::Prefix, "{route}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    if let Ok(import) = trusted_introducer(&text) {
        let dir = Directory::new(import.teams).expect("imported teams always build a directory");
        route_some(&dir, data);
    }

    if let Ok(teams) = from_toml(&text) {
        if let Ok(dir) = Directory::new(teams) {
            let again = from_toml(&to_toml(dir.teams())).expect("to_toml reads back");
            assert_eq!(again.as_slice(), dir.teams());
            route_some(&dir, data);
        }
    }

    if let Ok(prefix) = text.parse::<Prefix>() {
        let again: Prefix = prefix
            .to_string()
            .parse()
            .expect("a prefix's Display parses back");
        assert_eq!(again, prefix);
    }
});
