//! The subject and plain-text body of a notification mail, in English.
//!
//! TLP 2.0 asks for the label before the information it covers, so the
//! subject starts with it and the body's first line is the label, the
//! second its meaning. Every piece of text hirundo did not write (the
//! team's names, the provider, the ticket) is folded onto one line before
//! it goes in: no CR, LF or other control or line-separator character
//! reaches a header, and none breaks the body's layout.
//!
//! Lines end in "\n"; the mailer turns them into CRLF on the wire.

use hirundo_directory::Format;

use crate::format::{filename, row, time};
use crate::{Classification, Notice, SourceRow};

/// How many sources the body's table lists; the attachments hold all.
pub const TABLE_ROWS: usize = 20;

/// How many ports a table row shows before "+N".
const TABLE_PORTS: usize = 3;

/// Where paragraphs wrap.
const WIDTH: usize = 72;

/// "[TLP:AMBER] hirundo: 42 scanning sources in your constituency,
/// 2026-11-22 [HIR-N-2026-000042]". One line, whatever the notice holds.
pub fn subject(notice: &Notice) -> String {
    let window = time::window(notice.from_day, notice.to_day, " to ");
    one_line(&format!(
        "[{}] hirundo: {} in your constituency, {window} [{}]",
        notice.tlp.label(),
        what(&notice.rows),
        notice.ticket
    ))
}

/// "42 scanning sources", "1 DDoS victim", "3 sources (2 scanning,
/// 1 DDoS victim)".
fn what(rows: &[SourceRow]) -> String {
    let victims = rows
        .iter()
        .filter(|r| r.classification() == Classification::DdosVictim)
        .count() as u64;
    let scanners = rows.len() as u64 - victims;
    match (scanners, victims) {
        (s, 0) => row::count(s, "scanning source", "scanning sources"),
        (0, v) => row::count(v, "DDoS victim", "DDoS victims"),
        (s, v) => format!(
            "{} ({} scanning, {})",
            row::count(s + v, "source", "sources"),
            row::thousands(s),
            row::count(v, "DDoS victim", "DDoS victims")
        ),
    }
}

/// The mail's text: label, who we are and why this reaches them, the
/// window and counts, the top sources, the attachments, what is withheld,
/// and how to reply or opt out.
pub fn body_text(notice: &Notice) -> String {
    let provider = name_or(&notice.feed.provider, "The hirundo operators");
    let team = name_or(&notice.team.name, &notice.team.id);
    let short = name_or(&notice.team.short_name, &team);
    let ticket = one_line(&notice.ticket);
    let window = time::window(notice.from_day, notice.to_day, " to ");
    let packets: u64 = notice
        .rows
        .iter()
        .fold(0u64, |sum, r| sum.saturating_add(r.packets));

    let mut out = String::new();
    out.push_str(notice.tlp.label());
    out.push('\n');
    push_paragraph(&mut out, notice.tlp.meaning());
    out.push('\n');
    out.push_str(&format!("Dear {short} team,\n\n"));
    push_paragraph(
        &mut out,
        &format!(
            "{provider} runs hirundo, a network of darknet sensors: addresses \
             that offer no service, so every packet that reaches them is \
             unsolicited - scanning, worms, or the backscatter of a flood \
             against someone else. Our directory lists {team} as the team \
             responsible for the addresses below{}, so we tell you what our \
             sensors saw of them.",
            constituency(notice)
        ),
    );
    out.push('\n');
    out.push_str(&format!("Window:   {window} (UTC)\n"));
    out.push_str(&format!("Sources:  {}\n", what(&notice.rows)));
    out.push_str(&format!("Packets:  {}\n\n", row::thousands(packets)));
    if notice.omitted > 0 {
        out.push_str(&format!(
            "This message lists the {} sources with the most packets; {} further sources with fewer packets were left out to keep it small.\n\n",
            row::thousands(notice.rows.len() as u64),
            row::thousands(notice.omitted)
        ));
    }

    if notice.rows.is_empty() {
        out.push_str("Our sensors saw no source of yours in this window.\n\n");
    } else {
        if notice.rows.len() > TABLE_ROWS {
            out.push_str(&format!(
                "The {TABLE_ROWS} sources with the most packets (all {} are in the attachments):\n\n",
                row::thousands(notice.rows.len() as u64)
            ));
        } else {
            out.push_str("The sources, most packets first:\n\n");
        }
        out.push_str(&table(&notice.rows[..notice.rows.len().min(TABLE_ROWS)]));
        out.push('\n');
    }

    attachments(&mut out, notice);

    push_paragraph(
        &mut out,
        "Our sensors' addresses are withheld: no attachment says which of \
         our addresses a source reached, only the countries of the sensors \
         that saw it. A scanner that learnt them could avoid the sensors.",
    );
    out.push('\n');
    push_paragraph(
        &mut out,
        &format!(
            "Please quote the ticket {ticket} in any reply; it is also in the \
             subject and in every attachment."
        ),
    );
    out.push('\n');
    push_paragraph(
        &mut out,
        &format!(
            "To stop receiving these notifications, reply with \"unsubscribe\" \
             and the ticket {ticket}."
        ),
    );
    out.push_str("\n-- \n");
    out.push_str(&provider);
    out.push('\n');
    if let Some(url) = notice.feed.url.as_deref().map(one_line) {
        if !url.is_empty() {
            out.push_str(&url);
            out.push('\n');
        }
    }
    out
}

