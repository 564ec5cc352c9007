//! The `hirundo` binary end to end: what an analyst types, what comes out,
//! and the exit status scripts rely on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hirundo_summary::Summary;

fn hirundo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hirundo"))
}

fn run(args: &[&str]) -> Output {
    hirundo().args(args).output().expect("running hirundo")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn summary(out: &Output) -> Summary {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a summary ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Simulates `packets` into `dir`, returning the capture and its truth.
fn simulate(dir: &Path, format: &str, seed: u64, packets: u64) -> (PathBuf, Summary) {
    let capture = dir.join(format!("sim-{seed}.{format}"));
    let truth = dir.join(format!("sim-{seed}-{format}.json"));
    let out = run(&[
        "simulate",
        "--out",
        capture.to_str().unwrap(),
        "--packets",
        &packets.to_string(),
        "--seed",
        &seed.to_string(),
        "--format",
        format,
        "--truth",
        truth.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "simulate failed: {}", stderr(&out));
    let truth: Summary = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    (capture, truth)
}

#[test]
fn analyze_equals_simulate_truth_for_pcap_and_pcapng_and_three_seeds() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["pcap", "pcapng"] {
        for seed in [1, 2, 3] {
            let (capture, truth) = simulate(dir.path(), format, seed, 30_000);
            let out = run(&["analyze", "--format", "json", capture.to_str().unwrap()]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(stderr(&out), "", "a clean capture has nothing to report");
            let analysed = summary(&out);
            assert_eq!(analysed, truth, "{format} seed {seed}");
            // The truth is not trivially empty.
            assert_eq!(truth.packets, 30_000);
            assert!(
                truth.sources > 1_000 && truth.ports.len() > 100,
                "{format} seed {seed}"
            );
            assert!(truth.errors.not_ip > 0 && truth.protocols.icmpv6 > 0);
            // Countries and ASNs come from the shipped data for both sides.
            let countries = truth.countries.as_ref().expect("countries");
            assert!(countries.len() > 20 && truth.asns.as_ref().is_some_and(|a| a.len() > 50));
            assert_eq!(
                countries.iter().map(|c| c.sources).sum::<u64>(),
                truth.sources
            );
            // Every fingerprint is exercised, so the equality checks the rules.
            let fingerprints = truth.fingerprints.as_ref().expect("fingerprints");
            for name in [
                "mirai",
                "zmap",
                "masscan",
                "backscatter",
                "spoofed",
                "research_heuristic",
            ] {
                let tally = fingerprints[name];
                assert!(tally.packets > 0 && tally.sources > 0, "{name}: {tally:?}");
            }
        }
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        std::fs::create_dir(d).unwrap();
    }
    let a = simulate(&a, "pcapng", 9, 2_000).0;
    let b = simulate(&b, "pcapng", 9, 2_000).0;
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn standard_input_gzip_and_zstd_read_the_same_as_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, truth) = simulate(dir.path(), "pcap", 4, 5_000);
    let bytes = std::fs::read(&capture).unwrap();

    let gz = dir.path().join("renamed.bin");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&bytes).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("capture.pcap.gz"); // a lying name: content decides
    std::fs::write(&zst, zstd::encode_all(&bytes[..], 1).unwrap()).unwrap();

    for path in [&gz, &zst] {
        let out = run(&["analyze", "--format", "json", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut got = summary(&out);
        assert_eq!(got.files[0].path, path.to_str().unwrap());
        got.files = truth.files.clone();
        assert_eq!(got, truth, "{}", path.display());
    }

    let mut child = hirundo()
        .args(["analyze", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let got = summary(&out);
    assert_eq!(got.files[0].path, "-");
    assert_eq!(
        (got.packets, got.bytes, &got.ports),
        (truth.packets, truth.bytes, &truth.ports)
    );
}

#[test]
fn text_report_names_services_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, truth) = simulate(dir.path(), "pcap", 5, 20_000);
    let out = run(&["analyze", "--top", "5", capture.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "no progress bar when not on a terminal");
    let text = String::from_utf8(out.stdout).unwrap();
    let top = &truth.ports[0];
    assert_eq!(
        (top.port, top.proto.as_str()),
        (23, "tcp"),
        "telnet leads a simulated darknet"
    );
    let line = text
        .lines()
        .find(|l| l.contains("23/tcp telnet"))
        .expect("23/tcp telnet row");
    assert!(line.trim_start().starts_with("1 "), "{line}");
    assert!(
        line.contains(&hirundo_summary::group(top.packets)),
        "{line}"
    );
    assert!(text.contains("Top 5 destination ports"), "{text}");
    assert!(
        text.contains(&format!(
            "Distinct sources: {}",
            hirundo_summary::group(truth.sources)
        )),
        "{text}"
    );
    assert!(
        text.contains("not_ip"),
        "ARP is reported as not decoded: {text}"
    );
    let rows = text
        .lines()
        .filter(|l| l.contains("/tcp ") || l.contains("/udp "))
        .count();
    assert_eq!(rows, 5, "{text}");
}

#[test]
fn json_top_limits_ports_only() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, truth) = simulate(dir.path(), "pcap", 6, 3_000);
    let out = run(&[
        "analyze",
        "--format",
        "json",
        "--top",
        "3",
        capture.to_str().unwrap(),
    ]);
    let got = summary(&out);
    assert_eq!(got.ports, truth.ports[..3]);
    assert_eq!((got.packets, got.sources), (truth.packets, truth.sources));
}

#[test]
fn a_file_that_is_not_a_capture_is_named_with_its_offset_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "<!DOCTYPE html>").unwrap();
    let out = run(&["analyze", "--format", "json", notes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "hirundo: {}: byte 0: not a capture",
            notes.display()
        )),
        "{err}"
    );
    // Still a summary, of nothing.
    assert_eq!(summary(&out).packets, 0);
}

