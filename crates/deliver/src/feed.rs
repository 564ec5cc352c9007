//! The alerts as an Atom 1.0 feed (RFC 4287), for feed readers and for
//! partners' ticketing systems that poll.

use std::fmt::Write as _;

use hirundo_surge::Alert;
use serde::{Deserialize, Serialize};

use crate::error::DeliverError;
use crate::markup::escape;
use crate::render::{self, alert_link};
use crate::time::rfc3339;
use crate::tlp;

/// Where TLP labels are defined, as the scheme of the label's category.
pub const TLP_SCHEME: &str = "https://www.first.org/tlp/";

/// What the feed says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedInfo {
    /// The feed's title: "hirundo alerts, CSIRT-XY".
    pub title: String,
    /// Who publishes it: the CSIRT's name.
    pub author: String,
    /// The web interface's root, "https://collector.example.org:8443";
    /// entries link to `{base_url}/alerts/{id}` and the feed's alternate
    /// link is `{base_url}/alerts`.
    pub base_url: String,
    /// Where this feed is served, its `rel="self"` link.
    pub self_url: String,
    /// The tagging entity of RFC 4151 `tag:` ids, "collector.example.org,2026":
    /// a domain the publisher held on that date. It must never change, or
    /// every reader sees every alert as new.
    pub tag_authority: String,
}

impl FeedInfo {
    /// Checks what would make the feed wrong rather than merely odd.
    pub fn validate(&self) -> Result<(), DeliverError> {
        let bad = |reason: String| {
            Err(DeliverError::InvalidConfig {
                what: "feed",
                reason,
            })
        };
        if self.title.trim().is_empty() {
            return bad("the feed needs a title".to_owned());
        }
        if self.author.trim().is_empty() {
            return bad("the feed needs an author (Atom requires one)".to_owned());
        }
        for (name, url) in [("base_url", &self.base_url), ("self_url", &self.self_url)] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return bad(format!("{name} {url:?} is not an http(s) URL"));
            }
        }
        if !is_tag_authority(&self.tag_authority) {
            return bad(format!(
                "tag_authority {:?} is not \"domain,YYYY\" or \"domain,YYYY-MM-DD\" (RFC 4151), e.g. \"collector.example.org,2026\"",
                self.tag_authority
            ));
        }
        Ok(())
    }

    /// The `tag:` id of the feed, or with a suffix, of something in it.
    fn tag(&self, specific: &str) -> String {
        format!("tag:{}:{specific}", self.tag_authority)
    }
}

