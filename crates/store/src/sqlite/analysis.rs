//! The reads behind reports, the dashboard and surge detection: series,
//! distinct sources, source profiles and probe cells.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use hirundo_fingerprint::Tags;
use hirundo_rollup::{CellSketch, DaySketch, PortKey};
use rusqlite::{params, Connection};

use super::columns::{self, uint, AddrBytes};
use super::error::Context;
use super::views::{corrupt, source_day_from_row};
use crate::{
    Bucket, CellRow, CountrySources, DayRange, Filter, Grain, HourRange, SeriesOf, SourceCount,
    SourceDayRow, SourceQuery, SourceSummary, StoreError,
};

pub(crate) fn series(
    conn: &Connection,
    filter: &Filter,
    what: &SeriesOf,
    grain: Grain,
) -> Result<Vec<Bucket>, StoreError> {
    let doing = "reading a series";
    let (dimension, key_sql) = match what {
        SeriesOf::Total => (None, ""),
        SeriesOf::Port(_) => (Some("port"), "AND proto = ?4 AND port = ?5"),
        SeriesOf::Country(_) => (Some("country"), "AND cc = ?4"),
        SeriesOf::Asn(_) => (Some("asn"), "AND asn = ?4"),
    };
    // A day grain covers the whole days the filter's hours touch.
    let open = |x: i64| x == i64::MIN || x == i64::MAX;
    let (from, to) = (filter.hours.from, filter.hours.to);
    let first_day = if open(from) {
        from
    } else {
        from.div_euclid(24)
    };
    let end_day = if open(to) {
        to
    } else {
        (to + 23).div_euclid(24)
    };
    let (table, time, bucket, from, to) = match (dimension, grain) {
        (None, Grain::Hour) => ("hour_total".to_string(), "hour", "hour", from, to),
        (None, Grain::Day) => (
            "hour_total".to_string(),
            "hour",
            "hour / 24",
            first_day.saturating_mul(24),
            end_day.saturating_mul(24),
        ),
        (Some(d), Grain::Hour) => (format!("{d}_hour"), "hour", "hour", from, to),
        (Some(d), Grain::Day) => (format!("{d}_day"), "day", "day", first_day, end_day),
    };
    let packets = if filter.exclude_research {
        "packets - research"
    } else {
        "packets"
    };
    let sql = format!(
        "SELECT {bucket} AS b, sum({packets}) FROM {table} \
         WHERE {time} >= ?1 AND {time} < ?2 AND (?3 IS NULL OR sensor = ?3) {key_sql} \
         GROUP BY b ORDER BY b"
    );
    let mut stmt = conn.prepare_cached(&sql).context(doing)?;
    let map = |row: &rusqlite::Row<'_>| {
        Ok(Bucket {
            at: row.get(0)?,
            packets: uint(row.get(1)?),
        })
    };
    let sensor = filter.sensor;
    let rows = match what {
        SeriesOf::Total => stmt.query_map(params![from, to, sensor], map),
        SeriesOf::Port(k) => stmt.query_map(
            params![from, to, sensor, columns::proto_code(k.proto), k.port],
            map,
        ),
        SeriesOf::Country(cc) => stmt.query_map(params![from, to, sensor, cc], map),
        SeriesOf::Asn(asn) => stmt.query_map(params![from, to, sensor, asn], map),
    }
    .context(doing)?;
    let mut out: Vec<Bucket> = rows.collect::<rusqlite::Result<_>>().context(doing)?;
    out.retain(|b| b.packets > 0);
    Ok(out)
}

pub(crate) fn unique_sources(
    conn: &Connection,
    days: DayRange,
    exclude_research: bool,
) -> Result<SourceCount, StoreError> {
    let doing = "counting distinct sources";
    let mut stmt = conn
        .prepare_cached("SELECT day, sources FROM day_sources WHERE day >= ?1 AND day < ?2")
        .context(doing)?;
    let mut rows = stmt.query(params![days.from, days.to]).context(doing)?;
    let mut all = DaySketch::new();
    while let Some(row) = rows.next().context(doing)? {
        let day: i64 = row.get(0).context(doing)?;
        let blob = row
            .get_ref(1)
            .and_then(|v| Ok(v.as_blob()?))
            .context(doing)?;
        let sketch = DaySketch::decode(blob)
            .ok_or_else(|| corrupt(format!("day_sources row (day {day}) is not a sketch")))?;
        all.merge(&sketch);
    }
    let mut count = SourceCount {
        sources: all.estimate(),
        exact: all.is_exact(),
    };
    if exclude_research {
        // Research scanners are few: count them exactly and take them off.
        let research: i64 = conn
            .prepare_cached(
                "SELECT count(DISTINCT source) FROM source_day \
                 WHERE day >= ?1 AND day < ?2 AND research IS NOT NULL",
            )
            .and_then(|mut s| s.query_row(params![days.from, days.to], |r| r.get(0)))
            .context(doing)?;
        count.sources = count.sources.saturating_sub(uint(research));
    }
    Ok(count)
}

/// Calls `each` with every source-day of `days` that `query` selects.
fn scan_source_days(
    conn: &Connection,
    days: DayRange,
    query: &SourceQuery,
    mut each: impl FnMut(SourceDayRow),
) -> Result<(), StoreError> {
    let doing = "reading source-days";
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, source, packets, ports, tags, first_ns, last_ns, cc, asn, research, \
             sensors FROM source_day WHERE day >= ?1 AND day < ?2 \
             AND (?3 IS NULL OR cc = ?3) AND (tags & ?4) = ?4 \
             AND (NOT ?5 OR research IS NULL)",
        )
        .context(doing)?;
    let mut rows = stmt
        .query(params![
            days.from,
            days.to,
            query.cc,
            query.tags.0,
            query.exclude_research
        ])
        .context(doing)?;
    while let Some(row) = rows.next().context(doing)? {
        let day = source_day_from_row(row)?;
        if let Some(port) = query.port {
            if day.ports.binary_search(&port).is_err() {
                continue;
            }
        }
        each(day);
    }
    Ok(())
}

