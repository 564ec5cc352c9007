//! `/public`, open without logging in: TLP:CLEAR aggregates of the last
//! 30 days. It names no source address and no sensor (neither name nor
//! address): only ports, regions, ASes and averages over sensors.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use hirundo_chart::{line_chart, LineChart, Series};
use hirundo_store::{DayRange, Filter, Grain, PortKey, SeriesOf, Store};

use super::{card, countries_table, port_label, service};
use crate::auth::now_ns;
use crate::calendar::SECONDS_PER_DAY;
use crate::error::WebError;
use crate::layout::{self, escape, figure, n, share, Nav, Page};
use crate::params::today;
use crate::state::{blocking, AppState};

const DAYS: i64 = 30;
/// Lines per chart: more are unreadable.
const LINES: usize = 5;
/// The page is drawn at most this often.
const CACHE: Duration = Duration::from_secs(60);

pub async fn page(State(state): State<AppState>) -> Result<Response, WebError> {
    let cached = state.0.public.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(at, _)| at.elapsed() < CACHE)
            .map(|(_, html)| html.clone())
    });
    let html = match cached {
        Some(html) => html,
        None => {
            let store = state.store();
            let html = blocking(move || render(store.as_ref(), now_ns())).await?;
            if let Ok(mut cache) = state.0.public.lock() {
                *cache = Some((Instant::now(), html.clone()));
            }
            html
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        html,
    )
        .into_response())
}

/// The last 30 complete UTC days: today is not over, and a page that is
/// shared should not change its figures every hour.
fn days(now_ns: i64) -> DayRange {
    let today = today(now_ns);
    DayRange {
        from: today - DAYS,
        to: today,
    }
}

/// Day-by-day points over the range: zeros on days some sensor delivered,
/// gaps on days none did (no observation is not "no packets").
fn daily(
    buckets: &[hirundo_store::Bucket],
    range: DayRange,
    observed: &BTreeMap<i64, (u64, u64)>,
) -> Vec<(i64, f64)> {
    let held: BTreeMap<i64, u64> = buckets.iter().map(|b| (b.at, b.packets)).collect();
    (range.from..range.to)
        .map(|day| {
            let value = match (held.get(&day), observed.contains_key(&day)) {
                (Some(&packets), _) => packets as f64,
                (None, true) => 0.0,
                (None, false) => f64::NAN,
            };
            (day * SECONDS_PER_DAY, value)
        })
        .collect()
}

