//! `cargo xtask bench-hnsw`: crates/hnsw against Python's hnswlib 0.8 on
//! the same real word vectors, alternated (ours, hnswlib, ours, hnswlib,
//! ...) so that machine noise hits both; prints markdown tables of medians
//! and ratios for `docs/PERFORMANCE.md`.
//!
//! - build: a cosine index, M 16, ef_construction 200, with 2 threads
//!   (wall clock and process CPU time, since the machine may be shared);
//! - query: an `ef` sweep for both, recall@10 against exact search and
//!   queries per second on one thread (ours one query at a time; hnswlib
//!   through one batch call with `num_threads=1`, so that Python's per-call
//!   cost is not counted against it); each side queries its saved file,
//!   loaded (ours memory-mapped); the best of 5 runs (each the query set
//!   repeated for at least 0.25 s), by the wall clock and by the querying
//!   thread's CPU time;
//! - our Annoy (100 trees, a `search_k` sweep) and our exact search on one
//!   thread, and queries/s of each at equal recall (interpolated).

use std::path::{Path, PathBuf};
use std::time::Instant;

use annoy_rs::{AnnoyIndex, BuildOptions, Kiss64, Metric};
use anyhow::Context;
use hnsw::{Capacity, HnswIndex, Params, Space};
use vecstore::KeyedVectors;

use crate::peer::{median, run_json, workspace_root};

/// Arguments of `cargo xtask bench-hnsw`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Real word vectors (any vecstore format).
    #[arg(long)]
    vectors: PathBuf,
    /// Links per element (M; level 0 has 2M).
    #[arg(long, default_value_t = 16)]
    m: usize,
    /// Beam width while building.
    #[arg(long, default_value_t = 200)]
    ef_construction: usize,
    /// Build threads, for both.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// ef values of the query sweep.
    #[arg(long, num_args = 1.., default_values_t = [10, 20, 30, 40, 50, 100, 200])]
    ef: Vec<usize>,
    /// Alternated rounds (each: both builds, then both sweeps).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Queries (rows of the vectors, drawn with a fixed seed).
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Trees of our Annoy index (0: no Annoy comparison).
    #[arg(long, default_value_t = 100)]
    annoy_trees: usize,
    /// search_k values of our Annoy sweep.
    #[arg(long, num_args = 1.., default_values_t = [1000, 2000, 5000, 10000, 20000, 50000])]
    search_k: Vec<usize>,
    /// A Python interpreter with hnswlib and numpy.
    #[arg(long, default_value = "python3")]
    python: PathBuf,
    /// Where to put the files (a few tens of MB).
    #[arg(long, default_value = "target/bench-hnsw")]
    dir: PathBuf,
}

const N: usize = 10;
const SEED: u64 = 1;

/// Timed runs per setting; the best is kept.
const REPS: usize = 5;

/// The least duration of one timed run: the query set is repeated until
/// it is reached.
const MIN_RUN_S: f64 = 0.25;

/// Per setting of one sweep: recall@N, queries/s by the wall clock and by
/// the querying thread's CPU time (each the best of [`REPS`] runs).
type Sweep = Vec<(f64, f64, f64)>;

