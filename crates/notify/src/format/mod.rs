//! The attachments of a notification and the text of its mail.
//!
//! A [`Notice`] becomes one [`Attachment`] per [`Format`] the team asked
//! for, through [`render`]:
//!
//! - [`csv`]: Shadowserver's "Darknet Events" columns, in Shadowserver's
//!   order, then hirundo's own; one row per source. Tools that already
//!   read Shadowserver's report map it by header name.
//! - [`jsonl`]: one IntelMQ event per source per line, with IntelMQ's flat
//!   dotted field names, ready for its JSON parser bot.
//! - [`stix`]: a STIX 2.1 bundle: per source an address, an observed-data
//!   and a sighting, all under the notice's TLP 2.0 marking.
//!
//! [`mail`] writes the subject and the plain-text body that carry them
//! ([`subject`], [`body_text`]).
//!
//! Every format is a pure function of the notice: the same notice gives
//! the same bytes, so a resend is recognisably the same message. None of
//! them ever holds a sensor's address; a row names the countries of the
//! sensors that saw a source and nothing more precise.

pub mod csv;
mod json;
pub mod jsonl;
pub mod mail;
mod row;
pub mod stix;
mod time;

#[cfg(test)]
pub(crate) mod fixture;

pub use mail::{body_text, subject};

use hirundo_directory::Format;

use crate::Notice;

/// One file attached to a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// "hirundo-darknet-2026-11-22-HIR-N-2026-000042.csv": feed, window and
    /// ticket, so a saved file still says what it is.
    pub filename: String,
    /// The MIME type to label the part with.
    pub mime: &'static str,
    /// UTF-8 text.
    pub body: String,
}

/// `notice` as the attachment `format` describes.
pub fn render(notice: &Notice, format: Format) -> Attachment {
    let body = match format {
        Format::Csv => csv::render(notice),
        Format::Jsonl => jsonl::render(notice),
        Format::Stix => stix::render(notice),
    };
    Attachment {
        filename: filename(notice, format),
        mime: mime(format),
        body,
    }
}

/// The MIME type of a format. JSON lines has no registered type; the
/// de-facto `application/x-ndjson` is the one log shippers and SIEMs
/// recognise.
pub fn mime(format: Format) -> &'static str {
    match format {
        Format::Csv => "text/csv",
        Format::Jsonl => "application/x-ndjson",
        Format::Stix => "application/stix+json;version=2.1",
    }
}

/// The file extension of a format, with its dot.
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Csv => ".csv",
        Format::Jsonl => ".jsonl",
        Format::Stix => ".stix.json",
    }
}

/// "<feed>-<window>-<ticket><extension>", where the window is one date
/// or "2026-11-16_2026-11-22". Characters a file system or a mail client
/// might choke on become '_', so a hostile ticket cannot name a path.
pub fn filename(notice: &Notice, format: Format) -> String {
    let feed = if notice.feed.name.trim().is_empty() {
        "hirundo-darknet"
    } else {
        &notice.feed.name
    };
    format!(
        "{}-{}-{}{}",
        file_safe(feed),
        time::window(notice.from_day, notice.to_day, "_"),
        file_safe(&notice.ticket),
        extension(format)
    )
}

// Letters, digits, '-', '_' and inner '.' only: no separators, no
// leading dot, no spaces, at most 100 characters.
fn file_safe(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        let mut n = fixture::notice();
        let csv = render(&n, Format::Csv);
        assert_eq!(
            csv.filename,
            "hirundo-darknet-2026-11-22-HIR-N-2026-000042.csv"
        );
        assert_eq!(csv.mime, "text/csv");
        assert!(csv.body.starts_with("timestamp,protocol,src_ip,"));
        let jsonl = render(&n, Format::Jsonl);
        assert_eq!(
            jsonl.filename,
            "hirundo-darknet-2026-11-22-HIR-N-2026-000042.jsonl"
        );
        assert_eq!(jsonl.mime, "application/x-ndjson");
        let stix = render(&n, Format::Stix);
        assert_eq!(
            stix.filename,
            "hirundo-darknet-2026-11-22-HIR-N-2026-000042.stix.json"
        );
        assert_eq!(stix.mime, "application/stix+json;version=2.1");

        n.from_day -= 6;
        assert_eq!(
            filename(&n, Format::Csv),
            "hirundo-darknet-2026-11-16_2026-11-22-HIR-N-2026-000042.csv"
        );
    }

    #[test]
    fn hostile_ticket_cannot_name_a_path() {
        let mut n = fixture::notice();
        n.ticket = "../../etc/passwd\r\nX: y".to_owned();
        n.feed.name = ".hidden feed".to_owned();
        assert_eq!(
            filename(&n, Format::Stix),
            "_hidden_feed-2026-11-22-_._.._etc_passwd__X__y.stix.json"
        );
        n.feed.name = "  ".to_owned();
        assert!(filename(&n, Format::Csv).starts_with("hirundo-darknet-2026-11-22-"));
    }
}
