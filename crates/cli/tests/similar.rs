//! End-to-end tests of `w2v similar`, exact and through an index made by
//! `w2v index build`.

mod common;

use common::{fixtures as fixture, w2v};
use std::process::Output;

fn neighbors(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["word"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn exact_and_indexed_answers_agree_with_a_large_search_k() {
    let vectors = fixture("eval/vectors.bin");
    let vectors = vectors.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("words.ann");
    let index = index.to_str().unwrap();
    let built = w2v(&[
        "index",
        "build",
        "--quiet",
        "--vectors",
        vectors,
        "--trees",
        "10",
        "--seed",
        "1",
        "--out",
        index,
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let exact = neighbors(&w2v(&[
        "similar",
        "--json",
        "--vectors",
        vectors,
        "king",
        "woman",
        "--negative",
        "man",
        "-n",
        "5",
    ]));
    let indexed = neighbors(&w2v(&[
        "similar",
        "--json",
        "--vectors",
        vectors,
        "king",
        "woman",
        "--negative",
        "man",
        "-n",
        "5",
        "--index",
        index,
        "--search-k",
        "100000",
    ]));
    assert_eq!(exact.len(), 5);
    assert_eq!(exact, indexed);
    assert!(!exact
        .iter()
        .any(|w| w == "king" || w == "woman" || w == "man"));
}

#[test]
fn unknown_words_exit_1_naming_them() {
    let vectors = fixture("eval/vectors.bin");
    let out = w2v(&[
        "similar",
        "--vectors",
        vectors.to_str().unwrap(),
        "king",
        "zzzq",
        "qqqz",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("zzzq, qqqz"), "{err}");
}
