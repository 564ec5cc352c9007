//! What the tests that drive the `hirundo` binary share.

use std::process::{Command, Output};

/// Runs `hirundo ARGS` to the end.
pub fn hirundo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hirundo"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `hirundo ARGS`, which must succeed; its standard output.
pub fn ok(args: &[&str]) -> String {
    let out = hirundo(args);
    assert!(
        out.status.success(),
        "hirundo {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
