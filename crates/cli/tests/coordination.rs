//! Cross-border coordination through the `hirundo` binary: the Trusted
//! Introducer sample imported, routing with its reasons, incidents
//! created, updated, imported from CSV, forwarded over a real SMTP server
//! (aiosmtpd on loopback) to the routed team, refused when TLP forbids it,
//! and counted in the statistics.

mod common;

use std::path::PathBuf;

use common::{hirundo, ok};
use hirundo_testbed::smtp::SmtpSink;
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap_or_else(|e| panic!("hirundo {args:?}: {e}"))
}

fn ti_sample() -> Option<PathBuf> {
    let path = hirundo_testbed::shared("csirt/ti-teams-sample.json");
    if path.exists() {
        Some(path)
    } else {
        hirundo_testbed::skip("coordination", &format!("{} is missing", path.display()));
        None
    }
}

#[test]
fn directory_routing_and_incidents_forwarded_within_tlp() {
    let Some(sample) = ti_sample() else { return };
    let Some(sink) = SmtpSink::start("incident forwarding over SMTP", None) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    hirundo_store::SqliteStore::open(&data_dir.join("hirundo.db")).unwrap();
    let data = data_dir.to_str().unwrap();

    // Trusted Introducer's sample: four teams with their constituencies.
    let out = ok(&[
        "directory",
        "import",
        "--data",
        data,
        sample.to_str().unwrap(),
    ]);
    assert!(out.contains("4 teams imported"), "{out}");
    let listed = json(&["directory", "list", "--data", data, "--json"]);
    assert_eq!(listed["tlp"], "TLP:AMBER");
    let teams = listed["teams"].as_array().unwrap();
    let ids: Vec<&str> = teams.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["acn-ibe-csirt", "aconet-cert", "aec", "cert.at"]);
    let aconet = &teams[1];
    assert_eq!(
        aconet["constituency"]["asns"],
        serde_json::json!([679, 760])
    );
    assert_eq!(
        aconet["constituency"]["prefixes"],
        serde_json::json!(["103.0.0.0/16", "103.1.0.0/22", "103.1.4.0/24"])
    );
    assert_eq!(teams[3]["kind"], "national");
    assert_eq!(
        teams[3]["constituency"]["countries"],
        serde_json::json!(["AT"])
    );
    assert_eq!(
        teams[3]["constituency"]["domains"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Our own team, the fallback.
    let ours = dir.path().join("ours.toml");
    std::fs::write(
        &ours,
        "[[team]]\nid = \"cert-xx\"\nname = \"CERT Example\"\nshort_name = \"CERT-XX\"\nkind = \"national\"\nours = true\n\
         emails = [{ address = \"cert@cert.example.org\", usage = [\"notifications\"] }]\n",
    )
    .unwrap();
    ok(&[
        "directory",
        "import",
        "--data",
        data,
        ours.to_str().unwrap(),
    ]);

    // Routing prints its reasons: the /24 beats the /22 and /16 of the
    // same team; an address no constituency holds goes to us.
    let route = ok(&["route", "103.1.4.7", "192.0.2.1", "--data", data]);
    assert!(route.contains("103.1.4.0/24 of aconet-cert"), "{route}");
    assert!(route.contains("=> aconet-cert (ACOnet-CERT)"), "{route}");
    assert!(route.contains("=> cert-xx (CERT-XX)"), "{route}");

    // An incident, its update and its timeline.
    let made = ok(&[
        "incident",
        "create",
        "--data",
        data,
        "--title",
        "SSH brute force against a hospital",
        "--category",
        "intrusion-attempts",
        "--type",
        "brute-force",
        "--source",
        "103.1.4.7",
        "--reporter",
        "hospital-soc@example.org",
        "--occurred",
        "2026-03-02",
    ]);
    let ticket = made.split_whitespace().next().unwrap().to_owned();
    assert!(
        ticket.starts_with("HIR-I-") && ticket.ends_with("-000001"),
        "{made}"
    );
    ok(&[
        "incident",
        "update",
        "--data",
        data,
        &ticket,
        "--state",
        "open",
        "--comment",
        "asked for logs",
    ]);

    // Forwarded by mail to the routed team, and recorded on the incident.
    let config = dir.path().join("hirundo.toml");
    std::fs::write(
        &config,
        format!(
            "[notifications.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n\
             from = \"CERT-XX <notify@cert.example.org>\"\nto = [\"archive@cert.example.org\"]\n",
            sink.port()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let forwarded = ok(&[
        "incident", "forward", "--data", data, &ticket, "--config", config,
    ]);
    assert!(
        forwarded.contains("-> aconet-cert: sent as HIR-N-"),
        "{forwarded}"
    );
    let (mail, raw) = sink.message(1);
    let to: Vec<&str> = mail["rcpt_tos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(to, ["cert@aco.net", "archive@cert.example.org"]);
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.starts_with(&format!(
            "[TLP:AMBER] Incident {ticket} (intrusion-attempts/brute-force)"
        )),
        "{subject}"
    );
    assert!(raw.contains("X-Hirundo-TLP: TLP:AMBER"));
    let parts = mail["parts"].as_array().unwrap();
    assert_eq!(
        parts[0]["text"].as_str().unwrap().lines().next(),
        Some("TLP:AMBER")
    );
    let attached: Value = serde_json::from_str(
        parts
            .iter()
            .find(|p| p["filename"] == format!("{ticket}.json"))
            .unwrap()["text"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(attached["tlp"], "TLP:AMBER");
    assert_eq!(attached["events"][0]["source.ip"], "103.1.4.7");
    assert_eq!(attached["events"][0]["classification.type"], "brute-force");

    let shown = json(&["incident", "show", "--data", data, &ticket, "--json"]);
    assert_eq!(shown["tlp"], "TLP:AMBER");
    assert_eq!(shown["incident"]["state"], "forwarded");
    assert_eq!(shown["incident"]["team"], "aconet-cert");
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["what"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "state", "comment", "state", "forwarded"]);
    let notification = shown["timeline"][4]["what"]["notification"]
        .as_str()
        .unwrap();
    let log = json(&["notify", "log", "--data", data, "--json"]);
    assert_eq!(log["tlp"], "TLP:AMBER");
    let log = &log["notifications"];
    assert_eq!(log[0]["ticket"], notification);
    assert_eq!(log[0]["kind"], "incident");
    assert_eq!(log[0]["status"], "sent");
    assert_eq!(log[0]["team"], "aconet-cert");

    // TLP:RED never goes into an automated message.
    let red = ok(&[
        "incident",
        "create",
        "--data",
        data,
        "--title",
        "Named victim",
        "--category",
        "intrusions",
        "--type",
        "system-compromise",
        "--source",
        "103.1.4.8",
        "--tlp",
        "red",
    ]);
    let red = red.split_whitespace().next().unwrap().to_owned();
    let refused = hirundo(&[
        "incident", "forward", "--data", data, &red, "--config", config,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("TLP:RED: it never goes into an automated message"),
        "{why}"
    );

    // Nor does AMBER go to a team that accepts GREEN at most.
    ok(&[
        "directory",
        "set",
        "--data",
        data,
        "cert.at",
        "--max-tlp",
        "GREEN",
    ]);
    let amber = ok(&[
        "incident",
        "create",
        "--data",
        data,
        "--title",
        "Defacement",
        "--category",
        "intrusions",
        "--type",
        "application-compromise",
        "--country",
        "AT",
    ]);
    let amber = amber.split_whitespace().next().unwrap().to_owned();
    let refused = hirundo(&[
        "incident", "forward", "--data", data, &amber, "--team", "cert.at", "--config", config,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("is TLP:AMBER and cert.at accepts at most TLP:GREEN"),
        "{why}"
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.count(), 1, "a refused forward sent mail");
    assert_eq!(
        json(&["notify", "log", "--data", data, "--json"])["notifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // E-mailed reports from CSV: good rows kept, the bad one named.
    let csv = dir.path().join("reports.csv");
    std::fs::write(
        &csv,
        "title,classification.taxonomy,classification.type,time,source.ip,tlp\n\
         Spam run,abusive-content,spam,2025-06-01,192.0.2.9,green\n\
         Port scan,information-gathering,scanner,2025-07-01 10:00:00,192.0.2.10;192.0.2.11,amber\n\
         Bad one,information-gathering,scanning,2025-07-02,192.0.2.12,amber\n",
    )
    .unwrap();
    let out = hirundo(&["incident", "import", "--data", data, csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("2 incidents imported") && stdout.contains("1 rows rejected"),
        "{stdout}"
    );
    assert!(stderr.contains("reports.csv:4"), "{stderr}");

    // Statistics: 2025 holds the two imported, 2026 the three made here.
    let stats = json(&[
        "incident", "stats", "--data", data, "--json", "--year", "2025",
    ]);
    assert_eq!(
        stats["by_year"],
        serde_json::json!([{"year": 2025, "incidents": 2}, {"year": 2026, "incidents": 3}])
    );
    assert_eq!(stats["tlp"], "TLP:AMBER");
    assert_eq!(stats["by_month"][5]["incidents"], 1);
    assert_eq!(stats["by_month"][6]["incidents"], 1);
    assert_eq!(
        stats["spam_by_year"],
        serde_json::json!([{"year": 2025, "incidents": 1}])
    );
    let scan = stats["certbr_by_year"][0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "scan")
        .unwrap();
    assert_eq!(scan["incidents"], 1);
}
