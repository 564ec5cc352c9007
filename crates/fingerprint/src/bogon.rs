//! Source addresses that cannot be genuine on the public Internet.

/// IPv4 sources that never originate Internet traffic, as (network, prefix
/// length). The first thirteen are exactly CAIDA Corsaro3's "rfc5735"
/// (routable) filter (`_apply_rfc5735_filter` in
/// `libcorsaro/libcorsaro_filtering.c`); 100.64.0.0/10 (RFC 6598, carrier
/// NAT) is added because it is never routed between networks either.
pub const BOGONS_V4: [(u32, u8); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network" (RFC 791)
    (0x0a00_0000, 8),  // 10.0.0.0/8 private (RFC 1918)
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space (RFC 6598): not in Corsaro3
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local (RFC 3927)
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments (RFC 6890)
    (0xc000_0200, 24), // 192.0.2.0/24 TEST-NET-1 (RFC 5737)
    (0xc058_6300, 24), // 192.88.99.0/24 6to4 relay anycast (RFC 7526)
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking (RFC 2544)
    (0xc633_6400, 24), // 198.51.100.0/24 TEST-NET-2
    (0xcb00_7100, 24), // 203.0.113.0/24 TEST-NET-3
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast: a destination, never a source
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255 broadcast
];

/// IPv6 sources inside 2000::/3 (global unicast) that are still not
/// genuine. Everything outside 2000::/3 is a bogon as a source: the
/// unspecified address, loopback, IPv4-mapped and -compatible, NAT64's
/// 64:ff9b::/96, discard-only 100::/64, unique-local fc00::/7, link-local
/// fe80::/10, multicast ff00::/8 and the unallocated rest (the IANA IPv6
/// special-purpose registry, RFC 6890 and RFC 4291).
pub const BOGONS_V6_GLOBAL: [(u128, u8); 5] = [
    (0x2001_0002_0000 << 80, 48), // 2001:2::/48 benchmarking (RFC 5180)
    (0x2001_0010 << 96, 28),      // 2001:10::/28 ORCHID, deprecated (RFC 4843)
    (0x2001_0020 << 96, 28),      // 2001:20::/28 ORCHIDv2 identifiers (RFC 7343)
    (0x2001_0db8 << 96, 32),      // 2001:db8::/32 documentation (RFC 3849)
    (0x3fff << 112, 20),          // 3fff::/20 documentation (RFC 9637)
];

/// Whether an IPv4 source is reserved or a bogon.
#[inline]
pub fn is_bogon_v4(addr: u32) -> bool {
    BOGONS_V4
        .iter()
        .any(|&(net, len)| addr >> (32 - len) == net >> (32 - len))
}

/// Whether an IPv6 source is reserved, special-purpose or unallocated.
#[inline]
pub fn is_bogon_v6(addr: u128) -> bool {
    addr >> 125 != 0b001
        || BOGONS_V6_GLOBAL
            .iter()
            .any(|&(net, len)| addr >> (128 - len) == net >> (128 - len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(s: &str) -> bool {
        is_bogon_v4(s.parse::<Ipv4Addr>().unwrap().into())
    }
    fn v6(s: &str) -> bool {
        is_bogon_v6(s.parse::<Ipv6Addr>().unwrap().into())
    }

    #[test]
    fn ipv4_edges_of_each_range() {
        for bogon in [
            "0.0.0.0",
            "0.255.255.255",
            "10.0.0.0",
            "10.255.255.255",
            "100.64.0.0",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.1.1",
            "172.16.0.0",
            "172.31.255.255",
            "192.0.0.9",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.200",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(v4(bogon), "{bogon}");
        }
        for public in [
            "1.0.0.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.101.0",
            "203.0.112.255",
            "223.255.255.255",
        ] {
            assert!(!v4(public), "{public}");
        }
    }

    #[test]
    fn ipv6_outside_global_unicast_and_documentation() {
        for bogon in [
            "::",
            "::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "100::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "4000::1",
            "2001:db8::1",
            "2001:2::1",
            "2001:10::1",
            "2001:2f::1",
            "3fff:fff::1",
        ] {
            assert!(v6(bogon), "{bogon}");
        }
        for public in [
            "2001:4860:4860::8888",
            "2001:3::1",
            "2001:db9::1",
            "2400:cb00::1",
            "2a00:1450::1",
            "2c0f:f248::1",
            "3fff:1000::1",
            "2001:30::1",
        ] {
            assert!(!v6(public), "{public}");
        }
    }
}
