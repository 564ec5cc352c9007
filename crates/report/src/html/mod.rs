//! The report as one self-contained HTML5 file: inline CSS, inline SVG
//! charts, no script and nothing fetched, so it can be mailed, archived
//! and printed as it is.

use std::fmt::Write;

use hirundo_chart::{bar_chart, escape, line_chart, Bar, BarChart, LineChart, Series};

use crate::content::{self, Align, Cell, Piece, Section, Table};
use crate::model::{DailySeries, Report};
use crate::period::day_of_date;
use crate::tlp::{class_of, meaning_of};

const STYLE: &str = include_str!("report.css");
const CHART_WIDTH: u32 = 720;
const LINE_CHART_HEIGHT: u32 = 330;

/// Tables and figures are numbered through the document.
#[derive(Default)]
struct Numbering {
    tables: usize,
    figures: usize,
}

/// Renders the whole report. Every string from the model is escaped.
pub fn render_html(r: &Report) -> String {
    let mut out = String::with_capacity(96 * 1024);
    let mut n = Numbering::default();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<meta name=\"generator\" content=\"hirundo\">\n<title>{} ({})</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<div class=\"page\">\n",
        escape(&r.title),
        escape(&r.tlp),
    );
    masthead(&mut out, r);
    out.push_str("<main>\n");
    for section in Section::ALL {
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h2>{}. {}</h2>\n",
            section.id(),
            section.number(),
            escape(section.title())
        );
        match section {
            Section::Overview => overview(&mut out, r, &mut n),
            Section::Ports => ports(&mut out, r, &mut n),
            Section::Regions => regions(&mut out, r, &mut n),
            Section::Mirai => mirai(&mut out, r, &mut n),
            Section::Research => {
                paragraph(&mut out, &content::research_summary(r));
                table(&mut out, &content::research_table(r), &mut n);
            }
            Section::Sensors => sensors(&mut out, r, &mut n),
            Section::Surges => table(&mut out, &content::surges_table(r), &mut n),
            Section::Method => list(&mut out, &r.notes, "No notes were recorded."),
            Section::Sources => sources(&mut out, r),
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "<footer><span>{}</span><span>{} {}</span></footer>\n</div>\n</body>\n</html>\n",
        escape(&r.title),
        tlp_label(&r.tlp),
        escape(meaning_of(&r.tlp)),
    );
    out
}

fn tlp_label(label: &str) -> String {
    let class = class_of(label);
    format!("<span class=\"tlp {class}\">{}</span>", escape(label))
}

fn masthead(out: &mut String, r: &Report) {
    let _ = write!(
        out,
        "<header class=\"masthead\">\n<div class=\"masthead-top\"><p class=\"series\">Internet Threat Monitoring Report</p>{}</div>\n<h1>{}</h1>\n<ul class=\"dateline\">",
        tlp_label(&r.tlp),
        escape(&r.title),
    );
    for line in content::dateline(r) {
        let _ = write!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n</header>\n");
}

fn paragraph(out: &mut String, text: &str) {
    let _ = writeln!(out, "<p>{}</p>", escape(text));
}

fn overview(out: &mut String, r: &Report, n: &mut Numbering) {
    let _ = writeln!(
        out,
        "<p class=\"lead\">{}</p>",
        escape(&content::overview_summary(r))
    );
    // The key figures twice: large for the eye, then the exact table.
    let t = content::overview_table(r);
    out.push_str("<div class=\"figures\">");
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(Cell::text).collect();
        let delta = if cells[3] == "—" {
            String::new()
        } else {
            format!("{} on {} ({})", cells[3], r.previous.label, cells[2])
        };
        let _ = write!(
            out,
            "<div class=\"figure\"><div class=\"name\">{}</div><div class=\"value\">{}</div><div class=\"delta\">{}</div></div>",
            escape(&cells[0]),
            escape(&cells[1]),
            escape(&delta),
        );
    }
    out.push_str("</div>\n");
    table(out, &t, n);
}

fn ports(out: &mut String, r: &Report, n: &mut Numbering) {
    table(out, &content::ports_table(r), n);
    let chart = line_chart(&LineChart {
        title: format!("Top 5 destination ports by day, {}", r.period.label),
        y_label: "avg packets per sensor per day".to_string(),
        series: r.port_series.iter().map(series).collect(),
        width: CHART_WIDTH,
        height: LINE_CHART_HEIGHT,
    });
    figure(
        out,
        &chart,
        "Average packets per sensor per day to each of the top 5 destination ports, by day (UTC).",
        n,
    );
}

fn regions(out: &mut String, r: &Report, n: &mut Numbering) {
    table(out, &content::regions_table(r), n);
    let chart = line_chart(&LineChart {
        title: format!("Top 5 source regions by day, {}", r.period.label),
        y_label: "avg packets per sensor per day".to_string(),
        series: r.region_series.iter().map(series).collect(),
        width: CHART_WIDTH,
        height: LINE_CHART_HEIGHT,
    });
    figure(
        out,
        &chart,
        "Average packets per sensor per day from each of the top 5 source regions, by day (UTC).",
        n,
    );
}

