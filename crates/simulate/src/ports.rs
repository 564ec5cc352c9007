//! Destination ports, weighted as telescopes see them.
//!
//! The TCP weights follow the rankings darknet operators publish year after
//! year (JPCERT/CC TSUBAME, NICT NICTER, GreyNoise, Merit ORION): telnet
//! first, then SSH, the web ports, SMB and RDP, then the IoT exploit ports
//! (2323, 5555 adb, 37215 Huawei HG532, 52869 Realtek UPnP, 8728 MikroTik,
//! 7547 TR-069, 60001), databases and container APIs, and a long tail of
//! ports drawn uniformly from 1-65535.

use rand::RngCore;

use crate::rng::below;

/// Relative weights of the destination ports of TCP scanners other than
/// Mirai (which has its own 23/2323 rule). The table sums to 9,800; the
/// uniform tail adds `TCP_TAIL` more, about a tenth of all draws.
pub const TCP_PORTS: &[(u16, u32)] = &[
    (23, 1400),
    (22, 1300),
    (80, 850),
    (443, 650),
    (445, 600),
    (3389, 500),
    (8080, 450),
    (5555, 300),
    (37215, 250),
    (52869, 220),
    (8728, 200),
    (6379, 190),
    (1433, 180),
    (3306, 170),
    (5900, 160),
    (2323, 150),
    (81, 150),
    (8443, 140),
    (8000, 130),
    (7547, 120),
    (9200, 110),
    (2375, 100),
    (60001, 90),
    (49152, 85),
    (21, 80),
    (25, 80),
    (8081, 75),
    (8888, 70),
    (135, 65),
    (139, 60),
    (5432, 60),
    (8291, 55),
    (110, 50),
    (2222, 50),
    (9000, 50),
    (143, 45),
    (1723, 45),
    (5000, 45),
    (10000, 45),
    (4567, 40),
    (8088, 40),
    (88, 35),
    (6443, 35),
    (9090, 35),
    (27017, 35),
    (1080, 30),
    (3128, 30),
    (8090, 30),
    (11211, 30),
    (502, 25),
    (9100, 25),
    (102, 20),
    (20000, 20),
];

/// Weight of a port drawn uniformly from 1-65535: scanners that sweep
/// every port, and worms picking at random.
pub(crate) const TCP_TAIL: u32 = 1_000;

/// Service ports of flood victims, by weight: web servers first, DNS, then
/// the game servers that draw most DDoS (Steam 27015, Minecraft 25565,
/// Xbox Live 3074, 7777).
pub(crate) const BACKSCATTER_PORTS: &[(u16, u32)] = &[
    (80, 300),
    (443, 300),
    (53, 90),
    (22, 50),
    (3389, 40),
    (8080, 40),
    (25, 30),
    (27015, 40),
    (25565, 40),
    (3074, 20),
    (7777, 20),
    (21, 15),
    (6667, 15),
];

/// Draws from a fixed table of (value, weight) with an optional uniform
/// tail, by binary search over cumulative weights.
pub(crate) struct Weighted {
    values: Vec<u16>,
    cumulative: Vec<u32>,
    /// Draws at or above this fall in the tail.
    table_total: u32,
    total: u32,
}

impl Weighted {
    pub fn new(table: &[(u16, u32)], tail: u32) -> Self {
        let mut acc = 0;
        let cumulative = table
            .iter()
            .map(|&(_, w)| {
                acc += w;
                acc
            })
            .collect();
        Weighted {
            values: table.iter().map(|&(v, _)| v).collect(),
            cumulative,
            table_total: acc,
            total: acc + tail,
        }
    }

    pub fn tcp() -> Self {
        Self::new(TCP_PORTS, TCP_TAIL)
    }

    /// A value from the table, or from 1-65535 in the tail.
    #[inline]
    pub fn draw(&self, rng: &mut impl RngCore) -> u16 {
        let x = below(rng, self.total);
        if x >= self.table_total {
            return 1 + below(rng, 65_535) as u16;
        }
        self.values[self.cumulative.partition_point(|&c| c <= x)]
    }

    /// The index of a table entry drawn by weight (no tail).
    #[inline]
    pub fn draw_index(&self, rng: &mut impl RngCore) -> usize {
        let x = below(rng, self.table_total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn tcp_table_is_ranked_and_leaves_a_tail() {
        assert_eq!(TCP_PORTS[0].0, 23);
        assert!(TCP_PORTS.windows(2).all(|w| w[0].1 >= w[1].1));
        let table: u32 = TCP_PORTS.iter().map(|p| p.1).sum();
        assert_eq!(table, 9_800);
        let mut ports: Vec<u16> = TCP_PORTS.iter().map(|p| p.0).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), TCP_PORTS.len(), "a port is listed twice");
    }

    #[test]
    fn draws_follow_the_weights() {
        let table = Weighted::tcp();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let mut telnet = 0;
        let mut ssh = 0;
        for _ in 0..n {
            match table.draw(&mut rng) {
                23 => telnet += 1,
                22 => ssh += 1,
                0 => panic!("port 0 drawn"),
                _ => {}
            }
        }
        // 1400 and 1300 of 10,800, within a few standard deviations.
        assert!((25_200..26_700).contains(&telnet), "{telnet}");
        assert!((23_300..24_800).contains(&ssh), "{ssh}");
    }
}
