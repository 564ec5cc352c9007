//! "Nice" value-axis ticks (steps of 1, 2 or 5 times a power of ten) and
//! the number formats of their labels.

/// Fewest and most ticks a value axis gets: fewer says too little, more
/// crowds a chart a few hundred pixels high.
pub const MIN_TICKS: usize = 3;
pub const MAX_TICKS: usize = 8;

/// Magnitudes beyond this are clamped so that `max - min` stays finite.
const LIMIT: f64 = 1e300;
/// Magnitudes below this count as zero: their powers of ten would
/// underflow, and no chart means anything by them.
const TINY: f64 = 1e-200;

/// Ticks for a value axis: `values` increase by `step`, the first is at or
/// below the data's minimum and the last at or above its maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub step: f64,
    /// `step` is `mantissa * 10^exponent`, `mantissa` one of 1, 2, 5; kept
    /// so labels know how many decimals they need.
    exponent: i32,
}

/// Ticks covering `min..=max` with between [`MIN_TICKS`] and [`MAX_TICKS`]
/// values, using the largest 1-2-5 step that needs no more than
/// [`MAX_TICKS`]. Non-finite bounds count as 0; reversed bounds are
/// swapped; an empty range is widened around its value.
pub fn nice_ticks(min: f64, max: f64) -> Ticks {
    let clean = |v: f64| {
        if v.is_finite() && v.abs() >= TINY {
            v.clamp(-LIMIT, LIMIT)
        } else {
            0.0
        }
    };
    let (mut lo, mut hi) = (clean(min), clean(max));
    if lo > hi {
        std::mem::swap(&mut lo, &mut hi);
    }
    // A range this small next to its magnitude would ask for steps below
    // the precision of f64; widen it as if it were a single value.
    let magnitude = lo.abs().max(hi.abs());
    if hi - lo <= magnitude * 1e-9 {
        let pad = if magnitude == 0.0 {
            1.0
        } else {
            magnitude * 0.1
        };
        let mid = (lo + hi) / 2.0;
        // Counts are never negative: a flat zero series gets 0..1, not -1..1.
        lo = if lo >= 0.0 {
            (mid - pad).max(0.0)
        } else {
            mid - pad
        };
        hi = mid + pad;
    }
    let range = hi - lo;
    // Start from a step far too small and grow it: the first that fits is
    // the finest, which keeps the axis close to the data.
    let finest = (range / 100.0).log10().floor() as i32;
    for exponent in finest..finest + 40 {
        for mantissa in [1_i64, 2, 5] {
            let step = step_value(mantissa, exponent);
            let (first, last) = (index_at_or_below(lo, step), index_at_or_above(hi, step));
            if last - first < MAX_TICKS as i64 {
                let values = (first..=last)
                    .map(|k| tick_value(k * mantissa, exponent))
                    .collect();
                return Ticks {
                    values,
                    step,
                    exponent,
                };
            }
        }
    }
    // Unreachable for the clamped inputs above; a two-tick axis is still
    // a correct one.
    Ticks {
        values: vec![lo, hi],
        step: range,
        exponent: range.log10().floor() as i32,
    }
}

fn step_value(mantissa: i64, exponent: i32) -> f64 {
    tick_value(mantissa, exponent)
}

/// `units * 10^exponent`, dividing by an exact power of ten for negative
/// exponents so that 3 × 0.1 comes out as 0.3, not 0.30000000000000004.
fn tick_value(units: i64, exponent: i32) -> f64 {
    if exponent >= 0 {
        units as f64 * 10f64.powi(exponent)
    } else {
        units as f64 / 10f64.powi(-exponent)
    }
}

/// The largest k with k·step ≤ v, correcting the rounding of v / step.
fn index_at_or_below(v: f64, step: f64) -> i64 {
    let mut k = (v / step).floor() as i64;
    while k as f64 * step > v {
        k -= 1;
    }
    k
}

/// The smallest k with k·step ≥ v.
fn index_at_or_above(v: f64, step: f64) -> i64 {
    let mut k = (v / step).ceil() as i64;
    while (k as f64) * step < v {
        k += 1;
    }
    k
}

impl Ticks {
    /// One label per value, all in the same unit: thousands separators
    /// below 10 000, then k, M, G suffixes, with as many decimals as the
    /// step needs and no more.
    pub fn labels(&self) -> Vec<String> {
        let largest = self.values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let (scale_exponent, suffix) = unit_for(largest);
        let decimals = (scale_exponent - self.exponent).clamp(0, 12) as usize;
        self.values
            .iter()
            .map(|&v| {
                let scaled = v / 10f64.powi(scale_exponent);
                format!("{}{suffix}", format_number(scaled, decimals))
            })
            .collect()
    }
}