#[test]
fn what_can_be_read_is_counted_and_the_rest_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, truth) = simulate(dir.path(), "pcap", 7, 1_000);
    let mut bytes = std::fs::read(&capture).unwrap();
    // Cut the last record in half.
    bytes.truncate(bytes.len() - 30);
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes).unwrap();
    let missing = dir.path().join("missing.pcap");

    let out = run(&[
        "analyze",
        "--format",
        "json",
        cut.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "partial read");
    let got = summary(&out);
    assert_eq!(got.packets, truth.packets - 1);
    assert_eq!(got.files.len(), 1);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("cut.pcap: byte ") && lines[0].contains("cut short"),
        "{err}"
    );
    assert!(lines[1].contains("missing.pcap"), "{err}");
}

#[test]
fn a_pcapng_block_length_that_lies_is_reported_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, _) = simulate(dir.path(), "pcapng", 8, 10);
    let mut bytes = std::fs::read(&capture).unwrap();
    // SHB (28 bytes as written) then IDB: make the IDB's length not a multiple of 4.
    let shb_len = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    bytes[shb_len + 4] = bytes[shb_len + 4].wrapping_add(1);
    let bad = dir.path().join("bad.pcapng");
    std::fs::write(&bad, &bytes).unwrap();
    let out = run(&["analyze", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("hirundo: {}: byte {shb_len}: ", bad.display())),
        "{err}"
    );
    assert!(err.contains("multiple of 4"), "{err}");
}

