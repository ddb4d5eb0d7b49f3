//! `cargo xtask bench-annoy`: annoy-rs against Python's annoy 1.17.3 on the
//! same vectors, alternated (ours, annoy, ours, annoy, ...) so that machine
//! noise hits both; prints markdown tables of medians and ratios for
//! `docs/ANNOY.md`.
//!
//! - build: 100 trees with 2 threads (annoy `n_jobs=2`) and 1 thread, on
//!   real word vectors and on a synthetic set; annoy's `add_item` calls
//!   are timed apart from its `build`;
//! - query (real vectors): a `search_k` sweep for both, recall@10 against
//!   exact search and single-thread queries per second, and the QPS ratio
//!   at recall 0.80, 0.90, 0.95, 0.99 (interpolated);
//! - file size and load time.

use std::path::{Path, PathBuf};
use std::time::Instant;

use annoy_rs::{AnnoyIndex, BuildOptions, Kiss64, LoadOptions, Metric};
use anyhow::Context;
use vecstore::KeyedVectors;

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-annoy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Real word vectors (any vecstore format) for the build and query
    /// comparisons; omitted: synthetic only.
    #[arg(long)]
    vectors: Option<PathBuf>,
    /// Rows of the synthetic set for the build comparison (0: none).
    #[arg(long, default_value_t = 1_000_000)]
    synthetic_rows: usize,
    /// Dimension of the synthetic set.
    #[arg(long, default_value_t = 100)]
    synthetic_dim: usize,
    /// Trees per index.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Alternated rounds on the real vectors.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Alternated rounds on the synthetic set (its builds are long).
    #[arg(long, default_value_t = 1)]
    synthetic_rounds: usize,
    /// Queries for the query comparison.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// search_k values of the sweep.
    #[arg(long, num_args = 1.., default_values_t = [0, 100, 300, 1000, 2000, 5000, 10000, 20000, 50000])]
    search_k: Vec<usize>,
    /// A Python interpreter with annoy and numpy.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Run only "build" or "query".
    #[arg(long)]
    only: Option<String>,
    /// Where to put the files (a few GB with the synthetic set).
    #[arg(long, default_value = "target/bench-annoy")]
    dir: PathBuf,
}

const N: usize = 10;
const SEED: u64 = 1;

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let script = workspace_root().join("benches/annoy_peer.py");
    println!("machine: {}, {} threads", cpu_model(), available_threads());
    let wants = |what: &str| args.only.as_deref().is_none_or(|only| only == what);

    let real = match &args.vectors {
        Some(path) => {
            let kv = KeyedVectors::load(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let rows: Vec<f32> = kv.normed_vectors().iter().copied().collect();
            Some(("real", kv.dim(), rows))
        }
        None => None,
    };
    if wants("build") {
        println!();
        println!("| set | threads | ours: add + build, median s | annoy: build, median s | annoy: add_item, median s | annoy build / ours | annoy (add + build) / ours | rounds (ours; annoy build) |");
        println!("|---|---|---|---|---|---|---|---|");
        if let Some((name, dim, rows)) = &real {
            bench_build(&args, &script, name, *dim, rows, args.rounds)?;
        }
        if args.synthetic_rows > 0 {
            let kv = benches::synthetic_vectors(args.synthetic_rows, args.synthetic_dim, 1);
            let rows: Vec<f32> = kv.normed_vectors().iter().copied().collect();
            drop(kv);
            let name = format!("synthetic {}x{}", args.synthetic_rows, args.synthetic_dim);
            bench_build(
                &args,
                &script,
                &name,
                args.synthetic_dim,
                &rows,
                args.synthetic_rounds,
            )?;
        }
    }
    if wants("query") {
        if let Some((_, dim, rows)) = &real {
            bench_query(&args, &script, *dim, rows)?;
        }
    }
    Ok(())
}

