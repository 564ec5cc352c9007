//! `/sensors`: every sensor, what it delivered over the period, its
//! health and its own top ports. Where a sensor listens is never shown.

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use hirundo_chart::{line_chart, LineChart, Series};
use hirundo_store::{Filter, Grain, PortKey, SeriesOf, Store};

use super::overview::health_table;
use super::{points, port_href, port_label, Params, View};
use crate::auth::now_ns;
use crate::calendar::{age, date_time};
use crate::error::WebError;
use crate::layout::{self, escape, figure, n, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

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
    let overview = store.sensor_overview()?;
    let base = view.filter(now_ns);
    let query = view.query();

    let mut table = String::from(
        "<table id=\"sensors\"><tr><th>sensor</th><th>region</th><th>network</th><th class=n>segments</th><th class=n>packets in period</th><th class=n>packets, all time</th><th>last upload</th><th class=n>kernel drops</th><th>top 10 ports in period</th></tr>\n",
    );
    let mut lines = Vec::new();
    for s in &overview {
        let filter = Filter {
            sensor: Some(s.sensor.id),
            ..base
        };
        let totals = store.totals(&filter)?;
        let packets = if view.exclude_research {
            totals.packets.saturating_sub(totals.research)
        } else {
            totals.packets
        };
        let ports = store.ports(&filter, Some(10))?;
        let series = store.series(&filter, &SeriesOf::Total, Grain::Day)?;
        lines.push(Series {
            label: s.sensor.name.clone(),
            points: points(&series, &filter, Grain::Day, now_ns),
        });
        let port_links: Vec<String> = ports
            .iter()
            .map(|p| {
                let key = PortKey::new(p.proto, p.port);
                format!(
                    "<a href=\"{}{}\">{}</a>",
                    port_href(key),
                    escape(&query),
                    port_label(key)
                )
            })
            .collect();
        let health = s.health.unwrap_or_default();
        let _ = writeln!(
            table,
            "<tr><td class=nw>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=nw>{}</td><td class=n>{}</td><td>{}</td></tr>",
            escape(&s.sensor.name),
            escape(&s.sensor.country),
            s.sensor.network_type,
            n(totals.segments),
            n(packets),
            n(s.packets),
            s.last_segment_ns.map_or("never".into(), |t| format!("{} ago<br><span class=muted>{}</span>", age(now_ns - t), date_time(t))),
            n(health.kernel_drops),
            if port_links.is_empty() { "–".to_string() } else { port_links.join(", ") },
        );
    }
    if overview.is_empty() {
        table.push_str("<tr><td colspan=9 class=muted>No sensor is registered: <code>hirundo sensor add</code>.</td></tr>\n");
    }
    table.push_str("</table>\n");

    let mut body = String::with_capacity(16 << 10);
    let _ = writeln!(
        body,
        "<h1>Sensors</h1>\n<p class=\"lead\">{} sensors, {}. Where each listens is kept from every page and export: knowing it would let anyone avoid or poison the darknet.</p>",
        overview.len(),
        escape(&view.words())
    );
    body.push_str(&view.controls("/sensors"));
    body.push_str(&figure(&line_chart(&LineChart {
        title: format!("Packets per sensor per day, {}", view.words()),
        y_label: "packets".into(),
        series: lines,
        width: 1180,
        height: 300,
    })));
    body.push_str("<h2>Deliveries</h2>\n");
    body.push_str(&table);
    body.push_str("<h2>Health</h2>\n");
    body.push_str(&health_table(&overview, now_ns));
    let page = Page {
        title: "Sensors",
        nav: Nav::Sensors,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: None,
    };
    Ok(layout::render(&page, &body))
}
