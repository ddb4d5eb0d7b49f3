//! The tutorial's step 8: exact search, Annoy and HNSW side by side. Recall@10
//! against milliseconds per query for Annoy's `search_k` sweep (the forest
//! saved in step 5), HNSW's `ef` sweep (a graph built here, M 16,
//! ef_construction 200) and the exact search; the build time and the index
//! size of each.
//!
//! Every query runs alone on one thread (the exact search otherwise splits
//! its rows between the cores), through [`Indexer::most_similar`], on the
//! unit vectors of sampled vocabulary words (each counts as its own
//! neighbour on every side).

use std::path::Path;
use std::time::Instant;

use knn::{AnnoyIndexer, ExactIndexer, HnswIndexer, Indexer};
use ndarray::ArrayView2;
use serde::Serialize;
use vecstore::KeyedVectors;

/// One point of a curve: a setting and what it gave.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Point {
    /// The setting: Annoy's `search_k`, HNSW's `ef` (0 for the exact search).
    pub setting: usize,
    /// Mean milliseconds per query, one query at a time on one thread.
    pub ms_per_query: f64,
    /// Mean recall@10 against the exact answers.
    pub recall_at_10: f64,
}

/// One method of the comparison.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Method {
    /// What it is, with its build parameters.
    pub name: String,
    /// What `setting` means in its points.
    pub setting: String,
    /// Seconds to build its index (the exact search: its byte-quantised
    /// copy of the unit vectors).
    pub build_seconds: f64,
    /// Bytes of its index: the file for Annoy and HNSW; for the exact search
    /// the quantised copy it keeps in memory (no file).
    pub index_bytes: u64,
    /// Its curve, in the order of the settings.
    pub points: Vec<Point>,
}

/// What step 8 measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// Queries per point.
    pub queries: usize,
    /// The exact search (one point).
    pub exact: Method,
    /// The Annoy forest of step 3, saved in step 5, at each `search_k`.
    pub annoy: Method,
    /// An HNSW graph at each `ef`.
    pub hnsw: Method,
}

/// The share of `truth`'s ids that `found` holds.
fn recall(truth: &[(usize, f32)], found: &[(usize, f32)]) -> f64 {
    let hits = truth
        .iter()
        .filter(|t| found.iter().any(|f| f.0 == t.0))
        .count();
    hits as f64 / truth.len().max(1) as f64
}

/// Times `indexer` over `queries` (after a warm-up of up to 50 of them) and
/// scores its answers against `truth`.
fn measure(
    indexer: &dyn Indexer,
    queries: ArrayView2<'_, f32>,
    truth: &[Vec<(usize, f32)>],
    setting: usize,
) -> anyhow::Result<Point> {
    for query in queries.rows().into_iter().take(50) {
        indexer.most_similar(query, 10)?;
    }
    let mut answers = Vec::with_capacity(queries.nrows());
    let start = Instant::now();
    for query in queries.rows() {
        answers.push(indexer.most_similar(query, 10)?);
    }
    let seconds = start.elapsed().as_secs_f64();
    let total: f64 = truth.iter().zip(&answers).map(|(t, a)| recall(t, a)).sum();
    Ok(Point {
        setting,
        ms_per_query: seconds * 1000.0 / queries.nrows().max(1) as f64,
        recall_at_10: total / truth.len().max(1) as f64,
    })
}

/// The settings swept.
pub struct Settings {
    /// Annoy's `search_k` values.
    pub search_k: Vec<usize>,
    /// HNSW's `ef` values.
    pub ef: Vec<usize>,
}

impl Settings {
    /// The quick run's or the full run's.
    pub fn new(quick: bool) -> Self {
        if quick {
            Settings {
                search_k: vec![50, 200, 1_000, 5_000],
                ef: vec![10, 20, 50, 100],
            }
        } else {
            Settings {
                search_k: vec![100, 300, 1_000, 3_000, 10_000, 30_000],
                ef: vec![10, 20, 50, 100, 200],
            }
        }
    }
}

