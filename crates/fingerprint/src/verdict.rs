use hirundo_packet::Packet;

use crate::{is_syn_probe, tag, Tags};

/// What a source is, judged from all its packets by [`SourceProfile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    Mirai,
    Zmap,
    Masscan,
    Backscatter,
    Spoofed,
    Unknown,
}

impl Verdict {
    /// The summary name: the tag's name, or "unknown".
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Mirai => "mirai",
            Verdict::Zmap => "zmap",
            Verdict::Masscan => "masscan",
            Verdict::Backscatter => "backscatter",
            Verdict::Spoofed => "spoofed",
            Verdict::Unknown => "unknown",
        }
    }
}

/// Counts of one source's packets by tag, from which its [`Verdict`]
/// follows. Accumulate with [`observe`](Self::observe), read
/// [`verdict`](Self::verdict).
///
/// The rule, first match wins:
///
/// 1. **spoofed** when more than half of its packets are tagged spoofed.
///    The address rules (last octet 0 or 255, bogon) hold for every packet
///    of a source, so such a source is all spoofed; the per-packet rules
///    (source = destination, port 0) make a source spoofed only if they
///    are most of what it sends.
/// 2. **backscatter** when more than half of its packets are backscatter:
///    a victim only answers.
/// 3. **mirai** when more than half of its SYNs (SYN set, ACK clear)
///    carry the Mirai sequence number.
/// 4. **zmap** when more than half of its probes (packets that are not
///    backscatter) carry ZMap's IP id.
/// 5. **masscan** when more than half of its probes satisfy Masscan's id
///    relation.
/// 6. otherwise **unknown**.
///
/// "More than half" rather than "all" because the tools mark every packet
/// (ZMap, Masscan, Mirai bots are 100%), while a host that ran nmap once
/// and matched a 1-in-65,536 chance stays unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceProfile {
    pub packets: u64,
    pub syns: u64,
    pub mirai_syns: u64,
    pub zmap: u64,
    pub masscan: u64,
    pub backscatter: u64,
    pub spoofed: u64,
}

impl SourceProfile {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one packet: its tags, and whether it is a SYN without ACK
    /// ([`crate::is_syn_probe`]).
    #[inline]
    pub fn observe(&mut self, tags: Tags, is_syn: bool) {
        self.packets += 1;
        self.syns += u64::from(is_syn);
        self.mirai_syns += u64::from(is_syn && tags.contains(Tags::MIRAI));
        self.zmap += u64::from(tags.contains(Tags::ZMAP) && !tags.contains(Tags::BACKSCATTER));
        self.masscan +=
            u64::from(tags.contains(Tags::MASSCAN) && !tags.contains(Tags::BACKSCATTER));
        self.backscatter += u64::from(tags.contains(Tags::BACKSCATTER));
        self.spoofed += u64::from(tags.contains(Tags::SPOOFED));
    }

    /// Tags `packet`, counts it, and returns its tags. A later fragment is
    /// not counted: it carries no transport header, so it says nothing
    /// about its source that its first fragment did not (a fragmented
    /// DNS reflection would otherwise be half backscatter, half unknown).
    #[inline]
    pub fn observe_packet(&mut self, packet: &Packet<'_>) -> Tags {
        let tags = tag(packet);
        if !packet.is_later_fragment() {
            self.observe(tags, is_syn_probe(packet));
        }
        tags
    }

    /// Adds another profile of the same source (from another file or
    /// thread).
    pub fn merge(&mut self, other: &SourceProfile) {
        self.packets += other.packets;
        self.syns += other.syns;
        self.mirai_syns += other.mirai_syns;
        self.zmap += other.zmap;
        self.masscan += other.masscan;
        self.backscatter += other.backscatter;
        self.spoofed += other.spoofed;
    }

    pub fn verdict(&self) -> Verdict {
        let most = |part: u64, whole: u64| part * 2 > whole;
        let probes = self.packets - self.backscatter;
        if most(self.spoofed, self.packets) {
            Verdict::Spoofed
        } else if most(self.backscatter, self.packets) {
            Verdict::Backscatter
        } else if most(self.mirai_syns, self.syns) {
            Verdict::Mirai
        } else if most(self.zmap, probes) {
            Verdict::Zmap
        } else if most(self.masscan, probes) {
            Verdict::Masscan
        } else {
            Verdict::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(packets: &[(Tags, bool)]) -> Verdict {
        let mut p = SourceProfile::new();
        for &(tags, syn) in packets {
            p.observe(tags, syn);
        }
        p.verdict()
    }

    #[test]
    fn each_verdict_from_its_packets() {
        assert_eq!(profile(&[]), Verdict::Unknown);
        assert_eq!(profile(&[(Tags::MIRAI, true); 3]), Verdict::Mirai);
        assert_eq!(profile(&[(Tags::ZMAP, true); 3]), Verdict::Zmap);
        assert_eq!(profile(&[(Tags::ZMAP, false); 2]), Verdict::Zmap);
        assert_eq!(profile(&[(Tags::MASSCAN, true); 3]), Verdict::Masscan);
        assert_eq!(
            profile(&[(Tags::BACKSCATTER, false); 3]),
            Verdict::Backscatter
        );
        assert_eq!(
            profile(&[(Tags::SPOOFED | Tags::MIRAI, true); 3]),
            Verdict::Spoofed
        );
        assert_eq!(profile(&[(Tags::NONE, true); 3]), Verdict::Unknown);
    }

    #[test]
    fn half_is_not_more_than_half() {
        let half = [(Tags::MASSCAN, true), (Tags::NONE, true)];
        assert_eq!(profile(&half), Verdict::Unknown);
        let most = [
            (Tags::MASSCAN, true),
            (Tags::MASSCAN, true),
            (Tags::NONE, true),
        ];
        assert_eq!(profile(&most), Verdict::Masscan);
    }

    #[test]
    fn one_chance_match_among_many_probes_stays_unknown() {
        let mut packets = vec![(Tags::NONE, true); 999];
        packets.push((Tags::MASSCAN | Tags::ZMAP, true));
        assert_eq!(profile(&packets), Verdict::Unknown);
    }

    #[test]
    fn mirai_is_judged_on_syns_only() {
        // Two SYNs with the fingerprint, three pings: still Mirai.
        let mut packets = vec![(Tags::MIRAI, true); 2];
        packets.extend([(Tags::NONE, false); 3]);
        assert_eq!(profile(&packets), Verdict::Mirai);
    }

    #[test]
    fn backscatter_packets_are_not_probes() {
        // A victim whose SYN-ACKs happen to carry 54321 is backscatter, and
        // a scanner that is also a victim is judged on its probes.
        assert_eq!(
            profile(&[(Tags::BACKSCATTER | Tags::ZMAP, false); 3]),
            Verdict::Backscatter
        );
        let mut packets = vec![(Tags::BACKSCATTER, false); 2];
        packets.extend([(Tags::ZMAP, true); 3]);
        assert_eq!(profile(&packets), Verdict::Zmap);
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = SourceProfile::new();
        a.observe(Tags::ZMAP, true);
        let mut b = SourceProfile::new();
        b.observe(Tags::NONE, true);
        b.observe(Tags::NONE, true);
        a.merge(&b);
        assert_eq!((a.packets, a.syns, a.zmap), (3, 3, 1));
        assert_eq!(a.verdict(), Verdict::Unknown);
        assert_eq!(Verdict::Zmap.name(), "zmap");
    }
}
