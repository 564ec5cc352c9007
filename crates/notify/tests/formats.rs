//! The attachments and the mail as a recipient's tools read them: the CSV
//! through the `csv` crate, the JSON lines through `serde_json`, the STIX
//! bundle through OASIS's `stix2` Python library when it is installed.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::process::Command;

use hirundo_directory::Format;
use hirundo_fingerprint::Tags;
use hirundo_notify::format::{self, csv as hcsv, stix};
use hirundo_notify::{Feed, Notice, SourceRow};
use hirundo_rollup::{PortKey, PortProto};
use hirundo_tlp::Tlp;
use proptest::prelude::*;
use serde_json::{json, Value};

const NS: i64 = 1_000_000_000;
/// 2026-11-22.
const DAY: i64 = 20_779;
const DAY_NS: i64 = DAY * 86_400 * NS;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("fixture address")
}

fn tcp(port: u16) -> PortKey {
    PortKey::new(PortProto::Tcp, port)
}

fn udp(port: u16) -> PortKey {
    PortKey::new(PortProto::Udp, port)
}

/// An IPv6 source with eleven ports over TCP and UDP, an IPv4 Mirai
/// scanner on one port, and a backscatter-only DDoS victim with no AS and
/// no country, on one day.
fn notice() -> Notice {
    let team = serde_json::from_value(json!({
        "id": "csirt-ex",
        "name": "CSIRT Example",
        "short_name": "CSIRT-EX",
        "kind": "national",
        "formats": ["stix", "csv", "jsonl"],
    }))
    .expect("team");
    Notice {
        ticket: "HIR-N-2026-000042".to_owned(),
        team,
        tlp: Tlp::Green,
        from_day: DAY,
        to_day: DAY + 1,
        created_ns: (DAY + 1) * 86_400 * NS + 6 * 3_600 * NS + 123_456_789,
        feed: Feed {
            name: "hirundo-darknet".to_owned(),
            provider: "Example National CSIRT".to_owned(),
            url: None,
        },
        omitted: 0,
        rows: vec![
            SourceRow {
                source: ip("2001:db8:0:1::2"),
                asn: 64_496,
                cc: "FR".to_owned(),
                first_ns: DAY_NS + 60 * NS,
                last_ns: DAY_NS + 7_200 * NS,
                packets: 2_000_000,
                days: 1,
                ports: [21, 22, 23, 25, 80, 110, 143, 443, 3389]
                    .into_iter()
                    .map(tcp)
                    .chain([udp(53), udp(161)])
                    .collect(),
                tags: Tags::ZMAP,
                sensor_countries: vec!["BE".to_owned(), "FR".to_owned(), "LU".to_owned()],
            },
            SourceRow {
                source: ip("198.51.100.3"),
                asn: 64_500,
                cc: "BE".to_owned(),
                first_ns: DAY_NS + 3_600 * NS + 5 * NS,
                last_ns: DAY_NS + 82_800 * NS,
                packets: 4_321,
                days: 1,
                ports: vec![tcp(2323)],
                tags: Tags::MIRAI,
                sensor_countries: vec!["LU".to_owned()],
            },
            SourceRow {
                source: ip("192.0.2.77"),
                asn: 0,
                cc: "ZZ".to_owned(),
                first_ns: DAY_NS + 50_000 * NS,
                last_ns: DAY_NS + 50_001 * NS,
                packets: 12,
                days: 1,
                ports: vec![],
                tags: Tags::BACKSCATTER,
                sensor_countries: vec![],
            },
        ],
    }
}

const HEADER: [&str; 43] = [
    "timestamp",
    "protocol",
    "src_ip",
    "src_port",
    "src_asn",
    "src_geo",
    "src_region",
    "src_city",
    "src_hostname",
    "src_naics",
    "src_sector",
    "device_vendor",
    "device_type",
    "device_model",
    "severity",
    "dst_ip",
    "dst_port",
    "dst_asn",
    "dst_geo",
    "dst_region",
    "dst_city",
    "dst_hostname",
    "dst_naics",
    "dst_sector",
    "public_source",
    "infection",
    "family",
    "tag",
    "application",
    "version",
    "event_id",
    "count",
    "first_seen",
    "last_seen",
    "packets",
    "days",
    "ports",
    "port_count",
    "fingerprints",
    "sensor_countries",
    "classification",
    "ticket",
    "tlp",
];

