//! `cargo xtask bench-knn`: exact and Annoy `most_similar` against gensim on
//! the same vectors and queries, alternated (ours, gensim, ours, ...), for
//! the tutorial's comparison table in `docs/PERFORMANCE.md`.
//!
//! As in the tutorial, a query is the unit vector of a random vocabulary
//! word, `topn` is 5, and 100 warm-up queries come first. Measured per side:
//! the mean time of one exact query, a batch of exact queries (product and
//! top-k), the mean time of one query through a 100-tree Annoy indexer, and
//! that indexer's recall@10 against exact search.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use knn::{AnnoyIndexer, ExactIndexer, Indexer, Similarity, Term};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use vecstore::KeyedVectors;

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-knn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word vectors in word2vec format (binary unless the name ends in .txt).
    vectors: PathBuf,
    /// Single queries per round.
    #[arg(long, default_value_t = 10_000)]
    queries: usize,
    /// Queries in the batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Queries for recall@10.
    #[arg(long, default_value_t = 1000)]
    recall_queries: usize,
    /// Trees of the Annoy indexers.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Alternated rounds.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seed of the query sample.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A Python interpreter with gensim and annoy.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Measure our side only.
    #[arg(long)]
    ours_only: bool,
}

/// One side's figures of one round.
#[derive(Debug, Clone, Copy)]
struct Figures {
    exact_ms: f64,
    batch_s: f64,
    annoy_ms: f64,
    recall: f64,
}

/// A row of the table: its name and the figure it shows.
type Measure = (&'static str, fn(&Figures) -> f64);

const TOPN: usize = 5;

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    let kv = KeyedVectors::load(&args.vectors)
        .with_context(|| format!("loading {}", args.vectors.display()))?;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(args.seed);
    let ids: Vec<usize> = (0..args.queries)
        .map(|_| rng.random_range(0..kv.len()))
        .collect();
    let ids_file = std::env::temp_dir().join(format!("bench-knn-ids-{}.txt", std::process::id()));
    std::fs::write(
        &ids_file,
        ids.iter().map(|i| format!("{i}\n")).collect::<String>(),
    )?;
    println!(
        "{} x {}, {} queries, topn {TOPN}, batch {}, {} trees",
        kv.len(),
        kv.dim(),
        ids.len(),
        args.batch,
        args.trees
    );
    let script = workspace_root().join("benches/gensim_knn.py");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds {
        let a = measure_ours(&kv, &ids, &args)?;
        eprintln!("round {round} ours:   {a:?}");
        ours.push(a);
        if args.ours_only {
            continue;
        }
        let json = run_json(
            &args.python,
            &script,
            &[
                "--vectors",
                args.vectors.to_str().context("non-UTF-8 path")?,
                "--ids",
                ids_file.to_str().context("non-UTF-8 path")?,
                "--trees",
                &args.trees.to_string(),
                "--batch",
                &args.batch.to_string(),
                "--recall-queries",
                &args.recall_queries.to_string(),
            ],
        )?;
        let field = |name: &str| {
            json[name]
                .as_f64()
                .with_context(|| format!("peer printed no {name}"))
        };
        let b = Figures {
            exact_ms: field("exact_ms")?,
            batch_s: field("batch_s")?,
            annoy_ms: field("annoy_ms")?,
            recall: field("recall_at_10")?,
        };
        eprintln!("round {round} gensim: {b:?}");
        theirs.push(b);
    }
    std::fs::remove_file(&ids_file).ok();
    let med =
        |runs: &[Figures], f: fn(&Figures) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let samples = |runs: &[Figures], f: fn(&Figures) -> f64| {
        runs.iter()
            .map(|r| format!("{:.4}", f(r)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("| measure | ours, median | gensim, median | gensim / ours | rounds (ours; gensim) |");
    println!("|---|---|---|---|---|");
    let rows: [Measure; 4] = [
        ("exact query, ms", |f| f.exact_ms),
        ("exact batch, s", |f| f.batch_s),
        ("Annoy query, ms", |f| f.annoy_ms),
        ("Annoy recall@10", |f| f.recall),
    ];
    for (name, f) in rows {
        let (a, b) = (med(&ours, f), med(&theirs, f));
        println!(
            "| {name} | {a:.4} | {b:.4} | {:.2}x | {}; {} |",
            b / a,
            samples(&ours, f),
            samples(&theirs, f)
        );
    }
    if !ours.is_empty() && !theirs.is_empty() {
        let speedup = |runs: &[Figures]| med(runs, |f| f.exact_ms / f.annoy_ms);
        println!(
            "\nexact / Annoy per query: ours {:.1}x, gensim {:.1}x",
            speedup(&ours),
            speedup(&theirs)
        );
    }
    Ok(())
}

/// Our figures for one round (the Annoy indexer is built in the round, as
/// gensim's is, but its build is not timed here: see `bench-annoy`).
fn measure_ours(kv: &KeyedVectors, ids: &[usize], args: &Args) -> anyhow::Result<Figures> {
    let normed = kv.normed_vectors();
    let per_query = |indexer: Option<&dyn Indexer>| -> anyhow::Result<f64> {
        for &id in ids.iter().take(100) {
            let query = normed.row(id).to_vec();
            kv.most_similar(&[Term::Vector(&query)], &[], TOPN, None, indexer)?;
        }
        let mut total = 0.0;
        for &id in ids {
            let query = normed.row(id).to_vec();
            let start = Instant::now();
            kv.most_similar(&[Term::Vector(&query)], &[], TOPN, None, indexer)?;
            total += start.elapsed().as_secs_f64();
        }
        Ok(total / ids.len() as f64 * 1e3)
    };
    let exact_ms = per_query(None)?;

    let batch_ids = &ids[..args.batch.min(ids.len())];
    let mut block = Array2::zeros((batch_ids.len(), kv.dim()));
    for (mut row, &id) in block.rows_mut().into_iter().zip(batch_ids) {
        row.assign(&normed.row(id));
    }
    let exact = ExactIndexer::new(kv);
    exact.most_similar_batch(block.view(), TOPN)?;
    let start = Instant::now();
    exact.most_similar_batch(block.view(), TOPN)?;
    let batch_s = start.elapsed().as_secs_f64();

    let indexer = AnnoyIndexer::new(kv, args.trees)?;
    let annoy_ms = per_query(Some(&indexer))?;
    let mut recall = 0.0;
    let recall_ids = &ids[..args.recall_queries.min(ids.len())];
    for &id in recall_ids {
        let truth = exact.most_similar(normed.row(id), 10)?;
        let found = indexer.most_similar(normed.row(id), 10)?;
        recall += found
            .iter()
            .filter(|(i, _)| truth.iter().any(|(t, _)| t == i))
            .count() as f64
            / 10.0;
    }
    Ok(Figures {
        exact_ms,
        batch_s,
        annoy_ms,
        recall: recall / recall_ids.len() as f64,
    })
}
