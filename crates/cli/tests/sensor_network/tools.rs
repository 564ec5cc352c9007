//! Root, the Debian tools, and skipping loudly.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says loudly that a test did not run, and fails instead under CI=true.
pub fn skip(test: &str, why: &str) {
    assert!(!in_ci(), "CI=true but {test} cannot run: {why}");
    eprintln!("\n!!! SKIPPED: {test}: {why} !!!\n");
}

/// Whether the effective user is root (namespaces and AF_PACKET need it).
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
const PACKAGES: [(&str, &str); 4] = [
    ("ip", "iproute2"),
    ("tcpreplay", "tcpreplay"),
    ("sysctl", "procps"),
    ("kill", "procps"),
];

/// Absolute paths of the tools a test runs: `ip netns exec` looks a
/// command up in PATH, and a root shell without /usr/sbin in it would not
/// find `ip` or `sysctl`.
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
