//! `/`: what the darknet saw over the period, the top ports, regions and
//! ASes, and whether every sensor is delivering.

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use hirundo_chart::format_value;
use hirundo_store::{SensorOverview, SeriesOf, Store};

use super::{card, countries_table, grain_word, ports_table, series_figure, Params, View};
use crate::auth::now_ns;
use crate::calendar::{age, date_time};
use crate::error::WebError;
use crate::layout::{self, escape, n, share, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

const TOP: usize = 10;
/// A sensor that has not delivered for this long needs a look.
pub const STALE_NS: i64 = 15 * 60 * 1_000_000_000;

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let view = View::parse(&params)?;
    let store = state.store();
    blocking(move || render(store.as_ref(), &viewer, view, now_ns()))
        .await
        .map(Html)
}

pub fn render(
    store: &dyn Store,
    viewer: &Viewer,
    view: View,
    now_ns: i64,
) -> Result<String, WebError> {
    let filter = view.filter(now_ns);
    let totals = store.totals(&filter)?;
    let sources = store.unique_sources(view.span.days_range(now_ns), view.exclude_research)?;
    let grain = view.span.grain();
    let series = store.series(&filter, &SeriesOf::Total, grain)?;
    let ports = store.ports(&filter, Some(TOP))?;
    let countries = store.countries(&filter, Some(TOP))?;
    let asns = store.asns(&filter, Some(TOP))?;
    let sensors = store.sensor_overview()?;

    let start_ns = filter.hours.from.saturating_mul(3_600_000_000_000);
    let active = sensors
        .iter()
        .filter(|s| s.last_ns.is_some_and(|last| last >= start_ns))
        .count();
    // Totals count every packet; leaving research scanners out takes
    // their (decoded) packets off.
    let packets = if view.exclude_research {
        totals.packets.saturating_sub(totals.research)
    } else {
        totals.packets
    };
    let per_sensor_day = if active == 0 {
        0.0
    } else {
        packets as f64 / active as f64 / view.span.elapsed_days(now_ns)
    };
    let attention = sensors
        .iter()
        .filter(|s| !problems(s, now_ns).is_empty())
        .count();
    // Of what the filter counts, the decoded packets the store labels.
    let whole = if view.exclude_research {
        totals.decoded.saturating_sub(totals.research)
    } else {
        totals.decoded
    };

    let mut body = String::with_capacity(32 << 10);
    let _ = writeln!(
        body,
        "<h1>Overview</h1>\n<p class=\"lead\">Darknet traffic, {}. Packets to addresses nobody uses are scans, worms, misconfigurations and the backscatter of attacks on others.</p>",
        escape(&view.words())
    );
    body.push_str(&view.controls("/"));
    body.push_str("<div class=\"cards\" id=\"figures\">");
    let research_note = if view.exclude_research {
        "research scanners left out".to_string()
    } else {
        format!(
            "{} from research scanners",
            share(totals.research, totals.packets)
        )
    };
    body.push_str(&card("Packets", &n(packets), &research_note));
    body.push_str(&card(
        "Unique sources",
        &format!(
            "{}{}",
            if sources.exact { "" } else { "≈" },
            n(sources.sources)
        ),
        if view.span == crate::params::Span::Day {
            "distinct addresses since yesterday 00:00"
        } else {
            "distinct source addresses"
        },
    ));
    body.push_str(&card(
        "Per sensor per day",
        &format_value(per_sensor_day.round()),
        &format!("packets, average over {active} active sensors"),
    ));
    body.push_str(&card(
        "Sensors",
        &format!("{active} of {}", sensors.len()),
        &if attention == 0 {
            "delivering, none needs attention".to_string()
        } else {
            format!("{attention} need attention (see below)")
        },
    ));
    body.push_str("</div>\n");

    body.push_str(&series_figure(
        format!("Packets per {}, {}", grain_word(grain), view.words()),
        "all sensors".into(),
        &series,
        &filter,
        grain,
        now_ns,
        300,
    ));

    let query = view.query();
    body.push_str("<div class=\"grid\"><div>\n<h2>Top destination ports</h2>\n");
    body.push_str(&ports_table("ports", &ports, whole, &query));
    body.push_str("</div><div>\n<h2>Top source regions</h2>\n");
    body.push_str(&countries_table(
        "countries",
        &countries,
        whole,
        Some(&query),
    ));
    body.push_str("</div></div>\n<h2>Top source autonomous systems</h2>\n");
    body.push_str("<table id=\"asns\"><tr><th class=n>#</th><th>AS</th><th>name</th><th class=n>packets</th><th class=n>share</th></tr>\n");
    for (rank, a) in asns.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            if a.asn == 0 { "unknown".to_string() } else { format!("AS{}", a.asn) },
            escape(&a.name),
            n(a.packets),
            share(a.packets, whole)
        );
    }
    if asns.is_empty() {
        body.push_str("<tr><td colspan=5 class=muted>No packets in this period.</td></tr>\n");
    }
    body.push_str("</table>\n");

    body.push_str("<h2>Sensor health</h2>\n");
    body.push_str(&health_table(&sensors, now_ns));

    let page = Page {
        title: "Overview",
        nav: Nav::Overview,
        viewer: Some(viewer),
        public: false,
        attribution: true,
        tlp: None,
    };
    Ok(layout::render(&page, &body))
}

