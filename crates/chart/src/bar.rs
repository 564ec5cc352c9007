//! Horizontal bar charts: one `<rect>` per bar with a finite value, the
//! value printed at its end.

use std::fmt::Write;

use crate::style::PRIMARY;
use crate::svg::{
    canvas, coord, escape, no_data, open, text_width, title_text, truncate, AXIS, GRID, MUTED,
};
use crate::ticks::{format_value, nice_ticks};

/// One bar. `note` is printed after the value in grey, e.g. "12 sources".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub note: Option<String>,
}

/// Bars are drawn top to bottom in the order given; `x_label` names the
/// value axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarChart {
    pub title: String,
    pub x_label: String,
    pub bars: Vec<Bar>,
    pub width: u32,
    pub height: u32,
}

const FONT: f64 = 11.0;
/// Thicker bars look like blocks, not bars.
const MAX_THICKNESS: f64 = 26.0;

/// The chart as one `<svg>` element; no bars, or none with a finite
/// value, gives the "No data for this period" chart.
pub fn bar_chart(chart: &BarChart) -> String {
    let finite = || chart.bars.iter().map(|b| b.value).filter(|v| v.is_finite());
    if finite().next().is_none() {
        return no_data("hirundo-bar-chart", &chart.title, chart.width, chart.height);
    }
    let v_min = finite().fold(0.0, f64::min);
    let v_max = finite().fold(0.0, f64::max);
    let ticks = nice_ticks(v_min, v_max);
    let tick_labels = ticks.labels();

    let size = canvas(chart.width, chart.height, 240, 120);
    let (w, h) = size;
    let label_width = chart
        .bars
        .iter()
        .map(|b| text_width(&b.label, FONT))
        .fold(0.0, f64::max)
        .min(w * 0.35);
    let label_chars = (label_width / (FONT * 0.58)).max(3.0) as usize;
    let value_texts: Vec<String> = chart.bars.iter().map(value_text).collect();
    let value_width = value_texts
        .iter()
        .map(|t| text_width(t, FONT))
        .fold(0.0, f64::max)
        .min(w * 0.3)
        + 8.0;
    let x0 = 12.0 + label_width + 8.0;
    let x1 = (w - 12.0 - value_width).max(x0 + 20.0);
    let y0 = 38.0;
    let bottom = if chart.x_label.is_empty() { 26.0 } else { 42.0 };
    let y1 = (h - bottom).max(y0 + 10.0);
    let (t_min, t_max) = (ticks.values[0], ticks.values[ticks.values.len() - 1]);
    let x = |v: f64| x0 + (v - t_min) / (t_max - t_min).max(f64::MIN_POSITIVE) * (x1 - x0);

    let mut out = String::with_capacity(2048);
    let summary: Vec<String> = chart
        .bars
        .iter()
        .zip(&value_texts)
        .map(|(b, t)| format!("{} {t}", b.label))
        .collect();
    let aria = format!(
        "{}: bar chart of {} bars",
        if chart.title.is_empty() {
            "Chart"
        } else {
            &chart.title
        },
        chart.bars.len()
    );
    open(
        &mut out,
        "hirundo-bar-chart",
        size,
        &chart.title,
        &aria,
        &summary.join("; "),
    );
    title_text(&mut out, &chart.title, w);

    out.push_str(r#"<g class="hirundo-grid">"#);
    for (value, label) in ticks.values.iter().zip(&tick_labels) {
        let tx = coord(x(*value));
        let _ = write!(
            out,
            r#"<line x1="{tx}" y1="{}" x2="{tx}" y2="{}" stroke="{GRID}" stroke-width="1"/><text x="{tx}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            coord(y0),
            coord(y1),
            coord(y1 + 15.0),
            escape(label)
        );
    }
    out.push_str("</g>");
    if !chart.x_label.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="{MUTED}">{}</text>"#,
            coord((x0 + x1) / 2.0),
            coord(y1 + 32.0),
            escape(&chart.x_label)
        );
    }

    let band = (y1 - y0) / chart.bars.len() as f64;
    let thickness = (band * 0.7).min(MAX_THICKNESS);
    let zero = x(0.0);
    for (i, (bar, text)) in chart.bars.iter().zip(&value_texts).enumerate() {
        let centre = y0 + band * (i as f64 + 0.5);
        let cy = coord(centre);
        let _ = write!(
            out,
            r#"<g class="hirundo-bar"><title>{}: {}</title><text x="{}" y="{cy}" dy="4" text-anchor="end">{}</text>"#,
            escape(&bar.label),
            escape(text),
            coord(x0 - 8.0),
            escape(&truncate(&bar.label, label_chars)),
        );
        let end = if bar.value.is_finite() {
            let (left, right) = (zero.min(x(bar.value)), zero.max(x(bar.value)));
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{PRIMARY}"/>"#,
                coord(left),
                coord(centre - thickness / 2.0),
                coord((right - left).max(0.0)),
                coord(thickness),
            );
            right
        } else {
            zero
        };
        let _ = write!(
            out,
            r#"<text x="{}" y="{cy}" dy="4">{}</text></g>"#,
            coord(end + 6.0),
            value_markup(bar),
        );
    }
    let _ = write!(
        out,
        r#"<line class="hirundo-axis" x1="{z}" y1="{}" x2="{z}" y2="{}" stroke="{AXIS}" stroke-width="1"/></svg>"#,
        coord(y0),
        coord(y1),
        z = coord(zero),
    );
    out
}

