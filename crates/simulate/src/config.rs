use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::campaign::validate_all;
use crate::{Campaign, SimError};

/// 2026-01-01T00:00:00Z in nanoseconds since the Unix epoch.
pub const DEFAULT_START_NS: i64 = 1_767_225_600 * 1_000_000_000;

/// The most packets one run may generate: the generator keeps four bytes of
/// schedule per packet in memory (4 GB at this limit).
pub const MAX_PACKETS: u64 = 1_000_000_000;

/// The longest span one run may cover, ten years.
pub const MAX_DAYS: u32 = 3_660;

pub(crate) const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

/// The container the capture is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaptureFormat {
    /// Classic pcap with microsecond timestamps: what every tool reads.
    #[default]
    Pcap,
    /// pcapng with one Ethernet interface whose `if_tsresol` is 9
    /// (nanoseconds).
    Pcapng,
}

impl CaptureFormat {
    /// The name the summary lists under `files[].format`.
    pub fn name(self) -> &'static str {
        match self {
            CaptureFormat::Pcap => "pcap",
            CaptureFormat::Pcapng => "pcapng",
        }
    }

    /// The timestamp resolution written, in nanoseconds. Timestamps are
    /// generated on this grid so that what is read back equals the truth.
    pub fn resolution_ns(self) -> i64 {
        match self {
            CaptureFormat::Pcap => 1_000,
            CaptureFormat::Pcapng => 1,
        }
    }
}

impl FromStr for CaptureFormat {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pcap" => Ok(CaptureFormat::Pcap),
            "pcapng" => Ok(CaptureFormat::Pcapng),
            other => Err(SimError::Config(format!(
                "unknown capture format {other:?}: use pcap or pcapng"
            ))),
        }
    }
}

/// An IPv4 network, `198.51.100.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Prefix {
    pub addr: Ipv4Addr,
    pub len: u8,
}

/// An IPv6 network, `2001:db8:0:1::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Prefix {
    pub addr: Ipv6Addr,
    pub len: u8,
}

impl Ipv4Prefix {
    /// Host bits of the prefix as a mask.
    pub fn host_mask(self) -> u32 {
        u32::MAX.checked_shr(u32::from(self.len)).unwrap_or(0)
    }
    pub fn contains(self, addr: u32) -> bool {
        addr & !self.host_mask() == u32::from(self.addr)
    }
}

impl Ipv4Prefix {
    /// The fewest prefixes that together hold exactly `first..=last`, in
    /// address order (an empty list when `first > last`).
    pub fn cover(first: u32, last: u32) -> Vec<Ipv4Prefix> {
        let mut out = Vec::new();
        let mut at = u64::from(first);
        let end = u64::from(last);
        while at <= end {
            // The largest block aligned at `at` that does not pass `end`.
            let mut size = 1u64 << at.trailing_zeros().min(32);
            while at + size - 1 > end {
                size >>= 1;
            }
            out.push(Ipv4Prefix {
                addr: Ipv4Addr::from(at as u32),
                len: 32 - size.trailing_zeros() as u8,
            });
            at += size;
        }
        out
    }
}

impl Ipv6Prefix {
    pub fn host_mask(self) -> u128 {
        u128::MAX.checked_shr(u32::from(self.len)).unwrap_or(0)
    }
}

impl fmt::Display for Ipv4Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl fmt::Display for Ipv6Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

fn split_prefix(s: &str) -> Result<(&str, u8), SimError> {
    let (addr, len) = s.split_once('/').ok_or_else(|| {
        SimError::Config(format!("{s:?} is not a prefix: write it as ADDRESS/LENGTH"))
    })?;
    let len = len
        .parse()
        .map_err(|_| SimError::Config(format!("{s:?} has no valid prefix length")))?;
    Ok((addr, len))
}

impl FromStr for Ipv4Prefix {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, len) = split_prefix(s)?;
        let addr = addr
            .parse()
            .map_err(|_| SimError::Config(format!("{s:?} is not an IPv4 prefix")))?;
        Ok(Ipv4Prefix { addr, len })
    }
}

impl FromStr for Ipv6Prefix {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, len) = split_prefix(s)?;
        let addr = addr
            .parse()
            .map_err(|_| SimError::Config(format!("{s:?} is not an IPv6 prefix")))?;
        Ok(Ipv6Prefix { addr, len })
    }
}

