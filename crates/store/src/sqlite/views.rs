//! Every read: segments, the sensor overview and the roll-up views.
//!
//! Roll-up views filter on the leading `hour` of each primary key, so an
//! hour range reads only its rows; a sensor filter is applied to those
//! rows. Sums come back from SQLite already aggregated and ordered; ties
//! are broken in SQL exactly as the trait documents.

use rusqlite::{params, Connection, Row};

use super::columns::{self, int, uint};
use super::error::Context;
use super::registry::{health_from_row, sensor_from_row};
use crate::{
    AsnTotal, CountryTotal, DayRange, Filter, HourTotal, PortTotal, RejectionCount, SegmentRecord,
    SensorId, SensorOverview, SourceDayRow, StoreError, Totals,
};
use hirundo_fingerprint::Tags;
use hirundo_rollup::{ErrorCounts, PortKey};

const SEGMENT_COLUMNS: &str =
    "sensor, seq, sha256, size, packets, received_ns, first_ns, last_ns, archive";

/// The rows of `port_hour`, `country_hour`, `asn_hour` and `hour_total`
/// that a [`Filter`] selects, with `?1`, `?2` and `?3` bound by
/// [`filter_params`].
const FILTER: &str = "hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR sensor = ?3)";

fn filter_params(f: &Filter) -> (i64, i64, Option<SensorId>) {
    (f.hours.from, f.hours.to, f.sensor)
}

/// Which table answers a filter: the `*_day` one when the filter's hours
/// are whole UTC days (24 times fewer rows), else the `*_hour` one; and
/// the packets column with or without research scanners.
pub(crate) struct Scope {
    pub table: String,
    /// `WHERE` clause with `?1`..`?3` as [`Scope::params`] binds them.
    pub filter: &'static str,
    pub packets: &'static str,
    from: i64,
    to: i64,
    sensor: Option<SensorId>,
}

impl Scope {
    pub fn of(filter: &Filter, dimension: &str) -> Scope {
        let whole = |h: i64| h == i64::MIN || h == i64::MAX || h.rem_euclid(24) == 0;
        let day = |h: i64| {
            if h == i64::MIN || h == i64::MAX {
                h
            } else {
                h.div_euclid(24)
            }
        };
        let (table, filter_sql, from, to) = if whole(filter.hours.from) && whole(filter.hours.to) {
            (
                format!("{dimension}_day"),
                "day >= ?1 AND day < ?2 AND (?3 IS NULL OR sensor = ?3)",
                day(filter.hours.from),
                day(filter.hours.to),
            )
        } else {
            (
                format!("{dimension}_hour"),
                FILTER,
                filter.hours.from,
                filter.hours.to,
            )
        };
        Scope {
            table,
            filter: filter_sql,
            packets: if filter.exclude_research {
                "packets - research"
            } else {
                "packets"
            },
            from,
            to,
            sensor: filter.sensor,
        }
    }

    pub fn params(&self) -> (i64, i64, Option<SensorId>) {
        (self.from, self.to, self.sensor)
    }
}

pub(crate) fn corrupt(what: String) -> StoreError {
    StoreError::Backend(format!("damaged database: {what}"))
}

pub(crate) fn segment(
    conn: &Connection,
    sensor: SensorId,
    seq: u64,
) -> Result<Option<SegmentRecord>, StoreError> {
    let what = "looking a segment up";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SEGMENT_COLUMNS} FROM segment WHERE sensor = ?1 AND seq = ?2"
        ))
        .context(what)?;
    let mut rows = stmt.query(params![sensor, int(seq)]).context(what)?;
    match rows.next().context(what)? {
        Some(row) => segment_from_row(row).map(Some),
        None => Ok(None),
    }
}

/// By sensor, then sequence number.
pub(crate) fn segments(
    conn: &Connection,
    sensor: Option<SensorId>,
) -> Result<Vec<SegmentRecord>, StoreError> {
    let what = "listing segments";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SEGMENT_COLUMNS} FROM segment WHERE ?1 IS NULL OR sensor = ?1 \
             ORDER BY sensor, seq"
        ))
        .context(what)?;
    let mut rows = stmt.query([sensor]).context(what)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        out.push(segment_from_row(row)?);
    }
    Ok(out)
}

