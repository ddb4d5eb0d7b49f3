//! Evaluation equals gensim 4.4's on the same vectors: a small skip-gram
//! model trained by gensim (`fixtures/eval/make_eval_fixtures.py`), scored by
//! gensim's `evaluate_word_analogies`, `evaluate_word_pairs` and
//! `most_similar`.

use knn::{evaluate_word_analogies, evaluate_word_pairs, ExactIndexer};
use test_support::fixture;
use vecstore::KeyedVectors;

fn vectors() -> KeyedVectors {
    KeyedVectors::load(fixture("eval/vectors.bin")).unwrap()
}

/// `(header fields, [(section, correct, incorrect)])` of an analogies golden file.
fn expected_analogies(name: &str) -> (Vec<String>, Vec<(String, usize, usize)>) {
    let text = std::fs::read_to_string(fixture(format!("eval/{name}"))).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .trim_start_matches('#')
        .split('\t')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect();
    (header, rows)
}

fn header_value(header: &[String], key: &str) -> usize {
    let at = header.iter().position(|h| h == key).unwrap();
    header[at + 1].parse().unwrap()
}

#[test]
fn analogies_match_gensim_section_by_section() {
    let kv = vectors();
    for (file, restrict) in [
        ("analogies.expected.tsv", 300_000),
        ("analogies_restrict1000.expected.tsv", 1000),
    ] {
        let (header, want) = expected_analogies(file);
        let report =
            evaluate_word_analogies(&kv, &fixture("eval/questions-words.txt"), restrict, true)
                .unwrap();
        let got: Vec<(String, usize, usize)> = report
            .sections
            .iter()
            .chain([&report.total])
            .map(|s| (s.name.clone(), s.correct, s.incorrect))
            .collect();
        assert_eq!(got, want, "{file}");
        assert_eq!(
            report.questions,
            header_value(&header, "questions"),
            "{file}"
        );
        assert_eq!(report.oov, header_value(&header, "oov"), "{file}");
    }
}

#[test]
fn word_pairs_match_gensim_correlations() {
    let kv = vectors();
    let text = std::fs::read_to_string(fixture("eval/pairs.expected.tsv")).unwrap();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let report =
            evaluate_word_pairs(&kv, &fixture(format!("eval/{}", f[0])), 300_000, true).unwrap();
        let (pearson, spearman, oov): (f64, f64, f64) = (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        );
        assert!(
            (report.pearson - pearson).abs() < 1e-5,
            "{}: pearson {} vs {pearson}",
            f[0],
            report.pearson
        );
        assert!(
            (report.spearman - spearman).abs() < 1e-5,
            "{}: spearman {} vs {spearman}",
            f[0],
            report.spearman
        );
        assert!(
            (report.oov_ratio - oov).abs() < 1e-9,
            "{}: oov {} vs {oov}",
            f[0],
            report.oov_ratio
        );
    }
}

#[test]
fn three_cos_add_neighbours_match_gensim_most_similar() {
    let kv = vectors();
    let indexer = ExactIndexer::new(&kv);
    let normed = kv.normed_vectors();
    let text = std::fs::read_to_string(fixture("eval/most_similar.expected.tsv")).unwrap();
    for line in text.lines() {
        let (question, expected) = line.split_once('\t').unwrap();
        let q: Vec<usize> = question
            .split(' ')
            .map(|w| kv.index_of(w).unwrap())
            .collect();
        let (a, b, c) = (q[0], q[1], q[2]);
        let mean = (&normed.row(b) + &normed.row(c) - normed.row(a)) / 3.0;
        let query = &mean / mean.dot(&mean).sqrt();
        let got = indexer.search(query.view(), 5, None, &[a, b, c]);
        let want: Vec<(String, f32)> = expected
            .split(' ')
            .map(|pair| {
                let (word, sim) = pair.rsplit_once(':').unwrap();
                (word.to_string(), sim.parse().unwrap())
            })
            .collect();
        for ((id, sim), (word, want_sim)) in got.iter().zip(&want) {
            assert_eq!(&kv.index_to_key()[*id], word, "{question}");
            assert!(
                (sim - want_sim).abs() < 1e-5,
                "{question}: {sim} vs {want_sim}"
            );
        }
    }
}

#[test]
fn a_question_before_any_section_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.txt");
    std::fs::write(&path, "a b c d\n: section\n").unwrap();
    let err = evaluate_word_analogies(&vectors(), &path, 1000, true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("q.txt") && err.contains("line 1"), "{err}");
}
