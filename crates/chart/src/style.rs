//! How series tell themselves apart: a colour from the Okabe–Ito palette
//! (distinct for the common forms of colour blindness), and a dash pattern
//! and marker shape as well, so a black-and-white printout still does.

use std::fmt::Write;

use crate::svg::coord;

/// Okabe–Ito, reordered so the first series get the colours that read best
/// as thin lines on white; yellow, the faintest on paper, comes last.
const COLOURS: [&str; 8] = [
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#009E73", // bluish green
    "#CC79A7", // reddish purple
    "#E69F00", // orange
    "#56B4E9", // sky blue
    "#000000", // black
    "#F0E442", // yellow
];

/// `stroke-dasharray` values; empty is a solid line. Seven patterns
/// against eight colours, so the pair repeats only after 56 series.
const DASHES: [&str; 7] = ["", "7 3", "2 2.5", "9 3 2 3", "4 4", "12 3", "2 2 6 2"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Plus,
}

const MARKERS: [Marker; 6] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Plus,
];

/// The look of the `index`th series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesStyle {
    pub colour: &'static str,
    pub dash: &'static str,
    pub marker: Marker,
}

pub(crate) fn series_style(index: usize) -> SeriesStyle {
    SeriesStyle {
        colour: COLOURS[index % COLOURS.len()],
        dash: DASHES[index % DASHES.len()],
        marker: MARKERS[index % MARKERS.len()],
    }
}

/// The single colour of bars and sparklines.
pub(crate) const PRIMARY: &str = COLOURS[0];

impl SeriesStyle {
    /// The `stroke-dasharray` attribute, or nothing for a solid line.
    pub fn dash_attribute(&self) -> String {
        if self.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, self.dash)
        }
    }

    /// One marker centred on (x, y), drawn as a `<circle>` or `<polygon>`
    /// (never a `<path>`, which is reserved for series lines) with a white
    /// rim so it stands out where lines cross.
    pub fn marker(&self, out: &mut String, x: f64, y: f64) {
        let r = 3.5;
        let paint = format!(
            r##"fill="{}" stroke="#ffffff" stroke-width="1""##,
            self.colour
        );
        let points: Vec<(f64, f64)> = match self.marker {
            Marker::Circle => {
                let _ = write!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="{}" {paint}/>"#,
                    coord(x),
                    coord(y),
                    coord(r)
                );
                return;
            }
            Marker::Square => vec![(-r, -r), (r, -r), (r, r), (-r, r)],
            Marker::TriangleUp => vec![(0.0, -r - 0.8), (r + 0.6, r), (-r - 0.6, r)],
            Marker::TriangleDown => vec![(0.0, r + 0.8), (r + 0.6, -r), (-r - 0.6, -r)],
            Marker::Diamond => vec![
                (0.0, -r - 1.0),
                (r + 1.0, 0.0),
                (0.0, r + 1.0),
                (-r - 1.0, 0.0),
            ],
            Marker::Plus => {
                let (a, b) = (1.4, r + 0.8);
                vec![
                    (-a, -b),
                    (a, -b),
                    (a, -a),
                    (b, -a),
                    (b, a),
                    (a, a),
                    (a, b),
                    (-a, b),
                    (-a, a),
                    (-b, a),
                    (-b, -a),
                    (-a, -a),
                ]
            }
        };
        let list: Vec<String> = points
            .iter()
            .map(|&(dx, dy)| format!("{},{}", coord(x + dx), coord(y + dy)))
            .collect();
        let _ = write!(out, r#"<polygon points="{}" {paint}/>"#, list.join(" "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_six_series_differ_in_colour_dash_and_marker() {
        let styles: Vec<SeriesStyle> = (0..6).map(series_style).collect();
        for (i, a) in styles.iter().enumerate() {
            for b in &styles[i + 1..] {
                assert_ne!(a.colour, b.colour);
                assert_ne!(a.dash, b.dash);
                assert_ne!(a.marker, b.marker);
            }
        }
    }

    #[test]
    fn markers_are_never_paths() {
        let mut out = String::new();
        for i in 0..MARKERS.len() {
            series_style(i).marker(&mut out, 10.0, 10.0);
        }
        assert!(!out.contains("<path"));
        assert_eq!(out.matches("<polygon").count(), 5);
        assert_eq!(out.matches("<circle").count(), 1);
    }
}
