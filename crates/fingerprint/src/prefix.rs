use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// An IPv4 or IPv6 network such as `162.142.125.0/24`; a bare address is
/// a /32 or /128.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

/// Why a string is not a [`Prefix`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("{0:?} is not an IP address or ADDRESS/LENGTH")]
    Address(String),
    /// The length is not a number, or longer than the address.
    #[error("{text:?}: the prefix length must be 0-{max}")]
    Length { text: String, max: u8 },
    /// Bits set after the prefix length: `198.51.100.7/24` rather than
    /// `198.51.100.0/24`, which usually means a typo.
    #[error("{text:?} has host bits set: did you mean {network}?")]
    HostBits { text: String, network: Prefix },
}

impl Prefix {
    /// The network `addr/len`; host bits must be clear.
    pub fn new(addr: IpAddr, len: u8) -> Result<Prefix, PrefixError> {
        let max = max_len(addr);
        if len > max {
            return Err(PrefixError::Length {
                text: format!("{addr}/{len}"),
                max,
            });
        }
        let prefix = Prefix { addr, len };
        let network = prefix.network();
        if network != prefix {
            return Err(PrefixError::HostBits {
                text: format!("{addr}/{len}"),
                network,
            });
        }
        Ok(prefix)
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    #[allow(clippy::len_without_is_empty)] // a prefix length, not a container
    pub fn len(&self) -> u8 {
        self.len
    }

    /// Whether `addr` is inside the network (never across IP versions).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                let (first, last) = self.range();
                (first..=last).contains(&bits(addr))
            }
            _ => false,
        }
    }

    /// First and last address as integers (IPv4 in the low 32 bits).
    pub fn range(&self) -> (u128, u128) {
        let width = u32::from(max_len(self.addr));
        let host = u128::MAX
            .checked_shr(128 - width + u32::from(self.len))
            .unwrap_or(0);
        let first = bits(self.addr) & !host;
        (first, first | host)
    }

    fn network(&self) -> Prefix {
        let (first, _) = self.range();
        let addr = match self.addr {
            IpAddr::V4(_) => IpAddr::V4((first as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(first.into()),
        };
        Prefix {
            addr,
            len: self.len,
        }
    }
}

/// The address as an integer: IPv4 in the low 32 bits.
pub(crate) fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn max_len(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;

    fn from_str(s: &str) -> Result<Prefix, PrefixError> {
        let (addr_text, len_text) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| PrefixError::Address(s.to_string()))?;
        let max = max_len(addr);
        let len =
            match len_text {
                None => max,
                Some(l) => l.parse::<u8>().ok().filter(|&l| l <= max).ok_or_else(|| {
                    PrefixError::Length {
                        text: s.to_string(),
                        max,
                    }
                })?,
            };
        Prefix::new(addr, len)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<'de> Deserialize<'de> for Prefix {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Prefix, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Prefix {
        s.parse().unwrap()
    }

    #[test]
    fn parses_networks_and_bare_addresses() {
        assert_eq!(p("162.142.125.0/24").to_string(), "162.142.125.0/24");
        assert_eq!(p("192.0.2.7").to_string(), "192.0.2.7/32");
        assert_eq!(p("2602:80d:1000::/44").to_string(), "2602:80d:1000::/44");
        assert_eq!(p("2001:db8::1").len(), 128);
        assert_eq!(p("0.0.0.0/0").range(), (0, 0xffff_ffff));
        assert_eq!(p("::/0").range(), (0, u128::MAX));
        assert_eq!(p("10.1.0.0/16").range(), (0x0a01_0000, 0x0a01_ffff));
    }

    #[test]
    fn rejects_bad_text_with_a_reason() {
        assert_eq!(
            "198.51.100.7/24".parse::<Prefix>(),
            Err(PrefixError::HostBits {
                text: "198.51.100.7/24".into(),
                network: p("198.51.100.0/24")
            })
        );
        assert!(matches!(
            "10.0.0.0/33".parse::<Prefix>(),
            Err(PrefixError::Length { max: 32, .. })
        ));
        assert!(matches!(
            "2001:db8::/129".parse::<Prefix>(),
            Err(PrefixError::Length { max: 128, .. })
        ));
        assert!(matches!(
            "10.0.0.0/x".parse::<Prefix>(),
            Err(PrefixError::Length { .. })
        ));
        assert!(matches!(
            "censys".parse::<Prefix>(),
            Err(PrefixError::Address(_))
        ));
        assert_eq!(
            "198.51.100.7/24".parse::<Prefix>().unwrap_err().to_string(),
            "\"198.51.100.7/24\" has host bits set: did you mean 198.51.100.0/24?"
        );
    }

    #[test]
    fn contains_edges_and_never_across_versions() {
        let net = p("162.142.125.0/24");
        assert!(net.contains("162.142.125.0".parse().unwrap()));
        assert!(net.contains("162.142.125.255".parse().unwrap()));
        assert!(!net.contains("162.142.124.255".parse().unwrap()));
        assert!(!net.contains("162.142.126.0".parse().unwrap()));
        assert!(!net.contains("::a28e:7d01".parse().unwrap()));
        assert!(p("::/0").contains("2001:db8::1".parse().unwrap()));
        assert!(!p("::/0").contains("1.2.3.4".parse().unwrap()));
    }
}
