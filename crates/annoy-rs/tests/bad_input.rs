//! Every kind of bad input is a typed error, never a panic: wrong lengths,
//! NaN, ids out of range, the wrong state, and damaged or foreign files.

use annoy_rs::{AnnoyIndex, BuildOptions, Error, Forest, LoadOptions, Metric};

fn small(metric: Metric) -> AnnoyIndex {
    let mut index = AnnoyIndex::new(4, metric);
    for i in 0..200 {
        let x = i as f32;
        index
            .add_item(
                i,
                &[x.sin(), x.cos(), (x * 0.3).sin(), 1.0 + (x * 0.7).cos()],
            )
            .unwrap();
    }
    index
}

#[test]
fn vectors_of_the_wrong_length_are_refused() {
    let mut index = small(Metric::Angular);
    assert!(matches!(
        index.add_item(0, &[1.0; 3]),
        Err(Error::DimensionMismatch {
            expected: 4,
            found: 3
        })
    ));
    assert!(matches!(
        index.add_items(&[1.0; 6]),
        Err(Error::DimensionMismatch { .. })
    ));
    index.build(3).unwrap();
    assert!(matches!(
        index.get_nns_by_vector(&[1.0; 5], 3, None),
        Err(Error::DimensionMismatch {
            expected: 4,
            found: 5
        })
    ));
}

#[test]
fn non_finite_values_are_refused() {
    let mut index = small(Metric::Euclidean);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert!(matches!(
            index.add_item(7, &[0.0, bad, 0.0, 0.0]),
            Err(Error::NonFinite { position: 1, .. })
        ));
    }
    index.build(2).unwrap();
    assert!(matches!(
        index.get_nns_by_vector(&[0.0, 0.0, f32::NAN, 0.0], 3, None),
        Err(Error::NonFinite { position: 2, .. })
    ));
}

#[test]
fn more_trees_or_threads_than_a_build_can_use_are_refused_before_building() {
    let mut index = small(Metric::Angular);
    for n_trees in [usize::MAX, 1 << 40, i32::MAX as usize] {
        let error = index.build(n_trees).unwrap_err();
        assert!(matches!(error, Error::TooManyNodes { .. }), "{error}");
    }
    let mut too_many = BuildOptions::new(2);
    too_many.threads = Some(annoy_rs::MAX_THREADS + 1);
    let error = index.build_with(too_many, |_, _| {}).unwrap_err();
    assert!(matches!(error, Error::TooManyThreads { .. }), "{error}");
    index.build(3).unwrap();
    let more = BuildOptions::new(usize::MAX);
    let error = index.add_trees_with(more, |_, _| {}).unwrap_err();
    assert!(matches!(error, Error::TooManyNodes { .. }), "{error}");
    assert_eq!(index.get_n_trees(), 3);
}

#[test]
fn the_index_refuses_operations_in_the_wrong_state() {
    let mut index = small(Metric::Manhattan);
    assert!(matches!(
        index.get_nns_by_item(0, 3, None),
        Err(Error::NotBuilt { .. })
    ));
    assert!(matches!(
        index.save("never.ann"),
        Err(Error::NotBuilt { .. })
    ));
    assert!(matches!(index.build(0), Err(Error::ZeroTrees)));
    assert!(matches!(index.unbuild(), Err(Error::NotBuilt { .. })));
    index.build(2).unwrap();
    assert!(matches!(
        index.add_item(0, &[0.0; 4]),
        Err(Error::AlreadyBuilt { .. })
    ));
    assert!(matches!(index.build(2), Err(Error::AlreadyBuilt { .. })));
    assert!(!std::path::Path::new("never.ann").exists());
    index.unload();
    assert_eq!((index.get_n_items(), index.get_n_trees()), (0, 0));
}

#[test]
fn an_empty_index_does_not_build() {
    let mut index = AnnoyIndex::new(4, Metric::Dot);
    assert!(matches!(index.build(10), Err(Error::Empty)));
    assert!(matches!(
        index.get_item_vector(0),
        Err(Error::ItemOutOfRange { id: 0, n_items: 0 })
    ));
}

