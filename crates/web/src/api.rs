//! The dashboard's JSON API under `/api/v1`, behind the same session as
//! the pages: series at any grain, top lists with the previous period's
//! ranks, one source's profile, and alerts.

use std::collections::HashMap;
use std::net::IpAddr;

use axum::extract::{Path, State};
use axum::Json;
use hirundo_store::{DayRange, Filter, Grain, HourRange, PortKey, Store};
use hirundo_surge::Alert;
use serde::Serialize;

use crate::auth::now_ns;
use crate::calendar::{self, date, SECONDS_PER_DAY};
use crate::error::{ApiError, WebError};
use crate::pages::{port_label, Params};
use crate::params::{parse_instant, parse_ip, parse_research, today, ApiGrain, What};
use crate::state::{blocking, AppState};

/// Hourly series cover at most a year; wider grains at most 20 years.
const MAX_HOURS: i64 = 366 * 24;
const MAX_DAYS: i64 = 20 * 366;

#[derive(Debug, Serialize, PartialEq)]
pub struct SeriesAnswer {
    pub what: String,
    pub grain: &'static str,
    /// Seconds since the epoch, half-open, as the buckets cover it.
    pub from: i64,
    pub to: i64,
    pub exclude_research: bool,
    pub buckets: Vec<SeriesBucket>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct SeriesBucket {
    /// Start, seconds since the epoch.
    pub start: i64,
    /// "2026-03-10T14:00Z", "2026-03-10", "2026-W11", "2026-03", "2026Q1".
    pub label: String,
    pub packets: u64,
}

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

/// `GET /api/v1/series?what=&from=&to=&grain=&research=`.
pub async fn series(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<SeriesAnswer>, ApiError> {
    let what: What = params.get("what").unwrap_or("total").parse().map_err(bad)?;
    let grain: ApiGrain = params.get("grain").unwrap_or("day").parse().map_err(bad)?;
    let exclude_research = parse_research(params.get("research")).map_err(bad)?;
    let now = now_ns() / 1_000_000_000;
    let to = match params.get("to") {
        Some(t) => parse_instant(t).map_err(bad)?,
        None => now,
    };
    let from = match params.get("from") {
        Some(f) => parse_instant(f).map_err(bad)?,
        None => to - 30 * SECONDS_PER_DAY,
    };
    if from >= to {
        return Err(bad(format!("from ({from}) must be before to ({to})")));
    }
    let store = state.store();
    let sensor_name = params.get("sensor").map(str::to_string);
    let answer = blocking(move || {
        let sensor = match sensor_name {
            Some(name) => Some(
                store
                    .sensor(&name)?
                    .ok_or_else(|| WebError::NotFound(format!("no sensor named {name:?}")))?
                    .id,
            ),
            None => None,
        };
        series_answer(
            store.as_ref(),
            &what,
            grain,
            from,
            to,
            exclude_research,
            sensor,
        )
        .map_err(|e| e.0)
    })
    .await?;
    Ok(Json(answer))
}

/// The series of `what` over `[from, to)` seconds: buckets that `from`
/// and `to` fall inside are included whole, empty buckets are zeros.
pub fn series_answer(
    store: &dyn Store,
    what: &What,
    grain: ApiGrain,
    from: i64,
    to: i64,
    exclude_research: bool,
    sensor: Option<hirundo_store::SensorId>,
) -> Result<SeriesAnswer, ApiError> {
    let first_hour = from.div_euclid(3_600);
    let end_hour = (to + 3_599).div_euclid(3_600);
    let first_day = from.div_euclid(SECONDS_PER_DAY);
    let end_day = (to + SECONDS_PER_DAY - 1).div_euclid(SECONDS_PER_DAY);
    let (name, buckets) = match grain {
        ApiGrain::Hour => {
            if end_hour - first_hour > MAX_HOURS {
                return Err(bad(format!(
                    "hourly series cover at most {MAX_HOURS} hours; ask for grain=day or a shorter range"
                )));
            }
            let filter = Filter {
                hours: HourRange {
                    from: first_hour,
                    to: end_hour,
                },
                sensor,
                exclude_research,
            };
            let held: HashMap<i64, u64> = store
                .series(&filter, &what.0, Grain::Hour)?
                .into_iter()
                .map(|b| (b.at, b.packets))
                .collect();
            let buckets = (first_hour..end_hour)
                .map(|h| {
                    let (day, in_day) = (h.div_euclid(24), h.rem_euclid(24));
                    SeriesBucket {
                        start: h * 3_600,
                        label: format!("{}T{in_day:02}:00Z", date(day)),
                        packets: held.get(&h).copied().unwrap_or(0),
                    }
                })
                .collect();
            ("hour", buckets)
        }
        ApiGrain::Day | ApiGrain::Wide(_) => {
            if end_day - first_day > MAX_DAYS {
                return Err(bad(format!("series cover at most {MAX_DAYS} days")));
            }
            let filter = Filter {
                exclude_research,
                sensor,
                ..Filter::days(DayRange {
                    from: first_day,
                    to: end_day,
                })
            };
            let held: HashMap<i64, u64> = store
                .series(&filter, &what.0, Grain::Day)?
                .into_iter()
                .map(|b| (b.at, b.packets))
                .collect();
            let days: Vec<hirundo_store::Bucket> = (first_day..end_day)
                .map(|d| hirundo_store::Bucket {
                    at: d,
                    packets: held.get(&d).copied().unwrap_or(0),
                })
                .collect();
            match grain {
                ApiGrain::Wide(wide) => (
                    match wide {
                        calendar::Wide::Week => "week",
                        calendar::Wide::Month => "month",
                        calendar::Wide::Quarter => "quarter",
                    },
                    calendar::sum_days(&days, wide)
                        .into_iter()
                        .map(|w| SeriesBucket {
                            start: w.start_day * SECONDS_PER_DAY,
                            label: w.label,
                            packets: w.packets,
                        })
                        .collect(),
                ),
                _ => (
                    "day",
                    days.into_iter()
                        .map(|b| SeriesBucket {
                            start: b.at * SECONDS_PER_DAY,
                            label: date(b.at),
                            packets: b.packets,
                        })
                        .collect(),
                ),
            }
        }
    };
    let (from, to) = match grain {
        ApiGrain::Hour => (first_hour * 3_600, end_hour * 3_600),
        _ => (first_day * SECONDS_PER_DAY, end_day * SECONDS_PER_DAY),
    };
    Ok(SeriesAnswer {
        what: what.to_string(),
        grain: name,
        from,
        to,
        exclude_research,
        buckets,
    })
}

#[derive(Debug, Serialize, PartialEq)]
pub struct TopAnswer {
    pub dim: &'static str,
    /// The period: the last `days` UTC days, today included, as dates.
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub exclude_research: bool,
    pub rows: Vec<TopRow>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct TopRow {
    pub rank: u32,
    /// Rank in the period just before, `null` when not in its top 1,000.
    pub previous_rank: Option<u32>,
    /// "23/tcp", "BR", "AS64500", or a sensor's name.
    pub key: String,
    /// The AS's or the port's service name, when there is one.
    pub name: Option<String>,
    pub packets: u64,
    pub previous_packets: Option<u64>,
}

/// Ranked keys of one period: (key, name, packets), most first.
type Ranking = Vec<(String, Option<String>, u64)>;

/// How deep the previous period is searched for a previous rank.
const PREVIOUS_DEPTH: usize = 1_000;

fn ranking(
    store: &dyn Store,
    dim: &str,
    filter: &Filter,
    limit: usize,
) -> Result<Ranking, WebError> {
    Ok(match dim {
        "port" => store
            .ports(filter, Some(limit))?
            .into_iter()
            .map(|p| {
                let key = PortKey::new(p.proto, p.port);
                let service = crate::pages::service(key);
                (
                    port_label(key),
                    (!service.is_empty()).then(|| service.to_string()),
                    p.packets,
                )
            })
            .collect(),
        "country" => store
            .countries(filter, Some(limit))?
            .into_iter()
            .map(|c| (c.cc, None, c.packets))
            .collect(),
        "asn" => store
            .asns(filter, Some(limit))?
            .into_iter()
            .map(|a| {
                (
                    format!("AS{}", a.asn),
                    (!a.name.is_empty()).then_some(a.name),
                    a.packets,
                )
            })
            .collect(),
        "sensor" => {
            let mut rows = Vec::new();
            for sensor in store.sensors()? {
                let totals = store.totals(&Filter {
                    sensor: Some(sensor.id),
                    ..*filter
                })?;
                let packets = if filter.exclude_research {
                    totals.packets.saturating_sub(totals.research)
                } else {
                    totals.packets
                };
                // A sensor with nothing in the period has no rank in it.
                if packets > 0 {
                    rows.push((sensor.name, None, packets));
                }
            }
            rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
            rows.truncate(limit);
            rows
        }
        other => {
            return Err(WebError::BadRequest(format!(
                "dim={other:?}: use port, country, asn or sensor"
            )))
        }
    })
}

/// `GET /api/v1/top?dim=&days=&limit=&research=`.
pub async fn top(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<TopAnswer>, ApiError> {
    let dim: &'static str = match params.get("dim").unwrap_or("port") {
        "port" => "port",
        "country" => "country",
        "asn" => "asn",
        "sensor" => "sensor",
        other => {
            return Err(bad(format!(
                "dim={other:?}: use port, country, asn or sensor"
            )))
        }
    };
    let days = bounded(params.get("days"), "days", 7, 1, 366)?;
    let limit = bounded(params.get("limit"), "limit", 10, 1, 1_000)? as usize;
    let exclude_research = parse_research(params.get("research")).map_err(bad)?;
    let store = state.store();
    let now = now_ns();
    let answer =
        blocking(move || top_answer(store.as_ref(), dim, days, limit, exclude_research, now))
            .await?;
    Ok(Json(answer))
}

fn bounded(
    text: Option<&str>,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
) -> Result<i64, ApiError> {
    let Some(text) = text else { return Ok(default) };
    match text.parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(bad(format!(
            "{name}={text:?}: a whole number from {min} to {max}"
        ))),
    }
}

pub fn top_answer(
    store: &dyn Store,
    dim: &'static str,
    days: i64,
    limit: usize,
    exclude_research: bool,
    now_ns: i64,
) -> Result<TopAnswer, WebError> {
    let today = today(now_ns);
    let current = DayRange {
        from: today + 1 - days,
        to: today + 1,
    };
    top_for(store, dim, current, limit, exclude_research)
}

/// The top `limit` of `dim` over `current` (UTC days), each with its rank
/// in the period of the same length just before.
pub fn top_for(
    store: &dyn Store,
    dim: &'static str,
    current: DayRange,
    limit: usize,
    exclude_research: bool,
) -> Result<TopAnswer, WebError> {
    let previous = DayRange {
        from: current.from - (current.to - current.from),
        to: current.from,
    };
    let filter = |range| Filter {
        exclude_research,
        ..Filter::days(range)
    };
    let now_rows = ranking(store, dim, &filter(current), limit)?;
    let before: HashMap<String, (u32, u64)> =
        ranking(store, dim, &filter(previous), PREVIOUS_DEPTH)?
            .into_iter()
            .enumerate()
            .map(|(i, (key, _, packets))| (key, (i as u32 + 1, packets)))
            .collect();
    let rows = now_rows
        .into_iter()
        .enumerate()
        .map(|(i, (key, name, packets))| {
            let earlier = before.get(&key).copied();
            TopRow {
                rank: i as u32 + 1,
                previous_rank: earlier.map(|e| e.0),
                previous_packets: earlier.map(|e| e.1),
                key,
                name,
                packets,
            }
        })
        .collect();
    Ok(TopAnswer {
        dim,
        from: date(current.from),
        to: date(current.to - 1),
        previous_from: date(previous.from),
        previous_to: date(previous.to - 1),
        exclude_research,
        rows,
    })
}

#[derive(Debug, Serialize)]
pub struct SourceAnswer {
    pub source: IpAddr,
    pub first_seen: String,
    pub last_seen: String,
    pub packets: u64,
    pub cc: String,
    pub asn: u32,
    pub research: Option<String>,
    pub fingerprints: Vec<&'static str>,
    pub ports: Vec<String>,
    pub sensors: Vec<String>,
    pub days: Vec<SourceDay>,
}

#[derive(Debug, Serialize)]
pub struct SourceDay {
    pub day: String,
    pub packets: u64,
    pub ports: Vec<String>,
    pub fingerprints: Vec<&'static str>,
    pub sensors: Vec<String>,
}

/// `GET /api/v1/sources/{ip}`.
pub async fn source(
    State(state): State<AppState>,
    Path(ip): Path<String>,
) -> Result<Json<SourceAnswer>, ApiError> {
    let ip = parse_ip(&ip).map_err(bad)?;
    let store = state.store();
    let answer = blocking(move || {
        let days = store.source_profile(ip)?;
        let profile = crate::pages::source::profile(&days)
            .ok_or_else(|| WebError::NotFound(format!("no packet from {ip} is stored")))?;
        let names = crate::pages::sensor_names(store.as_ref())?;
        let name = |id: &i64| names.get(id).cloned().unwrap_or_else(|| format!("#{id}"));
        let tags = |t: hirundo_fingerprint::Tags| t.iter().map(|(_, n)| n).collect::<Vec<_>>();
        Ok(SourceAnswer {
            source: ip,
            first_seen: crate::calendar::date_time(profile.first_ns),
            last_seen: crate::calendar::date_time(profile.last_ns),
            packets: profile.packets,
            cc: profile.cc.clone(),
            asn: profile.asn,
            research: profile.research.clone(),
            fingerprints: tags(profile.tags),
            ports: profile.ports.iter().map(|p| port_label(*p)).collect(),
            sensors: profile.sensors.iter().map(name).collect(),
            days: days
                .iter()
                .map(|d| SourceDay {
                    day: date(d.day),
                    packets: d.packets,
                    ports: d.ports.iter().map(|p| port_label(*p)).collect(),
                    fingerprints: tags(d.tags),
                    sensors: d.sensors.iter().map(name).collect(),
                })
                .collect(),
        })
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /api/v1/alerts?days=&limit=`: alerts that started in the last
/// `days` days (default 30), newest first.
pub async fn alerts(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let days = bounded(params.get("days"), "days", 30, 1, 3_660)?;
    let limit = bounded(params.get("limit"), "limit", 100, 1, 1_000)? as usize;
    let store = state.store();
    let now = now_ns();
    let alerts = blocking(move || {
        Ok(store.alerts(
            now - days * SECONDS_PER_DAY * 1_000_000_000,
            i64::MAX,
            limit,
        )?)
    })
    .await?;
    Ok(Json(alerts))
}
