//! Helpers shared by the command-line tests (each test binary uses some).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `fixtures/<path>` of the workspace.
pub fn fixtures(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path)
}

/// Runs the `w2v` binary with `args`.
pub fn w2v(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(args)
        .output()
        .unwrap()
}
