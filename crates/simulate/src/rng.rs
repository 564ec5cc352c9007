//! Small, version-stable draws on top of the ChaCha stream, so that a seed
//! keeps producing the same capture whatever `rand` does to its own
//! distributions.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Independent ChaCha8 streams of one seed: population, clock and packets
/// each draw from their own, so that changing how one draws leaves the
/// others' choices as they were.
pub(crate) fn stream(seed: u64, id: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

/// Uniform in `0..n` (Lemire's multiply-and-reject); `n` must be non-zero.
#[inline]
pub(crate) fn below(rng: &mut impl RngCore, n: u32) -> u32 {
    debug_assert!(n > 0);
    let mut m = u64::from(rng.next_u32()) * u64::from(n);
    if (m as u32) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

/// Uniform in `lo..=hi`.
#[inline]
pub(crate) fn between(rng: &mut impl RngCore, lo: u32, hi: u32) -> u32 {
    lo + below(rng, hi - lo + 1)
}

/// Uniform in `[0, 1)` with 53 random bits.
#[inline]
pub(crate) fn unit(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// True with probability `num / den`.
#[inline]
pub(crate) fn chance(rng: &mut impl RngCore, num: u32, den: u32) -> bool {
    below(rng, den) < num
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            seen[below(&mut rng, 7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
        assert!((0..1000).all(|_| between(&mut rng, 5, 6) >= 5));
        assert!((0..1000).all(|_| (0.0..1.0).contains(&unit(&mut rng))));
    }
}
