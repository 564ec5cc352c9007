//! The pieces every chart shares: escaping, coordinates, the root element,
//! and the "no data" chart.

use std::borrow::Cow;
use std::fmt::Write;

/// Fonts every system has, so a chart needs no web font to look right.
pub(crate) const FONT_FAMILY: &str = "Helvetica, Arial, 'Liberation Sans', sans-serif";
/// Text, axes and gridlines: dark enough to survive a black-and-white
/// printer, light enough that the data stays in front.
pub(crate) const TEXT: &str = "#1a1a1a";
pub(crate) const MUTED: &str = "#595959";
pub(crate) const AXIS: &str = "#4d4d4d";
pub(crate) const GRID: &str = "#d9d9d9";

/// Escapes text for XML and HTML content and attribute values: the five
/// markup characters become entities. Characters XML 1.0 forbids (C0
/// controls other than tab, LF and CR; U+FFFE, U+FFFF) become U+FFFD,
/// because one of them makes a strict parser reject the whole document,
/// which would let a hostile label blank a report or a feed. Text that
/// needs neither is returned as it is, without a copy. Charts, reports,
/// pages, the Atom feed and the HTML mail all escape with this one.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_work) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if forbidden_in_xml(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_work(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'') || forbidden_in_xml(c)
}

/// Outside XML 1.0's `Char` production (surrogates cannot occur in a `str`).
pub fn forbidden_in_xml(c: char) -> bool {
    (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}'
}

/// A coordinate with at most one decimal place and no `-0`, so output is
/// small and byte-for-byte deterministic.
pub(crate) fn coord(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let tenths = (v * 10.0).round();
    if tenths == 0.0 {
        return "0".to_string();
    }
    if tenths % 10.0 == 0.0 {
        format!("{}", tenths / 10.0)
    } else {
        format!("{:.1}", tenths / 10.0)
    }
}

/// A rough width of `text` in pixels at `font_px`: enough to lay out
/// labels without a font file. Helvetica averages a little over half an
/// em per character.
pub(crate) fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * 0.58
}

/// `text` cut to at most `max_chars` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The smallest canvas a chart draws on; smaller requests are enlarged so
/// the layout arithmetic never goes negative.
pub(crate) fn canvas(width: u32, height: u32, min_width: u32, min_height: u32) -> (f64, f64) {
    (
        f64::from(width.max(min_width)),
        f64::from(height.max(min_height)),
    )
}

/// The root element with its accessibility attributes, followed by
/// `<title>` and, when given, `<desc>`. `kind` is an extra class
/// (`hirundo-line-chart`...) next to the common `hirundo-chart`.
pub(crate) fn open(
    out: &mut String,
    kind: &str,
    (width, height): (f64, f64),
    title: &str,
    aria_label: &str,
    desc: &str,
) {
    let (w, h) = (coord(width), coord(height));
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="hirundo-chart {kind}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" font-family="{FONT_FAMILY}" font-size="11" fill="{TEXT}" style="background:#ffffff">"#,
        label = escape(aria_label),
    );
    let _ = write!(out, "<title>{}</title>", escape(title));
    if !desc.is_empty() {
        let _ = write!(out, "<desc>{}</desc>", escape(desc));
    }
}

/// The chart's title, top left, cut to the width available.
pub(crate) fn title_text(out: &mut String, title: &str, width: f64) {
    let max_chars = ((width - 24.0) / (14.0 * 0.58)).max(4.0) as usize;
    let _ = write!(
        out,
        r#"<text class="hirundo-chart-title" x="12" y="22" font-size="14" font-weight="bold">{}</text>"#,
        escape(&truncate(title, max_chars))
    );
}

/// A chart with nothing to plot: the title, an empty frame and a sentence
/// saying so, so a reader never mistakes a blank area for zero.
pub(crate) fn no_data(kind: &str, title: &str, width: u32, height: u32) -> String {
    let (w, h) = canvas(width, height, 200, 120);
    let mut out = String::new();
    let label = if title.is_empty() {
        "No data".to_string()
    } else {
        format!("{title}: no data")
    };
    open(
        &mut out,
        &format!("{kind} hirundo-no-data"),
        (w, h),
        title,
        &label,
        "",
    );
    title_text(&mut out, title, w);
    let _ = write!(
        out,
        r#"<line x1="12" y1="{y}" x2="{x2}" y2="{y}" stroke="{GRID}"/><text x="{cx}" y="{cy}" text-anchor="middle" font-size="13" fill="{MUTED}">No data for this period</text></svg>"#,
        y = coord(h - 12.0),
        x2 = coord(w - 12.0),
        cx = coord(w / 2.0),
        cy = coord((h + 30.0) / 2.0),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"</svg><script>alert("x")</script> & 'y'"#),
            "&lt;/svg&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn escape_replaces_characters_xml_forbids() {
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "a\u{fffd}b\u{fffd}c\td");
    }

    #[test]
    fn coord_rounds_to_one_decimal_without_negative_zero() {
        assert_eq!(coord(12.0), "12");
        assert_eq!(coord(12.34), "12.3");
        assert_eq!(coord(12.35001), "12.4");
        assert_eq!(coord(-0.04), "0");
        assert_eq!(coord(-3.25), "-3.3");
        assert_eq!(coord(f64::NAN), "0");
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("São Paulo", 9), "São Paulo");
        assert_eq!(truncate("São Paulo", 5), "São …");
    }
}
