//! [`crate::Store::commit_segment`]: a segment's identity and its roll-up
//! in one `BEGIN IMMEDIATE` transaction.
//!
//! Every roll-up row is an upsert that adds to what is stored. Rows come
//! sorted by their primary key (hour first), so consecutive upserts land
//! on the same few B-tree pages, all of which stay in the page cache.
//! Statements are prepared once per connection and bound with integers and
//! borrowed slices; the only allocations per row are a source-day's port
//! list and, when a source is seen again, its merged lists.

use hirundo_rollup::{ErrorCounts, HourCounts, PortKey, Rollup};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::columns::{self, int, AddrBytes};
use super::error::{backend, is_foreign_key, Context};
use crate::{Committed, NewSegment, SensorId, StoreError};

const FIND_SEGMENT: &str = "SELECT sha256 FROM segment WHERE sensor = ?1 AND seq = ?2";

const INSERT_SEGMENT: &str = "INSERT INTO segment \
    (sensor, seq, sha256, size, packets, bytes, received_ns, first_ns, last_ns, archive) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

const ADD_HOUR: &str = "INSERT INTO hour_total \
    (hour, sensor, packets, bytes, decoded, truncated, unsupported_link, not_ip, malformed, \
     tcp, udp, icmp, icmpv6, other) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
    ON CONFLICT (hour, sensor) DO UPDATE SET \
    packets = packets + excluded.packets, bytes = bytes + excluded.bytes, \
    decoded = decoded + excluded.decoded, truncated = truncated + excluded.truncated, \
    unsupported_link = unsupported_link + excluded.unsupported_link, \
    not_ip = not_ip + excluded.not_ip, malformed = malformed + excluded.malformed, \
    tcp = tcp + excluded.tcp, udp = udp + excluded.udp, icmp = icmp + excluded.icmp, \
    icmpv6 = icmpv6 + excluded.icmpv6, other = other + excluded.other";

const ADD_PORT: &str = "INSERT INTO port_hour (hour, sensor, proto, port, packets) \
    VALUES (?1, ?2, ?3, ?4, ?5) \
    ON CONFLICT (hour, sensor, proto, port) DO UPDATE SET packets = packets + excluded.packets";

const ADD_COUNTRY: &str = "INSERT INTO country_hour (hour, sensor, cc, packets) \
    VALUES (?1, ?2, ?3, ?4) \
    ON CONFLICT (hour, sensor, cc) DO UPDATE SET packets = packets + excluded.packets";

const ADD_ASN: &str = "INSERT INTO asn_hour (hour, sensor, asn, packets) \
    VALUES (?1, ?2, ?3, ?4) \
    ON CONFLICT (hour, sensor, asn) DO UPDATE SET packets = packets + excluded.packets";

const NAME_ASN: &str = "INSERT INTO asn_name (asn, name) VALUES (?1, ?2) \
    ON CONFLICT (asn) DO UPDATE SET name = excluded.name WHERE name <> excluded.name";

/// The fast path: a source not yet seen that day.
const INSERT_SOURCE: &str = "INSERT INTO source_day \
    (day, source, packets, ports, tags, first_ns, last_ns, cc, asn, research, sensors) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
    ON CONFLICT (day, source) DO NOTHING";

/// The two lists SQL cannot merge.
const OLD_SOURCE: &str = "SELECT ports, sensors FROM source_day WHERE day = ?1 AND source = ?2";

/// Merges a source seen again; `?4` and `?11` are NULL when the lists did
/// not change. 'ZZ' is `hirundo_rollup::UNKNOWN_COUNTRY` (a unit test
/// keeps them equal).
const MERGE_SOURCE: &str = "UPDATE source_day SET \
    packets = packets + ?3, \
    ports = coalesce(?4, ports), \
    tags = tags | ?5, \
    first_ns = min(first_ns, ?6), \
    last_ns = max(last_ns, ?7), \
    cc = CASE WHEN cc = 'ZZ' THEN ?8 ELSE cc END, \
    asn = CASE WHEN asn = 0 THEN ?9 ELSE asn END, \
    research = coalesce(research, ?10), \
    sensors = coalesce(?11, sensors) \
    WHERE day = ?1 AND source = ?2";

