//! `cargo xtask bench-doc2vec`: Doc2Vec training and inference, `w2v
//! doc2vec` against gensim's `Doc2Vec` with the same parameters on the same
//! documents, alternated (ours, gensim, ours, gensim, ...) for every mode,
//! thread count and seed; both models judged by the same code:
//!
//! - **self-nearest**: gensim's Doc2Vec tutorial check: the share of the
//!   first 1,000 training documents whose inferred vector has their own
//!   document vector nearest;
//! - **halves**: held-out documents cut in two; the share of first halves
//!   whose inferred vector is nearest to their own second half's, among
//!   all second halves.
//!
//! The documents are cut from a text8-form corpus: consecutive runs of
//! `--words-per-doc` words, the last `--held-out` of them kept for the
//! halves task. Prints one Markdown table of medians and ratios.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use ndarray::{Array2, Axis};
use vecstore::KeyedVectors;

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-doc2vec`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The corpus documents are cut from (text8 form).
    #[arg(long)]
    text8: PathBuf,
    /// Words per document.
    #[arg(long, default_value_t = 300)]
    words_per_doc: usize,
    /// Documents held out for the halves task (from the end).
    #[arg(long, default_value_t = 500)]
    held_out: usize,
    /// Training documents whose vectors are inferred, timed (gensim's
    /// `infer_vector` loop against `w2v doc2vec infer --file`).
    #[arg(long, default_value_t = 10_000)]
    infer: usize,
    /// Seeds; each trains one model per side, mode and thread count.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    seeds: Vec<u64>,
    /// Thread counts (gensim workers).
    #[arg(long, value_delimiter = ',', default_value = "2,1")]
    threads: Vec<usize>,
    /// Modes: dm (PV-DM, mean), dbow (PV-DBOW).
    #[arg(long, value_delimiter = ',', default_value = "dm,dbow")]
    mode: Vec<String>,
    /// A Python interpreter with gensim installed.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Scratch directory.
    #[arg(long, default_value = "target/bench-doc2vec")]
    dir: PathBuf,
}

/// One trained model's figures.
#[derive(Debug, Default, Clone)]
struct Run {
    words_per_sec: f64,
    infer_seconds: f64,
    peak_mib: f64,
    self_nearest: f64,
    halves: f64,
}

/// The files cut from the corpus.
struct Files {
    train: PathBuf,
    infer: PathBuf,
    /// Documents in `infer`.
    inferred: usize,
    halves: PathBuf,
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
        anyhow::ensure!(m == "dm" || m == "dbow", "unknown mode {m:?} (dm, dbow)");
    }
    let files = prepare(&args)?;
    let mut rows = Vec::new();
    for name in &args.mode {
        for &threads in &args.threads {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for &seed in &args.seeds {
                let run = train_ours(&args, &w2v, &files, name, threads, seed)?;
                eprintln!("{name} threads {threads} seed {seed} ours:   {run:?}");
                ours.push(run);
                let run = train_gensim(&args, &root, &files, name, threads, seed)?;
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
        "| mode | threads | ours words/s | gensim words/s | **ours / gensim** | infer {} docs s, ours / gensim | **infer gensim / ours** | peak MiB ours / gensim | self-nearest % ours / gensim | halves top-1 % ours / gensim |",
        files.inferred
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, threads, ours, theirs) in &rows {
        println!(
            "| {name} | {threads} | {:.0} | {:.0} | **{:.2}x** | {:.2} / {:.2} | **{:.1}x** | {:.0} / {:.0} | {:.1} / {:.1} | {:.1} / {:.1} |",
            col(ours, |r| r.words_per_sec),
            col(theirs, |r| r.words_per_sec),
            col(ours, |r| r.words_per_sec) / col(theirs, |r| r.words_per_sec),
            col(ours, |r| r.infer_seconds),
            col(theirs, |r| r.infer_seconds),
            col(theirs, |r| r.infer_seconds) / col(ours, |r| r.infer_seconds),
            col(ours, |r| r.peak_mib),
            col(theirs, |r| r.peak_mib),
            100.0 * mean(ours, |r| r.self_nearest),
            100.0 * mean(theirs, |r| r.self_nearest),
            100.0 * mean(ours, |r| r.halves),
            100.0 * mean(theirs, |r| r.halves),
        );
    }
    Ok(())
}

/// Cuts the corpus into documents: `train.txt` (one per line), `infer.txt`
/// (its first `--infer`), `halves.txt` (the held-out documents' first
/// halves, then their second halves).
fn prepare(args: &Args) -> anyhow::Result<Files> {
    let text = std::fs::read_to_string(&args.text8)
        .with_context(|| format!("cannot read {}", args.text8.display()))?;
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let docs: Vec<String> = words
        .chunks(args.words_per_doc.max(2))
        .map(|chunk| chunk.join(" "))
        .collect();
    if docs.len() <= args.held_out + 1 {
        bail!(
            "{} documents of {} words: too few to hold out {}",
            docs.len(),
            args.words_per_doc,
            args.held_out
        );
    }
    let (train, held) = docs.split_at(docs.len() - args.held_out);
    let infer = &train[..args.infer.min(train.len())];
    let files = Files {
        train: args.dir.join("train.txt"),
        infer: args.dir.join("infer.txt"),
        inferred: infer.len(),
        halves: args.dir.join("halves.txt"),
    };
    std::fs::write(&files.train, train.join("\n") + "\n")?;
    std::fs::write(&files.infer, infer.join("\n") + "\n")?;
    let mut halves: Vec<String> = Vec::new();
    for part in 0..2 {
        for doc in held {
            let words: Vec<&str> = doc.split(' ').collect();
            let (a, b) = words.split_at(words.len() / 2);
            halves.push([a, b][part].join(" "));
        }
    }
    std::fs::write(&files.halves, halves.join("\n") + "\n")?;
    eprintln!(
        "{} training documents of {} words, {} held out",
        train.len(),
        args.words_per_doc,
        held.len()
    );
    Ok(files)
}

/// Trains with `w2v doc2vec train`, infers with `w2v doc2vec infer`, and
/// judges the vectors.
fn train_ours(
    args: &Args,
    w2v: &Path,
    files: &Files,
    name: &str,
    threads: usize,
    seed: u64,
) -> anyhow::Result<Run> {
    let model = args.dir.join(format!("ours_{name}_{threads}_{seed}.d2v"));
    let dv = args
        .dir
        .join(format!("ours_{name}_{threads}_{seed}.dv.txt"));
    let mut command = Command::new(w2v);
    command
        .args(["doc2vec", "train", "--quiet", "--corpus"])
        .arg(&files.train)
        .args([
            "--threads",
            &threads.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .arg(if name == "dm" { "--dm" } else { "--dbow" })
        .arg("--out")
        .arg(&model)
        .arg("--doc-vectors")
        .arg(&dv);
    let output = checked(&mut command, "w2v doc2vec train")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let words_per_sec = field_before(&stdout, "trained", " words/s")?;
    let peak_mib = field_before(&stdout, "peak memory", " MiB").unwrap_or(f64::NAN);
    let infer = |docs: &Path| -> anyhow::Result<(Array2<f32>, f64)> {
        let mut command = Command::new(w2v);
        command
            .args(["doc2vec", "infer", "--model"])
            .arg(&model)
            .arg("--file")
            .arg(docs);
        let output = checked(&mut command, "w2v doc2vec infer")?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let seconds = field_before(&stderr, "inferred", " s,")?;
        let rows: Vec<Vec<f32>> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| {
                line.split(' ')
                    .map(|x| x.parse().unwrap_or(f32::NAN))
                    .collect()
            })
            .collect();
        Ok((to_matrix(rows)?, seconds))
    };
    let (inferred, infer_seconds) = infer(&files.infer)?;
    let (halves, _) = infer(&files.halves)?;
    judge(
        Run {
            words_per_sec,
            infer_seconds,
            peak_mib,
            ..Run::default()
        },
        &KeyedVectors::load(&dv)?,
        &inferred,
        &halves,
    )
}

/// Trains and infers with gensim (`benches/gensim_doc2vec.py`), and judges
/// the vectors with the same code.
fn train_gensim(
    args: &Args,
    root: &Path,
    files: &Files,
    name: &str,
    threads: usize,
    seed: u64,
) -> anyhow::Result<Run> {
    let dv = args
        .dir
        .join(format!("gensim_{name}_{threads}_{seed}.dv.txt"));
    let inferred = args.dir.join("gensim_inferred.txt");
    let halves = args.dir.join("gensim_halves.txt");
    let path = |p: &Path| p.to_str().context("non-UTF-8 path").map(str::to_owned);
    let json = run_json(
        &args.python,
        &root.join("benches/gensim_doc2vec.py"),
        &[
            "--corpus",
            &path(&files.train)?,
            "--out-dv",
            &path(&dv)?,
            "--dm",
            if name == "dm" { "1" } else { "0" },
            "--workers",
            &threads.to_string(),
            "--seed",
            &seed.to_string(),
            "--infer",
            &path(&files.infer)?,
            "--out-inferred",
            &path(&inferred)?,
            "--infer",
            &path(&files.halves)?,
            "--out-inferred",
            &path(&halves)?,
        ],
    )?;
    let run = Run {
        words_per_sec: json["words_per_sec"].as_f64().unwrap_or(f64::NAN),
        infer_seconds: json["infer_seconds"][0].as_f64().unwrap_or(f64::NAN),
        peak_mib: json["peak_rss_mb"].as_f64().unwrap_or(f64::NAN),
        ..Run::default()
    };
    let matrix = |p: &Path| -> anyhow::Result<Array2<f32>> {
        Ok(KeyedVectors::load(p)?.vectors().to_owned())
    };
    judge(
        run,
        &KeyedVectors::load(&dv)?,
        &matrix(&inferred)?,
        &matrix(&halves)?,
    )
}

/// Fills in the self-nearest and halves shares.
fn judge(
    mut run: Run,
    dv: &KeyedVectors,
    inferred: &Array2<f32>,
    halves: &Array2<f32>,
) -> anyhow::Result<Run> {
    let probes = inferred.nrows().min(1000);
    let docs = unit_rows(dv.vectors().to_owned());
    let probe = unit_rows(inferred.slice(ndarray::s![..probes, ..]).to_owned());
    run.self_nearest = share_nearest_to_own(&probe, &docs);
    let n = halves.nrows() / 2;
    let firsts = unit_rows(halves.slice(ndarray::s![..n, ..]).to_owned());
    let seconds = unit_rows(halves.slice(ndarray::s![n..2 * n, ..]).to_owned());
    run.halves = share_nearest_to_own(&firsts, &seconds);
    Ok(run)
}

/// The share of rows `i` of `queries` whose most similar row of `targets`
/// (by dot product of unit rows) is row `i`.
fn share_nearest_to_own(queries: &Array2<f32>, targets: &Array2<f32>) -> f64 {
    let scores = queries.dot(&targets.t());
    let hits = scores
        .axis_iter(Axis(0))
        .enumerate()
        .filter(|(i, row)| {
            let best = row
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(j, _)| j);
            best == Some(*i)
        })
        .count();
    hits as f64 / queries.nrows().max(1) as f64
}

fn unit_rows(mut m: Array2<f32>) -> Array2<f32> {
    for mut row in m.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    m
}

fn to_matrix(rows: Vec<Vec<f32>>) -> anyhow::Result<Array2<f32>> {
    let dim = rows.first().map_or(0, Vec::len);
    anyhow::ensure!(
        rows.iter().all(|r| r.len() == dim),
        "inferred rows differ in length"
    );
    Ok(Array2::from_shape_vec(
        (rows.len(), dim),
        rows.into_iter().flatten().collect(),
    )?)
}

/// Runs `command`, failing with its stderr unless it succeeded.
fn checked(command: &mut Command, what: &str) -> anyhow::Result<std::process::Output> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    anyhow::ensure!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(output)
}

/// The number just before `unit` on the first line starting with `prefix`
/// ("trained ... in 1.2 s, 345 words/s" → 345 for " words/s").
fn field_before(text: &str, prefix: &str, unit: &str) -> anyhow::Result<f64> {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .with_context(|| format!("no {prefix:?} line in {text:?}"))?;
    let head = line
        .split(unit)
        .next()
        .with_context(|| format!("no {unit:?} in {line:?}"))?;
    head.rsplit(' ')
        .next()
        .and_then(|x| x.parse().ok())
        .with_context(|| format!("cannot parse {line:?}"))
}
