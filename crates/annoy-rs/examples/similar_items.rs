//! Build an index over random vectors, save it, memory-map it back, and
//! compare its answers with exact search.
//!
//! ```sh
//! cargo run --release -p annoy-rs --example similar_items -- [ITEMS] [TREES]
//! ```

use std::time::Instant;

use annoy_rs::{AnnoyIndex, BuildOptions, Kiss64, Metric};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n_items: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let n_trees: usize = args.next().map_or(Ok(50), |a| a.parse())?;
    let dim = 64;

    // Reproducible data from Annoy's own generator: values in [-1, 1).
    let mut rng = Kiss64::new(42);
    let mut uniform = || (rng.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
    let vectors: Vec<f32> = (0..n_items * dim).map(|_| uniform()).collect();

    let mut index = AnnoyIndex::new(dim, Metric::Angular);
    index.add_items(&vectors)?;
    let start = Instant::now();
    index.build_with(BuildOptions::new(n_trees).seed(1), |done, total| {
        if done % 10 == 0 || done == total {
            eprintln!("built {done}/{total} trees");
        }
    })?;
    println!(
        "built {n_trees} trees over {n_items} x {dim} in {:.2?}",
        start.elapsed()
    );

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("items.ann");
    index.save(&path)?;
    let start = Instant::now();
    let loaded = AnnoyIndex::open(&path, dim, Metric::Angular)?;
    println!(
        "saved {} bytes; loaded (mapped and verified) in {:.2?}",
        std::fs::metadata(&path)?.len(),
        start.elapsed()
    );

    let query = &vectors[..dim];
    for search_k in [None, Some(1_000), Some(10_000)] {
        let start = Instant::now();
        let found = loaded.get_nns_by_vector(query, 10, search_k)?;
        let ids: Vec<u32> = found.iter().map(|n| n.id).collect();
        println!("search_k {search_k:?}: {ids:?} in {:.2?}", start.elapsed());
    }
    let exact = loaded.get_nns_by_vector(query, 10, Some(n_items * n_trees))?;
    println!(
        "exact:            {:?}",
        exact.iter().map(|n| n.id).collect::<Vec<_>>()
    );
    Ok(())
}