pub(crate) fn commit_segment(
    conn: &mut Connection,
    segment: &NewSegment,
    rollup: &Rollup,
) -> Result<Committed, StoreError> {
    let sensor = segment.sensor;
    let seq = int(segment.seq);
    let what = |step: &str| format!("committing segment {} of sensor {sensor}: {step}", segment.seq);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .with_context(|| what("starting the transaction"))?;

    let stored: Option<Vec<u8>> = tx
        .prepare_cached(FIND_SEGMENT)
        .and_then(|mut s| s.query_row(params![sensor, seq], |row| row.get(0)).optional())
        .with_context(|| what("looking the segment up"))?;
    if let Some(stored) = stored {
        // Dropping `tx` rolls back; nothing was written.
        let stored_sha256: [u8; 32] = stored.as_slice().try_into().map_err(|_| {
            StoreError::Backend(what(&format!(
                "the stored segment's sha256 has {} bytes, not 32",
                stored.len()
            )))
        })?;
        return Ok(if stored_sha256 == segment.sha256 {
            Committed::Duplicate
        } else {
            Committed::Conflict { stored_sha256 }
        });
    }

    tx.prepare_cached(INSERT_SEGMENT)
        .and_then(|mut s| {
            s.execute(params![
                sensor,
                seq,
                &segment.sha256[..],
                int(segment.size),
                int(rollup.packets),
                int(rollup.bytes),
                segment.received_ns,
                rollup.first_ns,
                rollup.last_ns,
                segment.archive,
            ])
        })
        .map_err(|e| {
            if is_foreign_key(&e) {
                StoreError::Invalid(format!("no sensor with id {sensor}"))
            } else {
                backend(&what("storing the segment"), &e)
            }
        })?;

    let t = std::time::Instant::now();
    add_hours(&tx, sensor, rollup).with_context(|| what("adding hour_total rows"))?;
    add_ports(&tx, sensor, rollup).with_context(|| what("adding port_hour rows"))?;
    let t1 = t.elapsed();
    add_countries(&tx, sensor, rollup, &what)?;
    add_asns(&tx, sensor, rollup).with_context(|| what("adding asn_hour rows"))?;
    let t2 = t.elapsed();
    add_sources(&tx, sensor, rollup, &what)?;
    let t3 = t.elapsed();
    tx.commit().with_context(|| what("committing"))?;
    eprintln!("ports {t1:?} cc/asn {:?} sources {:?} commit {:?}", t2 - t1, t3 - t2, t.elapsed() - t3);
    Ok(Committed::New)
}

fn add_hours(tx: &Transaction<'_>, sensor: SensorId, rollup: &Rollup) -> rusqlite::Result<()> {
    let errors = spread_errors(&rollup.hours, &rollup.errors);
    let mut add = tx.prepare_cached(ADD_HOUR)?;
    for (h, e) in rollup.hours.iter().zip(&errors) {
        add.execute(params![
            h.hour,
            sensor,
            int(h.packets),
            int(h.bytes),
            int(h.decoded),
            int(e.truncated),
            int(e.unsupported_link),
            int(e.not_ip),
            int(e.malformed),
            int(h.tcp),
            int(h.udp),
            int(h.icmp),
            int(h.icmpv6),
            int(h.other),
        ])?;
    }
    Ok(())
}

fn add_ports(tx: &Transaction<'_>, sensor: SensorId, rollup: &Rollup) -> rusqlite::Result<()> {
    let mut add = tx.prepare_cached(ADD_PORT)?;
    for p in &rollup.ports {
        add.execute(params![
            p.hour,
            sensor,
            columns::proto_code(p.proto),
            p.port,
            int(p.packets)
        ])?;
    }
    Ok(())
}

