//! Capture timestamps: a Poisson stream whose rate swings over the day,
//! spread exactly over the requested span and never going backwards.

use rand_chacha::ChaCha8Rng;

#[cfg(test)]
use crate::rng::stream;
use crate::rng::unit;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;
/// The rate is constant within a bin; ten minutes is fine enough for a
/// daily swing and keeps the table small for multi-year captures.
const BIN_NS: i64 = 600 * 1_000_000_000;
/// How far the rate swings around its mean over a day (±25%): darknet
/// traffic is mostly automated, so its diurnal swing is mild.
const DIURNAL_AMPLITUDE: f64 = 0.25;
/// Hour of peak traffic, UTC: daytime over Asia and Europe together.
const PEAK_HOUR: f64 = 14.0;

/// Hands out `frames` timestamps in `[start, start + span)`, non-decreasing,
/// on the capture format's resolution grid.
///
/// Gaps are exponential (arrivals of independent scanners) in a warped
/// time whose rate follows the day. To land the last arrival inside the
/// span without truncating the stream, the sum of all gaps is computed
/// first from a clone of the random stream, and every arrival is scaled by
/// it: the i-th of n sorted uniforms is distributed as S_i / S_{n+1}.
pub(crate) struct Clock {
    rng: ChaCha8Rng,
    /// Cumulative rate weight at each bin boundary; `bins + 1` entries.
    cumulative: Vec<f64>,
    /// Maps the running sum of gaps onto cumulative weight.
    scale: f64,
    sum: f64,
    bin: usize,
    start_ns: i64,
    end_ns: i64,
    resolution_ns: i64,
    last_ns: i64,
}

pub(crate) fn exponential(rng: &mut ChaCha8Rng) -> f64 {
    -(1.0 - unit(rng)).ln()
}

impl Clock {
    pub fn new(
        rng: ChaCha8Rng,
        frames: u64,
        start_ns: i64,
        span_ns: i64,
        resolution_ns: i64,
    ) -> Self {
        // Spans are whole days, so whole bins.
        let bins = (span_ns / BIN_NS).max(1) as usize;
        let mut cumulative = Vec::with_capacity(bins + 1);
        let mut acc = 0.0;
        cumulative.push(acc);
        for b in 0..bins {
            let mid = start_ns + b as i64 * BIN_NS + BIN_NS / 2;
            let hour = mid.rem_euclid(NANOS_PER_DAY) as f64 / 3.6e12;
            let phase = (hour - PEAK_HOUR) / 24.0 * std::f64::consts::TAU;
            acc += 1.0 + DIURNAL_AMPLITUDE * phase.cos();
            cumulative.push(acc);
        }
        let mut probe = rng.clone();
        let total: f64 = (0..=frames).map(|_| exponential(&mut probe)).sum();
        Clock {
            rng,
            scale: acc / total,
            cumulative,
            sum: 0.0,
            bin: 0,
            start_ns,
            end_ns: start_ns + span_ns,
            resolution_ns,
            last_ns: start_ns,
        }
    }

    /// The next timestamp, in nanoseconds since the epoch.
    pub fn next(&mut self) -> i64 {
        self.sum += exponential(&mut self.rng);
        let x = self.sum * self.scale;
        let bins = self.cumulative.len() - 1;
        while self.bin + 1 < bins && self.cumulative[self.bin + 1] <= x {
            self.bin += 1;
        }
        let (lo, hi) = (self.cumulative[self.bin], self.cumulative[self.bin + 1]);
        let frac = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
        let t = self.start_ns + self.bin as i64 * BIN_NS + (frac * BIN_NS as f64) as i64;
        // Rounding can push a timestamp a hair past the end or behind the
        // last one; time never runs backwards in a capture.
        let t = t.min(self.end_ns - 1).div_euclid(self.resolution_ns) * self.resolution_ns;
        self.last_ns = t.max(self.last_ns);
        self.last_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_767_225_600 * 1_000_000_000;

    #[test]
    fn stays_in_span_ordered_and_on_the_grid() {
        let days = 2;
        let mut clock = Clock::new(stream(5, 1), 50_000, START, days * NANOS_PER_DAY, 1_000);
        let mut last = START;
        let mut per_hour = [0u32; 24];
        for _ in 0..50_000 {
            let t = clock.next();
            assert!(t >= last && t < START + days * NANOS_PER_DAY);
            assert_eq!(t % 1_000, 0);
            per_hour[((t - START) / 3_600_000_000_000 % 24) as usize] += 1;
            last = t;
        }
        // The span is used to its end, not bunched at the start.
        assert!(last > START + days * NANOS_PER_DAY - 3_600_000_000_000);
        // Busier at the 14:00 UTC peak than at 02:00, by about (1.25/0.75).
        let ratio = f64::from(per_hour[14]) / f64::from(per_hour[2]);
        assert!((1.4..2.0).contains(&ratio), "{ratio} {per_hour:?}");
    }
}
