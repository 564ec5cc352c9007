//! A real SMTP server on loopback for the tests that send mail: aiosmtpd,
//! run by `smtp_sink.py`, which saves each message for the test to read.
//! Without python3 and aiosmtpd a test skips loudly, except under
//! `CI=true`, where it fails.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

const SCRIPT: &str = include_str!("smtp_sink.py");

/// A running smtp_sink.py; killed when dropped.
pub struct SmtpSink {
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

/// A free TCP port on loopback (free when asked; the caller binds it soon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port on loopback")
}

impl SmtpSink {
    /// Starts the sink on a free loopback port, with AUTH for
    /// `user_password` ("user:password") when given; `None` (after
    /// [`crate::skip`]) when python3 or aiosmtpd is missing.
    pub fn start(test: &str, user_password: Option<&str>) -> Option<SmtpSink> {
        match Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
        {
            Err(e) => {
                crate::skip(
                    test,
                    &format!("python3 did not start: {e} (apt-get install python3)"),
                );
                return None;
            }
            Ok(s) if !s.success() => {
                crate::skip(
                    test,
                    "python3 cannot import aiosmtpd (pip install aiosmtpd)",
                );
                return None;
            }
            Ok(_) => {}
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script = dir.path().join("smtp_sink.py");
        std::fs::write(&script, SCRIPT).expect("write smtp_sink.py");
        let messages = dir.path().join("messages");
        std::fs::create_dir(&messages).expect("create the message folder");
        let port = free_port();
        let child = Command::new("python3")
            .arg(&script)
            .arg(&messages)
            .arg(port.to_string())
            .args(user_password)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(dir.path().join("stderr.log")).expect("create stderr.log"))
            .spawn()
            .expect("spawn python3 smtp_sink.py");
        let mut sink = SmtpSink { child, dir, port };
        sink.wait_for_port();
        Some(sink)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn messages(&self) -> PathBuf {
        self.dir.path().join("messages")
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

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// How many messages have been saved so far.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.messages())
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Whether message `n` (from 1) has been saved.
    pub fn has(&self, n: usize) -> bool {
        self.messages().join(format!("{n}.json")).exists()
    }

    /// The `n`th message saved (from 1), waiting up to 10 s for it: its
    /// JSON record (envelope, login, subject, headers, every leaf part
    /// decoded to text with its filename) and its raw bytes.
    pub fn message(&self, n: usize) -> (Value, String) {
        let json: PathBuf = self.messages().join(format!("{n}.json"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !json.exists() {
            assert!(
                Instant::now() < deadline,
                "message {n} not saved: {}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
        let record = serde_json::from_slice(&std::fs::read(&json).expect("read the record"))
            .expect("the sink writes JSON");
        let raw = std::fs::read_to_string(self.messages().join(format!("{n}.eml")))
            .expect("read the raw message");
        (record, raw)
    }

    /// Where the messages are saved.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
