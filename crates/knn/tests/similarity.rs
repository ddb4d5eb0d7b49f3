//! The similarity API: gensim's semantics on real vectors, the same answers
//! through an indexer as without, and clear errors.

use knn::{top_k, Error, ExactIndexer, Indexer, Similarity, Term};
use ndarray::array;
use proptest::prelude::*;
use test_support::fixture;
use vecstore::KeyedVectors;

fn vectors() -> KeyedVectors {
    KeyedVectors::load(fixture("eval/vectors.bin")).unwrap()
}

/// Same words in the same order, similarities equal up to float summation order.
fn assert_close(a: &[(String, f32)], b: &[(String, f32)], context: &str) {
    let words = |x: &[(String, f32)]| x.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>();
    assert_eq!(words(a), words(b), "{context}");
    for ((_, x), (_, y)) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-5, "{context}: {x} vs {y}");
    }
}

#[test]
fn most_similar_matches_gensim_on_analogy_queries() {
    let kv = vectors();
    let text = std::fs::read_to_string(fixture("eval/most_similar.expected.tsv")).unwrap();
    for line in text.lines() {
        let (question, expected) = line.split_once('\t').unwrap();
        let w: Vec<&str> = question.split(' ').collect();
        let got = kv
            .most_similar(
                &Term::words(&[w[1], w[2]]),
                &Term::words(&[w[0]]),
                5,
                None,
                None,
            )
            .unwrap();
        let want: Vec<&str> = expected
            .split(' ')
            .map(|p| p.rsplit_once(':').unwrap().0)
            .collect();
        let got_words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(got_words, want, "{question}");
    }
}

#[test]
fn an_indexer_path_means_the_same_as_the_exact_path() {
    let kv = vectors();
    let exact = ExactIndexer::new(&kv);
    let queries = [
        ("king", None),
        ("the", Some(50)),
        ("three", Some(3000)),
        ("paris", None),
    ];
    for (word, restrict) in queries {
        let plain = kv
            .most_similar(&[Term::Word(word)], &[], 10, restrict, None)
            .unwrap();
        let through = kv
            .most_similar(
                &[Term::Word(word)],
                &[],
                10,
                restrict,
                Some(&exact as &dyn Indexer),
            )
            .unwrap();
        assert_close(&plain, &through, &format!("{word} restrict {restrict:?}"));
        assert!(
            plain.iter().all(|(w, _)| w != word),
            "the query word came back"
        );
        if let Some(r) = restrict {
            assert!(plain.iter().all(|(w, _)| kv.index_of(w).unwrap() < r));
        }
    }
    let words = ["king", "the", "three", "paris"];
    let batch = kv.most_similar_batch(&words, 7, Some(2000), None).unwrap();
    let batch_indexed = kv
        .most_similar_batch(&words, 7, Some(2000), Some(&exact))
        .unwrap();
    for ((word, a), b) in words.iter().zip(&batch).zip(&batch_indexed) {
        assert_close(a, &kv.similar_by_word(word, 7, Some(2000)).unwrap(), word);
        assert_close(a, b, word);
    }
}

#[test]
fn raw_vectors_exclude_nothing_and_words_exclude_themselves() {
    let kv = vectors();
    let king = kv.get_vector("king").unwrap().to_vec();
    let by_vector = kv.similar_by_vector(&king, 3, None).unwrap();
    assert_eq!(by_vector[0].0, "king");
    assert!((by_vector[0].1 - 1.0).abs() < 1e-5);
    let by_word = kv.similar_by_word("king", 3, None).unwrap();
    assert_close(&by_word[..2], &by_vector[1..], "king");
}

#[test]
fn small_hand_computed_cases() {
    let kv = KeyedVectors::from_parts(
        ["north", "east", "northeast", "south", "up"]
            .map(String::from)
            .to_vec(),
        array![
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, -1.0, 0.0],
            [0.0, 0.0, 1.0]
        ],
        None,
    )
    .unwrap();
    let best = kv
        .most_similar(&Term::words(&["north", "east"]), &[], 1, None, None)
        .unwrap();
    assert_eq!(best[0].0, "northeast");
    assert!((best[0].1 - 1.0).abs() < 1e-6);
    assert_eq!(
        kv.doesnt_match(&["north", "northeast", "east", "south"])
            .unwrap(),
        "south"
    );
    assert_eq!(kv.closer_than("north", "east").unwrap(), ["northeast"]);
    assert_eq!(kv.rank("north", "east").unwrap(), 2);
    // 3CosMul: north + east against nothing: northeast wins.
    let cosmul = kv
        .most_similar_cosmul(&Term::words(&["north", "east"]), &[], 2)
        .unwrap();
    assert_eq!(cosmul[0].0, "northeast");
    // topn larger than the vocabulary returns every other word.
    assert_eq!(kv.similar_by_word("up", 100, None).unwrap().len(), 4);
}