/// How the packets divide among the families of traffic, as relative
/// weights (the defaults are parts per ten thousand).
///
/// The defaults follow what darknet operators publish (NICTER's and
/// TSUBAME's annual reports, GreyNoise and Merit ORION summaries): TCP SYN
/// scans dominate, Mirai descendants are the largest single family, research
/// scanners (ZMap, Masscan) send few sources but many packets, backscatter
/// and UDP each take roughly a tenth, IPv6 is a sliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub mirai: u32,
    pub zmap: u32,
    pub masscan: u32,
    pub nmap: u32,
    /// SYNs from ordinary Linux and Windows stacks (connect scans, worms).
    pub generic: u32,
    pub backscatter: u32,
    pub udp: u32,
    /// ICMP echo requests (ping sweeps).
    pub ping: u32,
    pub ipv6: u32,
    /// Fragmented UDP: each datagram is two frames, a first and a later fragment.
    pub fragment: u32,
    /// ARP requests from the upstream router: frames that carry no IP.
    pub arp: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            mirai: 2500,
            zmap: 1000,
            masscan: 900,
            nmap: 400,
            generic: 2300,
            backscatter: 900,
            udp: 1100,
            ping: 600,
            ipv6: 150,
            fragment: 100,
            arp: 50,
        }
    }
}

impl Mix {
    /// No traffic of any family: a base to set a few weights on.
    pub const NONE: Mix = Mix {
        mirai: 0,
        zmap: 0,
        masscan: 0,
        nmap: 0,
        generic: 0,
        backscatter: 0,
        udp: 0,
        ping: 0,
        ipv6: 0,
        fragment: 0,
        arp: 0,
    };

    pub fn total(&self) -> u64 {
        [
            self.mirai,
            self.zmap,
            self.masscan,
            self.nmap,
            self.generic,
            self.backscatter,
            self.udp,
            self.ping,
            self.ipv6,
            self.fragment,
            self.arp,
        ]
        .iter()
        .map(|&w| u64::from(w))
        .sum()
    }
}

/// What to simulate. Every field has a default (`SimConfig::default()`);
/// call [`SimConfig::validate`] before use (the generator does).
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Frames to write, exactly. Default 100,000.
    pub packets: u64,
    /// Days the capture spans, from `start_ns`. Default 1.
    pub days: u32,
    /// Seed of every random choice: the same config writes the same bytes.
    pub seed: u64,
    pub format: CaptureFormat,
    /// First instant of the capture, nanoseconds since the Unix epoch, a
    /// whole microsecond. Default 2026-01-01T00:00:00Z.
    pub start_ns: i64,
    /// The sensor's unused IPv4 space that scans land on.
    pub darknet_v4: Ipv4Prefix,
    /// The sensor's unused IPv6 space.
    pub darknet_v6: Ipv6Prefix,
    pub mix: Mix,
    /// Scanning campaigns injected on top of the background: their packets
    /// come in addition to `packets`. Default none.
    pub campaigns: Vec<Campaign>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            packets: 100_000,
            days: 1,
            seed: 1,
            format: CaptureFormat::Pcap,
            start_ns: DEFAULT_START_NS,
            darknet_v4: Ipv4Prefix {
                addr: Ipv4Addr::new(198, 51, 100, 0),
                len: 24,
            },
            darknet_v6: Ipv6Prefix {
                addr: Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 0),
                len: 64,
            },
            mix: Mix::default(),
            campaigns: Vec::new(),
        }
    }
}

impl SimConfig {
    /// Checks that the settings can produce a capture, or says which one
    /// to change and how.
    pub fn validate(&self) -> Result<(), SimError> {
        let err = |m: String| Err(SimError::Config(m));
        if self.packets == 0 {
            return err("packets is 0: ask for at least one packet".into());
        }
        if self.packets > MAX_PACKETS {
            return err(format!(
                "packets is {}: at most {MAX_PACKETS} per run; write several files instead",
                self.packets
            ));
        }
        if self.days == 0 {
            return err("days is 0: the capture must span at least one day".into());
        }
        if self.days > MAX_DAYS {
            return err(format!(
                "days is {}: at most {MAX_DAYS} days per run",
                self.days
            ));
        }
        if self.start_ns % 1_000 != 0 {
            return err(format!(
                "start {} ns is not a whole microsecond, which pcap cannot store",
                self.start_ns
            ));
        }
        if self
            .start_ns
            .checked_add(i64::from(self.days) * NANOS_PER_DAY)
            .is_none()
        {
            return err("start plus days runs past the year 2262: choose an earlier start".into());
        }
        let v4 = self.darknet_v4;
        if !(8..=32).contains(&v4.len) {
            return err(format!(
                "IPv4 darknet {v4}: the prefix length must be between 8 and 32"
            ));
        }
        if u32::from(v4.addr) & v4.host_mask() != 0 {
            return err(format!(
                "IPv4 darknet {v4} has host bits set: write the network address"
            ));
        }
        let v6 = self.darknet_v6;
        if !(16..=128).contains(&v6.len) {
            return err(format!(
                "IPv6 darknet {v6}: the prefix length must be between 16 and 128"
            ));
        }
        if u128::from(v6.addr) & v6.host_mask() != 0 {
            return err(format!(
                "IPv6 darknet {v6} has host bits set: write the network address"
            ));
        }
        if self.mix.total() == 0 {
            return err("every traffic family has weight 0: give at least one a weight".into());
        }
        validate_all(self)
    }

