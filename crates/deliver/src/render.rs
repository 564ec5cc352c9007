//! The words and figures of an alert, shared by the feed, the mail's
//! plain-text and HTML parts, so that every channel says the same thing.

use hirundo_surge::{Alert, AlertKind, AlertStatus, Grain};

use crate::markup::escape;
use crate::time::rfc3339;
use crate::tlp;

/// `{base_url}/alerts/{id}`, whatever trailing slashes `base_url` has.
pub fn alert_link(base_url: &str, id: i64) -> String {
    format!("{}/alerts/{id}", base_url.trim_end_matches('/'))
}

/// `s` on one line: controls (CR, LF, tab...) become spaces, so that a
/// title cannot start a new header or a new line of the body.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub(crate) fn kind_word(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Surge => "surge",
        AlertKind::NewPort => "new port",
    }
}

pub(crate) fn status_word(status: AlertStatus) -> &'static str {
    match status {
        AlertStatus::Ongoing => "ongoing",
        AlertStatus::Closed => "closed",
    }
}

fn per_bucket(grain: Grain) -> &'static str {
    match grain {
        Grain::Hour => "per hour",
        Grain::Day => "per day",
    }
}

fn countries(alert: &Alert) -> String {
    if alert.countries.is_empty() {
        "spread over many".to_owned()
    } else {
        alert.countries.join(", ")
    }
}

/// Label and value of each key figure, in the order they are shown.
pub(crate) fn figures(alert: &Alert) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Subject", alert.subject.label()),
        (
            "Kind",
            format!("{} ({})", kind_word(alert.kind), per_bucket(alert.grain)),
        ),
        ("Status", status_word(alert.status).to_owned()),
        ("Started", rfc3339(alert.started_ns)),
        ("Last bucket", rfc3339(alert.last_ns)),
    ];
    if let Some(closed) = alert.closed_ns {
        rows.push(("Closed", rfc3339(closed)));
    }
    rows.extend([
        (
            "Peak",
            format!(
                "{} packets from {} sources {}",
                alert.packets,
                alert.sources,
                per_bucket(alert.grain)
            ),
        ),
        (
            "Baseline",
            format!(
                "{:.1} packets {}, peak {:.1} deviations above it",
                alert.baseline,
                per_bucket(alert.grain),
                alert.score
            ),
        ),
        ("Countries", one_line(&countries(alert))),
    ]);
    rows
}

/// One sentence for a feed summary or a chat line.
pub(crate) fn summary(alert: &Alert) -> String {
    format!(
        "{}: {} packets from {} sources at the peak, {:.1} deviations above a baseline of {:.1} {}; countries: {}; {}.",
        alert.subject.label(),
        alert.packets,
        alert.sources,
        alert.score,
        alert.baseline,
        per_bucket(alert.grain),
        one_line(&countries(alert)),
        status_word(alert.status),
    )
}