#[test]
fn ids_out_of_range_are_refused() {
    let mut index = small(Metric::Angular);
    assert!(matches!(
        index.add_item(i32::MAX as usize, &[0.0; 4]),
        Err(Error::IdTooLarge { .. })
    ));
    index.build(2).unwrap();
    for result in [
        index.get_nns_by_item(200, 3, None).map(|_| ()),
        index.get_item_vector(1 << 40).map(|_| ()),
        index.get_distance(0, 200).map(|_| ()),
    ] {
        assert!(matches!(
            result,
            Err(Error::ItemOutOfRange { n_items: 200, .. })
        ));
    }
}

#[test]
fn zero_neighbours_or_zero_search_k_give_nothing() {
    let mut index = small(Metric::Angular);
    index.build(2).unwrap();
    assert!(index.get_nns_by_item(0, 0, None).unwrap().is_empty());
    assert!(index.get_nns_by_item(0, 5, Some(0)).unwrap().is_empty());
}

fn saved(metric: Metric) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let mut index = small(metric);
    index.build(4).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.ann");
    index.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (dir, path, bytes)
}

#[test]
fn files_of_the_wrong_size_or_shape_are_refused() {
    let (_dir, path, bytes) = saved(Metric::Angular);
    let node = Metric::Angular.node_size(4);
    let open = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        AnnoyIndex::open(&path, 4, Metric::Angular)
    };
    assert!(matches!(open(&[]), Err(Error::Format { .. })));
    assert!(matches!(
        open(&bytes[..bytes.len() - 3]),
        Err(Error::Format { .. })
    ));
    // Truncated by whole nodes: the last node is no longer a root.
    let cut = &bytes[..bytes.len() - 5 * node];
    match open(cut) {
        Err(Error::Format { .. }) => {}
        Ok(index) => {
            // Whatever was found must answer without panicking.
            let _ = index.get_nns_by_item(0, 5, None);
        }
        Err(other) => panic!("unexpected error {other}"),
    }
    // Another dimension or metric: the size does not divide.
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        AnnoyIndex::open(&path, 5, Metric::Angular),
        Err(Error::Format { .. })
    ));
    assert!(matches!(
        AnnoyIndex::open(&path, 4, Metric::Dot),
        Err(Error::Format { .. })
    ));
    assert!(matches!(
        AnnoyIndex::open(path.with_extension("missing"), 4, Metric::Angular),
        Err(Error::Io { op: "open", .. })
    ));
}

/// Writes a word into node `node` at word `word` of a copy of `bytes`.
fn poke(bytes: &[u8], metric: Metric, node: usize, word: usize, value: u32) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    let at = node * metric.node_size(4) + word * 4;
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
    bytes
}

#[test]
fn damaged_nodes_are_found_at_load_or_by_the_query_never_by_a_panic() {
    let metric = Metric::Euclidean; // children at words 2 and 3
    let (_dir, path, bytes) = saved(metric);
    let n_nodes = bytes.len() / metric.node_size(4);
    let root = n_nodes - 1;
    let damaged = [
        poke(&bytes, metric, root, 2, 1_000_000), // child far out of range
        poke(&bytes, metric, root, 3, root as u32), // child pointing to itself
        poke(&bytes, metric, root, 2, u32::MAX),  // negative child
        poke(&bytes, metric, 5, 0, 7),            // item node with 7 descendants
        poke(&bytes, metric, 200, 0, u32::MAX),   // negative count
    ];
    for bytes in damaged {
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            AnnoyIndex::open(&path, 4, metric),
            Err(Error::Format { .. })
        ));
        let lazy = LoadOptions {
            verify: false,
            ..LoadOptions::default()
        };
        let mut index = AnnoyIndex::new(4, metric);
        if index.load_with(&path, lazy).is_ok() {
            for i in 0..20 {
                let _ = index.get_nns_by_item(i, 10, Some(10_000));
            }
        }
    }
    // A leaf listing an item that does not exist: find a leaf (a node after
    // the items with 2..=K descendants) and point its first id far away.
    let k = 4 + 2;
    let leaf = (200..n_nodes)
        .find(|&i| {
            let at = i * metric.node_size(4);
            let nd = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
            (2..=k as u32).contains(&nd)
        })
        .unwrap();
    std::fs::write(&path, poke(&bytes, metric, leaf, 2, 999_999)).unwrap();
    assert!(
        matches!(AnnoyIndex::open(&path, 4, metric), Err(Error::Format { node: Some(n), .. }) if n == leaf as u64)
    );
}

