//! Criterion: one training epoch (the inner loop) on a fixed small corpus,
//! `fixtures/corpus/dev100k.txt` (100,000 words), for each architecture and
//! objective, one thread (deterministic) and all threads.
//!
//! `cargo bench -p benches --bench train_epoch`; the side-by-side
//! comparison with gensim is `cargo xtask bench-train`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use embed::{Architecture, Params, Word2Vec};

fn epoch(c: &mut Criterion) {
    let path = test_support::fixture("corpus/dev100k.txt");
    let corpus = corpus::Corpus::text8(path);
    let mut group = c.benchmark_group("train_epoch_dev100k");
    group
        .throughput(Throughput::Elements(100_000))
        .sample_size(20);
    let modes = [
        ("sg-ns", Architecture::SkipGram, false, 5),
        ("cbow-ns", Architecture::Cbow, false, 5),
        ("sg-hs", Architecture::SkipGram, true, 0),
    ];
    for (name, architecture, hs, negative) in modes {
        for workers in [1, 0] {
            let params = Params {
                architecture,
                hs,
                negative,
                workers,
                ..Params::tutorial()
            };
            let mut model = Word2Vec::build_vocab(&corpus, params).expect("vocabulary");
            let label = format!(
                "{name}/{}",
                if workers == 1 {
                    "1 thread"
                } else {
                    "all threads"
                }
            );
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| model.train(&corpus, 1, &mut |_| {}).expect("training"))
            });
        }
    }
    group.finish();
}

fn exact_query(c: &mut Criterion) {
    let kv = benches::synthetic_vectors(70_000, 100, 5);
    let indexer = knn::ExactIndexer::new(&kv);
    let normed = kv.normed_vectors();
    let mut group = c.benchmark_group("exact_query_70k_x_100");
    group.bench_function("single_top5", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 7919) % kv.len();
            knn::Indexer::most_similar(&indexer, normed.row(i), 5).expect("query")
        })
    });
    let queries = normed.slice(ndarray::s![..1000, ..]).to_owned();
    group
        .sample_size(10)
        .bench_function("batch_1000_top5", |b| {
            b.iter(|| knn::Indexer::most_similar_batch(&indexer, queries.view(), 5).expect("batch"))
        });
    group.finish();
}

criterion_group!(benches, epoch, exact_query);
criterion_main!(benches);
