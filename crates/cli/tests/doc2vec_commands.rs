//! End-to-end tests of `w2v doc2vec train|infer` on gensim's Lee corpus,
//! and of the existing commands on the document vectors they write.

mod common;

use common::{failed_with, fixtures as fixture, succeeded, w2v};

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn train_infer_and_query_document_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("lee.d2v");
    let docvecs = dir.path().join("docs.txt");
    let words = dir.path().join("words.bin");
    let corpus = fixture("doc2vec/lee_background.txt");
    let out = w2v(&[
        "doc2vec",
        "train",
        "--quiet",
        "--corpus",
        path(&corpus),
        "--size",
        "50",
        "--min-count",
        "2",
        "--epochs",
        "40",
        "--threads",
        "1",
        "--out",
        path(&model),
        "--doc-vectors",
        path(&docvecs),
        "--vectors",
        path(&words),
    ]);
    succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("trained 40 epochs on"), "{stdout}");
    let dv = vecstore::KeyedVectors::load(&docvecs).unwrap();
    assert_eq!((dv.len(), dv.dim()), (300, 50));
    assert_eq!(dv.index_to_key()[17], "17");
    let wv = vecstore::KeyedVectors::load(&words).unwrap();
    assert_eq!(wv.dim(), 50);

    // Inference: one document from --text, every line of --file.
    let out = w2v(&[
        "doc2vec",
        "infer",
        "--model",
        path(&model),
        "--text",
        "the prime minister said",
        "--json",
    ]);
    succeeded(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vectors = json["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    assert_eq!(vectors[0].as_array().unwrap().len(), 50);
    let again = w2v(&[
        "doc2vec",
        "infer",
        "--model",
        path(&model),
        "--text",
        "the prime minister said",
        "--json",
    ]);
    assert_eq!(out.stdout, again.stdout, "inference is deterministic");
    let out = w2v(&[
        "doc2vec",
        "infer",
        "--model",
        path(&model),
        "--file",
        path(&corpus),
        "--json",
    ]);
    succeeded(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let inferred = json["vectors"].as_array().unwrap();
    assert_eq!(inferred.len(), 300);
    // Most training documents find themselves nearest to their inferred
    // vector (gensim, these parameters: 290-292 of 300).
    let unit = |v: Vec<f32>| {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect::<Vec<_>>()
    };
    let docs: Vec<Vec<f32>> = dv
        .vectors()
        .rows()
        .into_iter()
        .map(|r| unit(r.to_vec()))
        .collect();
    let mut itself = 0;
    for (i, v) in inferred.iter().enumerate() {
        let q = unit(
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect(),
        );
        let dot = |d: &Vec<f32>| d.iter().zip(&q).map(|(a, b)| a * b).sum::<f32>();
        let best = (0..docs.len()).max_by(|&a, &b| dot(&docs[a]).total_cmp(&dot(&docs[b])));
        itself += usize::from(best == Some(i));
    }
    assert!(
        itself >= 270,
        "only {itself} of 300 documents find themselves"
    );

    // The existing commands work on document vectors: exact and indexed.
    let out = w2v(&[
        "similar",
        "--vectors",
        path(&docvecs),
        "17",
        "-n",
        "3",
        "--json",
    ]);
    succeeded(&out);
    let exact: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exact["neighbors"].as_array().unwrap().len(), 3);
    let index = dir.path().join("docs.ann");
    succeeded(&w2v(&[
        "index",
        "build",
        "--quiet",
        "--vectors",
        path(&docvecs),
        "--trees",
        "50",
        "--out",
        path(&index),
    ]));
    let out = w2v(&[
        "similar",
        "--vectors",
        path(&docvecs),
        "17",
        "-n",
        "3",
        "--index",
        path(&index),
        "--json",
    ]);
    succeeded(&out);
    let indexed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 300 documents, 50 trees: the same neighbours, the same cosines up to
    // rounding (the index computes them in another order).
    let (exact, indexed) = (
        exact["neighbors"].as_array().unwrap(),
        indexed["neighbors"].as_array().unwrap(),
    );
    for (e, i) in exact.iter().zip(indexed) {
        assert_eq!(e["word"], i["word"]);
        let (a, b) = (
            e["similarity"].as_f64().unwrap(),
            i["similarity"].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn tagged_corpora_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("t.d2v");
    let docvecs = dir.path().join("t.kv");
    let tagged = fixture("doc2vec/tagged.txt");
    succeeded(&w2v(&[
        "doc2vec",
        "train",
        "--quiet",
        "--corpus",
        path(&tagged),
        "--tagged",
        "--dbow",
        "--dbow-words",
        "--hs",
        "--min-count",
        "1",
        "--out",
        path(&model),
        "--doc-vectors",
        path(&docvecs),
    ]));
    let dv = vecstore::KeyedVectors::load(&docvecs).unwrap();
    assert_eq!(&dv.index_to_key()[..3], ["d0", "d1", "g1"]);
    assert!(model.with_extension("d2v.syn1").exists());

    // A line without a tab, named by its number.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "a\tone two\nno tab here\n").unwrap();
    let out = w2v(&[
        "doc2vec",
        "train",
        "--corpus",
        path(&bad),
        "--tagged",
        "--min-count",
        "1",
        "--out",
        path(&dir.path().join("bad.d2v")),
    ]);
    failed_with(&out, &["bad.txt", "line 2", "no tab"]);
    // An empty corpus; an output that is the input; dm_concat trains and
    // infers; no model.
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out = w2v(&[
        "doc2vec",
        "train",
        "--corpus",
        path(&empty),
        "--out",
        path(&dir.path().join("e.d2v")),
    ]);
    failed_with(&out, &["empty.txt", "no documents"]);
    let out = w2v(&[
        "doc2vec",
        "train",
        "--corpus",
        path(&tagged),
        "--tagged",
        "--out",
        path(&tagged),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        std::fs::read(&tagged).unwrap().len() > 1000,
        "the input survives"
    );
    let concat = dir.path().join("c.d2v");
    succeeded(&w2v(&[
        "doc2vec",
        "train",
        "--quiet",
        "--corpus",
        path(&tagged),
        "--tagged",
        "--dm-concat",
        "--min-count",
        "1",
        "--out",
        path(&concat),
    ]));
    let out = w2v(&[
        "doc2vec",
        "infer",
        "--model",
        path(&concat),
        "--text",
        "the kernel",
    ]);
    succeeded(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .count(),
        100
    );
    let out = w2v(&[
        "doc2vec",
        "infer",
        "--model",
        path(&dir.path().join("missing.d2v")),
        "--text",
        "a",
    ]);
    failed_with(&out, &["missing.d2v"]);
    // An unknown tag is an unknown key, as an unknown word is.
    let out = w2v(&["similar", "--vectors", path(&docvecs), "nosuchtag"]);
    failed_with(&out, &["nosuchtag"]);
}
