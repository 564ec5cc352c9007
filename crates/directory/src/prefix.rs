//! IP prefixes as constituencies list them, and the conversion of the
//! address ranges some directories publish ("a.b.c.d - e.f.g.h") into
//! the fewest prefixes that cover exactly that range.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::PrefixError;

/// An IPv4 or IPv6 prefix with its host bits clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl Prefix {
    /// The prefix of `len` bits containing `addr` (host bits cleared,
    /// `len` capped at the family's width).
    pub fn covering(addr: IpAddr, len: u8) -> Prefix {
        let len = len.min(max_len(addr));
        Prefix {
            addr: mask(addr, len),
            len,
        }
    }

    /// `addr` with the bits past `len` cleared.
    pub fn masked(&self) -> IpAddr {
        mask(self.addr, self.len)
    }

    /// Whether `ip` is inside. A prefix built by hand with host bits set
    /// still answers for its masked range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.len) == self.masked()
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// 32 for IPv4, 128 for IPv6.
    pub fn max_len(&self) -> u8 {
        max_len(self.addr)
    }

    /// Whether the fields are consistent: `len` within the family's width
    /// and no host bits set (always true for a parsed prefix).
    pub fn is_canonical(&self) -> bool {
        self.len <= self.max_len() && self.masked() == self.addr
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;

    /// `203.0.113.0/24`, `2001:db8::/32`, or a bare address (a /32 or
    /// /128). Host bits set are an error, not silently cleared.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr_text, len_text) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr = parse_addr(s, addr_text)?;
        let max = max_len(addr);
        let len = match len_text {
            None => max,
            Some(l) => {
                let l = l.trim();
                // Digits only: u8's parser would take "+24".
                let ok = !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit());
                l.parse::<u8>()
                    .ok()
                    .filter(|&n| ok && n <= max)
                    .ok_or_else(|| PrefixError::BadLength {
                        text: s.to_owned(),
                        max,
                    })?
            }
        };
        let p = Prefix { addr, len };
        if p.masked() != addr {
            return Err(PrefixError::HostBits {
                text: s.to_owned(),
                suggestion: format!("{}/{len}", p.masked()),
            });
        }
        Ok(p)
    }
}

impl Serialize for Prefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `ip` with the bits past `len` cleared.
pub(crate) fn mask(ip: IpAddr, len: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(mask_v4(u32::from(v4), len).into()),
        IpAddr::V6(v6) => IpAddr::V6(mask_v6(u128::from(v6), len).into()),
    }
}

pub(crate) fn mask_v4(bits: u32, len: u8) -> u32 {
    match len {
        0 => 0,
        l if l >= 32 => bits,
        l => bits & (u32::MAX << (32 - u32::from(l))),
    }
}

pub(crate) fn mask_v6(bits: u128, len: u8) -> u128 {
    match len {
        0 => 0,
        l if l >= 128 => bits,
        l => bits & (u128::MAX << (128 - u32::from(l))),
    }
}

fn max_len(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn parse_addr(text: &str, part: &str) -> Result<IpAddr, PrefixError> {
    part.trim().parse().map_err(|_| PrefixError::NotAnAddress {
        text: text.to_owned(),
        part: part.to_owned(),
    })
}

/// The fewest prefixes that together cover exactly `first..=last`, in
/// address order.
pub fn range_to_prefixes(first: IpAddr, last: IpAddr) -> Result<Vec<Prefix>, PrefixError> {
    let text = || format!("{first} - {last}");
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
            Ok(
                cover(u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
                    .into_iter()
                    .map(|(start, len)| Prefix {
                        addr: IpAddr::V4(Ipv4Addr::from(start as u32)),
                        len,
                    })
                    .collect(),
            )
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Ok(cover(u128::from(a), u128::from(b), 128)
            .into_iter()
            .map(|(start, len)| Prefix {
                addr: IpAddr::V6(Ipv6Addr::from(start)),
                len,
            })
            .collect()),
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
            Err(PrefixError::BadRange {
                text: text(),
                why: "the first address is above the last",
            })
        }
        _ => Err(PrefixError::BadRange {
            text: text(),
            why: "the two ends are of different address families",
        }),
    }
}

