//! The daily notifications end to end, through the `hirundo` binary:
//! two simulated sensors' day imported, a directory with a prefix team, an
//! AS team, national teams (one with a TLP:GREEN ceiling, one opted out)
//! and our own team, and a real SMTP server on loopback (aiosmtpd).
//!
//! Checked against the store, recomputed here without the routing code:
//! one message per team that may receive one, holding exactly the sources
//! of its constituency, its CSV, JSON lines and STIX attachments parsing
//! (the STIX with the `stix2` library); nothing to the GREEN team or the
//! team that opted out; a second run sends nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use common::ok;
use hirundo_fingerprint::Tags;
use hirundo_store::{DayRange, SourceDayRow, SqliteStore, Store};
use hirundo_testbed::smtp::SmtpSink;
use serde_json::Value;

const DAY: &str = "2026-03-01";

/// Two sensors, JP and BR, two days from `DAY`.
fn collector(dir: &Path) -> String {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    SqliteStore::open(&data.join("hirundo.db")).unwrap();
    let data = data.to_str().unwrap().to_string();
    for (i, (name, cc)) in [("jp-1", "JP"), ("br-1", "BR")].into_iter().enumerate() {
        ok(&[
            "sensor",
            "add",
            name,
            "--country",
            cc,
            "--network-type",
            "xdsl",
            "--addresses",
            &format!("192.0.2.{}/32", i + 1),
            "--data",
            &data,
        ]);
        let file = dir.join(format!("{name}.pcap"));
        let file = file.to_str().unwrap();
        ok(&[
            "simulate",
            "--out",
            file,
            "--packets",
            "60000",
            "--days",
            "2",
            "--start",
            "2026-03-01T00:00:00Z",
            "--seed",
            &(i + 11).to_string(),
        ]);
        ok(&["import", "--sensor", name, "--data", &data, file]);
    }
    data
}

/// What the run may tell anyone: genuine sources, not research scanners.
fn reportable(row: &SourceDayRow) -> bool {
    !row.tags.contains(Tags::SPOOFED) && row.research.is_none()
}

fn prefix16(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.0.0/16", o[0], o[1]))
        }
        IpAddr::V6(_) => None,
    }
}

fn in16(ip: IpAddr, prefix: &str) -> bool {
    prefix16(ip).as_deref() == Some(prefix)
}

fn team(id: &str, kind: &str, extra: &str) -> String {
    format!(
        "[[team]]\nid = \"{id}\"\nname = \"Team {id}\"\nshort_name = \"{id}\"\nkind = \"{kind}\"\n\
         emails = [{{ address = \"{id}@teams.example.org\", usage = [\"notifications\"] }}]\n{extra}\n"
    )
}

fn attachment<'a>(message: &'a Value, suffix: &str) -> &'a str {
    message["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["filename"].as_str().is_some_and(|f| f.ends_with(suffix)))
        .unwrap_or_else(|| panic!("no {suffix} attachment in {}", message["subject"]))["text"]
        .as_str()
        .unwrap()
}

