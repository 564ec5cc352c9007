//! How values SQLite has no type for are kept in its columns, and read
//! back.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hirundo_rollup::PortProto;

use crate::{SensorId, StoreError};

/// A count as SQLite stores it: the `i64` with the same bits. Counts never
/// come near 2^63, and the bit pattern makes every `u64` round-trip.
#[inline]
pub(crate) fn int(n: u64) -> i64 {
    n as i64
}

/// The inverse of [`int`].
#[inline]
pub(crate) fn uint(n: i64) -> u64 {
    n as u64
}

/// `LIMIT` for an optional row count: -1 is SQLite's "no limit".
pub(crate) fn limit(rows: Option<usize>) -> i64 {
    rows.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// An address as the `source` column keeps it: 4 bytes for IPv4, 16 for
/// IPv6, on the stack.
pub(crate) struct AddrBytes {
    buf: [u8; 16],
    len: usize,
}

impl AddrBytes {
    #[inline]
    pub(crate) fn new(addr: IpAddr) -> Self {
        let mut buf = [0; 16];
        let len = match addr {
            IpAddr::V4(a) => {
                buf[..4].copy_from_slice(&a.octets());
                4
            }
            IpAddr::V6(a) => {
                buf = a.octets();
                16
            }
        };
        AddrBytes { buf, len }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Reads the `source` column; `None` for any length but 4 and 16.
pub(crate) fn addr_from(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Some(IpAddr::V4(Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Some(IpAddr::V6(Ipv6Addr::from(v6)))
    } else {
        None
    }
}

/// The `proto` column: TCP 0 and UDP 1, as in `PortKey::to_u32`, so that
/// `ORDER BY proto` puts TCP first.
#[inline]
pub(crate) fn proto_code(proto: PortProto) -> i64 {
    match proto {
        PortProto::Tcp => 0,
        PortProto::Udp => 1,
    }
}

pub(crate) fn proto_from(code: i64) -> Option<PortProto> {
    match code {
        0 => Some(PortProto::Tcp),
        1 => Some(PortProto::Udp),
        _ => None,
    }
}

/// A country code as the `cc` columns keep it: two characters of text.
#[inline]
pub(crate) fn cc_str(cc: &[u8; 2]) -> Result<&str, StoreError> {
    std::str::from_utf8(cc)
        .ok()
        .filter(|s| s.is_ascii())
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "country code {cc:?} is not two ASCII letters; the roll-up is damaged"
            ))
        })
}

/// Bytes per id in the `sensors` column.
const SENSOR_LEN: usize = 8;

/// The `sensors` column of a row only `sensor` has seen.
#[inline]
pub(crate) fn sensors_of(sensor: SensorId) -> [u8; SENSOR_LEN] {
    sensor.to_be_bytes()
}

/// The `sensors` column with `sensor` added; `None` when it is already in
/// (the common case: a sensor sees the same source all day), or when the
/// column is not a list of ids (`Err`).
pub(crate) fn sensors_with(old: &[u8], sensor: SensorId) -> Result<Option<Vec<u8>>, ()> {
    if old.len() % SENSOR_LEN != 0 {
        return Err(());
    }
    let ids = old
        .chunks_exact(SENSOR_LEN)
        .map(|c| SensorId::from_be_bytes(c.try_into().expect("chunks of SENSOR_LEN")));
    let mut at = 0;
    for id in ids {
        match id.cmp(&sensor) {
            std::cmp::Ordering::Less => at += SENSOR_LEN,
            std::cmp::Ordering::Equal => return Ok(None),
            std::cmp::Ordering::Greater => break,
        }
    }
    let mut new = Vec::with_capacity(old.len() + SENSOR_LEN);
    new.extend_from_slice(&old[..at]);
    new.extend_from_slice(&sensor.to_be_bytes());
    new.extend_from_slice(&old[at..]);
    Ok(Some(new))
}

/// Reads the `sensors` column; `None` when it is not a list of ids.
pub(crate) fn sensors_from(bytes: &[u8]) -> Option<Vec<SensorId>> {
    if bytes.len() % SENSOR_LEN != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(SENSOR_LEN)
            .map(|c| SensorId::from_be_bytes(c.try_into().expect("chunks of SENSOR_LEN")))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensors_stay_sorted_and_distinct() {
        let mut col = sensors_of(5).to_vec();
        for id in [2, 9, 5, 7, 2] {
            if let Some(new) = sensors_with(&col, id).unwrap() {
                col = new;
            }
        }
        assert_eq!(sensors_from(&col), Some(vec![2, 5, 7, 9]));
        assert_eq!(sensors_with(&[0; 7], 1), Err(()));
        assert_eq!(sensors_from(&[0; 9]), None);
    }

    #[test]
    fn addresses_round_trip_and_odd_lengths_are_refused() {
        for addr in ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"] {
            let addr: IpAddr = addr.parse().unwrap();
            assert_eq!(addr_from(AddrBytes::new(addr).as_slice()), Some(addr));
        }
        assert_eq!(addr_from(&[1, 2, 3]), None);
    }

    #[test]
    fn counts_round_trip_through_their_bit_pattern() {
        for n in [0, 1, u64::MAX / 2, u64::MAX] {
            assert_eq!(uint(int(n)), n);
        }
        assert_eq!(limit(None), -1);
        assert_eq!(limit(Some(3)), 3);
        assert_eq!(limit(Some(usize::MAX)), i64::MAX);
    }

    #[test]
    fn country_codes_must_be_ascii() {
        assert_eq!(cc_str(b"BR").unwrap(), "BR");
        assert!(cc_str(&[0xC3, 0xA9]).is_err());
    }
}