fn mirai(out: &mut String, r: &Report, n: &mut Numbering) {
    paragraph(out, content::MIRAI_EXPLANATION);
    let bars: Vec<Bar> = r
        .mirai_by_region
        .iter()
        .map(|m| Bar {
            label: m.cc.clone(),
            value: m.sources as f64,
            note: None,
        })
        .collect();
    let height = 64 + 24 * u32::try_from(bars.len()).unwrap_or(10);
    let chart = bar_chart(&BarChart {
        title: format!("Mirai-like sources by region, {}", r.period.label),
        x_label: "Mirai-like sources".to_string(),
        bars,
        width: CHART_WIDTH,
        height: height.max(160),
    });
    figure(
        out,
        &chart,
        "Distinct Mirai-like sources per source region.",
        n,
    );
    table(out, &content::mirai_table(r), n);
}

fn sensors(out: &mut String, r: &Report, n: &mut Numbering) {
    paragraph(out, &content::domestic_summary(r));
    table(out, &content::domestic_table(r), n);
    table(out, &content::sensors_table(r), n);
    if r.sensors.is_empty() {
        return;
    }
    out.push_str("<div class=\"sensor-tables\">\n");
    for s in &r.sensors {
        let _ = writeln!(
            out,
            "<div class=\"sensor\">\n<h3>{}</h3>",
            escape(&content::sensor_heading(s))
        );
        table(out, &content::sensor_ports_table(s), n);
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
}

fn sources(out: &mut String, r: &Report) {
    paragraph(
        out,
        "The figures in this report rest on the following data, used under the licences named:",
    );
    out.push_str("<ul class=\"attribution\">\n");
    for line in &r.attribution {
        let _ = writeln!(out, "<li>{}</li>", linkify(line));
    }
    if r.attribution.is_empty() {
        let _ = writeln!(
            out,
            "<li class=\"empty\">{}</li>",
            escape(content::NO_ATTRIBUTION)
        );
    }
    out.push_str("</ul>\n");
    let _ = writeln!(
        out,
        "<p>{} {}</p>",
        tlp_label(&r.tlp),
        escape(&format!(
            "{} This report holds aggregate counts only: no source addresses and no sensor addresses.",
            meaning_of(&r.tlp)
        ))
    );
}

fn list(out: &mut String, items: &[String], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">{}</p>", escape(empty));
        return;
    }
    out.push_str("<ul>\n");
    for item in items {
        let _ = writeln!(out, "<li>{}</li>", escape(item));
    }
    out.push_str("</ul>\n");
}

fn table(out: &mut String, t: &Table, n: &mut Numbering) {
    if t.rows.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">{}</p>", escape(&t.empty));
        return;
    }
    n.tables += 1;
    let _ = write!(
        out,
        "<table>\n<caption>Table {}. {}</caption>\n<thead><tr>",
        n.tables,
        escape(&t.caption)
    );
    for c in &t.columns {
        let _ = write!(
            out,
            "<th scope=\"col\"{}>{}</th>",
            align(c.align),
            escape(&c.title)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (cell, column) in row.iter().zip(&t.columns) {
            let _ = write!(out, "<td{}>", align(column.align));
            match cell {
                Cell::Text(text) => out.push_str(&escape(text)),
                Cell::Rank(change) => {
                    let _ = write!(
                        out,
                        "<span class=\"{}\" title=\"{}\">{}</span>",
                        change.class(),
                        escape(&change.words()),
                        escape(&change.text())
                    );
                }
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn align(a: Align) -> &'static str {
    match a {
        Align::Left => "",
        Align::Right => " class=\"num\"",
    }
}

fn figure(out: &mut String, svg: &str, caption: &str, n: &mut Numbering) {
    n.figures += 1;
    let _ = writeln!(
        out,
        "<figure>\n{svg}\n<figcaption>Figure {}. {}</figcaption>\n</figure>",
        n.figures,
        escape(caption)
    );
}

/// A chart series from the model's dated points; points whose date does
/// not parse are left out rather than guessed.
fn series(s: &DailySeries) -> Series {
    Series {
        label: s.label.clone(),
        points: s
            .points
            .iter()
            .filter_map(|(date, v)| Some((day_of_date(date)? * 86_400, *v)))
            .collect(),
    }
}

/// Escapes `text` and makes its http(s) addresses links, so a licence's
/// required link is one click away on screen and printed in full on paper.
fn linkify(text: &str) -> String {
    content::split_urls(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => escape(t).into_owned(),
            Piece::Url(u) => format!("<a href=\"{0}\">{0}</a>", escape(u)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkify_links_addresses_and_escapes_the_rest() {
        assert_eq!(
            linkify("IP to country data by DB-IP (https://db-ip.com), CC BY 4.0"),
            "IP to country data by DB-IP (<a href=\"https://db-ip.com\">https://db-ip.com</a>), CC BY 4.0"
        );
        assert_eq!(
            linkify("see https://a.example/x?a=1&b=2. <b>"),
            "see <a href=\"https://a.example/x?a=1&amp;b=2\">https://a.example/x?a=1&amp;b=2</a>. &lt;b&gt;"
        );
        assert_eq!(linkify("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(linkify("https://"), "<a href=\"https://\">https://</a>");
    }

    #[test]
    fn unknown_tlp_labels_are_escaped_and_styled_neutrally() {
        assert_eq!(
            tlp_label("<b>x"),
            "<span class=\"tlp tlp-clear\">&lt;b&gt;x</span>"
        );
        assert_eq!(
            tlp_label("TLP:AMBER+STRICT"),
            "<span class=\"tlp tlp-amber\">TLP:AMBER+STRICT</span>"
        );
    }
}
