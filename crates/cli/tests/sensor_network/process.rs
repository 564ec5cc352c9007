//! A child process whose output goes to files in the test's directory and
//! which is killed if the test fails or panics while it runs.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct Process {
    name: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    status: Option<ExitStatus>,
}

impl Process {
    /// Starts `command` with its standard output and error in
    /// `dir/<name>.out` and `dir/<name>.err`. `name` must be unique in `dir`.
    pub fn spawn(name: &str, mut command: Command, dir: &Path) -> Process {
        let stdout = dir.join(format!("{name}.out"));
        let stderr = dir.join(format!("{name}.err"));
        let child = command
            .stdin(Stdio::null())
            .stdout(File::create(&stdout).expect("create a stdout file"))
            .stderr(File::create(&stderr).expect("create a stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {name} ({command:?}): {e}"));
        Process {
            name: name.to_string(),
            child,
            stdout,
            stderr,
            status: None,
        }
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> String {
        read(&self.stdout)
    }

    pub fn stderr(&self) -> String {
        read(&self.stderr)
    }

    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self
                .child
                .try_wait()
                .unwrap_or_else(|e| panic!("wait for {}: {e}", self.name));
        }
        self.status
    }

    /// Waits until the process has printed a line containing `text` on
    /// standard output (or error, with `Stream::Err`) and returns the line.
    /// Panics if it exits first or `limit` passes.
    pub fn wait_for_line(&mut self, stream: Stream, text: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let output = match stream {
                Stream::Out => self.stdout(),
                Stream::Err => self.stderr(),
            };
            if let Some(line) = output.lines().find(|l| l.contains(text)) {
                return line.to_string();
            }
            if let Some(status) = self.try_wait() {
                panic!(
                    "{} exited with {status} before saying {text:?}:\n{}",
                    self.name,
                    self.output()
                );
            }
            assert!(
                started.elapsed() < limit,
                "{} did not say {text:?} within {limit:?}:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `limit` for the process to exit; `None` if it did not.
    pub fn wait_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `limit` for the process to exit; panics (and kills it)
    /// if it does not.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        self.wait_within(limit).unwrap_or_else(|| {
            self.kill();
            panic!(
                "{} did not exit within {limit:?}:\n{}",
                self.name,
                self.output()
            )
        })
    }

    /// Sends a signal by name (`TERM`, `INT`) with kill(1); std can only
    /// send SIGKILL.
    pub fn signal(&self, kill: &Path, signal: &str) {
        let status = Command::new(kill)
            .args(["-s", signal])
            .arg(self.id().to_string())
            .status()
            .unwrap_or_else(|e| panic!("run {}: {e}", kill.display()));
        assert!(status.success(), "kill -s {signal} {} failed", self.name);
    }

    /// SIGKILL, and reap.
    pub fn kill(&mut self) -> ExitStatus {
        if let Some(status) = self.try_wait() {
            return status;
        }
        let _ = self.child.kill();
        let status = self
            .child
            .wait()
            .unwrap_or_else(|e| panic!("wait for {}: {e}", self.name));
        self.status = Some(status);
        status
    }

    /// Both outputs, for assertion messages.
    pub fn output(&self) -> String {
        format!(
            "--- {} stdout ---\n{}--- {} stderr ---\n{}",
            self.name,
            tail(&self.stdout()),
            self.name,
            tail(&self.stderr())
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Nothing a test starts needs a graceful end when the test is over
        // or failing: the collector's store survives SIGKILL by design, and
        // the spools live in temporary directories.
        self.kill();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

fn read(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// The last 30 lines.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines[lines.len().saturating_sub(30)..].join("\n");
    out.push('\n');
    out
}
