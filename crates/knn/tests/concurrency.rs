//! One loaded index (memory-mapped vectors and Annoy file) queried from 8
//! threads at once for 10 seconds, more threads than this machine's cores:
//! every answer is the one a single thread got. The same for the exact
//! indexer (whose quantised copy the 8 threads race to build) and for
//! batch queries.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use knn::{AnnoyIndexer, ExactIndexer, Indexer};
use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use vecstore::KeyedVectors;

const THREADS: usize = 8;
const RUN_FOR: Duration = Duration::from_secs(10);
const TOPN: usize = 10;

/// 20,000 seeded random vectors of 48 dimensions, saved and mapped back.
fn mapped_vectors(dir: &std::path::Path) -> KeyedVectors {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
    let words = (0..20_000).map(|i| format!("w{i}")).collect();
    let matrix = Array2::from_shape_fn((20_000, 48), |_| rng.random::<f32>() - 0.5);
    let path = dir.join("vectors.kv");
    KeyedVectors::from_parts(words, matrix, None)
        .unwrap()
        .save(&path)
        .unwrap();
    let kv = KeyedVectors::load(&path).unwrap();
    assert!(kv.is_mapped());
    kv
}

/// 64 unit queries: rows of the vectors and random directions.
fn queries(kv: &KeyedVectors) -> Array2<f32> {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(12);
    let mut queries = Array2::from_shape_fn((64, kv.dim()), |(i, j)| {
        if i % 2 == 0 {
            kv.vectors()[[i * 300, j]]
        } else {
            rng.random::<f32>() - 0.5
        }
    });
    for mut row in queries.axis_iter_mut(Axis(0)) {
        let norm = row.dot(&row).sqrt();
        row /= norm;
    }
    queries
}

/// Runs `check(thread, pass)` on `THREADS` threads, all started together,
/// each repeating until `RUN_FOR` has passed; returns the passes made.
fn hammer(check: impl Fn(usize, usize) + Sync) -> usize {
    let barrier = Barrier::new(THREADS);
    let passes: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (barrier, check) = (&barrier, &check);
                scope.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let mut pass = 0;
                    while pass == 0 || start.elapsed() < RUN_FOR {
                        check(thread, pass);
                        pass += 1;
                    }
                    pass
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert!(passes >= THREADS);
    passes
}

fn single_threaded(indexer: &dyn Indexer, queries: &Array2<f32>) -> Vec<Vec<(usize, f32)>> {
    queries
        .axis_iter(Axis(0))
        .map(|q| indexer.most_similar(q, TOPN).unwrap())
        .collect()
}

#[test]
fn a_mapped_annoy_index_answers_eight_threads_as_it_answers_one() {
    let dir = tempfile::tempdir().unwrap();
    let kv = mapped_vectors(dir.path());
    let path = dir.path().join("index.ann");
    AnnoyIndexer::builder(&kv, 10)
        .seed(3)
        .build()
        .unwrap()
        .save(&path)
        .unwrap();
    let indexer = AnnoyIndexer::load(&path, &kv).unwrap();
    let queries = queries(&kv);
    let expected = single_threaded(&indexer, &queries);
    assert!(expected.iter().all(|answer| answer.len() == TOPN));
    let passes = hammer(|thread, pass| {
        // Each thread starts at another query.
        for k in 0..queries.nrows() {
            let i = (k + thread * 7 + pass) % queries.nrows();
            let answer = indexer.most_similar(queries.row(i), TOPN).unwrap();
            assert_eq!(answer, expected[i], "thread {thread}, query {i}");
        }
    });
    eprintln!("annoy: {passes} passes of {} queries", queries.nrows());
}

#[test]
fn the_exact_indexer_answers_eight_threads_as_it_answers_one() {
    let dir = tempfile::tempdir().unwrap();
    let kv = mapped_vectors(dir.path());
    let queries = queries(&kv);
    // Reference answers from another load of the same file, so that the
    // eight threads below race to build `kv`'s cached unit vectors.
    let reference = KeyedVectors::load(dir.path().join("vectors.kv")).unwrap();
    let expected = single_threaded(&ExactIndexer::new(&reference), &queries);
    let passes = hammer(|thread, pass| {
        let indexer = ExactIndexer::new(&kv);
        for k in 0..queries.nrows() {
            let i = (k + thread * 7 + pass) % queries.nrows();
            let answer = indexer.most_similar(queries.row(i), TOPN).unwrap();
            assert_eq!(answer, expected[i], "thread {thread}, query {i}");
        }
    });
    eprintln!("exact: {passes} passes of {} queries", queries.nrows());
}

#[test]
fn batch_queries_from_eight_threads_match_single_queries() {
    let dir = tempfile::tempdir().unwrap();
    let kv = mapped_vectors(dir.path());
    let queries = queries(&kv);
    let annoy = AnnoyIndexer::builder(&kv, 10).seed(4).build().unwrap();
    let exact = ExactIndexer::new(&kv);
    let expected_annoy = single_threaded(&annoy, &queries);
    let expected_exact = single_threaded(&exact, &queries);
    let passes = hammer(|thread, pass| {
        // Batches of every size from 1 to all the queries, by thread.
        let size = 1 + (thread * 9 + pass * 5) % queries.nrows();
        let first = (thread + pass) % (queries.nrows() - size + 1);
        let batch = queries.slice(ndarray::s![first..first + size, ..]);
        let annoy_answers = annoy.most_similar_batch(batch, TOPN).unwrap();
        assert_eq!(annoy_answers, expected_annoy[first..first + size]);
        let exact_answers = exact.most_similar_batch(batch, TOPN).unwrap();
        assert_eq!(exact_answers, expected_exact[first..first + size]);
        let searched = exact.search_batch(batch, TOPN, None, &[]);
        assert_eq!(searched, expected_exact[first..first + size]);
    });
    eprintln!("batches: {passes} passes");
}