#[test]
fn csv_parses_back_with_shadowservers_header_and_exact_values() {
    let attachment = format::render(&notice(), Format::Csv);
    assert_eq!(
        attachment.filename,
        "hirundo-darknet-2026-11-22-HIR-N-2026-000042.csv"
    );
    let mut reader = csv::Reader::from_reader(attachment.body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, HEADER);
    assert_eq!(hcsv::columns().collect::<Vec<_>>(), HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 3);
    let at = |name: &str| HEADER.iter().position(|h| *h == name).expect(name);
    let get = |row: usize, name: &str| rows[row][at(name)].to_owned();

    // Many ports: no single protocol or port, no single sensor country.
    assert_eq!(get(0, "timestamp"), "2026-11-22 00:01:00");
    assert_eq!(get(0, "protocol"), "tcp;udp");
    assert_eq!(get(0, "src_ip"), "2001:db8:0:1::2");
    assert_eq!(get(0, "src_asn"), "64496");
    assert_eq!(get(0, "src_geo"), "FR");
    assert_eq!(get(0, "dst_port"), "");
    assert_eq!(get(0, "dst_geo"), "");
    assert_eq!(get(0, "count"), "2000000");
    assert_eq!(get(0, "tag"), "darknet;zmap");
    assert_eq!(
        get(0, "ports"),
        "21/tcp 22/tcp 23/tcp 25/tcp 80/tcp 110/tcp 143/tcp 443/tcp 3389/tcp 53/udp 161/udp"
    );
    assert_eq!(get(0, "port_count"), "11");
    assert_eq!(get(0, "sensor_countries"), "BE FR LU");
    assert_eq!(get(0, "last_seen"), "2026-11-22T02:00:00Z");
    assert_eq!(get(0, "tlp"), "GREEN");

    // One port: protocol and dst_port filled, one sensor country.
    assert_eq!(get(1, "timestamp"), "2026-11-22 01:00:05");
    assert_eq!(get(1, "protocol"), "tcp");
    assert_eq!(get(1, "dst_port"), "2323");
    assert_eq!(get(1, "dst_geo"), "LU");
    assert_eq!(get(1, "tag"), "darknet;mirai");
    assert_eq!(get(1, "first_seen"), "2026-11-22T01:00:05Z");
    assert_eq!(get(1, "classification"), "information-gathering/scanner");

    // ASN 0 and ZZ are unknowns: empty.
    assert_eq!(get(2, "src_asn"), "");
    assert_eq!(get(2, "src_geo"), "");
    assert_eq!(get(2, "protocol"), "icmp");
    assert_eq!(get(2, "count"), "12");
    assert_eq!(get(2, "classification"), "availability/ddos");
    assert_eq!(get(2, "ticket"), "HIR-N-2026-000042");

    // Nothing that would locate a sensor, in any row.
    for row in &rows {
        for name in [
            "dst_ip",
            "dst_asn",
            "dst_region",
            "dst_city",
            "dst_hostname",
            "dst_naics",
            "dst_sector",
        ] {
            assert_eq!(&row[at(name)], "", "{name}");
        }
    }
}

