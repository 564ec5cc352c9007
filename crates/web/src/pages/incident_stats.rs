//! `/incidents/stats`: the yearly figures a national CSIRT publishes,
//! drawn from the incident records: per year, per month of a year, per
//! RSIT category, per CERT.br category and year, spam per year, and the
//! mapping from RSIT types to CERT.br's categories. Each chart has its
//! numbers in a table under it. Test incidents are never counted.

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use hirundo_chart::{bar_chart, Bar, BarChart};
use hirundo_incident::summary::{CategoryCount, Summary as Stats, YearCount};
use hirundo_incident::CertBr;
use hirundo_store::{IncidentQuery, Store};

use super::incidents::form::parse_year;
use super::Params;
use crate::auth::now_ns;
use crate::error::WebError;
use crate::layout::{self, choices, escape, figure, n, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

pub use hirundo_incident::summary::TLP;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Reads every incident and computes the figures.
pub fn load(store: &dyn Store, year: Option<i32>, now_ns: i64) -> Result<Stats, WebError> {
    let incidents = store.incidents(&IncidentQuery::default())?;
    Ok(Stats::of(&incidents, year, now_ns))
}

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let year = params
        .get("year")
        .filter(|y| !y.trim().is_empty())
        .map(parse_year)
        .transpose()?;
    let store = state.store();
    blocking(move || {
        let stats = load(store.as_ref(), year, now_ns())?;
        Ok(render(&viewer, &stats))
    })
    .await
    .map(Html)
}

fn chart(title: String, bars: Vec<Bar>) -> String {
    let height = 40 + 28 * bars.len().max(1) as u32;
    figure(&bar_chart(&BarChart {
        title,
        x_label: "incidents".into(),
        bars,
        width: 1180,
        height,
    }))
}

fn bar(label: String, value: u64) -> Bar {
    Bar {
        label,
        value: value as f64,
        note: None,
    }
}

/// A two-column table of labels and counts.
fn table(id: &str, head: &str, rows: &[(String, u64)]) -> String {
    let mut html = format!(
        "<table id=\"{id}\"><tr><th>{}</th><th class=n>incidents</th></tr>\n",
        escape(head)
    );
    for (label, count) in rows {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=n>{}</td></tr>",
            escape(label),
            n(*count)
        );
    }
    if rows.is_empty() {
        html.push_str("<tr><td colspan=2 class=muted>No incidents.</td></tr>\n");
    }
    html.push_str("</table>\n");
    html
}

fn year_rows(rows: &[YearCount]) -> Vec<(String, u64)> {
    rows.iter()
        .map(|y| (y.year.to_string(), y.incidents))
        .collect()
}

fn category_rows(rows: &[CategoryCount]) -> Vec<(String, u64)> {
    rows.iter()
        .map(|c| (format!("{} ({})", c.name, c.category), c.incidents))
        .collect()
}

fn section(body: &mut String, id: &str, title: &str, head: &str, rows: &[(String, u64)]) {
    let _ = writeln!(body, "<h2>{}</h2>", escape(title));
    body.push_str(&chart(
        title.to_string(),
        rows.iter().map(|(l, v)| bar(l.clone(), *v)).collect(),
    ));
    body.push_str(&table(id, head, rows));
}

pub fn render(viewer: &Viewer, stats: &Stats) -> String {
    let mut body = String::from("<h1>Incident statistics</h1>\n<p class=\"lead\">Incidents counted by when they happened (else when they were recorded), test incidents left out, as national CSIRTs publish them.</p>\n");
    let year_links: Vec<(String, String, bool)> = stats
        .by_year
        .iter()
        .map(|y| {
            (
                format!("/incidents/stats?year={}", y.year),
                y.year.to_string(),
                y.year == stats.year,
            )
        })
        .collect();
    if !year_links.is_empty() {
        let items: Vec<(String, &str, bool)> = year_links
            .iter()
            .map(|(href, text, current)| (href.clone(), text.as_str(), *current))
            .collect();
        let _ = writeln!(
            body,
            "<div class=\"controls\">{}</div>",
            choices("Year", &items)
        );
    }
    section(
        &mut body,
        "by-year",
        "Incidents per year",
        "year",
        &year_rows(&stats.by_year),
    );
    let months: Vec<(String, u64)> = stats
        .by_month
        .iter()
        .zip(MONTHS)
        .map(|(m, name)| (format!("{name} {}", stats.year), m.incidents))
        .collect();
    section(
        &mut body,
        "by-month",
        &format!("Incidents per month, {}", stats.year),
        "month",
        &months,
    );
    section(
        &mut body,
        "by-category",
        "Incidents per RSIT category, all years",
        "category",
        &category_rows(&stats.by_category),
    );
    section(
        &mut body,
        "by-category-of-year",
        &format!("Incidents per RSIT category, {}", stats.year),
        "category",
        &category_rows(&stats.by_category_of_year),
    );

    body.push_str("<h2>Incidents reported per year by category (CERT.br's categories)</h2>\n<p class=\"muted\">Spam is counted apart, as CERT.br does; the mapping from RSIT is at the bottom of the page.</p>\n<div class=\"grid\">");
    for y in &stats.certbr_by_year {
        let bars = y
            .categories
            .iter()
            .map(|c| bar(format!("{} ({})", c.category, c.english), c.incidents))
            .collect();
        let height = 40 + 26 * CertBr::ALL.len() as u32;
        body.push_str(&figure(&bar_chart(&BarChart {
            title: format!("{}: {} incidents", y.year, y.total),
            x_label: "incidents".into(),
            bars,
            width: 580,
            height,
        })));
    }
    if stats.certbr_by_year.is_empty() {
        body.push_str(&chart("Incidents per CERT.br category".into(), Vec::new()));
    }
    body.push_str("</div>\n<table id=\"certbr\"><tr><th>year</th>");
    for c in CertBr::ALL {
        let _ = write!(
            body,
            "<th class=n>{} <span class=muted>({})</span></th>",
            escape(c.label()),
            escape(c.english())
        );
    }
    body.push_str("<th class=n>total</th></tr>\n");
    for y in &stats.certbr_by_year {
        let _ = write!(body, "<tr><td>{}</td>", y.year);
        for c in &y.categories {
            let _ = write!(body, "<td class=n>{}</td>", n(c.incidents));
        }
        let _ = writeln!(body, "<td class=n>{}</td></tr>", n(y.total));
    }
    if stats.certbr_by_year.is_empty() {
        body.push_str("<tr><td colspan=9 class=muted>No incidents.</td></tr>\n");
    }
    body.push_str("</table>\n");
    section(
        &mut body,
        "spam",
        "Spam reports per year",
        "year",
        &year_rows(&stats.spam_by_year),
    );

    body.push_str("<h2>RSIT types and CERT.br categories</h2>\n<table id=\"mapping\"><tr><th>RSIT category</th><th>RSIT type</th><th>CERT.br category</th></tr>\n");
    for m in &stats.mapping {
        let _ = writeln!(
            body,
            "<tr><td class=mono>{}</td><td class=mono>{}</td><td>{} <span class=muted>({})</span></td></tr>",
            escape(&m.category),
            escape(&m.kind),
            escape(m.certbr),
            escape(m.english)
        );
    }
    body.push_str("</table>\n");
    let page = Page {
        title: "Incident statistics",
        nav: Nav::Incidents,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: Some(TLP.label()),
    };
    layout::render(&page, &body)
}
