//! The packet loop: for each scheduled event, build its frame as its family
//! would send it, and record in the ground truth exactly what was built.

use std::collections::BTreeMap;

use hirundo_fingerprint::Tags;
use hirundo_packet::{protocol, AddrKey};
use hirundo_summary::{Attribution, Outcome, Rejection, SummaryBuilder, Tally};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::campaign::{draw_sources, Campaigns};
use crate::clock::Clock;
use crate::frame::{
    quote_ipv4, udp_checksum_v4, FrameBuf, Ipv4, Ipv6, Tcp, TCP_ACK, TCP_RST, TCP_SYN,
};
use crate::payloads::{write_probe, MAX_PAYLOAD, UDP_SERVICES};
use crate::population::{backscatter, Addr, Population, Source};
use crate::ports::Weighted;
use crate::rng::{below, between, chance, stream};
use crate::{CaptureFormat, Family, SimConfig, SimError, Simulation};

/// ZMap's fixed IPv4 identification.
pub const ZMAP_IP_ID: u16 = 54321;

/// Masscan's IPv4 identification for a probe: the low 16 bits of
/// `dst ^ dst_port ^ seq`.
pub fn masscan_ip_id(dst: u32, dst_port: u16, seq: u32) -> u16 {
    (dst ^ u32::from(dst_port) ^ seq) as u16
}

/// MSS 1460: ZMap 2.x-3.x, modern Masscan, Nmap, SYN-ACK backscatter.
const OPT_MSS: [u8; 4] = [0x02, 0x04, 0x05, 0xb4];
/// Windows: MSS 1460, NOP, window scale 8, NOP, NOP, SACK permitted.
const OPT_WINDOWS: [u8; 12] = [
    0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02,
];
/// Linux: MSS 1460, SACK permitted, timestamps (value filled in, echo 0),
/// NOP, window scale 7.
const OPT_LINUX: [u8; 20] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07,
];
/// Where the timestamp value sits in [`OPT_LINUX`].
const LINUX_TSVAL: usize = 8;

/// What Windows `ping` sends.
const WINDOWS_PING: &[u8; 32] = b"abcdefghijklmnopqrstuvwabcdefghi";

/// UDP payload in the first fragment: 1500 bytes of IP minus its header.
const FIRST_FRAGMENT_DATA: usize = 1480;
/// The header of a DNS response after its id: flags (QR, RD, RA) and one
/// question; the answer count goes after it.
const DNS_FLAGS_QDCOUNT: [u8; 4] = [0x81, 0x80, 0, 1];
/// No authority or additional records, then the question `isc.org ANY IN`.
const DNS_NS_AR_QUESTION: [u8; 17] = [
    0, 0, 0, 0, 3, b'i', b's', b'c', 3, b'o', b'r', b'g', 0, 0, 0xff, 0, 1,
];
/// A TXT record of 255 characters: name pointer, type, class, TTL, length
/// (12 bytes), then the character-string (1 + 255).
const TXT_RECORD_MAX: usize = 268;
/// Gap between a first fragment and its later fragment on the wire.
const FRAGMENT_GAP_NS: i64 = 12_000;

/// A frame as written: its timestamp, its bytes, and the family it belongs
/// to (which the capture itself does not say).
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub ts_ns: i64,
    pub data: &'a [u8],
    pub family: Family,
}

/// The later fragment of the datagram whose first fragment was just
/// written; it follows immediately.
struct PendingFragment {
    ip: Ipv4,
    len: usize,
    ts_ns: i64,
}

