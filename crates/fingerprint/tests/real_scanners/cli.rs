//! The same verdicts through `hirundo analyze --format json`, once the
//! summary carries a `fingerprints` object.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::real_scanners::attribution::{judge, Attribution, Expect, Verdicts};

/// The `hirundo` binary of this build, if there is one. It belongs to
/// another crate, so Cargo gives this test no `CARGO_BIN_EXE_hirundo`;
/// `cargo test --workspace` builds it into the profile directory that
/// holds this test's `deps/`.
fn binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let mut candidates = vec![profile_dir.join("hirundo")];
    if let (Some(target), Some(profile)) = (
        std::env::var_os("CARGO_TARGET_DIR"),
        profile_dir.file_name(),
    ) {
        candidates.push(PathBuf::from(target).join(profile).join("hirundo"));
    }
    candidates.into_iter().find(|c| c.is_file())
}

/// Runs `hirundo analyze` on a capture and judges its fingerprint counts
/// as the test judged its own, or says why that check is still pending.
pub fn judge_with_hirundo(run: &str, capture: &Path, ours: &Attribution, expect: Expect) {
    let Some(hirundo) = binary() else {
        eprintln!("{run}: note: CLI check pending: no hirundo binary beside this test (cargo build -p hirundo-cli)");
        return;
    };
    let output = Command::new(&hirundo)
        .args(["analyze", "--format", "json"])
        .arg(capture)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", hirundo.display()));
    assert!(
        output.status.success(),
        "{run}: {} analyze failed with {}: {}",
        hirundo.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{run}: hirundo analyze printed no JSON: {e}"));
    let count = |pointer: &str| summary.pointer(pointer).and_then(Value::as_u64);
    // The summary counts every record; the test's probes are its decoded
    // ones (the rest are ARP), so the two must agree before the tags can.
    assert_eq!(
        (count("/packets"), count("/decoded")),
        (Some(ours.records), Some(ours.probes + ours.others)),
        "{run}: hirundo analyze disagrees with the test on records and decoded packets"
    );
    let Some(fingerprints) = summary.get("fingerprints") else {
        eprintln!(
            "{run}: note: CLI check pending: {} analyze has no \"fingerprints\" object yet",
            hirundo.display()
        );
        return;
    };
    let packets = |name: &str| {
        fingerprints
            .get(name)
            .map(|tally| {
                tally
                    .get("packets")
                    .and_then(Value::as_u64)
                    .unwrap_or_else(|| panic!("{run}: fingerprints.{name}.packets is not a count"))
            })
            .unwrap_or(0)
    };
    judge(
        run,
        "hirundo analyze",
        expect,
        Verdicts {
            probes: ours.probes,
            zmap: packets("zmap"),
            masscan: packets("masscan"),
            mirai: packets("mirai"),
        },
    );
}
