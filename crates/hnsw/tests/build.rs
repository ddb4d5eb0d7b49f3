//! Building: recall against brute force in every space, determinism on any
//! thread count, round trips, and bad input.

mod common;

use common::{brute_force, clustered};
use hnsw::{Capacity, Error, HnswIndex, Params, Space};

fn build(space: Space, rows: &[f32], dim: usize, threads: usize, seed: u64) -> HnswIndex {
    let n = rows.len() / dim;
    let mut index = HnswIndex::new(
        space,
        dim,
        Params::default()
            .max_elements(n)
            .m(8)
            .ef_construction(100)
            .random_seed(seed),
    )
    .unwrap();
    index.set_num_threads(threads);
    index.add_items(rows, None).unwrap();
    index
}

fn bytes(index: &HnswIndex) -> Vec<u8> {
    let mut out = Vec::new();
    index.write_to(&mut out).unwrap();
    out
}

fn recall(space: Space) -> f64 {
    let dim = 20;
    let rows = clustered(2000, dim, 3);
    let queries = clustered(100, dim, 99);
    let mut index = build(space, &rows, dim, 2, 1);
    index.set_ef(64).unwrap();
    let prepared = |x: &[f32]| -> Vec<f32> {
        if space == Space::Cosine {
            let n = x.iter().map(|v| v * v).sum::<f32>().sqrt();
            x.iter().map(|v| v / n).collect()
        } else {
            x.to_vec()
        }
    };
    let dist = |a: &[f32], b: &[f32]| -> f32 {
        let (a, b) = (prepared(a), prepared(b));
        match space {
            Space::L2 => a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum(),
            _ => 1.0 - a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>(),
        }
    };
    let mut hits = 0;
    for q in queries.chunks_exact(dim) {
        let truth = brute_force(&rows, dim, q, 10, dist);
        let got = index.knn_query(q, 10).unwrap();
        for w in got.windows(2) {
            assert!(w[0].distance <= w[1].distance);
        }
        hits += got.iter().filter(|n| truth.contains(&n.label)).count();
    }
    hits as f64 / 1000.0
}

#[test]
fn recall_against_brute_force_in_every_space() {
    for space in [Space::L2, Space::Ip, Space::Cosine] {
        let r = recall(space);
        // ip is not a metric (an item need not be its own nearest
        // neighbour): HNSW's graph serves it worse, hnswlib's too.
        let floor = if space == Space::Ip { 0.70 } else { 0.95 };
        assert!(r >= floor, "{space}: recall@10 {r}");
    }
}

#[test]
fn a_seed_gives_the_same_graph_run_to_run_and_on_any_thread_count() {
    let dim = 12;
    let rows = clustered(2500, dim, 5);
    let one = bytes(&build(Space::Cosine, &rows, dim, 1, 42));
    assert_eq!(
        one,
        bytes(&build(Space::Cosine, &rows, dim, 1, 42)),
        "one thread, twice"
    );
    for threads in [0, 2, 3, 8] {
        assert!(
            one == bytes(&build(Space::Cosine, &rows, dim, threads, 42)),
            "{threads} threads"
        );
    }
    assert!(
        one != bytes(&build(Space::Cosine, &rows, dim, 1, 43)),
        "another seed, another graph"
    );
}

#[test]
fn adding_in_several_calls_gives_the_graph_of_one_call() {
    let dim = 8;
    let rows = clustered(1200, dim, 7);
    let whole = build(Space::L2, &rows, dim, 2, 9);
    let mut parts = HnswIndex::new(
        Space::L2,
        dim,
        Params::default()
            .max_elements(1200)
            .m(8)
            .ef_construction(100)
            .random_seed(9),
    )
    .unwrap();
    for chunk in rows.chunks(dim * 100) {
        parts.add_items(chunk, None).unwrap();
    }
    // Batches restart at each call, so the graphs may differ; answers must
    // still be right.
    for (i, row) in rows.chunks_exact(dim).enumerate().step_by(97) {
        assert_eq!(parts.knn_query(row, 1).unwrap()[0].label, i as u64);
        assert_eq!(whole.knn_query(row, 1).unwrap()[0].label, i as u64);
    }
}

#[test]
fn our_files_round_trip_through_a_map() {
    let dim = 10;
    let rows = clustered(800, dim, 11);
    let labels: Vec<u64> = (0..800).map(|i| i * 3 + (1 << 40)).collect();
    let mut index = HnswIndex::new(Space::Ip, dim, Params::default().max_elements(1000)).unwrap();
    index.add_items(&rows, Some(&labels)).unwrap();
    index.mark_deleted(labels[5]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.bin");
    index.save_index(&path).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().len() as usize,
        index.index_file_size()
    );
    let loaded = HnswIndex::load_index(&path, Space::Ip, dim, Capacity::Saved).unwrap();
    assert_eq!(bytes(&loaded), bytes(&index));
    assert_eq!(loaded.get_max_elements(), 1000);
    assert_eq!(loaded.num_deleted(), 1);
    assert_eq!(loaded.get_ids_list(), labels);
    for q in rows.chunks_exact(dim).step_by(50) {
        assert_eq!(
            loaded.knn_query(q, 5).unwrap(),
            index.knn_query(q, 5).unwrap()
        );
    }
    assert_eq!(
        loaded.get_items(&[labels[7]]).unwrap()[0],
        rows[70..80].to_vec()
    );
}

