//! Criterion: growing trees (annoy-rs) on a synthetic set, one and two
//! threads, and the distance kernels (`f32-kernels`) of every variant this
//! CPU runs.
//!
//! `cargo bench -p benches --bench annoy_build`; the side-by-side comparison
//! with Python's annoy is `cargo xtask bench-annoy`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn rows(n: usize, dim: usize) -> Vec<f32> {
    benches::synthetic_vectors(n, dim, 7)
        .normed_vectors()
        .iter()
        .copied()
        .collect()
}

fn build(c: &mut Criterion) {
    let (n, dim, trees) = (20_000, 100, 10);
    let data = rows(n, dim);
    let mut group = c.benchmark_group("annoy_build_10_trees");
    group.sample_size(10);
    group.throughput(Throughput::Elements(trees as u64));
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new(format!("{threads}_threads"), n),
            &threads,
            |b, &threads| {
                b.iter(|| {
                    let mut index = AnnoyIndex::new(dim, Metric::Angular);
                    index.add_items(&data).unwrap();
                    index
                        .build_with(BuildOptions::new(trees).threads(threads).seed(1), |_, _| {})
                        .unwrap();
                    black_box(index.get_n_trees())
                })
            },
        );
    }
    group.finish();
}

fn distance_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("f32_kernels");
    for dim in [100, 300] {
        let x: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.3).sin()).collect();
        let y: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.7).cos()).collect();
        group.throughput(Throughput::Elements(dim as u64));
        for k in f32_kernels::available() {
            group.bench_with_input(
                BenchmarkId::new(format!("dot/{}", k.name), dim),
                &dim,
                |b, _| b.iter(|| (k.dot)(black_box(&x), black_box(&y))),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("sq_euclidean/{}", k.name), dim),
                &dim,
                |b, _| b.iter(|| (k.sq_euclidean)(black_box(&x), black_box(&y))),
            );
        }
    }
    group.finish();
}

criterion_group!(annoy, build, distance_kernels);
criterion_main!(annoy);
