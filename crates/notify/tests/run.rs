//! A notification run over a store, delivered to a team's webhook on
//! loopback: the body is signed, holds one IntelMQ event per source of
//! the team, and a failed delivery releases its source-days so that the
//! next run sends them, once. TLP:RED data is never sent.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use hirundo_analyze::Enrichment;
use hirundo_directory::Team;
use hirundo_fingerprint::Tags;
use hirundo_notify::{Channels, Feed, Settings};
use hirundo_rollup::rollup_capture;
use hirundo_simulate::{simulate_with, SimConfig};
use hirundo_store::{
    DayRange, NetworkType, NewSegment, NewSensor, NotificationStatus, SqliteStore, Store, TokenHash,
};
use hirundo_testbed::http::serve_once;
use hirundo_tlp::Tlp;
use serde_json::Value;

const SECRET: &[u8] = b"notification webhook secret, 32b";

/// A day of one sensor's simulated traffic, stored; its day number.
fn store() -> (SqliteStore, i64) {
    let enrichment = Enrichment::builtin().unwrap();
    let store = SqliteStore::open_in_memory().unwrap();
    let sensor = store
        .add_sensor(
            &NewSensor {
                name: "jp-1".into(),
                country: "JP".into(),
                network_type: NetworkType::Ix,
                addresses: vec!["198.51.100.0/24".into()],
            },
            &TokenHash([7; 32]),
        )
        .unwrap();
    let config = SimConfig {
        packets: 20_000,
        days: 1,
        seed: 5,
        ..SimConfig::default()
    };
    let mut pcap = Vec::new();
    simulate_with(&config, "jp-1", &mut pcap, Some(&enrichment)).unwrap();
    let rolled = rollup_capture(
        Box::new(std::io::Cursor::new(pcap)),
        Some(&enrichment),
        u64::MAX,
    )
    .unwrap();
    store
        .commit_segment(
            &NewSegment {
                sensor: sensor.id,
                seq: 0,
                sha256: [1; 32],
                size: 0,
                received_ns: 0,
                archive: String::new(),
            },
            &rolled.rollup,
        )
        .unwrap();
    (store, config.start_ns.div_euclid(86_400_000_000_000))
}

fn ours(webhook: &str) -> Team {
    let mut team = hirundo_directory::from_toml(
        "[[team]]\nid = \"ours\"\nname = \"Ours\"\nshort_name = \"OURS\"\nkind = \"national\"\nours = true\n",
    )
    .unwrap()
    .remove(0);
    team.webhook = Some(webhook.to_owned());
    team
}

fn settings(tlp: Tlp) -> Settings {
    Settings {
        tlp,
        include_research: false,
        feed: Feed {
            name: "hirundo-darknet".into(),
            provider: "CERT-Test".into(),
            url: None,
        },
        max_sources: hirundo_notify::plan::MAX_SOURCES,
    }
}

fn channels() -> Channels {
    Channels {
        mailer: None,
        webhook_secrets: [("ours".to_owned(), SECRET.to_vec())].into(),
        webhook_timeout: Some(Duration::from_secs(10)),
    }
}

#[test]
fn webhook_gets_signed_events_and_a_failure_is_retried_once() {
    let (store, day) = store();
    let rows = store
        .source_days(
            DayRange {
                from: day,
                to: day + 1,
            },
            None,
        )
        .unwrap();
    let expected: BTreeSet<IpAddr> = rows
        .iter()
        .filter(|r| !r.tags.contains(Tags::SPOOFED) && r.research.is_none())
        .map(|r| r.source)
        .collect();
    assert!(expected.len() > 100, "{}", expected.len());
    eprintln!("{} reportable sources on the simulated day", expected.len());

    // First the receiver fails: the notice is logged as failed and its
    // source-days are free again.
    let (url, received) = serve_once("503 Service Unavailable", b"try later".to_vec());
    store.put_team(&ours(&format!("{url}/in")), 0).unwrap();
    let report = hirundo_notify::run(&store, day, &settings(Tlp::Green), &channels(), 1).unwrap();
    received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(report.outcomes.len(), 1);
    assert_eq!(report.outcomes[0].status, NotificationStatus::Failed);
    assert!(
        report.outcomes[0].detail.contains("503"),
        "{}",
        report.outcomes[0].detail
    );
    assert!(store.notified("ours", DayRange::ALL).unwrap().is_empty());

    // Then it works: every source arrives, signed, once.
    let (url, received) = serve_once("204 No Content", Vec::new());
    store.put_team(&ours(&format!("{url}/in")), 0).unwrap();
    let report = hirundo_notify::run(&store, day, &settings(Tlp::Green), &channels(), 2).unwrap();
    let request = received.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(report.outcomes[0].status, NotificationStatus::Sent);
    let ticket = report.outcomes[0].ticket.clone().unwrap();
    assert!(hirundo_deliver::verify(
        SECRET,
        request.header("x-hirundo-timestamp"),
        &request.body,
        request.header("x-hirundo-signature"),
    ));
    assert_eq!(request.header("x-hirundo-ticket"), ticket);
    assert_eq!(request.header("x-hirundo-tlp"), "TLP:GREEN");
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["schema"], "hirundo.notification/1");
    assert_eq!(body["tlp"], "TLP:GREEN");
    let got: BTreeSet<IpAddr> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source.ip"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        store.notified("ours", DayRange::ALL).unwrap().len(),
        expected.len()
    );

    // A third run has nothing to send (nothing listens now: an attempt
    // would fail).
    let report = hirundo_notify::run(&store, day, &settings(Tlp::Green), &channels(), 3).unwrap();
    assert!(report.outcomes.is_empty(), "{:?}", report.outcomes);
    assert_eq!(report.skipped.already_sent, expected.len() as u64);
    let log = store.notifications(i64::MIN, i64::MAX, None, 10).unwrap();
    let statuses: Vec<&str> = log.iter().map(|n| n.status.as_str()).collect();
    assert_eq!(statuses, ["sent", "failed"]);
}

#[test]
fn red_data_is_never_sent_and_is_logged_once() {
    let (store, day) = store();
    store
        .put_team(&ours("http://127.0.0.1:9/never"), 0)
        .unwrap();
    for now in [1, 2] {
        let report =
            hirundo_notify::run(&store, day, &settings(Tlp::Red), &channels(), now).unwrap();
        assert_eq!(report.outcomes[0].status, NotificationStatus::Withheld);
        assert!(report.outcomes[0]
            .detail
            .contains("TLP:RED data never goes into an automated notification"));
    }
    assert!(store.notified("ours", DayRange::ALL).unwrap().is_empty());
    assert_eq!(
        store
            .notifications(i64::MIN, i64::MAX, None, 10)
            .unwrap()
            .len(),
        1
    );
}
