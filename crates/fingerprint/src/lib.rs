//! Fingerprints of darknet traffic: which tool or malware sent a packet,
//! whether it is backscatter or spoofed, and which sources are research
//! scanners.
//!
//! [`tag`] looks at one decoded [`hirundo_packet::Packet`] and returns its
//! [`Tags`]; a summary counts packets and distinct sources per tag. A
//! [`SourceProfile`] accumulates one source's tags into a [`Verdict`].
//! Research scanners are judged per source, in two ways that reports keep
//! apart: [`ResearchScanners`] (organisations that publish their ranges,
//! loaded from TOML, looked up by address then ASN) and
//! [`RESEARCH_PORTS_PER_DAY`]
//! (TSUBAME's heuristic: more than ten destination ports in one UTC day).
//!
//! Nothing here does I/O except parsing a configuration string.
//!
//! # The packet rules
//!
//! Each tag is independent: a packet may carry several.
//!
//! - **mirai**: IPv4 TCP with SYN set, ACK clear, and sequence number equal
//!   to the destination address (Mirai's `scanner.c`, 2016 source release,
//!   sets `tcph->seq = iph->daddr`; its descendants keep the line while
//!   changing the port: 23, 2323, 37215, 52869, 8080...), on any port.
//!   hping3 `--syn --setseq <dst as integer>` makes the same packet.
//! - **zmap**: IPv4 identification 54321, any protocol: ZMap 1.x to 4.0
//!   writes it in `make_ip_header` (`src/probe_modules/packet.c`) for every
//!   probe module. Debian 12's ZMap 2.1.1 was run against a veth: 256 of 256
//!   TCP SYN (`tcp_synscan`, no TCP options, window 65535), 128 of 128 ICMP
//!   echo and 128 of 128 UDP probes carried it. **ZMap 4.1.0 (2024-03-21)
//!   randomises the identification** (zmap/zmap pull request 798, "Prevent
//!   fingerprinting ZMap by randomizing the IP ID"), so ZMap 4.1 and later
//!   are not tagged; nor are ZMap's IPv6 probes (IPv6 has no such field).
//! - **masscan**: IPv4 TCP whose identification equals
//!   `(dst ^ dst_port ^ seq) & 0xFFFF`, because `tcp_create_packet` and
//!   `template_set_target` in Masscan's `src/templ-pkt.c` compute
//!   `ip_id = ip_them ^ port_them ^ seqno`, from 1.0 to 1.3.x. The rule
//!   ignores TCP options, window (1024) and TTL (255), so it holds with or
//!   without an MSS option, and for the ACK and data segments of Masscan's
//!   banner grabbing too. Debian 12's Masscan 1.3.2 sends no option (3,200
//!   of 3,200 SYNs tagged, none with MSS): later sources put MSS 1460 in the
//!   template but send it only with the `--tcpmss` option of some forks
//!   (masscan pull requests 326 and 646).
//! - **backscatter**, replies from DoS victims to spoofed sources, as in
//!   CAIDA Corsaro3's backscatter filter (`_apply_backscatter_filter` in
//!   `libcorsaro/libcorsaro_filtering.c`): TCP SYN-ACK, RST and RST-ACK;
//!   ICMP echo reply (0), destination unreachable (3), source quench (4),
//!   redirect (5), time exceeded (11), parameter problem (12), timestamp
//!   reply (14), information reply (16) and address-mask reply (18); UDP
//!   from source port 53. Corsaro3 judges IPv4 only; by analogy hirundo
//!   also tags IPv6 TCP and UDP by the same rules and ICMPv6 destination
//!   unreachable (1), packet too big (2), time exceeded (3), parameter
//!   problem (4) and echo reply (129).
//! - **spoofed**, by four of Corsaro3's spoofing rules
//!   (`_apply_spoofing_filter`) and its reserved-source list
//!   (`_apply_rfc5735_filter`): an IPv4 source whose last octet is 0 or
//!   255; a source equal to the destination; TCP or UDP source or
//!   destination port 0; a reserved or bogon source (see [`BOGONS_V4`],
//!   which adds 100.64.0.0/10 to Corsaro3's list, and [`is_bogon_v6`]).
//!   Corsaro3 also calls spoofed a TTL of 200 or more, a fragment, and an
//!   unusual TCP flag combination; hirundo does not, because ZMap and
//!   Masscan send with TTL 255 and the issue asks for these four rules
//!   only. Only sources are judged: the darknet's own addresses
//!   (198.51.100.0/24 in the simulator) are fine as destinations.
//!
//! # How often a rule fires by chance
//!
//! With uniformly random fields: an IPv4 packet has identification 54321
//! with probability 1/65,536, so about 15 in a million packets from other
//! tools are tagged zmap (a masscan probe included: its id is a hash
//! value). A TCP packet satisfies the masscan relation with probability
//! 1/65,536 too, so an `nmap -sS` of all 65,535 ports is expected to show
//! one masscan-tagged probe and one zmap-tagged probe. A SYN's sequence
//! number equals its destination with probability 2^-32. The per-source
//! [`Verdict`] asks for most of a source's packets, which absorbs these.
//!
//! # Versions
//!
//! Rules read from the sources of ZMap (1.0 to 4.3 changelog), Masscan
//! (`templ-pkt.c`, 1.0 to 1.3.x) and Corsaro3 (`libcorsaro_filtering.c`),
//! and checked on packets from Debian 12's ZMap 2.1.1, Masscan 1.3.2,
//! Nmap 7.93 (`-sS`: 2,320 SYNs with random ids, none tagged) and hping3
//! 3.0.0-alpha-2 (`-S --setseq <destination as integer>`: 200 of 200
//! tagged mirai), sent in a network namespace to a darknet veth.
//!
//! # Per-source verdicts
//!
//! [`SourceProfile`] counts a source's packets by tag and gives one
//! [`Verdict`]: spoofed, then backscatter, when most of its packets are;
//! else mirai when most of its SYNs carry the Mirai sequence number; else
//! zmap or masscan when most of its probes carry that tool's id; else
//! unknown. The exact rule is on [`SourceProfile`].
//!
//! # Research scanners
//!
//! Reports show traffic with and without research scanners, so two
//! per-source judgements are kept apart:
//!
//! - **known organisations** ([`ResearchScanners`]): the source's address is
//!   in an organisation's published prefix (longest prefix wins), else its
//!   ASN is one of the organisation's. The shipped list
//!   (`research-scanners.toml`, [`ResearchScanners::builtin`]) marks which
//!   entries were checked against the organisation's own page; operators load
//!   their own with [`ResearchScanners::from_toml`].
//! - **TSUBAME's heuristic** ([`RESEARCH_PORTS_PER_DAY`]): more than ten distinct
//!   destination ports in one UTC day, a port being a (protocol, number)
//!   pair.

