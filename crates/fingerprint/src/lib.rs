//! Fingerprints of darknet traffic: which tool or malware sent a packet,
//! whether it is backscatter or spoofed, and which sources are research
//! scanners.
//!
//! [`tag`] looks at one decoded [`hirundo_packet::Packet`] and returns its
//! [`Tags`]; a summary counts packets and distinct sources per tag. A
//! [`SourceProfile`] accumulates one source's tags into a [`Verdict`].
//! Research scanners are judged per source, in two ways that reports keep
//! apart: [`ResearchScanners`] (organisations that publish their ranges,
//! loaded from TOML, looked up by address then ASN) and [`PortSpread`]
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
//!   sets `tcph->seq = iph->daddr`). hping3 `--syn --setseq <dst as
//!   integer>` makes the same packet.
//! - **zmap**: IPv4 identification 54321, any protocol: ZMap 2.x to 4.0 set
//!   it in `make_ip_header` for every probe module (TCP SYN, ICMP echo,
//!   UDP). **ZMap 4.1 randomises the identification**, so its probes are
//!   not tagged; nor are ZMap's IPv6 probes (IPv6 has no such field).
//! - **masscan**: IPv4 TCP whose identification equals
//!   `(dst ^ dst_port ^ seq) & 0xFFFF`, because `tcp_create_packet` and
//!   `template_set_target` in Masscan's `src/templ-pkt.c` compute
//!   `ip_id = ip_them ^ port_them ^ seqno`, from 1.0 to 1.3.x. The rule
//!   ignores TCP options, window (1024) and TTL (255): it holds with or
//!   without the MSS option some builds add, and for the ACK and data
//!   segments of Masscan's banner grabbing too.
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
//! Checked against the sources of ZMap 2.1.1 (Debian 12) to 4.0, Masscan
//! 1.3.2 (Debian 12), Nmap 7.93 (random id, never tagged but by chance),
//! hping3 3.0.0-alpha-2, and Corsaro3 as published by CAIDA.

mod bogon;
mod port_spread;
mod prefix;
mod research;
mod rules;
mod tags;
mod verdict;

pub use bogon::{is_bogon_v4, is_bogon_v6, BOGONS_V4, BOGONS_V6_GLOBAL};
pub use port_spread::PortSpread;
pub use prefix::{Prefix, PrefixError};
pub use research::{ConfigError, Organisation, ResearchScanners, BUILTIN_TOML};
pub use rules::{is_syn_probe, masscan_ip_id, tag, ZMAP_IP_ID};
pub use tags::Tags;
pub use verdict::{SourceProfile, Verdict};