    /// The span of the capture in nanoseconds.
    pub fn span_ns(&self) -> i64 {
        i64::from(self.days) * NANOS_PER_DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(c: SimConfig) -> String {
        match c.validate() {
            Err(SimError::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn default_is_valid() {
        SimConfig::default().validate().unwrap();
    }

    #[test]
    fn bad_settings_are_refused_with_a_sentence() {
        let d = SimConfig::default;
        assert!(refused(SimConfig { packets: 0, ..d() }).contains("packets is 0"));
        assert!(refused(SimConfig { days: 0, ..d() }).contains("days is 0"));
        assert!(refused(SimConfig {
            start_ns: DEFAULT_START_NS + 1,
            ..d()
        })
        .contains("microsecond"));
        assert!(refused(SimConfig {
            darknet_v4: "198.51.100.7/24".parse().unwrap(),
            ..d()
        })
        .contains("host bits"));
        assert!(refused(SimConfig {
            start_ns: (i64::MAX / 1_000 - 1_000) * 1_000,
            ..d()
        })
        .contains("2262"));
        let mut none = d();
        none.mix = Mix::NONE;
        assert!(refused(none).contains("weight 0"));
    }

    #[test]
    fn ranges_are_covered_by_the_fewest_prefixes() {
        let shown = |first: &str, last: &str| {
            let ip = |s: &str| u32::from(s.parse::<Ipv4Addr>().unwrap());
            Ipv4Prefix::cover(ip(first), ip(last))
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(shown("0.0.0.0", "255.255.255.255"), ["0.0.0.0/0"]);
        assert_eq!(shown("1.0.0.0", "1.0.0.255"), ["1.0.0.0/24"]);
        assert_eq!(
            shown("1.0.0.1", "1.0.0.6"),
            ["1.0.0.1/32", "1.0.0.2/31", "1.0.0.4/31", "1.0.0.6/32"]
        );
        assert_eq!(
            shown("255.255.255.255", "255.255.255.255"),
            ["255.255.255.255/32"]
        );
        assert!(Ipv4Prefix::cover(5, 4).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn cover_holds_the_range_exactly_with_aligned_prefixes(a: u32, b: u32) {
            let (first, last) = (a.min(b), a.max(b));
            let prefixes = Ipv4Prefix::cover(first, last);
            let mut next = u64::from(first);
            for p in &prefixes {
                let base = u32::from(p.addr);
                proptest::prop_assert_eq!(base & p.host_mask(), 0);
                proptest::prop_assert_eq!(u64::from(base), next);
                next += u64::from(p.host_mask()) + 1;
            }
            proptest::prop_assert_eq!(next, u64::from(last) + 1);
            // At most two prefixes per prefix length.
            proptest::prop_assert!(prefixes.len() <= 62);
        }
    }

    #[test]
    fn parses_prefixes_and_formats() {
        let p: Ipv4Prefix = "192.0.2.0/24".parse().unwrap();
        assert_eq!(p.host_mask(), 0xFF);
        assert!(p.contains(0xC000_02FE));
        assert!(!p.contains(0xC000_0301));
        assert!("192.0.2.0".parse::<Ipv4Prefix>().is_err());
        let q: Ipv6Prefix = "2001:db8:0:1::/64".parse().unwrap();
        assert_eq!(q.host_mask(), u128::from(u64::MAX));
        assert_eq!(
            "pcapng".parse::<CaptureFormat>().unwrap(),
            CaptureFormat::Pcapng
        );
        assert!("erf".parse::<CaptureFormat>().is_err());
    }
}
