//! `/alerts`, `/alerts/{id}` and `/alerts.atom`: the surges detection
//! raised, with the evidence kept with each.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use hirundo_chart::{bar_chart, line_chart, sparkline, Bar, BarChart, LineChart, Series};
use hirundo_deliver::{atom_feed, FeedInfo};
use hirundo_store::Store;
use hirundo_surge::{Alert, AlertKind, AlertStatus, Subject};

use crate::auth::now_ns;
use crate::calendar::date_time;
use crate::error::WebError;
use crate::layout::{self, escape, figure, n, tlp_badge, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

/// Most alerts a list shows.
const LIST: usize = 200;

pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>, WebError> {
    let store = state.store();
    blocking(move || render_list(store.as_ref(), &viewer))
        .await
        .map(Html)
}

pub async fn detail(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> Result<Html<String>, WebError> {
    let id = parse_id(&id)?;
    let store = state.store();
    blocking(move || render_detail(store.as_ref(), &viewer, id, now_ns()))
        .await
        .map(Html)
}

pub async fn feed(State(state): State<AppState>) -> Result<Response, WebError> {
    let store = state.store();
    let config = state.0.config.clone();
    let xml = blocking(move || {
        let alerts = store.alerts(i64::MIN, i64::MAX, 100)?;
        let base = config.base_url.trim_end_matches('/').to_string();
        let info = FeedInfo {
            title: format!("hirundo alerts, {}", config.operator),
            author: config.operator.clone(),
            self_url: format!("{base}/alerts.atom"),
            base_url: base,
            tag_authority: config.tag_authority.clone(),
        };
        Ok(atom_feed(&alerts, &info))
    })
    .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

pub fn parse_id(text: &str) -> Result<i64, WebError> {
    match text.parse::<i64>() {
        Ok(id) if id > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(WebError::BadRequest(format!(
            "{text:?} is not an alert number: alerts are numbered 1, 2, 3..."
        ))),
    }
}

pub fn subject_link(subject: &Subject) -> String {
    match subject {
        Subject::Port { proto, port } => format!(
            "<a href=\"/port/{}/{port}\">{port}/{}</a>",
            escape(proto),
            escape(proto)
        ),
        Subject::Country { cc } => {
            format!("<a href=\"/country/{cc}\">region {cc}</a>", cc = escape(cc))
        }
    }
}

fn kind(alert: &Alert) -> &'static str {
    match alert.kind {
        AlertKind::Surge => "surge",
        AlertKind::NewPort => "new port",
    }
}

fn status(alert: &Alert) -> &'static str {
    match alert.status {
        AlertStatus::Ongoing => "<span class=\"flag bad\">ongoing</span>",
        AlertStatus::Closed => "<span class=\"flag ok\">closed</span>",
    }
}

/// Alerts as a table, newest first, each with a sparkline of its series.
pub fn alerts_table(alerts: &[Alert]) -> String {
    let mut html = String::from(
        "<table class=\"alerts\"><tr><th class=n>#</th><th>alert</th><th>subject</th><th>kind</th><th>status</th><th>started</th><th class=n>peak packets</th><th class=n>sources</th><th>trend</th><th>TLP</th></tr>\n",
    );
    for a in alerts {
        let trend: Vec<f64> = a.evidence.series.iter().map(|p| p.packets as f64).collect();
        let _ = writeln!(
            html,
            "<tr><td class=n><a href=\"/alerts/{id}\">{id}</a></td><td><a href=\"/alerts/{id}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.title),
            subject_link(&a.subject),
            kind(a),
            status(a),
            date_time(a.started_ns),
            n(a.packets),
            n(a.sources),
            sparkline(&trend, 100, 22),
            tlp_badge(&a.tlp),
            id = a.id,
        );
    }
    if alerts.is_empty() {
        html.push_str("<tr><td colspan=10 class=muted>No alerts.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

pub fn render_list(store: &dyn Store, viewer: &Viewer) -> Result<String, WebError> {
    let alerts = store.alerts(i64::MIN, i64::MAX, LIST)?;
    let mut body = String::from("<h1>Alerts</h1>\n<p class=\"lead\">Surges of scanning that detection raised, newest first. Alerts name sources: share them as their TLP label allows. Feed readers: <a href=\"/alerts.atom\">Atom feed</a> (needs this session).</p>\n");
    body.push_str(&alerts_table(&alerts));
    let page = Page {
        title: "Alerts",
        nav: Nav::Alerts,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some("TLP:AMBER"),
    };
    Ok(layout::render(&page, &body))
}

pub fn render_detail(
    store: &dyn Store,
    viewer: &Viewer,
    id: i64,
    now_ns: i64,
) -> Result<String, WebError> {
    let alert = store
        .alert(id)?
        .ok_or_else(|| WebError::NotFound(format!("There is no alert number {id}.")))?;
    let title = format!("Alert {id}: {}", alert.title);
    let mut body = String::with_capacity(16 << 10);
    let _ = writeln!(body, "<h1>{}</h1>", escape(&title));
    body.push_str("<dl class=\"facts\" id=\"alert\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(body, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    };
    fact("subject", subject_link(&alert.subject));
    fact("kind", kind(&alert).into());
    fact("status", status(&alert).into());
    fact("started", date_time(alert.started_ns));
    fact(
        "latest bucket",
        format!(
            "{} <span class=muted>({} ago)</span>",
            date_time(alert.last_ns),
            crate::calendar::age(now_ns - alert.last_ns)
        ),
    );
    if let Some(closed) = alert.closed_ns {
        fact("closed", date_time(closed));
    }
    fact(
        "peak",
        format!(
            "{} packets from {} sources",
            n(alert.packets),
            n(alert.sources)
        ),
    );
    fact(
        "baseline",
        format!(
            "{} packets per bucket; the peak was {:.1} robust deviations above it",
            hirundo_chart::format_value(alert.baseline),
            alert.score
        ),
    );
    if !alert.countries.is_empty() {
        let links: Vec<String> = alert
            .countries
            .iter()
            .map(|cc| format!("<a href=\"/country/{cc}\">{cc}</a>", cc = escape(cc)))
            .collect();
        fact("driven by", links.join(", "));
    }
    fact("TLP", tlp_badge(&alert.tlp));
    body.push_str("</dl>\n<h2>Evidence</h2>\n");

    let at = |ns: i64| ns.div_euclid(1_000_000_000);
    let packets: Vec<(i64, f64)> = alert
        .evidence
        .series
        .iter()
        .map(|p| (at(p.at_ns), p.packets as f64))
        .collect();
    let sources: Vec<(i64, f64)> = alert
        .evidence
        .series
        .iter()
        .map(|p| (at(p.at_ns), p.sources as f64))
        .collect();
    body.push_str("<div class=\"grid\">");
    body.push_str(&figure(&line_chart(&LineChart {
        title: format!("Packets per {} around the surge", grain_word(&alert)),
        y_label: "packets".into(),
        series: vec![Series {
            label: alert.subject.label(),
            points: packets,
        }],
        width: 580,
        height: 260,
    })));
    body.push_str(&figure(&line_chart(&LineChart {
        title: format!("Distinct sources per {}", grain_word(&alert)),
        y_label: "sources".into(),
        series: vec![Series {
            label: alert.subject.label(),
            points: sources,
        }],
        width: 580,
        height: 260,
    })));
    body.push_str("</div>\n<h2>Fingerprint mix of its sources</h2>\n");
    body.push_str(&figure(&bar_chart(&BarChart {
        title: "Sources per scanner fingerprint".into(),
        x_label: "sources".into(),
        bars: alert
            .evidence
            .fingerprints
            .iter()
            .map(|(name, count)| Bar {
                label: name.clone(),
                value: *count as f64,
                note: None,
            })
            .collect(),
        width: 1180,
        height: 40 + 30 * alert.evidence.fingerprints.len().max(1) as u32,
    })));
    body.push_str("<h2>Top sources</h2>\n<table id=\"evidence-sources\"><tr><th>source</th><th>region</th><th>AS</th><th class=n>packets</th><th>fingerprints</th></tr>\n");
    for s in &alert.evidence.top_sources {
        let _ = writeln!(
            body,
            "<tr><td class=mono><a href=\"/source/{a}\">{a}</a></td><td><a href=\"/country/{cc}\">{cc}</a></td><td>{}</td><td class=n>{}</td><td>{}</td></tr>",
            if s.asn == 0 { "–".to_string() } else { format!("AS{}", s.asn) },
            n(s.packets),
            escape(&s.tags.join(", ")),
            a = escape(&s.addr),
            cc = escape(&s.cc),
        );
    }
    if alert.evidence.top_sources.is_empty() {
        body.push_str("<tr><td colspan=5 class=muted>None kept.</td></tr>\n");
    }
    body.push_str("</table>\n");
    let page = Page {
        title: &title,
        nav: Nav::Alerts,
        viewer: Some(viewer),
        public: false,
        attribution: true,
        tlp: Some(&alert.tlp),
    };
    Ok(layout::render(&page, &body))
}

fn grain_word(alert: &Alert) -> &'static str {
    match alert.grain {
        hirundo_surge::Grain::Hour => "hour",
        hirundo_surge::Grain::Day => "day",
    }
}