#[test]
fn batch_queries_equal_single_ones_and_filters_filter() {
    let dim = 6;
    let rows = clustered(600, dim, 13);
    let mut index = build(Space::L2, &rows, dim, 2, 3);
    index.set_ef(40).unwrap();
    let queries = &rows[..dim * 30];
    let batch = index.knn_query_batch(queries, 7, 2).unwrap();
    for (q, b) in queries.chunks_exact(dim).zip(&batch) {
        assert_eq!(&index.knn_query(q, 7).unwrap(), b);
        let even = index.knn_query_filter(q, 7, &|l| l % 2 == 0).unwrap();
        assert_eq!(even.len(), 7);
        assert!(even.iter().all(|n| n.label % 2 == 0));
    }
}

#[test]
fn cosine_stores_unit_vectors_and_answers_one_minus_cos() {
    let mut index = HnswIndex::new(Space::Cosine, 2, Params::default().max_elements(3)).unwrap();
    index
        .add_items(&[3.0, 4.0, 0.0, 2.0, -1.0, 0.0], None)
        .unwrap();
    assert_eq!(index.get_items(&[0]).unwrap()[0], vec![0.6, 0.8]);
    let got = index.knn_query(&[0.0, 10.0], 3).unwrap();
    assert_eq!(got.iter().map(|n| n.label).collect::<Vec<_>>(), [1, 0, 2]);
    assert!((got[1].distance - 0.2).abs() < 1e-6);
    assert!((got[2].distance - 1.0).abs() < 1e-6);
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(
        HnswIndex::new(Space::L2, 0, Params::default()),
        Err(Error::Parameter { name: "dim", .. })
    ));
    assert!(matches!(
        HnswIndex::new(Space::L2, 4, Params::default().m(1)),
        Err(Error::Parameter { name: "M", .. })
    ));
    assert!(matches!(
        HnswIndex::new(Space::L2, 4, Params::default().m(1 << 20)),
        Err(Error::Parameter { name: "M", .. })
    ));
    assert!(matches!(
        HnswIndex::new(Space::L2, 4, Params::default().max_elements(usize::MAX)),
        Err(Error::Parameter { .. })
    ));
    assert!(matches!(
        "hamming".parse::<Space>(),
        Err(Error::UnknownSpace(_))
    ));
    let mut index = HnswIndex::new(Space::L2, 4, Params::default().max_elements(2)).unwrap();
    assert!(matches!(index.knn_query(&[0.0; 4], 1), Err(Error::Empty)));
    assert!(matches!(
        index.add_items(&[0.0; 5], None),
        Err(Error::Dimension {
            expected: 4,
            found: 5
        })
    ));
    assert!(matches!(
        index.add_items(&[0.0; 8], Some(&[1])),
        Err(Error::IdCount { rows: 2, ids: 1 })
    ));
    assert!(matches!(
        index.add_items(&[f32::NAN; 4], None),
        Err(Error::NonFinite { row: 0 })
    ));
    assert!(matches!(
        index.add_items(&[0.0; 12], None),
        Err(Error::Capacity { .. })
    ));
    assert!(matches!(
        index.add_items(&[0.0; 8], Some(&[3, 3])),
        Err(Error::LabelExists(3))
    ));
    assert_eq!(index.get_current_count(), 0, "refused calls add nothing");
    index.add_items(&[1.0; 8], Some(&[3, 4])).unwrap();
    assert!(matches!(
        index.knn_query(&[0.0; 3], 1),
        Err(Error::Dimension { .. })
    ));
    assert!(matches!(
        index.knn_query(&[f32::INFINITY; 4], 1),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        index.set_ef(0),
        Err(Error::Parameter { name: "ef", .. })
    ));
    assert!(matches!(
        index.resize_index(1),
        Err(Error::ResizeBelowCount {
            requested: 1,
            count: 2
        })
    ));
    index.resize_index(10).unwrap();
    assert_eq!(index.get_max_elements(), 10);
    assert_eq!(
        index.knn_query(&[1.0; 4], 5).unwrap().len(),
        2,
        "k above the count gives what there is"
    );
    assert!(matches!(
        index.get_items(&[99]),
        Err(Error::LabelNotFound(99))
    ));
}
