//! End-to-end tests of `w2v train` and `w2v eval` on the fixture corpus.

mod common;

use common::{fixtures as fixture, w2v};

#[test]
fn train_saves_a_model_and_vectors_that_eval_reads() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.kv");
    let vectors = dir.path().join("vectors.txt");
    let corpus = fixture("corpus/dev100k.txt");
    let out = w2v(&[
        "train",
        "--quiet",
        "--corpus",
        corpus.to_str().unwrap(),
        "--sg",
        "--size",
        "24",
        "--epochs",
        "2",
        "--threads",
        "1",
        "--out",
        model.to_str().unwrap(),
        "--vectors",
        vectors.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("trained 2 epochs on 200000 raw words"),
        "{stdout}"
    );
    for file in [
        "model.kv",
        "model.kv.json",
        "model.kv.syn1neg",
        "vectors.txt",
    ] {
        assert!(dir.path().join(file).exists(), "{file} missing");
    }
    let info = w2v(&["info", "--json", vectors.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"vocab_size": 2691, "dim": 24, "format": "text",
            "header_rows": 2691, "duplicates_skipped": 0, "non_finite_values": 0})
    );

    let pairs = dir.path().join("pairs.tsv");
    std::fs::write(
        &pairs,
        "# tiny\none\ttwo\t9.0\none\tthe\t1.0\nthree\tfour\t8.0\nzzzz\tone\t5.0\n",
    )
    .unwrap();
    let out = w2v(&[
        "eval",
        "pairs",
        "--json",
        "--vectors",
        model.to_str().unwrap(),
        "--pairs",
        pairs.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["pairs"], 3);
    assert_eq!(json["oov_ratio"], 25.0);
}

#[test]
fn bad_training_parameters_exit_1_with_the_parameter_named() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = fixture("corpus/dev100k.txt");
    let model = dir.path().join("m.kv");
    let out = w2v(&[
        "train",
        "--corpus",
        corpus.to_str().unwrap(),
        "--negative",
        "0",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("negative"));
    let out = w2v(&[
        "train",
        "--corpus",
        corpus.to_str().unwrap(),
        "--sg",
        "--cbow",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "conflicting flags are a usage error"
    );
}
