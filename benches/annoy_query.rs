//! Criterion: annoy-rs queries at several search_k over a 50-tree index of
//! a synthetic set.
//!
//! `cargo bench -p benches --bench annoy_query`; the recall/QPS sweep
//! against Python's annoy is `cargo xtask bench-annoy`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn query(c: &mut Criterion) {
    let (n, dim) = (50_000, 100);
    let data: Vec<f32> = benches::synthetic_vectors(n, dim, 3)
        .normed_vectors()
        .iter()
        .copied()
        .collect();
    let mut index = AnnoyIndex::new(dim, Metric::Angular);
    index.add_items(&data).unwrap();
    index
        .build_with(BuildOptions::new(50).seed(1), |_, _| {})
        .unwrap();
    let mut group = c.benchmark_group("annoy_query_n10");
    for search_k in [500, 5_000, 50_000] {
        group.bench_with_input(
            BenchmarkId::new("search_k", search_k),
            &search_k,
            |b, &k| {
                let mut q = 0;
                b.iter(|| {
                    q = (q + 7919) % n;
                    let v = &data[q * dim..(q + 1) * dim];
                    black_box(index.get_nns_by_vector(v, 10, Some(k)).unwrap())
                })
            },
        );
    }
    group.finish();
}

criterion_group!(annoy, query);
criterion_main!(annoy);
