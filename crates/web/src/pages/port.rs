//! `/port/{proto}/{port}`: one destination port over the period, who
//! scans it, from where, and the alerts raised on it.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::Extension;
use hirundo_store::{DayRange, PortKey, SeriesOf, SourceQuery, Store};
use hirundo_surge::Subject;

use super::alerts::alerts_table;
use super::{card, grain_word, port_label, series_figure, service, sources_table, Params, View};
use crate::auth::now_ns;
use crate::error::WebError;
use crate::layout::{self, escape, n, share, Nav, Page, Viewer};
use crate::params::{parse_port, today};
use crate::state::{blocking, AppState};

/// Alerts on this subject raised in the last 90 days.
const ALERT_DAYS: i64 = 90;

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((proto, port)): Path<(String, String)>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let key = parse_port(&proto, &port).map_err(WebError::BadRequest)?;
    let view = View::parse(&params)?;
    let store = state.store();
    blocking(move || render(store.as_ref(), &viewer, key, view, now_ns()))
        .await
        .map(Html)
}

/// Yesterday and today: per-source data are kept by UTC day, and "the
/// last day" must not be empty just after midnight.
pub fn recent_days(now_ns: i64) -> DayRange {
    let today = today(now_ns);
    DayRange {
        from: today - 1,
        to: today + 1,
    }
}

pub fn render(
    store: &dyn Store,
    viewer: &Viewer,
    key: PortKey,
    view: View,
    now_ns: i64,
) -> Result<String, WebError> {
    let filter = view.filter(now_ns);
    let grain = view.span.grain();
    let series = store.series(&filter, &SeriesOf::Port(key), grain)?;
    let in_period: u64 = series.iter().map(|b| b.packets).sum();
    let totals = store.totals(&filter)?;
    let whole = if view.exclude_research {
        totals.decoded.saturating_sub(totals.research)
    } else {
        totals.decoded
    };
    let recent = recent_days(now_ns);
    let query = SourceQuery {
        port: Some(key),
        exclude_research: view.exclude_research,
        ..SourceQuery::default()
    };
    let sources = store.top_sources(recent, &query, 20)?;
    let mut countries = store.sources_by_country(recent, &query)?;
    // Each source has one region a day: the regions' sources add up to
    // the port's distinct sources, without reading the days again (an
    // exact count over a whole month read every source-day: seconds).
    let distinct: u64 = countries.iter().map(|c| c.sources).sum();
    countries.truncate(10);
    let names = super::sensor_names(store)?;
    let alerts: Vec<_> = store
        .alerts(now_ns - ALERT_DAYS * 86_400_000_000_000, i64::MAX, 500)?
        .into_iter()
        .filter(|a| {
            a.subject
                == Subject::Port {
                    proto: key.proto.as_str().into(),
                    port: key.port,
                }
        })
        .collect();

    let label = port_label(key);
    let service = service(key);
    let title = if service.is_empty() {
        format!("Port {label}")
    } else {
        format!("Port {label} ({service})")
    };
    let mut body = String::with_capacity(24 << 10);
    let _ = writeln!(
        body,
        "<h1>{}</h1>\n<p class=\"lead\">{}, {}.</p>",
        escape(&title),
        if service.is_empty() {
            "No well-known service uses this port".to_string()
        } else {
            format!("The well-known service on this port is {}", escape(service))
        },
        escape(&view.words())
    );
    body.push_str(&view.controls(&super::port_href(key)));
    body.push_str("<div class=\"cards\">");
    body.push_str(&card(
        "Packets",
        &n(in_period),
        &format!("{} of all decoded packets", share(in_period, whole)),
    ));
    body.push_str(&card(
        "Distinct sources",
        &n(distinct),
        "since yesterday 00:00 UTC",
    ));
    body.push_str(&card(
        "Alerts",
        &alerts.len().to_string(),
        "raised in the last 90 days",
    ));
    body.push_str("</div>\n");
    body.push_str(&series_figure(
        format!("Packets to {label} per {}", grain_word(grain)),
        label.clone(),
        &series,
        &filter,
        grain,
        now_ns,
        280,
    ));

    body.push_str("<h2>Top sources since yesterday 00:00 UTC</h2>\n");
    body.push_str(&sources_table("sources", &sources, &names));
    body.push_str("<h2>Source regions since yesterday 00:00 UTC</h2>\n");
    body.push_str("<table id=\"countries\"><tr><th class=n>#</th><th>region</th><th class=n>sources</th><th class=n>packets</th></tr>\n");
    for (rank, c) in countries.iter().enumerate() {
        let _ = writeln!(
            body,
            "<tr><td class=n>{}</td><td><a href=\"/country/{cc}\">{cc}</a></td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            n(c.sources),
            n(c.packets),
            cc = escape(&c.cc)
        );
    }
    if countries.is_empty() {
        body.push_str("<tr><td colspan=4 class=muted>No sources since yesterday.</td></tr>\n");
    }
    body.push_str("</table>\n<h2>Alerts on this port</h2>\n");
    body.push_str(&alerts_table(&alerts));

    let page = Page {
        title: &title,
        nav: Nav::Other,
        viewer: Some(viewer),
        public: false,
        attribution: true,
        tlp: Some("TLP:AMBER"),
    };
    Ok(layout::render(&page, &body))
}