#[test]
fn bad_queries_are_typed_errors() {
    let kv = vectors();
    let err = kv
        .most_similar(&Term::words(&["king", "zzzz", "qqqq"]), &[], 5, None, None)
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownWords(w) if w == &["zzzz", "qqqq"]),
        "{err}"
    );
    assert_eq!(err.to_string(), "not in the vocabulary: zzzz, qqqq");
    assert!(matches!(
        kv.most_similar(&[], &Term::words(&["king"]), 5, None, None),
        Err(Error::EmptyQuery)
    ));
    assert!(matches!(
        kv.most_similar(
            &Term::words(&["king"]),
            &Term::words(&["king"]),
            5,
            None,
            None
        ),
        Err(Error::ZeroQuery)
    ));
    let short = [1.0f32, 2.0];
    assert!(matches!(
        kv.most_similar(&[Term::Vector(&short)], &[], 5, None, None),
        Err(Error::DimensionMismatch {
            expected: 32,
            found: 2
        })
    ));
    assert!(matches!(
        kv.doesnt_match(&["king", "nope"]),
        Err(Error::UnknownWords(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Exact search equals a naive f64 reference (ties excepted).
    #[test]
    fn exact_search_equals_a_naive_reference(
        values in proptest::collection::vec(-1.0f32..1.0, 40 * 6),
        query in proptest::collection::vec(-1.0f32..1.0, 6),
        topn in 1usize..12,
    ) {
        let words = (0..40).map(|i| format!("w{i}")).collect();
        let kv = KeyedVectors::from_parts(words, ndarray::Array2::from_shape_vec((40, 6), values).unwrap(), None).unwrap();
        let got = kv.similar_by_vector(&query, topn, None).unwrap();
        let qn: f64 = query.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
        prop_assume!(qn > 1e-3);
        let mut reference: Vec<(usize, f64)> = (0..40).map(|i| {
            let row = kv.vectors().row(i).to_vec();
            let rn: f64 = row.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
            let dot: f64 = row.iter().zip(&query).map(|(&a, &b)| a as f64 * b as f64).sum();
            (i, if rn > 0.0 { dot / (rn * qn) } else { 0.0 })
        }).collect();
        reference.sort_by(|a, b| b.1.total_cmp(&a.1));
        for ((word, sim), (id, want)) in got.iter().zip(&reference) {
            prop_assert!((*sim as f64 - want).abs() < 1e-4);
            if (reference.iter().filter(|(_, s)| (s - want).abs() < 1e-5).count()) == 1 {
                prop_assert_eq!(word, &format!("w{id}"));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The exact indexer (quantised scan, then f32 re-rank) returns exactly
    /// what scoring every row in f32 returns: same ids, same scores, same
    /// tie order, with `restrict` and exclusions, one query or a batch.
    /// Coarse values make many ties and near-ties.
    #[test]
    fn exact_indexer_equals_a_full_f32_scan(
        values in proptest::collection::vec(-3i8..=3, 300 * 8),
        queries in proptest::collection::vec(-3i8..=3, 8 * 5),
        topn in 0usize..15,
        restrict in proptest::option::of(1usize..300),
        exclude in proptest::collection::vec(0usize..300, 0..4),
    ) {
        let values: Vec<f32> = values.iter().map(|&v| f32::from(v) * 0.25).collect();
        let words = (0..300).map(|i| format!("w{i}")).collect();
        let kv = KeyedVectors::from_parts(words, ndarray::Array2::from_shape_vec((300, 8), values).unwrap(), None).unwrap();
        let normed = kv.normed_vectors();
        let mut queries = ndarray::Array2::from_shape_vec((5, 8), queries.iter().map(|&v| f32::from(v)).collect()).unwrap();
        // A zero query takes the f32 scan inside a batch of quantised ones.
        queries.row_mut(2).fill(0.0);
        let exact = ExactIndexer::new(&kv);
        let rows = restrict.unwrap_or(300);
        let reference = |query: ndarray::ArrayView1<'_, f32>| {
            let scores = (0..rows).map(|i| normed.row(i).dot(&query));
            top_k(scores, topn, |id| exclude.contains(&id))
        };
        let excludes = vec![exclude.clone(); 5];
        let batch = exact.search_batch(queries.view(), topn, restrict, &excludes);
        for (query, batch) in queries.outer_iter().zip(batch) {
            let want = reference(query);
            prop_assert_eq!(&exact.search(query, topn, restrict, &exclude), &want);
            prop_assert_eq!(batch, want);
        }
    }
}