/// Produces the frames of one simulated capture, in time order, and keeps
/// their ground truth.
///
/// [`crate::simulate`] drives it into a capture writer; tests and
/// benchmarks can drive it directly and decode frames in memory. Nothing is
/// allocated per frame: every frame is built in the same buffer, which the
/// returned [`Frame`] borrows until the next call.
pub struct Generator {
    population: Population,
    next_event: usize,
    clock: Clock,
    rng: ChaCha8Rng,
    frame: FrameBuf,
    payload: Box<[u8; MAX_PAYLOAD]>,
    datagram: Box<[u8; 4096]>,
    pending: Option<PendingFragment>,
    tcp_ports: Weighted,
    v4_base: u32,
    v4_mask: u32,
    v6_base: u128,
    v6_mask: u128,
    format: CaptureFormat,
    truth: SummaryBuilder,
    family_frames: [u64; Family::ALL.len()],
    campaigns: Campaigns,
    /// The background's next instant, when it was drawn early to compare
    /// with the campaigns'.
    peeked: Option<i64>,
}

impl Generator {
    /// Validates `config`, then draws the sources, the schedule and the
    /// clock: the work before the first frame, some 30 ms per million
    /// packets in a release build, and 4 bytes of memory per packet.
    pub fn new(config: &SimConfig) -> Result<Self, SimError> {
        config.validate()?;
        // Separate streams, so that a change to how one part draws does not
        // reshuffle the others.
        let mut population = Population::build(config, &mut stream(config.seed, 0));
        let campaigns = if config.campaigns.is_empty() {
            Campaigns::none()
        } else {
            let addresses = draw_sources(config, &mut population.pool)?;
            Campaigns::new(config, addresses)
        };
        let clock = Clock::new(
            stream(config.seed, 1),
            config.packets,
            config.start_ns,
            config.span_ns(),
            config.format.resolution_ns(),
        );
        Ok(Generator {
            population,
            next_event: 0,
            clock,
            rng: stream(config.seed, 2),
            frame: FrameBuf::new(),
            payload: Box::new([0; MAX_PAYLOAD]),
            datagram: Box::new([0; 4096]),
            pending: None,
            tcp_ports: Weighted::tcp(),
            v4_base: u32::from(config.darknet_v4.addr),
            v4_mask: config.darknet_v4.host_mask(),
            v6_base: u128::from(config.darknet_v6.addr),
            v6_mask: config.darknet_v6.host_mask(),
            format: config.format,
            truth: SummaryBuilder::new(),
            family_frames: [0; Family::ALL.len()],
            campaigns,
            peeked: None,
        })
    }

    /// Frames this generator writes in all, campaigns included.
    pub fn packets(&self) -> u64 {
        self.population.frames.iter().sum::<u64>() + self.campaigns.planned()
    }

    /// Frames written so far.
    pub fn written(&self) -> u64 {
        self.truth.packets()
    }

