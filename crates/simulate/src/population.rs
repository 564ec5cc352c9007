//! Who sends: the sources of each family, how much each sends, and the
//! order in which their packets arrive.
//!
//! Volumes are heavy-tailed the way telescopes see them: within a family,
//! sources share its packets by a Zipf law over their rank, so a few
//! research scanners and busy bots send a large share while a long tail
//! sends a packet or two. Every source sends at least once, so the number
//! of distinct sources is known before a packet is written.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::config::Ipv4Prefix;
use crate::payloads::UDP_SERVICES;
use crate::ports::{Weighted, BACKSCATTER_PORTS};
use crate::rng::{below, between, chance};
use crate::{Family, SimConfig};

/// A source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Addr {
    V4(u32),
    V6(u128),
}

/// Backscatter kinds, in [`Source::variant`].
pub(crate) mod backscatter {
    pub const SYN_ACK: u8 = 0;
    pub const RST_ACK: u8 = 1;
    pub const RST: u8 = 2;
    pub const PORT_UNREACHABLE: u8 = 3;
    pub const HOST_UNREACHABLE: u8 = 4;
    pub const TIME_EXCEEDED: u8 = 5;
    pub const ECHO_REPLY: u8 = 6;
}

/// One sender and what stays fixed across its packets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    pub addr: Addr,
    pub family: Family,
    /// TTL or hop limit as it arrives: the sender's initial value minus
    /// the hops to the sensor, fixed per source as in real captures.
    pub ttl: u8,
    pub hops: u8,
    /// A family-specific flavour (tool version, OS, backscatter kind).
    pub variant: u8,
    pub src_port: u16,
    /// A family-specific port: ZMap's target, the victim's service, an
    /// index into the UDP service table.
    pub port: u16,
    pub window: u16,
    /// A per-source running value: Mirai's probe counter, a ping sequence,
    /// a TCP timestamp clock.
    pub counter: u32,
    /// Events sent so far.
    pub sent: u32,
}

/// The sources and the schedule of their events.
pub(crate) struct Population {
    pub sources: Vec<Source>,
    /// The source index of every event, in arrival order.
    pub schedule: Vec<u32>,
    /// Frames per family, exactly as many as will be written.
    pub frames: [u64; Family::ALL.len()],
    /// Where the sources' addresses came from: campaigns draw theirs
    /// after, so that none is also a background source.
    pub pool: AddressPool,
}

impl Population {
    pub fn build(config: &SimConfig, rng: &mut ChaCha8Rng) -> Population {
        let frames = frame_budgets(config);
        let mut pool = AddressPool::new(rng, config.darknet_v4);
        let tcp_ports = Weighted::tcp();
        let udp_services = Weighted::new(
            &UDP_SERVICES
                .iter()
                .map(|&(_, w, _)| (0, w))
                .collect::<Vec<_>>(),
            0,
        );
        let victim_ports = Weighted::new(BACKSCATTER_PORTS, 0);
        let mut sources = Vec::new();
        let mut schedule = Vec::with_capacity(config.packets as usize);
        for family in Family::ALL {
            let events = frames[family.index()] / family.frames_per_event();
            if events == 0 {
                continue;
            }
            let count = if family == Family::Arp {
                1
            } else {
                ((events as f64 / family.mean_events_per_source()).round() as u64).clamp(1, events)
            };
            for volume in zipf_volumes(events, count, family.zipf_exponent()) {
                let addr = match family {
                    Family::Ipv6 => Addr::V6(pool.next_v6(rng)),
                    Family::Arp => Addr::V4(router_address(config.darknet_v4)),
                    _ => Addr::V4(pool.next_v4()),
                };
                let index = sources.len() as u32;
                sources.push(Source::new(
                    family,
                    addr,
                    rng,
                    &tcp_ports,
                    &udp_services,
                    &victim_ports,
                ));
                schedule.extend(std::iter::repeat_n(index, volume as usize));
            }
        }
        // Fisher-Yates: every interleaving of the sources' events is equally
        // likely, so each source's packets spread over the whole span.
        for i in (1..schedule.len()).rev() {
            let j = below(rng, i as u32 + 1) as usize;
            schedule.swap(i, j);
        }
        Population {
            sources,
            schedule,
            frames,
            pool,
        }
    }
}

