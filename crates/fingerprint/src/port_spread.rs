use std::collections::HashMap;

use hirundo_packet::{protocol, AddrKey, Packet};

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// TSUBAME's research-scanner heuristic: a source that touched more than
/// [`PortSpread::THRESHOLD`] distinct destination ports in one UTC day.
///
/// A destination port is a (protocol, port) pair: 80/tcp and 80/udp are
/// two. TSUBAME and NICTER report ports per protocol ("23/TCP"), a
/// service is named by both, and a source probing 53/tcp and 53/udp is
/// probing two services; counting port numbers alone would let a
/// two-protocol sweep of five ports pass for one of five.
///
/// A day runs from 00:00:00 to 23:59:59.999999999 UTC, whatever the
/// sensor's time zone, so that sensors in different countries agree.
///
/// Memory is bounded per source: at most ten ports of the current day
/// (56 bytes); once a source crosses the threshold only that fact is
/// kept. Packets are expected in time order per source, as a capture
/// holds them: one from an earlier day than the source's latest is not
/// counted, and [`PortSpread::late_packets`] says how many were not.
#[derive(Debug, Clone, Default)]
pub struct PortSpread {
    sources: HashMap<AddrKey, Spread>,
    late: u64,
}

#[derive(Debug, Clone, Copy)]
enum Spread {
    Counting {
        day: i64,
        len: u8,
        /// `udp << 16 | port`, the first `len` distinct of this day.
        ports: [u32; PortSpread::THRESHOLD],
    },
    Research,
}

impl PortSpread {
    /// A source must exceed this many distinct ports in a day.
    pub const THRESHOLD: usize = 10;

    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that `source` sent to (protocol, port) at `ts_ns` (nanoseconds
    /// since the Unix epoch); `tcp_or_udp_port.0` is true for UDP.
    pub fn observe(&mut self, source: AddrKey, ts_ns: i64, tcp_or_udp_port: (bool, u16)) {
        let day = ts_ns.div_euclid(NANOS_PER_DAY);
        let (udp, port) = tcp_or_udp_port;
        let key = u32::from(udp) << 16 | u32::from(port);
        let spread = self.sources.entry(source).or_insert(Spread::Counting {
            day,
            len: 0,
            ports: [0; Self::THRESHOLD],
        });
        let Spread::Counting {
            day: current,
            len,
            ports,
        } = spread
        else {
            return;
        };
        if day < *current {
            self.late += 1;
            return;
        }
        if day > *current {
            *current = day;
            *len = 0;
        }
        let seen = &ports[..usize::from(*len)];
        if seen.contains(&key) {
            return;
        }
        if seen.len() == Self::THRESHOLD {
            *spread = Spread::Research;
        } else {
            ports[seen.len()] = key;
            *len += 1;
        }
    }

    /// [`observe`](Self::observe) for a decoded packet: its source and
    /// destination port, if it is TCP or UDP with its ports captured and
    /// not a later fragment. Returns whether it was counted.
    pub fn observe_packet(&mut self, packet: &Packet<'_>, ts_ns: i64) -> bool {
        let Some((_, dst_port)) = packet.ports() else {
            return false;
        };
        let udp = packet.protocol == protocol::UDP;
        self.observe(packet.ip.source_key(), ts_ns, (udp, dst_port));
        true
    }

    /// Whether `source` crossed the threshold on any day.
    pub fn is_research(&self, source: AddrKey) -> bool {
        matches!(self.sources.get(&source), Some(Spread::Research))
    }

    /// Every source that crossed the threshold, in no particular order.
    pub fn research_sources(&self) -> impl Iterator<Item = AddrKey> + '_ {
        self.sources
            .iter()
            .filter(|(_, s)| matches!(s, Spread::Research))
            .map(|(&k, _)| k)
    }

    /// Packets not counted because they came from an earlier day than
    /// their source's latest.
    pub fn late_packets(&self) -> u64 {
        self.late
    }