    /// The next frame, or `None` when all have been produced.
    ///
    /// Campaign frames are merged by timestamp; on a tie the background's
    /// comes first. Without campaigns this costs a test of two fields.
    pub fn next_frame(&mut self) -> Option<Frame<'_>> {
        // Without campaigns (or once they are over) the background's
        // frames come straight from its schedule. One path to the truth
        // for both kinds of frame keeps the summary's work inlined here.
        let (ts_ns, family, outcome) =
            if self.campaigns.next_ns == i64::MAX && self.peeked.is_none() {
                self.next_background(None)?
            } else {
                self.next_merged()?
            };
        let data = self.frame.bytes();
        self.truth.record(ts_ns, data.len() as u32, outcome);
        self.family_frames[family.index()] += 1;
        Some(Frame {
            ts_ns,
            data,
            family,
        })
    }

    /// Builds the background's next frame, at `peeked` if its instant was
    /// already drawn, and says what it is.
    #[inline(always)]
    fn next_background(&mut self, peeked: Option<i64>) -> Option<(i64, Family, Outcome)> {
        match self.pending.take() {
            Some(p) => {
                let ts_ns =
                    peeked.unwrap_or_else(|| (p.ts_ns + FRAGMENT_GAP_NS).min(self.clock.next()));
                let start = FIRST_FRAGMENT_DATA;
                self.frame
                    .ipv4_raw(&p.ip, &self.datagram[start..start + p.len]);
                let outcome = decoded_v4(p.ip.src, protocol::UDP, None);
                Some((
                    ts_ns,
                    Family::Fragment,
                    with_truth_tags(outcome, Family::Fragment, true),
                ))
            }
            None => {
                let &index = self.population.schedule.get(self.next_event)?;
                self.next_event += 1;
                let ts_ns = peeked.unwrap_or_else(|| self.clock.next());
                let mut source = self.population.sources[index as usize];
                let outcome = self.emit(&mut source, ts_ns);
                source.sent += 1;
                self.population.sources[index as usize] = source;
                let outcome = with_truth_tags(outcome, source.family, false);
                Some((ts_ns, source.family, outcome))
            }
        }
    }

    /// The next frame while campaigns run: the background's or the
    /// campaigns', whichever is due first (the background's on a tie).
    /// The background's instant is drawn ahead to compare, and kept for
    /// the next call when a campaign frame goes first: the clock has its
    /// own stream, so drawing it early changes nothing. Out of line, so
    /// that the path without campaigns compiles as tight as before they
    /// existed (fewer instructions per frame under cachegrind, not more).
    #[inline(never)]
    fn next_merged(&mut self) -> Option<(i64, Family, Outcome)> {
        let background = match self.peeked.take() {
            Some(ts_ns) => Some(ts_ns),
            None => match &self.pending {
                Some(p) => Some((p.ts_ns + FRAGMENT_GAP_NS).min(self.clock.next())),
                None if self.next_event < self.population.schedule.len() => Some(self.clock.next()),
                None => None,
            },
        };
        match background {
            Some(ts_ns) if ts_ns <= self.campaigns.next_ns => self.next_background(Some(ts_ns)),
            _ if self.campaigns.next_ns == i64::MAX => None,
            _ => {
                self.peeked = background;
                let (ts_ns, outcome) = self.campaigns.emit(&mut self.frame, &mut self.payload);
                let outcome = with_truth_tags(outcome, Family::Campaign, false);
                Some((ts_ns, Family::Campaign, outcome))
            }
        }
    }

    /// The ground truth of the frames produced so far, listing them as one
    /// file named `path_label`.
    pub fn finish(self, path_label: &str) -> Simulation {
        self.finish_with(path_label, None)
    }

    /// [`finish`](Self::finish), with the countries, ASNs and research
    /// organisations `attribution` gives the sources the generator drew.
    pub fn finish_with(
        mut self,
        path_label: &str,
        attribution: Option<&dyn Attribution>,
    ) -> Simulation {
        let packets = self.truth.packets();
        self.truth.add_file(path_label, self.format.name(), packets);
        let mut families = BTreeMap::new();
        for family in Family::ALL {
            let frames = self.family_frames[family.index()];
            if frames == 0 {
                continue;
            }
            let sources = if family == Family::Campaign {
                self.campaigns.sources_sent()
            } else if family.has_ip_sources() {
                self.population
                    .sources
                    .iter()
                    .filter(|s| s.family == family && s.sent > 0)
                    .count() as u64
            } else {
                0
            };
            families.insert(
                family.name().to_string(),
                Tally {
                    packets: frames,
                    sources,
                },
            );
        }
        Simulation {
            summary: self.truth.finish_with(attribution),
            families,
            campaigns: self.campaigns.truth(),
        }
    }

    fn darknet_v4(&mut self) -> u32 {
        self.v4_base | (self.rng.next_u32() & self.v4_mask)
    }

    /// IPv6 scanners try low interface identifiers (::1, ::2...) first,
    /// then random ones.
    fn darknet_v6(&mut self) -> u128 {
        let iid = if chance(&mut self.rng, 1, 2) {
            u128::from(between(&mut self.rng, 1, 255))
        } else {
            u128::from(self.rng.next_u64())
        };
        self.v6_base | (iid & self.v6_mask)
    }

    fn plain_id(&mut self, dst: u32, dst_port: u16, seq: u32) -> u16 {
        plain_id(&mut self.rng, dst, dst_port, seq)
    }

    fn plain_seq(&mut self, dst: u32) -> u32 {
        plain_seq(&mut self.rng, dst)
    }

    /// A sequence number for ZMap and Masscan probes: random, not the
    /// destination, and not one that would put Masscan's id on 54321.
    fn scanner_seq(&mut self, dst: u32, dst_port: u16) -> u32 {
        loop {
            let seq = self.plain_seq(dst);
            if masscan_ip_id(dst, dst_port, seq) != ZMAP_IP_ID {
                return seq;
            }
        }
    }

    /// Builds the frame of one event of `s` and says what it is.
    fn emit(&mut self, s: &mut Source, ts_ns: i64) -> Outcome {
        let src = match s.addr {
            Addr::V4(a) => a,
            Addr::V6(a) => return self.emit_v6(s, a, ts_ns),
        };
        match s.family {
            Family::Mirai => {
                let dst = self.darknet_v4();
                let dst_port = if s.counter % 10 == 0 { 2323 } else { 23 };
                s.counter = s.counter.wrapping_add(1);
                let id = self.plain_id(dst, dst_port, dst);
                self.syn_v4(
                    src,
                    dst,
                    s.ttl,
                    id,
                    false,
                    s.src_port,
                    dst_port,
                    dst,
                    s.window,
                    &[],
                )
            }
            Family::Zmap => {
                let dst = self.darknet_v4();
                let seq = self.scanner_seq(dst, s.port);
                let src_port = if s.variant == 0 {
                    s.src_port
                } else {
                    between(&mut self.rng, 32768, 61000) as u16
                };
                self.syn_v4(
                    src, dst, s.ttl, ZMAP_IP_ID, false, src_port, s.port, seq, 65535, &OPT_MSS,
                )
            }
            Family::Masscan => {
                let dst = self.darknet_v4();
                let dst_port = self.tcp_ports.draw(&mut self.rng);
                let seq = self.scanner_seq(dst, dst_port);
                let id = masscan_ip_id(dst, dst_port, seq);
                let options: &[u8] = if s.variant == 0 { &[] } else { &OPT_MSS };
                self.syn_v4(
                    src, dst, s.ttl, id, false, s.src_port, dst_port, seq, 1024, options,
                )
            }
            Family::Nmap => {
                let dst = self.darknet_v4();
                let dst_port = self.tcp_ports.draw(&mut self.rng);
                let seq = self.plain_seq(dst);
                let id = self.plain_id(dst, dst_port, seq);
                let ttl = between(&mut self.rng, 37, 59) as u8 - s.hops;
                self.syn_v4(
                    src, dst, ttl, id, false, s.src_port, dst_port, seq, 1024, &OPT_MSS,
                )
            }
            Family::Generic => {
                let dst = self.darknet_v4();
                let dst_port = self.tcp_ports.draw(&mut self.rng);
                let seq = self.plain_seq(dst);
                let id = self.plain_id(dst, dst_port, seq);
                if s.variant & 1 == 1 {
                    let src_port = between(&mut self.rng, 49152, 65535) as u16;
                    self.syn_v4(
                        src,
                        dst,
                        s.ttl,
                        id,
                        true,
                        src_port,
                        dst_port,
                        seq,
                        s.window,
                        &OPT_WINDOWS,
                    )
                } else {
                    let src_port = between(&mut self.rng, 32768, 60999) as u16;
                    let options = linux_options(s.counter, ts_ns);
                    self.syn_v4(
                        src, dst, s.ttl, id, true, src_port, dst_port, seq, s.window, &options,
                    )
                }
            }
            Family::Backscatter => self.backscatter(s, src),
            Family::Udp => {
                let dst = self.darknet_v4();
                let (port, _, probe) = UDP_SERVICES[usize::from(s.port)];
                let dst_port = if port == 0 {
                    between(&mut self.rng, 1024, 65535) as u16
                } else {
                    port
                };
                let src_port = if s.variant & 1 == 1 {
                    s.src_port
                } else {
                    between(&mut self.rng, 1024, 65535) as u16
                };
                let len = write_probe(probe, &mut self.rng, src, dst, &mut self.payload);
                let id = self.plain_id(dst, 0, 0);
                let ip = Ipv4::new(src, dst, protocol::UDP, s.ttl, id);
                self.frame
                    .udp_v4(&ip, src_port, dst_port, &self.payload[..len]);
                decoded_v4(src, protocol::UDP, Some(dst_port))
            }
            Family::Ping => {
                let dst = self.darknet_v4();
                let id = self.plain_id(dst, 0, 0);
                let seq = s.counter as u16;
                s.counter = s.counter.wrapping_add(1);
                let rest = echo_rest(s.src_port, seq);
                if s.variant == 0 {
                    let ip = Ipv4 {
                        dont_fragment: true,
                        ..Ipv4::new(src, dst, protocol::ICMP, s.ttl, id)
                    };
                    let body = linux_ping_payload(ts_ns);
                    self.frame.icmp_v4(&ip, 8, 0, rest, &body);
                } else {
                    let ip = Ipv4::new(src, dst, protocol::ICMP, s.ttl, id);
                    self.frame.icmp_v4(&ip, 8, 0, rest, WINDOWS_PING);
                }
                decoded_v4(src, protocol::ICMP, None)
            }
            Family::Fragment => self.first_fragment(s, src, ts_ns),
            Family::Arp => {
                let target = self.darknet_v4();
                self.frame.arp_request(src, target);
                Outcome::Rejected(Rejection::NotIp)
            }
            Family::Ipv6 => unreachable!("IPv6 sources have IPv6 addresses"),
            Family::Campaign => unreachable!("campaigns are not in the population"),
        }
    }

    #[allow(clippy::too_many_arguments)] // the fields that make a fingerprint
    fn syn_v4(
        &mut self,
        src: u32,
        dst: u32,
        ttl: u8,
        id: u16,
        dont_fragment: bool,
        src_port: u16,
        dst_port: u16,
        seq: u32,
        window: u16,
        options: &[u8],
    ) -> Outcome {
        let ip = Ipv4 {
            dont_fragment,
            ..Ipv4::new(src, dst, protocol::TCP, ttl, id)
        };
        let tcp = Tcp {
            src_port,
            dst_port,
            seq,
            ack: 0,
            flags: TCP_SYN,
            window,
            options,
        };
        self.frame.tcp_v4(&ip, &tcp);
        decoded_v4(src, protocol::TCP, Some(dst_port))
    }

    /// A victim's (or its router's) reply to a packet that claimed to come
    /// from a darknet address.
    fn backscatter(&mut self, s: &Source, victim: u32) -> Outcome {
        use backscatter::*;
        let dst = self.darknet_v4();
        match s.variant {
            SYN_ACK | RST_ACK | RST => {
                // The flood's spoofed source port, now our destination port.
                let dst_port = between(&mut self.rng, 1024, 65535) as u16;
                let (flags, seq, ack, window, options): (u8, u32, u32, u16, &[u8]) = match s.variant
                {
                    SYN_ACK => {
                        let seq = self.plain_seq(dst);
                        (
                            TCP_SYN | TCP_ACK,
                            seq,
                            self.rng.next_u32(),
                            s.window,
                            &OPT_MSS,
                        )
                    }
                    RST_ACK => (TCP_RST | TCP_ACK, 0, self.rng.next_u32(), 0, &[]),
                    _ => (TCP_RST, self.plain_seq(dst), 0, 0, &[]),
                };
                let id = self.plain_id(dst, dst_port, seq);
                let ip = Ipv4 {
                    dont_fragment: true,
                    ..Ipv4::new(victim, dst, protocol::TCP, s.ttl, id)
                };
                let tcp = Tcp {
                    src_port: s.port,
                    dst_port,
                    seq,
                    ack,
                    flags,
                    window,
                    options,
                };
                self.frame.tcp_v4(&ip, &tcp);
                decoded_v4(victim, protocol::TCP, Some(dst_port))
            }
            ECHO_REPLY => {
                let id = self.plain_id(dst, 0, 0);
                let ip = Ipv4::new(victim, dst, protocol::ICMP, s.ttl, id);
                let rest = self.rng.next_u32().to_be_bytes();
                let len = below(&mut self.rng, 57) as usize;
                for (i, b) in self.payload[..len].iter_mut().enumerate() {
                    *b = i as u8;
                }
                self.frame.icmp_v4(&ip, 0, 0, rest, &self.payload[..len]);
                decoded_v4(victim, protocol::ICMP, None)
            }
            kind => {
                // The flood packet as it reached the victim, spoofed from
                // our darknet address: UDP to the victim's service for a
                // port unreachable, else a TCP SYN or UDP to a host the
                // router could not reach (or whose TTL ran out on the way).
                let (kind, code, target, ttl) = match kind {
                    PORT_UNREACHABLE => (3, 3, victim, between(&mut self.rng, 30, 60)),
                    HOST_UNREACHABLE => {
                        let code = if chance(&mut self.rng, 1, 2) { 1 } else { 13 };
                        let host = victim & 0xffff_ff00 | below(&mut self.rng, 256);
                        (3, code, host, between(&mut self.rng, 30, 60))
                    }
                    _ => (11, 0, victim & 0xffff_0000 | below(&mut self.rng, 65536), 1),
                };
                let udp = kind == 3 && code == 3 || chance(&mut self.rng, 1, 2);
                let sport = between(&mut self.rng, 1024, 65535) as u16;
                let (inner, first8, total_len) = if udp {
                    let len = 8 + below(&mut self.rng, 1024) as u16;
                    let mut first8 = [0u8; 8];
                    first8[0..2].copy_from_slice(&sport.to_be_bytes());
                    first8[2..4].copy_from_slice(&s.port.to_be_bytes());
                    first8[4..6].copy_from_slice(&len.to_be_bytes());
                    first8[6..8].copy_from_slice(&(self.rng.next_u32() as u16).to_be_bytes());
                    (protocol::UDP, first8, 20 + len)
                } else {
                    let mut first8 = [0u8; 8];
                    first8[0..2].copy_from_slice(&sport.to_be_bytes());
                    first8[2..4].copy_from_slice(&s.port.to_be_bytes());
                    first8[4..8].copy_from_slice(&self.rng.next_u32().to_be_bytes());
                    (protocol::TCP, first8, 40)
                };
                let quoted_id = self.rng.next_u32() as u16;
                let quoted = Ipv4::new(dst, target, inner, ttl as u8, quoted_id);
                let body = quote_ipv4(&quoted, total_len, first8);
                let id = self.plain_id(dst, 0, 0);
                let ip = Ipv4::new(victim, dst, protocol::ICMP, s.ttl, id);
                self.frame.icmp_v4(&ip, kind, code, [0; 4], &body);
                decoded_v4(victim, protocol::ICMP, None)
            }
        }
    }

    /// Writes the first fragment of a large DNS response and leaves its
    /// later fragment pending.
    ///
    /// The response is the classic amplification answer: `isc.org ANY`
    /// with a run of TXT records, well formed so that Wireshark, which
    /// reassembles fragments, decodes it whole.
    fn first_fragment(&mut self, s: &Source, src: u32, ts_ns: i64) -> Outcome {
        let dst = self.darknet_v4();
        let dst_port = between(&mut self.rng, 1024, 65535) as u16;
        // Enough TXT records to need two fragments but not three: 6-9 of
        // 268 bytes, then one of 13-268, puts the UDP length in 1654-2713.
        let full = between(&mut self.rng, 6, 9) as usize;
        let last = below(&mut self.rng, 256) as usize;
        let udp_len = 8 + 2 + 4 + 2 + 17 + full * TXT_RECORD_MAX + 13 + last;
        let later = udp_len - FIRST_FRAGMENT_DATA;
        let d = &mut self.datagram[..udp_len];
        d[0..2].copy_from_slice(&s.src_port.to_be_bytes());
        d[2..4].copy_from_slice(&dst_port.to_be_bytes());
        d[4..6].copy_from_slice(&(udp_len as u16).to_be_bytes());
        d[6..8].copy_from_slice(&[0, 0]);
        d[8..10].copy_from_slice(&(self.rng.next_u32() as u16).to_be_bytes());
        d[10..14].copy_from_slice(&DNS_FLAGS_QDCOUNT);
        d[14..16].copy_from_slice(&(full as u16 + 1).to_be_bytes());
        d[16..33].copy_from_slice(&DNS_NS_AR_QUESTION);
        let mut at = 33;
        for i in 0..=full {
            let text = if i < full { 255 } else { last };
            // Name: pointer to the question's; type TXT, class IN, TTL 3600.
            d[at..at + 10].copy_from_slice(&[0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0x0e, 0x10]);
            d[at + 10..at + 12].copy_from_slice(&(text as u16 + 1).to_be_bytes());
            d[at + 12] = text as u8;
            for b in &mut d[at + 13..at + 13 + text] {
                *b = b'a' + below(&mut self.rng, 26) as u8;
            }
            at += 13 + text;
        }
        debug_assert_eq!(at, udp_len);
        let sum = udp_checksum_v4(src, dst, d);
        d[6..8].copy_from_slice(&sum.to_be_bytes());
        let id = self.plain_id(dst, 0, 0);
        let first = Ipv4 {
            more_fragments: true,
            ..Ipv4::new(src, dst, protocol::UDP, s.ttl, id)
        };
        self.frame
            .ipv4_raw(&first, &self.datagram[..FIRST_FRAGMENT_DATA]);
        self.pending = Some(PendingFragment {
            ip: Ipv4 {
                more_fragments: false,
                fragment_offset: (FIRST_FRAGMENT_DATA / 8) as u16,
                ..first
            },
            len: later,
            ts_ns,
        });
        decoded_v4(src, protocol::UDP, Some(dst_port))
    }

    fn emit_v6(&mut self, s: &mut Source, src: u128, ts_ns: i64) -> Outcome {
        let dst = self.darknet_v6();
        let ip = Ipv6 {
            src,
            dst,
            hop_limit: s.ttl,
            flow_label: self.rng.next_u32() & 0xf_ffff,
        };
        if s.variant == 0 {
            let dst_port = self.tcp_ports.draw(&mut self.rng);
            let options = linux_options(s.counter, ts_ns);
            let tcp = Tcp {
                src_port: between(&mut self.rng, 32768, 60999) as u16,
                dst_port,
                seq: self.rng.next_u32(),
                ack: 0,
                flags: TCP_SYN,
                window: s.window,
                options: &options,
            };
            self.frame.tcp_v6(&ip, &tcp);
            Outcome::Decoded {
                source: AddrKey::V6(src),
                protocol: protocol::TCP,
                dst_port: Some(dst_port),
                tags: Tags::NONE,
            }
        } else {
            let seq = s.counter as u16;
            s.counter = s.counter.wrapping_add(1);
            let body = linux_ping_payload(ts_ns);
            self.frame
                .icmp_v6(&ip, 128, 0, echo_rest(s.src_port, seq), &body);
            Outcome::Decoded {
                source: AddrKey::V6(src),
                protocol: protocol::ICMPV6,
                dst_port: None,
                tags: Tags::NONE,
            }
        }
    }
}