impl Source {
    fn new(
        family: Family,
        addr: Addr,
        rng: &mut ChaCha8Rng,
        tcp_ports: &Weighted,
        udp_services: &Weighted,
        victim_ports: &Weighted,
    ) -> Source {
        let hops = between(rng, 6, 24) as u8;
        let mut s = Source {
            addr,
            family,
            ttl: 64 - hops,
            hops,
            variant: 0,
            src_port: between(rng, 1024, 65535) as u16,
            port: 0,
            window: 0,
            counter: rng.next_u32(),
            sent: 0,
        };
        match family {
            Family::Mirai => {
                // scanner.c draws the source port and window once, at start.
                s.src_port = between(rng, 1, 65535) as u16;
                s.window = between(rng, 1, 65535) as u16;
                // Where in its every-tenth-probe-to-2323 cycle the bot is.
                s.counter = below(rng, 10);
            }
            Family::Zmap => {
                s.ttl = 255 - hops;
                // 0: --source-port pinned; 1: the default range per target.
                s.variant = u8::from(!chance(rng, 2, 5));
                s.src_port = between(rng, 32768, 61000) as u16;
                s.port = tcp_ports.draw(rng);
            }
            Family::Masscan => {
                s.ttl = 255 - hops;
                // 0: before 1.3, no options; 1: MSS 1460.
                s.variant = u8::from(!chance(rng, 2, 5));
                s.src_port = between(rng, 40000, 59999) as u16;
            }
            Family::Nmap => {
                // nmap's magic port: 33000 + random % 31000.
                s.src_port = between(rng, 33000, 63999) as u16;
            }
            Family::Generic => {
                // bit 0: Windows (else Linux); bit 1: an older release.
                let windows = chance(rng, 3, 10);
                let older = chance(rng, 1, 4);
                s.variant = u8::from(windows) | u8::from(older) << 1;
                s.ttl = if windows { 128 - hops } else { 64 - hops };
                s.window = match (windows, older) {
                    (_, false) => 64240,
                    (false, true) => 29200,
                    (true, true) => 8192,
                };
            }
            Family::Backscatter => {
                use backscatter::*;
                let roll = below(rng, 100);
                s.variant = match roll {
                    0..=39 => SYN_ACK,
                    40..=64 => RST_ACK,
                    65..=69 => RST,
                    70..=79 => PORT_UNREACHABLE,
                    80..=87 => HOST_UNREACHABLE,
                    88..=92 => TIME_EXCEEDED,
                    _ => ECHO_REPLY,
                };
                // Servers are Linux or Windows; routers answer with 255.
                let initial = match s.variant {
                    HOST_UNREACHABLE | TIME_EXCEEDED => 255,
                    _ if chance(rng, 1, 4) => 128,
                    _ => 64,
                };
                s.ttl = initial - hops;
                s.port = victim_ports.draw(rng);
                s.window = [65535, 29200, 64240, 14600, 8192][below(rng, 5) as usize];
            }
            Family::Udp => {
                s.port = udp_services.draw_index(rng) as u16;
                // bit 0: one source port for the whole scan.
                s.variant = u8::from(chance(rng, 1, 2));
                if chance(rng, 1, 4) {
                    s.ttl = 128 - hops;
                }
            }
            Family::Ping => {
                // 0: Linux ping; 1: Windows ping.
                s.variant = u8::from(chance(rng, 1, 3));
                if s.variant == 1 {
                    s.ttl = 128 - hops;
                }
                s.src_port = rng.next_u32() as u16;
                s.counter = below(rng, 32);
            }
            Family::Ipv6 => {
                // 0: TCP SYN with Linux options; 1: ICMPv6 echo request.
                s.variant = u8::from(chance(rng, 2, 5));
                s.window = 64240;
            }
            Family::Fragment => {
                s.src_port = 53;
            }
            Family::Arp => {
                s.ttl = 0;
            }
            // Campaign sources are drawn apart (`campaign::draw_sources`).
            Family::Campaign => {}
        }
        s
    }
}

