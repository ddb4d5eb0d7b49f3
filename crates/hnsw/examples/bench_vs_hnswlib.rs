//! Side-by-side figures against Python's hnswlib on seeded clustered
//! vectors: build time (2 threads), then recall@10 and queries/s (one
//! thread, one query at a time) for several `ef`, each timed run the
//! query set repeated for at least 0.25 s on both sides.
//!
//! ```sh
//! cargo run --release -p hnsw --example bench_vs_hnswlib -- DIR [ROWS DIM]
//! python crates/hnsw/examples/hnswlib_peer.py DIR     # the same with hnswlib
//! ```
//!
//! The first run writes `DIR/items.f32`, `DIR/queries.f32` and the exact
//! neighbours `DIR/truth.u32` (1,000 queries x 10, cosine) for the peer
//! script to read; it prints one JSON line of figures. With `BENCH_LOAD=1`
//! it loads the index an earlier run saved (`DIR/ours.bin`) instead of
//! building one, to time queries alone.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hnsw::{HnswIndex, Params, Space};
use rayon::prelude::*;

const QUERIES: usize = 1000;
const K: usize = 10;
const EFS: [usize; 5] = [10, 20, 50, 100, 200];
/// The least duration of one timed run (the queries are repeated until it
/// is reached), as in `cargo xtask bench-hnsw`.
const MIN_RUN_S: f64 = 0.25;

/// Seeded clustered data with a low intrinsic dimension, like word
/// vectors: 400 centres of random scale; around each, points spread along
/// 12 shared latent directions (per-cluster spread) plus a little isotropic
/// noise.
fn clustered(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    const LATENT: usize = 12;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Roughly Gaussian: the sum of four uniforms, centred.
        (0..4)
            .map(|i| ((state.rotate_left(16 * i) >> 40) as f32) / (1u64 << 24) as f32)
            .sum::<f32>()
            - 2.0
    };
    // The centres and directions are the same for items and queries.
    let centres: Vec<f32> = (0..400 * dim).map(|_| next()).collect();
    let spreads: Vec<f32> = (0..400).map(|_| 0.5 + next().abs()).collect();
    let basis: Vec<f32> = (0..LATENT * dim).map(|_| next()).collect();
    for _ in 0..seed * 1000 {
        next();
    }
    let mut out = Vec::with_capacity(n * dim);
    let mut z = [0.0f32; LATENT];
    for _ in 0..n {
        let c = ((next() + 2.0) * 100.0) as usize % 400;
        z.iter_mut().for_each(|v| *v = next() * spreads[c]);
        for d in 0..dim {
            let latent: f32 = (0..LATENT).map(|l| z[l] * basis[l * dim + d]).sum();
            out.push(centres[c * dim + d] + 0.3 * latent + 0.2 * next());
        }
    }
    out
}

/// (RssAnon, RssFile) of this process in kB (Linux; zeros elsewhere).
fn rss_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("RssAnon:"), field("RssFile:"))
}

/// This thread's time on a CPU, in ns (Linux's schedstat; 0 elsewhere).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// This process's user + system CPU time in seconds (Linux's
/// `/proc/self/stat`, in clock ticks of 10 ms; 0 elsewhere).
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

