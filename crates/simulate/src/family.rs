//! The families of darknet traffic and the packet fingerprints that make
//! each recognisable. The detector that a later issue adds is tested
//! against these, so each is written as the tool or malware really sends it.

use crate::Mix;

/// One kind of traffic a telescope sees. Every generated frame belongs to
/// exactly one family, and the fingerprints are exclusive: the generator
/// re-draws any random field that would make a frame match another
/// family's test by chance (IP id 54321, the Masscan id relation, a
/// sequence number equal to the destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Mirai and its descendants (scanner.c of the 2016 source release):
    /// a TCP SYN whose sequence number equals the destination IPv4
    /// address; to 23/tcp, and to 2323/tcp on every tenth probe; data
    /// offset 5 (no options); source port and window drawn once per bot;
    /// IP id random per probe; TTL 64 at the bot; DF clear.
    Mirai,
    /// ZMap 2.x and 3.x `tcp_synscan`, which research scanners still run:
    /// IP id 54321 (set in `make_ip_header`), TTL 255 at the scanner, DF
    /// clear, window 65535, one MSS option of 1460 (data offset 6), a
    /// sequence number from its validation hash, one destination port per
    /// scan. The source port is pinned (`--source-port`) for some scanners
    /// and otherwise ZMap's default range 32768-61000, chosen per target.
    /// (ZMap 4 randomises the id and sends Windows-like options; not
    /// modelled.)
    Zmap,
    /// Masscan: IP id = (destination address ^ destination port ^ sequence
    /// number) & 0xFFFF, because `tcp_create_packet` computes
    /// `ip_id = ip_them ^ port_them ^ seqno` and stores its low 16 bits;
    /// the sequence number is its SYN cookie; window 1024; TTL 255; DF
    /// clear; one source port per scan; many destination ports. Releases
    /// before 1.3 send no options (data offset 5); later ones one MSS
    /// option of 1460 (data offset 6). Both appear.
    Masscan,
    /// Nmap's raw SYN scan (`-sS`): window 1024, one MSS option of 1460,
    /// TTL random per probe in 37..=59 at the scanner (`get_random_uint()
    /// % 23 + 37`), IP id random, DF clear, one source port per scan.
    Nmap,
    /// SYNs from ordinary operating-system stacks (infected hosts,
    /// connect() scanners). Linux: window 64240 or 29200, DF, TTL 64,
    /// options MSS 1460, SACK-permitted, timestamps, NOP, window scale 7
    /// (data offset 10). Windows: window 64240 or 8192, DF, TTL 128,
    /// options MSS 1460, NOP, window scale 8, NOP, NOP, SACK-permitted
    /// (data offset 8). Ephemeral source ports per connection.
    Generic,
    /// Replies from victims of floods whose spoofed sources fell in the
    /// darknet: TCP SYN-ACK, RST-ACK and RST from service ports (80, 443,
    /// 53, game servers...) to random high ports; ICMP destination
    /// unreachable and time exceeded quoting the flood packet's IPv4 header
    /// and first 8 bytes; ICMP echo replies.
    Backscatter,
    /// UDP probes of amplification and IoT services with the payloads
    /// scanners send (DNS query, NTP version and monlist, SNMP get, SSDP
    /// M-SEARCH, SIP OPTIONS, memcached stats, NetBIOS NBSTAT, CLDAP
    /// rootDSE, WS-Discovery, mDNS...).
    Udp,
    /// ICMP echo requests of ping sweeps: Linux `ping` (56 bytes: a
    /// timeval then 0x10..0x37, DF) and Windows `ping` (32 bytes of
    /// "abcdefghijklmnopqrstuvwabcdefghi").
    Ping,
    /// IPv6 scans: TCP SYN with Linux options and ICMPv6 echo requests.
    Ipv6,
    /// A DNS response too big for one packet, reflected to a spoofed
    /// darknet address: a first fragment (MF set, UDP header inside) and a
    /// later fragment (no ports), back to back.
    Fragment,
    /// ARP who-has requests from the upstream router for darknet
    /// addresses: Ethernet frames that carry no IP.
    Arp,
    /// An injected scanning campaign (`SimConfig::campaigns`): SYNs from
    /// Linux stacks (as [`Family::Generic`]'s, with a fresh timestamp
    /// offset per connection) or UDP probes with DF set, to one port. Not
    /// part of the [`Mix`]: campaigns come on top of the background.
    Campaign,
}