/// Frames per family: the mix's shares of `packets` by largest remainder,
/// so they add up exactly. A fragmented datagram takes two frames, so an
/// odd frame left to fragments goes to UDP instead.
pub(crate) fn frame_budgets(config: &SimConfig) -> [u64; Family::ALL.len()] {
    let total_weight = u128::from(config.mix.total());
    let packets = u128::from(config.packets);
    let mut frames = [0u64; Family::ALL.len()];
    let mut remainders = Vec::with_capacity(Family::ALL.len());
    for f in Family::ALL {
        let share = packets * u128::from(f.weight(&config.mix));
        frames[f.index()] = (share / total_weight) as u64;
        remainders.push((share % total_weight, f.index()));
    }
    let assigned: u64 = frames.iter().sum();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((config.packets - assigned) as usize) {
        frames[i] += 1;
    }
    let fragment = Family::Fragment.index();
    if frames[fragment] % 2 == 1 {
        frames[fragment] -= 1;
        frames[Family::Udp.index()] += 1;
    }
    frames
}

/// Splits `events` among `count` sources by a Zipf law of exponent `s`
/// over rank; every source gets at least one. Largest first.
pub(crate) fn zipf_volumes(events: u64, count: u64, s: f64) -> Vec<u64> {
    let weight = |rank: u64| (rank as f64).powf(-s);
    let total: f64 = (1..=count).map(weight).sum();
    let extra = (events - count) as f64;
    let mut volumes: Vec<u64> = (1..=count)
        .map(|r| 1 + (extra * weight(r) / total) as u64)
        .collect();
    let given: u64 = volumes.iter().sum();
    // Floors leave fewer than `count` events over; hand them to the top
    // ranks. Float rounding could in principle overshoot instead: take the
    // surplus from the top ranks, never below one.
    if given <= events {
        for v in volumes.iter_mut().take((events - given) as usize) {
            *v += 1;
        }
    } else {
        let mut surplus = given - events;
        for v in volumes.iter_mut() {
            let cut = surplus.min(*v - 1);
            *v -= cut;
            surplus -= cut;
        }
    }
    volumes
}

/// The router's address on the darknet link, which its ARP requests carry.
fn router_address(darknet: Ipv4Prefix) -> u32 {
    u32::from(darknet.addr) | (1 & darknet.host_mask())
}

/// Hands out distinct public-looking source addresses.
///
/// IPv4 addresses are a keyed Feistel permutation of a counter, so they
/// never repeat and look scattered over the whole space; anything that
/// could not be a source on the Internet is skipped.
pub(crate) struct AddressPool {
    keys: [u32; 4],
    next_v4: u32,
    next_v6: u32,
    darknet: Ipv4Prefix,
}

/// IPv4 ranges that never source Internet traffic (RFC 6890 special
/// purpose, private, shared, loopback, link-local, documentation,
/// benchmarking, multicast, reserved), as (network, prefix length).
const NOT_PUBLIC: [(u32, u8); 15] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0a00_0000, 8),  // 10.0.0.0/8
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local
    (0xac10_0000, 12), // 172.16.0.0/12
    (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xc000_0200, 24), // 192.0.2.0/24 TEST-NET-1
    (0xc058_6300, 24), // 192.88.99.0/24 6to4 relay anycast
    (0xc0a8_0000, 16), // 192.168.0.0/16
    (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xc633_6400, 24), // 198.51.100.0/24 TEST-NET-2
    (0xcb00_7100, 24), // 203.0.113.0/24 TEST-NET-3
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved and broadcast
];