#[test]
fn a_record_longer_than_its_snaplen_is_reported_but_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, truth) = simulate(dir.path(), "pcap", 9, 10);
    let mut bytes = std::fs::read(&capture).unwrap();
    // Shrink the file's snaplen below the frames' lengths.
    bytes[16..20].copy_from_slice(&40u32.to_le_bytes());
    let small = dir.path().join("small-snaplen.pcap");
    std::fs::write(&small, &bytes).unwrap();
    let out = run(&["analyze", "--format", "json", small.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "a warning, not a failure");
    assert_eq!(summary(&out).packets, truth.packets);
    let err = stderr(&out);
    assert!(
        err.lines()
            .all(|l| l.contains("small-snaplen.pcap: byte ") && l.contains("snaplen")),
        "{err}"
    );
    assert_eq!(
        err.lines()
            .next()
            .unwrap()
            .split(": byte ")
            .nth(1)
            .unwrap()
            .split(':')
            .next(),
        Some("24")
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (capture, _) = simulate(dir.path(), "pcap", 10, 20_000);
    let mut child = hirundo()
        .args(["analyze", "--format", "json", capture.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, as with `| head -0`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn help_names_every_command() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for command in [
        "analyze",
        "simulate",
        "demo",
        "serve",
        "import",
        "sensor",
        "Exit status",
    ] {
        assert!(help.contains(command), "{help}");
    }
    let out = run(&["simulate", "--packets", "0", "--out", "/nonexistent/x.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("packets"), "{}", stderr(&out));
}

#[test]
fn demo_runs_a_collector_and_three_sensors_and_serves_the_page() {
    use std::io::{BufRead, BufReader};
    let mut demo = hirundo()
        .args([
            "demo",
            "--packets",
            "20000",
            "--days",
            "2",
            "--port",
            "0",
            "--serve-seconds",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running hirundo demo");
    let mut text = String::new();
    let mut url = None;
    let mut password = None;
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if let Some(rest) = line.strip_prefix("Dashboard login: account admin, password ") {
            password = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(rest) = line.strip_prefix("Open ") {
            url = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    // The demo goes on printing: a closed pipe would end it.
    std::thread::spawn(move || lines.for_each(drop));
    let pages = match (&url, &password) {
        (Some(url), Some(password)) => demo_pages(url, password),
        _ => Err(format!("no URL or password in {text}")),
    };
    let _ = demo.kill();
    let _ = demo.wait();
    assert!(text.contains("Ingested 60,000 packets"), "{text}");
    assert!(text.contains("every packet counted once"), "{text}");
    assert!(text.contains("23/tcp telnet"), "{text}");
    for sensor in ["tokyo-xdsl-1", "saopaulo-dc-1", "cdmx-campus-1"] {
        assert!(
            text.contains(&format!("Sensor {sensor}: 20000 packets spooled")),
            "{text}"
        );
    }
    match pages {
        Ok((overview, public)) => {
            assert!(
                overview.contains("<div class=\"v\">60,000</div>"),
                "{overview}"
            );
            assert!(
                overview.contains("cdmx-campus-1") && overview.contains("https://db-ip.com"),
                "{overview}"
            );
            for html in [&overview, &public] {
                assert!(
                    !html.contains("203.0.113."),
                    "a sensor's addresses are never shown"
                );
            }
            assert!(public.contains("TLP:CLEAR") && !public.contains("cdmx-campus-1"));
        }
        Err(why) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: demo page check: {why} (CI installs curl)");
        }
        Err(why) => panic!("fetching the demo's pages from {url:?}: {why}"),
    }
}

/// Logs in to the demo's dashboard with curl, through the login form as
/// a browser would, and fetches the overview and the public page.
fn demo_pages(url: &str, password: &str) -> Result<(String, String), String> {
    let jar = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let jar = jar.path().to_str().unwrap_or_default().to_string();
    let curl = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("curl")
            .args(["-sk", "--max-time", "20", "-b", &jar, "-c", &jar])
            .args(args)
            .output()
            .map_err(|e| format!("curl: {e}"))?;
        if !out.status.success() {
            return Err(format!("curl {args:?}: {}", out.status));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let login = curl(&[&format!("{url}login")])?;
    let csrf = login
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no csrf field on the login page")?
        .to_string();
    let status = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-urlencode",
        "name=admin",
        "--data-urlencode",
        &format!("password={password}"),
        "--data-urlencode",
        &format!("csrf={csrf}"),
        &format!("{url}login"),
    ])?;
    if status != "303" {
        return Err(format!("logging in answered {status}"));
    }
    Ok((curl(&[url])?, curl(&[&format!("{url}public")])?))
}

#[test]
fn lookup_names_country_and_as_with_their_sources() {
    let out = run(&[
        "lookup",
        "8.8.8.8",
        "2001:4860:4860::8888",
        "141.212.121.5",
        "10.0.0.1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let block = |addr: &str| -> String {
        let start = text
            .find(&format!("{addr}\n"))
            .unwrap_or_else(|| panic!("{addr} missing: {text}"));
        text[start..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let google = block("8.8.8.8");
    assert!(
        google.contains("country  US  (ip-location-db geo-whois-asn-country"),
        "{google}"
    );
    assert!(
        google.contains("country  US  (tor-geoip"),
        "both country sources answer: {google}"
    );
    assert!(
        google.contains("AS15169 Google LLC  (ip-location-db asn"),
        "{google}"
    );
    assert!(block("2001:4860:4860::8888").contains("AS15169"));
    assert!(block("141.212.121.5").contains("research University of Michigan"));
    assert!(block("10.0.0.1").contains("unknown to every source"));
    assert!(
        text.contains("IP Geolocation by DB-IP (https://db-ip.com)"),
        "credit shown with the data"
    );

    let out = run(&["lookup", "8.8.8.8", "not-an-ip"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"not-an-ip\" is not an IPv4 or IPv6 address"));
}

#[test]
fn version_credits_the_shipped_ip_data() {
    let out = run(&["--version"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for credit in ["DB-IP", "RouteViews", "NRO", "IPFire"] {
        assert!(text.contains(credit), "{text}");
    }
}

#[test]
fn a_bad_config_is_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hirundo.toml");
    std::fs::write(
        &config,
        "[geo]\ncountry = [\"mmdb:/nonexistent/GeoLite2-Country.mmdb\"]\n",
    )
    .unwrap();
    let out = run(&["lookup", "--config", config.to_str().unwrap(), "8.8.8.8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/GeoLite2-Country.mmdb"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&config, "[geo]\ncolour = 1\n").unwrap();
    let out = run(&["lookup", "--config", config.to_str().unwrap(), "8.8.8.8"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
}

#[test]
fn user_add_list_and_passwd_keep_only_argon2id_hashes() {
    use hirundo_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let db = dir.path().join("hirundo.db");
    hirundo_store::SqliteStore::open(&db).unwrap();
    let with_stdin = |args: &[&str], input: &str| {
        let mut child = hirundo()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = with_stdin(&["user", "add", "ana", "--data", data], "too short\n");
    assert_eq!(short.status.code(), Some(2));
    assert!(stderr(&short).contains("at least 12"), "{}", stderr(&short));

    let added = with_stdin(
        &["user", "add", "ana", "--data", data],
        "twelve chars and more\n",
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let store = hirundo_store::SqliteStore::open(&db).unwrap();
    let hash = store.account("ana").unwrap().unwrap().password_hash;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(hirundo_web::verify_password("twelve chars and more", &hash));

    let again = with_stdin(
        &["user", "add", "ana", "--data", data],
        "another password\n",
    );
    assert_eq!(again.status.code(), Some(2), "an existing name is refused");

    let changed = with_stdin(
        &["user", "passwd", "ana", "--data", data, "--password-stdin"],
        "a different passphrase\r\n",
    );
    assert!(changed.status.success(), "{}", stderr(&changed));
    let hash = store.account("ana").unwrap().unwrap().password_hash;
    assert!(hirundo_web::verify_password(
        "a different passphrase",
        &hash
    ));
    assert!(!hirundo_web::verify_password(
        "twelve chars and more",
        &hash
    ));

    let list = run(&["user", "list", "--data", data]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.status.success() && text.starts_with("ana  created "),
        "{text}"
    );
    assert!(!text.contains("argon2"), "hashes are never printed");
}