fn cpu_model() -> String {
    test_support::cpu_model().unwrap_or_else(|| "unknown CPU".into())
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn write_f32(path: &Path, values: &[f32]) -> anyhow::Result<()> {
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn str_path(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("non-UTF-8 path")
}

fn samples(times: &[f64]) -> String {
    times
        .iter()
        .map(|t| format!("{t:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Our index over `rows`, built with `threads` threads; returns it and
/// the seconds of `add_items` + `build`.
fn build_ours(
    dim: usize,
    rows: &[f32],
    trees: usize,
    threads: usize,
) -> anyhow::Result<(AnnoyIndex, f64)> {
    let start = Instant::now();
    let mut index = AnnoyIndex::new(dim, Metric::Angular);
    index.add_items(rows)?;
    index.build_with(
        BuildOptions::new(trees).threads(threads).seed(SEED),
        |_, _| {},
    )?;
    Ok((index, start.elapsed().as_secs_f64()))
}

fn bench_build(
    args: &Args,
    script: &Path,
    name: &str,
    dim: usize,
    rows: &[f32],
    rounds: usize,
) -> anyhow::Result<()> {
    let items = args.dir.join(format!("{}.f32", name.replace(' ', "_")));
    write_f32(&items, rows)?;
    let annoy_file = args.dir.join("annoy.ann");
    let ours_file = args.dir.join("ours.ann");
    let trees = args.trees.to_string();
    for threads in [2, 1] {
        let (mut ours, mut theirs, mut adds) = (Vec::new(), Vec::new(), Vec::new());
        let mut sizes = (0, 0);
        for round in 0..rounds {
            let (index, seconds) = build_ours(dim, rows, args.trees, threads)?;
            ours.push(seconds);
            index.save(&ours_file)?;
            sizes.0 = std::fs::metadata(&ours_file)?.len();
            drop(index);
            let json = run_json(
                &args.python,
                script,
                &[
                    "build",
                    "--items",
                    str_path(&items)?,
                    "--dim",
                    &dim.to_string(),
                    "--trees",
                    &trees,
                    "--jobs",
                    &threads.to_string(),
                    "--out",
                    str_path(&annoy_file)?,
                ],
            )?;
            theirs.push(json["build_seconds"].as_f64().context("no build_seconds")?);
            adds.push(json["add_seconds"].as_f64().context("no add_seconds")?);
            sizes.1 = json["file_bytes"].as_u64().unwrap_or(0);
            eprintln!(
                "{name}, {threads} threads, round {}: ours {:.2} s; annoy build {:.2} s + add_item {:.2} s",
                round + 1,
                ours[round],
                theirs[round],
                adds[round]
            );
        }
        let (a, b, c) = (median(&ours), median(&theirs), median(&adds));
        println!(
            "| {name} | {threads} | {a:.2} | {b:.2} | {c:.2} | {:.2}x | {:.2}x | {}; {} |",
            b / a,
            (b + c) / a,
            samples(&ours),
            samples(&theirs)
        );
        eprintln!(
            "{name}: file sizes: ours {} bytes, annoy {} bytes",
            sizes.0, sizes.1
        );
    }
    Ok(())
}

/// The exact `N` nearest rows (by cosine: rows are unit vectors) of each
/// query row, flattened: knn's exact search.
fn exact(rows: &[f32], dim: usize, queries: &[usize]) -> Vec<u32> {
    let view = ndarray::ArrayView2::from_shape((rows.len() / dim, dim), rows)
        .expect("rows are a whole number of vectors");
    knn::exact_neighbours(view, annoy_rs::Metric::Angular, queries, N)
        .into_iter()
        .flatten()
        .map(|i| i as u32)
        .collect()
}

/// One sweep of ours: (recall, qps) per search_k.
fn sweep_ours(
    index: &AnnoyIndex,
    dim: usize,
    queries: &[f32],
    truth: &[u32],
    search_ks: &[usize],
) -> anyhow::Result<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for &k in search_ks {
        let mut hits = 0;
        let start = Instant::now();
        for (q, t) in queries.chunks_exact(dim).zip(truth.chunks_exact(N)) {
            let found = index.get_nns_by_vector(q, N, Some(k))?;
            hits += found.iter().filter(|n| t.contains(&n.id)).count();
        }
        let seconds = start.elapsed().as_secs_f64();
        out.push((
            hits as f64 / truth.len() as f64,
            (queries.len() / dim) as f64 / seconds,
        ));
    }
    Ok(out)
}

fn bench_query(args: &Args, script: &Path, dim: usize, rows: &[f32]) -> anyhow::Result<()> {
    let n_items = rows.len() / dim;
    let mut rng = Kiss64::new(SEED);
    let ids: Vec<usize> = (0..args.queries).map(|_| rng.index(n_items)).collect();
    let queries: Vec<f32> = ids
        .iter()
        .flat_map(|&i| rows[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    eprintln!(
        "exact search for {} queries over {n_items} items",
        ids.len()
    );
    let truth = exact(rows, dim, &ids);
    let (queries_file, truth_file) = (args.dir.join("queries.f32"), args.dir.join("truth.u32"));
    write_f32(&queries_file, &queries)?;
    let truth_bytes: Vec<u8> = truth.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(&truth_file, truth_bytes)?;

    // Each side queries its own index, built with 2 threads and saved.
    let items_file = args.dir.join("real.f32");
    write_f32(&items_file, rows)?;
    let (ours_file, annoy_file) = (args.dir.join("ours.ann"), args.dir.join("annoy.ann"));
    let (index, _) = build_ours(dim, rows, args.trees, 2)?;
    index.save(&ours_file)?;
    drop(index);
    run_json(
        &args.python,
        script,
        &[
            "build",
            "--items",
            str_path(&items_file)?,
            "--dim",
            &dim.to_string(),
            "--trees",
            &args.trees.to_string(),
            "--jobs",
            "2",
            "--out",
            str_path(&annoy_file)?,
        ],
    )?;
    let mut load_ours = Vec::new();
    let mut load_ours_unverified = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let index = AnnoyIndex::open(&ours_file, dim, Metric::Angular)?;
        load_ours.push(start.elapsed().as_secs_f64());
        drop(index);
        let start = Instant::now();
        let mut index = AnnoyIndex::new(dim, Metric::Angular);
        index.load_with(
            &ours_file,
            LoadOptions {
                verify: false,
                prefault: false,
            },
        )?;
        load_ours_unverified.push(start.elapsed().as_secs_f64());
    }
    let index = AnnoyIndex::open(&ours_file, dim, Metric::Angular)?;

    let ks: Vec<String> = args.search_k.iter().map(|k| k.to_string()).collect();
    let mut py_args = vec![
        "query".to_string(),
        "--index".into(),
        str_path(&annoy_file)?.into(),
        "--dim".into(),
        dim.to_string(),
        "--queries".into(),
        str_path(&queries_file)?.into(),
        "--truth".into(),
        str_path(&truth_file)?.into(),
        "--n".into(),
        N.to_string(),
        "--search-k".into(),
    ];
    py_args.extend(ks);
    let py_args: Vec<&str> = py_args.iter().map(String::as_str).collect();
    let (mut ours, mut theirs, mut load_theirs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        ours.push(sweep_ours(&index, dim, &queries, &truth, &args.search_k)?);
        let json = run_json(&args.python, script, &py_args)?;
        load_theirs.push(json["load_seconds"].as_f64().unwrap_or(f64::NAN));
        theirs.push(
            json["rows"]
                .as_array()
                .context("no rows")?
                .iter()
                .map(|r| {
                    (
                        r["recall"].as_f64().unwrap_or(f64::NAN),
                        r["qps"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect::<Vec<_>>(),
        );
        eprintln!("query round {} done", round + 1);
    }
    let summarise = |runs: &[Vec<(f64, f64)>]| -> Vec<(f64, f64)> {
        (0..args.search_k.len())
            .map(|i| {
                (
                    runs[0][i].0,
                    median(&runs.iter().map(|r| r[i].1).collect::<Vec<_>>()),
                )
            })
            .collect()
    };
    let (ours, theirs) = (summarise(&ours), summarise(&theirs));
    println!();
    println!(
        "| search_k | ours: recall@{N} | ours: queries/s | annoy: recall@{N} | annoy: queries/s |"
    );
    println!("|---|---|---|---|---|");
    for (i, k) in args.search_k.iter().enumerate() {
        println!(
            "| {k} | {:.4} | {:.0} | {:.4} | {:.0} |",
            ours[i].0, ours[i].1, theirs[i].0, theirs[i].1
        );
    }
    println!();
    println!("| recall@{N} | ours: queries/s | annoy: queries/s | ours / annoy |");
    println!("|---|---|---|---|");
    for target in [0.80, 0.90, 0.95, 0.99] {
        let (a, b) = (qps_at(&ours, target), qps_at(&theirs, target));
        let cell = |x: Option<f64>| x.map_or("not reached".into(), |x| format!("{x:.0}"));
        let ratio = match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}x", a / b),
            _ => "-".into(),
        };
        println!("| {target:.2} | {} | {} | {ratio} |", cell(a), cell(b));
    }
    println!();
    println!("| file / load | ours | annoy |");
    println!("|---|---|---|");
    println!(
        "| index file, bytes ({} trees) | {} | {} |",
        args.trees,
        std::fs::metadata(&ours_file)?.len(),
        std::fs::metadata(&annoy_file)?.len()
    );
    println!(
        "| load, median ms (warm cache) | {:.2} verified, {:.3} unverified | {:.3} |",
        median(&load_ours) * 1e3,
        median(&load_ours_unverified) * 1e3,
        median(&load_theirs) * 1e3
    );
    Ok(())
}

/// Queries per second at `target` recall, interpolating log(qps) linearly
/// in recall between the sweep points that bracket it.
fn qps_at(points: &[(f64, f64)], target: f64) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.1 > 0.0 && p.1.is_finite())
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let above = sorted.iter().position(|p| p.0 >= target)?;
    if above == 0 {
        return Some(sorted[0].1);
    }
    let ((r0, q0), (r1, q1)) = (sorted[above - 1], sorted[above]);
    if r1 <= r0 {
        return Some(q1);
    }
    let t = (target - r0) / (r1 - r0);
    Some((q0.ln() + t * (q1.ln() - q0.ln())).exp())
}