pub(crate) fn is_public_v4(addr: u32) -> bool {
    NOT_PUBLIC
        .iter()
        .all(|&(net, len)| addr >> (32 - len) != net >> (32 - len))
}

/// The first 16 bits of IPv6 sources: blocks the five RIRs allocate from
/// (APNIC 2400::/12, ARIN 2600::/12, LACNIC 2800::/12, RIPE NCC 2a00::/12,
/// AFRINIC 2c00::/12), which keeps clear of 2001:db8::/32, Teredo and 6to4.
const V6_BLOCKS: [u16; 5] = [0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00];

impl AddressPool {
    fn new(rng: &mut ChaCha8Rng, darknet: Ipv4Prefix) -> Self {
        AddressPool {
            keys: [
                rng.next_u32(),
                rng.next_u32(),
                rng.next_u32(),
                rng.next_u32(),
            ],
            next_v4: 0,
            next_v6: 0,
            darknet,
        }
    }

    fn permute(&self, x: u32) -> u32 {
        let (mut left, mut right) = ((x >> 16) as u16, x as u16);
        for key in self.keys {
            let mixed = (u32::from(right) ^ key).wrapping_mul(0x9e37_79b1);
            let f = (mixed >> 16) as u16 ^ mixed as u16;
            (left, right) = (right, left ^ f);
        }
        u32::from(left) << 16 | u32::from(right)
    }

    /// The counter that [`permute`](Self::permute) maps to `y`: the same
    /// rounds run backwards.
    fn unpermute(&self, y: u32) -> u32 {
        let (mut left, mut right) = ((y >> 16) as u16, y as u16);
        for key in self.keys.iter().rev() {
            let mixed = (u32::from(left) ^ key).wrapping_mul(0x9e37_79b1);
            let f = (mixed >> 16) as u16 ^ mixed as u16;
            (left, right) = (right ^ f, left);
        }
        u32::from(left) << 16 | u32::from(right)
    }

    /// Whether `addr` was handed out (or passed over) by
    /// [`next_v4`](Self::next_v4) so far.
    pub fn issued_v4(&self, addr: u32) -> bool {
        self.unpermute(addr) < self.next_v4
    }

    pub fn next_v4(&mut self) -> u32 {
        loop {
            let addr = self.permute(self.next_v4);
            self.next_v4 = self.next_v4.wrapping_add(1);
            if is_public_v4(addr) && !self.darknet.contains(addr) {
                return addr;
            }
        }
    }

