//! What only the HNSW indexer does: its files (hnswlib's index + the labels
//! sidecar), the checks against the vectors, and hnswlib's own files.

use std::path::Path;

use knn::sidecar::Sidecar;
use knn::{AnnoyIndexer, Error, HnswIndexer, Indexer};
use vecstore::KeyedVectors;

fn vectors() -> KeyedVectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/eval/vectors.bin");
    KeyedVectors::load(path).unwrap()
}

#[test]
fn saves_hnswlibs_file_and_a_labels_sidecar() {
    let kv = vectors();
    let indexer = HnswIndexer::builder(&kv)
        .m(8)
        .ef_construction(50)
        .seed(1)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.hnsw");
    indexer.save(&path).unwrap();
    let sidecar = Sidecar::read(&Sidecar::path_for(&path)).unwrap();
    assert_eq!(sidecar.f, kv.dim());
    assert_eq!(sidecar.metric.as_deref(), Some("cosine"));
    assert_eq!(sidecar.labels, kv.index_to_key());
    assert!(HnswIndexer::has_hnsw_sidecar(&path));
    // The file is hnswlib's, readable without the sidecar given the dimension.
    let raw =
        hnsw::HnswIndex::load_index(&path, hnsw::Space::Cosine, kv.dim(), hnsw::Capacity::Saved)
            .unwrap();
    assert_eq!(raw.get_current_count(), kv.len());
    let bare = HnswIndexer::open(&path, None).unwrap();
    assert_eq!(bare.labels().unwrap().len(), kv.len());
    // Without its sidecar: the dimension is needed, the labels are ids.
    std::fs::remove_file(Sidecar::path_for(&path)).unwrap();
    assert!(matches!(
        HnswIndexer::open(&path, None),
        Err(Error::IndexMismatch { .. })
    ));
    let loaded = HnswIndexer::load(&path, &kv).unwrap();
    assert!(loaded.labels().is_none());
    let q = kv.get_normed("king").unwrap();
    assert_eq!(
        loaded.most_similar(q, 5).unwrap(),
        indexer.most_similar(q, 5).unwrap()
    );
}

#[test]
fn refuses_other_vectors_and_annoy_sidecars() {
    let kv = vectors();
    let indexer = HnswIndexer::builder(&kv)
        .m(8)
        .ef_construction(50)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.hnsw");
    indexer.save(&path).unwrap();
    // Other words in another order.
    let mut other = KeyedVectors::new(kv.dim());
    for i in (0..kv.len()).rev() {
        other
            .push(
                &kv.index_to_key()[i],
                kv.get_vector(&kv.index_to_key()[i])
                    .unwrap()
                    .as_slice()
                    .unwrap(),
            )
            .unwrap();
    }
    let err = HnswIndexer::load(&path, &other).unwrap_err();
    assert!(err.to_string().contains("label 0"), "{err}");
    // Same words, other vectors, no sidecar to tell: the sampled rows do.
    std::fs::remove_file(Sidecar::path_for(&path)).unwrap();
    let mut shifted = KeyedVectors::new(kv.dim());
    for (i, word) in kv.index_to_key().iter().enumerate() {
        let v: Vec<f32> = kv
            .get_vector(word)
            .unwrap()
            .iter()
            .map(|x| x + (i % 3) as f32)
            .collect();
        shifted.push(word, &v).unwrap();
    }
    let err = HnswIndexer::load(&path, &shifted).unwrap_err();
    assert!(err.to_string().contains("another vector"), "{err}");
    // Fewer words.
    let mut fewer = KeyedVectors::new(kv.dim());
    fewer
        .push("king", kv.get_vector("king").unwrap().as_slice().unwrap())
        .unwrap();
    assert!(matches!(
        HnswIndexer::load(&path, &fewer),
        Err(Error::IndexMismatch { .. })
    ));
    // An Annoy index and its sidecar are not an HNSW index, and vice versa.
    let annoy_path = dir.path().join("v.ann");
    AnnoyIndexer::builder(&kv, 2)
        .seed(1)
        .build()
        .unwrap()
        .save(&annoy_path)
        .unwrap();
    let err = HnswIndexer::open(&annoy_path, None).unwrap_err();
    assert!(err.to_string().contains("not an HNSW index"), "{err}");
    assert!(!HnswIndexer::has_hnsw_sidecar(&annoy_path));
    indexer.save(&path).unwrap();
    assert!(AnnoyIndexer::open(&path, None, None).is_err());
}