/// A Hamming split names the bit it tests; one beyond the vector's 64-bit
/// words would be read out of bounds: refused at load, and by the query of
/// a file opened without verification.
#[test]
fn a_hamming_split_on_a_bit_beyond_the_vector_is_refused() {
    let metric = Metric::Hamming; // the split bit: a u64 at words 4 and 5
    let (_dir, path, bytes) = saved(metric);
    let root = bytes.len() / metric.node_size(4) - 1;
    for (word, value) in [(4, 64), (4, u32::MAX), (5, 1)] {
        std::fs::write(&path, poke(&bytes, metric, root, word, value)).unwrap();
        assert!(
            matches!(AnnoyIndex::open(&path, 4, metric), Err(Error::Format { node: Some(n), .. }) if n == root as u64)
        );
        let lazy = LoadOptions {
            verify: false,
            ..LoadOptions::default()
        };
        let mut index = AnnoyIndex::new(4, metric);
        index.load_with(&path, lazy).unwrap();
        assert!(matches!(
            index.get_nns_by_item(0, 10, None),
            Err(Error::Format { .. })
        ));
    }
    // The last bit of the last word is still inside.
    std::fs::write(&path, poke(&bytes, metric, root, 4, 63)).unwrap();
    let index = AnnoyIndex::open(&path, 4, metric).unwrap();
    assert_eq!(index.get_nns_by_item(0, 10, None).unwrap()[0].distance, 0.0);
}

/// A file whose item holds a NaN loads (nodes are checked for shape, not
/// values), but does not unbuild into items no build could take: the
/// error names the item, and the index stays built.
#[test]
fn an_item_holding_a_nan_is_refused_by_unbuild() {
    let metric = Metric::Euclidean; // item 7's vector from word 4
    let (_dir, path, bytes) = saved(metric);
    std::fs::write(&path, poke(&bytes, metric, 7, 5, f32::NAN.to_bits())).unwrap();
    let mut index = AnnoyIndex::open(&path, 4, metric).unwrap();
    let err = index.unbuild().unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    assert!(err.to_string().contains("item 7"), "{err}");
    assert!(index.is_built());
    assert_eq!(index.get_n_trees(), 4);
}

#[test]
fn unaligned_bytes_are_refused_in_place_and_copied_on_request() {
    let (_dir, _path, bytes) = saved(Metric::Angular);
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    let odd = &shifted[1..];
    if odd.as_ptr().align_offset(4) != 0 {
        assert!(matches!(
            Forest::from_bytes(odd, 4, Metric::Angular, true),
            Err(Error::Unaligned { .. })
        ));
    }
    let copied = Forest::from_le_bytes_copied(odd, 4, Metric::Angular, true).unwrap();
    let in_place = Forest::from_bytes(bytes.as_slice(), 4, Metric::Angular, true).unwrap();
    assert_eq!(copied.as_bytes(), in_place.as_bytes());
    assert_eq!(
        copied.get_nns_by_item(3, 5, None).unwrap(),
        in_place.get_nns_by_item(3, 5, None).unwrap()
    );
}

#[test]
fn a_cycle_of_split_nodes_is_refused_at_load_and_ends_a_lazy_query_in_an_error() {
    let metric = Metric::Euclidean; // children at words 2 and 3
    let (_dir, path, bytes) = saved(metric);
    let size = metric.node_size(4);
    let word = |node: usize, w: usize| {
        u32::from_le_bytes(bytes[node * size + w * 4..][..4].try_into().unwrap())
    };
    // The last node is a root; its first child is a split node (more than
    // K = 6 descendants) whose first child is made to point back at it.
    let root = bytes.len() / size - 1;
    let child = word(root, 2) as usize;
    assert!(word(child, 0) > 6, "the root's child is not a split node");
    std::fs::write(&path, poke(&bytes, metric, child, 2, root as u32)).unwrap();
    let error = AnnoyIndex::open(&path, 4, metric).unwrap_err();
    assert!(matches!(error, Error::Format { .. }), "{error}");
    assert!(error.to_string().contains("cycle"), "{error}");
    let lazy = LoadOptions {
        verify: false,
        ..LoadOptions::default()
    };
    let mut index = AnnoyIndex::new(4, metric);
    index.load_with(&path, lazy).unwrap();
    // An unbounded search walks into the cycle: it ends, with an error.
    for i in 0..10 {
        assert!(matches!(
            index.get_nns_by_item(i, 10, Some(usize::MAX)),
            Err(Error::Format { .. })
        ));
    }
}