fn add_countries(
    tx: &Transaction<'_>,
    sensor: SensorId,
    rollup: &Rollup,
    what: &dyn Fn(&str) -> String,
) -> Result<(), StoreError> {
    let mut add = tx
        .prepare_cached(ADD_COUNTRY)
        .with_context(|| what("adding country_hour rows"))?;
    for c in &rollup.countries {
        add.execute(params![c.hour, sensor, columns::cc_str(&c.cc)?, int(c.packets)])
            .with_context(|| what("adding country_hour rows"))?;
    }
    Ok(())
}

fn add_asns(tx: &Transaction<'_>, sensor: SensorId, rollup: &Rollup) -> rusqlite::Result<()> {
    let mut add = tx.prepare_cached(ADD_ASN)?;
    let mut name = tx.prepare_cached(NAME_ASN)?;
    // Every hour repeats the AS's name; write each once per segment.
    let mut named = std::collections::HashSet::new();
    for a in &rollup.asns {
        add.execute(params![a.hour, sensor, a.asn, int(a.packets)])?;
        if !a.name.is_empty() && named.insert(a.asn) {
            name.execute(params![a.asn, a.name])?;
        }
    }
    Ok(())
}

fn add_sources(
    tx: &Transaction<'_>,
    sensor: SensorId,
    rollup: &Rollup,
    what: &dyn Fn(&str) -> String,
) -> Result<(), StoreError> {
    let step = "adding source_day rows";
    let mut insert = tx
        .prepare_cached(INSERT_SOURCE)
        .with_context(|| what(step))?;
    let mut old = tx.prepare_cached(OLD_SOURCE).with_context(|| what(step))?;
    let mut merge = tx.prepare_cached(MERGE_SOURCE).with_context(|| what(step))?;
    let own = columns::sensors_of(sensor);
    for s in &rollup.sources {
        let source = AddrBytes::new(s.source);
        let cc = columns::cc_str(&s.cc)?;
        let inserted = insert
            .execute(params![
                s.day,
                source.as_slice(),
                int(s.packets),
                PortKey::encode(&s.ports),
                s.tags.0,
                s.first_ns,
                s.last_ns,
                cc,
                s.asn,
                s.research.as_deref(),
                &own[..],
            ])
            .with_context(|| what(step))?;
        if inserted == 1 {
            continue;
        }

        let row_name = || format!("source_day row (day {}, source {})", s.day, s.source);
        let (ports, sensors) = {
            let mut rows = old
                .query(params![s.day, source.as_slice()])
                .with_context(|| what(step))?;
            let row = rows
                .next()
                .with_context(|| what(step))?
                .ok_or_else(|| {
                    StoreError::Backend(what(&format!("{} vanished mid-transaction", row_name())))
                })?;
            let old_ports = row
                .get_ref(0)
                .and_then(|v| Ok(v.as_blob()?))
                .with_context(|| what(step))?;
            let old_sensors = row
                .get_ref(1)
                .and_then(|v| Ok(v.as_blob()?))
                .with_context(|| what(step))?;
            let ports = merged_ports(old_ports, &s.ports).ok_or_else(|| {
                StoreError::Backend(what(&format!(
                    "{}: the ports column is not a port list",
                    row_name()
                )))
            })?;
            let sensors = columns::sensors_with(old_sensors, sensor).map_err(|()| {
                StoreError::Backend(what(&format!(
                    "{}: the sensors column is not a list of sensor ids",
                    row_name()
                )))
            })?;
            (ports, sensors)
        };
        merge
            .execute(params![
                s.day,
                source.as_slice(),
                int(s.packets),
                ports,
                s.tags.0,
                s.first_ns,
                s.last_ns,
                cc,
                s.asn,
                s.research.as_deref(),
                sensors,
            ])
            .with_context(|| what(step))?;
    }
    Ok(())
}

/// The `ports` column with `new` added: `Some(None)` when every key of
/// `new` is already in (most sources probe the same ports all day), `None`
/// when `old` is not an encoded port list.
fn merged_ports(old: &[u8], new: &[PortKey]) -> Option<Option<Vec<u8>>> {
    let old = PortKey::decode(old)?;
    if new.iter().all(|k| old.binary_search(k).is_ok()) {
        return Some(None);
    }
    Some(Some(PortKey::encode(&PortKey::union(&old, new))))
}

