//! End-to-end tests of `--kind hnsw`: `w2v index build|query|eval` and
//! `w2v similar --index`, beside the Annoy forms.

mod common;

use common::{failed_with, succeeded, w2v};
use test_support::fixture;

fn json(out: &std::process::Output) -> serde_json::Value {
    succeeded(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn build_query_eval_and_similar_with_an_hnsw_index() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = fixture("eval/vectors.bin");
    let vectors = vectors.to_str().unwrap();
    let index = dir.path().join("v.hnsw");
    let index = index.to_str().unwrap();
    succeeded(&w2v(&[
        "index",
        "build",
        "--kind",
        "hnsw",
        "--vectors",
        vectors,
        "--m",
        "16",
        "--ef-construction",
        "200",
        "--threads",
        "2",
        "--seed",
        "3",
        "--out",
        index,
        "--quiet",
    ]));
    assert!(std::path::Path::new(&format!("{index}.dict")).is_file());
    // Detected from the sidecar: no --kind needed.
    let got = json(&w2v(&[
        "index", "query", "--index", index, "--word", "king", "-n", "5", "--ef", "50", "--json",
    ]));
    let neighbors = got["neighbors"].as_array().unwrap();
    assert_eq!(neighbors.len(), 5);
    assert_eq!(neighbors[0]["word"], "king");
    assert!(neighbors[0]["distance"].as_f64().unwrap().abs() < 1e-5);
    assert!(neighbors[0]["id"].is_u64());
    // ef below n is refused.
    failed_with(
        &w2v(&[
            "index", "query", "--index", index, "--word", "king", "-n", "20", "--ef", "10",
        ]),
        &["--ef 10"],
    );
    // Without the sidecar: --kind hnsw --dim D --space cosine, by item.
    std::fs::remove_file(format!("{index}.dict")).unwrap();
    let bare = json(&w2v(&[
        "index",
        "query",
        "--index",
        index,
        "--kind",
        "hnsw",
        "--dim",
        "32",
        "--space",
        "cosine",
        "--item",
        &neighbors[0]["id"].to_string(),
        "-n",
        "5",
        "--json",
    ]));
    assert_eq!(bare["neighbors"][0]["id"], neighbors[0]["id"]);
    assert!(bare["neighbors"][0].get("word").is_none());
    succeeded(&w2v(&[
        "index",
        "build",
        "--kind",
        "hnsw",
        "--vectors",
        vectors,
        "--seed",
        "3",
        "--out",
        index,
        "--quiet",
    ]));
    let eval = json(&w2v(&[
        "index",
        "eval",
        "--index",
        index,
        "--vectors",
        vectors,
        "--ef",
        "10",
        "50",
        "200",
        "--queries",
        "200",
        "--json",
        "--quiet",
    ]));
    let rows = eval["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["ef"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [10, 50, 200]
    );
    assert!(rows[2]["recall"].as_f64().unwrap() > 0.98, "{eval}");
    assert!(rows.iter().all(|r| r["qps"].as_f64().unwrap() > 0.0));
    // similar: the same answer through the index as exact.
    let exact = json(&w2v(&[
        "similar",
        "--vectors",
        vectors,
        "king",
        "woman",
        "--negative",
        "man",
        "-n",
        "3",
        "--json",
    ]));
    let approx = json(&w2v(&[
        "similar",
        "--vectors",
        vectors,
        "king",
        "woman",
        "--negative",
        "man",
        "-n",
        "3",
        "--index",
        index,
        "--ef",
        "200",
        "--json",
    ]));
    assert_eq!(
        exact["neighbors"][0]["word"],
        approx["neighbors"][0]["word"]
    );
}

#[test]
fn the_annoy_forms_still_work_and_kinds_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = fixture("eval/vectors.bin");
    let vectors = vectors.to_str().unwrap();
    let ann = dir.path().join("v.ann");
    let ann = ann.to_str().unwrap();
    succeeded(&w2v(&[
        "index",
        "build",
        "--vectors",
        vectors,
        "--trees",
        "5",
        "--seed",
        "1",
        "--out",
        ann,
        "--quiet",
    ]));
    let got = json(&w2v(&[
        "index", "query", "--index", ann, "--word", "king", "-n", "3", "--json",
    ]));
    assert_eq!(got["neighbors"][0]["word"], "king");
    // An Annoy index read as HNSW is a clear error.
    let out = w2v(&[
        "index", "query", "--index", ann, "--kind", "hnsw", "--word", "king",
    ]);
    failed_with(&out, &["not an HNSW index"]);
}
