//! Running the Python peers (gensim, annoy) for side-by-side measurements,
//! and summarising alternated timings.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Runs `python script args...` and parses the last line of its stdout as JSON.
pub fn run_json(python: &Path, script: &Path, args: &[&str]) -> anyhow::Result<serde_json::Value> {
    let output = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .with_context(|| {
            format!(
                "cannot run {} (use --python to name an interpreter with gensim)",
                python.display()
            )
        })?;
    if !output.status.success() {
        bail!(
            "{} {} {args:?} failed: {}",
            python.display(),
            script.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().context("peer printed nothing")?;
    serde_json::from_str(last).with_context(|| format!("peer printed {last:?}"))
}

/// The median of some samples (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.is_empty() {
        f64::NAN
    } else if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}
