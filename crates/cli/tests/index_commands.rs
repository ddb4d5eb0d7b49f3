//! End-to-end tests of `w2v index build|query|eval`.

mod common;

use std::path::Path;

use common::w2v;
use std::process::Output;
use test_support::fixture;

/// Fails the test with the command's stderr unless it succeeded.
fn succeeded(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(out: &Output) -> serde_json::Value {
    succeeded(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `n` words `w0, w1, ...` of `dim` fixed pseudo-random values, saved to `path`.
fn word_vectors(path: &Path, n: usize, dim: usize) -> vecstore::KeyedVectors {
    let mut kv = vecstore::KeyedVectors::new(dim);
    for i in 0..n {
        let v: Vec<f32> = (0..dim)
            .map(|j| ((i * dim + j) as f32 * 0.61).sin())
            .collect();
        kv.push(format!("w{i}"), &v).unwrap();
    }
    kv.save(path).unwrap();
    kv
}

/// `w2v index eval` of 20 queries for their top 3 at a `search_k` of
/// 100,000 (every candidate of these small indexes), as JSON.
fn exhaustive_eval(index: &str, vectors: &str) -> serde_json::Value {
    json(&w2v(&[
        "index",
        "eval",
        "--index",
        index,
        "--vectors",
        vectors,
        "--queries",
        "20",
        "--search-k",
        "100000",
        "-n",
        "3",
        "--json",
        "--quiet",
    ]))
}

#[test]
fn build_query_and_eval_an_index_of_word_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("small.ann");
    let index_arg = index.to_str().unwrap();
    let vectors = dir.path().join("words.txt");
    let kv = word_vectors(&vectors, 300, 8);
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
    succeeded(&out);
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

    let eval = exhaustive_eval(index_arg, vectors_arg);
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
    let annoy_file = fixture("annoy/angular.ann");
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
    // annoy's own test/test.tree (2014): splits come before their children.
    let test_tree = fixture("annoy/test.tree");
    let found = json(&w2v(&[
        "index",
        "query",
        "--index",
        test_tree.to_str().unwrap(),
        "--dim",
        "10",
        "--metric",
        "angular",
        "--item",
        "0",
        "--json",
    ]));
    let ids: Vec<u64> = found["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0, 85, 42, 11, 54, 38, 53, 66, 19, 31]);
}

#[test]
fn damaged_indexes_and_sidecars_exit_1_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("small.ann");
    let index_arg = index.to_str().unwrap();
    let vectors = fixture("gensim/small.txt");
    let out = w2v(&[
        "index",
        "build",
        "-q",
        "--vectors",
        vectors.to_str().unwrap(),
        "--trees",
        "3",
        "--out",
        index_arg,
    ]);
    assert!(out.status.success());
    let good_index = std::fs::read(&index).unwrap();
    let sidecar = dir.path().join("small.ann.dict");
    let good_sidecar = std::fs::read(&sidecar).unwrap();
    let query = |what: &str| {
        let out = w2v(&["index", "query", "--index", index_arg, "--word", "the"]);
        assert_eq!(out.status.code(), Some(1), "{what}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    // A sidecar that would call os.system: refused, naming the sidecar.
    std::fs::write(&sidecar, b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.").unwrap();
    let err = query("evil sidecar");
    assert!(
        err.contains("small.ann.dict") && err.contains("refused"),
        "{err}"
    );
    std::fs::write(&sidecar, &good_sidecar).unwrap();

    // The index cut short, and its root's child pointing outside the file
    // (7 dimensions: angular nodes of 12 + 28 bytes, children at bytes 4..12).
    let node = 12 + 4 * 7;
    std::fs::write(&index, &good_index[..good_index.len() - node / 2]).unwrap();
    let err = query("truncated index");
    assert!(
        err.contains("small.ann") && err.contains("node size"),
        "{err}"
    );
    let mut bad = good_index.clone();
    let root = bad.len() - node;
    bad[root + 4..root + 8].copy_from_slice(&1_000_000u32.to_le_bytes());
    std::fs::write(&index, &bad).unwrap();
    let err = query("child out of range");
    assert!(
        err.contains("small.ann") && err.contains("child 1000000"),
        "{err}"
    );
}

#[test]
fn an_on_disk_build_writes_the_same_index() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("words.txt");
    word_vectors(&vectors, 400, 6);
    let build = |out: &Path, on_disk: bool| {
        let mut args = vec![
            "index",
            "build",
            "--vectors",
            vectors.to_str().unwrap(),
            "--trees",
            "5",
            "--seed",
            "11",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ];
        if on_disk {
            args.push("--on-disk");
        }
        let result = w2v(&args);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
    };
    let (memory, disk) = (dir.path().join("memory.ann"), dir.path().join("disk.ann"));
    build(&memory, false);
    build(&disk, true);
    assert_eq!(
        std::fs::read(&memory).unwrap(),
        std::fs::read(&disk).unwrap()
    );
    assert_eq!(
        std::fs::read(dir.path().join("memory.ann.dict")).unwrap(),
        std::fs::read(dir.path().join("disk.ann.dict")).unwrap()
    );
}

/// Hamming through the command line: annoy's own index answers an item
/// query with annoy's ids, and an index built here from word vectors (their
/// values above 0.5 as bits) is exact at an exhaustive `search_k`.
#[test]
fn hamming_indexes_answer_as_annoy_and_exactly() {
    let annoy_file = fixture("annoy/hamming.ann");
    let path = annoy_file.to_str().unwrap();
    let answers: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("annoy/hamming.json")).unwrap()).unwrap();
    let case = answers["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "item" && c["n"] == 10 && c["search_k"] == -1)
        .unwrap();
    let item = case["query"].as_u64().unwrap().to_string();
    let found = json(&w2v(&[
        "index", "query", "--index", path, "--item", &item, "-n", "10", "--dim", "100", "--metric",
        "hamming", "--json",
    ]));
    let ids = |v: &serde_json::Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    let ours: Vec<u64> = found["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ours, ids(&case["ids"]));

    let dir = tempfile::tempdir().unwrap();
    let vectors = dir.path().join("words.txt");
    word_vectors(&vectors, 300, 70);
    let index = dir.path().join("bits.ann");
    let (vectors_arg, index_arg) = (vectors.to_str().unwrap(), index.to_str().unwrap());
    let out = w2v(&[
        "index",
        "build",
        "--vectors",
        vectors_arg,
        "--trees",
        "5",
        "--metric",
        "hamming",
        "--out",
        index_arg,
        "--quiet",
    ]);
    succeeded(&out);
    let eval = exhaustive_eval(index_arg, vectors_arg);
    assert_eq!(eval["rows"][0]["recall"].as_f64().unwrap(), 1.0);
}
