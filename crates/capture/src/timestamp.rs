//! pcapng timestamp units (`if_tsresol`) and their exact conversion to and
//! from nanoseconds.
//!
//! Reading is `floor(ticks * 1e9 / R)` where R ticks make a second (10^n or
//! 2^n). Writing picks the largest tick count that reads back as no later than
//! the given time, so any time read from a file writes back to the same ticks
//! and reads again as the same nanoseconds, and a time finer than the unit is
//! truncated towards the past as libpcap does.

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// A pcapng interface's timestamp unit: the raw `if_tsresol` option byte.
/// Bit 7 clear: 10^-n seconds; set: 2^-n seconds, n in the low 7 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TsResolution(pub u8);

impl TsResolution {
    /// The pcapng default when an interface has no `if_tsresol` option.
    pub const MICROS: TsResolution = TsResolution(6);
    pub const NANOS: TsResolution = TsResolution(9);

    /// Ticks per second, or `None` when that does not fit in a u128 (10^39
    /// and finer, 2^128 and finer), where no u64 tick count reaches 1 ns.
    pub fn ticks_per_second(self) -> Option<u128> {
        let n = u32::from(self.0 & 0x7f);
        if self.0 & 0x80 == 0 {
            10u128.checked_pow(n)
        } else {
            1u128.checked_shl(n)
        }
    }

    /// The largest tick count that reads back as no later than `ns`, or
    /// `None` when that count does not fit in the 64 bits pcapng stores.
    pub fn ticks_from_ns(self, ns: u64) -> Option<u64> {
        let r = self.ticks_per_second()?;
        // largest u with u * 1e9 <= (ns + 1) * R - 1
        let top = (u128::from(ns) + 1).checked_mul(r)? - 1;
        u64::try_from(top / NANOS_PER_SEC).ok()
    }

    pub(crate) fn scale(self) -> TsScale {
        let n = u32::from(self.0 & 0x7f);
        if self.0 & 0x80 != 0 {
            return if n < 128 {
                TsScale::Shift(n)
            } else {
                TsScale::Zero
            };
        }
        if n <= 9 {
            TsScale::Mul(10u64.pow(9 - n))
        } else {
            match 10u64.checked_pow(n - 9) {
                Some(d) => TsScale::Div(d),
                None => TsScale::Zero,
            }
        }
    }
}

impl Default for TsResolution {
    fn default() -> Self {
        TsResolution::MICROS
    }
}

/// How to turn ticks into nanoseconds, decided once per interface so the
/// per-packet work is one multiply, divide or shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TsScale {
    /// Units of 10^-n s with n <= 9: multiply by 10^(9-n).
    Mul(u64),
    /// Units of 10^-n s with n > 9: divide by 10^(n-9).
    Div(u64),
    /// Units of 2^-n s: multiply by 1e9, shift right by n.
    Shift(u32),
    /// Units so fine that no u64 tick count reaches a nanosecond.
    Zero,
}

impl TsScale {
    /// Exact; at most 2^64 * 1e9 < 2^94, so no overflow.
    #[inline]
    pub(crate) fn ns(self, ticks: u64) -> u128 {
        match self {
            TsScale::Mul(f) => u128::from(ticks) * u128::from(f),
            TsScale::Div(d) => u128::from(ticks / d),
            TsScale::Shift(n) => (u128::from(ticks) * NANOS_PER_SEC) >> n,
            TsScale::Zero => 0,
        }
    }
}

/// Nanoseconds plus a signed offset in seconds, saturated to what an i64 holds.
#[inline]
pub(crate) fn saturating_ns(ns: u128, offset_s: i64) -> i64 {
    let total = ns as i128 + i128::from(offset_s) * NANOS_PER_SEC as i128;
    total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resolutions() -> impl Strategy<Value = TsResolution> {
        prop_oneof![
            (0u8..=19).prop_map(TsResolution),
            (0u8..=63).prop_map(|n| TsResolution(0x80 | n))
        ]
    }

    #[test]
    fn common_units_convert_exactly() {
        assert_eq!(
            TsResolution::MICROS.scale().ns(1_700_000_000_123_456),
            1_700_000_000_123_456_000
        );
        assert_eq!(TsResolution::NANOS.scale().ns(7), 7);
        assert_eq!(TsResolution(0).scale().ns(3), 3_000_000_000);
        assert_eq!(TsResolution(12).scale().ns(1_999), 1);
        // 2^-10 s: 1 tick = 976562.5 ns, floored
        assert_eq!(TsResolution(0x8a).scale().ns(1), 976_562);
        assert_eq!(TsResolution(0x8a).scale().ns(2), 1_953_125);
        assert_eq!(TsResolution(0x80 | 127).scale(), TsScale::Shift(127));
        assert_eq!(TsResolution(0x80 | 127).scale().ns(u64::MAX), 0);
        assert_eq!(TsResolution(40).scale(), TsScale::Zero);
        assert_eq!(TsResolution::MICROS.ticks_from_ns(1_500), Some(1));
        assert_eq!(TsResolution(0x8a).ticks_from_ns(1_953_125), Some(2));
        assert_eq!(TsResolution(0x8a).ticks_from_ns(1_953_124), Some(1));
        assert_eq!(TsResolution(19).ticks_from_ns(u64::MAX), None);
    }

    #[test]
    fn offsets_saturate_instead_of_wrapping() {
        assert_eq!(saturating_ns(5, -1), -999_999_995);
        assert_eq!(saturating_ns(u128::from(u64::MAX), 0), i64::MAX);
        assert_eq!(saturating_ns(0, i64::MIN), i64::MIN);
        assert_eq!(saturating_ns(1, 2), 2_000_000_001);
    }

    proptest! {
        #[test]
        fn ticks_read_back_write_back_to_the_same_time(res in resolutions(), ticks: u64) {
            let ns = res.scale().ns(ticks);
            prop_assume!(ns <= u128::from(u64::MAX));
            let again = res.ticks_from_ns(ns as u64).expect("a time read from ticks fits in ticks");
            prop_assert_eq!(res.scale().ns(again), ns);
        }

        #[test]
        fn writing_truncates_towards_the_past(res in resolutions(), ns in 0u64..(i64::MAX as u64)) {
            if let Some(ticks) = res.ticks_from_ns(ns) {
                prop_assert!(res.scale().ns(ticks) <= u128::from(ns));
                if let Some(next) = ticks.checked_add(1) {
                    prop_assert!(res.scale().ns(next) > u128::from(ns));
                }
            }
        }
    }
}
