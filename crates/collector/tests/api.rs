//! The collector's API without a socket (axum's `oneshot`): uploads are
//! counted exactly once, every refused upload changes nothing and is
//! counted by reason, the views answer only a dashboard session, and no
//! view shows where a sensor listens.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use hirundo_collector::{registry, Accepted, Collector};
use hirundo_simulate::{simulate, SimConfig};
use hirundo_store::{Filter, NetworkType, PortTotal, Session, Totals};
use hirundo_summary::Summary;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

/// A collector with two sensors, `alpha` and `beta`, and their tokens.
struct Bed {
    _dir: tempfile::TempDir,
    collector: Arc<Collector>,
    router: Router,
    alpha: String,
    beta: String,
}

/// Where `alpha` listens: must never appear in a public view.
const ALPHA_DARKNET: &str = "192.0.2.128/25";

fn bed(max_segment_bytes: usize) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let mut collector = Collector::open(dir.path(), None).unwrap();
    collector.max_segment_bytes = max_segment_bytes;
    let store = collector.store().clone();
    let (_, alpha) = registry::add_sensor(
        store.as_ref(),
        "alpha",
        "JP",
        NetworkType::Xdsl,
        &[ALPHA_DARKNET.to_string()],
    )
    .unwrap();
    let (_, beta) = registry::add_sensor(
        store.as_ref(),
        "beta",
        "BR",
        NetworkType::Datacenter,
        &["198.51.100.0/24".to_string()],
    )
    .unwrap();
    let collector = Arc::new(collector);
    Bed {
        router: hirundo_collector::router(collector.clone(), 2),
        collector,
        _dir: dir,
        alpha: alpha.0,
        beta: beta.0,
    }
}

/// A simulated segment, zstd-compressed as sensors send them, with the
/// generator's own truth.
fn segment(packets: u64, seed: u64) -> (Vec<u8>, Summary) {
    let mut pcap = Vec::new();
    let config = SimConfig {
        packets,
        seed,
        ..SimConfig::default()
    };
    let sim = simulate(&config, "segment", &mut pcap).unwrap();
    (zstd::encode_all(&pcap[..], 1).unwrap(), sim.summary)
}

fn sha(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Put<'a> {
    sensor: &'a str,
    seq: &'a str,
    token: Option<&'a str>,
    sha: Option<String>,
    body: Vec<u8>,
}

impl<'a> Put<'a> {
    fn new(sensor: &'a str, seq: &'a str, token: &'a str, body: &[u8]) -> Self {
        Put {
            sensor,
            seq,
            token: Some(token),
            sha: Some(sha(body)),
            body: body.to_vec(),
        }
    }
}

