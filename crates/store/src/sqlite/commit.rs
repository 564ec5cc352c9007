//! [`crate::Store::commit_segment`]: a segment's identity and its roll-up
//! in one `BEGIN IMMEDIATE` transaction.
//!
//! Every roll-up row is an upsert that adds to what is stored, the
//! source-day lists included: SQL cannot take the union of two encoded
//! port lists, so the writer connection has two functions that can
//! ([`register_functions`]), and a source seen again is merged by the same
//! statement that would have inserted it.
//!
//! Speed comes from doing little per row. Rows come sorted by their
//! primary key (hour first), so consecutive upserts land on the same few
//! B-tree pages, all in the page cache. Statements are prepared once per
//! connection and take [`CHUNK`] rows each, which spreads SQLite's cost
//! per statement (opening cursors, halting, resetting) over as many rows:
//! measured, that more than halves the time of a new row. Values are bound
//! as integers and borrowed slices; the only allocations per row are a
//! source-day's encoded port list and, for a source seen again, its merged
//! lists.

use std::sync::LazyLock;

use hirundo_rollup::{day_of_hour, ErrorCounts, HourCounts, PortKey, Rollup};
use rusqlite::functions::{Context as FnContext, FunctionFlags};
use rusqlite::{
    params, Connection, OptionalExtension, Statement, ToSql, Transaction, TransactionBehavior,
};

use super::columns::{self, int, AddrBytes};
use super::error::{backend, is_foreign_key, Context};
use crate::{Committed, NewSegment, SensorId, StoreError};

/// Rows per multi-row statement. 64 rows of the widest table (source_day,
/// 11 values) stay far below SQLite's limit of 32,766 parameters; beyond
/// 64 the gain measured flat.
const CHUNK: usize = 64;

const FIND_SEGMENT: &str = "SELECT sha256 FROM segment WHERE sensor = ?1 AND seq = ?2";

const INSERT_SEGMENT: &str = "INSERT INTO segment \
    (sensor, seq, sha256, size, packets, bytes, received_ns, first_ns, last_ns, archive) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

const NAME_ASN: &str = "INSERT INTO asn_name (asn, name) VALUES (?1, ?2) \
    ON CONFLICT (asn) DO UPDATE SET name = excluded.name WHERE name <> excluded.name";

/// One roll-up table's upsert, for one row and for [`CHUNK`] rows.
///
/// `?1` is the value every row shares (the sensor, or its list), bound
/// once per statement; each row's own values follow, numbered on.
struct Upsert {
    one: String,
    many: String,
    /// Values per row, besides `?1`.
    width: usize,
}

