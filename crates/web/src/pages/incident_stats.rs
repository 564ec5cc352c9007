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
use hirundo_incident::{
    by_category, by_month, by_year, certbr_category, rsit, spam_by_year, year_of, yearly_by_certbr,
    CertBr, Incident,
};
use hirundo_store::{IncidentQuery, Store};
use hirundo_tlp::Tlp;
use serde::Serialize;

use super::incidents::form::parse_year;
use super::Params;
use crate::auth::now_ns;
use crate::error::WebError;
use crate::layout::{self, choices, escape, figure, n, Nav, Page, Viewer};
use crate::state::{blocking, AppState};

/// The statistics are counts, yet of records that name victims: TLP:AMBER
/// until the operator decides to publish them.
pub const TLP: Tlp = Tlp::Amber;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    pub year: i32,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// "2026-03".
    pub month: String,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    /// RSIT's value, "information-gathering".
    pub category: String,
    /// RSIT's name, "Information Gathering".
    pub name: String,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertBrCount {
    /// CERT.br's own word, "invasão".
    pub category: &'static str,
    pub english: &'static str,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertBrYear {
    pub year: i32,
    pub total: u64,
    pub categories: Vec<CertBrCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingRow {
    pub category: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub certbr: &'static str,
    pub english: &'static str,
}

/// Every figure of the page, as the API returns it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub by_year: Vec<YearCount>,
    /// The year `by_month` and `by_category_of_year` are for.
    pub year: i32,
    pub by_month: Vec<MonthCount>,
    /// All years.
    pub by_category: Vec<CategoryCount>,
    pub by_category_of_year: Vec<CategoryCount>,
    /// CERT.br's yearly table: spam is counted apart, as CERT.br does.
    pub certbr_by_year: Vec<CertBrYear>,
    pub spam_by_year: Vec<YearCount>,
    /// Every RSIT type and the CERT.br category it is counted under.
    pub mapping: Vec<MappingRow>,
}

fn years(rows: Vec<(i32, u64)>) -> Vec<YearCount> {
    rows.into_iter()
        .map(|(year, incidents)| YearCount { year, incidents })
        .collect()
}

fn categories(rows: Vec<(String, u64)>) -> Vec<CategoryCount> {
    rows.into_iter()
        .map(|(category, incidents)| CategoryCount {
            name: rsit()
                .category(&category)
                .map_or_else(|| category.clone(), |c| c.expanded.clone()),
            category,
            incidents,
        })
        .collect()
}

/// Every RSIT type and its CERT.br category.
pub fn mapping() -> Vec<MappingRow> {
    let mut rows = Vec::new();
    for c in rsit().categories() {
        for t in &c.types {
            let certbr = certbr_category(&hirundo_incident::Classification {
                taxonomy: c.value.clone(),
                kind: t.value.clone(),
            });
            rows.push(MappingRow {
                category: c.value.clone(),
                kind: t.value.clone(),
                certbr: certbr.label(),
                english: certbr.english(),
            });
        }
    }
    rows
}

/// The figures of `incidents`; `year` defaults to the latest year with
/// incidents, else the current one.
pub fn compute(incidents: &[Incident], year: Option<i32>, now_ns: i64) -> Stats {
    let by_year = years(by_year(incidents));
    let year = year
        .or_else(|| by_year.last().map(|y| y.year))
        .unwrap_or_else(|| year_of(now_ns));
    let by_month = by_month(incidents, year)
        .iter()
        .enumerate()
        .map(|(i, &incidents)| MonthCount {
            month: format!("{year:04}-{:02}", i + 1),
            incidents,
        })
        .collect();
    let certbr_by_year = yearly_by_certbr(incidents)
        .into_iter()
        .map(|(year, counts)| CertBrYear {
            year,
            total: counts.iter().sum(),
            categories: CertBr::ALL
                .iter()
                .zip(counts)
                .map(|(c, incidents)| CertBrCount {
                    category: c.label(),
                    english: c.english(),
                    incidents,
                })
                .collect(),
        })
        .collect();
    Stats {
        by_year,
        year,
        by_month,
        by_category: categories(by_category(incidents, None)),
        by_category_of_year: categories(by_category(incidents, Some(year))),
        certbr_by_year,
        spam_by_year: years(spam_by_year(incidents)),
        mapping: mapping(),
    }
}

/// Reads every incident and computes the figures.
pub fn load(store: &dyn Store, year: Option<i32>, now_ns: i64) -> Result<Stats, WebError> {
    let incidents = store.incidents(&IncidentQuery::default())?;
    Ok(compute(&incidents, year, now_ns))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_covers_every_rsit_type() {
        let types: usize = rsit().categories().iter().map(|c| c.types.len()).sum();
        let rows = mapping();
        assert_eq!(rows.len(), types);
        let scanner = rows
            .iter()
            .find(|r| r.category == "information-gathering" && r.kind == "scanner")
            .unwrap();
        assert_eq!(scanner.certbr, "scan");
    }

    #[test]
    fn an_empty_record_counts_the_current_year_with_twelve_zero_months() {
        let now = 1_773_151_509_000_000_000; // 2026-03-10
        let stats = compute(&[], None, now);
        assert_eq!(stats.year, 2026);
        assert_eq!(stats.by_month.len(), 12);
        assert!(stats.by_month.iter().all(|m| m.incidents == 0));
        assert_eq!(stats.by_month[2].month, "2026-03");
        assert!(stats.by_year.is_empty());
    }
}