fn segment_from_row(row: &Row<'_>) -> Result<SegmentRecord, StoreError> {
    let what = "reading a segment row";
    let sensor: SensorId = row.get(0).context(what)?;
    let seq = uint(row.get(1).context(what)?);
    let sha: Vec<u8> = row.get(2).context(what)?;
    let sha256 = sha.as_slice().try_into().map_err(|_| {
        corrupt(format!(
            "segment row (sensor {sensor}, seq {seq}): sha256 has {} bytes, not 32",
            sha.len()
        ))
    })?;
    Ok(SegmentRecord {
        sensor,
        seq,
        sha256,
        size: uint(row.get(3).context(what)?),
        packets: uint(row.get(4).context(what)?),
        received_ns: row.get(5).context(what)?,
        first_ns: row.get(6).context(what)?,
        last_ns: row.get(7).context(what)?,
        archive: row.get(8).context(what)?,
    })
}

/// `bytes` is what the sensor uploaded (the segments' sizes); the wire
/// bytes of its packets are [`totals`] with the sensor as filter.
pub(crate) fn sensor_overview(conn: &Connection) -> Result<Vec<SensorOverview>, StoreError> {
    let what = "reading the sensor overview";
    let mut stmt = conn
        .prepare_cached(
            "SELECT s.id, s.name, s.country, s.network_type, s.enabled, s.created_ns, \
             coalesce(g.segments, 0), coalesce(g.packets, 0), coalesce(g.bytes, 0), \
             g.received_ns, g.first_ns, g.last_ns, h.sensor IS NOT NULL, \
             h.reported_ns, h.kernel_packets, h.kernel_drops, h.spool_segments, \
             h.spool_bytes, h.spool_cap_bytes, h.paused, h.pauses, h.not_captured, \
             h.quarantined \
             FROM sensor s \
             LEFT JOIN (SELECT sensor, count(*) AS segments, sum(packets) AS packets, \
                 sum(size) AS bytes, max(received_ns) AS received_ns, \
                 min(first_ns) AS first_ns, max(last_ns) AS last_ns \
                 FROM segment GROUP BY sensor) g ON g.sensor = s.id \
             LEFT JOIN health h ON h.sensor = s.id \
             ORDER BY s.name",
        )
        .context(what)?;
    let mut rows = stmt.query([]).context(what)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let has_health: bool = row.get(12).context(what)?;
        out.push(SensorOverview {
            sensor: sensor_from_row(row, 0)?,
            segments: uint(row.get(6).context(what)?),
            packets: uint(row.get(7).context(what)?),
            bytes: uint(row.get(8).context(what)?),
            last_segment_ns: row.get(9).context(what)?,
            first_ns: row.get(10).context(what)?,
            last_ns: row.get(11).context(what)?,
            health: if has_health {
                Some(health_from_row(row, 13).context(what)?)
            } else {
                None
            },
        });
    }
    Ok(out)
}

/// Errors by reason come from `hour_total`, where each segment's errors
/// are spread over its hours (see `commit::spread_errors`): over all hours
/// they are exact, and for any range `decoded + errors == packets` holds
/// exactly; only the split by reason inside one segment's hours is an
/// attribution.
pub(crate) fn totals(conn: &mut Connection, filter: &Filter) -> Result<Totals, StoreError> {
    let what = "summing totals";
    // One snapshot for both queries: a commit in between would make the
    // segment count disagree with the sums.
    let tx = conn.transaction().context(what)?;
    let mut totals = {
        let mut stmt = tx
            .prepare_cached(&format!(
                "SELECT coalesce(sum(packets), 0), coalesce(sum(bytes), 0), \
                 coalesce(sum(decoded), 0), coalesce(sum(truncated), 0), \
                 coalesce(sum(unsupported_link), 0), coalesce(sum(not_ip), 0), \
                 coalesce(sum(malformed), 0), coalesce(sum(tcp), 0), coalesce(sum(udp), 0), \
                 coalesce(sum(icmp), 0), coalesce(sum(icmpv6), 0), coalesce(sum(other), 0), \
                 coalesce(sum(research), 0) \
                 FROM hour_total WHERE {FILTER}"
            ))
            .context(what)?;
        stmt.query_row(filter_params(filter), |row| {
            let u = |i: usize| row.get::<_, i64>(i).map(uint);
            Ok(Totals {
                packets: u(0)?,
                bytes: u(1)?,
                decoded: u(2)?,
                errors: ErrorCounts {
                    truncated: u(3)?,
                    unsupported_link: u(4)?,
                    not_ip: u(5)?,
                    malformed: u(6)?,
                },
                tcp: u(7)?,
                udp: u(8)?,
                icmp: u(9)?,
                icmpv6: u(10)?,
                other: u(11)?,
                research: u(12)?,
                segments: 0,
            })
        })
        .context(what)?
    };
    totals.segments = tx
        .prepare_cached("SELECT count(*) FROM segment WHERE ?1 IS NULL OR sensor = ?1")
        .and_then(|mut s| s.query_row([filter.sensor], |row| row.get::<_, i64>(0)))
        .map(uint)
        .context(what)?;
    Ok(totals)
}

