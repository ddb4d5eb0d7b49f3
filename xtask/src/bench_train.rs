//! `cargo xtask bench-train`: word2vec training, `w2v train` against
//! gensim's `Word2Vec.train` with the same parameters on the same corpus,
//! alternated (ours, gensim, ours, gensim, ...) for every mode, thread
//! count and seed; both sets of vectors evaluated by the same code
//! (analogy accuracy on questions-words, Spearman on WordSim-353 and
//! SimLex-999). Prints one Markdown table of medians and ratios.

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
    /// Seeds; each trains one model per side, mode and thread count.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Thread counts (gensim workers), each measured in turn.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// Architectures and objectives: sg-ns, cbow-ns, sg-hs, cbow-hs.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sg-ns,cbow-ns,sg-hs,cbow-hs"
    )]
    mode: Vec<String>,
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
    wordsim: f64,
    simlex: f64,
}

/// The evaluation files.
struct Eval {
    questions: PathBuf,
    wordsim: PathBuf,
    simlex: PathBuf,
}

/// A mode's architecture and objective: (skip-gram, hierarchical softmax, negative).
fn mode(name: &str) -> anyhow::Result<(bool, bool, usize)> {
    Ok(match name {
        "sg-ns" => (true, false, 5),
        "cbow-ns" => (false, false, 5),
        "sg-hs" => (true, true, 0),
        "cbow-hs" => (false, true, 0),
        other => bail!("unknown mode {other:?} (sg-ns, cbow-ns, sg-hs, cbow-hs)"),
    })
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
    for m in &args.mode {
        mode(m)?;
    }
    let eval = Eval {
        questions: root.join("fixtures/eval/questions-words.txt"),
        wordsim: root.join("fixtures/eval/wordsim353.tsv"),
        simlex: root.join("fixtures/eval/simlex999.txt"),
    };
    let mut rows = Vec::new();
    for name in &args.mode {
        for &threads in &args.threads {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for &seed in &args.seeds {
                let run = train_ours(&args, &w2v, name, threads, seed, &eval)?;
                eprintln!("{name} threads {threads} seed {seed} ours:   {run:?}");
                ours.push(run);
                let run = train_gensim(&args, &root, name, threads, seed, &eval)?;
                eprintln!("{name} threads {threads} seed {seed} gensim: {run:?}");
                theirs.push(run);
            }
            rows.push((name.clone(), threads, ours, theirs));
        }
    }
    let col = |runs: &[Run], f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let mean =
        |runs: &[Run], f: fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
    println!(
        "| mode | threads | ours words/s | gensim words/s | **ours / gensim** | ours s | gensim s | peak MiB ours / gensim | analogy % ours / gensim | WordSim-353 ours / gensim | SimLex-999 ours / gensim |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, threads, ours, theirs) in &rows {
        let quality = |f: fn(&Run) -> f64, scale: f64, digits: usize| {
            if args.no_eval {
                "-".to_string()
            } else {
                format!(
                    "{:.digits$} / {:.digits$}",
                    scale * mean(ours, f),
                    scale * mean(theirs, f)
                )
            }
        };
        println!(
            "| {name} | {threads} | {:.0} | {:.0} | **{:.2}x** | {:.2} | {:.2} | {:.0} / {:.0} | {} | {} | {} |",
            col(ours, |r| r.words_per_sec),
            col(theirs, |r| r.words_per_sec),
            col(ours, |r| r.words_per_sec) / col(theirs, |r| r.words_per_sec),
            col(ours, |r| r.seconds),
            col(theirs, |r| r.seconds),
            col(ours, |r| r.peak_mib),
            col(theirs, |r| r.peak_mib),
            quality(|r| r.analogy, 100.0, 2),
            quality(|r| r.wordsim, 1.0, 3),
            quality(|r| r.simlex, 1.0, 3),
        );
    }
    Ok(())
}

/// Trains with `w2v train` and evaluates the vectors.
fn train_ours(
    args: &Args,
    w2v: &Path,
    name: &str,
    threads: usize,
    seed: u64,
    eval: &Eval,
) -> anyhow::Result<Run> {
    let (sg, hs, negative) = mode(name)?;
    let vectors = args.dir.join(format!("ours_{name}_{threads}_{seed}.bin"));
    let model = args.dir.join(format!("ours_{name}_{threads}_{seed}.kv"));
    let mut command = Command::new(w2v);
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
        &threads.to_string(),
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
        .arg(&vectors);
    let output = command.output().context("cannot run w2v")?;
    anyhow::ensure!(
        output.status.success(),
        "w2v train failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut run = parse_ours(&stdout)?;
    evaluate(&mut run, &vectors, eval, args.no_eval)?;
    Ok(run)
}

/// Trains with gensim (`benches/gensim_train.py`) and evaluates the vectors.
fn train_gensim(
    args: &Args,
    root: &Path,
    name: &str,
    threads: usize,
    seed: u64,
    eval: &Eval,
) -> anyhow::Result<Run> {
    let (sg, hs, negative) = mode(name)?;
    let vectors = args.dir.join(format!("gensim_{name}_{threads}_{seed}.bin"));
    let json = run_json(
        &args.python,
        &root.join("benches/gensim_train.py"),
        &[
            "--corpus",
            args.corpus.to_str().context("non-UTF-8 path")?,
            "--out",
            vectors.to_str().context("non-UTF-8 path")?,
            "--sg",
            if sg { "1" } else { "0" },
            "--hs",
            if hs { "1" } else { "0" },
            "--negative",
            &negative.to_string(),
            "--workers",
            &threads.to_string(),
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
    evaluate(&mut run, &vectors, eval, args.no_eval)?;
    Ok(run)
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

fn evaluate(run: &mut Run, vectors: &Path, eval: &Eval, skip: bool) -> anyhow::Result<()> {
    if skip {
        return Ok(());
    }
    let kv = KeyedVectors::load(vectors)?;
    run.analogy = knn::evaluate_word_analogies(&kv, &eval.questions, 300_000, true)?
        .total
        .accuracy();
    run.wordsim = knn::evaluate_word_pairs(&kv, &eval.wordsim, 300_000, true)?.spearman;
    run.simlex = knn::evaluate_word_pairs(&kv, &eval.simlex, 300_000, true)?.spearman;
    Ok(())
}