impl Upsert {
    /// `row` is the VALUES tuple with `?1` for the shared value and `$` for
    /// each of the row's own values, in order.
    fn new(head: &str, row: &str, tail: &str) -> Upsert {
        let width = row.matches('$').count();
        let rows = |n: usize| {
            let mut next = 2;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let mut tuple = String::with_capacity(row.len() * 3);
                for ch in row.chars() {
                    if ch == '$' {
                        tuple.push_str(&format!("?{next}"));
                        next += 1;
                    } else {
                        tuple.push(ch);
                    }
                }
                out.push(tuple);
            }
            out.join(", ")
        };
        Upsert {
            one: format!("{head} VALUES {} {tail}", rows(1)),
            many: format!("{head} VALUES {} {tail}", rows(CHUNK)),
            width,
        }
    }

    /// Binds and executes `rows`, [`CHUNK`] at a time. `bind` binds one row
    /// from the given 1-based parameter index on.
    fn run<T>(
        &self,
        tx: &Transaction<'_>,
        shared: &dyn ToSql,
        rows: &[T],
        bind: impl Fn(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let mut chunks = rows.chunks_exact(CHUNK);
        if rows.len() >= CHUNK {
            let mut many = tx.prepare_cached(&self.many)?;
            many.raw_bind_parameter(1, shared)?;
            for chunk in &mut chunks {
                for (i, row) in chunk.iter().enumerate() {
                    bind(&mut many, 2 + i * self.width, row)?;
                }
                many.raw_execute()?;
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut one = tx.prepare_cached(&self.one)?;
            one.raw_bind_parameter(1, shared)?;
            for row in rest {
                bind(&mut one, 2, row)?;
                one.raw_execute()?;
            }
        }
        Ok(())
    }
}

static ADD_HOUR: LazyLock<Upsert> = LazyLock::new(|| {
    Upsert::new(
        "INSERT INTO hour_total (hour, sensor, packets, bytes, decoded, truncated, \
         unsupported_link, not_ip, malformed, tcp, udp, icmp, icmpv6, other, research)",
        "($, ?1, $, $, $, $, $, $, $, $, $, $, $, $, $)",
        "ON CONFLICT (hour, sensor) DO UPDATE SET \
         packets = packets + excluded.packets, bytes = bytes + excluded.bytes, \
         decoded = decoded + excluded.decoded, truncated = truncated + excluded.truncated, \
         unsupported_link = unsupported_link + excluded.unsupported_link, \
         not_ip = not_ip + excluded.not_ip, malformed = malformed + excluded.malformed, \
         tcp = tcp + excluded.tcp, udp = udp + excluded.udp, icmp = icmp + excluded.icmp, \
         icmpv6 = icmpv6 + excluded.icmpv6, other = other + excluded.other, \
         research = research + excluded.research",
    )
});

/// The upsert of a table keyed by (time, sensor, `keys`...) with
/// `packets` and `research` counts that add.
fn counts_upsert(table: &str, time: &str, keys: &[&str]) -> Upsert {
    let key_list = keys.join(", ");
    let holes = vec!["$"; keys.len()].join(", ");
    Upsert::new(
        &format!("INSERT INTO {table} ({time}, sensor, {key_list}, packets, research)"),
        &format!("($, ?1, {holes}, $, $)"),
        &format!(
            "ON CONFLICT ({time}, sensor, {key_list}) DO UPDATE SET \
             packets = packets + excluded.packets, research = research + excluded.research"
        ),
    )
}

static ADD_PORT: LazyLock<Upsert> =
    LazyLock::new(|| counts_upsert("port_hour", "hour", &["proto", "port"]));
static ADD_PORT_DAY: LazyLock<Upsert> =
    LazyLock::new(|| counts_upsert("port_day", "day", &["proto", "port"]));
static ADD_COUNTRY: LazyLock<Upsert> =
    LazyLock::new(|| counts_upsert("country_hour", "hour", &["cc"]));
static ADD_COUNTRY_DAY: LazyLock<Upsert> =
    LazyLock::new(|| counts_upsert("country_day", "day", &["cc"]));
static ADD_ASN: LazyLock<Upsert> = LazyLock::new(|| counts_upsert("asn_hour", "hour", &["asn"]));
static ADD_ASN_DAY: LazyLock<Upsert> = LazyLock::new(|| counts_upsert("asn_day", "day", &["asn"]));

/// Cells are over every sensor: the statement leaves `?1` out, and SQLite
/// accepts a value bound to a number it does not use.
static ADD_CELL: LazyLock<Upsert> = LazyLock::new(|| {
    Upsert::new(
        "INSERT INTO cell_hour (hour, proto, port, cc, packets, sources)",
        "($, $, $, $, $, $)",
        "ON CONFLICT (hour, proto, port, cc) DO UPDATE SET \
         packets = packets + excluded.packets, \
         sources = hirundo_cell_union(sources, excluded.sources)",
    )
});

const ADD_DAY_SOURCES: &str = "INSERT INTO day_sources (day, sources) VALUES (?1, ?2) \
    ON CONFLICT (day) DO UPDATE SET sources = hirundo_day_union(sources, excluded.sources)";

/// A source seen again that day: counts add, the lists merge, and what
/// was unknown ('ZZ', AS 0, no research organisation) takes the new
/// value. 'ZZ' is `hirundo_rollup::UNKNOWN_COUNTRY` (a unit test keeps
/// them equal). `?1` is the `sensors` list of the committing sensor.
static ADD_SOURCE: LazyLock<Upsert> = LazyLock::new(|| {
    Upsert::new(
        "INSERT INTO source_day \
         (day, source, packets, ports, tags, first_ns, last_ns, cc, asn, research, sensors)",
        "($, $, $, $, $, $, $, $, $, $, ?1)",
        "ON CONFLICT (day, source) DO UPDATE SET \
         packets = packets + excluded.packets, \
         ports = hirundo_port_union(day, source, ports, excluded.ports), \
         tags = tags | excluded.tags, \
         first_ns = min(first_ns, excluded.first_ns), \
         last_ns = max(last_ns, excluded.last_ns), \
         cc = CASE WHEN cc = 'ZZ' THEN excluded.cc ELSE cc END, \
         asn = CASE WHEN asn = 0 THEN excluded.asn ELSE asn END, \
         research = coalesce(research, excluded.research), \
         sensors = hirundo_sensor_union(day, source, sensors, excluded.sensors)",
    )
});

pub(crate) fn commit_segment(
    conn: &mut Connection,
    segment: &NewSegment,
    rollup: &Rollup,
) -> Result<Committed, StoreError> {
    let sensor = segment.sensor;
    let seq = int(segment.seq);
    let what = |step: &str| {
        format!(
            "committing segment {} of sensor {sensor}: {step}",
            segment.seq
        )
    };
    check(rollup)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .with_context(|| what("starting the transaction"))?;

    let stored: Option<Vec<u8>> = tx
        .prepare_cached(FIND_SEGMENT)
        .and_then(|mut s| {
            s.query_row(params![sensor, seq], |row| row.get(0))
                .optional()
        })
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

    add_hours(&tx, sensor, rollup).with_context(|| what("adding hour_total rows"))?;
    let port_row = |s: &mut Statement<'_>, i: usize, (t, k, p, r): &(i64, PortKey, u64, u64)| {
        bind(s, i, &[t, &columns::proto_code(k.proto), &k.port])?;
        s.raw_bind_parameter(i + 3, int(*p))?;
        s.raw_bind_parameter(i + 4, int(*r))
    };
    let ports: Vec<_> = rollup
        .ports
        .iter()
        .map(|p| (p.hour, PortKey::new(p.proto, p.port), p.packets, p.research))
        .collect();
    ADD_PORT
        .run(&tx, &sensor, &ports, port_row)
        .with_context(|| what("adding port_hour rows"))?;
    ADD_PORT_DAY
        .run(&tx, &sensor, &per_day(&ports), port_row)
        .with_context(|| what("adding port_day rows"))?;
    let cc_row = |s: &mut Statement<'_>, i: usize, (t, c, p, r): &(i64, [u8; 2], u64, u64)| {
        bind(s, i, &[t, &cc(c)?])?;
        s.raw_bind_parameter(i + 2, int(*p))?;
        s.raw_bind_parameter(i + 3, int(*r))
    };
    let countries: Vec<_> = rollup
        .countries
        .iter()
        .map(|c| (c.hour, c.cc, c.packets, c.research))
        .collect();
    ADD_COUNTRY
        .run(&tx, &sensor, &countries, cc_row)
        .with_context(|| what("adding country_hour rows"))?;
    ADD_COUNTRY_DAY
        .run(&tx, &sensor, &per_day(&countries), cc_row)
        .with_context(|| what("adding country_day rows"))?;
    add_asns(&tx, sensor, rollup).with_context(|| what("adding asn_hour rows"))?;
    ADD_CELL
        .run(&tx, &rusqlite::types::Null, &rollup.cells, |s, i, c| {
            bind(
                s,
                i,
                &[
                    &c.hour,
                    &columns::proto_code(c.port.proto),
                    &c.port.port,
                    &cc(&c.cc)?,
                ],
            )?;
            s.raw_bind_parameter(i + 4, int(c.packets))?;
            s.raw_bind_parameter(i + 5, c.sources.encode())
        })
        .with_context(|| what("adding cell_hour rows"))?;
    {
        let mut add = tx
            .prepare_cached(ADD_DAY_SOURCES)
            .with_context(|| what("adding day_sources rows"))?;
        for d in &rollup.day_sources {
            add.execute(params![d.day, d.sources.encode()])
                .with_context(|| what("adding day_sources rows"))?;
        }
    }
    let own = columns::sensors_of(sensor);
    ADD_SOURCE
        .run(&tx, &&own[..], &rollup.sources, |st, i, s| {
            let source = AddrBytes::new(s.source);
            bind(
                st,
                i,
                &[
                    &s.day,
                    &source.as_slice(),
                    &int(s.packets),
                    &PortKey::encode(&s.ports),
                    &s.tags.0,
                    &s.first_ns,
                    &s.last_ns,
                    &cc(&s.cc)?,
                    &s.asn,
                    &s.research.as_deref(),
                ],
            )
        })
        .with_context(|| what("adding source_day rows"))?;

    tx.commit().with_context(|| what("committing"))?;
    Ok(Committed::New)
}