/// The power of ten and suffix an axis whose largest |value| is
/// `largest` is labelled in.
fn unit_for(largest: f64) -> (i32, &'static str) {
    match largest {
        l if l < 1e4 => (0, ""),
        l if l < 1e6 => (3, "k"),
        l if l < 1e9 => (6, "M"),
        l if l < 1e12 => (9, "G"),
        _ => (12, "T"),
    }
}

/// `v` with `decimals` decimals and comma thousands separators
/// ("12,345.6"). A value that rounds to zero prints without a sign;
/// non-finite values print as "n/a".
pub fn format_number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let negative = v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    if negative {
        out.push('−');
    }
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(frac) = frac_part {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A data value as a label: whole numbers without decimals, small
/// fractional ones with one ("0.4", "12.5"), large ones rounded ("1,235").
pub fn format_value(v: f64) -> String {
    let decimals = if v.fract() == 0.0 || v.abs() >= 100.0 {
        0
    } else {
        1
    };
    format_number(v, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn packet_counts_get_round_steps() {
        let t = nice_ticks(0.0, 1234.0);
        assert_eq!(
            t.values,
            vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0, 1400.0]
        );
        assert_eq!(t.labels()[7], "1,400");
        let t = nice_ticks(0.0, 87.0);
        assert_eq!(t.values, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    }

    #[test]
    fn fractional_steps_are_exact_decimals() {
        let t = nice_ticks(0.0, 0.9);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(t.labels(), vec!["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let t = nice_ticks(0.25, 0.35);
        assert_eq!(t.values, vec![0.24, 0.26, 0.28, 0.3, 0.32, 0.34, 0.36]);
    }

    #[test]
    fn large_axes_use_suffixes() {
        assert_eq!(
            nice_ticks(0.0, 48_000.0).labels(),
            vec!["0k", "10k", "20k", "30k", "40k", "50k"]
        );
        assert_eq!(
            nice_ticks(0.0, 2_600_000.0).labels(),
            vec!["0.0M", "0.5M", "1.0M", "1.5M", "2.0M", "2.5M", "3.0M"]
        );
        assert_eq!(nice_ticks(0.0, 7e9).labels()[7], "7G");
    }

    #[test]
    fn negative_ranges_and_single_values() {
        let t = nice_ticks(-35.0, 12.0);
        assert_eq!(t.values, vec![-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0]);
        assert_eq!(t.labels()[0], "−40");
        let t = nice_ticks(0.0, 0.0);
        assert_eq!(t.values.first(), Some(&0.0));
        assert_eq!(t.values.last(), Some(&1.0));
        let t = nice_ticks(5.0, 5.0);
        assert!(t.values[0] <= 5.0 && *t.values.last().unwrap() >= 5.0);
    }

    #[test]
    fn format_number_groups_thousands() {
        assert_eq!(format_number(1234567.891, 1), "1,234,567.9");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(-1000.0, 0), "−1,000");
        assert_eq!(format_number(-0.04, 1), "0.0");
        assert_eq!(format_number(f64::NAN, 1), "n/a");
        assert_eq!(format_value(12.0), "12");
        assert_eq!(format_value(12.34), "12.3");
        assert_eq!(format_value(1234.6), "1,235");
    }

    proptest! {
        #[test]
        fn ticks_increase_cover_the_range_and_number_three_to_eight(
            a in -1e12f64..1e12, b in -1e12f64..1e12,
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            let t = nice_ticks(a, b);
            prop_assert!((MIN_TICKS..=MAX_TICKS).contains(&t.values.len()), "{:?}", t);
            prop_assert!(t.values.windows(2).all(|w| w[0] < w[1]), "{:?}", t);
            prop_assert!(t.values[0] <= lo, "{:?} for {lo}", t);
            prop_assert!(*t.values.last().unwrap() >= hi, "{:?} for {hi}", t);
            prop_assert_eq!(t.labels().len(), t.values.len());
        }

        #[test]
        fn ticks_of_small_and_huge_values_never_panic(a in any::<f64>(), b in any::<f64>()) {
            let t = nice_ticks(a, b);
            prop_assert!((MIN_TICKS..=MAX_TICKS).contains(&t.values.len()), "{:?}", t);
            prop_assert!(t.values.windows(2).all(|w| w[0] < w[1]));
        }

        #[test]
        fn tiny_ranges_still_get_enough_ticks(base in -1e6f64..1e6, width in 1e-6f64..1e-2) {
            let t = nice_ticks(base, base + width);
            prop_assert!((MIN_TICKS..=MAX_TICKS).contains(&t.values.len()), "{:?}", t);
            prop_assert!(t.values[0] <= base && *t.values.last().unwrap() >= base + width);
        }
    }
}
