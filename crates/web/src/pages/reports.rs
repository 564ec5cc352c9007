//! `/reports`: the periodic report for any period, viewed as its
//! self-contained HTML or downloaded as HTML, Markdown or JSON.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use hirundo_report::{parse_period, BuildOptions, PeriodRange};

use super::Params;
use crate::auth::now_ns;
use crate::calendar::{bucket_of, date, Wide};
use crate::error::WebError;
use crate::layout::{self, escape, Nav, Page, Viewer};
use crate::params::{encode_query, parse_research, today};
use crate::state::{blocking, AppState};

pub async fn page(
    Extension(viewer): Extension<Viewer>,
    params: Params,
) -> Result<Response, WebError> {
    let exclude = parse_research(params.get("research")).map_err(WebError::BadRequest)?;
    let spec = params
        .get("period")
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let parsed = spec.map(parse_period);
    let (status, html) = match parsed {
        Some(Err(err)) => (
            StatusCode::BAD_REQUEST,
            render(&viewer, spec, Err(&err.to_string()), exclude, now_ns()),
        ),
        Some(Ok(period)) => (
            StatusCode::OK,
            render(&viewer, spec, Ok(Some(&period)), exclude, now_ns()),
        ),
        None => (
            StatusCode::OK,
            render(&viewer, None, Ok(None), exclude, now_ns()),
        ),
    };
    Ok((status, Html(html)).into_response())
}

/// The report's format in `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
    Json,
}

impl Format {
    pub fn parse(text: Option<&str>) -> Result<Format, WebError> {
        match text.unwrap_or("html") {
            "html" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(WebError::BadRequest(format!(
                "format={other:?}: reports come as html, md or json"
            ))),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "md",
            Format::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// `/reports/view`: the report's own HTML, as it would be mailed.
pub async fn view(State(state): State<AppState>, params: Params) -> Result<Response, WebError> {
    let text = report(&state, &params, Format::Html).await?.1;
    Ok(Html(text).into_response())
}

/// `/reports/download`: the report as a file.
pub async fn download(State(state): State<AppState>, params: Params) -> Result<Response, WebError> {
    let format = Format::parse(params.get("format"))?;
    let (label, text) = report(&state, &params, format).await?;
    let safe: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"hirundo-report-{safe}.{}\"",
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

async fn report(
    state: &AppState,
    params: &Params,
    format: Format,
) -> Result<(String, String), WebError> {
    let spec = params.get("period").unwrap_or("");
    let period = parse_period(spec).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let exclude_research = parse_research(params.get("research")).map_err(WebError::BadRequest)?;
    let options = BuildOptions {
        home: state.0.config.home.clone(),
        exclude_research,
        now_ns: now_ns(),
        attribution: hirundo_geo::ATTRIBUTION
            .lines()
            .map(str::to_string)
            .collect(),
    };
    let store = state.store();
    blocking(move || {
        let report = hirundo_report::build(store.as_ref(), &period, &options)?;
        let text = match format {
            Format::Html => hirundo_report::render_html(&report),
            Format::Markdown => hirundo_report::render_markdown(&report),
            Format::Json => hirundo_report::render_json(&report),
        };
        Ok((period.label, text))
    })
    .await
}

/// Periods a CSIRT asks for most: the last whole month, quarter and
/// ISO week.
fn suggestions(now_ns: i64) -> Vec<(String, &'static str)> {
    let today = today(now_ns);
    let (month_start, _) = bucket_of(today, Wide::Month);
    let (quarter_start, _) = bucket_of(today, Wide::Quarter);
    let (week_start, _) = bucket_of(today, Wide::Week);
    vec![
        (bucket_of(month_start - 1, Wide::Month).1, "last month"),
        (
            bucket_of(quarter_start - 1, Wide::Quarter).1,
            "last quarter",
        ),
        (bucket_of(week_start - 1, Wide::Week).1, "last week"),
        (
            format!("{}..{}", date(today - 30), date(today - 1)),
            "last 30 days",
        ),
    ]
}

pub fn render(
    viewer: &Viewer,
    spec: Option<&str>,
    period: Result<Option<&PeriodRange>, &str>,
    exclude_research: bool,
    now_ns: i64,
) -> String {
    let mut body = String::from("<h1>Reports</h1>\n<p class=\"lead\">The Internet Threat Monitoring Report for any period: top ports and regions with their daily lines, Mirai-like sources, research scanners, sensors at home and abroad, surges. TLP:CLEAR: it names no source and no sensor address.</p>\n");
    let _ = write!(
        body,
        "<form class=\"inline\" method=\"get\" action=\"/reports\"><p><label for=\"period\">Period</label>\
         <input type=\"text\" id=\"period\" name=\"period\" value=\"{}\" placeholder=\"2026Q1, 2026-03, 2026-W10, 2026-01-01..2026-01-31\" size=\"40\"></p>\
         <p><label><input type=\"checkbox\" name=\"research\" value=\"exclude\"{}> leave research scanners out</label></p>\
         <p><button class=\"primary\" type=\"submit\">Make the report</button></p></form>",
        escape(spec.unwrap_or("")),
        if exclude_research { " checked" } else { "" }
    );
    body.push('\n');
    body.push_str("<p>Quick picks: ");
    for (i, (label, words)) in suggestions(now_ns).iter().enumerate() {
        if i > 0 {
            body.push_str(" · ");
        }
        let _ = write!(
            body,
            "<a href=\"/reports?period={}\">{} ({})</a>",
            encode_query(label),
            words,
            escape(label)
        );
    }
    body.push_str("</p>\n");
    match period {
        Err(problem) => {
            let _ = writeln!(
                body,
                "<p class=\"error\" id=\"problem\">{}</p>",
                escape(problem)
            );
        }
        Ok(None) => {}
        Ok(Some(period)) => {
            let research = if exclude_research {
                "&amp;research=exclude"
            } else {
                ""
            };
            let q = format!("period={}{research}", encode_query(&period.label));
            let previous = period.previous();
            let _ = write!(
                body,
                "<div class=\"notice\" id=\"report\"><p><strong>{}</strong>: {} to {} ({} days), compared with {} ({} to {}).</p>\
                 <p><a href=\"/reports/view?{q}\">Open the report</a> · download as \
                 <a href=\"/reports/download?{q}&amp;format=html\">HTML</a>, \
                 <a href=\"/reports/download?{q}&amp;format=md\">Markdown</a> or \
                 <a href=\"/reports/download?{q}&amp;format=json\">JSON</a></p></div>",
                escape(&period.label),
                date(period.from_day),
                date(period.to_day - 1),
                period.days(),
                escape(&previous.label),
                date(previous.from_day),
                date(previous.to_day - 1),
            );
            body.push('\n');
        }
    }
    let page = Page {
        title: "Reports",
        nav: Nav::Reports,
        viewer: Some(viewer),
        public: false,
        attribution: false,
        tlp: None,
    };
    layout::render(&page, &body)
}
