//! Who takes part in a campaign: fresh addresses, drawn after the
//! background population so that no address sends both.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use hirundo_fingerprint::{is_bogon_v4, ResearchScanners};
use rand::RngCore;

use crate::config::Ipv4Prefix;
use crate::population::AddressPool;
use crate::rng::stream;
use crate::{SimConfig, SimError};

/// Draws in a row that may fail before the ranges are declared too
/// crowded: a million cheap draws, some 30 ms.
const MAX_MISSES: u32 = 1 << 20;

/// Which stream of the seed a campaign draws its sources from.
pub(crate) fn sources_stream(index: usize) -> u64 {
    super::stream::campaign_stream(index, 0)
}

/// The addresses of every campaign of `config`, in campaign order.
///
/// Campaigns without `from` continue the background's address pool, which
/// never repeats an address; campaigns with `from` draw uniformly over
/// their ranges and skip what the pool has already handed out. Either way
/// an address is refused if another campaign has it, if it is a bogon, in
/// the darknet, in a research scanner's published prefix, or ends in .0 or
/// .255 (the fingerprints' spoofed rule).
pub(crate) fn draw_sources(
    config: &SimConfig,
    pool: &mut AddressPool,
) -> Result<Vec<Vec<u32>>, SimError> {
    let research = ResearchScanners::builtin();
    let mut taken: HashSet<u32> = HashSet::new();
    let mut all = Vec::with_capacity(config.campaigns.len());
    for (index, campaign) in config.campaigns.iter().enumerate() {
        let wanted = campaign.sources as usize;
        let mut addrs = Vec::with_capacity(wanted);
        let usable = |addr: u32, taken: &HashSet<u32>| {
            !matches!(addr & 0xff, 0 | 255)
                && !is_bogon_v4(addr)
                && !config.darknet_v4.contains(addr)
                && research
                    .by_address(IpAddr::V4(Ipv4Addr::from(addr)))
                    .is_none()
                && !taken.contains(&addr)
        };
        if campaign.from.is_empty() {
            while addrs.len() < wanted {
                let addr = pool.next_v4();
                if usable(addr, &taken) {
                    taken.insert(addr);
                    addrs.push(addr);
                }
            }
        } else {
            let ranges = Ranges::new(&campaign.from);
            let mut rng = stream(config.seed, sources_stream(index));
            let mut misses = 0;
            while addrs.len() < wanted {
                let addr = ranges.draw(&mut rng);
                if usable(addr, &taken) && !pool.issued_v4(addr) {
                    taken.insert(addr);
                    addrs.push(addr);
                    misses = 0;
                    continue;
                }
                misses += 1;
                if misses == MAX_MISSES {
                    return Err(SimError::Config(format!(
                        "campaign {} ({}): found only {} of {wanted} fresh addresses in its \
                         ranges (after bogons, research scanners, the darknet and addresses \
                         already in use): give fewer sources or wider ranges",
                        index + 1,
                        campaign.name(),
                        addrs.len()
                    )));
                }
            }
        }
        all.push(addrs);
    }
    Ok(all)
}

/// Prefixes to draw uniform addresses from, each weighted by its size.
struct Ranges<'a> {
    prefixes: &'a [Ipv4Prefix],
    /// Addresses in the prefixes up to and including each one.
    cumulative: Vec<u64>,
}

impl<'a> Ranges<'a> {
    fn new(prefixes: &'a [Ipv4Prefix]) -> Self {
        let mut total = 0u64;
        let cumulative = prefixes
            .iter()
            .map(|p| {
                total += u64::from(p.host_mask()) + 1;
                total
            })
            .collect();
        Ranges {
            prefixes,
            cumulative,
        }
    }

    fn draw(&self, rng: &mut impl RngCore) -> u32 {
        let total = self.cumulative.last().copied().unwrap_or(0);
        // A 64-bit draw scaled by the total: uniform to within 2^-31, with
        // no rejection loop.
        let pick = ((u128::from(rng.next_u64()) * u128::from(total)) >> 64) as u64;
        let k = self.cumulative.partition_point(|&c| c <= pick);
        let p = self.prefixes[k.min(self.prefixes.len() - 1)];
        u32::from(p.addr) | (rng.next_u32() & p.host_mask())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn ranges_draw_in_proportion_to_their_size() {
        let prefixes: Vec<Ipv4Prefix> = ["1.0.0.0/24", "2.0.0.0/22"]
            .iter()
            .map(|p| p.parse().unwrap())
            .collect();
        let ranges = Ranges::new(&prefixes);
        let mut rng = stream(3, 99);
        let mut small = 0;
        for _ in 0..10_000 {
            let addr = ranges.draw(&mut rng);
            assert!(prefixes.iter().any(|p| p.contains(addr)), "{addr:#x}");
            small += u32::from(prefixes[0].contains(addr));
        }
        // 256 of 1,280 addresses: a fifth of the draws.
        assert!((1_800..2_200).contains(&small), "{small}");
    }
}
