//! Step 6: memory of processes that share an index. Child processes (this
//! binary, `cargo xtask tutorial-child`) load the model memory-mapped and
//! either build their own index or map the saved one; each reports its RSS
//! and PSS from `/proc/self/smaps_rollup` while the other is alive, so the
//! pages they share show up as PSS below RSS.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use serde::Serialize;

/// One child process's memory.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessMemory {
    /// "build" (its own index in memory) or "map" (the saved index, mapped).
    pub mode: String,
    /// Resident set size, MiB.
    pub rss_mib: f64,
    /// Proportional set size (shared pages divided among sharers), MiB.
    pub pss_mib: f64,
}

/// Arguments of the hidden `tutorial-child` task.
#[derive(Debug, clap::Args)]
pub struct ChildArgs {
    /// "build" or "map".
    #[arg(long)]
    mode: String,
    /// The saved model's vectors (native format).
    #[arg(long)]
    model: PathBuf,
    /// The saved index (for "map"); trees to build (for "build").
    #[arg(long)]
    index: PathBuf,
    /// Trees for "build".
    #[arg(long, default_value_t = 100)]
    trees: usize,
}

/// The child: load, build or map, touch, say "ready", wait for a line on
/// stdin, print "rss pss" in KiB, and stay alive until stdin closes (so the
/// other child's figures still see the pages shared).
pub fn child(args: ChildArgs) -> anyhow::Result<()> {
    let kv = vecstore::KeyedVectors::load(&args.model)?;
    let indexer = match args.mode.as_str() {
        "build" => knn::AnnoyIndexer::builder(&kv, args.trees)
            .threads(1)
            .build()?,
        "map" => knn::AnnoyIndexer::load(&args.index, &kv)?,
        other => bail!("unknown mode {other}"),
    };
    // Touch the vectors and query a little, as a serving process would.
    let _sum: f32 = kv.vectors().sum();
    for id in (0..kv.len()).step_by((kv.len() / 100).max(1)) {
        let _ = knn::Indexer::most_similar(&indexer, kv.get_normed(&kv.index_to_key()[id])?, 10)?;
    }
    println!("ready");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let (rss, pss) = smaps_rollup("/proc/self/smaps_rollup")?;
    println!("{rss} {pss}");
    line.clear();
    std::io::stdin().read_line(&mut line)?;
    Ok(())
}

/// Rss and Pss (KiB) from a `smaps_rollup` file.
fn smaps_rollup(path: &str) -> anyhow::Result<(u64, u64)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {name} in {path}"))
    };
    Ok((field("Rss:")?, field("Pss:")?))
}

/// Runs two children in `mode` at once and returns their figures.
pub fn measure_pair(
    mode: &str,
    model: &Path,
    index: &Path,
    trees: usize,
) -> anyhow::Result<Vec<ProcessMemory>> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for _ in 0..2 {
        let mut child = Command::new(&exe)
            .args([
                "tutorial-child",
                "--mode",
                mode,
                "--trees",
                &trees.to_string(),
                "--model",
            ])
            .arg(model)
            .arg("--index")
            .arg(index)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start a child process")?;
        let mut out = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut line = String::new();
        out.read_line(&mut line)?;
        if line.trim() != "ready" {
            bail!("child said {line:?}");
        }
        children.push((child, out));
    }
    // Both report while both are alive, then both exit.
    let mut lines = Vec::new();
    for (child, out) in &mut children {
        child
            .stdin
            .as_mut()
            .context("no stdin")?
            .write_all(b"report\n")?;
        let mut line = String::new();
        out.read_line(&mut line)?;
        lines.push(line);
    }
    let mut figures = Vec::new();
    for ((mut child, _), line) in children.into_iter().zip(lines) {
        drop(child.stdin.take());
        child.wait()?;
        let mut numbers = line.split_whitespace().map(|v| v.parse::<f64>());
        match (numbers.next(), numbers.next()) {
            (Some(Ok(rss)), Some(Ok(pss))) => figures.push(ProcessMemory {
                mode: mode.into(),
                rss_mib: rss / 1024.0,
                pss_mib: pss / 1024.0,
            }),
            _ => bail!("child reported {line:?}"),
        }
    }
    Ok(figures)
}

/// Resets this process's peak RSS (`VmHWM`) to its current RSS, so that the
/// next [`own_peak_rss_mib`] tells the peak since now (Linux; elsewhere a
/// no-op).
pub fn reset_own_peak() {
    // Writing 5 to clear_refs resets the peak RSS (proc(5)).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak RSS in MiB (`VmHWM`).
pub fn own_peak_rss_mib() -> Option<f64> {
    Some(test_support::peak_rss_kib()? as f64 / 1024.0)
}
