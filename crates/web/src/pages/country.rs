//! `/country/{cc}`: the packets from one source region over the period,
//! and its busiest sources.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::response::Html;
use axum::Extension;
use hirundo_store::{SeriesOf, SourceQuery, Store};
use hirundo_surge::Subject;

use super::alerts::alerts_table;
use super::{card, grain_word, series_figure, sources_table, Params, View};
use crate::auth::now_ns;
use crate::error::WebError;
use crate::layout::{self, escape, n, share, Nav, Page, Viewer};
use crate::params::parse_country;
use crate::state::{blocking, AppState};

pub async fn page(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(cc): Path<String>,
    params: Params,
) -> Result<Html<String>, WebError> {
    let cc = parse_country(&cc).map_err(WebError::BadRequest)?;
    let view = View::parse(&params)?;
    let store = state.store();
    blocking(move || render(store.as_ref(), &viewer, &cc, view, now_ns()))
        .await
        .map(Html)
}

pub fn render(
    store: &dyn Store,
    viewer: &Viewer,
    cc: &str,
    view: View,
    now_ns: i64,
) -> Result<String, WebError> {
    let filter = view.filter(now_ns);
    let grain = view.span.grain();
    let series = store.series(&filter, &SeriesOf::Country(cc.to_string()), grain)?;
    let in_period: u64 = series.iter().map(|b| b.packets).sum();
    let totals = store.totals(&filter)?;
    let whole = if view.exclude_research {
        totals.decoded.saturating_sub(totals.research)
    } else {
        totals.decoded
    };
    let query = SourceQuery {
        cc: Some(cc.to_string()),
        exclude_research: view.exclude_research,
        ..SourceQuery::default()
    };
    let sources = store.top_sources(view.span.days_range(now_ns), &query, 25)?;
    let names = super::sensor_names(store)?;
    let alerts: Vec<_> = store
        .alerts(now_ns - 90 * 86_400_000_000_000, i64::MAX, 500)?
        .into_iter()
        .filter(|a| {
            a.subject == Subject::Country { cc: cc.to_string() }
                || a.countries.iter().any(|c| c == cc)
        })
        .collect();

    let title = format!("Region {cc}");
    let mut body = String::with_capacity(16 << 10);
    let _ = writeln!(
        body,
        "<h1>{}</h1>\n<p class=\"lead\">Packets from sources the shipped data place in {}, {}.{}</p>",
        escape(&title),
        escape(cc),
        escape(&view.words()),
        if cc == hirundo_rollup::UNKNOWN_COUNTRY { " ZZ stands for sources no data place." } else { "" }
    );
    body.push_str(&view.controls(&format!("/country/{cc}")));
    body.push_str("<div class=\"cards\">");
    body.push_str(&card(
        "Packets",
        &n(in_period),
        &format!("{} of all decoded packets", share(in_period, whole)),
    ));
    body.push_str(&card(
        "Sources listed",
        &sources.len().to_string(),
        "busiest first, below",
    ));
    body.push_str("</div>\n");
    body.push_str(&series_figure(
        format!("Packets from {cc} per {}", grain_word(grain)),
        cc.to_string(),
        &series,
        &filter,
        grain,
        now_ns,
        280,
    ));
    body.push_str("<h2>Top sources</h2>\n");
    body.push_str(&sources_table("sources", &sources, &names));
    body.push_str("<h2>Alerts naming this region</h2>\n");
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
