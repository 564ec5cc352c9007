//! Sparklines: a word-sized trend line for tables and e-mails, no axes.

use std::fmt::Write;

use crate::style::PRIMARY;
use crate::svg::{canvas, coord, open, GRID};
use crate::ticks::format_value;

/// Inset so the line and the end dot are not clipped at the edges.
const PAD: f64 = 2.5;

/// `values` in order, evenly spaced, scaled to fill the height; the last
/// finite value gets a dot. Non-finite values break the line. With no
/// finite value the sparkline is a dashed grey midline labelled "no data".
pub fn sparkline(values: &[f64], width: u32, height: u32) -> String {
    let size = canvas(width, height, 16, 8);
    let (w, h) = size;
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let mut out = String::with_capacity(512);
    let (Some(min), Some(max)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        open(
            &mut out,
            "hirundo-sparkline",
            size,
            "Trend: no data",
            "Trend: no data",
            "",
        );
        let _ = write!(
            out,
            r#"<line x1="{p}" y1="{y}" x2="{}" y2="{y}" stroke="{GRID}" stroke-width="1.5" stroke-dasharray="3 2"/></svg>"#,
            coord(w - PAD),
            p = coord(PAD),
            y = coord(h / 2.0),
        );
        return out;
    };
    let last = finite[finite.len() - 1];
    let label = format!(
        "Trend of {} values: lowest {}, highest {}, last {}",
        finite.len(),
        format_value(min),
        format_value(max),
        format_value(last)
    );
    open(&mut out, "hirundo-sparkline", size, &label, &label, "");
    let x = |i: usize| PAD + i as f64 / (values.len().max(2) - 1) as f64 * (w - 2.0 * PAD);
    // A flat series sits mid-height rather than on the floor.
    let y = |v: f64| {
        if max > min {
            h - PAD - (v - min) / (max - min) * (h - 2.0 * PAD)
        } else {
            h / 2.0
        }
    };
    let mut d = String::new();
    let mut pen_down = false;
    let mut end = (0.0, 0.0);
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            pen_down = false;
            continue;
        }
        end = (x(i), y(v));
        let command = if pen_down { 'L' } else { 'M' };
        let _ = write!(d, "{command}{} {}", coord(end.0), coord(end.1));
        pen_down = true;
    }
    let _ = write!(
        out,
        r#"<path d="{d}" fill="none" stroke="{PRIMARY}" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/><circle cx="{}" cy="{}" r="2" fill="{PRIMARY}"/></svg>"#,
        coord(end.0),
        coord(end.1),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rising_series_ends_top_right() {
        let svg = sparkline(&[1.0, 2.0, 3.0], 100, 20);
        assert!(svg.contains(r#"d="M2.5 17.5L50 10L97.5 2.5""#), "{svg}");
        assert!(svg.contains(r#"<circle cx="97.5" cy="2.5""#));
        assert!(svg.contains("lowest 1, highest 3, last 3"));
    }

    #[test]
    fn no_finite_values_draws_a_dashed_midline() {
        for values in [&[][..], &[f64::NAN, f64::NEG_INFINITY][..]] {
            let svg = sparkline(values, 100, 20);
            assert!(svg.contains("no data"));
            assert!(!svg.contains("<path"));
        }
    }

    #[test]
    fn a_flat_series_and_a_single_value_sit_mid_height() {
        assert!(sparkline(&[4.0, 4.0], 100, 20).contains(r#"d="M2.5 10L97.5 10""#));
        assert!(sparkline(&[4.0], 100, 20).contains(r#"d="M2.5 10""#));
    }
}