/// Summed here rather than by SQL's GROUP BY, which sorts every row
/// through a temporary B-tree: one counter per possible (proto, port) is a
/// megabyte, and summing into it is five times faster over three days of
/// rows.
pub(crate) fn ports(
    conn: &Connection,
    filter: &Filter,
    limit: Option<usize>,
) -> Result<Vec<PortTotal>, StoreError> {
    let what = "summing packets per port";
    let scope = Scope::of(filter, "port");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT proto, port, {} FROM {} WHERE {}",
            scope.packets, scope.table, scope.filter
        ))
        .context(what)?;
    // Indexed by `PortKey::to_u32`: TCP 0..65536, UDP 65536..131072.
    // `seen` lists the ports some row named, so that only they are read
    // back (and a port whose rows hold 0 packets is still listed).
    let mut sums = vec![0u64; 2 << 16];
    let mut named = vec![false; 2 << 16];
    let mut seen: Vec<PortKey> = Vec::new();
    let mut rows = stmt.query(scope.params()).context(what)?;
    while let Some(row) = rows.next().context(what)? {
        let proto: i64 = row.get(0).context(what)?;
        let port: i64 = row.get(1).context(what)?;
        let packets: i64 = row.get(2).context(what)?;
        let (Some(proto), Ok(port)) = (columns::proto_from(proto), u16::try_from(port)) else {
            return Err(corrupt(format!(
                "port_hour has a row with proto {proto}, port {port}"
            )));
        };
        let key = PortKey::new(proto, port);
        let at = key.to_u32() as usize;
        if !named[at] {
            named[at] = true;
            seen.push(key);
        }
        sums[at] = sums[at].saturating_add(uint(packets));
    }
    let mut out: Vec<PortTotal> = seen
        .into_iter()
        .map(|key| PortTotal {
            proto: key.proto,
            port: key.port,
            packets: sums[key.to_u32() as usize],
        })
        .collect();
    if filter.exclude_research {
        // Ports only research scanners reached.
        out.retain(|p| p.packets > 0);
    }
    out.sort_unstable_by_key(|p| (std::cmp::Reverse(p.packets), p.proto, p.port));
    out.truncate(limit.unwrap_or(usize::MAX));
    Ok(out)
}

pub(crate) fn countries(
    conn: &Connection,
    filter: &Filter,
    limit: Option<usize>,
) -> Result<Vec<CountryTotal>, StoreError> {
    let what = "summing packets per country";
    let scope = Scope::of(filter, "country");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT cc, sum({}) AS n FROM {} WHERE {} \
             GROUP BY cc HAVING n > 0 OR NOT ?5 ORDER BY n DESC, cc LIMIT ?4",
            scope.packets, scope.table, scope.filter
        ))
        .context(what)?;
    let (from, to, sensor) = scope.params();
    let rows = stmt
        .query_map(
            params![
                from,
                to,
                sensor,
                columns::limit(limit),
                filter.exclude_research
            ],
            |row| {
                Ok(CountryTotal {
                    cc: row.get(0)?,
                    packets: uint(row.get(1)?),
                })
            },
        )
        .context(what)?;
    rows.collect::<rusqlite::Result<_>>().context(what)
}

pub(crate) fn asns(
    conn: &Connection,
    filter: &Filter,
    limit: Option<usize>,
) -> Result<Vec<AsnTotal>, StoreError> {
    let what = "summing packets per AS";
    let scope = Scope::of(filter, "asn");
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT t.asn, coalesce(n.name, ''), t.n FROM \
             (SELECT asn, sum({}) AS n FROM {} WHERE {} GROUP BY asn \
              HAVING n > 0 OR NOT ?5) t \
             LEFT JOIN asn_name n ON n.asn = t.asn \
             ORDER BY t.n DESC, t.asn LIMIT ?4",
            scope.packets, scope.table, scope.filter
        ))
        .context(what)?;
    let (from, to, sensor) = scope.params();
    let mut rows = stmt
        .query(params![
            from,
            to,
            sensor,
            columns::limit(limit),
            filter.exclude_research
        ])
        .context(what)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        let asn: i64 = row.get(0).context(what)?;
        let asn = u32::try_from(asn)
            .map_err(|_| corrupt(format!("asn_hour has a row with AS number {asn}")))?;
        out.push(AsnTotal {
            asn,
            name: row.get(1).context(what)?,
            packets: uint(row.get(2).context(what)?),
        });
    }
    Ok(out)
}

