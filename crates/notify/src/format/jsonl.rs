//! The JSON lines attachment: one IntelMQ event per source per line, with
//! IntelMQ's flat dotted field names (its harmonization), so IntelMQ's
//! JSON parser bot takes each line as it is. Keys come in a fixed order;
//! a key with no value is absent, never `null`.
//!
//! IntelMQ's own fields carry what they can: `time.source` is the first
//! packet, `classification.identifier` the fingerprints (or "darknet"),
//! `destination.port` and `protocol.transport` only for a source that
//! used a single (protocol, port), or "icmp" for a source that used no
//! port at all. Everything else is under `extra.`.
//! There is never a destination address.
//!
//! IntelMQ's `tlp` field is still TLP 1.0's: it accepts WHITE, GREEN,
//! AMBER and RED only. TLP:CLEAR is written "WHITE", which TLP 2.0 says
//! it replaces with the same meaning. TLP:AMBER+STRICT has no TLP 1.0
//! spelling: it is written as it is, so IntelMQ refuses the event rather
//! than file it under a label that allows wider sharing. `extra.tlp`
//! always holds the TLP 2.0 label.

use serde_json::Value;

use hirundo_tlp::Tlp;

use crate::format::json::Obj;
use crate::format::{row, time};
use crate::{Notice, SourceRow};

/// How sure the feed is of what it reports, IntelMQ's `feed.accuracy`: a
/// packet reached the sensor, so the source did send it (spoofed sources
/// are dropped before a notice is planned).
const ACCURACY: f64 = 100.0;

/// One line per row, each ending in "\n".
pub fn render(notice: &Notice) -> String {
    let mut out = String::with_capacity(700 * notice.rows.len());
    for source in &notice.rows {
        out.push_str(&event(notice, source).to_json());
        out.push('\n');
    }
    out
}

/// The IntelMQ event of one row.
fn event(notice: &Notice, source: &SourceRow) -> Obj {
    let class = source.classification();
    let fingerprints = row::fingerprints(source);
    let identifier = if fingerprints.is_empty() {
        "darknet".to_owned()
    } else {
        fingerprints.join(";")
    };
    let url = notice.feed.url.as_deref().filter(|u| !u.trim().is_empty());
    let single = row::single_port(source);
    Obj::new()
        .field("feed.name", notice.feed.name.as_str())
        .field("feed.provider", notice.feed.provider.as_str())
        .opt("feed.url", url)
        .field("feed.accuracy", ACCURACY)
        .field("time.source", time::rfc3339_offset(source.first_ns))
        .field("time.observation", time::rfc3339_offset(notice.created_ns))
        .field("classification.taxonomy", class.taxonomy())
        .field("classification.type", class.kind())
        .field("classification.identifier", identifier)
        .field("source.ip", source.source.to_string())
        .opt("source.asn", (source.asn != 0).then_some(source.asn))
        .opt(
            "source.geolocation.cc",
            row::known_cc(&source.cc).then_some(source.cc.as_str()),
        )
        .opt("protocol.transport", row::transport(source))
        .opt("destination.port", single.map(|p| p.port))
        .field("event_description.text", row::describe(source))
        .field("tlp", intelmq_tlp(notice.tlp))
        .field("extra.ticket", notice.ticket.as_str())
        .field("extra.tlp", notice.tlp.label())
        .field("extra.first_seen", time::rfc3339_offset(source.first_ns))
        .field(
            "extra.last_seen",
            time::rfc3339_offset(row::last_ns(source)),
        )
        .field("extra.packets", source.packets)
        .field("extra.days", source.days)
        .field("extra.ports", row::port_labels(source))
        .field("extra.port_count", source.ports.len())
        .field("extra.fingerprints", fingerprints)
        .field(
            "extra.sensor_countries",
            Value::from(source.sensor_countries.clone()),
        )
}

