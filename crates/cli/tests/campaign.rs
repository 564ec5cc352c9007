//! `hirundo simulate --campaign`: the campaigns file says exactly what
//! `hirundo analyze` finds on top of the same capture without them, and a
//! country's campaign comes from addresses the shipped data puts there.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Command, Output};

use hirundo_capture::CaptureReader;
use hirundo_geo::Geo;
use hirundo_packet::{decode, IpSlice};
use hirundo_summary::{PortProto, Summary, Timestamp};
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hirundo"))
        .args(args)
        .output()
        .expect("running hirundo")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Simulates seed 11's three days into `dir/NAME.pcap` with `campaigns`,
/// writing `NAME.json` (the truth) and `NAME-campaigns.json`.
fn simulate(dir: &Path, name: &str, campaigns: &[String]) -> (String, Summary, Value) {
    let capture = dir.join(format!("{name}.pcap"));
    let truth = dir.join(format!("{name}.json"));
    let out_file = dir.join(format!("{name}-campaigns.json"));
    let mut args = vec![
        "simulate".to_string(),
        "--out".into(),
        capture.display().to_string(),
        "--packets".into(),
        "20000".into(),
        "--days".into(),
        "3".into(),
        "--seed".into(),
        "11".into(),
        "--truth".into(),
        truth.display().to_string(),
        "--campaigns-out".into(),
        out_file.display().to_string(),
    ];
    for c in campaigns {
        args.push("--campaign".into());
        args.push(c.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(out.status.success(), "simulate failed: {}", stderr(&out));
    let truth: Summary = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    let file: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(file["schema"], "hirundo.campaigns/1");
    (capture.display().to_string(), truth, file)
}

fn analyze(capture: &str) -> Summary {
    let out = run(&["analyze", "--format", "json", capture]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn port(summary: &Summary, proto: PortProto, port: u16) -> (u64, u64) {
    summary
        .ports
        .iter()
        .find(|c| c.proto == proto && c.port == port)
        .map_or((0, 0), |c| (c.packets, c.sources))
}

/// IPv4 sources of the capture, with the (proto, port) they sent to.
fn sources(capture: &str) -> BTreeSet<(Ipv4Addr, u8, u16)> {
    let file = BufReader::new(File::open(capture).unwrap());
    let mut reader = CaptureReader::new(Box::new(file)).unwrap();
    let mut out = BTreeSet::new();
    while let Some(record) = reader.next_record().unwrap() {
        let Ok(packet) = decode(record.link, record.data) else {
            continue;
        };
        if let (IpSlice::V4(ip), Some((_, dst_port))) = (packet.ip, packet.ports()) {
            out.insert((ip.source_u32().into(), packet.protocol, dst_port));
        }
    }
    out
}

#[test]
fn campaigns_add_exactly_what_the_campaigns_file_says() {
    let dir = tempfile::tempdir().unwrap();
    let (control_capture, control_truth, control_file) = simulate(dir.path(), "control", &[]);
    assert_eq!(control_file["campaigns"], Value::Array(vec![]));
    let control = analyze(&control_capture);
    assert_eq!(control, control_truth);
    // A port the background never touches.
    let unseen = (1000..)
        .find(|&p| port(&control, PortProto::Tcp, p) == (0, 0))
        .unwrap();
    let specs = [
        "port=8728/tcp,start=2026-01-02T03:00:00Z,sources=40,rate=0.2,duration=6h,country=BR,label=mikrotik"
            .to_string(),
        "label=snmp,rate=0.05,sources=25,port=161/udp,start=+1d12h,duration=10h".to_string(),
        format!("port={unseen}/tcp,start=+2d,sources=300,rate=0.1,duration=12h"),
    ];
    let (capture, truth, file) = simulate(dir.path(), "campaigns", &specs);
    let summary = analyze(&capture);
    assert_eq!(summary, truth, "analyze differs from the truth");

    let campaigns = file["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), 3);
    let mut added = 0;
    for (c, (proto, port_number, packets, start, end)) in campaigns.iter().zip([
        (
            PortProto::Tcp,
            8728,
            4_320,
            "2026-01-02T03:00:00",
            "2026-01-02T09:00:00",
        ),
        (
            PortProto::Udp,
            161,
            1_800,
            "2026-01-02T12:00:00",
            "2026-01-02T22:00:00",
        ),
        (
            PortProto::Tcp,
            unseen,
            4_320,
            "2026-01-03T00:00:00",
            "2026-01-03T12:00:00",
        ),
    ]) {
        assert_eq!(c["proto"], proto.as_str());
        assert_eq!(c["port"], port_number);
        assert_eq!(c["packets"], packets, "{c}");
        let ts = |key: &str| c[key].as_str().unwrap().parse::<Timestamp>().unwrap();
        assert_eq!(ts("start").to_string(), format!("{start}.000000000Z"));
        assert_eq!(ts("end").to_string(), format!("{end}.000000000Z"));
        assert!(
            ts("first_ts") >= ts("start") && ts("last_ts") < ts("end"),
            "{c}"
        );
        let sent = c["sources"].as_u64().unwrap();
        assert_eq!(sent, c["requested_sources"].as_u64().unwrap(), "{c}");
        // The campaign adds exactly its packets and sources to the port.
        let (p, s) = port(&summary, proto, port_number);
        let (bp, bs) = port(&control, proto, port_number);
        assert_eq!((p, s), (bp + packets, bs + sent), "{c}");
        added += packets;
    }
    assert_eq!(summary.packets, control.packets + added);
    assert_eq!(campaigns[0]["country"], "BR");
    assert_eq!(campaigns[0]["label"], "mikrotik");
    assert_eq!(campaigns[2]["country"], Value::Null);
    assert_eq!(campaigns[2]["label"], Value::Null);

    // The background is the same in both captures, so the sources only the
    // campaign capture has are the campaigns'; those of the BR campaign
    // are all in Brazil for the shipped data.
    let control_sources: BTreeSet<Ipv4Addr> =
        sources(&control_capture).iter().map(|s| s.0).collect();
    let new: Vec<(Ipv4Addr, u8, u16)> = sources(&capture)
        .into_iter()
        .filter(|s| !control_sources.contains(&s.0))
        .collect();
    assert_eq!(new.len(), 40 + 25 + 300);
    let geo = Geo::builtin().unwrap();
    let brazilian: Vec<_> = new.iter().filter(|s| s.2 == 8728).collect();
    assert_eq!(brazilian.len(), 40);
    for (addr, _, _) in brazilian {
        let country = geo
            .country(IpAddr::V4(*addr))
            .map(|a| a.country.to_string());
        assert_eq!(country.as_deref(), Some("BR"), "{addr}");
    }
}

#[test]
fn bad_campaigns_exit_2_and_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("x.pcap");
    let out_path = out_file.to_str().unwrap();
    for (spec, expected) in [
        (
            "port=0/tcp,start=+1h,sources=4,rate=1",
            "port=\"0/tcp\": expected PORT/tcp or PORT/udp",
        ),
        ("port=22/tcp,start=+1h,sources=4", "rate= is missing"),
        (
            "port=22/tcp,start=+1h,sources=4,rate=1,country=XX",
            "campaign 1 (22/tcp): the shipped IP data places no IPv4 address in XX",
        ),
        (
            "port=22/tcp,start=+2d,sources=4,rate=1,label=late",
            "campaign 1 (late): starts at 2026-01-03T00:00:00.000000000Z, outside the capture",
        ),
    ] {
        let out = run(&[
            "simulate",
            "--out",
            out_path,
            "--packets",
            "100",
            "--campaign",
            spec,
        ]);
        assert_eq!(out.status.code(), Some(2), "{spec}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{spec}: {}", stderr(&out));
    }
}