#[test]
fn the_same_seed_gives_the_same_file_on_one_or_two_threads() {
    let kv = vectors();
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<Vec<u8>> = [1, 2, 1]
        .iter()
        .map(|&threads| {
            let path = dir.path().join(format!("t{threads}.hnsw"));
            HnswIndexer::builder(&kv)
                .m(8)
                .ef_construction(64)
                .seed(5)
                .threads(threads)
                .build()
                .unwrap()
                .save(&path)
                .unwrap();
            std::fs::read(&path).unwrap()
        })
        .collect();
    assert!(files[0] == files[1] && files[0] == files[2]);
}

#[test]
fn evaluate_reports_recall_rising_with_ef() {
    let kv = vectors();
    let mut indexer = HnswIndexer::builder(&kv)
        .m(8)
        .ef_construction(100)
        .seed(2)
        .build()
        .unwrap();
    let queries: Vec<usize> = (0..kv.len()).step_by(13).collect();
    let rows = indexer.evaluate(&kv, &queries, 10, &[10, 200]).unwrap();
    assert_eq!(rows.iter().map(|r| r.ef).collect::<Vec<_>>(), [10, 200]);
    assert!(
        rows[0].recall <= rows[1].recall + 1e-9 && rows[1].recall > 0.98,
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.qps > 0.0));
    assert!(indexer.evaluate(&kv, &[kv.len()], 10, &[10]).is_err());
}

/// Rewrites the label of element `element` in the hnswlib file at `path`.
fn relabel(path: &Path, element: usize, label: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    // hnswlib's header: offsetLevel0, max_elements, count, size per element,
    // label offset, ...; the level-0 records start at offsetLevel0 + 96.
    let (record, label_offset) = (word(24), word(32));
    let at = 96 + word(0) + element * record + label_offset;
    bytes[at..at + 8].copy_from_slice(&label.to_le_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn refuses_labels_that_are_not_one_per_word() {
    let kv = vectors();
    let indexer = HnswIndexer::builder(&kv)
        .m(8)
        .ef_construction(50)
        .seed(1)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.hnsw");
    indexer.save(&path).unwrap();
    // Two elements labelled 2 (hnswlib loads such a file and returns both).
    relabel(&path, 3, 2);
    let raw =
        hnsw::HnswIndex::load_index(&path, hnsw::Space::Cosine, kv.dim(), hnsw::Capacity::Saved)
            .unwrap();
    assert_eq!(raw.get_ids_list()[2..4], [2, 2]);
    let message = |result: Result<HnswIndexer, Error>| match result {
        Err(e @ Error::IndexMismatch { .. }) => e.to_string(),
        other => panic!("not refused: {other:?}"),
    };
    let with_words = message(HnswIndexer::open(&path, None));
    assert!(
        with_words.contains("elements 2 and 3 are both labelled 2"),
        "{with_words}"
    );
    assert!(message(HnswIndexer::load(&path, &kv)).contains("both labelled 2"));
    // Without the sidecar labels are ids only: opened as hnswlib opens it,
    // refused against the vectors.
    std::fs::remove_file(Sidecar::path_for(&path)).unwrap();
    assert!(HnswIndexer::open(&path, Some(kv.dim())).is_ok());
    assert!(message(HnswIndexer::load(&path, &kv)).contains("both labelled 2"));
    // A label beyond the vocabulary.
    relabel(&path, 3, kv.len() as u64 + 5);
    let beyond = message(HnswIndexer::load(&path, &kv));
    assert!(
        beyond.contains(&format!("element 3 is labelled {}", kv.len() + 5)),
        "{beyond}"
    );
}