/// The value as read aloud and sized for layout: "1,234 (12 sources)".
fn value_text(bar: &Bar) -> String {
    match &bar.note {
        Some(note) => format!("{} ({note})", format_value(bar.value)),
        None => format_value(bar.value),
    }
}

/// The value in bold-ish black and the note in grey.
fn value_markup(bar: &Bar) -> String {
    let value = escape(&format_value(bar.value)).into_owned();
    match &bar.note {
        Some(note) => format!(
            // The space stays outside the tspan: renderers drop a tspan's
            // leading space.
            r#"{value} <tspan fill="{MUTED}">({})</tspan>"#,
            escape(note)
        ),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.to_string(),
            value,
            note: None,
        }
    }

    fn chart(bars: Vec<Bar>) -> BarChart {
        BarChart {
            title: "Mirai-like sources".to_string(),
            x_label: "sources".to_string(),
            bars,
            width: 600,
            height: 260,
        }
    }

    #[test]
    fn one_rect_per_finite_bar_and_values_printed() {
        let svg = bar_chart(&chart(vec![
            bar("BR", 1234.0),
            bar("CN", 800.0),
            bar("IN", f64::NAN),
        ]));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(">1,234</text>"));
        assert!(svg.contains(">n/a</text>"));
    }

    #[test]
    fn longest_bar_reaches_furthest() {
        let svg = bar_chart(&chart(vec![bar("a", 10.0), bar("b", 40.0)]));
        let widths: Vec<f64> = svg
            .split("<rect")
            .skip(1)
            .map(|rect| {
                let w = &rect[rect.find(r#" width=""#).unwrap() + 8..];
                w[..w.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(widths.len(), 2);
        assert!((widths[1] / widths[0] - 4.0).abs() < 0.05, "{widths:?}");
    }

    #[test]
    fn notes_follow_the_value() {
        let mut b = bar("BR", 5.0);
        b.note = Some("3 <new>".to_string());
        let svg = bar_chart(&chart(vec![b]));
        assert!(svg.contains(r##"5 <tspan fill="#595959">(3 &lt;new&gt;)</tspan>"##));
    }

    #[test]
    fn all_zero_bars_still_draw() {
        let svg = bar_chart(&chart(vec![bar("a", 0.0), bar("b", 0.0)]));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(!svg.contains("No data"));
    }
}