mod bogon;
mod prefix;
mod research;
mod rules;
mod tags;
mod verdict;

pub use bogon::{is_bogon_v4, is_bogon_v6, BOGONS_V4, BOGONS_V6_GLOBAL};

/// TSUBAME's research-scanner heuristic: a source that touched more than
/// this many distinct destination ports in one UTC day.
///
/// A destination port is a (protocol, port) pair: 80/tcp and 80/udp are
/// two. TSUBAME and NICTER report ports per protocol ("23/TCP"), a service
/// is named by both, and a source probing 53/tcp and 53/udp probes two
/// services; counting port numbers alone would let a two-protocol sweep of
/// five ports pass for one of five. A day runs from 00:00:00 to
/// 23:59:59.999999999 UTC, whatever the sensor's time zone, so that sensors
/// in different countries agree. `hirundo-summary` applies the rule per
/// source, taking each source's packets in time order as a capture holds
/// them.
pub const RESEARCH_PORTS_PER_DAY: usize = 10;
pub use prefix::{Prefix, PrefixError};
pub use research::{ConfigError, Organisation, ResearchScanners, BUILTIN_TOML};
pub use rules::{is_syn_probe, masscan_ip_id, tag, ZMAP_IP_ID};
pub use tags::Tags;
pub use verdict::{SourceProfile, Verdict};
