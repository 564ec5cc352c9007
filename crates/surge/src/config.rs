//! The detector's knobs, with defaults tuned for a darknet's hourly and
//! daily series.

use serde::{Deserialize, Serialize};

/// How far above its own normal a bucket must be to raise a finding, and
/// how findings turn into alerts. Every threshold must hold at once (see
/// the crate's notes on method).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Buckets of history the baseline is taken over; longer history is
    /// ignored.
    pub baseline: usize,
    /// Warm-up: no finding before this many buckets of history exist (a
    /// series that starts at the first bucket of the data has none).
    pub min_history: usize,
    /// No finding below this many packets in the bucket.
    pub min_packets: u64,
    /// No finding below this many distinct sources in the bucket.
    pub min_sources: u64,
    /// Sources must exceed their own median by at least this many: at
    /// least 2, so that one source, however noisy, never raises a finding.
    pub min_new_sources: u64,
    /// Packets must be this many robust deviations above their median.
    pub threshold: f64,
    /// Sources must be this many robust deviations above their median.
    pub source_threshold: f64,
    /// Packets must be at least this many times the median (a median
    /// under 1 counts as 1).
    pub min_ratio: f64,
    /// Sources must be at least this many times their median: the daily
    /// swing and day-to-day drift multiply a busy series, and a median
    /// absolute deviation over a week or a month understates how far.
    pub min_source_ratio: f64,
    /// A port or port × country series with no packet at all in its
    /// history (at least `min_history` buckets of it) is a new port when
    /// this many sources scan it.
    pub new_port_min_sources: u64,
    /// An alert closes after this many buckets in a row without a finding;
    /// a later surge on the same subject is a new alert.
    pub quiet_to_close: u32,
    /// Source countries listed on a port alert, at most.
    pub max_countries: usize,
}

/// A configuration that cannot work, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// `min_history` is 0 or longer than the `baseline` that holds it.
    #[error("min_history ({min_history}) must be between 1 and baseline ({baseline})")]
    History { min_history: usize, baseline: usize },
    /// A source floor below 2 would let one source raise an alert.
    #[error("{field} is {value}: it must be at least 2, or one noisy source could raise an alert")]
    OneSource { field: &'static str, value: u64 },
    /// A threshold that is negative, not a number, or a ratio under 1.
    #[error("{field} is {value}: it must be a finite number of at least {min}")]
    Threshold {
        field: &'static str,
        value: f64,
        min: f64,
    },
    /// An alert that closes after 0 quiet buckets would close at once.
    #[error("quiet_to_close must be at least 1")]
    QuietToClose,
}

impl Config {
    /// For hourly series.
    ///
    /// - A week of baseline: every hour of the daily swing and both
    ///   weekend days weigh in, and a campaign must run for three and a
    ///   half days before it becomes its own median.
    /// - A week of warm-up: on the simulator's months, and on a fresh
    ///   collector, the first days see the population of scanners fill in,
    ///   and ports reached by twenty sources "where there were none" are
    ///   only the baseline not yet having seen them.
    /// - Packets: six robust deviations and three times the median. With
    ///   some 70 000 series tested every hour that is a 10⁻⁸ event.
    /// - Sources: at least ten more than the median, twice it, and six
    ///   robust deviations (plus the Poisson skew) above it: a cell that
    ///   usually sees four sources reaches fifteen by chance somewhere
    ///   every month. So a campaign is seen when it at least doubles the
    ///   hourly sources of its port, or of its port from one country:
    ///   weaker ones on busy ports hide in the daily swing until its
    ///   trough, or entirely (measured in `crates/watch/tests/detection.rs`).
    /// - Twenty sources on a port not scanned for the whole baseline is
    ///   new.
    /// - Twelve quiet hours close an alert, so a campaign that pauses
    ///   overnight stays one alert.
    pub fn hourly() -> Config {
        Config {
            baseline: 168,
            min_history: 168,
            min_packets: 20,
            min_sources: 10,
            min_new_sources: 10,
            threshold: 6.0,
            source_threshold: 6.0,
            min_ratio: 3.0,
            min_source_ratio: 2.0,
            new_port_min_sources: 20,
            quiet_to_close: 12,
            max_countries: 5,
        }
    }

    /// For daily series: four weeks of baseline (every weekday four
    /// times), a week of warm-up, the same significance as hourly, and
    /// two quiet days to close. A day gathers 24 hours of the random
    /// scanners that hit the long tail of ports, so the source floors are
    /// higher; and a daily MAD from one to four weeks of points is rough,
    /// which the source ratio of 2 covers.
    pub fn daily() -> Config {
        Config {
            baseline: 28,
            min_history: 7,
            min_packets: 50,
            min_sources: 15,
            min_new_sources: 15,
            threshold: 6.0,
            source_threshold: 6.0,
            min_ratio: 3.0,
            min_source_ratio: 2.0,
            new_port_min_sources: 30,
            quiet_to_close: 2,
            max_countries: 5,
        }
    }

    /// Checks what [`crate::assess`] and [`crate::Tracker`] rely on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.min_history == 0 || self.min_history > self.baseline {
            return Err(ConfigError::History {
                min_history: self.min_history,
                baseline: self.baseline,
            });
        }
        for (field, value) in [
            ("min_sources", self.min_sources),
            ("min_new_sources", self.min_new_sources),
            ("new_port_min_sources", self.new_port_min_sources),
        ] {
            if value < 2 {
                return Err(ConfigError::OneSource { field, value });
            }
        }
        for (field, value, min) in [
            ("threshold", self.threshold, 0.0),
            ("source_threshold", self.source_threshold, 0.0),
            ("min_ratio", self.min_ratio, 1.0),
            ("min_source_ratio", self.min_source_ratio, 1.0),
        ] {
            if !value.is_finite() || value < min {
                return Err(ConfigError::Threshold { field, value, min });
            }
        }
        if self.quiet_to_close == 0 {
            return Err(ConfigError::QuietToClose);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(Config::hourly().validate(), Ok(()));
        assert_eq!(Config::daily().validate(), Ok(()));
    }

    #[test]
    fn one_source_floor_is_refused() {
        let config = Config {
            min_new_sources: 1,
            ..Config::hourly()
        };
        assert_eq!(
            config.validate(),
            Err(ConfigError::OneSource {
                field: "min_new_sources",
                value: 1
            })
        );
        let config = Config {
            min_history: 200,
            ..Config::hourly()
        };
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            "min_history (200) must be between 1 and baseline (168)"
        );
        let config = Config {
            min_ratio: f64::NAN,
            ..Config::hourly()
        };
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Threshold {
                field: "min_ratio",
                ..
            })
        ));
    }

    #[test]
    fn config_reads_from_toml_shaped_json_and_refuses_unknown_fields() {
        let json = serde_json::to_string(&Config::daily()).unwrap();
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Config::daily());
        let bad = json.replacen('{', "{\"treshold\":3,", 1);
        assert!(serde_json::from_str::<Config>(&bad).is_err());
    }
}