/// Greedy cover of `start..=end` in a `width`-bit space: at each step the
/// largest aligned block that starts at `start` and does not pass `end`.
/// Works on u128 so IPv4 and IPv6 share it; never overflows, even for
/// the whole IPv6 space.
fn cover(mut start: u128, end: u128, width: u8) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    loop {
        let align = if start == 0 {
            u32::from(width)
        } else {
            start.trailing_zeros().min(u32::from(width))
        };
        let mut host_bits = align;
        // Shrink until the block's last address is within the range.
        let block_last = |hb: u32| {
            if hb >= 128 {
                u128::MAX
            } else {
                start | ((1u128 << hb) - 1)
            }
        };
        while block_last(host_bits) > end {
            host_bits -= 1;
        }
        let last = block_last(host_bits);
        out.push((start, width - host_bits as u8));
        if last >= end {
            return out;
        }
        start = last + 1;
    }
}

/// One entry of a published list: a CIDR prefix, a bare address, or a
/// range `first - last` (spaces optional), as the prefixes it stands for.
pub fn parse_prefixes(text: &str) -> Result<Vec<Prefix>, PrefixError> {
    let trimmed = text.trim();
    // IPv6 addresses never contain '-', so a dash always means a range.
    match trimmed.split_once('-') {
        Some((a, b)) => {
            let first = parse_addr(text, a)?;
            let last = parse_addr(text, b)?;
            range_to_prefixes(first, last).map_err(|e| match e {
                PrefixError::BadRange { why, .. } => PrefixError::BadRange {
                    text: text.to_owned(),
                    why,
                },
                other => other,
            })
        }
        None => Ok(vec![trimmed.parse()?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Prefix {
        s.parse().expect(s)
    }

    #[test]
    fn parses_prefixes_and_bare_addresses() {
        assert_eq!(
            p("103.1.4.0/24"),
            Prefix {
                addr: "103.1.4.0".parse().unwrap(),
                len: 24
            }
        );
        assert_eq!(p("192.0.2.7").len, 32);
        assert_eq!(p("2001:db8::1").len, 128);
        assert_eq!(p("2001:db8::/32").to_string(), "2001:db8::/32");
        assert_eq!(p("0.0.0.0/0").len, 0);
    }

    #[test]
    fn refuses_bad_prefixes_with_the_reason() {
        let e = "10.0.0.1/8".parse::<Prefix>().unwrap_err();
        assert_eq!(
            e.to_string(),
            r#""10.0.0.1/8" has host bits set: did you mean 10.0.0.0/8?"#
        );
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0/",
            "::/129",
            "10.0.0/8",
            "",
            "/8",
            "x",
        ] {
            assert!(bad.parse::<Prefix>().is_err(), "{bad:?}");
        }
        assert!(matches!(
            "10.0.0.0/33".parse::<Prefix>(),
            Err(PrefixError::BadLength { max: 32, .. })
        ));
    }

    #[test]
    fn contains_respects_family_and_length() {
        let net = p("103.1.0.0/22");
        assert!(net.contains("103.1.3.255".parse().unwrap()));
        assert!(!net.contains("103.1.4.0".parse().unwrap()));
        assert!(!net.contains("::ffff:103.1.0.1".parse().unwrap()));
        // Built by hand with host bits: still answers for its masked range.
        let loose = Prefix {
            addr: "103.1.2.3".parse().unwrap(),
            len: 22,
        };
        assert!(loose.contains("103.1.0.9".parse().unwrap()));
        assert!(!loose.is_canonical());
    }

    #[test]
    fn ranges_become_minimal_prefix_lists() {
        let got = parse_prefixes("192.0.2.0 - 192.0.2.255").unwrap();
        assert_eq!(got, vec![p("192.0.2.0/24")]);
        let got = parse_prefixes("10.0.0.1-10.0.0.6").unwrap();
        let want: Vec<Prefix> = ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]
            .map(p)
            .to_vec();
        assert_eq!(got, want);
        assert_eq!(
            parse_prefixes("0.0.0.0 - 255.255.255.255").unwrap(),
            vec![p("0.0.0.0/0")]
        );
        assert_eq!(
            parse_prefixes(":: - ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").unwrap(),
            vec![p("::/0")]
        );
        assert_eq!(
            parse_prefixes("2001:db8::/48").unwrap(),
            vec![p("2001:db8::/48")]
        );
        assert!(matches!(
            parse_prefixes("10.0.0.9 - 10.0.0.1"),
            Err(PrefixError::BadRange { .. })
        ));
        assert!(matches!(
            parse_prefixes("10.0.0.1 - ::1"),
            Err(PrefixError::BadRange { .. })
        ));
        assert!(matches!(
            parse_prefixes("10.0.0.1 - x"),
            Err(PrefixError::NotAnAddress { .. })
        ));
    }

    fn arb_prefix() -> impl Strategy<Value = Prefix> {
        prop_oneof![
            (any::<u32>(), 0u8..=32).prop_map(|(a, l)| Prefix::covering(IpAddr::V4(a.into()), l)),
            (any::<u128>(), 0u8..=128).prop_map(|(a, l)| Prefix::covering(IpAddr::V6(a.into()), l)),
        ]
    }

    proptest! {
        #[test]
        fn display_parses_back(prefix in arb_prefix()) {
            let again: Prefix = prefix.to_string().parse().unwrap();
            prop_assert_eq!(again, prefix);
            prop_assert!(prefix.is_canonical());
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,48}") {
            let _ = text.parse::<Prefix>();
            let _ = parse_prefixes(&text);
        }

        /// Every address of a small range is in exactly one prefix, the
        /// addresses just outside in none, and the prefixes are in order.
        #[test]
        fn range_cover_is_exact(base in any::<u32>(), span in 0u32..600) {
            let first = base;
            let last = base.saturating_add(span);
            let prefixes = range_to_prefixes(IpAddr::V4(first.into()), IpAddr::V4(last.into())).unwrap();
            let covers = |a: u32| prefixes.iter().filter(|p| p.contains(IpAddr::V4(a.into()))).count();
            for a in first..=last {
                prop_assert_eq!(covers(a), 1, "address {}", Ipv4Addr::from(a));
            }
            if let Some(before) = first.checked_sub(1) {
                prop_assert_eq!(covers(before), 0);
            }
            if let Some(after) = last.checked_add(1) {
                prop_assert_eq!(covers(after), 0);
            }
            // Minimal: no two neighbours could merge into one aligned block.
            for w in prefixes.windows(2) {
                let mergeable = w[0].len == w[1].len
                    && w[0].len > 0
                    && Prefix::covering(w[0].addr, w[0].len - 1) == Prefix::covering(w[1].addr, w[1].len - 1);
                prop_assert!(!mergeable, "{} and {} merge", w[0], w[1]);
                prop_assert!(w[0].addr < w[1].addr);
            }
        }

        #[test]
        fn v6_range_cover_counts_add_up(base in any::<u128>(), span in 0u128..5000) {
            let last = base.saturating_add(span);
            let prefixes = range_to_prefixes(IpAddr::V6(base.into()), IpAddr::V6(last.into())).unwrap();
            let total: u128 = prefixes.iter().map(|p| 1u128 << (128 - u32::from(p.len))).sum();
            prop_assert_eq!(total, last - base + 1);
            prop_assert_eq!(prefixes[0].addr, IpAddr::V6(base.into()));
            prop_assert!(prefixes.iter().all(|p| p.is_canonical()));
        }
    }
}
