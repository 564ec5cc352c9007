//! What a sensor and the collector say to each other, in one place so the
//! two sides cannot drift apart:
//!
//! ```text
//! PUT /api/v1/sensors/{name}/segments/{seq}      (upload_path)
//! Authorization: Bearer <token>
//! Hirundo-Sha256: <the body's SHA-256, 64 hex digits>   (SHA256_HEADER)
//! Hirundo-Health: <SensorHealth as JSON>                (HEALTH_HEADER)
//! <body: a pcap or pcapng segment, zstd-, gzip- or not compressed>
//! ```
//!
//! The collector's answers are described in `hirundo-collector`'s `api`
//! module; the sensor's reading of them in `hirundo-sensor`'s `ship`.

use serde::{Deserialize, Serialize};

/// The header carrying the body's SHA-256.
pub const SHA256_HEADER: &str = "hirundo-sha256";
/// The header carrying the sensor's [`SensorHealth`] as JSON.
pub const HEALTH_HEADER: &str = "hirundo-health";

/// The upload route, as the collector's router names it.
pub const UPLOAD_ROUTE: &str = "/api/v1/sensors/{name}/segments/{seq}";

/// Where a sensor puts segment `seq`, relative to the collector's URL:
/// [`UPLOAD_ROUTE`] filled in.
pub fn upload_path(sensor: &str, seq: u64) -> String {
    format!("/api/v1/sensors/{sensor}/segments/{seq}")
}

/// What a sensor says of itself with each upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorHealth {
    /// When the sensor wrote this report, nanoseconds since the epoch.
    pub reported_ns: i64,
    /// Packets the kernel delivered to the capture ring since the sensor
    /// started, and packets it dropped because the ring was full.
    pub kernel_packets: u64,
    pub kernel_drops: u64,
    /// Segments and bytes waiting in the spool, and the spool's cap.
    pub spool_segments: u64,
    pub spool_bytes: u64,
    pub spool_cap_bytes: u64,
    /// Whether capture is paused because the spool is full, how many times
    /// it has paused, and the packets the ring delivered but the sensor
    /// could not keep while paused.
    pub paused: bool,
    pub pauses: u64,
    pub not_captured: u64,
    /// Segments the sensor set aside because the collector refused them.
    pub quarantined: u64,
}

/// Lower-case hex, as digests and fingerprints are written.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A SHA-256 as [`hex`] writes it, in either case, optionally in
/// colon-separated pairs (as certificate fingerprints are often shown).
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let digits: Vec<u8> = text.trim().bytes().filter(|&b| b != b':').collect();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let nibble = |d: u8| char::from(d).to_digit(16);
        *byte = (nibble(pair[0])? << 4 | nibble(pair[1])?) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hex_round_trips(bytes in any::<[u8; 32]>()) {
            let text = hex(&bytes);
            prop_assert_eq!(parse_sha256(&text), Some(bytes));
            prop_assert_eq!(parse_sha256(&text.to_uppercase()), Some(bytes));
            let pairs: Vec<String> = text.as_bytes().chunks(2).map(|p| String::from_utf8(p.to_vec()).unwrap()).collect();
            prop_assert_eq!(parse_sha256(&pairs.join(":")), Some(bytes));
        }

        #[test]
        fn parse_never_panics(text in ".{0,80}") {
            let _ = parse_sha256(&text);
        }
    }

    #[test]
    fn the_path_fills_the_route() {
        let route = UPLOAD_ROUTE
            .replace("{name}", "tokyo-1")
            .replace("{seq}", "42");
        assert_eq!(upload_path("tokyo-1", 42), route);
    }

    #[test]
    fn not_a_digest() {
        assert_eq!(parse_sha256("ab"), None);
        assert_eq!(parse_sha256(&"zz".repeat(32)), None);
        assert_eq!(parse_sha256(&"é".repeat(32)), None);
        assert_eq!(parse_sha256(&"+1".repeat(32)), None);
    }

    #[test]
    fn health_is_json_with_its_field_names() {
        let h = SensorHealth {
            kernel_drops: 3,
            paused: true,
            ..SensorHealth::default()
        };
        let text = serde_json::to_string(&h).unwrap();
        assert!(
            text.contains("\"kernel_drops\":3") && text.contains("\"paused\":true"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<SensorHealth>(&text).unwrap(), h);
        assert!(serde_json::from_str::<SensorHealth>("{\"colour\":1}").is_err());
    }
}
