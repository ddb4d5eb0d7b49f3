//! Reading and writing word vectors: word2vec C text and binary, and the
//! native format's memory-mapped load, on a synthetic set.
//!
//! `cargo bench -p benches --bench word2vec_formats`; the size defaults to
//! the 1M x 300 and can be changed with `BENCH_ROWS` / `BENCH_DIM`.
//! The side-by-side comparison with gensim is `cargo xtask bench-formats`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use vecstore::{read, write, Format, ReadOptions, WriteOptions};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn formats(c: &mut Criterion) {
    let rows = env_or("BENCH_ROWS", 1_000_000);
    let dim = env_or("BENCH_DIM", 300);
    let size = format!("{rows}x{dim}");
    let kv = benches::synthetic_vectors(rows, dim, 1);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory");

    let mut group = c.benchmark_group("word2vec_formats");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .warm_up_time(Duration::from_secs(1));
    for format in Format::ALL {
        let path = dir.path().join(format!("vectors.{}", format.name()));
        group.bench_function(
            BenchmarkId::new(format!("write_{}", format.name()), &size),
            |b| b.iter(|| write(&kv, &path, format, &WriteOptions::default()).expect("write")),
        );
        group.bench_function(
            BenchmarkId::new(format!("read_{}", format.name()), &size),
            |b| b.iter(|| black_box(read(&path, format, &ReadOptions::default()).expect("read"))),
        );
    }
    group.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