/// " (countries AT, DE; AS 64500, 64501; 3 prefixes)", or nothing when
/// the directory lists no constituency.
fn constituency(notice: &Notice) -> String {
    let c = &notice.team.constituency;
    let mut parts = Vec::new();
    if !c.countries.is_empty() {
        parts.push(format!("countries {}", some(&c.countries, 10)));
    }
    if !c.asns.is_empty() {
        parts.push(format!("AS {}", some(&c.asns, 10)));
    }
    if !c.prefixes.is_empty() {
        parts.push(row::count(c.prefixes.len() as u64, "prefix", "prefixes"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", one_line(&parts.join("; ")))
    }
}

/// The first `n` items joined by ", ", then "and N more".
fn some<T: std::fmt::Display>(items: &[T], n: usize) -> String {
    let mut text = items
        .iter()
        .take(n)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > n {
        text.push_str(&format!(" and {} more", items.len() - n));
    }
    text
}

fn attachments(out: &mut String, notice: &Notice) {
    let mut formats: Vec<Format> = Vec::new();
    for &f in &notice.team.formats {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    if formats.is_empty() {
        push_paragraph(
            out,
            "Nothing is attached: your directory entry asks for no \
             attachment. Reply if you would like CSV, IntelMQ JSON lines or \
             STIX 2.1.",
        );
        out.push('\n');
        return;
    }
    out.push_str("Attached:\n");
    for f in formats {
        let what = match f {
            Format::Csv => {
                "CSV, one row per source: the columns of Shadowserver's \
                 Darknet Events report, then ours (first_seen, last_seen, \
                 packets, days, ports, fingerprints, sensor_countries, ...)."
            }
            Format::Jsonl => {
                "JSON lines, one IntelMQ event per source, with IntelMQ's \
                 field names, for its JSON parser bot."
            }
            Format::Stix => {
                "STIX 2.1 bundle: per source an observed-data and a \
                 sighting, marked with the TLP 2.0 label of this mail."
            }
        };
        let item = format!("{}: {what}", filename(notice, f));
        for (i, line) in wrap(&item, WIDTH - 2).into_iter().enumerate() {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push('\n');
}

/// The sources as a fixed-width table.
fn table(rows: &[SourceRow]) -> String {
    const HEAD: [&str; 6] = ["source", "asn", "cc", "packets", "ports", "fingerprints"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let mut ports: Vec<String> = r
                .ports
                .iter()
                .take(TABLE_PORTS)
                .map(|&p| row::port_label(p))
                .collect();
            if r.ports.len() > TABLE_PORTS {
                ports.push(format!("+{}", r.ports.len() - TABLE_PORTS));
            }
            let fingerprints = row::fingerprints(r);
            [
                r.source.to_string(),
                if r.asn == 0 {
                    "-".to_owned()
                } else {
                    format!("AS{}", r.asn)
                },
                if row::known_cc(&r.cc) {
                    r.cc.clone()
                } else {
                    "-".to_owned()
                },
                row::thousands(r.packets),
                if ports.is_empty() {
                    "icmp".to_owned()
                } else {
                    ports.join(" ")
                },
                if fingerprints.is_empty() {
                    "-".to_owned()
                } else {
                    fingerprints.join(",")
                },
            ]
        })
        .collect();
    let mut widths = HEAD.map(str::len);
    for line in &cells {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |line: [&str; 6]| {
        let mut text = String::new();
        for (i, (cell, &w)) in line.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            // Packets read best right-aligned, the rest left.
            if i == 3 {
                text.push_str(&format!("{cell:>w$}"));
            } else {
                text.push_str(&format!("{cell:<w$}"));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    push(HEAD);
    for line in &cells {
        push([&line[0], &line[1], &line[2], &line[3], &line[4], &line[5]]);
    }
    out
}

/// `text` on one line: every control or whitespace character (CR, LF,
/// tab, NEL, U+2028, ...) becomes a space, runs of spaces one, ends
/// trimmed.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if !(c == ' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

fn name_or(text: &str, fallback: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        one_line(fallback)
    } else {
        text
    }
}

fn push_paragraph(out: &mut String, text: &str) {
    for line in wrap(text, WIDTH) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// Words of `text` on lines of at most `width` characters; a longer word
/// gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in one_line(text).split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;
    use proptest::prelude::*;

    #[test]
    fn subject_of_the_fixture() {
        let mut n = fixture::notice();
        assert_eq!(
            subject(&n),
            "[TLP:AMBER] hirundo: 3 sources (2 scanning, 1 DDoS victim) in your \
             constituency, 2026-11-22 [HIR-N-2026-000042]"
        );
        n.rows.truncate(1);
        n.from_day -= 6;
        assert_eq!(
            subject(&n),
            "[TLP:AMBER] hirundo: 1 scanning source in your constituency, \
             2026-11-16 to 2026-11-22 [HIR-N-2026-000042]"
        );
    }

    #[test]
    fn body_has_label_first_then_the_parts() {
        let n = fixture::notice();
        let body = body_text(&n);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "TLP:AMBER");
        assert!(lines[1].starts_with("Limited disclosure: recipients can only spread this"));
        assert!(body.contains("Dear CERT-XY team,"));
        assert!(body.contains("Exampleland Darknet Watch runs hirundo"));
        assert!(body.contains("Window:   2026-11-22 (UTC)\n"));
        assert!(body.contains("Packets:  5,000,002,469\n"));
        assert!(body.contains("- hirundo-darknet-2026-11-22-HIR-N-2026-000042.csv: CSV"));
        assert!(body.contains("- hirundo-darknet-2026-11-22-HIR-N-2026-000042.jsonl: JSON"));
        assert!(body.contains("- hirundo-darknet-2026-11-22-HIR-N-2026-000042.stix.json: STIX"));
        assert!(one_line(&body)
            .contains("reply with \"unsubscribe\" and the ticket HIR-N-2026-000042."));
        assert!(body.contains("withheld"));
        // Paragraphs wrap; only the table (columns two spaces apart) may
        // be wider.
        assert!(
            lines
                .iter()
                .filter(|l| !l.contains("  "))
                .all(|l| l.chars().count() <= WIDTH),
            "{body}"
        );
        assert!(body.contains("responsible for the addresses below, so we tell"));
    }

    #[test]
    fn body_names_the_constituency() {
        let mut n = fixture::notice();
        n.team.constituency.countries = vec!["XY".to_owned()];
        n.team.constituency.asns = (64_500..64_512).collect();
        let body = one_line(&body_text(&n));
        assert!(
            body.contains(
                "addresses below (countries XY; AS 64500, 64501, 64502, 64503, 64504, \
                 64505, 64506, 64507, 64508, 64509 and 2 more), so we tell"
            ),
            "{body}"
        );
    }

    #[test]
    fn table_is_fixed_width() {
        let text = table(&fixture::notice().rows);
        assert_eq!(
            text,
            "source        asn      cc        packets  ports                    fingerprints\n\
             2001:db8::7   AS64501  JP  5,000,001,234  22/tcp 23/tcp 80/tcp +5  zmap,masscan\n\
             198.51.100.3  AS64500  NL          1,234  23/tcp                   mirai\n\
             203.0.113.9   -        -               1  icmp                     backscatter\n"
        );
    }

    #[test]
    fn a_long_notice_lists_twenty() {
        let mut n = fixture::notice();
        let extra = n.rows[1].clone();
        n.rows.extend(std::iter::repeat_n(extra, 30));
        let body = body_text(&n);
        assert!(
            body.contains("The 20 sources with the most packets (all 33 are in the attachments):")
        );
        assert_eq!(body.matches("AS64500").count(), 18);
    }

    #[test]
    fn one_line_folds_every_break() {
        assert_eq!(
            one_line(" a\r\nBcc: x@y\u{2028}b\u{85}c\t "),
            "a Bcc: x@y b c"
        );
        assert_eq!(one_line("\n\n"), "");
    }

    proptest! {
        #[test]
        fn subject_is_one_line_whatever_the_team(
            name in "\\PC{0,20}|[\r\n\u{85}\u{2028}\u{2029}a-z:]{0,20}",
            short in ".{0,10}",
            ticket in "[A-Z0-9\r\n\t-]{0,20}",
            provider in "(?s).{0,20}",
        ) {
            let mut n = fixture::notice();
            n.team.name = name;
            n.team.short_name = short;
            n.ticket = ticket;
            n.feed.provider = provider;
            let s = subject(&n);
            prop_assert!(!s.contains(['\r', '\n']), "{:?}", s);
            prop_assert!(!s.chars().any(|c| c.is_control()), "{:?}", s);
            prop_assert!(s.starts_with("[TLP:AMBER] "));
            let body = body_text(&n);
            prop_assert!(body.starts_with("TLP:AMBER\n"));
            prop_assert!(!body.contains('\r'));
        }
    }
}
