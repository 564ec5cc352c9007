//! The report as GitHub-flavoured Markdown: the HTML report's sentences
//! and tables, without charts.

use std::fmt::Write;

use crate::content::{self, Align, Piece, Section, Table};
use crate::model::Report;
use crate::tlp::meaning_of;

/// Renders the whole report. Every string from the model is escaped, so a
/// name cannot break a table or turn into markup.
pub fn render_markdown(r: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let mut tables = 0;
    let _ = writeln!(out, "# {}\n", escape(&r.title));
    let _ = writeln!(
        out,
        "**{}** {}\n",
        escape(&r.tlp),
        escape(meaning_of(&r.tlp))
    );
    for line in content::dateline(r) {
        let _ = writeln!(out, "- {}", escape(&line));
    }
    out.push('\n');
    // Every block below ends with a blank line, so headings need none
    // before them.
    for section in Section::ALL {
        let _ = writeln!(out, "## {}. {}\n", section.number(), section.title());
        match section {
            Section::Overview => {
                paragraph(&mut out, &content::overview_summary(r));
                table(&mut out, &content::overview_table(r), &mut tables);
            }
            Section::Ports => table(&mut out, &content::ports_table(r), &mut tables),
            Section::Regions => table(&mut out, &content::regions_table(r), &mut tables),
            Section::Mirai => {
                paragraph(&mut out, content::MIRAI_EXPLANATION);
                table(&mut out, &content::mirai_table(r), &mut tables);
            }
            Section::Research => {
                paragraph(&mut out, &content::research_summary(r));
                table(&mut out, &content::research_table(r), &mut tables);
            }
            Section::Sensors => {
                paragraph(&mut out, &content::domestic_summary(r));
                table(&mut out, &content::domestic_table(r), &mut tables);
                table(&mut out, &content::sensors_table(r), &mut tables);
                for s in &r.sensors {
                    let _ = writeln!(out, "### {}\n", escape(&content::sensor_heading(s)));
                    table(&mut out, &content::sensor_ports_table(s), &mut tables);
                }
            }
            Section::Surges => table(&mut out, &content::surges_table(r), &mut tables),
            Section::Method => list(&mut out, &r.notes, "No notes were recorded."),
            Section::Sources => {
                paragraph(
                    &mut out,
                    "The figures in this report rest on the following data, used under the licences named:",
                );
                if r.attribution.is_empty() {
                    let _ = writeln!(out, "- {}", escape(content::NO_ATTRIBUTION));
                }
                for line in &r.attribution {
                    let _ = writeln!(out, "- {}", linkify(line));
                }
                out.push('\n');
                paragraph(
                    &mut out,
                    "This report holds aggregate counts only: no source addresses and no sensor addresses.",
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "---\n\n**{}** {}",
        escape(&r.tlp),
        escape(meaning_of(&r.tlp))
    );
    out
}

fn paragraph(out: &mut String, text: &str) {
    let _ = writeln!(out, "{}\n", escape(text));
}

fn list(out: &mut String, items: &[String], empty: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "_{}_", escape(empty));
    }
    for item in items {
        let _ = writeln!(out, "- {}", escape(item));
    }
    out.push('\n');
}

fn table(out: &mut String, t: &Table, tables: &mut usize) {
    if t.rows.is_empty() {
        let _ = writeln!(out, "_{}_\n", escape(&t.empty));
        return;
    }
    *tables += 1;
    let _ = writeln!(out, "**Table {}.** {}\n", tables, escape(&t.caption));
    let titles: Vec<String> = t.columns.iter().map(|c| escape(&c.title)).collect();
    let _ = writeln!(out, "| {} |", titles.join(" | "));
    let rules: Vec<&str> = t
        .columns
        .iter()
        .map(|c| match c.align {
            Align::Left => ":---",
            Align::Right => "---:",
        })
        .collect();
    let _ = writeln!(out, "| {} |", rules.join(" | "));
    for row in &t.rows {
        let cells: Vec<String> = row.iter().map(|c| escape(&c.text())).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Addresses as `<https://...>` autolinks, which need no escaping inside;
/// the rest escaped.
fn linkify(text: &str) -> String {
    content::split_urls(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => escape(t),
            Piece::Url(u) => format!("<{u}>"),
        })
        .collect()
}

/// Backslash-escapes the ASCII punctuation that Markdown or GFM reads as
/// markup (`|` ends a table cell, `<` opens HTML, `#` a heading...), and
/// turns line breaks into spaces so a value stays in its cell.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_table_cells_whole() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>x</script>"), "\\<script\\>x\\</script\\>");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(
            escape("tokyo_1 *x* [l](u) #1"),
            "tokyo\\_1 \\*x\\* \\[l\\](u) \\#1"
        );
    }

    #[test]
    fn attribution_addresses_become_autolinks() {
        assert_eq!(
            linkify("DB-IP (https://db-ip.com), CC BY 4.0"),
            "DB-IP (<https://db-ip.com>), CC BY 4.0"
        );
    }
}