/// An IPv4 id for any family but ZMap and Masscan: random, yet never
/// ZMap's 54321 nor Masscan's relation for this probe, so that the
/// fingerprints stay exclusive.
pub(crate) fn plain_id(rng: &mut impl RngCore, dst: u32, dst_port: u16, seq: u32) -> u16 {
    loop {
        let id = rng.next_u32() as u16;
        if id != ZMAP_IP_ID && id != masscan_ip_id(dst, dst_port, seq) {
            return id;
        }
    }
}

/// A random TCP sequence number that is not Mirai's (the destination).
pub(crate) fn plain_seq(rng: &mut impl RngCore, dst: u32) -> u32 {
    loop {
        let seq = rng.next_u32();
        if seq != dst {
            return seq;
        }
    }
}

pub(crate) fn decoded_v4(src: u32, protocol: u8, dst_port: Option<u16>) -> Outcome {
    Outcome::Decoded {
        source: AddrKey::V4(src),
        protocol,
        dst_port,
        tags: Tags::NONE,
    }
}

/// The fingerprint tags a frame must get, from what the generator knows it
/// built rather than from its bytes: the family's own tag, backscatter for
/// a DNS response's first fragment (UDP from port 53), and spoofed for the
/// one Corsaro3 rule these sources can meet, a last octet of 0 or 255.
/// Sources are public and never a darknet address, no port is 0, and
/// families avoid each other's fingerprints (see [`Family`]).
fn with_truth_tags(outcome: Outcome, family: Family, later_fragment: bool) -> Outcome {
    let Outcome::Decoded {
        source,
        protocol,
        dst_port,
        ..
    } = outcome
    else {
        return outcome;
    };
    let mut tags = match family {
        Family::Mirai => Tags::MIRAI,
        Family::Zmap => Tags::ZMAP,
        Family::Masscan => Tags::MASSCAN,
        Family::Backscatter => Tags::BACKSCATTER,
        Family::Fragment if !later_fragment => Tags::BACKSCATTER,
        _ => Tags::NONE,
    };
    if matches!(source, AddrKey::V4(src) if matches!(src & 0xFF, 0 | 255)) {
        tags |= Tags::SPOOFED;
    }
    Outcome::Decoded {
        source,
        protocol,
        dst_port,
        tags,
    }
}