/// RFC 4151's taggingEntity with a DNS name: `name "," date`, the date as
/// YYYY, YYYY-MM or YYYY-MM-DD.
fn is_tag_authority(s: &str) -> bool {
    let Some((name, date)) = s.split_once(',') else {
        return false;
    };
    let name_ok = !name.is_empty()
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let parts: Vec<&str> = date.split('-').collect();
    let date_ok = matches!(parts.len(), 1..=3)
        && parts
            .iter()
            .zip([4, 2, 2])
            .all(|(p, len)| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && date_ok
}

/// When an entry last changed: the latest bucket, or the closing if later
/// (closing changes the entry, and readers re-fetch on `updated`).
fn entry_updated_ns(alert: &Alert) -> i64 {
    alert
        .closed_ns
        .map_or(alert.last_ns, |c| c.max(alert.last_ns))
}

/// The Atom document for `alerts`, one entry each in the order given.
/// Pure: the feed's `updated` is its newest entry's (the epoch when there
/// are none), so the same alerts give the same bytes and HTTP caches work.
pub fn atom_feed(alerts: &[Alert], feed: &FeedInfo) -> String {
    let base = feed.base_url.trim_end_matches('/');
    let updated = alerts.iter().map(entry_updated_ns).max().unwrap_or(0);
    let mut out = String::with_capacity(1024 + alerts.len() * 2048);
    // `write!` to a String cannot fail.
    let _ = write!(
        out,
        concat!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
            "  <id>{id}</id>\n",
            "  <title type=\"text\">{title}</title>\n",
            "  <subtitle type=\"text\">Alerts name sources: each entry carries its TLP label.</subtitle>\n",
            "  <updated>{updated}</updated>\n",
            "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{self_url}\"/>\n",
            "  <link rel=\"alternate\" type=\"text/html\" href=\"{alternate}\"/>\n",
            "  <author><name>{author}</name></author>\n",
            "  <generator version=\"{version}\">hirundo</generator>\n",
        ),
        id = escape(&feed.tag("alerts")),
        title = escape(&feed.title),
        updated = rfc3339(updated),
        self_url = escape(&feed.self_url),
        alternate = escape(&format!("{base}/alerts")),
        author = escape(&feed.author),
        version = env!("CARGO_PKG_VERSION"),
    );
    for alert in alerts {
        entry(&mut out, alert, feed);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, alert: &Alert, feed: &FeedInfo) {
    let label = tlp::label(alert);
    let link = alert_link(&feed.base_url, alert.id);
    let event = match alert.status {
        hirundo_surge::AlertStatus::Ongoing => "opened",
        hirundo_surge::AlertStatus::Closed => "closed",
    };
    let _ = write!(
        out,
        concat!(
            "  <entry>\n",
            "    <id>{id}</id>\n",
            "    <title type=\"text\">[{label}] {title}</title>\n",
            "    <updated>{updated}</updated>\n",
            "    <published>{published}</published>\n",
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n",
            "    <category scheme=\"{tlp_scheme}\" term=\"{label}\"/>\n",
            "    <category scheme=\"{kind_scheme}\" term=\"{kind}\"/>\n",
            "    <category scheme=\"{subject_scheme}\" term=\"{subject}\"/>\n",
            "    <category scheme=\"{status_scheme}\" term=\"{status}\"/>\n",
            "    <rights type=\"text\">{label}: {meaning}</rights>\n",
            "    <summary type=\"text\">[{label}] {summary}</summary>\n",
            "    <content type=\"html\">{content}</content>\n",
            "  </entry>\n",
        ),
        id = escape(&feed.tag(&format!("alert/{}", alert.id))),
        label = label,
        title = escape(&alert.title),
        updated = rfc3339(entry_updated_ns(alert)),
        published = rfc3339(alert.started_ns),
        link = escape(&link),
        tlp_scheme = TLP_SCHEME,
        kind_scheme = escape(&feed.tag("kind")),
        kind = render::kind_word(alert.kind),
        subject_scheme = escape(&feed.tag("subject")),
        subject = escape(&alert.subject.label()),
        status_scheme = escape(&feed.tag("status")),
        status = render::status_word(alert.status),
        meaning = escape(tlp::meaning(label)),
        summary = escape(&render::summary(alert)),
        // type="html": the markup is carried escaped, as text.
        content = escape(&render::html_fragment(alert, event, &link)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> FeedInfo {
        FeedInfo {
            title: "hirundo alerts".to_owned(),
            author: "CSIRT-XY".to_owned(),
            base_url: "https://c.example.org".to_owned(),
            self_url: "https://c.example.org/alerts.atom".to_owned(),
            tag_authority: "c.example.org,2026".to_owned(),
        }
    }

    #[test]
    fn validate_names_the_bad_field() {
        assert!(info().validate().is_ok());
        let mut f = info();
        f.tag_authority = "c.example.org".to_owned();
        let err = f.validate().unwrap_err().to_string();
        assert!(
            err.contains("tag_authority") && err.contains("RFC 4151"),
            "{err}"
        );
        let mut f = info();
        f.self_url = "c.example.org/alerts.atom".to_owned();
        assert!(f.validate().unwrap_err().to_string().contains("self_url"));
    }

    #[test]
    fn tag_authorities() {
        assert!(is_tag_authority("example.org,2026"));
        assert!(is_tag_authority("a-b.example.org,2026-03-01"));
        assert!(!is_tag_authority("example.org,26"));
        assert!(!is_tag_authority("example..org,2026"));
        assert!(!is_tag_authority("example.org,2026-3"));
        assert!(!is_tag_authority(",2026"));
    }

    #[test]
    fn closing_moves_updated() {
        let mut a = crate::testdata::alert();
        assert_eq!(entry_updated_ns(&a), a.last_ns);
        a.closed_ns = Some(a.last_ns + 7);
        assert_eq!(entry_updated_ns(&a), a.last_ns + 7);
    }

    #[test]
    fn empty_feed_is_dated_at_the_epoch() {
        let xml = atom_feed(&[], &info());
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(!xml.contains("<entry>"));
    }
}