/// Refuses a roll-up the tables cannot hold, before anything is written.
fn check(rollup: &Rollup) -> Result<(), StoreError> {
    let codes = rollup.countries.iter().map(|c| &c.cc);
    for code in codes.chain(rollup.sources.iter().map(|s| &s.cc)) {
        columns::cc_str(code)?;
    }
    Ok(())
}

/// Binds `values` from parameter `at` on.
#[inline]
fn bind(stmt: &mut Statement<'_>, at: usize, values: &[&dyn ToSql]) -> rusqlite::Result<()> {
    for (i, v) in values.iter().enumerate() {
        stmt.raw_bind_parameter(at + i, v)?;
    }
    Ok(())
}

/// A country code to bind; [`check`] has made sure it is one.
#[inline]
fn cc(code: &[u8; 2]) -> rusqlite::Result<&str> {
    columns::cc_str(code).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn add_hours(tx: &Transaction<'_>, sensor: SensorId, rollup: &Rollup) -> rusqlite::Result<()> {
    let errors = spread_errors(&rollup.hours, &rollup.errors);
    let rows: Vec<(&HourCounts, &ErrorCounts)> = rollup.hours.iter().zip(&errors).collect();
    ADD_HOUR.run(tx, &sensor, &rows, |s, i, (h, e)| {
        s.raw_bind_parameter(i, h.hour)?;
        let counts = [
            h.packets,
            h.bytes,
            h.decoded,
            e.truncated,
            e.unsupported_link,
            e.not_ip,
            e.malformed,
            h.tcp,
            h.udp,
            h.icmp,
            h.icmpv6,
            h.other,
            h.research,
        ];
        for (k, n) in counts.into_iter().enumerate() {
            s.raw_bind_parameter(i + 1 + k, int(n))?;
        }
        Ok(())
    })
}

/// Hourly rows `(hour, key, packets, research)` summed per UTC day, in
/// (day, key) order.
fn per_day<K: Ord + Copy>(rows: &[(i64, K, u64, u64)]) -> Vec<(i64, K, u64, u64)> {
    let mut days: std::collections::BTreeMap<(i64, K), (u64, u64)> = Default::default();
    for &(hour, key, packets, research) in rows {
        let day = days.entry((day_of_hour(hour), key)).or_default();
        day.0 += packets;
        day.1 += research;
    }
    days.into_iter()
        .map(|((day, key), (packets, research))| (day, key, packets, research))
        .collect()
}

fn add_asns(tx: &Transaction<'_>, sensor: SensorId, rollup: &Rollup) -> rusqlite::Result<()> {
    let rows: Vec<_> = rollup
        .asns
        .iter()
        .map(|a| (a.hour, a.asn, a.packets, a.research))
        .collect();
    let asn_row = |s: &mut Statement<'_>, i: usize, (t, a, p, r): &(i64, u32, u64, u64)| {
        bind(s, i, &[t, a])?;
        s.raw_bind_parameter(i + 2, int(*p))?;
        s.raw_bind_parameter(i + 3, int(*r))
    };
    ADD_ASN.run(tx, &sensor, &rows, asn_row)?;
    ADD_ASN_DAY.run(tx, &sensor, &per_day(&rows), asn_row)?;
    // Every hour repeats an AS's name; write each once per segment.
    let mut name = tx.prepare_cached(NAME_ASN)?;
    let mut named = std::collections::HashSet::new();
    for a in &rollup.asns {
        if !a.name.is_empty() && named.insert(a.asn) {
            name.execute(params![a.asn, a.name])?;
        }
    }
    Ok(())
}