    /// A distinct global unicast address: an RIR block, a random /32
    /// inside it, a distinct /64 per source, and an interface identifier
    /// that is either ::1-like (servers, scanners on static addresses) or
    /// random (SLAAC privacy addresses).
    fn next_v6(&mut self, rng: &mut ChaCha8Rng) -> u128 {
        let block = V6_BLOCKS[below(rng, V6_BLOCKS.len() as u32) as usize] | below(rng, 16) as u16;
        let site = u128::from(self.permute(self.next_v6 ^ 0x5a5a_5a5a));
        self.next_v6 += 1;
        let iid = if chance(rng, 1, 2) {
            u128::from(between(rng, 1, 16))
        } else {
            u128::from(rng.next_u64())
        };
        u128::from(block) << 112 | u128::from(rng.next_u32() as u16) << 96 | site << 64 | iid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::Mix;

    #[test]
    fn the_pool_knows_what_it_handed_out() {
        let mut pool = AddressPool::new(&mut stream(4, 0), "198.51.100.0/24".parse().unwrap());
        for x in [0, 1, 77, 0xffff_ffff, 0x1234_5678] {
            assert_eq!(pool.unpermute(pool.permute(x)), x);
        }
        let given: Vec<u32> = (0..1000).map(|_| pool.next_v4()).collect();
        assert!(given.iter().all(|&a| pool.issued_v4(a)));
        let next = pool.permute(pool.next_v4);
        assert!(!pool.issued_v4(next));
        // Handed out, or passed over if it is not public: issued either way.
        pool.next_v4();
        assert!(pool.issued_v4(next));
    }

    #[test]
    fn special_ranges_are_not_public() {
        for addr in [
            0x0a01_0203, // 10.1.2.3
            0x7f00_0001, // 127.0.0.1
            0xc0a8_0101, // 192.168.1.1
            0xac1f_ffff, // 172.31.255.255
            0x6440_0001, // 100.64.0.1
            0xc633_6407, // 198.51.100.7
            0xe000_00fb, // 224.0.0.251
            0xffff_ffff, // broadcast
        ] {
            assert!(!is_public_v4(addr), "{addr:#x}");
        }
        for addr in [0x0808_0808, 0xac20_0001, 0xc633_6500, 0x6480_0001] {
            assert!(is_public_v4(addr), "{addr:#x}");
        }
    }

    #[test]
    fn budgets_add_up_and_fragments_are_even() {
        for packets in [1, 2, 3, 99, 1001, 100_000, 2_000_003] {
            let config = SimConfig {
                packets,
                ..SimConfig::default()
            };
            let frames = frame_budgets(&config);
            assert_eq!(frames.iter().sum::<u64>(), packets);
            assert_eq!(frames[Family::Fragment.index()] % 2, 0);
        }
        let only_fragments = SimConfig {
            packets: 11,
            mix: Mix {
                fragment: 1,
                ..Mix::NONE
            },
            ..SimConfig::default()
        };
        let frames = frame_budgets(&only_fragments);
        assert_eq!(frames[Family::Fragment.index()], 10);
        assert_eq!(frames[Family::Udp.index()], 1);
    }

    #[test]
    fn zipf_volumes_are_exact_positive_and_heavy_tailed() {
        for (events, count) in [(10, 10), (11, 10), (1000, 7), (100_000, 6_000)] {
            let v = zipf_volumes(events, count, 1.0);
            assert_eq!(v.len() as u64, count);
            assert_eq!(v.iter().sum::<u64>(), events);
            assert!(v.iter().all(|&x| x >= 1));
            assert!(v.windows(2).all(|w| w[0] >= w[1]));
        }
        let v = zipf_volumes(100_000, 6_000, 1.0);
        let top: u64 = v[..60].iter().sum();
        assert!(top * 100 / 100_000 >= 40, "top 1% sends {top}");
        assert!(v[v.len() - 1] <= 2, "tail sends {}", v[v.len() - 1]);
    }

    #[test]
    fn sources_are_distinct_public_and_outside_the_darknet() {
        let config = SimConfig {
            packets: 60_000,
            darknet_v4: "8.8.0.0/16".parse().unwrap(),
            ..SimConfig::default()
        };
        let pop = Population::build(&config, &mut stream(1, 0));
        let mut seen = std::collections::BTreeSet::new();
        for s in &pop.sources {
            match s.addr {
                Addr::V4(a) if s.family != Family::Arp => {
                    assert!(is_public_v4(a) && !config.darknet_v4.contains(a));
                }
                Addr::V6(a) => assert_eq!(a >> 125, 0b001, "{a:x} is not 2000::/3"),
                _ => {}
            }
            assert!(seen.insert(s.addr_key()), "{:?} twice", s.addr);
        }
        assert_eq!(
            pop.schedule.len() as u64 + pop.frames[Family::Fragment.index()] / 2,
            60_000
        );
        // About one source per fifteen packets.
        let ratio = 60_000 / pop.sources.len();
        assert!((12..=18).contains(&ratio), "{ratio}");
    }

    impl Source {
        fn addr_key(&self) -> (u8, u128) {
            match self.addr {
                Addr::V4(a) => (4, u128::from(a)),
                Addr::V6(a) => (6, a),
            }
        }
    }
}
