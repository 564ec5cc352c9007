//! What the tests that need root share: finding the Debian tools they
//! run, skipping loudly (or failing under `CI=true`) when they cannot run,
//! and `ip netns` helpers that leave nothing behind, even after a run that
//! was killed.
//!
//! [`smtp::SmtpSink`] is a real SMTP server on loopback for the tests
//! that send mail.
//!
//! Used by `crates/fingerprint/tests/real_scanners`,
//! `crates/afpacket/tests/live.rs` and `crates/cli/tests/sensor_network`.

pub mod http;
pub mod smtp;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `rel` under `../shared`, the folder beside the checkout that holds
/// the real captures, IP data and CSIRT samples. Found from the package
/// folder cargo gives the running test, not the one it was compiled in:
/// a test binary built in another checkout and reused from a shared
/// target folder must still look beside this one.
pub fn shared(rel: &str) -> PathBuf {
    let package =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    package.join("../../../shared").join(rel)
}

/// Whether this is a CI run (`CI=true`), where a test that cannot run fails.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says loudly that a test did not run, and fails instead under CI=true.
/// Written to the real standard error, past the test harness, which
/// swallows `eprintln!` of a passing test.
pub fn skip(test: &str, why: &str) {
    assert!(!in_ci(), "CI=true but {test} cannot run: {why}");
    let _ = writeln!(
        std::io::stderr().lock(),
        "\n!!! SKIPPED: {test}: {why} !!!\n"
    );
}

/// Whether the effective user is root (namespaces, raw sockets and
/// AF_PACKET need it).
pub fn is_root() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|effective| effective == "0")
}

/// The Debian package that installs each tool the tests run.
const PACKAGES: [(&str, &str); 12] = [
    ("zmap", "zmap"),
    ("masscan", "masscan"),
    ("nmap", "nmap"),
    ("hping3", "hping3"),
    ("tcpdump", "tcpdump"),
    ("tcpreplay", "tcpreplay"),
    ("ip", "iproute2"),
    ("sysctl", "procps"),
    ("kill", "procps"),
    ("bash", "bash"),
    ("curl", "curl"),
    ("mount", "mount"),
];

/// Absolute paths of the tools a test runs. `ip netns exec` looks a
/// command up in PATH, and a root shell without /usr/sbin in it would not
/// find zmap, hping3 or sysctl; absolute paths avoid the question.
#[derive(Debug)]
pub struct Tools(BTreeMap<&'static str, PathBuf>);

impl Tools {
    /// Finds every tool or says which are missing and how to install them.
    pub fn find(names: &[&'static str]) -> Result<Tools, String> {
        let mut found = BTreeMap::new();
        let mut missing = Vec::new();
        for &name in names {
            match which(name) {
                Some(path) => {
                    found.insert(name, path);
                }
                None => missing.push(name),
            }
        }
        if missing.is_empty() {
            return Ok(Tools(found));
        }
        let mut packages: Vec<&str> = missing
            .iter()
            .map(|name| {
                PACKAGES
                    .iter()
                    .find(|(tool, _)| tool == name)
                    .map_or(*name, |(_, package)| package)
            })
            .collect();
        packages.dedup();
        Err(format!(
            "{} not installed (apt-get install {})",
            missing.join(", "),
            packages.join(" ")
        ))
    }

    pub fn path(&self, name: &str) -> &Path {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("{name} was not asked for in Tools::find"))
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The line of `tool --version` that names the version, for the test log.
pub fn version(tool: &Path) -> String {
    let Ok(output) = Command::new(tool).arg("--version").output() else {
        return format!("{}: --version did not run", tool.display());
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|l| l.to_ascii_lowercase().contains("version"))
        .or_else(|| lines().next())
        .unwrap_or("(no output)")
        .to_string()
}

/// Runs `ip ARGS`; its standard output, or a sentence saying what failed.
pub fn ip(ip: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(ip)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "ip {} failed with {}: {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Deletes network namespaces, quietly: for `Drop`. Deleting a namespace
/// deletes its veth ends, and with them their peers.
pub fn delete_namespaces<'a>(ip: &Path, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        let _ = Command::new(ip)
            .args(["netns", "del", name])
            .stderr(Stdio::null())
            .status();
    }
}

/// Deletes namespaces a killed run left behind (SIGKILL skips `Drop`):
/// those for which `pid_of` reads the pid of the test that made them from
/// the name, and whose process is gone.
pub fn remove_stale_namespaces(ip: &Path, pid_of: impl Fn(&str) -> Option<u32>) {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = pid_of(&name) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                delete_namespaces(ip, [name.as_str()]);
            }
        }
    }
}