    /// Sources seen so far.
    pub fn sources(&self) -> usize {
        self.sources.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_767_225_600 * 1_000_000_000; // 2026-01-01T00:00:00Z
    const HOUR: i64 = 3_600 * 1_000_000_000;
    const SRC: AddrKey = AddrKey::V4(0x0808_0808);

    fn tcp(port: u16) -> (bool, u16) {
        (false, port)
    }

    #[test]
    fn ten_ports_are_not_research_eleven_are() {
        let mut spread = PortSpread::new();
        for port in 1..=10 {
            spread.observe(SRC, T0 + i64::from(port) * HOUR, tcp(port));
        }
        // Repeats of the same ten change nothing.
        for port in 1..=10 {
            spread.observe(SRC, T0 + 20 * HOUR, tcp(port));
        }
        assert!(!spread.is_research(SRC));
        assert_eq!(spread.research_sources().count(), 0);
        spread.observe(SRC, T0 + 23 * HOUR, tcp(11));
        assert!(spread.is_research(SRC));
        assert_eq!(spread.research_sources().collect::<Vec<_>>(), [SRC]);
        // And stays so on later days.
        spread.observe(SRC, T0 + 48 * HOUR, tcp(1));
        assert!(spread.is_research(SRC));
    }

    #[test]
    fn eleven_ports_over_two_days_are_not_research() {
        let mut spread = PortSpread::new();
        for port in 1..=6 {
            spread.observe(SRC, T0 + 23 * HOUR, tcp(port));
        }
        // 23:59:59.999999999 is still the first day.
        spread.observe(SRC, T0 + 24 * HOUR - 1, tcp(6));
        for port in 7..=11 {
            spread.observe(SRC, T0 + 24 * HOUR, tcp(port));
        }
        assert!(!spread.is_research(SRC));
        // Six more on the second day make eleven on it.
        for port in 1..=6 {
            spread.observe(SRC, T0 + 25 * HOUR, tcp(port));
        }
        assert!(spread.is_research(SRC));
    }

    #[test]
    fn tcp_and_udp_of_one_number_are_two_ports() {
        let mut spread = PortSpread::new();
        for port in 1..=5 {
            spread.observe(SRC, T0, (false, port));
            spread.observe(SRC, T0, (true, port));
        }
        assert!(!spread.is_research(SRC));
        spread.observe(SRC, T0, (true, 6));
        assert!(spread.is_research(SRC));
    }

    #[test]
    fn days_are_utc_and_negative_times_floor() {
        let mut spread = PortSpread::new();
        // 1969-12-31T23:00Z and 1970-01-01T00:00Z are different days.
        for port in 1..=6 {
            spread.observe(SRC, -HOUR, tcp(port));
        }
        for port in 7..=11 {
            spread.observe(SRC, 0, tcp(port));
        }
        assert!(!spread.is_research(SRC));
    }

    #[test]
    fn late_packets_are_counted_not_applied() {
        let mut spread = PortSpread::new();
        spread.observe(SRC, T0 + 30 * HOUR, tcp(1));
        for port in 2..=20 {
            spread.observe(SRC, T0, tcp(port));
        }
        assert!(!spread.is_research(SRC));
        assert_eq!(spread.late_packets(), 19);
    }

    #[test]
    fn sources_are_kept_apart() {
        let mut spread = PortSpread::new();
        let other = AddrKey::V6(1);
        for port in 1..=11 {
            spread.observe(SRC, T0, tcp(port));
            spread.observe(other, T0, tcp(port % 5));
        }
        assert!(spread.is_research(SRC));
        assert!(!spread.is_research(other));
        assert_eq!(spread.sources(), 2);
    }

    #[test]
    fn full_sweep_keeps_bounded_memory() {
        assert!(std::mem::size_of::<Spread>() <= 56);
        let mut spread = PortSpread::new();
        for port in 0..=u16::MAX {
            spread.observe(SRC, T0, tcp(port));
            spread.observe(SRC, T0, (true, port));
        }
        assert!(spread.is_research(SRC));
        assert_eq!(spread.sources(), 1);
        assert!(matches!(spread.sources[&SRC], Spread::Research));
    }
}