/// What is wrong with a sensor, worst first; empty when nothing is.
pub fn problems(s: &SensorOverview, now_ns: i64) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if !s.sensor.enabled {
        out.push(("warn", "disabled"));
        return out;
    }
    let health = s.health.unwrap_or_default();
    if health.paused {
        out.push(("bad", "paused: spool full"));
    }
    if health.kernel_drops > 0 || health.not_captured > 0 {
        out.push(("bad", "dropping packets"));
    }
    if health.quarantined > 0 {
        out.push(("warn", "segments quarantined"));
    }
    match s.last_segment_ns {
        None => out.push(("warn", "never delivered")),
        Some(last) if now_ns - last > STALE_NS => out.push(("warn", "stale")),
        Some(_) => {}
    }
    out
}

/// Every sensor's delivery and health; rows that need a look are marked
/// in colour and in words.
pub fn health_table(sensors: &[SensorOverview], now_ns: i64) -> String {
    let mut html = String::from(
        "<table id=\"health\"><tr><th>sensor</th><th>region</th><th>network</th><th>status</th><th>last upload</th><th class=n>kernel drops</th><th class=n>not captured</th><th class=n>spool fill</th><th class=n>quarantined</th></tr>\n",
    );
    for s in sensors {
        let health = s.health.unwrap_or_default();
        let problems = problems(s, now_ns);
        let class = if problems.iter().any(|p| p.0 == "bad") {
            " class=\"bad\""
        } else if problems.is_empty() {
            ""
        } else {
            " class=\"warn\""
        };
        let status = if problems.is_empty() {
            "<span class=\"flag ok\">OK</span>".to_string()
        } else {
            problems
                .iter()
                .map(|(class, text)| format!("<span class=\"flag {class}\">{text}</span>"))
                .collect()
        };
        let last = s.last_segment_ns.map_or("never".to_string(), |t| {
            format!(
                "{} ago <span class=muted>({})</span>",
                age(now_ns - t),
                date_time(t)
            )
        });
        let fill = if health.spool_cap_bytes == 0 {
            "–".to_string()
        } else {
            share(health.spool_bytes, health.spool_cap_bytes)
        };
        let _ = writeln!(
            html,
            "<tr{class}><td class=nw>{}</td><td>{}</td><td>{}</td><td>{status}</td><td>{last}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{fill}</td><td class=n>{}</td></tr>",
            escape(&s.sensor.name),
            escape(&s.sensor.country),
            s.sensor.network_type,
            n(health.kernel_drops),
            n(health.not_captured),
            n(health.quarantined),
        );
    }
    if sensors.is_empty() {
        html.push_str("<tr><td colspan=9 class=muted>No sensor is registered: <code>hirundo sensor add</code>.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}
