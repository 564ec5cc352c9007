//! The Atom feed read back by a real XML parser.

use hirundo_deliver::{atom_feed, FeedInfo};

use crate::{alert, closed_country_alert};

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn info() -> FeedInfo {
    FeedInfo {
        title: "hirundo alerts, CSIRT-XY".to_owned(),
        author: "CSIRT-XY".to_owned(),
        base_url: "https://collector.example.org:8443/".to_owned(),
        self_url: "https://collector.example.org:8443/alerts.atom".to_owned(),
        tag_authority: "collector.example.org,2026".to_owned(),
    }
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|n| n.has_tag_name((ATOM, name)))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or_default()
}

#[test]
fn feed_parses_and_has_the_required_elements() {
    let xml = atom_feed(&[alert(), closed_country_alert()], &info());
    let doc = roxmltree::Document::parse(&xml).expect("the feed is well-formed XML");
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(text(feed, "id"), "tag:collector.example.org,2026:alerts");
    assert_eq!(text(feed, "title"), "hirundo alerts, CSIRT-XY");
    // The newest change among the entries: alert 7 closed at 22:00, alert
    // 42's latest bucket is 01:00 the next day.
    assert_eq!(text(feed, "updated"), "2023-11-15T01:00:00Z");
    assert_eq!(text(child(feed, "author"), "name"), "CSIRT-XY");
    let links: Vec<(&str, &str)> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "link")))
        .map(|n| (n.attribute("rel").unwrap(), n.attribute("href").unwrap()))
        .collect();
    assert_eq!(
        links,
        [
            ("self", "https://collector.example.org:8443/alerts.atom"),
            ("alternate", "https://collector.example.org:8443/alerts"),
        ]
    );

    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect();
    assert_eq!(entries.len(), 2);
    let e = entries[0];
    assert_eq!(text(e, "id"), "tag:collector.example.org,2026:alert/42");
    assert_eq!(
        text(e, "title"),
        "[TLP:AMBER] Surge of scans to 8728/tcp from BR, 37 sources"
    );
    assert_eq!(text(e, "updated"), "2023-11-15T01:00:00Z");
    assert_eq!(text(e, "published"), "2023-11-14T22:00:00Z");
    assert_eq!(
        child(e, "link").attribute("href"),
        Some("https://collector.example.org:8443/alerts/42")
    );
    let categories: Vec<&str> = e
        .children()
        .filter(|n| n.has_tag_name((ATOM, "category")))
        .map(|n| n.attribute("term").unwrap())
        .collect();
    assert_eq!(categories, ["TLP:AMBER", "surge", "8728/tcp", "ongoing"]);
    assert!(text(e, "rights").starts_with("TLP:AMBER: "));
    let summary = text(e, "summary");
    assert!(
        summary.starts_with("[TLP:AMBER] 8728/tcp: 51234 packets from 37 sources"),
        "{summary}"
    );
    assert!(summary.contains("countries: BR, AR"), "{summary}");
    let content = child(e, "content");
    assert_eq!(content.attribute("type"), Some("html"));
    let html = content.text().unwrap();
    assert!(html.starts_with("<p><strong>TLP:AMBER</strong>"), "{html}");
    assert!(html.contains("<td>203.0.113.7</td>"), "{html}");

    // The closed alert: updated is its closing, its subject a country.
    let e = entries[1];
    assert_eq!(text(e, "id"), "tag:collector.example.org,2026:alert/7");
    assert_eq!(text(e, "updated"), "2023-11-14T22:00:00Z");
    assert_eq!(text(e, "published"), "2023-11-12T22:00:00Z");
    let terms: Vec<&str> = e
        .children()
        .filter(|n| n.has_tag_name((ATOM, "category")))
        .filter_map(|n| n.attribute("term"))
        .collect();
    assert_eq!(terms, ["TLP:AMBER", "surge", "country VN", "closed"]);
}

#[test]
fn hostile_titles_and_tags_are_escaped() {
    let mut a = alert();
    a.title = "<script>alert(1)</script> & ]]> \"q\" 'a' \u{0}\u{7}".to_owned();
    a.evidence.top_sources[0].tags = vec!["<img src=x onerror=alert(1)>".to_owned()];
    a.countries = vec!["</summary><evil/>".to_owned()];
    let xml = atom_feed(&[a], &info());
    let doc = roxmltree::Document::parse(&xml).expect("still well-formed XML");
    let e = child(doc.root_element(), "entry");
    // The title reads back as sent, less the characters XML cannot hold.
    assert_eq!(
        text(e, "title"),
        "[TLP:AMBER] <script>alert(1)</script> & ]]> \"q\" 'a' \u{FFFD}\u{FFFD}"
    );
    assert!(doc.descendants().all(|n| !n.has_tag_name("evil")));
    assert!(text(e, "summary").contains("countries: </summary><evil/>"));
    // Inside the html content the markup is escaped once more, so a reader
    // that renders it shows the text instead of running it.
    let html = text(e, "content");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>") && !html.contains("<img"));
}

#[test]
fn same_alerts_same_bytes() {
    let alerts = [alert(), closed_country_alert()];
    assert_eq!(atom_feed(&alerts, &info()), atom_feed(&alerts, &info()));
}