/// Linux SYN options with a timestamp value: a per-connection random offset
/// plus a millisecond clock, as Linux has sent since 4.10.
pub(crate) fn linux_options(offset: u32, ts_ns: i64) -> [u8; 20] {
    let mut options = OPT_LINUX;
    let tsval = offset.wrapping_add((ts_ns / 1_000_000) as u32);
    options[LINUX_TSVAL..LINUX_TSVAL + 4].copy_from_slice(&tsval.to_be_bytes());
    options
}

/// Identifier and sequence number of an echo request or reply.
fn echo_rest(id: u16, seq: u16) -> [u8; 4] {
    let mut rest = [0u8; 4];
    rest[0..2].copy_from_slice(&id.to_be_bytes());
    rest[2..4].copy_from_slice(&seq.to_be_bytes());
    rest
}

/// What iputils `ping` sends on 64-bit Linux: a 16-byte struct timeval in
/// host (little-endian) order, then each byte holding its own offset,
/// which is why the pattern starts at 0x10.
fn linux_ping_payload(ts_ns: i64) -> [u8; 56] {
    let mut body = [0u8; 56];
    let secs = ts_ns.div_euclid(1_000_000_000);
    let micros = ts_ns.rem_euclid(1_000_000_000) / 1_000;
    body[0..8].copy_from_slice(&secs.to_le_bytes());
    body[8..16].copy_from_slice(&micros.to_le_bytes());
    for (i, b) in body.iter_mut().enumerate().skip(16) {
        *b = i as u8;
    }
    body
}
