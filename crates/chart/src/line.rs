//! Line charts over time: one `<path>` per series that has data.

use std::fmt::Write;

use crate::style::{series_style, SeriesStyle};
use crate::svg::{
    canvas, coord, escape, no_data, open, text_width, title_text, truncate, AXIS, GRID, MUTED,
};
use crate::ticks::{format_value, nice_ticks};
use crate::time_axis::{date_label, time_ticks};

/// One line: `points` are (seconds since the epoch UTC, value). Points
/// need not be sorted; non-finite values are left out and break the line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub label: String,
    pub points: Vec<(i64, f64)>,
}

/// A line chart of one or more series against UTC time. `width` and
/// `height` are the nominal size in pixels; the SVG has a `viewBox`, so a
/// page can scale it through the `hirundo-chart` class.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    pub title: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub width: u32,
    pub height: u32,
}

/// Most markers one series gets: enough to tell lines apart in grey, few
/// enough not to hide the line itself.
const MARKERS_PER_SERIES: usize = 12;
const LEGEND_ROW: f64 = 18.0;
const LEGEND_SWATCH: f64 = 26.0;
const LEGEND_LABEL_CHARS: usize = 36;
/// Room one x-axis label needs, "Mar 23" or "Jan 2026".
const X_LABEL_SPACE: f64 = 64.0;

/// The chart as one `<svg>` element. A chart with no finite point in any
/// series says "No data for this period" instead of drawing empty axes.
pub fn line_chart(chart: &LineChart) -> String {
    let lines: Vec<Vec<(i64, f64)>> = chart.series.iter().map(sorted_points).collect();
    let finite = || lines.iter().flatten().filter(|p| p.1.is_finite());
    let (Some(x_min), Some(x_max)) = (finite().map(|p| p.0).min(), finite().map(|p| p.0).max())
    else {
        return no_data(
            "hirundo-line-chart",
            &chart.title,
            chart.width,
            chart.height,
        );
    };
    let y_min = finite().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let y_max = finite().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    // A single instant gets a day around it so it sits mid-chart.
    let (x_min, x_max) = if x_min == x_max {
        (x_min.saturating_sub(43_200), x_max.saturating_add(43_200))
    } else {
        (x_min, x_max)
    };
    // Counts are read against zero; an axis that starts at 900 makes 1000
    // look like ten times 900.
    let ticks = nice_ticks(y_min.min(0.0), y_max.max(0.0));
    let tick_labels = ticks.labels();

    let size = canvas(chart.width, chart.height, 240, 160);
    let (w, h) = size;
    let legend = legend_layout(&chart.series, w - 24.0);
    let label_width = tick_labels
        .iter()
        .map(|l| text_width(l, 11.0))
        .fold(0.0, f64::max);
    let y_label_space = if chart.y_label.is_empty() { 0.0 } else { 18.0 };
    let x0 = 12.0 + y_label_space + label_width + 8.0;
    let x1 = w - 18.0;
    let y0 = 40.0;
    let y1 = (h - 28.0 - legend.rows as f64 * LEGEND_ROW - 6.0).max(y0 + 20.0);
    let plot = Plot {
        x0,
        x1,
        y0,
        y1,
        x_min,
        x_max,
        y_min: ticks.values[0],
        y_max: ticks.values[ticks.values.len() - 1],
    };

    let mut out = String::with_capacity(4096);
    let (from, to) = (date_label(x_min), date_label(x_max));
    let names: Vec<&str> = chart.series.iter().map(|s| s.label.as_str()).collect();
    let aria = format!(
        "{}: line chart of {} series ({}), {from} to {to} UTC",
        if chart.title.is_empty() {
            "Chart"
        } else {
            &chart.title
        },
        chart.series.len(),
        names.join(", ")
    );
    open(
        &mut out,
        "hirundo-line-chart",
        size,
        &chart.title,
        &aria,
        &describe(chart, &lines),
    );
    title_text(&mut out, &chart.title, w - 80.0);
    let _ = write!(
        out,
        r#"<text x="{}" y="22" text-anchor="end" fill="{MUTED}">dates in UTC</text>"#,
        coord(w - 12.0)
    );

    out.push_str(r#"<g class="hirundo-grid">"#);
    for (value, label) in ticks.values.iter().zip(&tick_labels) {
        let y = coord(plot.y(*value));
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{y}" dy="4" text-anchor="end" fill="{MUTED}">{}</text>"#,
            coord(x0),
            coord(x1),
            coord(x0 - 6.0),
            escape(label)
        );
    }
    let max_x_ticks = ((x1 - x0) / X_LABEL_SPACE).clamp(2.0, 8.0) as usize;
    for tick in time_ticks(x_min, x_max, max_x_ticks) {
        let x = coord(plot.x(tick.at));
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{AXIS}" stroke-width="1"/><text x="{x}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            coord(y1),
            coord(y1 + 4.0),
            coord(y1 + 16.0),
            escape(&tick.label)
        );
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r#"<g class="hirundo-axis"><line x1="{a}" y1="{b}" x2="{c}" y2="{b}" stroke="{AXIS}" stroke-width="1"/><line x1="{a}" y1="{d}" x2="{a}" y2="{b}" stroke="{AXIS}" stroke-width="1"/>"#,
        a = coord(x0),
        b = coord(y1),
        c = coord(x1),
        d = coord(y0),
    );
    if !chart.y_label.is_empty() {
        let _ = write!(
            out,
            r#"<text transform="rotate(-90)" x="{}" y="16" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            coord(-(y0 + y1) / 2.0),
            escape(&truncate(&chart.y_label, ((y1 - y0) / 6.4) as usize))
        );
    }
    out.push_str("</g>");

    for (i, (series, points)) in chart.series.iter().zip(&lines).enumerate() {
        draw_series(&mut out, &plot, series, points, i, chart.series.len());
    }
    draw_legend(&mut out, &chart.series, &lines, &legend, y1 + 28.0);
    out.push_str("</svg>");
    out
}

