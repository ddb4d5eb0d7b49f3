//! Damaged or mismatched model files: `Word2Vec::load` answers each with an
//! error naming the file and what is wrong, never a panic or a model that
//! does not fit together.

use std::path::{Path, PathBuf};

use corpus::Corpus;
use embed::{Error, Params, Word2Vec};
use vecstore::{Format, KeyedVectors, WriteOptions};

fn file(base: &Path, suffix: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A saved model (negative sampling and hierarchical softmax, 8
/// dimensions) in a fresh directory.
fn saved() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let corpus_path = dir.path().join("corpus.txt");
    std::fs::write(&corpus_path, "a b c a b a d e a b ".repeat(20)).unwrap();
    let params = Params {
        vector_size: 8,
        min_count: 1,
        workers: 1,
        hs: true,
        ..Params::default()
    };
    let model = Word2Vec::build_vocab(&Corpus::text8(&corpus_path), params).unwrap();
    let path = dir.path().join("model");
    model.save(&path).unwrap();
    (dir, path)
}

fn write_native(kv: &KeyedVectors, path: &Path) {
    vecstore::write(kv, path, Format::Native, &WriteOptions::default()).unwrap();
}

fn load_error(path: &Path) -> String {
    match Word2Vec::load(path) {
        Ok(_) => panic!("a damaged model loaded"),
        Err(e) => e.to_string(),
    }
}

fn edit_json(path: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let meta = file(path, ".json");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&meta, serde_json::to_vec(&value).unwrap()).unwrap();
}

#[test]
fn the_saved_model_loads() {
    let (_dir, path) = saved();
    assert_eq!(Word2Vec::load(&path).unwrap().words().len(), 5);
}

#[test]
fn missing_or_unreadable_metadata_is_named() {
    let (_dir, path) = saved();
    std::fs::remove_file(file(&path, ".json")).unwrap();
    assert!(matches!(
        Word2Vec::load(&path),
        Err(Error::Io { op: "read", path: p, .. }) if p == file(&path, ".json")
    ));
    for (bytes, expected) in [
        (&b"not json"[..], "not model metadata"),
        (b"{}", "not model metadata"),
        (b"", "not model metadata"),
    ] {
        std::fs::write(file(&path, ".json"), bytes).unwrap();
        let message = load_error(&path);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("model.json"), "{message}");
    }
}

#[test]
fn foreign_formats_and_bad_parameters_are_refused() {
    let (_dir, path) = saved();
    edit_json(&path, |v| v["format"] = "something else".into());
    assert!(load_error(&path).contains("unknown model format"));

    let (_dir, path) = saved();
    edit_json(&path, |v| v["params"]["vector_size"] = 0.into());
    assert!(matches!(Word2Vec::load(&path), Err(Error::Param { .. })));

    let (_dir, path) = saved();
    edit_json(&path, |v| v["params"]["vector_size"] = 9.into());
    assert!(load_error(&path).contains("vectors have 8 dimensions, parameters say 9"));
}

#[test]
fn missing_damaged_or_mismatched_weight_files_are_named() {
    // The output weights of negative sampling: missing, then of another shape.
    let (_dir, path) = saved();
    std::fs::remove_file(file(&path, ".syn1neg")).unwrap();
    assert!(load_error(&path).contains("model.syn1neg"));
    let other = KeyedVectors::from_parts(
        vec!["x".into()],
        ndarray::Array2::zeros((1, 8)),
        Some(vec![1]),
    )
    .unwrap();
    write_native(&other, &file(&path, ".syn1neg"));
    assert!(load_error(&path).contains("syn1neg is (1, 8), expected (5, 8)"));

    // Hierarchical softmax's inner nodes, of another width.
    let (_dir, path) = saved();
    let narrow = KeyedVectors::from_parts(
        (0..4).map(|i| format!("node{i}")).collect(),
        ndarray::Array2::zeros((4, 3)),
        None,
    )
    .unwrap();
    write_native(&narrow, &file(&path, ".syn1"));
    assert!(load_error(&path).contains("syn1 is (4, 3), expected (4, 8)"));

    // The word vectors: cut short, and without their counts.
    let (_dir, path) = saved();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Word2Vec::load(&path),
        Err(Error::Vectors(vecstore::Error::Format { .. }))
    ));
    let (_dir, path) = saved();
    let kv = KeyedVectors::load(&path).unwrap();
    let uncounted =
        KeyedVectors::from_parts(kv.index_to_key().to_vec(), kv.vectors().to_owned(), None)
            .unwrap();
    drop(kv);
    write_native(&uncounted, &path);
    assert!(load_error(&path).contains("carry no counts"));
}
