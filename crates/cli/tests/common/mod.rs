//! Helpers shared by the command-line tests (each test binary uses some).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `fixtures/<path>` of the workspace.
#[allow(unused_imports)]
pub use test_support::fixture as fixtures;

/// Runs the `w2v` binary with `args`.
pub fn w2v(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_w2v"))
        .args(args)
        .output()
        .unwrap()
}

/// Fails the test with the command's stderr unless it succeeded.
pub fn succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Fails the test unless the command exited 1 (an error, not a crash or a
/// usage error) with a message containing every one of `needles`; returns
/// the message.
pub fn failed_with(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    }
    stderr
}

/// `n` words `w0, w1, ...` of `dim` fixed pseudo-random values (`phase`
/// varies them), saved to `path`.
pub fn word_vectors(path: &Path, n: usize, dim: usize, phase: f32) -> vecstore::KeyedVectors {
    let mut kv = vecstore::KeyedVectors::new(dim);
    for i in 0..n {
        let v: Vec<f32> = (0..dim)
            .map(|j| ((i * dim + j) as f32 * 0.61 + phase).sin())
            .collect();
        kv.push(format!("w{i}"), &v).unwrap();
    }
    kv.save(path).unwrap();
    kv
}