/// The label as IntelMQ's `tlp` field accepts it (see the module docs).
pub fn intelmq_tlp(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "WHITE",
        other => other.level(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn one_line_per_row_each_valid_json() {
        let text = render(&fixture::notice());
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).expect("line parses");
            assert!(v.is_object());
            assert!(!line.contains("destination.ip"));
        }
    }

    #[test]
    fn the_mirai_row_is_exact_key_for_key_in_order() {
        let text = render(&fixture::notice());
        let line = text.lines().nth(1).unwrap_or_default();
        assert_eq!(
            line,
            r#"{"feed.name":"hirundo-darknet","feed.provider":"Exampleland Darknet Watch","feed.url":"https://darknet.example.org/","feed.accuracy":100.0,"time.source":"2026-11-22T09:24:05+00:00","time.observation":"2026-11-23T06:00:00+00:00","classification.taxonomy":"information-gathering","classification.type":"scanner","classification.identifier":"mirai","source.ip":"198.51.100.3","source.asn":64500,"source.geolocation.cc":"NL","protocol.transport":"tcp","destination.port":23,"event_description.text":"Seen by hirundo darknet sensors: 1,234 packets to 1 port on 1 day","tlp":"AMBER","extra.ticket":"HIR-N-2026-000042","extra.tlp":"TLP:AMBER","extra.first_seen":"2026-11-22T09:24:05+00:00","extra.last_seen":"2026-11-22T11:00:00+00:00","extra.packets":1234,"extra.days":1,"extra.ports":["23/tcp"],"extra.port_count":1,"extra.fingerprints":["mirai"],"extra.sensor_countries":["DE"]}"#
        );
    }

    #[test]
    fn unknowns_are_absent_and_many_ports_have_no_single_port() {
        let text = render(&fixture::notice());
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("line parses"))
            .collect();
        let many = &lines[0];
        assert_eq!(many["source.ip"], "2001:db8::7");
        assert_eq!(many["classification.identifier"], "zmap;masscan");
        assert_eq!(many["extra.packets"], 5_000_001_234u64);
        assert_eq!(many["extra.ports"].as_array().map(Vec::len), Some(8));
        assert_eq!(many["extra.sensor_countries"], json!(["AT", "DE"]));
        assert!(many.get("destination.port").is_none());
        assert!(many.get("protocol.transport").is_none());

        let victim = &lines[2];
        assert_eq!(victim["classification.taxonomy"], "availability");
        assert_eq!(victim["classification.type"], "ddos");
        assert_eq!(victim["classification.identifier"], "backscatter");
        assert!(victim.get("source.asn").is_none());
        assert!(victim.get("source.geolocation.cc").is_none());
        assert!(victim.get("destination.port").is_none());
        assert_eq!(victim["protocol.transport"], "icmp");
        assert_eq!(victim["extra.ports"], json!([]));
        assert_eq!(victim["extra.sensor_countries"], json!([]));
    }

    #[test]
    fn tlp_as_intelmq_takes_it() {
        assert_eq!(intelmq_tlp(Tlp::Clear), "WHITE");
        assert_eq!(intelmq_tlp(Tlp::Green), "GREEN");
        assert_eq!(intelmq_tlp(Tlp::Amber), "AMBER");
        assert_eq!(intelmq_tlp(Tlp::AmberStrict), "AMBER+STRICT");
        assert_eq!(intelmq_tlp(Tlp::Red), "RED");
        let mut n = fixture::notice();
        n.feed.url = None;
        n.tlp = Tlp::Clear;
        let first: Value =
            serde_json::from_str(render(&n).lines().next().unwrap_or_default()).expect("parses");
        assert_eq!(first["tlp"], "WHITE");
        assert_eq!(first["extra.tlp"], "TLP:CLEAR");
        assert!(first.get("feed.url").is_none());
    }

    proptest! {
        #[test]
        fn any_text_gives_one_valid_line_per_row(
            ticket in ".{0,30}",
            provider in ".{0,30}",
            cc in ".{0,3}",
        ) {
            let mut n = fixture::notice();
            n.ticket = ticket.clone();
            n.feed.provider = provider;
            n.rows[1].cc = cc;
            let text = render(&n);
            prop_assert_eq!(text.lines().count(), 3);
            for line in text.lines() {
                let v: Value = serde_json::from_str(line).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&v["extra.ticket"], &Value::from(ticket.clone()));
            }
        }
    }
}
