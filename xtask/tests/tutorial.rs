//! `cargo xtask tutorial --quick` runs every step on the bundled corpus and
//! writes a complete report (this is the README's first command, shortened).

use std::process::Command;

#[test]
fn quick_tutorial_runs_every_step_and_writes_the_report() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "tutorial",
            "--quick",
            "--quiet",
            "--doc2vec",
            "--threads",
            "2",
            "--out",
        ])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["corpus"]["words"], 100_000);
    assert_eq!(
        report["science"]["approximate"].as_array().unwrap().len(),
        11
    );
    assert_eq!(report["science"]["exact"].as_array().unwrap().len(), 11);
    assert_eq!(report["timing"]["queries"], 1000);
    assert!(report["timing"]["recall_at_10"].as_f64().unwrap() > 0.8);
    assert_eq!(report["persistence"]["index_reload_identical"], true);
    assert_eq!(report["persistence"]["model_reload_identical"], true);
    assert_eq!(report["memory"].as_array().unwrap().len(), 4);
    let sweep = report["sweep"].as_array().unwrap();
    assert_eq!(sweep.len(), 5);
    let last = sweep.last().unwrap()["recall_at_10"].as_f64().unwrap();
    let first = sweep[0]["recall_at_10"].as_f64().unwrap();
    assert!(
        last > first,
        "more trees did not raise recall: {first} -> {last}"
    );
    // A share, not a sum: 40 trees find most true neighbours.
    assert!(last > 0.8 && last <= 1.0, "recall@10 with 40 trees: {last}");
    // Exact vs Annoy vs HNSW: the exact point finds every true neighbour,
    // more search_k or ef finds more, and each index has a size and a
    // build time.
    let compare = &report["comparison"];
    assert_eq!(compare["queries"], 300);
    let curve = |method: &str| -> Vec<f64> {
        compare[method]["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert!(p["ms_per_query"].as_f64().unwrap() > 0.0, "{p}");
                p["recall_at_10"].as_f64().unwrap()
            })
            .collect()
    };
    assert_eq!(curve("exact"), [1.0]);
    for (method, points, floor) in [("annoy", 4, 0.95), ("hnsw", 4, 0.98)] {
        let recall = curve(method);
        assert_eq!(recall.len(), points, "{method}");
        assert!(
            recall.windows(2).all(|w| w[1] >= w[0] - 1e-9),
            "{method}: recall does not rise with the setting: {recall:?}"
        );
        assert!(recall[points - 1] >= floor, "{method}: {recall:?}");
        assert!(compare[method]["index_bytes"].as_u64().unwrap() > 0);
        assert!(compare[method]["build_seconds"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(report["export"]["round_trip_identical"], true);
    // Doc2Vec on gensim's Lee corpus: the indexer answers for document
    // vectors, and gensim's check passes (gensim: 292 of 300).
    let d2v = &report["doc2vec"];
    assert_eq!(d2v["tags"], 300);
    assert_eq!(d2v["approximate"].as_array().unwrap().len(), 5);
    assert!(d2v["recall_at_10"].as_f64().unwrap() > 0.8, "{d2v}");
    assert_eq!(d2v["checked"], 300);
    assert!(d2v["self_nearest"].as_u64().unwrap() >= 270, "{d2v}");
    assert_eq!(report["step_seconds"].as_array().unwrap().len(), 10);
    for file in [
        "report.md",
        "sweep.csv",
        "index.ann",
        "index.ann.dict",
        "index.hnsw",
        "index.hnsw.dict",
        "model.kv",
        "vectors.txt",
        "vectors.bin",
    ] {
        assert!(out.path().join(file).exists(), "{file} missing");
    }
}