#[test]
fn jsonl_one_event_per_row_and_the_victim_exact() {
    let n = notice();
    let attachment = format::render(&n, Format::Jsonl);
    assert_eq!(attachment.mime, "application/x-ndjson");
    let lines: Vec<&str> = attachment.body.lines().collect();
    assert_eq!(lines.len(), n.rows.len());
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("line parses"))
        .collect();
    assert_eq!(
        events[2],
        json!({
            "feed.name": "hirundo-darknet",
            "feed.provider": "Example National CSIRT",
            "feed.accuracy": 100.0,
            "time.source": "2026-11-22T13:53:20+00:00",
            "time.observation": "2026-11-23T06:00:00+00:00",
            "classification.taxonomy": "availability",
            "classification.type": "ddos",
            "classification.identifier": "backscatter",
            "source.ip": "192.0.2.77",
            "protocol.transport": "icmp",
            "event_description.text": "Seen by hirundo darknet sensors: 12 packets (ICMP) on 1 day",
            "tlp": "GREEN",
            "extra.ticket": "HIR-N-2026-000042",
            "extra.tlp": "TLP:GREEN",
            "extra.first_seen": "2026-11-22T13:53:20+00:00",
            "extra.last_seen": "2026-11-22T13:53:21+00:00",
            "extra.packets": 12,
            "extra.days": 1,
            "extra.ports": [],
            "extra.port_count": 0,
            "extra.fingerprints": ["backscatter"],
            "extra.sensor_countries": [],
        })
    );
    // The order of the keys as written, not as a map sorts them.
    let keys = key_order(lines[1]);
    assert_eq!(
        keys,
        [
            "feed.name",
            "feed.provider",
            "feed.accuracy",
            "time.source",
            "time.observation",
            "classification.taxonomy",
            "classification.type",
            "classification.identifier",
            "source.ip",
            "source.asn",
            "source.geolocation.cc",
            "protocol.transport",
            "destination.port",
            "event_description.text",
            "tlp",
            "extra.ticket",
            "extra.tlp",
            "extra.first_seen",
            "extra.last_seen",
            "extra.packets",
            "extra.days",
            "extra.ports",
            "extra.port_count",
            "extra.fingerprints",
            "extra.sensor_countries",
        ]
    );
    assert_eq!(events[1]["destination.port"], 2323);
    assert!(!attachment.body.contains("destination.ip"));
}

#[test]
fn stix_is_marked_unique_deterministic_and_uses_stix_address_ids() {
    let n = notice();
    let attachment = format::render(&n, Format::Stix);
    assert_eq!(attachment.mime, "application/stix+json;version=2.1");
    assert_eq!(attachment.body, format::render(&n, Format::Stix).body);
    let bundle: Value = serde_json::from_str(&attachment.body).expect("bundle");
    let objects = bundle["objects"].as_array().expect("objects");
    // marking, identity, 2 patterns, 3 countries, 3 per source.
    assert_eq!(objects.len(), 1 + 1 + 2 + 3 + 9);
    let marking = Tlp::Green.stix_marking_id();
    let mut ids = BTreeSet::new();
    for o in objects {
        assert!(
            ids.insert(o["id"].as_str().expect("id")),
            "duplicate {}",
            o["id"]
        );
        if o["type"] == "marking-definition" {
            continue;
        }
        assert_eq!(o["object_marking_refs"], json!([marking]), "{o}");
    }
    // Python: uuid.uuid5(uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7"),
    // '{"value":"198.51.100.3"}')
    assert!(ids.contains("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"));
    assert_eq!(
        stix::address_id(ip("198.51.100.3")),
        "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
    );
    let created: BTreeSet<&str> = objects
        .iter()
        .filter_map(|o| o["created"].as_str())
        .collect();
    assert_eq!(
        created.into_iter().collect::<Vec<_>>(),
        ["2022-10-01T00:00:00.000Z", "2026-11-23T06:00:00.123Z"]
    );
    // No sensor address can be in it: the only addresses are the sources.
    let addresses: BTreeSet<&str> = objects
        .iter()
        .filter(|o| o["type"] == "ipv4-addr" || o["type"] == "ipv6-addr")
        .filter_map(|o| o["value"].as_str())
        .collect();
    assert_eq!(
        addresses.into_iter().collect::<Vec<_>>(),
        ["192.0.2.77", "198.51.100.3", "2001:db8:0:1::2"]
    );
}