/// Adds `hirundo_port_union(day, source, old, new)` and
/// `hirundo_sensor_union(day, source, old, new)` to the writer: the
/// merged `ports` and `sensors` columns of a source-day. `day` and
/// `source` only name the row when a column turns out to be damaged.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("hirundo_port_union", 4, flags, |ctx| {
        let (old, new) = (ctx.get_raw(2).as_blob()?, ctx.get_raw(3).as_blob()?);
        let merged = PortKey::decode(new).and_then(|new| merged_ports(old, &new));
        match merged {
            Some(Some(merged)) => Ok(merged),
            Some(None) => Ok(old.to_vec()),
            None => Err(damaged(ctx, "ports", "a port list")),
        }
    })?;
    conn.create_scalar_function("hirundo_sensor_union", 4, flags, |ctx| {
        let (old, new) = (ctx.get_raw(2).as_blob()?, ctx.get_raw(3).as_blob()?);
        let merged = columns::sensors_from(new).and_then(|new| {
            new.into_iter().try_fold(old.to_vec(), |list, id| {
                match columns::sensors_with(&list, id) {
                    Ok(Some(longer)) => Some(longer),
                    Ok(None) => Some(list),
                    Err(()) => None,
                }
            })
        });
        merged.ok_or_else(|| damaged(ctx, "sensors", "a list of sensor ids"))
    })?;
    register_sketch_functions(conn)
}

