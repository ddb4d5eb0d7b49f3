//! `cargo xtask bench-train`: word2vec training, `w2v train` against
//! gensim's `Word2Vec.train` with the same parameters on the same corpus,
//! alternated; both sets of vectors evaluated by the same code (analogy
//! accuracy on questions-words, Spearman on WordSim-353).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use vecstore::KeyedVectors;

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus (text8 form).
    #[arg(long)]
    corpus: PathBuf,
    /// Seeds; each trains one model per side.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Threads (gensim workers).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Architecture and objective: sg-ns, cbow-ns, sg-hs.
    #[arg(long, default_value = "sg-ns")]
    mode: String,
    /// Skip the quality evaluation (throughput only).
    #[arg(long)]
    no_eval: bool,
    /// A Python interpreter with gensim installed.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Scratch directory for the vectors.
    #[arg(long, default_value = "target/bench-train")]
    dir: PathBuf,
}

/// One trained model's figures.
#[derive(Debug, Default, Clone)]
struct Run {
    seconds: f64,
    words_per_sec: f64,
    peak_mib: f64,
    analogy: f64,
    spearman: f64,
}

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let root = workspace_root();
    let w2v = root.join("target/release/w2v");
    anyhow::ensure!(
        w2v.exists(),
        "build the CLI first: cargo build --release -p cli"
    );
    let (sg, hs, negative) = match args.mode.as_str() {
        "sg-ns" => (true, false, 5),
        "cbow-ns" => (false, false, 5),
        "sg-hs" => (true, true, 0),
        other => bail!("unknown mode {other:?}"),
    };
    let questions = root.join("fixtures/eval/questions-words.txt");
    let wordsim = root.join("fixtures/eval/wordsim353.tsv");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for &seed in &args.seeds {
        let our_vectors = args.dir.join(format!("ours_{seed}.bin"));
        let model = args.dir.join(format!("ours_{seed}.kv"));
        let mut command = Command::new(&w2v);
        command
            .args(["train", "--quiet", "--corpus"])
            .arg(&args.corpus);
        command.args([
            "--size", "100", "--alpha", "0.05", "--window", "5", "--epochs", "5",
        ]);
        command.args([
            "--min-count",
            "5",
            "--sample",
            "1e-4",
            "--negative",
            &negative.to_string(),
        ]);
        command.args([
            "--threads",
            &args.threads.to_string(),
            "--seed",
            &seed.to_string(),
        ]);
        command.args(if sg { ["--sg"] } else { ["--cbow"] });
        if hs {
            command.arg("--hs");
        }
        command
            .arg("--out")
            .arg(&model)
            .arg("--vectors")
            .arg(&our_vectors);
        let output = command.output().context("cannot run w2v")?;
        anyhow::ensure!(
            output.status.success(),
            "w2v train failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let mut run = parse_ours(&stdout)?;
        evaluate(&mut run, &our_vectors, &questions, &wordsim, args.no_eval)?;
        eprintln!("seed {seed} ours:   {run:?}");
        ours.push(run);

        let their_vectors = args.dir.join(format!("gensim_{seed}.bin"));
        let json = run_json(
            &args.python,
            &root.join("benches/gensim_train.py"),
            &[
                "--corpus",
                args.corpus.to_str().context("non-UTF-8 path")?,
                "--out",
                their_vectors.to_str().context("non-UTF-8 path")?,
                "--sg",
                if sg { "1" } else { "0" },
                "--hs",
                if hs { "1" } else { "0" },
                "--negative",
                &negative.to_string(),
                "--workers",
                &args.threads.to_string(),
                "--seed",
                &seed.to_string(),
            ],
        )?;
        let mut run = Run {
            seconds: json["seconds"].as_f64().unwrap_or(f64::NAN),
            words_per_sec: json["words_per_sec"].as_f64().unwrap_or(f64::NAN),
            peak_mib: json["peak_rss_mb"].as_f64().unwrap_or(f64::NAN),
            ..Run::default()
        };
        evaluate(&mut run, &their_vectors, &questions, &wordsim, args.no_eval)?;
        eprintln!("seed {seed} gensim: {run:?}");
        theirs.push(run);
    }
    let col = |runs: &[Run], f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let mean =
        |runs: &[Run], f: fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
    println!(
        "| {} threads={} seeds={:?} | train s (median) | words/s (median) | peak MiB | analogy % (mean) | wordsim Spearman (mean) |",
        args.mode, args.threads, args.seeds
    );
    println!("|---|---|---|---|---|---|");
    for (name, runs) in [("ours", &ours), ("gensim", &theirs)] {
        println!(
            "| {name} | {:.2} | {:.0} | {:.0} | {:.2} | {:.3} |",
            col(runs, |r| r.seconds),
            col(runs, |r| r.words_per_sec),
            col(runs, |r| r.peak_mib),
            100.0 * mean(runs, |r| r.analogy),
            mean(runs, |r| r.spearman)
        );
    }
    println!(
        "| ours / gensim | | {:.2}x | | | |",
        col(&ours, |r| r.words_per_sec) / col(&theirs, |r| r.words_per_sec)
    );
    Ok(())
}

/// Reads `w2v train`'s "trained ... in S s, W words/s" and "peak memory: M MiB" lines.
fn parse_ours(stdout: &str) -> anyhow::Result<Run> {
    let trained = stdout
        .lines()
        .find(|l| l.starts_with("trained"))
        .context("no training line")?;
    let seconds = trained
        .split(" in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok());
    let words = trained
        .split(", ")
        .last()
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok());
    let peak = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok());
    match (seconds, words) {
        (Some(seconds), Some(words_per_sec)) => Ok(Run {
            seconds,
            words_per_sec,
            peak_mib: peak.unwrap_or(f64::NAN),
            ..Run::default()
        }),
        _ => bail!("cannot parse {trained:?}"),
    }
}

fn evaluate(
    run: &mut Run,
    vectors: &Path,
    questions: &Path,
    wordsim: &Path,
    skip: bool,
) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let kv = KeyedVectors::load(vectors)?;
    run.analogy = knn::evaluate_word_analogies(&kv, questions, 300_000, true)?
        .total
        .accuracy();
    run.spearman = knn::evaluate_word_pairs(&kv, wordsim, 300_000, true)?.spearman;
    Ok(())
}
