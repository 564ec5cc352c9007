//! The dashboard's pages, one module each. Every page is a pure function
//! of the store, the viewer, its parsed input and the time, returning the
//! whole HTML document; the handlers around them only parse and run them
//! on a blocking thread.

pub mod alerts;
pub mod country;
pub mod directory;
pub mod incident_stats;
pub mod incidents;
pub mod notifications;
pub mod overview;
pub mod port;
pub mod public;
pub mod reports;
pub mod sensors;
pub mod source;

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use hirundo_fingerprint::Tags;
use hirundo_store::{
    Bucket, CountryTotal, Filter, Grain, PortKey, PortTotal, SensorId, SourceSummary,
};
use hirundo_summary::{service_name, PortProto};

use crate::calendar;
use crate::error::WebError;
use crate::layout::{choices, escape, n, share};
use crate::params::{parse_research, Span};

/// A page's query string, refused with an HTML 400 when it cannot be
/// decoded.
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Params(q))
            .map_err(|e| WebError::BadRequest(format!("the query string: {}", e.body_text())))
    }
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

/// The period and research-scanner choice most pages take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub span: Span,
    pub exclude_research: bool,
}

impl View {
    pub fn parse(params: &Params) -> Result<View, WebError> {
        Ok(View {
            span: Span::parse(params.get("days")).map_err(WebError::BadRequest)?,
            exclude_research: parse_research(params.get("research"))
                .map_err(WebError::BadRequest)?,
        })
    }

    /// The query string that keeps this view on another page.
    pub fn query(&self) -> String {
        let mut q = format!("?days={}", self.span.query_value());
        if self.exclude_research {
            q.push_str("&research=exclude");
        }
        q
    }

    pub fn filter(&self, now_ns: i64) -> Filter {
        crate::params::filter(self.span, now_ns, self.exclude_research)
    }

    /// The period and research links for a page at `path`.
    pub fn controls(&self, path: &str) -> String {
        let research = if self.exclude_research {
            "&research=exclude"
        } else {
            ""
        };
        let periods: Vec<(String, &str, bool)> = Span::ALL
            .iter()
            .map(|&span| {
                (
                    format!("{path}?days={}{research}", span.query_value()),
                    match span {
                        Span::Day => "24 hours",
                        Span::Week => "7 days",
                        Span::Month => "30 days",
                    },
                    span == self.span,
                )
            })
            .collect();
        let days = self.span.query_value();
        let toggle = vec![
            (
                format!("{path}?days={days}"),
                "included",
                !self.exclude_research,
            ),
            (
                format!("{path}?days={days}&research=exclude"),
                "excluded",
                self.exclude_research,
            ),
        ];
        format!(
            "<div class=\"controls\">{} {}</div>\n",
            choices("Period", &periods),
            choices("Research scanners", &toggle)
        )
    }

    /// "last 7 days, research scanners excluded".
    pub fn words(&self) -> String {
        let mut words = self.span.label().to_string();
        if self.exclude_research {
            words.push_str(", research scanners excluded");
        }
        words
    }
}

/// "23/tcp".
pub fn port_label(port: PortKey) -> String {
    format!("{}/{}", port.port, port.proto.as_str())
}

pub fn port_href(port: PortKey) -> String {
    format!("/port/{}/{}", port.proto.as_str(), port.port)
}

pub fn service(port: PortKey) -> &'static str {
    service_name(port.port, port.proto == PortProto::Udp).unwrap_or("")
}

/// Fingerprint names, "mirai, zmap", or "–".
pub fn tags_text(tags: Tags) -> String {
    let names: Vec<&str> = tags.iter().map(|(_, name)| name).collect();
    if names.is_empty() {
        "–".into()
    } else {
        names.join(", ")
    }
}

/// "hour" or "day", as chart titles say it.
pub fn grain_word(grain: Grain) -> &'static str {
    match grain {
        Grain::Hour => "hour",
        Grain::Day => "day",
    }
}

/// The figure of one series of packets over the view's period, as the
/// overview, port and country pages draw it.
pub fn series_figure(
    title: String,
    label: String,
    buckets: &[Bucket],
    filter: &Filter,
    grain: Grain,
    now_ns: i64,
    height: u32,
) -> String {
    crate::layout::figure(&hirundo_chart::line_chart(&hirundo_chart::LineChart {
        title,
        y_label: "packets".into(),
        series: vec![hirundo_chart::Series {
            label,
            points: points(buckets, filter, grain, now_ns),
        }],
        width: 1180,
        height,
    }))
}