/// The `stix2` library's verdict on a bundle; `None` when it is missing
/// outside CI (skipped loudly).
fn stix2_parses(bundle: &str, dir: &Path) -> Option<Result<(), String>> {
    let file = dir.join("bundle.json");
    std::fs::write(&file, bundle).unwrap();
    let probe = Command::new("python3")
        .args(["-c", "import stix2"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        hirundo_testbed::skip(
            "STIX validation",
            "python3 cannot import stix2 (pip install stix2)",
        );
        return None;
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, stix2\nb = stix2.parse(open(sys.argv[1]).read(), allow_custom=False)\n\
             marked = [o for o in b.objects if o.type != 'marking-definition' and not o.get('object_marking_refs') and o.type not in ('ipv4-addr', 'ipv6-addr')]\n\
             assert not marked, marked\nprint(len(b.objects))",
        ])
        .arg(&file)
        .output()
        .unwrap();
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

#[test]
fn each_team_gets_its_own_sources_once_and_within_its_ceiling() {
    let Some(sink) = SmtpSink::start("notifications over SMTP", None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = collector(dir.path());
    let day = hirundo_calendar::parse_date(DAY).unwrap();
    let store = SqliteStore::open(&Path::new(&data).join("hirundo.db")).unwrap();
    let rows: Vec<SourceDayRow> = store
        .source_days(
            DayRange {
                from: day,
                to: day + 1,
            },
            None,
        )
        .unwrap()
        .into_iter()
        .filter(reportable)
        .collect();
    assert!(rows.len() > 200, "only {} sources", rows.len());

    // The constituencies, from what the day holds: the /16 with the most
    // sources for an ISP desk; another source's AS for an AS desk; the three
    // busiest countries for national teams (the second with a GREEN
    // ceiling, the third opted out); our team for the rest.
    let mut per16: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        if let Some(p) = prefix16(r.source) {
            *per16.entry(p).or_default() += 1;
        }
    }
    let isp_prefix = per16
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse(p.as_str())))
        .unwrap()
        .0
        .clone();
    let asn = rows
        .iter()
        .find(|r| r.asn != 0 && !in16(r.source, &isp_prefix))
        .unwrap()
        .asn;
    let mut by_country: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &rows {
        if r.cc != "ZZ" {
            *by_country.entry(r.cc.as_str()).or_default() += 1;
        }
    }
    let mut countries: Vec<(&str, u64)> = by_country.into_iter().collect();
    countries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let (cc_send, cc_green, cc_out) = (countries[0].0, countries[1].0, countries[2].0);

    let directory = [
        team(
            "isp-desk",
            "isp-abuse",
            &format!("[team.constituency]\nprefixes = [\"{isp_prefix}\"]"),
        ),
        team(
            "as-desk",
            "isp-abuse",
            &format!("[team.constituency]\nasns = [{asn}]"),
        ),
        team(
            "nat-send",
            "national",
            &format!("country = \"{cc_send}\"\n[team.constituency]\ncountries = [\"{cc_send}\"]"),
        ),
        team(
            "nat-green",
            "national",
            &format!("max_tlp = \"TLP:GREEN\"\n[team.constituency]\ncountries = [\"{cc_green}\"]"),
        ),
        team(
            "nat-out",
            "national",
            &format!("opt_out = true\n[team.constituency]\ncountries = [\"{cc_out}\"]"),
        ),
        team("ours", "national", "ours = true"),
    ]
    .join("\n");
    let file = dir.path().join("directory.toml");
    std::fs::write(&file, directory).unwrap();
    ok(&[
        "directory",
        "import",
        "--data",
        &data,
        file.to_str().unwrap(),
    ]);

    // The expected recipients of every source, without the routing code.
    let mut expected: BTreeMap<&str, BTreeSet<IpAddr>> = BTreeMap::new();
    for r in &rows {
        let team = if in16(r.source, &isp_prefix) {
            "isp-desk"
        } else if r.asn == asn {
            "as-desk"
        } else if r.cc == cc_send {
            "nat-send"
        } else if r.cc == cc_green {
            "nat-green"
        } else if r.cc == cc_out {
            "nat-out"
        } else {
            "ours"
        };
        expected.entry(team).or_default().insert(r.source);
    }
    for t in [
        "isp-desk",
        "as-desk",
        "nat-send",
        "nat-green",
        "nat-out",
        "ours",
    ] {
        assert!(
            expected.get(t).is_some_and(|s| !s.is_empty()),
            "no source for {t}"
        );
    }
    eprintln!(
        "{} reportable sources on {DAY}: {}",
        rows.len(),
        expected
            .iter()
            .map(|(t, s)| format!("{t} {}", s.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let config = dir.path().join("hirundo.toml");
    std::fs::write(
        &config,
        format!(
            "[notifications]\nprovider = \"CERT-Test\"\n[notifications.smtp]\nhost = \"127.0.0.1\"\nport = {}\n\
             tls = \"none\"\nfrom = \"CERT-Test <notify@cert.example.org>\"\nto = [\"archive@cert.example.org\"]\n",
            sink.port()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // A preview sends and stores nothing.
    let preview = ok(&[
        "notify", "preview", "--data", &data, "--day", DAY, "--config", config,
    ]);
    assert!(
        preview.contains("nat-green") && preview.contains("withheld"),
        "{preview}"
    );
    assert_eq!(sink.count(), 0);
    assert!(store
        .notifications(i64::MIN, i64::MAX, None, 10)
        .unwrap()
        .is_empty());

    let out = ok(&[
        "notify", "run", "--data", &data, "--day", DAY, "--config", config,
    ]);
    let senders = ["isp-desk", "as-desk", "nat-send", "ours"];
    for n in 1..=senders.len() {
        sink.message(n);
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(sink.count(), senders.len(), "{out}");

    let mut seen = BTreeSet::new();
    for n in 1..=senders.len() {
        let (m, raw) = sink.message(n);
        let to: Vec<&str> = m["rcpt_tos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let team = to
            .iter()
            .find_map(|a| a.strip_suffix("@teams.example.org"))
            .unwrap_or_else(|| panic!("no team among {to:?}"));
        assert!(to.contains(&"archive@cert.example.org"), "{to:?}");
        assert!(seen.insert(team.to_owned()), "{team} got two messages");
        let subject = m["subject"].as_str().unwrap();
        assert!(subject.starts_with("[TLP:AMBER] "), "{subject}");
        assert!(raw.contains("X-Hirundo-TLP: TLP:AMBER"));
        let want = &expected[team];

        let csv = attachment(&m, ".csv");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("no {name} column"))
        };
        let (src, dst) = (col("src_ip"), col("dst_ip"));
        let mut got = BTreeSet::new();
        for record in reader.records() {
            let record = record.unwrap();
            assert_eq!(&record[dst], "", "a sensor address left in the CSV");
            got.insert(record[src].parse::<IpAddr>().unwrap());
        }
        assert_eq!(&got, want, "{team}: CSV sources");

        let jsonl = attachment(&m, ".jsonl");
        let mut got = BTreeSet::new();
        for line in jsonl.lines() {
            let event: Value = serde_json::from_str(line).unwrap();
            assert!(
                matches!(
                    (
                        event["classification.taxonomy"].as_str(),
                        event["classification.type"].as_str()
                    ),
                    (Some("information-gathering"), Some("scanner"))
                        | (Some("availability"), Some("ddos"))
                ),
                "{event}"
            );
            assert_eq!(event["tlp"], "AMBER");
            assert_eq!(event["feed.provider"], "CERT-Test");
            got.insert(
                event["source.ip"]
                    .as_str()
                    .unwrap()
                    .parse::<IpAddr>()
                    .unwrap(),
            );
        }
        assert_eq!(&got, want, "{team}: JSON lines sources");

        let stix = attachment(&m, ".stix.json");
        let bundle: Value = serde_json::from_str(stix).unwrap();
        let mut got = BTreeSet::new();
        for o in bundle["objects"].as_array().unwrap() {
            if matches!(o["type"].as_str(), Some("ipv4-addr" | "ipv6-addr")) {
                got.insert(o["value"].as_str().unwrap().parse::<IpAddr>().unwrap());
            }
        }
        assert_eq!(&got, want, "{team}: STIX sources");
        if let Some(verdict) = stix2_parses(stix, dir.path()) {
            verdict.unwrap_or_else(|e| panic!("{team}: stix2 refuses the bundle: {e}"));
        }
    }
    assert_eq!(seen, senders.iter().map(|s| s.to_string()).collect());

    // The log: sent to four, withheld from the GREEN team, the opted-out
    // team noted; every source-day in the ledger once.
    let log = store.notifications(i64::MIN, i64::MAX, None, 100).unwrap();
    let status: BTreeMap<&str, &str> = log
        .iter()
        .map(|n| (n.team.as_str(), n.status.as_str()))
        .collect();
    for t in senders {
        assert_eq!(status[t], "sent", "{log:?}");
    }
    assert_eq!(status["nat-green"], "withheld");
    assert_eq!(status["nat-out"], "opted-out");
    let green = log.iter().find(|n| n.team == "nat-green").unwrap();
    assert!(
        green.detail.contains("accepts at most TLP:GREEN"),
        "{}",
        green.detail
    );
    for t in senders {
        let ledger = store
            .notified(
                t,
                DayRange {
                    from: day,
                    to: day + 1,
                },
            )
            .unwrap();
        assert_eq!(ledger.len(), expected[t].len(), "{t}");
    }
    assert!(store
        .notified("nat-green", DayRange::ALL)
        .unwrap()
        .is_empty());

    // The same day again: nothing new is sent or logged.
    let again = ok(&[
        "notify", "run", "--data", &data, "--day", DAY, "--config", config,
    ]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(sink.count(), senders.len(), "{again}");
    assert_eq!(
        store
            .notifications(i64::MIN, i64::MAX, None, 100)
            .unwrap()
            .len(),
        log.len()
    );
    let sent_again: usize = expected
        .iter()
        .filter(|(t, _)| senders.contains(t))
        .map(|(_, s)| s.len())
        .sum();
    assert!(
        again.contains(&format!("{sent_again} already sent")),
        "{again}"
    );
}