fn write_f32(path: &Path, v: &[f32]) -> std::io::Result<()> {
    std::fs::write(
        path,
        v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(),
    )
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(
        args.get(1)
            .ok_or("usage: bench_vs_hnswlib DIR [ROWS DIM]")?,
    );
    let rows: usize = args.get(2).map_or(Ok(65_536), |s| s.parse())?;
    let dim: usize = args.get(3).map_or(Ok(100), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let items = clustered(rows, dim, 1);
    let queries = clustered(QUERIES, dim, 2);
    let truth_path = dir.join("truth.u32");
    if !truth_path.exists() {
        write_f32(&dir.join("items.f32"), &items)?;
        write_f32(&dir.join("queries.f32"), &queries)?;
        let units: Vec<Vec<f32>> = items.par_chunks_exact(dim).map(unit).collect();
        let truth: Vec<u32> = queries
            .par_chunks_exact(dim)
            .flat_map_iter(|q| {
                let q = unit(q);
                let mut all: Vec<(f32, u32)> = units
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (-q.iter().zip(u).map(|(a, b)| a * b).sum::<f32>(), i as u32))
                    .collect();
                all.select_nth_unstable_by(K, |a, b| a.0.total_cmp(&b.0));
                let mut top = all[..K].to_vec();
                top.sort_by(|a, b| a.0.total_cmp(&b.0));
                top.into_iter().map(|(_, i)| i)
            })
            .collect();
        std::fs::write(
            &truth_path,
            truth
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect::<Vec<u8>>(),
        )?;
    }
    let truth: Vec<u32> = std::fs::read(&truth_path)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();

    let mut index = HnswIndex::new(
        Space::Cosine,
        dim,
        Params::default()
            .max_elements(rows)
            .m(16)
            .ef_construction(200),
    )?;
    index.set_num_threads(2);
    let path = dir.join("ours.bin");
    let rss_before = rss_kb();
    let (start, cpu_start) = (Instant::now(), process_cpu_s());
    if std::env::var_os("BENCH_LOAD").is_some() && path.exists() {
        // Queries only: the index of an earlier run (build figures are then
        // the load's).
        index = HnswIndex::load_index(&path, Space::Cosine, dim, hnsw::Capacity::Saved)?;
    } else {
        index.add_items(&items, None)?;
    }
    let build_s = start.elapsed().as_secs_f64();
    let build_cpu_s = process_cpu_s() - cpu_start;
    if std::env::var_os("BENCH_LOAD").is_none() {
        index.save_index(&path)?;
    }
    let mut out = format!(
        "{{\"peer\":\"ours\",\"kernels\":\"{}\",\"build_s\":{build_s:.2},\"build_cpu_s\":{build_cpu_s:.2},\"file_bytes\":{},\"rows\":[",
        index.kernels_name(),
        index.index_file_size()
    );
    // One thread, one query at a time, on this (main) thread. Each timed run
    // repeats the 1,000 queries for at least MIN_RUN_S: schedstat brings a
    // thread's CPU time up to date only at scheduler events, so a single
    // pass (15-150 ms) could be undercounted by a tick and flatter us
    // against hnswlib's exact `time.thread_time()`. Queries/s by the wall
    // clock and by this thread's CPU time (the machine may be shared).
    for (i, ef) in EFS.into_iter().enumerate() {
        index.set_ef(ef)?;
        let (mut best, mut best_cpu, mut best_off, mut best_off_cpu) =
            (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        let mut recall = 0.0;
        for prefetch in [true, false, true, false, true, false] {
            index.set_prefetch(prefetch);
            let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
            let mut passes = 0;
            while passes == 0 || start.elapsed().as_secs_f64() < MIN_RUN_S {
                let mut hits = 0;
                for (qi, q) in queries.chunks_exact(dim).enumerate() {
                    let got = index.knn_query(q, K)?;
                    let want = &truth[qi * K..(qi + 1) * K];
                    hits += got
                        .iter()
                        .filter(|n| want.contains(&(n.label as u32)))
                        .count();
                }
                recall = hits as f64 / (QUERIES * K) as f64;
                passes += 1;
            }
            let done = (passes * QUERIES) as f64;
            let qps = done / start.elapsed().as_secs_f64();
            let cpu_qps = done / ((thread_cpu_ns() - cpu_start) as f64 * 1e-9);
            if prefetch {
                best = best.max(qps);
                best_cpu = best_cpu.max(cpu_qps);
            } else {
                best_off = best_off.max(qps);
                best_off_cpu = best_off_cpu.max(cpu_qps);
            }
        }
        out.push_str(&format!(
            "{}{{\"ef\":{ef},\"recall\":{recall:.4},\"qps\":{best:.0},\"qps_cpu\":{best_cpu:.0},\"qps_no_prefetch\":{best_off:.0},\"qps_cpu_no_prefetch\":{best_off_cpu:.0}}}",
            if i > 0 { "," } else { "" }
        ));
    }
    let rss_after = rss_kb();
    out.push_str(&format!(
        "],\"index_rss_anon_kb\":{},\"index_rss_file_kb\":{}}}",
        rss_after.0 as i64 - rss_before.0 as i64,
        rss_after.1 as i64 - rss_before.1 as i64
    ));
    println!("{out}");
    Ok(())
}
