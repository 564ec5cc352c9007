//! `hirundo query`, `hirundo report` and `hirundo alerts` on a collector
//! folder filled by `hirundo import`: their figures must equal what
//! `hirundo analyze` reads from the same captures.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn hirundo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hirundo"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Value {
    let out = hirundo(args);
    assert!(
        out.status.success(),
        "hirundo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("hirundo {args:?}: {e}"))
}

/// Two sensors, JP and BR, a week of March 2026 each.
fn collector(dir: &Path) -> (String, Vec<String>) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    hirundo_store::SqliteStore::open(&data.join("hirundo.db")).unwrap();
    let data = data.to_str().unwrap().to_string();
    let mut files = Vec::new();
    for (i, (name, cc)) in [("jp-1", "JP"), ("br-1", "BR")].into_iter().enumerate() {
        let out = hirundo(&[
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
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = dir
            .join(format!("{name}.pcap"))
            .to_str()
            .unwrap()
            .to_string();
        let out = hirundo(&[
            "simulate",
            "--out",
            &file,
            "--packets",
            "150000",
            "--days",
            "7",
            "--start",
            "2026-03-01T00:00:00Z",
            "--seed",
            &(i + 3).to_string(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = hirundo(&["import", "--sensor", name, "--data", &data, &file]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(file);
    }
    (data, files)
}

#[test]
fn queries_report_and_alerts_agree_with_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let (data, files) = collector(dir.path());
    let mut args = vec!["analyze", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let truth = ok(&args);
    let ports = truth["ports"].as_array().unwrap();
    let week = "2026-03-01..2026-03-07";

    let top = ok(&[
        "query", "top", "--dim", "port", "--period", week, "--limit", "5", "--data", &data,
    ]);
    let rows = top["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for (row, want) in rows.iter().zip(ports) {
        let label = format!("{}/{}", want["port"], want["proto"].as_str().unwrap());
        assert_eq!(row["key"].as_str().unwrap(), label);
        assert_eq!(row["packets"], want["packets"], "{label}");
        // Two sensors, seven days each.
        let per = row["per_sensor_per_day"].as_f64().unwrap();
        assert!((per - want["packets"].as_f64().unwrap() / 14.0).abs() < 1e-9);
    }
    assert_eq!(top["sensor_days"], 14);

    let series = ok(&[
        "query",
        "series",
        "--what",
        "port:tcp/23",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-08",
        "--grain",
        "week",
        "--data",
        &data,
    ]);
    let weekly: u64 = series["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["packets"].as_u64().unwrap())
        .sum();
    let telnet = ports
        .iter()
        .find(|p| p["port"] == 23 && p["proto"] == "tcp")
        .unwrap();
    assert_eq!(weekly, telnet["packets"].as_u64().unwrap());
    let jp_only = ok(&[
        "query",
        "series",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-08",
        "--sensor",
        "jp-1",
        "--data",
        &data,
    ]);
    let jp: u64 = jp_only["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["packets"].as_u64().unwrap())
        .sum();
    assert_eq!(jp, 150_000);

    let sources = ok(&["query", "sources", "--period", week, "--data", &data]);
    assert_eq!(sources["sources"], truth["sources"]);

    let sensors = ok(&[
        "query", "sensors", "--period", week, "--home", "JP", "--data", &data,
    ]);
    assert_eq!(sensors["domestic"]["domestic_sensors"], 1);
    assert_eq!(sensors["domestic"]["overseas_sensors"], 1);
    assert!(
        (sensors["domestic"]["domestic_per_sensor_per_day"]
            .as_f64()
            .unwrap()
            - 150_000.0 / 7.0)
            .abs()
            < 1e-6
    );

    let report = ok(&[
        "report", "--period", week, "--format", "json", "--home", "JP", "--data", &data,
    ]);
    assert_eq!(report["schema"], "hirundo.report/1");
    assert_eq!(report["overview"]["packets"], truth["packets"]);
    assert_eq!(report["top_ports"][0]["port"], ports[0]["port"]);
    assert_eq!(report["top_ports"][0]["packets"], ports[0]["packets"]);

    // A week of data is the detector's warm-up: it runs, raises nothing.
    let scan = hirundo(&["alerts", "scan", "--period", week, "--data", &data]);
    assert!(
        scan.status.success(),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    assert!(String::from_utf8_lossy(&scan.stdout).contains("0 opened"));

    for (args, needle) in [
        (
            vec!["report", "--period", "2026Q5", "--data", &data],
            "quarter must be 1 to 4",
        ),
        (
            vec![
                "query", "top", "--dim", "city", "--period", week, "--data", &data,
            ],
            "use port, country, asn or sensor",
        ),
        (
            vec![
                "query",
                "series",
                "--what",
                "port:tcp/99999",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
                "--data",
                &data,
            ],
            "99999",
        ),
    ] {
        let out = hirundo(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
