//! End-to-end tests of `w2v index build|query|eval`.

mod common;

use std::path::{Path, PathBuf};

use common::w2v;
use std::process::Output;

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(dir)
        .join(name)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn build_query_and_eval_an_index_of_word_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("small.ann");
    let index_arg = index.to_str().unwrap();
    let vectors = dir.path().join("words.txt");
    let mut kv = vecstore::KeyedVectors::new(8);
    for i in 0..300 {
        let v: Vec<f32> = (0..8).map(|j| ((i * 8 + j) as f32 * 0.61).sin()).collect();
        kv.push(format!("w{i}"), &v).unwrap();
    }
    kv.save(&vectors).unwrap();
    let vectors_arg = vectors.to_str().unwrap();
    let out = w2v(&[
        "index",
        "build",
        "--vectors",
        vectors_arg,
        "--trees",
        "8",
        "--seed",
        "3",
        "--threads",
        "2",
        "--out",
        index_arg,
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(Path::new(&format!("{index_arg}.dict")).exists());

    let word = kv.index_to_key()[1].clone();
    let by_word = json(&w2v(&[
        "index", "query", "--index", index_arg, "--word", &word, "-n", "3", "--json",
    ]));
    let first = &by_word["neighbors"][0];
    assert_eq!(first["word"].as_str().unwrap(), word);
    assert_eq!(first["id"].as_u64().unwrap(), 1);
    assert!(first["distance"].as_f64().unwrap() < 1e-3);

    let by_item = json(&w2v(&[
        "index", "query", "--index", index_arg, "--item", "1", "-n", "3", "--json",
    ]));
    assert_eq!(by_item, by_word);

    let vector: Vec<String> = kv
        .get_vector(&word)
        .unwrap()
        .iter()
        .map(|x| x.to_string())
        .collect();
    let by_vector = json(&w2v(&[
        "index",
        "query",
        "--index",
        index_arg,
        "--vector",
        &vector.join(" "),
        "-n",
        "1",
        "--json",
    ]));
    assert_eq!(by_vector["neighbors"][0]["id"].as_u64().unwrap(), 1);

    let eval = json(&w2v(&[
        "index",
        "eval",
        "--index",
        index_arg,
        "--vectors",
        vectors_arg,
        "--queries",
        "20",
        "--search-k",
        "100000",
        "-n",
        "3",
        "--json",
        "--quiet",
    ]));
    let row = &eval["rows"][0];
    assert_eq!(row["search_k"].as_u64().unwrap(), 100_000);
    assert_eq!(
        row["recall"].as_f64().unwrap(),
        1.0,
        "exhaustive search is exact"
    );
    assert!(row["qps"].as_f64().unwrap() > 0.0);
}

#[test]
fn an_index_made_by_annoy_needs_its_dimension_and_metric() {
    let annoy_file = fixture("annoy", "angular.ann");
    let path = annoy_file.to_str().unwrap();
    let out = w2v(&["index", "query", "--index", path, "--item", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dim"));
    let found = json(&w2v(&[
        "index", "query", "--index", path, "--item", "0", "--dim", "16", "--metric", "angular",
        "--json",
    ]));
    let first = &found["neighbors"][0];
    assert_eq!(first["id"].as_u64().unwrap(), 0);
    assert!(first.get("word").is_none());
    let out = w2v(&[
        "index", "query", "--index", path, "--word", "x", "--dim", "16", "--metric", "angular",
    ]);
    assert_eq!(out.status.code(), Some(1));
}