impl Family {
    pub const ALL: [Family; 12] = [
        Family::Mirai,
        Family::Zmap,
        Family::Masscan,
        Family::Nmap,
        Family::Generic,
        Family::Backscatter,
        Family::Udp,
        Family::Ping,
        Family::Ipv6,
        Family::Fragment,
        Family::Arp,
        Family::Campaign,
    ];

    /// The key in [`Simulation::families`](crate::Simulation::families).
    pub fn name(self) -> &'static str {
        match self {
            Family::Mirai => "mirai",
            Family::Zmap => "zmap",
            Family::Masscan => "masscan",
            Family::Nmap => "nmap",
            Family::Generic => "generic",
            Family::Backscatter => "backscatter",
            Family::Udp => "udp",
            Family::Ping => "ping",
            Family::Ipv6 => "ipv6",
            Family::Fragment => "fragment",
            Family::Arp => "arp",
            Family::Campaign => "campaign",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn weight(self, mix: &Mix) -> u32 {
        match self {
            Family::Mirai => mix.mirai,
            Family::Zmap => mix.zmap,
            Family::Masscan => mix.masscan,
            Family::Nmap => mix.nmap,
            Family::Generic => mix.generic,
            Family::Backscatter => mix.backscatter,
            Family::Udp => mix.udp,
            Family::Ping => mix.ping,
            Family::Ipv6 => mix.ipv6,
            Family::Fragment => mix.fragment,
            Family::Arp => mix.arp,
            // Campaigns have their own packet counts.
            Family::Campaign => 0,
        }
    }

    /// Frames per scheduled event: a fragmented datagram is two.
    pub(crate) fn frames_per_event(self) -> u64 {
        match self {
            Family::Fragment => 2,
            _ => 1,
        }
    }

    /// Mean events per source over a capture. These set how many sources a
    /// family has, and with the defaults give about one source per 15
    /// packets. A research scanner sweeping a port across a /24 sends
    /// ~256 probes to it; a Mirai bot scanning all of IPv4 at a few hundred
    /// packets per second hits a given /24 a handful of times a day.
    pub(crate) fn mean_events_per_source(self) -> f64 {
        match self {
            Family::Mirai => 8.0,
            Family::Zmap => 250.0,
            Family::Masscan => 150.0,
            Family::Nmap => 30.0,
            Family::Generic => 15.0,
            Family::Backscatter => 25.0,
            Family::Udp => 12.0,
            Family::Ping => 20.0,
            Family::Ipv6 => 15.0,
            Family::Fragment => 2.0,
            // One router sends all of them.
            Family::Arp => f64::INFINITY,
            // Not drawn with the population (its weight is 0).
            Family::Campaign => 1.0,
        }
    }

    /// Exponent of the Zipf law that shares a family's events among its
    /// sources by rank. 1.0 is the classic heavy tail; a little steeper
    /// for the crowd families (bots, OS stacks, UDP and ping sweepers), so
    /// that about two in five of all sources send only one or two packets
    /// while the top 1% send over 40%, as telescopes report.
    pub(crate) fn zipf_exponent(self) -> f64 {
        match self {
            Family::Generic | Family::Backscatter | Family::Udp | Family::Ping | Family::Ipv6 => {
                1.1
            }
            _ => 1.0,
        }
    }

    /// Whether the family's sources count in the summary: ARP frames are
    /// not decoded, so their sender is never a source.
    pub(crate) fn has_ip_sources(self) -> bool {
        self != Family::Arp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_family_in_index_order() {
        for (i, f) in Family::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }

    #[test]
    fn default_mix_gives_about_fifteen_packets_per_source() {
        let mix = Mix::default();
        let total = mix.total() as f64;
        let sources: f64 = Family::ALL
            .iter()
            .filter(|f| f.has_ip_sources())
            .map(|f| {
                f64::from(f.weight(&mix)) / f.frames_per_event() as f64 / f.mean_events_per_source()
            })
            .sum();
        let per_source = total / sources;
        assert!((13.0..17.0).contains(&per_source), "{per_source}");
    }
}