fn fingerprints(alert: &Alert) -> String {
    if alert.evidence.fingerprints.is_empty() {
        return "none recorded".to_owned();
    }
    alert
        .evidence
        .fingerprints
        .iter()
        .map(|(name, n)| format!("{} {n}", one_line(name)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mail's plain-text part. Its first line is the TLP label alone, so
/// that it survives any client's preview.
pub(crate) fn plain(alert: &Alert, event: &str, link: &str) -> String {
    let label = tlp::label(alert);
    let mut out = format!(
        "{label}\n{}\n\nhirundo alert {} {event}: {}\n\n",
        tlp::meaning(label),
        alert.id,
        one_line(&alert.title)
    );
    let figures = figures(alert);
    let width = figures.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    for (key, value) in &figures {
        out.push_str(&format!("{:<width$} {value}\n", format!("{key}:")));
    }
    out.push_str("\nTop sources\n");
    out.push_str(&sources_table(alert));
    out.push_str(&format!("\nFingerprints: {}\n", fingerprints(alert)));
    out.push_str(&format!("\n{link}\n"));
    out
}

/// The top sources as a fixed-width text table.
fn sources_table(alert: &Alert) -> String {
    let header = ["address", "cc", "AS", "packets", "fingerprints"];
    let rows: Vec<[String; 5]> = alert
        .evidence
        .top_sources
        .iter()
        .map(|s| {
            [
                one_line(&s.addr),
                one_line(&s.cc),
                s.asn.to_string(),
                s.packets.to_string(),
                one_line(&s.tags.join(",")),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "  (none recorded)\n".to_owned();
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // Numbers right-aligned, words left-aligned.
            if i == 2 || i == 3 {
                s.push_str(&format!("  {cell:>w$}"));
            } else {
                s.push_str(&format!("  {cell:<w$}"));
            }
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
    }
    out
}

/// The alert as an HTML fragment (no `<html>`): the feed's content and
/// the body of the mail's HTML part. Everything from the record is escaped.
pub(crate) fn html_fragment(alert: &Alert, event: &str, link: &str) -> String {
    let label = tlp::label(alert);
    let mut out = format!(
        "<p><strong>{label}</strong>: {}</p>\n<h1>hirundo alert {} {}: {}</h1>\n<table>\n",
        escape(tlp::meaning(label)),
        alert.id,
        escape(event),
        escape(&one_line(&alert.title))
    );
    for (key, value) in figures(alert) {
        out.push_str(&format!(
            "<tr><th align=\"left\">{key}</th><td>{}</td></tr>\n",
            escape(&value)
        ));
    }
    out.push_str("</table>\n<h2>Top sources</h2>\n");
    if alert.evidence.top_sources.is_empty() {
        out.push_str("<p>None recorded.</p>\n");
    } else {
        out.push_str(
            "<table>\n<tr><th>address</th><th>cc</th><th>AS</th><th>packets</th><th>fingerprints</th></tr>\n",
        );
        for s in &alert.evidence.top_sources {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td align=\"right\">{}</td><td align=\"right\">{}</td><td>{}</td></tr>\n",
                escape(&s.addr),
                escape(&s.cc),
                s.asn,
                s.packets,
                escape(&s.tags.join(", "))
            ));
        }
        out.push_str("</table>\n");
    }
    out.push_str(&format!(
        "<p>Fingerprints: {}</p>\n<p><a href=\"{link}\">{link}</a></p>\n",
        escape(&fingerprints(alert)),
        link = escape(link)
    ));
    out
}

/// The mail's HTML part: the fragment in a minimal document.
pub(crate) fn html_document(alert: &Alert, event: &str, link: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>[{}] {}</title></head>\n<body>\n{}</body></html>\n",
        tlp::label(alert),
        escape(&one_line(&alert.title)),
        html_fragment(alert, event, link)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::alert;

    #[test]
    fn plain_text_starts_with_the_label_and_has_the_figures() {
        let a = alert();
        let text = plain(&a, "opened", "https://c.example.org/alerts/42");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "TLP:AMBER");
        assert_eq!(
            lines[3],
            "hirundo alert 42 opened: Surge of scans to 8728/tcp from BR, 37 sources"
        );
        assert!(text.contains("Subject:     8728/tcp\n"), "{text}");
        assert!(
            text.contains("Started:     2023-11-14T22:00:00Z\n"),
            "{text}"
        );
        assert!(
            text.contains("Peak:        51234 packets from 37 sources per hour\n"),
            "{text}"
        );
        assert!(text.contains("Countries:   BR, AR\n"), "{text}");
        assert!(
            text.contains(concat!(
                "Top sources\n",
                "  address        cc     AS  packets  fingerprints\n",
                "  203.0.113.7    BR  28573    40000  mirai\n",
                "  198.51.100.23  AR   7303     9000\n",
            )),
            "{text}"
        );
        assert!(text.contains("Fingerprints: mirai 30, none 7\n"), "{text}");
        assert!(text.ends_with("\nhttps://c.example.org/alerts/42\n"));
    }

    #[test]
    fn hostile_fields_stay_on_their_line_and_escaped() {
        let mut a = alert();
        a.title = "x\r\nBcc: evil@example.org <script>".to_owned();
        a.evidence.top_sources[0].tags = vec!["<b>".to_owned()];
        let text = plain(&a, "updated", "l");
        assert!(text.contains("updated: x  Bcc: evil@example.org <script>\n"));
        let html = html_fragment(&a, "updated", "l");
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;") && html.contains("&lt;b&gt;"));
    }

    #[test]
    fn links_ignore_trailing_slashes() {
        assert_eq!(
            alert_link("https://c.example.org//", 7),
            "https://c.example.org/alerts/7"
        );
    }
}
