//! `/source/{ip}`: everything stored about one source address.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::net::IpAddr;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::Extension;
use hirundo_chart::{line_chart, LineChart, Series};
use hirundo_fingerprint::Tags;
use hirundo_store::{PortKey, SensorId, SourceDayRow, Store};

use super::{port_href, port_label, service, tags_text};
use crate::auth::now_ns;
use crate::calendar::{date, date_time, SECONDS_PER_DAY};
use crate::error::WebError;
use crate::layout::{self, escape, figure, n, Nav, Page, Viewer};
use crate::params::parse_ip;
use crate::state::{blocking, AppState};

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(ip): Path<String>,
) -> Result<Html<String>, WebError> {
    let ip = parse_ip(&ip).map_err(WebError::BadRequest)?;
    let store = state.store();
    blocking(move || render(store.as_ref(), &viewer, ip, now_ns()))
        .await
        .map(Html)
}

/// One source over all its stored days.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub source: IpAddr,
    pub first_ns: i64,
    pub last_ns: i64,
    pub days: usize,
    pub packets: u64,
    /// Packets per port are not stored per source: the ports it sent to.
    pub ports: Vec<PortKey>,
    pub tags: Tags,
    pub sensors: Vec<SensorId>,
    /// The latest day's attribution.
    pub cc: String,
    pub asn: u32,
    pub research: Option<String>,
}

/// Folds a source's days (oldest first) into one profile; `None` if it
/// was never seen.
pub fn profile(days: &[SourceDayRow]) -> Option<Profile> {
    let latest = days.last()?;
    let mut ports = BTreeSet::new();
    let mut sensors = BTreeSet::new();
    let mut tags = 0u16;
    for d in days {
        ports.extend(d.ports.iter().copied());
        sensors.extend(d.sensors.iter().copied());
        tags |= d.tags.0;
    }
    Some(Profile {
        source: latest.source,
        first_ns: days.iter().map(|d| d.first_ns).min().unwrap_or(0),
        last_ns: days.iter().map(|d| d.last_ns).max().unwrap_or(0),
        days: days.len(),
        packets: days.iter().map(|d| d.packets).sum(),
        ports: ports.into_iter().collect(),
        tags: Tags(tags),
        sensors: sensors.into_iter().collect(),
        cc: latest.cc.clone(),
        asn: latest.asn,
        research: days.iter().rev().find_map(|d| d.research.clone()),
    })
}

pub fn render(
    store: &dyn Store,
    viewer: &Viewer,
    ip: IpAddr,
    now_ns: i64,
) -> Result<String, WebError> {
    let days = store.source_profile(ip)?;
    let Some(p) = profile(&days) else {
        return Err(WebError::NotFound(format!(
            "No packet from {ip} is stored: no sensor has seen this address (or its days have been pruned)."
        )));
    };
    let names: HashMap<SensorId, String> = super::sensor_names(store)?;
    let sensor_list: Vec<String> = p
        .sensors
        .iter()
        .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
        .collect();

    let title = format!("Source {ip}");
    let mut body = String::with_capacity(16 << 10);
    let _ = writeln!(
        body,
        "<h1>Source <span class=\"ip\">{}</span></h1>\n<p class=\"lead\">Everything the sensors recorded from this address. Darknet packets are unsolicited: this source scanned, or answered spoofed traffic (backscatter).</p>",
        ip
    );
    body.push_str("<dl class=\"facts\" id=\"profile\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(body, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    };
    fact("first seen", date_time(p.first_ns));
    fact(
        "last seen",
        format!(
            "{} <span class=muted>({} ago)</span>",
            date_time(p.last_ns),
            crate::calendar::age(now_ns - p.last_ns)
        ),
    );
    fact("days seen", p.days.to_string());
    fact("packets", n(p.packets));
    fact(
        "region",
        format!("<a href=\"/country/{cc}\">{cc}</a>", cc = escape(&p.cc)),
    );
    fact(
        "AS",
        if p.asn == 0 {
            "unknown".into()
        } else {
            format!("AS{}", p.asn)
        },
    );
    fact(
        "research organisation",
        escape(p.research.as_deref().unwrap_or("none known")).into_owned(),
    );
    fact("fingerprints", escape(&tags_text(p.tags)).into_owned());
    fact(
        "sensors that saw it",
        escape(&sensor_list.join(", ")).into_owned(),
    );
    fact("ports", p.ports.len().to_string());
    body.push_str("</dl>\n");

    let points: Vec<(i64, f64)> = days
        .iter()
        .map(|d| (d.day * SECONDS_PER_DAY, d.packets as f64))
        .collect();
    body.push_str(&figure(&line_chart(&LineChart {
        title: format!("Packets from {ip} per day"),
        y_label: "packets".into(),
        series: vec![Series {
            label: ip.to_string(),
            points,
        }],
        width: 1180,
        height: 240,
    })));

    body.push_str("<h2>Ports it sent to</h2>\n<p id=\"ports\">");
    for (i, port) in p.ports.iter().enumerate() {
        if i > 0 {
            body.push_str(", ");
        }
        let service = service(*port);
        let _ = write!(
            body,
            "<a href=\"{}\">{}</a>{}",
            port_href(*port),
            port_label(*port),
            if service.is_empty() {
                String::new()
            } else {
                format!(" ({})", escape(service))
            }
        );
    }
    if p.ports.is_empty() {
        body.push_str("none (not TCP or UDP)");
    }
    body.push_str("</p>\n<h2>Day by day</h2>\n<table id=\"days\"><tr><th>day</th><th class=n>packets</th><th class=n>ports</th><th>fingerprints</th><th>first</th><th>last</th><th>sensors</th></tr>\n");
    for d in days.iter().rev() {
        let sensors: Vec<&str> = d
            .sensors
            .iter()
            .filter_map(|id| names.get(id).map(String::as_str))
            .collect();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            date(d.day),
            n(d.packets),
            d.ports.len(),
            escape(&tags_text(d.tags)),
            date_time(d.first_ns),
            date_time(d.last_ns),
            escape(&sensors.join(", "))
        );
    }
    body.push_str("</table>\n");
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
