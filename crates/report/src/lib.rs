//! The periodic Internet Threat Monitoring Report, in the shape of
//! JPCERT/CC's quarterly TSUBAME report: overview, top destination ports
//! and source regions with their daily lines, Mirai-like sources by
//! region, research scanners, a comparison of sensors at home and abroad,
//! notable surges, notes on method and the data's licences.
//!
//! A [`PeriodRange`] comes from [`parse_period`] (`2026Q1`, `2026-03`,
//! `2026-W10`, `2026-01-05..2026-02-10`) and knows the period before it.
//! The builder fills a [`Report`] (schema `hirundo.report/1`) from the
//! store, starting from [`Report::empty`]. The renderers are pure:
//! [`render_html`] writes one self-contained HTML file with SVG charts from
//! `hirundo-chart`, [`render_markdown`] the same sentences and tables in
//! GitHub-flavoured Markdown, [`render_json`] the model itself. The
//! sentences and tables are made once, in `content`, for both text
//! formats.

mod build;
mod content;
mod format;
mod html;
mod json;
mod markdown;
mod model;
mod period;
mod tlp;

pub use build::{build, sensor_comparison, sensor_days, BuildOptions};
pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use model::{
    service_of, title_for, DailySeries, DomesticOverseas, OrganisationCount, Overview, Period,
    PortCount, RankedPort, RankedRegion, RegionCount, Report, ResearchShare, SensorSummary,
    SurgeLine, SCHEMA, TLP_CLEAR,
};
pub use period::{date_of_day, day_of_date, parse_period, PeriodError, PeriodKind, PeriodRange};