/// Adds `hirundo_cell_union(old, new)` and `hirundo_day_union(old, new)`:
/// the union of two encoded source sketches.
fn register_sketch_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("hirundo_cell_union", 2, flags, |ctx| {
        sketch_union::<64>(ctx, "cell_hour")
    })?;
    conn.create_scalar_function("hirundo_day_union", 2, flags, |ctx| {
        sketch_union::<1024>(ctx, "day_sources")
    })
}

fn sketch_union<const K: usize>(ctx: &FnContext<'_>, table: &str) -> rusqlite::Result<Vec<u8>> {
    let old = hirundo_rollup::SourceSketch::<K>::decode(ctx.get_raw(0).as_blob()?);
    let new = hirundo_rollup::SourceSketch::<K>::decode(ctx.get_raw(1).as_blob()?);
    match (old, new) {
        (Some(mut old), Some(new)) => {
            old.merge(&new);
            Ok(old.encode())
        }
        _ => Err(rusqlite::Error::UserFunctionError(
            format!("{table}: a sources column is not a source sketch").into(),
        )),
    }
}

fn damaged(ctx: &FnContext<'_>, column: &str, what: &str) -> rusqlite::Error {
    let day = ctx.get_raw(0).as_i64().unwrap_or_default();
    let source = ctx.get_raw(1).as_blob().unwrap_or_default();
    let source =
        columns::addr_from(source).map_or_else(|| format!("{source:02x?}"), |a| a.to_string());
    rusqlite::Error::UserFunctionError(
        format!("source_day row (day {day}, source {source}): the {column} column is not {what}")
            .into(),
    )
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
        assert_eq!(
            got.iter().map(ErrorCounts::total).collect::<Vec<_>>(),
            [3, 0, 6]
        );
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
        assert!(ADD_SOURCE
            .one
            .contains(&format!("cc = '{UNKNOWN_COUNTRY}'")));
    }

    #[test]
    fn chunk_statements_number_every_value_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::prepare_writer(&mut conn, ":memory:", false).unwrap();
        for upsert in [
            &*ADD_HOUR,
            &*ADD_PORT,
            &*ADD_COUNTRY,
            &*ADD_ASN,
            &*ADD_SOURCE,
        ] {
            let one = conn.prepare(&upsert.one).unwrap();
            assert_eq!(one.parameter_count(), 1 + upsert.width);
            let many = conn.prepare(&upsert.many).unwrap();
            assert_eq!(many.parameter_count(), 1 + upsert.width * CHUNK);
            assert_eq!(upsert.many.matches('?').count(), (1 + upsert.width) * CHUNK);
        }
    }
}