/// A series with the store's empty buckets put back as zeros, as chart
/// points (seconds, packets). Hours and days run from the filter's start
/// to its end or the current bucket, whichever is first.
pub fn points(buckets: &[Bucket], filter: &Filter, grain: Grain, now_ns: i64) -> Vec<(i64, f64)> {
    let (width, from, to) = match grain {
        Grain::Hour => (
            3_600,
            filter.hours.from,
            filter
                .hours
                .to
                .min(now_ns.div_euclid(3_600_000_000_000) + 1),
        ),
        // Today is not over: a day chart that ended on its few hours
        // would show a collapse that did not happen.
        Grain::Day => {
            let from = filter.hours.from.div_euclid(24);
            let to = (filter.hours.to + 23).div_euclid(24);
            let today = now_ns.div_euclid(86_400_000_000_000);
            (
                calendar::SECONDS_PER_DAY,
                from,
                if today > from {
                    to.min(today)
                } else {
                    to.min(today + 1)
                },
            )
        }
    };
    // Open ranges (the API's "everything") are drawn as the buckets held.
    if to.saturating_sub(from) > 20_000 || from >= to {
        return buckets
            .iter()
            .map(|b| (b.at * width, b.packets as f64))
            .collect();
    }
    let held: HashMap<i64, u64> = buckets.iter().map(|b| (b.at, b.packets)).collect();
    (from..to)
        .map(|at| (at * width, held.get(&at).copied().unwrap_or(0) as f64))
        .collect()
}

/// Top ports as a table with ranks, services and shares of `whole`.
pub fn ports_table(id: &str, ports: &[PortTotal], whole: u64, query: &str) -> String {
    let mut html = format!(
        "<table id=\"{id}\"><tr><th class=n>#</th><th>port</th><th>service</th><th class=n>packets</th><th class=n>share</th></tr>\n"
    );
    for (rank, p) in ports.iter().enumerate() {
        let key = PortKey::new(p.proto, p.port);
        let _ = writeln!(
            html,
            "<tr><td class=n>{}</td><td><a href=\"{}{}\">{}</a></td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            port_href(key),
            escape(query),
            port_label(key),
            escape(service(key)),
            n(p.packets),
            share(p.packets, whole)
        );
    }
    if ports.is_empty() {
        html.push_str("<tr><td colspan=5 class=muted>No packets in this period.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// Top source regions as a table; `link` makes each a link to its page.
pub fn countries_table(
    id: &str,
    countries: &[CountryTotal],
    whole: u64,
    link: Option<&str>,
) -> String {
    let mut html = format!(
        "<table id=\"{id}\"><tr><th class=n>#</th><th>region</th><th class=n>packets</th><th class=n>share</th></tr>\n"
    );
    for (rank, c) in countries.iter().enumerate() {
        let name = match link {
            Some(query) => format!(
                "<a href=\"/country/{}{}\">{}</a>",
                escape(&c.cc),
                escape(query),
                escape(&c.cc)
            ),
            None => escape(&c.cc).into_owned(),
        };
        let _ = writeln!(
            html,
            "<tr><td class=n>{}</td><td>{name}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            rank + 1,
            n(c.packets),
            share(c.packets, whole)
        );
    }
    if countries.is_empty() {
        html.push_str("<tr><td colspan=4 class=muted>No packets in this period.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// Sources as a table, each linked to its profile.
pub fn sources_table(
    id: &str,
    sources: &[SourceSummary],
    sensor_names: &HashMap<SensorId, String>,
) -> String {
    let mut html = format!(
        "<table id=\"{id}\"><tr><th>source</th><th>region</th><th>AS</th><th class=n>packets (all ports)</th><th class=n>days</th><th class=n>ports</th><th>fingerprints</th><th>sensors</th><th>research</th></tr>\n"
    );
    for s in sources {
        let sensors: Vec<&str> = s
            .sensors
            .iter()
            .filter_map(|id| sensor_names.get(id).map(String::as_str))
            .collect();
        let _ = writeln!(
            html,
            "<tr><td class=mono><a href=\"/source/{ip}\">{ip}</a></td><td><a href=\"/country/{cc}\">{cc}</a></td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if s.asn == 0 { "–".to_string() } else { format!("AS{}", s.asn) },
            n(s.packets),
            s.days,
            s.port_count,
            tags_text(s.tags),
            escape(&sensors.join(", ")),
            escape(s.research.as_deref().unwrap_or("")),
            ip = s.source,
            cc = escape(&s.cc),
        );
    }
    if sources.is_empty() {
        html.push_str("<tr><td colspan=9 class=muted>No sources in this period.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// Sensor names by id, for tables of sources.
pub fn sensor_names(
    store: &dyn hirundo_store::Store,
) -> Result<HashMap<SensorId, String>, WebError> {
    Ok(store
        .sensors()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// A key figure.
pub fn card(key: &str, value: &str, sub: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
        escape(key),
        escape(value),
        escape(sub)
    )
}
