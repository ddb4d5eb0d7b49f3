//! The Annoy indexer: true cosine similarities, recall against exact
//! search, the same meaning as the exact path, and files that round-trip.

use knn::{AnnoyIndexer, Error, ExactIndexer, Indexer, Similarity, Term};
use test_support::fixture;
use vecstore::KeyedVectors;

fn vectors() -> KeyedVectors {
    KeyedVectors::load(fixture("eval/vectors.bin")).unwrap()
}

#[test]
fn answers_true_cosine_similarities_with_high_recall() {
    let kv = vectors();
    let indexer = AnnoyIndexer::builder(&kv, 20)
        .seed(7)
        .search_k(20_000)
        .build()
        .unwrap();
    let exact = ExactIndexer::new(&kv);
    let normed = kv.normed_vectors();
    let (mut hits, mut total) = (0, 0);
    for id in (0..kv.len()).step_by(37) {
        let query = normed.row(id);
        let approx = indexer.most_similar(query, 10).unwrap();
        let truth = exact.most_similar(query, 10).unwrap();
        for w in approx.windows(2) {
            assert!(w[0].1 >= w[1].1 - 1e-6, "not sorted: {approx:?}");
        }
        for &(other, similarity) in &approx {
            let cosine = normed.row(id).dot(&normed.row(other));
            assert!(
                (similarity - cosine).abs() < 1e-4,
                "{similarity} is not the cosine {cosine}"
            );
        }
        hits += truth
            .iter()
            .filter(|t| approx.iter().any(|a| a.0 == t.0))
            .count();
        total += truth.len();
    }
    let recall = hits as f64 / total as f64;
    assert!(recall > 0.97, "recall@10 {recall}");
}

#[test]
fn the_indexer_path_excludes_input_words_and_honours_restrict_vocab() {
    let kv = vectors();
    let indexer = AnnoyIndexer::builder(&kv, 10)
        .seed(1)
        .search_k(50_000)
        .build()
        .unwrap();
    let approx = kv
        .most_similar(&[Term::Word("king")], &[], 5, Some(1000), Some(&indexer))
        .unwrap();
    let exact = kv
        .most_similar(&[Term::Word("king")], &[], 5, Some(1000), None)
        .unwrap();
    assert_eq!(approx.len(), 5);
    assert!(approx
        .iter()
        .all(|(w, _)| w != "king" && kv.index_of(w).unwrap() < 1000));
    let words = |x: &[(String, f32)]| x.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>();
    assert_eq!(
        words(&approx),
        words(&exact),
        "with a large search_k the answer is exact"
    );
}

#[test]
fn a_saved_index_loads_mapped_and_answers_identically() {
    let kv = vectors();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.ann");
    let built = AnnoyIndexer::builder(&kv, 8).seed(3).build().unwrap();
    built.save(&path).unwrap();
    assert!(dir.path().join("words.ann.dict").exists());
    let loaded = AnnoyIndexer::load(&path, &kv).unwrap();
    assert_eq!(loaded.num_trees(), 8);
    for word in ["the", "king", "three"] {
        let query = kv.get_normed(word).unwrap();
        assert_eq!(
            built.most_similar(query, 10).unwrap(),
            loaded.most_similar(query, 10).unwrap()
        );
    }
}

#[test]
fn loading_for_other_vectors_is_an_error() {
    let kv = vectors();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.ann");
    AnnoyIndexer::builder(&kv, 2)
        .seed(3)
        .build()
        .unwrap()
        .save(&path)
        .unwrap();

    let mut other = KeyedVectors::new(kv.dim());
    for (i, word) in kv.index_to_key().iter().enumerate() {
        let name = if i == 5 {
            "not-the-same"
        } else {
            word.as_str()
        };
        other
            .push(name, kv.get_vector(word).unwrap().as_slice().unwrap())
            .unwrap();
    }
    let err = AnnoyIndexer::load(&path, &other).unwrap_err();
    assert!(matches!(err, Error::IndexMismatch { .. }), "{err}");
    assert!(err.to_string().contains("label 5"), "{err}");

    let small = KeyedVectors::new(3);
    assert!(matches!(
        AnnoyIndexer::load(&path, &small),
        Err(Error::IndexMismatch { .. })
    ));
    assert!(AnnoyIndexer::load(dir.path().join("missing.ann"), &kv).is_err());
}

#[test]
fn a_query_of_the_wrong_dimension_is_an_error() {
    let kv = vectors();
    let indexer = AnnoyIndexer::new(&kv, 2).unwrap();
    let short = ndarray::Array1::<f32>::zeros(3);
    assert!(matches!(
        indexer.most_similar(short.view(), 5),
        Err(Error::DimensionMismatch {
            expected: 32,
            found: 3
        })
    ));
}

#[test]
fn growing_an_indexer_equals_building_it_whole() {
    let kv = vectors();
    let whole = AnnoyIndexer::builder(&kv, 7).seed(5).build().unwrap();
    let mut grown = AnnoyIndexer::builder(&kv, 2).seed(5).build().unwrap();
    grown.add_trees_with(5, 0, |_, _| {}).unwrap();
    assert_eq!(grown.num_trees(), 7);
    let normed = kv.normed_vectors();
    for id in (0..kv.len()).step_by(97) {
        assert_eq!(
            grown.most_similar(normed.row(id), 10).unwrap(),
            whole.most_similar(normed.row(id), 10).unwrap()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grown.ann");
    grown.save(&path).unwrap();
    let mut loaded = AnnoyIndexer::load(&path, &kv).unwrap();
    assert!(loaded.add_trees_with(1, 0, |_, _| {}).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

    /// Approximate answers are vocabulary ids, each once, most similar
    /// first, each with the true cosine similarity of its vector and the
    /// query (recomputed here in f64), whatever the vectors and query.
    #[test]
    fn approximate_answers_are_valid_sorted_true_cosines(
        values in proptest::collection::vec(-1.0f32..1.0, 60 * 5),
        query in proptest::collection::vec(-1.0f32..1.0, 5),
        trees in 1usize..8,
        topn in 1usize..20,
        seed in 0u64..1000,
    ) {
        let words = (0..60).map(|i| format!("w{i}")).collect();
        let kv = KeyedVectors::from_parts(words, ndarray::Array2::from_shape_vec((60, 5), values).unwrap(), None).unwrap();
        let norm: f64 = query.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
        proptest::prop_assume!(norm > 1e-3);
        let unit: Vec<f32> = query.iter().map(|&x| (f64::from(x) / norm) as f32).collect();
        let indexer = AnnoyIndexer::builder(&kv, trees).seed(seed).build().unwrap();
        let found = indexer.most_similar(ndarray::ArrayView1::from(&unit[..]), topn).unwrap();
        proptest::prop_assert!(found.len() <= topn);
        let normed = kv.normed_vectors();
        for (i, &(id, similarity)) in found.iter().enumerate() {
            proptest::prop_assert!(id < kv.len());
            proptest::prop_assert!(found[..i].iter().all(|&(other, _)| other != id));
            if i > 0 {
                proptest::prop_assert!(found[i - 1].1 >= similarity - 1e-6);
            }
            let cosine: f64 = normed.row(id).iter().zip(&unit).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum();
            proptest::prop_assert!((f64::from(similarity) - cosine).abs() < 1e-4, "{similarity} vs {cosine}");
        }
    }
}