/// Runs the comparison.
pub fn run(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let script = workspace_root().join("benches/hnswlib_peer.py");
    println!(
        "machine: {}, {} threads",
        test_support::cpu_model().unwrap_or_else(|| "unknown CPU".into()),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let kv = KeyedVectors::load(&args.vectors)
        .with_context(|| format!("cannot read {}", args.vectors.display()))?;
    let dim = kv.dim();
    let rows: Vec<f32> = kv.normed_vectors().iter().copied().collect();
    let n_items = rows.len() / dim;
    println!(
        "{n_items} vectors x {dim}, {} queries, M {}, ef_construction {}",
        args.queries, args.m, args.ef_construction
    );

    // Queries: rows drawn with a fixed seed; the truth by exact search.
    let mut rng = Kiss64::new(SEED);
    let ids: Vec<usize> = (0..args.queries).map(|_| rng.index(n_items)).collect();
    let queries: Vec<f32> = ids
        .iter()
        .flat_map(|&i| rows[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let view = ndarray::ArrayView2::from_shape((n_items, dim), &rows[..])?;
    let truth: Vec<u32> = knn::exact_neighbours(view, Metric::Angular, &ids, N)
        .into_iter()
        .flatten()
        .map(|i| i as u32)
        .collect();
    let items_file = args.dir.join("items.f32");
    let (queries_file, truth_file) = (args.dir.join("queries.f32"), args.dir.join("truth.u32"));
    write_f32(&items_file, &rows)?;
    write_f32(&queries_file, &queries)?;
    let truth_bytes: Vec<u8> = truth.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(&truth_file, truth_bytes)?;

    let annoy = if args.annoy_trees > 0 {
        let mut index = AnnoyIndex::new(dim, Metric::Angular);
        index.add_items(&rows)?;
        index.build_with(
            BuildOptions::new(args.annoy_trees)
                .threads(args.threads)
                .seed(SEED),
            |_, _| {},
        )?;
        Some(index)
    } else {
        None
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let exact = knn::ExactIndexer::new(&kv);

    let (ours_file, theirs_file) = (args.dir.join("ours.bin"), args.dir.join("hnswlib.bin"));
    let efs: Vec<String> = args.ef.iter().map(|e| e.to_string()).collect();
    let mut query_args: Vec<&str> = vec!["query", "--index", str_path(&theirs_file)?, "--dim"];
    let dim_s = dim.to_string();
    query_args.push(&dim_s);
    query_args.extend([
        "--queries",
        str_path(&queries_file)?,
        "--truth",
        str_path(&truth_file)?,
        "--n",
        "10",
        "--ef",
    ]);
    query_args.extend(efs.iter().map(String::as_str));
    let (m_s, efc_s, threads_s) = (
        args.m.to_string(),
        args.ef_construction.to_string(),
        args.threads.to_string(),
    );
    let build_args = [
        "build",
        "--items",
        str_path(&items_file)?,
        "--dim",
        &dim_s,
        "--m",
        &m_s,
        "--ef-construction",
        &efc_s,
        "--threads",
        &threads_s,
        "--out",
        str_path(&theirs_file)?,
    ];

    let mut builds = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut sizes = (0, 0);
    let (mut ours, mut theirs, mut annoys, mut exacts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        // Builds: ours, then hnswlib.
        let (index, seconds, cpu) = build_ours(&args, dim, &rows)?;
        index.save_index(&ours_file)?;
        sizes.0 = std::fs::metadata(&ours_file)?.len();
        drop(index);
        builds.0.push(seconds);
        builds.1.push(cpu);
        let json = run_json(&args.python, &script, &build_args)?;
        builds
            .2
            .push(json["build_seconds"].as_f64().context("no build_seconds")?);
        builds.3.push(
            json["build_cpu_seconds"]
                .as_f64()
                .context("no build_cpu_seconds")?,
        );
        sizes.1 = json["file_bytes"].as_u64().unwrap_or(0);
        eprintln!(
            "round {}: build ours {:.2} s ({:.2} s CPU), hnswlib {:.2} s ({:.2} s CPU)",
            round + 1,
            builds.0[round],
            builds.1[round],
            builds.2[round],
            builds.3[round]
        );
        // Sweeps: ours, hnswlib, our Annoy, exact.
        let mut index = HnswIndex::load_index(&ours_file, Space::Cosine, dim, Capacity::Saved)?;
        ours.push(sweep_hnsw(&mut index, &args.ef, dim, &queries, &truth)?);
        drop(index);
        let json = run_json(&args.python, &script, &query_args)?;
        theirs.push(
            json["rows"]
                .as_array()
                .context("no rows")?
                .iter()
                .map(|r| {
                    (
                        r["recall"].as_f64().unwrap_or(f64::NAN),
                        r["qps"].as_f64().unwrap_or(f64::NAN),
                        r["qps_cpu"].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect::<Sweep>(),
        );
        if let Some(annoy) = &annoy {
            annoys.push(sweep_annoy(annoy, &args.search_k, dim, &queries, &truth)?);
        }
        exacts.push(pool.install(|| sweep_exact(&exact, dim, &queries, &truth))?);
        eprintln!(
            "round {}: ours {}; hnswlib {}",
            round + 1,
            brief(&ours[round]),
            brief(&theirs[round])
        );
    }

    let (ours, theirs) = (summarise(&ours), summarise(&theirs));
    let (annoys, exacts) = (summarise(&annoys), summarise(&exacts));
    println!();
    println!(
        "| build, {} threads | ours | hnswlib | hnswlib / ours |",
        args.threads
    );
    println!("|---|---|---|---|");
    let (a, b, c, d) = (
        median(&builds.0),
        median(&builds.1),
        median(&builds.2),
        median(&builds.3),
    );
    println!(
        "| wall clock, median s ({}) | {a:.2} | {c:.2} | {:.2}x |",
        samples(&builds.0, &builds.2),
        c / a
    );
    println!("| CPU, median s | {b:.2} | {d:.2} | {:.2}x |", d / b);
    println!("| file, bytes | {} | {} | |", sizes.0, sizes.1);
    println!();
    println!("Queries/s: one thread, best of {REPS} runs (each the query set repeated for at least {MIN_RUN_S} s) per round, median over rounds; by the wall clock, and (CPU) by the querying thread's CPU time.");
    println!();
    println!("| ef | ours: recall@{N} | ours: queries/s | ours: queries/s (CPU) | hnswlib: recall@{N} | hnswlib: queries/s | hnswlib: queries/s (CPU) | ours / hnswlib | ours / hnswlib (CPU) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (i, ef) in args.ef.iter().enumerate() {
        let (o, t) = (ours[i], theirs[i]);
        println!(
            "| {ef} | {:.4} | {:.0} | {:.0} | {:.4} | {:.0} | {:.0} | {:.2}x | {:.2}x |",
            o.0,
            o.1,
            o.2,
            t.0,
            t.1,
            t.2,
            o.1 / t.1,
            o.2 / t.2
        );
    }
    if !annoys.is_empty() {
        println!();
        println!(
            "| our Annoy, {} trees: search_k | recall@{N} | queries/s | queries/s (CPU) |",
            args.annoy_trees
        );
        println!("|---|---|---|---|");
        for (i, k) in args.search_k.iter().enumerate() {
            let a = annoys[i];
            println!("| {k} | {:.4} | {:.0} | {:.0} |", a.0, a.1, a.2);
        }
    }
    println!();
    println!(
        "our exact search (int8 scan + f32 rerank), one thread: recall@{N} {:.4}, {:.0} queries/s, {:.0} by CPU time",
        exacts[0].0, exacts[0].1, exacts[0].2
    );
    for (clock, pick) in [
        (
            "wall clock",
            (|p: &(f64, f64, f64)| (p.0, p.1)) as fn(&(f64, f64, f64)) -> (f64, f64),
        ),
        ("CPU time", |p: &(f64, f64, f64)| (p.0, p.2)),
    ] {
        let project = |sweep: &Sweep| sweep.iter().map(pick).collect::<Vec<_>>();
        let (o, t, a) = (project(&ours), project(&theirs), project(&annoys));
        println!();
        println!("| recall@{N} ({clock}) | ours: queries/s | hnswlib: queries/s | our Annoy: queries/s | ours / hnswlib | ours / Annoy |");
        println!("|---|---|---|---|---|---|");
        for target in [0.90, 0.95, 0.98, 0.99] {
            let (x, y, z) = (qps_at(&o, target), qps_at(&t, target), qps_at(&a, target));
            let cell = |x: Option<f64>| x.map_or("not reached".into(), |x| format!("{x:.0}"));
            let ratio = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) => format!("{:.2}x", x / y),
                _ => "-".into(),
            };
            println!(
                "| {target:.2} | {} | {} | {} | {} | {} |",
                cell(x),
                cell(y),
                cell(z),
                ratio(x, y),
                ratio(x, z)
            );
        }
    }
    Ok(())
}

fn write_f32(path: &Path, values: &[f32]) -> anyhow::Result<()> {
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn str_path(path: &Path) -> anyhow::Result<&str> {
    path.to_str().context("non-UTF-8 path")
}

/// "ours; theirs" samples, in seconds.
fn samples(ours: &[f64], theirs: &[f64]) -> String {
    let list = |v: &[f64]| {
        v.iter()
            .map(|t| format!("{t:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{}; {}", list(ours), list(theirs))
}

/// One line of a sweep for the progress log.
fn brief(sweep: &[(f64, f64, f64)]) -> String {
    sweep
        .iter()
        .map(|(r, q, _)| format!("{r:.3}@{q:.0}/s"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The median recall (the same every round for ours; hnswlib's graph is
/// rebuilt each round and depends on thread timing) and the median
/// queries/s, per setting.
fn summarise(runs: &[Sweep]) -> Sweep {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let at = |i: usize, f: fn(&(f64, f64, f64)) -> f64| {
        median(&runs.iter().map(|r| f(&r[i])).collect::<Vec<_>>())
    };
    (0..first.len())
        .map(|i| (at(i, |p| p.0), at(i, |p| p.1), at(i, |p| p.2)))
        .collect()
}

/// This thread's time on a CPU in seconds (Linux's schedstat; 0 elsewhere).
fn thread_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 * 1e-9)
}

/// Runs `query_all` (which returns its hits) [`REPS`] times, each time
/// over and over for at least [`MIN_RUN_S`] (schedstat's CPU time is only
/// brought up to date at scheduler ticks, so short runs would flatter the
/// CPU figure); recall, and the best queries/s by the wall clock and by
/// this thread's CPU time.
fn timed(
    queries: usize,
    truth_len: usize,
    mut query_all: impl FnMut() -> anyhow::Result<usize>,
) -> anyhow::Result<(f64, f64, f64)> {
    let (mut hits, mut best, mut best_cpu) = (0, 0.0f64, 0.0f64);
    for _ in 0..REPS {
        let (start, cpu) = (Instant::now(), thread_cpu_s());
        let mut passes = 0;
        while passes == 0 || start.elapsed().as_secs_f64() < MIN_RUN_S {
            hits = query_all()?;
            passes += 1;
        }
        let (seconds, cpu_seconds) = (start.elapsed().as_secs_f64(), thread_cpu_s() - cpu);
        let done = (passes * queries) as f64;
        best = best.max(done / seconds);
        if cpu_seconds > 0.0 {
            best_cpu = best_cpu.max(done / cpu_seconds);
        }
    }
    Ok((hits as f64 / truth_len as f64, best, best_cpu))
}

/// This process's user + system CPU time in seconds (Linux's
/// `/proc/self/stat`, in ticks of 10 ms; 0 elsewhere).
fn process_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

/// Our index over `rows` (labels 0..n), built with `args.threads` threads;
/// returns it, the wall-clock seconds and the CPU seconds of `add_items`.
fn build_ours(args: &Args, dim: usize, rows: &[f32]) -> anyhow::Result<(HnswIndex, f64, f64)> {
    let params = Params::default()
        .max_elements(rows.len() / dim)
        .m(args.m)
        .ef_construction(args.ef_construction)
        .random_seed(SEED);
    let mut index = HnswIndex::new(Space::Cosine, dim, params)?;
    index.set_num_threads(args.threads);
    let (start, cpu) = (Instant::now(), process_cpu_s());
    index.add_items(rows, None)?;
    Ok((index, start.elapsed().as_secs_f64(), process_cpu_s() - cpu))
}

/// Hits of `found` among the true neighbours `truth`.
fn hits(found: impl Iterator<Item = u32>, truth: &[u32]) -> usize {
    found.filter(|id| truth.contains(id)).count()
}

/// Our HNSW's sweep: one query at a time on this thread.
fn sweep_hnsw(
    index: &mut HnswIndex,
    efs: &[usize],
    dim: usize,
    queries: &[f32],
    truth: &[u32],
) -> anyhow::Result<Sweep> {
    let mut out = Vec::new();
    for &ef in efs {
        index.set_ef(ef)?;
        let index = &*index;
        out.push(timed(queries.len() / dim, truth.len(), || {
            let mut found = 0;
            for (q, t) in queries.chunks_exact(dim).zip(truth.chunks_exact(N)) {
                let got = index.knn_query(q, N)?;
                found += hits(got.iter().map(|n| n.label as u32), t);
            }
            Ok(found)
        })?);
    }
    Ok(out)
}

/// Our Annoy's sweep: one query at a time on this thread.
fn sweep_annoy(
    index: &AnnoyIndex,
    search_ks: &[usize],
    dim: usize,
    queries: &[f32],
    truth: &[u32],
) -> anyhow::Result<Sweep> {
    let mut out = Vec::new();
    for &k in search_ks {
        out.push(timed(queries.len() / dim, truth.len(), || {
            let mut found = 0;
            for (q, t) in queries.chunks_exact(dim).zip(truth.chunks_exact(N)) {
                let got = index.get_nns_by_vector(q, N, Some(k))?;
                found += hits(got.iter().map(|n| n.id), t);
            }
            Ok(found)
        })?);
    }
    Ok(out)
}

/// Our exact search, one query at a time (run inside a 1-thread pool).
fn sweep_exact(
    exact: &knn::ExactIndexer<'_>,
    dim: usize,
    queries: &[f32],
    truth: &[u32],
) -> anyhow::Result<Sweep> {
    Ok(vec![timed(queries.len() / dim, truth.len(), || {
        let mut found = 0;
        for (q, t) in queries.chunks_exact(dim).zip(truth.chunks_exact(N)) {
            let got = exact.search(ndarray::ArrayView1::from(q), N, None, &[]);
            found += hits(got.iter().map(|&(id, _)| id as u32), t);
        }
        Ok(found)
    })?])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qps_at_interpolates_between_the_bracketing_points() {
        let points = [(0.8, 1000.0), (0.9, 100.0), (0.99, 10.0)];
        assert_eq!(qps_at(&points, 0.5), Some(1000.0));
        let mid = qps_at(&points, 0.85).unwrap();
        assert!((mid - 316.2).abs() < 0.5, "{mid}");
        assert_eq!(qps_at(&points, 0.995), None);
    }

    #[test]
    fn summarise_takes_medians_per_setting() {
        let runs = vec![
            vec![(0.9, 10.0, 1.0), (0.95, 5.0, 2.0)],
            vec![(0.9, 30.0, 3.0), (0.95, 1.0, 2.0)],
            vec![(0.9, 20.0, 2.0), (0.95, 3.0, 9.0)],
        ];
        assert_eq!(summarise(&runs), vec![(0.9, 20.0, 2.0), (0.95, 3.0, 2.0)]);
        assert!(summarise(&[]).is_empty());
    }
}
