//! SVG charts drawn in Rust for the dashboard, the self-contained HTML
//! report and e-mails.
//!
//! [`line_chart`] draws [`Series`] of (UTC seconds, value) as a
//! [`LineChart`]; [`bar_chart`] draws a [`BarChart`] of horizontal
//! [`Bar`]s; [`sparkline`] draws a word-sized trend. Each returns one
//! `<svg>` element as a string: no JavaScript, no external fonts or CSS,
//! a `viewBox` so pages can scale it through the `hirundo-chart` class,
//! `role="img"` with an `aria-label`, and every text escaped. Series
//! differ in an Okabe–Ito colour, a dash pattern and a marker shape, so
//! charts read the same for colour-blind readers and on a black-and-white
//! printout. Output is deterministic: the same input gives the same bytes.
//!
//! Value axes use [`nice_ticks`] (1-2-5 steps); time axes use UTC
//! calendar boundaries ([`time_ticks`]). [`escape`], [`format_number`] and
//! [`format_value`] are exported for pages that put the same numbers in
//! tables next to the charts.

mod bar;
mod line;
mod sparkline;
mod style;
mod svg;
mod ticks;
mod time_axis;

pub use bar::{bar_chart, Bar, BarChart};
pub use line::{line_chart, LineChart, Series};
pub use sparkline::sparkline;
pub use svg::{escape, forbidden_in_xml};
pub use ticks::{format_number, format_value, nice_ticks, Ticks, MAX_TICKS, MIN_TICKS};
pub use time_axis::{time_ticks, TimeTick};