async fn send(router: &Router, put: Put<'_>) -> (StatusCode, serde_json::Value) {
    let mut req = Request::put(format!(
        "/api/v1/sensors/{}/segments/{}",
        put.sensor, put.seq
    ));
    if let Some(token) = put.token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    if let Some(sha) = put.sha {
        req = req.header("hirundo-sha256", sha);
    }
    let response = router
        .clone()
        .oneshot(req.body(Body::from(put.body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

/// A dashboard session made in the store as `hirundo-web`'s login makes
/// one; returns the cookie's value.
fn session(collector: &Collector) -> String {
    let store = collector.store();
    store
        .set_account("analyst", "$argon2id$not-used-here", 0)
        .unwrap();
    let token = "ab".repeat(32);
    let record = Session {
        account: "analyst".into(),
        csrf: "cd".repeat(32),
        created_ns: 0,
        expires_ns: i64::MAX,
    };
    store
        .add_session(&registry::hash_token(&token), &record)
        .unwrap();
    token
}

/// A GET with the session cookie `token`, if any.
async fn get_as(router: &Router, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(
            "cookie",
            format!(
                "theme=dark; {}={token}",
                hirundo_collector::api::SESSION_COOKIE
            ),
        );
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// Everything an upload could change.
#[derive(Debug, PartialEq)]
struct State {
    totals: Totals,
    ports: Vec<PortTotal>,
    segments: Vec<(i64, u64)>,
}

fn state(collector: &Collector) -> State {
    let store = collector.store();
    State {
        totals: store.totals(&Filter::ALL).unwrap(),
        ports: store.ports(&Filter::ALL, None).unwrap(),
        segments: store
            .segments(None)
            .unwrap()
            .iter()
            .map(|s| (s.sensor, s.seq))
            .collect(),
    }
}

fn truth_ports(summary: &Summary) -> Vec<(String, u16, u64)> {
    let mut v: Vec<_> = summary
        .ports
        .iter()
        .map(|p| (p.proto.as_str().to_string(), p.port, p.packets))
        .collect();
    v.sort();
    v
}

fn stored_ports(ports: &[PortTotal]) -> Vec<(String, u16, u64)> {
    let mut v: Vec<_> = ports
        .iter()
        .map(|p| (p.proto.as_str().to_string(), p.port, p.packets))
        .collect();
    v.sort();
    v
}

fn reason(body: &serde_json::Value) -> &str {
    body["error"]["reason"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_segment_is_counted_once_however_often_it_arrives() {
    let bed = bed(64 << 20);
    let (body, truth) = segment(20_000, 1);
    let (status, answer) = send(&bed.router, Put::new("alpha", "0", &bed.alpha, &body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["packets"], truth.packets);

    let after_first = state(&bed.collector);
    assert_eq!(after_first.totals.packets, truth.packets);
    assert_eq!(after_first.totals.bytes, truth.bytes);
    assert_eq!(after_first.totals.decoded, truth.decoded);
    assert_eq!(stored_ports(&after_first.ports), truth_ports(&truth));

    // The retry after a lost acknowledgement.
    let (status, answer) = send(&bed.router, Put::new("alpha", "0", &bed.alpha, &body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "duplicate");
    assert_eq!(state(&bed.collector), after_first);

    // Other content under a used number.
    let (other, _) = segment(1_000, 2);
    let (status, answer) = send(&bed.router, Put::new("alpha", "0", &bed.alpha, &other)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(reason(&answer), "sequence_conflict");
    assert_eq!(state(&bed.collector), after_first);

    // The same bytes from another sensor are that sensor's packets.
    let (status, _) = send(&bed.router, Put::new("beta", "0", &bed.beta, &body)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(state(&bed.collector).totals.packets, 2 * truth.packets);
}

#[tokio::test]
async fn uploads_without_the_right_token_are_refused_and_change_nothing() {
    let bed = bed(64 << 20);
    let (body, _) = segment(2_000, 3);
    let (status, _) = send(&bed.router, Put::new("beta", "0", &bed.beta, &body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = state(&bed.collector);

    let no_token = Put {
        token: None,
        ..Put::new("alpha", "1", "", &body)
    };
    let nobodys = "0".repeat(64);
    let cases: Vec<(Put, StatusCode, &str)> = vec![
        (no_token, StatusCode::UNAUTHORIZED, "no_token"),
        (
            Put::new("alpha", "1", &nobodys, &body),
            StatusCode::UNAUTHORIZED,
            "wrong_token",
        ),
        // alpha's token under beta's name and beta's sequence numbers.
        (
            Put::new("beta", "0", &bed.alpha, &body),
            StatusCode::FORBIDDEN,
            "wrong_sensor",
        ),
        (
            Put::new("beta", "1", &bed.alpha, &body),
            StatusCode::FORBIDDEN,
            "wrong_sensor",
        ),
    ];
    for (put, want, why) in cases {
        let (status, answer) = send(&bed.router, put).await;
        assert_eq!((status, reason(&answer)), (want, why), "{answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(state(&bed.collector), before);
    }

    // A disabled sensor, then a rotated token.
    let store = bed.collector.store().clone();
    store.set_enabled("alpha", false).unwrap();
    let (status, answer) = send(&bed.router, Put::new("alpha", "1", &bed.alpha, &body)).await;
    assert_eq!(
        (status, reason(&answer)),
        (StatusCode::FORBIDDEN, "sensor_disabled")
    );
    store.set_enabled("alpha", true).unwrap();
    let new = registry::rotate_token(store.as_ref(), "alpha").unwrap();
    let (status, answer) = send(&bed.router, Put::new("alpha", "1", &bed.alpha, &body)).await;
    assert_eq!(
        (status, reason(&answer)),
        (StatusCode::UNAUTHORIZED, "wrong_token")
    );
    assert_eq!(state(&bed.collector), before);
    let (status, _) = send(&bed.router, Put::new("alpha", "1", &new.0, &body)).await;
    assert_eq!(status, StatusCode::CREATED);

    let rejections = store.rejections().unwrap();
    let count = |why: &str| {
        rejections
            .iter()
            .find(|r| r.reason == why)
            .map_or(0, |r| r.count)
    };
    assert_eq!(
        [
            count("no_token"),
            count("wrong_token"),
            count("wrong_sensor"),
            count("sensor_disabled")
        ],
        [1, 2, 2, 1]
    );
}

#[tokio::test]
async fn broken_bodies_get_a_4xx_that_says_why_and_change_nothing() {
    let bed = bed(1_000_000);
    let (body, _) = segment(5_000, 4);
    assert!(body.len() < 1_000_000, "{}", body.len());
    let before = state(&bed.collector);
    let truncated = body[..body.len() / 2].to_vec();
    let (big, _) = segment(60_000, 5);
    assert!(big.len() > 1_000_000, "{}", big.len());
    let wrong_sha = Put {
        sha: Some(sha(b"something else")),
        ..Put::new("alpha", "3", &bed.alpha, &body)
    };
    let no_sha = Put {
        sha: None,
        ..Put::new("alpha", "3", &bed.alpha, &body)
    };
    let cases: Vec<(Put, StatusCode, &str, &str)> = vec![
        (
            Put::new("alpha", "1", &bed.alpha, &truncated),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_capture",
            "segment 1",
        ),
        (
            Put::new("alpha", "2", &bed.alpha, b"GET / HTTP/1.0\r\n\r\n"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_capture",
            "not a whole capture",
        ),
        (
            Put::new("alpha", "2", &bed.alpha, &big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "at most 1000000 bytes",
        ),
        (
            wrong_sha,
            StatusCode::UNPROCESSABLE_ENTITY,
            "digest_mismatch",
            "SHA-256",
        ),
        (
            no_sha,
            StatusCode::BAD_REQUEST,
            "bad_digest_header",
            "Hirundo-Sha256",
        ),
        (
            Put::new("alpha", "minus-one", &bed.alpha, &body),
            StatusCode::BAD_REQUEST,
            "bad_sequence",
            "minus-one",
        ),
    ];
    for (put, want, why, says) in cases {
        let (status, answer) = send(&bed.router, put).await;
        let message = answer["error"]["message"].as_str().unwrap_or("");
        assert_eq!((status, reason(&answer)), (want, why), "{answer}");
        assert!(message.contains(says), "{message:?} should say {says:?}");
        assert_eq!(state(&bed.collector), before);
    }
    // Nothing was archived for refused uploads.
    let archive = bed.collector.data_dir().join("archive");
    let files = walk(&archive);
    assert!(files.is_empty(), "{files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

#[tokio::test]
async fn import_takes_the_upload_path_and_knows_a_file_it_has_seen() {
    let bed = bed(64 << 20);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.pcap");
    let config = SimConfig {
        packets: 10_000,
        seed: 6,
        ..SimConfig::default()
    };
    let truth = simulate(&config, "old", std::fs::File::create(&file).unwrap())
        .unwrap()
        .summary;
    let store = bed.collector.store().clone();
    let alpha = store.sensor("alpha").unwrap().unwrap();
    let (seq, accepted) = bed.collector.import(&alpha, &file).unwrap();
    assert_eq!(
        (seq, accepted),
        (
            0,
            Accepted::New {
                packets: truth.packets
            }
        )
    );
    let after = state(&bed.collector);
    assert_eq!(stored_ports(&after.ports), truth_ports(&truth));
    assert_eq!(
        bed.collector.import(&alpha, &file).unwrap(),
        (0, Accepted::Duplicate)
    );
    assert_eq!(state(&bed.collector), after);
    // The archive holds the file compressed, and it reads back whole.
    let archived = &store.segments(None).unwrap()[0].archive;
    let raw = std::fs::read(bed.collector.data_dir().join(archived)).unwrap();
    assert_eq!(
        zstd::decode_all(&raw[..]).unwrap(),
        std::fs::read(&file).unwrap()
    );
}

#[tokio::test]
async fn views_answer_only_a_session_and_never_show_where_a_sensor_listens() {
    let bed = bed(64 << 20);
    let (body, truth) = segment(5_000, 7);
    send(&bed.router, Put::new("alpha", "0", &bed.alpha, &body)).await;
    let token = session(&bed.collector);
    let get = |path: &'static str| get_as(&bed.router, path, Some(&token));
    let darknet_prefix = ALPHA_DARKNET.split('/').next().unwrap();
    for path in [
        "/api/v1/sensors",
        "/api/v1/totals",
        "/api/v1/ports",
        "/api/v1/countries",
        "/api/v1/asns",
        "/api/v1/rejections",
    ] {
        let (status, text) = get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        assert!(
            !text.contains(darknet_prefix),
            "{path} shows {darknet_prefix}"
        );
        // Without a session, or with a cookie no session has: 401.
        for cookie in [None, Some("0".repeat(64))] {
            let (status, text) = get_as(&bed.router, path, cookie.as_deref()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
            let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(answer["error"]["reason"], "no_session", "{text}");
        }
    }
    let (_, sensors) = get("/api/v1/sensors").await;
    assert!(sensors.contains("alpha") && sensors.contains("beta"));
    let (_, totals) = get("/api/v1/totals?sensor=alpha").await;
    let totals: serde_json::Value = serde_json::from_str(&totals).unwrap();
    assert_eq!(totals["packets"], truth.packets);
    let (status, _) = get("/api/v1/totals?sensor=nobody").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, text) = get("/api/v1/ports?limit=ten").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["error"]["reason"], "bad_query", "{text}");
    let (status, _) = get("/api/v1/ports?colour=blue").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // An ended session opens nothing.
    bed.collector
        .store()
        .end_session(&registry::hash_token(&token), 0)
        .unwrap();
    let (status, _) = get("/api/v1/totals").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The operator's own tool still has the addresses.
    assert_eq!(
        bed.collector.store().sensor_addresses("alpha").unwrap(),
        [ALPHA_DARKNET]
    );
}

/// A full disk is a 507 that stores nothing, and the same upload succeeds
/// once space is freed. Needs root (it mounts a small tmpfs); says SKIPPED
/// otherwise, or fails under CI=true.
#[tokio::test]
async fn a_full_disk_refuses_with_507_and_the_retry_succeeds() {
    const TEST: &str = "a_full_disk_refuses_with_507_and_the_retry_succeeds";
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{TEST} needs root under CI"
        );
        eprintln!("\n!!! SKIPPED: {TEST}: not root (it mounts a tmpfs) !!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=6m", "tmpfs"])
        .arg(&mount)
        .status()
        .unwrap();
    assert!(mounted.success(), "{TEST}: mount tmpfs");
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.clone());

    let collector = Arc::new(Collector::open(&mount, None).unwrap());
    let store = collector.store().clone();
    let (_, token) = registry::add_sensor(
        store.as_ref(),
        "alpha",
        "JP",
        NetworkType::Xdsl,
        &[ALPHA_DARKNET.to_string()],
    )
    .unwrap();
    let router = hirundo_collector::router(collector.clone(), 2);
    let (body, truth) = segment(30_000, 8);
    // Leave less room than the segment needs.
    let free = {
        let out = std::process::Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&mount)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let filler = mount.join("filler");
    let keep = body.len() as u64 / 2;
    std::fs::write(&filler, vec![0u8; free.saturating_sub(keep) as usize]).unwrap();
    let before = state(&collector);

    let (status, answer) = send(&router, Put::new("alpha", "0", &token.0, &body)).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{answer}");
    assert_eq!(reason(&answer), "disk_full");
    assert_eq!(
        state(&collector),
        before,
        "{TEST}: a refused upload stores nothing"
    );

    std::fs::remove_file(&filler).unwrap();
    let (status, answer) = send(&router, Put::new("alpha", "0", &token.0, &body)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(state(&collector).totals.packets, truth.packets);
}