/// The plotting area and the data ranges mapped onto it.
struct Plot {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    x_min: i64,
    x_max: i64,
    y_min: f64,
    y_max: f64,
}

impl Plot {
    fn x(&self, t: i64) -> f64 {
        let span = (self.x_max as f64 - self.x_min as f64).max(1.0);
        self.x0 + (t as f64 - self.x_min as f64) / span * (self.x1 - self.x0)
    }

    fn y(&self, v: f64) -> f64 {
        let span = (self.y_max - self.y_min).max(f64::MIN_POSITIVE);
        self.y1 - (v - self.y_min) / span * (self.y1 - self.y0)
    }
}

fn sorted_points(series: &Series) -> Vec<(i64, f64)> {
    let mut points = series.points.clone();
    points.sort_by_key(|p| p.0);
    points
}

/// Each series' extremes and last value, for screen readers and for
/// anyone who needs the numbers behind the picture.
fn describe(chart: &LineChart, lines: &[Vec<(i64, f64)>]) -> String {
    let parts: Vec<String> = chart
        .series
        .iter()
        .zip(lines)
        .map(|(series, points)| {
            let finite: Vec<&(i64, f64)> = points.iter().filter(|p| p.1.is_finite()).collect();
            let peak =
                finite
                    .iter()
                    .copied()
                    .fold(None, |best: Option<&(i64, f64)>, p| match best {
                        Some(b) if b.1 >= p.1 => Some(b),
                        _ => Some(p),
                    });
            match (peak, finite.last()) {
                (Some(peak), Some(last)) => format!(
                    "{}: {} points, highest {} on {}, last {} on {}",
                    series.label,
                    finite.len(),
                    format_value(peak.1),
                    date_label(peak.0),
                    format_value(last.1),
                    date_label(last.0)
                ),
                _ => format!("{}: no data", series.label),
            }
        })
        .collect();
    let mut desc = parts.join(". ");
    if !chart.y_label.is_empty() {
        desc = format!("{}. {desc}", chart.y_label);
    }
    desc
}

fn draw_series(
    out: &mut String,
    plot: &Plot,
    series: &Series,
    points: &[(i64, f64)],
    index: usize,
    count: usize,
) {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.1.is_finite())
        .map(|&(t, v)| (plot.x(t), plot.y(v)))
        .collect();
    if finite.is_empty() {
        return;
    }
    let style = series_style(index);
    let mut d = String::new();
    let mut pen_down = false;
    for &(t, v) in points {
        if !v.is_finite() {
            pen_down = false;
            continue;
        }
        let command = if pen_down { 'L' } else { 'M' };
        let _ = write!(d, "{command}{} {}", coord(plot.x(t)), coord(plot.y(v)));
        pen_down = true;
    }
    let _ = write!(
        out,
        r#"<g class="hirundo-series hirundo-series-{index}"><title>{}</title><path d="{d}" fill="none" stroke="{}" stroke-width="2"{} stroke-linejoin="round" stroke-linecap="round"/>"#,
        escape(&series.label),
        style.colour,
        style.dash_attribute(),
    );
    // Stagger each series' markers so that overlapping lines do not hide
    // each other's.
    let stride = finite.len().div_ceil(MARKERS_PER_SERIES).max(1);
    let offset = index * stride / count.max(1) % stride;
    for &(x, y) in finite.iter().skip(offset).step_by(stride) {
        style.marker(out, x, y);
    }
    out.push_str("</g>");
}