/// Runs the step on the vectors `kv` and the saved forest at `annoy_path`
/// (built in `annoy_build_seconds` with `num_trees` trees); the HNSW graph is
/// saved to `hnsw_path` (with its sidecar). `ids` are the query words.
#[allow(clippy::too_many_arguments)]
pub fn run(
    kv: &KeyedVectors,
    ids: &[usize],
    annoy_path: &Path,
    annoy_build_seconds: f64,
    num_trees: usize,
    hnsw_path: &Path,
    settings: &Settings,
    seed: u64,
    threads: usize,
    say: &dyn Fn(String),
) -> anyhow::Result<Comparison> {
    let normed = kv.normed_vectors();
    let queries = normed.select(ndarray::Axis(0), ids);
    // The exact search's build: its quantised copy, made at first use (and
    // cached by `kv`, so before the exact answers are computed).
    let start = Instant::now();
    let exact = ExactIndexer::new(kv);
    exact.most_similar(queries.row(0), 10)?;
    let exact_build_seconds = start.elapsed().as_secs_f64();
    let truth = super::steps::exact_neighbours(kv, ids, 10);
    // The HNSW graph, built on `threads` threads, saved and mapped back as
    // the forest is: the queries go to the files.
    let start = Instant::now();
    let built = HnswIndexer::builder(kv)
        .m(16)
        .ef_construction(200)
        .seed(seed)
        .threads(threads)
        .build()?;
    let hnsw_build_seconds = start.elapsed().as_secs_f64();
    built.save(hnsw_path)?;
    drop(built);
    let mut hnsw = HnswIndexer::load(hnsw_path, kv)?;
    let hnsw_bytes = std::fs::metadata(hnsw_path)?.len();
    let mut annoy = AnnoyIndexer::load(annoy_path, kv)?;
    let annoy_bytes = std::fs::metadata(annoy_path)?.len();
    say(format!(
        "   HNSW (M 16, ef_construction 200): built in {hnsw_build_seconds:.2} s on {threads} threads, {hnsw_bytes} bytes; Annoy ({num_trees} trees): {annoy_build_seconds:.2} s, {annoy_bytes} bytes"
    ));
    say(format!(
        "   {} queries per point, one at a time on one thread: recall@10 | ms per query",
        ids.len()
    ));
    // One thread: the exact search splits a query's rows between the cores.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let exact_point = one.install(|| measure(&exact, queries.view(), &truth, 0))?;
    say(format!(
        "   exact                {:.3} | {:.4}",
        exact_point.recall_at_10, exact_point.ms_per_query
    ));
    let mut annoy_points = Vec::new();
    for &search_k in &settings.search_k {
        annoy.set_search_k(Some(search_k));
        let point = one.install(|| measure(&annoy, queries.view(), &truth, search_k))?;
        say(format!(
            "   Annoy search_k {search_k:>6} {:.3} | {:.4}",
            point.recall_at_10, point.ms_per_query
        ));
        annoy_points.push(point);
    }
    drop(annoy);
    let mut hnsw_points = Vec::new();
    for &ef in &settings.ef {
        hnsw.set_ef(ef)?;
        let point = one.install(|| measure(&hnsw, queries.view(), &truth, ef))?;
        say(format!(
            "   HNSW ef {ef:>4}         {:.3} | {:.4}",
            point.recall_at_10, point.ms_per_query
        ));
        hnsw_points.push(point);
    }
    // The quantised copy: a byte per value (rows padded to whole groups of
    // four) and four 4-byte figures per row.
    let exact_bytes = (kv.len() * (kv.dim().div_ceil(4) * 4 + 16)) as u64;
    Ok(Comparison {
        queries: ids.len(),
        exact: Method {
            name: "exact (int8 scan + f32 re-rank)".into(),
            setting: "none".into(),
            build_seconds: exact_build_seconds,
            index_bytes: exact_bytes,
            points: vec![exact_point],
        },
        annoy: Method {
            name: format!("Annoy, {num_trees} trees"),
            setting: "search_k".into(),
            build_seconds: annoy_build_seconds,
            index_bytes: annoy_bytes,
            points: annoy_points,
        },
        hnsw: Method {
            name: "HNSW, M 16, ef_construction 200".into(),
            setting: "ef".into(),
            build_seconds: hnsw_build_seconds,
            index_bytes: hnsw_bytes,
            points: hnsw_points,
        },
    })
}

/// The report's section.
pub fn markdown(c: &Comparison) -> String {
    let mut md = format!(
        "## Exact vs Annoy vs HNSW\n\n{} queries per point (vocabulary words' unit vectors), one at a time on one thread, `most_similar(query, 10)`; recall@10 against the exact answers.\n\n![recall against time](compare.svg)\n\n| method | build s | index bytes |\n|---|---|---|\n",
        c.queries
    );
    for m in [&c.exact, &c.annoy, &c.hnsw] {
        md += &format!(
            "| {} | {:.2} | {} |\n",
            m.name, m.build_seconds, m.index_bytes
        );
    }
    md += "\nThe exact search has no file: its size is the byte-quantised copy of the unit vectors it keeps in memory.\n\n| method | setting | recall@10 | ms per query |\n|---|---|---|---|\n";
    for m in [&c.exact, &c.annoy, &c.hnsw] {
        for p in &m.points {
            let setting = if m.setting == "none" {
                "-".to_string()
            } else {
                format!("{} {}", m.setting, p.setting)
            };
            md += &format!(
                "| {} | {setting} | {:.3} | {:.4} |\n",
                m.name, p.recall_at_10, p.ms_per_query
            );
        }
    }
    md += "\n";
    md
}