pub fn render(store: &dyn Store, now_ns: i64) -> Result<String, WebError> {
    let range = days(now_ns);
    let filter = Filter::days(range);
    let totals = store.totals(&filter)?;
    let ports = store.ports(&filter, Some(10))?;
    let countries = store.countries(&filter, Some(10))?;
    let asns = store.asns(&filter, Some(10))?;

    // Packets per sensor per day: each day's packets over the sensors
    // that delivered on it. Sensors stay anonymous: only counts leave here.
    let mut per_day: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for sensor in store.sensors()? {
        let own = Filter {
            sensor: Some(sensor.id),
            ..filter
        };
        for b in store.series(&own, &SeriesOf::Total, Grain::Day)? {
            let entry = per_day.entry(b.at).or_default();
            entry.0 += b.packets;
            entry.1 += 1;
        }
    }
    let mut port_lines = Vec::new();
    for p in ports.iter().take(LINES) {
        let key = PortKey::new(p.proto, p.port);
        let series = store.series(&filter, &SeriesOf::Port(key), Grain::Day)?;
        port_lines.push(Series {
            label: port_label(key),
            points: daily(&series, range, &per_day),
        });
    }
    let mut region_lines = Vec::new();
    for c in countries.iter().take(LINES) {
        let series = store.series(&filter, &SeriesOf::Country(c.cc.clone()), Grain::Day)?;
        region_lines.push(Series {
            label: c.cc.clone(),
            points: daily(&series, range, &per_day),
        });
    }
    let sensor_days: u64 = per_day.values().map(|v| v.1).sum();
    let per_sensor_line: Vec<(i64, f64)> = (range.from..range.to)
        .map(|day| {
            let (packets, sensors) = per_day.get(&day).copied().unwrap_or((0, 0));
            let avg = if sensors == 0 {
                f64::NAN
            } else {
                packets as f64 / sensors as f64
            };
            (day * SECONDS_PER_DAY, avg)
        })
        .collect();
    let average = if sensor_days == 0 {
        0.0
    } else {
        totals.packets as f64 / sensor_days as f64
    };
    let active = store.sensors()?.len();

    let mut body = String::with_capacity(32 << 10);
    body.push_str("<h1>Darknet observations: public summary</h1>\n<p class=\"lead\">What this collector's darknet sensors saw over the last 30 complete days (UTC), as aggregates that may be shared freely. Packets to unused addresses are scans, worms, misconfigurations and the backscatter of attacks on others.</p>\n");
    body.push_str("<div class=\"cards\">");
    body.push_str(&card(
        "Packets",
        &n(totals.packets),
        "last 30 complete days, all sensors",
    ));
    body.push_str(&card(
        "Per sensor per day",
        &hirundo_chart::format_value(average.round()),
        &format!("packets, average over {sensor_days} sensor-days"),
    ));
    body.push_str(&card("Sensors", &active.to_string(), "partner darknets"));
    body.push_str("</div>\n");
    body.push_str(&figure(&line_chart(&LineChart {
        title: "Average packets per sensor per day".into(),
        y_label: "packets".into(),
        series: vec![Series {
            label: "per sensor".into(),
            points: per_sensor_line,
        }],
        width: 1180,
        height: 260,
    })));
    body.push_str(&figure(&line_chart(&LineChart {
        title: "Top destination ports, packets per day".into(),
        y_label: "packets".into(),
        series: port_lines,
        width: 1180,
        height: 320,
    })));
    body.push_str(&figure(&line_chart(&LineChart {
        title: "Top source regions, packets per day".into(),
        y_label: "packets".into(),
        series: region_lines,
        width: 1180,
        height: 320,
    })));

    body.push_str("<div class=\"grid\"><div>\n<h2>Top destination ports</h2>\n<table id=\"ports\"><tr><th class=n>#</th><th>port</th><th>service</th><th class=n>packets</th><th class=n>share</th></tr>\n");
    for (rank, p) in ports.iter().enumerate() {
        let key = PortKey::new(p.proto, p.port);
        let _ = writeln!(
            body,
            "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            port_label(key),
            escape(service(key)),
            n(p.packets),
            share(p.packets, totals.decoded)
        );
    }
    if ports.is_empty() {
        body.push_str("<tr><td colspan=5 class=muted>No packets in this period.</td></tr>\n");
    }
    body.push_str("</table>\n</div><div>\n<h2>Top source regions</h2>\n");
    body.push_str(&countries_table(
        "countries",
        &countries,
        totals.decoded,
        None,
    ));
    body.push_str("</div></div>\n<h2>Top source autonomous systems</h2>\n<table id=\"asns\"><tr><th class=n>#</th><th>AS</th><th>name</th><th class=n>packets</th><th class=n>share</th></tr>\n");
    for (rank, a) in asns.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            if a.asn == 0 { "unknown".to_string() } else { format!("AS{}", a.asn) },
            escape(&a.name),
            n(a.packets),
            share(a.packets, totals.decoded)
        );
    }
    if asns.is_empty() {
        body.push_str("<tr><td colspan=5 class=muted>No packets in this period.</td></tr>\n");
    }
    body.push_str("</table>\n<p class=\"muted\">Shares are of the decoded packets. Regions and ASes are where the shipped data place each source address; spoofed sources make some of them wrong.</p>\n");

    let page = Page {
        title: "Public summary",
        nav: Nav::Public,
        viewer: None,
        public: true,
        attribution: true,
        tlp: Some("TLP:CLEAR"),
    };
    Ok(layout::render(&page, &body))
}