pub(crate) fn hours(conn: &Connection, filter: &Filter) -> Result<Vec<HourTotal>, StoreError> {
    let what = "summing packets per hour";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT hour, sum(packets), sum(bytes) FROM hour_total WHERE {FILTER} \
             GROUP BY hour ORDER BY hour"
        ))
        .context(what)?;
    let rows = stmt
        .query_map(filter_params(filter), |row| {
            Ok(HourTotal {
                hour: row.get(0)?,
                packets: uint(row.get(1)?),
                bytes: uint(row.get(2)?),
            })
        })
        .context(what)?;
    rows.collect::<rusqlite::Result<_>>().context(what)
}

/// Addresses sort as `IpAddr` does: every IPv4 one (4 bytes) before every
/// IPv6 one (16 bytes), then by their bytes.
pub(crate) fn source_days(
    conn: &Connection,
    days: DayRange,
    limit: Option<usize>,
) -> Result<Vec<SourceDayRow>, StoreError> {
    let what = "listing source-days";
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, source, packets, ports, tags, first_ns, last_ns, cc, asn, research, \
             sensors FROM source_day WHERE day >= ?1 AND day < ?2 \
             ORDER BY packets DESC, day, length(source), source LIMIT ?3",
        )
        .context(what)?;
    let mut rows = stmt
        .query(params![days.from, days.to, columns::limit(limit)])
        .context(what)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().context(what)? {
        out.push(source_day_from_row(row)?);
    }
    Ok(out)
}

pub(crate) fn source_day_from_row(row: &Row<'_>) -> Result<SourceDayRow, StoreError> {
    let what = "reading a source_day row";
    let day: i64 = row.get(0).context(what)?;
    let blob = |i: usize| -> Result<&[u8], StoreError> {
        row.get_ref(i).and_then(|v| Ok(v.as_blob()?)).context(what)
    };
    let source_bytes = blob(1)?;
    let source = columns::addr_from(source_bytes).ok_or_else(|| {
        corrupt(format!(
            "source_day row (day {day}, source {source_bytes:02x?}): the source has {} bytes, \
             not 4 or 16",
            source_bytes.len()
        ))
    })?;
    let row_name = || format!("source_day row (day {day}, source {source})");
    let ports = PortKey::decode(blob(3)?).ok_or_else(|| {
        corrupt(format!(
            "{}: the ports column is not a port list",
            row_name()
        ))
    })?;
    let sensors = columns::sensors_from(blob(10)?).ok_or_else(|| {
        corrupt(format!(
            "{}: the sensors column is not a list of sensor ids",
            row_name()
        ))
    })?;
    let tags: i64 = row.get(4).context(what)?;
    let tags = u16::try_from(tags)
        .map_err(|_| corrupt(format!("{}: tags {tags} do not fit 16 bits", row_name())))?;
    let asn: i64 = row.get(8).context(what)?;
    let asn =
        u32::try_from(asn).map_err(|_| corrupt(format!("{}: AS number {asn}", row_name())))?;
    Ok(SourceDayRow {
        day,
        source,
        packets: uint(row.get(2).context(what)?),
        ports,
        tags: Tags(tags),
        first_ns: row.get(5).context(what)?,
        last_ns: row.get(6).context(what)?,
        cc: row.get(7).context(what)?,
        asn,
        research: row.get(9).context(what)?,
        sensors,
    })
}

/// Most first, then by reason and status.
pub(crate) fn rejections(conn: &Connection) -> Result<Vec<RejectionCount>, StoreError> {
    let what = "listing refused uploads";
    let mut stmt = conn
        .prepare_cached(
            "SELECT reason, status, count, last_ns FROM rejection \
             ORDER BY count DESC, reason, status",
        )
        .context(what)?;
    let rows = stmt
        .query_map([], |row| {
            Ok(RejectionCount {
                reason: row.get(0)?,
                status: row.get(1)?,
                count: uint(row.get(2)?),
                last_ns: row.get(3)?,
            })
        })
        .context(what)?;
    rows.collect::<rusqlite::Result<_>>().context(what)
}
