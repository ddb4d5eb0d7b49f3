//! The same cases run against every indexer (exact, Annoy, HNSW): one macro,
//! one module per indexer, over the real vectors in fixtures/eval and a tiny
//! hand-computed set.

use std::path::{Path, PathBuf};

use knn::{AnnoyIndexer, Error, ExactIndexer, HnswIndexer, Indexer, Similarity, Term};
use ndarray::Array1;
use vecstore::KeyedVectors;

fn vectors() -> KeyedVectors {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/eval/vectors.bin");
    KeyedVectors::load(path).unwrap()
}

/// Four unit vectors on a circle, 0.4 rad apart, and one off it.
fn tiny() -> KeyedVectors {
    let mut kv = KeyedVectors::new(2);
    for (i, word) in ["a", "b", "c", "d"].iter().enumerate() {
        let angle = i as f32 * 0.4;
        kv.push(*word, &[angle.cos(), angle.sin()]).unwrap();
    }
    kv.push("e", &[-1.0, -0.2]).unwrap();
    kv
}

fn exact(kv: &KeyedVectors) -> ExactIndexer<'_> {
    ExactIndexer::new(kv)
}

fn annoy(kv: &KeyedVectors) -> AnnoyIndexer {
    AnnoyIndexer::builder(kv, 20)
        .seed(7)
        .search_k(50_000)
        .build()
        .unwrap()
}

fn hnsw(kv: &KeyedVectors) -> HnswIndexer {
    HnswIndexer::builder(kv)
        .m(16)
        .ef_construction(200)
        .ef(200)
        .seed(7)
        .build()
        .unwrap()
}

/// Saves and reloads an indexer where it has files (the exact one has none).
trait Reload: Indexer + Sized {
    fn reload(self, _kv: &KeyedVectors, _dir: &Path) -> Self {
        self
    }
}
impl Reload for ExactIndexer<'_> {}
impl Reload for AnnoyIndexer {
    fn reload(self, kv: &KeyedVectors, dir: &Path) -> Self {
        let path: PathBuf = dir.join("index.ann");
        self.save(&path).unwrap();
        AnnoyIndexer::load(&path, kv).unwrap()
    }
}
impl Reload for HnswIndexer {
    fn reload(self, kv: &KeyedVectors, dir: &Path) -> Self {
        let path: PathBuf = dir.join("index.hnsw");
        self.save(&path).unwrap();
        HnswIndexer::load(&path, kv).unwrap()
    }
}

macro_rules! every_indexer {
    ($($name:ident => $make:expr, $min_recall:expr;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn tiny_case_is_hand_computed() {
                let kv = tiny();
                let indexer = $make(&kv);
                let got = indexer.most_similar(kv.get_normed("b").unwrap(), 3).unwrap();
                let ids: Vec<usize> = got.iter().map(|g| g.0).collect();
                assert_eq!(ids[0], 1, "{got:?}");
                let mut next = ids[1..].to_vec();
                next.sort();
                assert_eq!(next, [0, 2], "a and c are both 0.4 rad from b: {got:?}");
                assert!((got[0].1 - 1.0).abs() < 1e-5);
                assert!((got[1].1 - 0.4f32.cos()).abs() < 1e-5, "{got:?}");
            }

            #[test]
            fn wrong_dimension_is_an_error() {
                let kv = tiny();
                let indexer = $make(&kv);
                let query = Array1::from(vec![1.0f32, 0.0, 0.0]);
                assert!(matches!(
                    indexer.most_similar(query.view(), 2),
                    Err(Error::DimensionMismatch { expected: 2, found: 3 })
                ));
            }

            #[test]
            fn true_cosines_sorted_with_recall_against_exact() {
                let kv = vectors();
                let indexer = $make(&kv);
                let truth = ExactIndexer::new(&kv);
                let normed = kv.normed_vectors();
                let (mut hits, mut total) = (0, 0);
                for id in (0..kv.len()).step_by(41) {
                    let query = normed.row(id);
                    let got = indexer.most_similar(query, 10).unwrap();
                    assert_eq!(got.len(), 10);
                    assert_eq!(got[0].0, id, "a word is its own nearest");
                    for w in got.windows(2) {
                        assert!(w[0].1 >= w[1].1 - 1e-6, "not sorted: {got:?}");
                    }
                    for &(other, similarity) in &got {
                        let cosine = query.dot(&normed.row(other));
                        assert!((similarity - cosine).abs() < 1e-4, "{similarity} is not the cosine {cosine}");
                    }
                    let want = truth.most_similar(query, 10).unwrap();
                    hits += want.iter().filter(|w| got.iter().any(|g| g.0 == w.0)).count();
                    total += want.len();
                }
                let recall = hits as f64 / total as f64;
                assert!(recall >= $min_recall, "recall@10 {recall}");
            }

            #[test]
            fn most_similar_excludes_inputs_and_honours_restrict_vocab_after_a_reload() {
                let kv = vectors();
                let dir = tempfile::tempdir().unwrap();
                let indexer = Reload::reload($make(&kv), &kv, dir.path());
                for (positive, negative) in [(vec!["king", "woman"], vec!["man"]), (vec!["science"], vec![])] {
                    let pos: Vec<Term<'_>> = positive.iter().map(|w| Term::Word(w)).collect();
                    let neg: Vec<Term<'_>> = negative.iter().map(|w| Term::Word(w)).collect();
                    let got = kv.most_similar(&pos, &neg, 5, Some(1000), Some(&indexer)).unwrap();
                    let want = kv.most_similar(&pos, &neg, 5, Some(1000), None).unwrap();
                    assert_eq!(got.len(), 5);
                    for (word, similarity) in &got {
                        assert!(!positive.contains(&word.as_str()) && !negative.contains(&word.as_str()));
                        assert!(kv.index_of(word).unwrap() < 1000);
                        if let Some((_, s)) = want.iter().find(|(w, _)| w == word) {
                            assert!((s - similarity).abs() < 1e-4, "{word}: {similarity} vs exact {s}");
                        }
                    }
                    let words = |x: &[(String, f32)]| x.iter().map(|(w, _)| w.clone()).collect::<Vec<_>>();
                    assert_eq!(words(&got)[0], words(&want)[0], "{positive:?} - {negative:?}");
                }
            }

            #[test]
            fn batch_answers_equal_single_answers() {
                let kv = vectors();
                let indexer = $make(&kv);
                let queries = kv.normed_vectors().slice(ndarray::s![..40, ..]).to_owned();
                let batch = indexer.most_similar_batch(queries.view(), 7).unwrap();
                for (q, b) in queries.rows().into_iter().zip(&batch) {
                    assert_eq!(&indexer.most_similar(q, 7).unwrap(), b);
                }
            }
        }
    )*};
}

every_indexer! {
    exact_indexer => exact, 1.0;
    annoy_indexer => annoy, 0.95;
    hnsw_indexer => hnsw, 0.98;
}
