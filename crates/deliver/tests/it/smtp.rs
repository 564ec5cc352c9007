//! Alert mail through a real SMTP server on loopback: aiosmtpd, run by
//! tests/smtp_sink.py, which saves each message for the test to read.
//! Without python3 and aiosmtpd these tests skip loudly, except under
//! CI=true, where they fail.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use hirundo_deliver::{DeliverError, Mailer, SmtpConfig, SmtpTls};
use serde_json::Value;

use crate::{alert, free_port};

/// A running smtp_sink.py; killed when dropped.
struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Skips (returns `None`) with a message on stderr, or fails under CI.
fn unavailable(why: &str) -> Option<SmtpSink> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and the SMTP test server cannot run: {why} (pip install aiosmtpd)");
    }
    eprintln!(
        "\n!!!!! SKIPPED: the SMTP delivery test needs python3 with aiosmtpd: {why}.\n!!!!! pip install aiosmtpd (CI=true makes this a failure)\n"
    );
    None
}

impl SmtpSink {
    /// Starts the sink on a free loopback port, with AUTH for
    /// `user_password` ("user:password") when given.
    fn start(user_password: Option<&str>) -> Option<SmtpSink> {
        match Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Err(e) => return unavailable(&format!("python3 did not start: {e}")),
            Ok(s) if !s.success() => return unavailable("python3 cannot import aiosmtpd"),
            Ok(_) => {}
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut command = Command::new("python3");
        command
            .arg(&script)
            .arg(dir.path())
            .arg(port.to_string())
            .args(user_password)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(dir.path().join("stderr.log")).unwrap());
        let child = command.spawn().expect("spawn python3 smtp_sink.py");
        let mut sink = SmtpSink { child, dir, port };
        sink.wait_for_port();
        Some(sink)
    }

    fn wait_for_port(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "smtp_sink.py exited with {status} before listening: {}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "smtp_sink.py is not listening on {addr} after 20 s: {}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// The `n`th message saved (from 1): its JSON record and raw bytes.
    fn message(&self, n: usize) -> (Value, String) {
        let json: PathBuf = self.dir.path().join(format!("{n}.json"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !json.exists() {
            assert!(
                Instant::now() < deadline,
                "message {n} not saved: {}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
        let record = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let raw = std::fs::read_to_string(self.dir.path().join(format!("{n}.eml"))).unwrap();
        (record, raw)
    }

    fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "hirundo <alerts@csirt.example.org>".to_owned(),
            to: vec![
                "soc@csirt.example.org".to_owned(),
                "CERT partner <cert@partner.example.net>".to_owned(),
            ],
            timeout_secs: 10,
        }
    }
}

#[test]
fn mail_arrives_labelled_with_both_parts() {
    let Some(sink) = SmtpSink::start(None) else {
        return;
    };
    let mailer = Mailer::new(&sink.config(), "https://collector.example.org:8443").unwrap();
    mailer
        .send(&alert(), "opened")
        .expect("aiosmtpd accepts it");
    let (m, raw) = sink.message(1);

    assert_eq!(m["mail_from"], "alerts@csirt.example.org");
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["soc@csirt.example.org", "cert@partner.example.net"])
    );
    assert_eq!(
        m["subject"],
        "[TLP:AMBER] hirundo alert: Surge of scans to 8728/tcp from BR, 37 sources"
    );
    let headers = &m["headers"];
    assert_eq!(headers["X-Hirundo-Alert-Id"], "42");
    assert_eq!(headers["X-Hirundo-Event"], "opened");
    assert_eq!(headers["Auto-Submitted"], "auto-generated");
    let message_id = headers["Message-ID"].as_str().unwrap();
    assert!(
        message_id.starts_with("<hirundo.alert.42.opened.")
            && message_id.ends_with("@csirt.example.org>"),
        "{message_id}"
    );
    assert_eq!(m["content_type"], "multipart/alternative");

    let parts = m["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0]["content_type"], "text/plain");
    assert_eq!(parts[1]["content_type"], "text/html");
    let plain = parts[0]["text"].as_str().unwrap();
    assert_eq!(plain.lines().next(), Some("TLP:AMBER"));
    assert!(
        plain.contains("hirundo alert 42 opened: Surge of scans to 8728/tcp"),
        "{plain}"
    );
    assert!(
        plain.contains("Peak:        51234 packets from 37 sources per hour"),
        "{plain}"
    );
    assert!(plain.contains("Countries:   BR, AR"), "{plain}");
    assert!(
        plain.contains("  203.0.113.7    BR  28573    40000  mirai"),
        "{plain}"
    );
    assert!(plain.contains("Fingerprints: mirai 30, none 7"), "{plain}");
    assert!(
        plain.contains("https://collector.example.org:8443/alerts/42"),
        "{plain}"
    );
    let html = parts[1]["text"].as_str().unwrap();
    assert!(html.contains("<p><strong>TLP:AMBER</strong>"), "{html}");
    assert!(html.contains("<td>203.0.113.7</td>"), "{html}");
    assert!(
        html.contains("<a href=\"https://collector.example.org:8443/alerts/42\">"),
        "{html}"
    );
    // The label is also in the raw subject line, not only after decoding.
    assert!(raw.contains("Subject: [TLP:AMBER] hirundo alert:"), "{raw}");
}

#[test]
fn auth_succeeds_with_the_right_password_and_fails_naming_the_server() {
    let Some(sink) = SmtpSink::start(Some("hirundo:correct horse")) else {
        return;
    };
    let mut config = sink.config();
    config.username = Some("hirundo".to_owned());
    config.password = Some("correct horse".to_owned());
    Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "updated")
        .expect("right credentials");
    let (m, _) = sink.message(1);
    assert_eq!(m["login"], "hirundo");
    assert_eq!(m["headers"]["X-Hirundo-Event"], "updated");

    config.password = Some("wrong".to_owned());
    let err = Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "closed")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "SMTP 127.0.0.1:{}: the server refused (permanent",
            sink.port
        )),
        "{text}"
    );
    // aiosmtpd answers 535 to bad credentials; the code is in the cause.
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("535"), "{cause}");
    assert!(!sink.dir.path().join("2.json").exists());
}

#[test]
fn nothing_listening_names_host_and_port() {
    let port = free_port();
    let config = SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "alerts@csirt.example.org".to_owned(),
        to: vec!["soc@csirt.example.org".to_owned()],
        timeout_secs: 5,
    };
    let err = Mailer::new(&config, "https://c.example.org")
        .unwrap()
        .send(&alert(), "opened")
        .unwrap_err();
    assert!(
        matches!(err, DeliverError::Smtp { port: p, .. } if p == port),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("SMTP 127.0.0.1:{port}: could not connect, or the connection broke")
    );
}