pub(crate) fn sources_by_country(
    conn: &Connection,
    days: DayRange,
    query: &SourceQuery,
) -> Result<Vec<CountrySources>, StoreError> {
    let query = SourceQuery {
        cc: None,
        ..query.clone()
    };
    let mut per: HashMap<String, (HashSet<IpAddr>, u64)> = HashMap::new();
    scan_source_days(conn, days, &query, |d| {
        let entry = per.entry(d.cc).or_default();
        entry.0.insert(d.source);
        entry.1 += d.packets;
    })?;
    let mut out: Vec<CountrySources> = per
        .into_iter()
        .map(|(cc, (sources, packets))| CountrySources {
            cc,
            sources: sources.len() as u64,
            packets,
        })
        .collect();
    out.sort_by(|a, b| (b.sources, b.packets, &a.cc).cmp(&(a.sources, a.packets, &b.cc)));
    Ok(out)
}

pub(crate) fn port_sources(
    conn: &Connection,
    days: DayRange,
    ports: &[PortKey],
    exclude_research: bool,
) -> Result<Vec<u64>, StoreError> {
    let mut seen: Vec<HashSet<IpAddr>> = vec![HashSet::new(); ports.len()];
    let query = SourceQuery {
        exclude_research,
        ..SourceQuery::default()
    };
    scan_source_days(conn, days, &query, |d| {
        for (i, port) in ports.iter().enumerate() {
            if d.ports.binary_search(port).is_ok() {
                seen[i].insert(d.source);
            }
        }
    })?;
    Ok(seen.iter().map(|s| s.len() as u64).collect())
}

/// How many of a source's ports a summary lists.
const SUMMARY_PORTS: usize = 10;

pub(crate) fn top_sources(
    conn: &Connection,
    days: DayRange,
    query: &SourceQuery,
    limit: usize,
) -> Result<Vec<SourceSummary>, StoreError> {
    let mut per: HashMap<IpAddr, (SourceSummary, BTreeSet<PortKey>)> = HashMap::new();
    scan_source_days(conn, days, query, |d| {
        let (s, ports) = per.entry(d.source).or_insert_with(|| {
            (
                SourceSummary {
                    source: d.source,
                    packets: 0,
                    days: 0,
                    port_count: 0,
                    ports: Vec::new(),
                    tags: Tags::NONE,
                    first_ns: i64::MAX,
                    last_ns: i64::MIN,
                    cc: d.cc.clone(),
                    asn: d.asn,
                    research: None,
                    sensors: Vec::new(),
                },
                Default::default(),
            )
        });
        s.packets += d.packets;
        s.days += 1;
        s.tags |= d.tags;
        s.first_ns = s.first_ns.min(d.first_ns);
        s.last_ns = s.last_ns.max(d.last_ns);
        if s.research.is_none() {
            s.research = d.research;
        }
        for id in d.sensors {
            if let Err(at) = s.sensors.binary_search(&id) {
                s.sensors.insert(at, id);
            }
        }
        ports.extend(d.ports);
    })?;
    let mut out: Vec<SourceSummary> = per
        .into_values()
        .map(|(mut s, ports)| {
            s.port_count = ports.len() as u32;
            s.ports = ports.into_iter().take(SUMMARY_PORTS).collect();
            s
        })
        .collect();
    out.sort_by(|a, b| b.packets.cmp(&a.packets).then(a.source.cmp(&b.source)));
    out.truncate(limit);
    Ok(out)
}

pub(crate) fn source_profile(
    conn: &Connection,
    source: IpAddr,
) -> Result<Vec<SourceDayRow>, StoreError> {
    let doing = "reading a source's days";
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, source, packets, ports, tags, first_ns, last_ns, cc, asn, research, \
             sensors FROM source_day WHERE source = ?1 ORDER BY day",
        )
        .context(doing)?;
    let addr = AddrBytes::new(source);
    let mut rows = stmt.query([addr.as_slice()]).context(doing)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(doing)? {
        out.push(source_day_from_row(row)?);
    }
    Ok(out)
}

pub(crate) fn cells(conn: &Connection, hours: HourRange) -> Result<Vec<CellRow>, StoreError> {
    let doing = "reading probe cells";
    let mut stmt = conn
        .prepare_cached(
            "SELECT hour, proto, port, cc, packets, sources FROM cell_hour \
             WHERE hour >= ?1 AND hour < ?2 ORDER BY hour, proto, port, cc",
        )
        .context(doing)?;
    let mut rows = stmt.query(params![hours.from, hours.to]).context(doing)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(doing)? {
        let hour: i64 = row.get(0).context(doing)?;
        let proto: i64 = row.get(1).context(doing)?;
        let port: i64 = row.get(2).context(doing)?;
        let cell = || format!("cell_hour row (hour {hour}, proto {proto}, port {port})");
        let (Some(proto), Ok(port)) = (columns::proto_from(proto), u16::try_from(port)) else {
            return Err(corrupt(format!("{}: not a port", cell())));
        };
        let blob = row
            .get_ref(5)
            .and_then(|v| Ok(v.as_blob()?))
            .context(doing)?;
        let sources = CellSketch::decode(blob)
            .ok_or_else(|| corrupt(format!("{}: sources is not a sketch", cell())))?;
        out.push(CellRow {
            hour,
            port: PortKey::new(proto, port),
            cc: row.get(3).context(doing)?,
            packets: uint(row.get(4).context(doing)?),
            sources,
        });
    }
    Ok(out)
}