/// Where each legend entry goes: entries flow left to right and wrap.
struct LegendLayout {
    rows: usize,
    /// (x offset, row) per series.
    places: Vec<(f64, usize)>,
}

fn legend_label(series: &Series, has_data: bool) -> String {
    let label = truncate(&series.label, LEGEND_LABEL_CHARS);
    if has_data {
        label
    } else {
        format!("{label} (no data)")
    }
}

fn legend_layout(series: &[Series], width: f64) -> LegendLayout {
    let mut places = Vec::with_capacity(series.len());
    let (mut x, mut row) = (0.0, 0);
    for s in series {
        // Widest case, "(no data)" included, so layout does not depend on
        // the data.
        let item = LEGEND_SWATCH + 6.0 + text_width(&legend_label(s, false), 11.0) + 16.0;
        if x > 0.0 && x + item > width {
            row += 1;
            x = 0.0;
        }
        places.push((x, row));
        x += item;
    }
    LegendLayout {
        rows: if series.is_empty() { 0 } else { row + 1 },
        places,
    }
}

fn draw_legend(
    out: &mut String,
    series: &[Series],
    lines: &[Vec<(i64, f64)>],
    layout: &LegendLayout,
    top: f64,
) {
    out.push_str(r#"<g class="hirundo-legend">"#);
    for (i, ((s, points), &(dx, row))) in series.iter().zip(lines).zip(&layout.places).enumerate() {
        let style: SeriesStyle = series_style(i);
        let (x, y) = (12.0 + dx, top + row as f64 * LEGEND_ROW);
        let has_data = points.iter().any(|p| p.1.is_finite());
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"{}/>"#,
            coord(x),
            coord(x + LEGEND_SWATCH),
            style.colour,
            style.dash_attribute(),
            y = coord(y),
        );
        style.marker(out, x + LEGEND_SWATCH / 2.0, y);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" dy="4">{}</text>"#,
            coord(x + LEGEND_SWATCH + 6.0),
            coord(y),
            escape(&legend_label(s, has_data))
        );
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const JAN_1_2026: i64 = 20_454 * DAY;

    fn daily(label: &str, values: &[f64]) -> Series {
        Series {
            label: label.to_string(),
            points: values
                .iter()
                .enumerate()
                .map(|(i, &v)| (JAN_1_2026 + i as i64 * DAY, v))
                .collect(),
        }
    }

    fn chart(series: Vec<Series>) -> LineChart {
        LineChart {
            title: "Top ports".to_string(),
            y_label: "packets per sensor per day".to_string(),
            series,
            width: 640,
            height: 320,
        }
    }

    #[test]
    fn one_path_per_series_with_data() {
        let svg = line_chart(&chart(vec![
            daily("23/tcp", &[10.0, 20.0, 15.0]),
            daily("445/tcp", &[5.0, 7.0, 9.0]),
            daily("empty", &[]),
            daily("only nan", &[f64::NAN, f64::INFINITY]),
        ]));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("only nan (no data)"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn non_finite_values_break_the_line() {
        let svg = line_chart(&chart(vec![daily("a", &[1.0, f64::NAN, 3.0, 4.0])]));
        let d = svg.split(r#"<path d=""#).nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn y_axis_starts_at_zero_and_uses_nice_labels() {
        let svg = line_chart(&chart(vec![daily("a", &[900.0, 1000.0])]));
        assert!(svg.contains(">0</text>"));
        assert!(svg.contains(">1,000</text>"));
    }

    #[test]
    fn a_single_point_is_drawn_as_a_marker() {
        let svg = line_chart(&chart(vec![daily("a", &[42.0])]));
        assert_eq!(svg.matches("<path").count(), 1);
        // One marker on the point and one in the legend.
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("highest 42 on 2026-01-01"));
    }

    #[test]
    fn markers_are_thinned_to_a_dozen_per_series() {
        let values: Vec<f64> = (0..90).map(f64::from).collect();
        let svg = line_chart(&chart(vec![daily("a", &values)]));
        // 90 points at a stride of 8 → 12 markers, plus the legend's.
        assert_eq!(svg.matches("<circle").count(), 12 + 1);
    }

    #[test]
    fn output_is_deterministic() {
        let c = chart(vec![
            daily("a", &[1.0, 2.5, 2.0]),
            daily("b", &[3.0, 1.0, 0.5]),
        ]);
        assert_eq!(line_chart(&c), line_chart(&c));
    }

    #[test]
    fn every_number_in_the_markup_has_at_most_one_decimal() {
        let svg = line_chart(&chart(vec![daily("a", &[1.234_567, 2.345_678, 3.456_789])]));
        let long_decimal = svg
            .as_bytes()
            .windows(3)
            .any(|w| w[0] == b'.' && w[1].is_ascii_digit() && w[2].is_ascii_digit());
        assert!(!long_decimal);
    }
}