/// The segment's error counts spread over its hours.
///
/// A roll-up counts errors per segment, by reason, but per hour only as
/// `packets - decoded`. Each hour gets that many errors, taken in order
/// from the segment's reasons (truncated, unsupported link, not IP,
/// malformed) as they run out, so both the per-hour totals and the
/// per-reason totals of the segment are exact; only the split by reason
/// within an hour is an attribution. Most segments span one or two hours.
/// Should a roll-up's counts disagree, the errors left over go to its last
/// hour, so that summing every hour still gives the segment's errors.
fn spread_errors(hours: &[HourCounts], errors: &ErrorCounts) -> Vec<ErrorCounts> {
    let mut left = [
        errors.truncated,
        errors.unsupported_link,
        errors.not_ip,
        errors.malformed,
    ];
    let mut out = vec![ErrorCounts::default(); hours.len()];
    let mut reason = 0;
    for (h, e) in hours.iter().zip(out.iter_mut()) {
        let mut need = h.packets.saturating_sub(h.decoded);
        let mut got = [0u64; 4];
        while need > 0 && reason < left.len() {
            let take = need.min(left[reason]);
            got[reason] += take;
            left[reason] -= take;
            need -= take;
            if left[reason] == 0 {
                reason += 1;
            }
        }
        *e = ErrorCounts {
            truncated: got[0],
            unsupported_link: got[1],
            not_ip: got[2],
            malformed: got[3],
        };
    }
    if let Some(last) = out.last_mut() {
        last.truncated += left[0];
        last.unsupported_link += left[1];
        last.not_ip += left[2];
        last.malformed += left[3];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hirundo_rollup::{PortProto, UNKNOWN_COUNTRY};

    fn hour(hour: i64, packets: u64, decoded: u64) -> HourCounts {
        HourCounts {
            hour,
            packets,
            decoded,
            ..HourCounts::default()
        }
    }

    #[test]
    fn errors_are_spread_exactly_by_hour_and_by_reason() {
        let hours = [hour(1, 10, 7), hour(2, 5, 5), hour(3, 8, 2)];
        let errors = ErrorCounts {
            truncated: 2,
            unsupported_link: 0,
            not_ip: 5,
            malformed: 2,
        };
        let got = spread_errors(&hours, &errors);
        assert_eq!(got.iter().map(ErrorCounts::total).collect::<Vec<_>>(), [3, 0, 6]);
        let sum = got.iter().fold(ErrorCounts::default(), |a, e| ErrorCounts {
            truncated: a.truncated + e.truncated,
            unsupported_link: a.unsupported_link + e.unsupported_link,
            not_ip: a.not_ip + e.not_ip,
            malformed: a.malformed + e.malformed,
        });
        assert_eq!(sum, errors);
        assert_eq!((got[0].truncated, got[0].not_ip), (2, 1));
    }

    #[test]
    fn errors_beyond_the_hours_undecoded_land_on_the_last_hour() {
        let errors = ErrorCounts {
            truncated: 4,
            ..ErrorCounts::default()
        };
        let got = spread_errors(&[hour(1, 3, 2), hour(2, 1, 1)], &errors);
        assert_eq!((got[0].truncated, got[1].truncated), (1, 3));
        assert!(spread_errors(&[], &errors).is_empty());
    }

    #[test]
    fn ports_merge_only_when_something_is_new() {
        let k = |port| PortKey::new(PortProto::Tcp, port);
        let old = PortKey::encode(&[k(22), k(80)]);
        assert_eq!(merged_ports(&old, &[k(80)]), Some(None));
        assert_eq!(merged_ports(&old, &[]), Some(None));
        assert_eq!(
            merged_ports(&old, &[k(23)]),
            Some(Some(PortKey::encode(&[k(22), k(23), k(80)])))
        );
        assert_eq!(merged_ports(&[1, 2], &[k(23)]), None);
    }

    #[test]
    fn merge_sql_spells_the_unknown_country_as_the_roll_up_does() {
        assert!(MERGE_SOURCE.contains(&format!("cc = '{UNKNOWN_COUNTRY}'")));
    }
}