/// The keys of a JSON object in the order the text has them.
fn key_order(text: &str) -> Vec<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                keys.push(k);
            }
            Ok(keys)
        }
    }
    use serde::Deserializer;
    serde_json::Deserializer::from_str(text)
        .deserialize_map(Keys)
        .expect("an object")
}

/// What the Python check prints: the number of objects, after asserting
/// that each but the marking definition carries exactly the marking,
/// ids are unique, address ids are what `stix2` derives itself, and every
/// reference of a sighting resolves inside the bundle.
const STIX2_CHECK: &str = r#"
import json, sys
import stix2
text = open(sys.argv[1]).read()
b = stix2.parse(text, allow_custom=False)
marks = [o for o in b.objects if o.type == "marking-definition"]
assert len(marks) == 1, "one marking definition"
mark = marks[0].id
ids = [o.id for o in b.objects]
assert len(ids) == len(set(ids)), "unique ids"
for o in b.objects:
    if o.type == "marking-definition":
        continue
    assert list(o.object_marking_refs) == [mark], o.id
    if o.type in ("ipv4-addr", "ipv6-addr"):
        cls = stix2.IPv4Address if o.type == "ipv4-addr" else stix2.IPv6Address
        assert cls(value=o.value).id == o.id, o.id
    if o.type == "sighting":
        refs = [o.sighting_of_ref] + list(o.observed_data_refs) + list(o.get("where_sighted_refs", []))
        assert all(r in ids for r in refs), o.id
print(len(b.objects))
"#;

#[test]
fn stix_bundle_validates_with_python_stix2() {
    let available = Command::new("python3")
        .args(["-c", "import stix2"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !available {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but python3 with the stix2 module is not available");
        }
        eprintln!(
            "\n*** SKIPPED stix_bundle_validates_with_python_stix2: python3 or its stix2 \
             module is missing (pip install stix2 to run it) ***\n"
        );
        return;
    }
    let body = format::render(&notice(), Format::Stix).body;
    let path = std::env::temp_dir().join(format!(
        "hirundo-notify-stix-{}-{}.json",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::write(&path, &body).expect("write bundle");
    let out = Command::new("python3")
        .arg("-c")
        .arg(STIX2_CHECK)
        .arg(&path)
        .output()
        .expect("run python3");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "stix2 rejected the bundle:\n{}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "16");
}

#[test]
fn mail_subject_and_body() {
    let n = notice();
    assert_eq!(
        format::subject(&n),
        "[TLP:GREEN] hirundo: 3 sources (2 scanning, 1 DDoS victim) in your constituency, \
         2026-11-22 [HIR-N-2026-000042]"
    );
    let body = format::body_text(&n);
    assert!(body.starts_with("TLP:GREEN\nLimited disclosure: recipients can spread this"));
    // The team's formats in its order of preference.
    let stix = body.find("000042.stix.json:").expect("stix listed");
    let csv = body.find("000042.csv:").expect("csv listed");
    let jsonl = body.find("000042.jsonl:").expect("jsonl listed");
    assert!(stix < csv && csv < jsonl);
    assert!(!body.contains("-- \n\n"), "no empty url line");
}

fn team_with(name: String, short: String) -> hirundo_directory::Team {
    let mut team = notice().team;
    team.name = name;
    team.short_name = short;
    team
}

proptest! {
    #[test]
    fn subject_never_breaks_a_line(
        name in "(?s).{0,40}",
        short in "[\r\n\u{b}\u{c}\u{85}\u{2028}\u{2029}A-Z]{0,12}",
        ticket in "(?s).{0,24}",
    ) {
        let mut n = notice();
        n.team = team_with(name, short);
        n.ticket = ticket;
        let subject = format::subject(&n);
        prop_assert!(!subject.contains('\r') && !subject.contains('\n'), "{:?}", subject);
        prop_assert!(
            !subject.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
            "{:?}",
            subject
        );
        prop_assert!(subject.starts_with("[TLP:GREEN] hirundo: "));
        for f in Format::ALL {
            let name = format::render(&n, f).filename;
            prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{:?}", name);
        }
    }
}
