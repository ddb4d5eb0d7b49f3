//! Doc2Vec: every mode trains reproducibly, tags are laid out as gensim
//! lays them out, the combined export matches gensim's, a saved model
//! loads whole, inference is deterministic, and on gensim's Lee corpus the
//! tutorial's self-similarity check scores as gensim does
//! (`fixtures/doc2vec/lee.expected.json`).

use std::path::PathBuf;

use corpus::{Documents, Tag};
use embed::{Doc2Vec, Doc2VecParams, Error, Export, Inference, Params};
use vecstore::KeyedVectors;

fn fixture(name: &str) -> PathBuf {
    test_support::fixture(format!("doc2vec/{name}"))
}

fn params(dm: bool) -> Doc2VecParams {
    Doc2VecParams {
        training: Params {
            vector_size: 20,
            min_count: 2,
            workers: 1,
            epochs: 2,
            ..Doc2VecParams::default().training
        },
        dm,
        ..Doc2VecParams::default()
    }
}

fn train(documents: &Documents, params: Doc2VecParams) -> Doc2Vec {
    let epochs = params.training.epochs;
    let mut model = Doc2Vec::build_vocab(documents, params).unwrap();
    model.train(documents, epochs, &mut |_| {}).unwrap();
    model
}

#[test]
fn every_mode_trains_reproducibly_with_one_worker() {
    let documents = Documents::lines(fixture("documents.txt"));
    let mut cases = Vec::new();
    for (dm, dbow_words, cbow_mean) in [
        (true, false, true),
        (true, false, false),
        (false, false, true),
        (false, true, true),
    ] {
        for (hs, negative) in [(false, 5), (true, 0), (true, 3)] {
            let mut p = params(dm);
            p.dbow_words = dbow_words;
            p.training.cbow_mean = cbow_mean;
            p.training.hs = hs;
            p.training.negative = negative;
            cases.push(p);
        }
    }
    for (hs, negative) in [(false, 5), (true, 0)] {
        let mut p = params(true);
        p.dm_concat = true;
        p.training.window = 2;
        p.training.hs = hs;
        p.training.negative = negative;
        cases.push(p);
    }
    for p in cases {
        let name = format!(
            "dm={} dbow_words={} concat={} mean={} hs={} negative={}",
            p.dm,
            p.dbow_words,
            p.dm_concat,
            p.training.cbow_mean,
            p.training.hs,
            p.training.negative
        );
        let before = Doc2Vec::build_vocab(&documents, p.clone()).unwrap();
        let (a, b) = (train(&documents, p.clone()), train(&documents, p.clone()));
        let (dv_a, dv_b) = (a.dv().unwrap(), b.dv().unwrap());
        assert_eq!(dv_a, dv_b, "{name}: not reproducible");
        assert_eq!(a.wv(), b.wv(), "{name}: words not reproducible");
        assert!(dv_a != before.dv().unwrap(), "{name}: documents untrained");
        let words_moved = a.wv() != before.wv();
        assert_eq!(words_moved, p.window_words(), "{name}: word vectors");
        assert!(dv_a.vectors().iter().all(|x| x.is_finite()), "{name}");
    }
}

#[test]
fn tags_are_laid_out_as_gensim_lays_them_out() {
    // TaggedLineDocument: one row per line, blank lines included.
    let expected: Vec<(Vec<u64>, Vec<String>)> =
        serde_json::from_slice(&std::fs::read(fixture("documents.expected.json")).unwrap())
            .unwrap();
    let model = train(&Documents::lines(fixture("documents.txt")), params(true));
    let dv = model.dv().unwrap();
    assert_eq!(dv.len(), expected.len());
    let want: Vec<String> = (0..expected.len()).map(|n| n.to_string()).collect();
    assert_eq!(dv.index_to_key(), want);
    assert_eq!(model.tags().row(&Tag::Int(7)), Some(7));
    assert_eq!(model.tags().row(&Tag::Int(expected.len() as u64)), None);

    // String tags, two per document on some lines: first seen first.
    let tagged = train(&Documents::tagged(fixture("tagged.txt")), params(false));
    let keys = tagged.dv().unwrap().index_to_key().to_vec();
    assert_eq!(&keys[..4], ["d0", "d1", "g1", "d2"]);
    assert_eq!(keys.len(), 127, "gensim: 127 tags");
    let vector = tagged.doc_vector(&Tag::Key("g3".into())).unwrap();
    let row = tagged.dv().unwrap().get_vector("g3").unwrap().to_vec();
    assert_eq!(vector, row);
    assert_eq!(tagged.doc_vector(&Tag::Key("nope".into())), None);
}

/// The keys of a word2vec file, in order, and its header.
fn keys_and_header(path: &std::path::Path) -> (Vec<String>, String) {
    let kv = KeyedVectors::load(path).unwrap();
    let header = if path.extension().unwrap() == "bin" {
        let bytes = std::fs::read(path).unwrap();
        let end = bytes.iter().position(|&b| b == b'\n').unwrap();
        String::from_utf8(bytes[..end].to_vec()).unwrap()
    } else {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    (kv.index_to_key().to_vec(), header)
}

#[test]
fn combined_export_has_gensims_layout() {
    // gensim: Doc2Vec(tagged.txt, vector_size=4, min_count=2, dm=0) then
    // save_word2vec_format(doctag_vec=True, word_vec=True), text and binary.
    let documents = Documents::tagged(fixture("tagged.txt"));
    let mut p = params(false);
    p.training.vector_size = 4;
    let model = train(&documents, p);
    let dir = tempfile::tempdir().unwrap();
    for (name, binary) in [("export.txt", false), ("export.bin", true)] {
        let ours = dir.path().join(name);
        let export = Export {
            doctag_vec: true,
            binary,
            ..Export::default()
        };
        model.save_word2vec_format(&ours, &export).unwrap();
        let (our_keys, our_header) = keys_and_header(&ours);
        let (their_keys, their_header) = keys_and_header(&fixture(name));
        assert_eq!(our_header, their_header, "{name}");
        assert_eq!(our_keys, their_keys, "{name}: key order");
        // Written by gensim or by us, the same values are the same bytes.
        let theirs = KeyedVectors::load(fixture(name)).unwrap();
        let rewritten = dir.path().join(format!("re-{name}"));
        let format = if binary {
            vecstore::Format::Binary
        } else {
            vecstore::Format::Text
        };
        vecstore::write(&theirs, &rewritten, format, &Default::default()).unwrap();
        assert_eq!(
            std::fs::read(&rewritten).unwrap(),
            std::fs::read(fixture(name)).unwrap()
        );
    }
    // Documents only: a header counting the documents; neither: no file.
    let docs_only = dir.path().join("docs.txt");
    let export = Export {
        doctag_vec: true,
        word_vec: false,
        ..Export::default()
    };
    model.save_word2vec_format(&docs_only, &export).unwrap();
    assert_eq!(keys_and_header(&docs_only).1, "127 4");
    let nothing = dir.path().join("nothing.txt");
    let export = Export {
        word_vec: false,
        ..Export::default()
    };
    model.save_word2vec_format(&nothing, &export).unwrap();
    assert!(!nothing.exists());
}

#[test]
fn a_saved_model_loads_whole_and_trains_on() {
    let documents = Documents::tagged(fixture("tagged.txt"));
    let mut model = train(&documents, params(true));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.d2v");
    model.save(&path).unwrap();
    for file in Doc2Vec::files(&path) {
        if !file.to_string_lossy().ends_with("syn1") {
            assert!(file.exists(), "{}", file.display());
        }
    }
    let mut loaded = Doc2Vec::load(&path).unwrap();
    assert_eq!(loaded.dv().unwrap(), model.dv().unwrap());
    assert_eq!(loaded.wv(), model.wv());
    assert_eq!(loaded.params(), model.params());
    assert_eq!(loaded.tags(), &{
        // word counts are not saved
        let t = model.tags();
        corpus::DocTags::from_parts(t.int_rows(), t.string_tags().to_vec(), t.doc_counts()).unwrap()
    });
    let words = ["the", "kernel", "documentation"];
    let options = Inference::default();
    assert_eq!(
        loaded.infer_vector(&words, &options).unwrap(),
        model.infer_vector(&words, &options).unwrap()
    );
    model.train(&documents, 1, &mut |_| {}).unwrap();
    loaded.train(&documents, 1, &mut |_| {}).unwrap();
    assert_eq!(loaded.dv().unwrap(), model.dv().unwrap());
    assert_eq!(loaded.epochs_trained(), 3);

    // A dm_concat model: wider output rows and the null word, kept whole.
    let mut p = params(true);
    p.dm_concat = true;
    let concat = train(&documents, p);
    assert!(
        concat.wv().get_vector("\0").is_ok(),
        "the null word pads windows"
    );
    let concat_path = dir.path().join("concat.d2v");
    concat.save(&concat_path).unwrap();
    let reloaded = Doc2Vec::load(&concat_path).unwrap();
    assert_eq!(reloaded.dv().unwrap(), concat.dv().unwrap());
    assert_eq!(
        reloaded.infer_vector(&words, &options).unwrap(),
        concat.infer_vector(&words, &options).unwrap()
    );
    assert_eq!(reloaded.to_string(), concat.to_string());

    // A word2vec model is not a Doc2Vec model.
    std::fs::remove_file(dir.path().join("model.d2v.doc2vec.json")).unwrap();
    assert!(matches!(Doc2Vec::load(&path), Err(Error::Io { .. })));
}

#[test]
fn inference_is_deterministic_batched_and_leaves_the_model_alone() {
    let documents = Documents::lines(fixture("documents.txt"));
    for dm in [true, false] {
        let model = train(&documents, params(dm));
        let before = (model.wv(), model.dv().unwrap());
        let docs: Vec<Vec<&str>> = vec![
            vec!["the", "kernel", "is", "a", "work", "in", "progress"],
            vec!["unknownword"],
            vec![],
            vec!["linux", "kernel", "documentation"],
        ];
        let options = Inference::default();
        let batch = model.infer_vectors(&docs, &options).unwrap();
        for (i, words) in docs.iter().enumerate() {
            let one = model.infer_vector(words, &options).unwrap();
            assert_eq!(batch.row(i).to_vec(), one, "dm={dm} document {i}");
            assert!(one.iter().all(|x| x.is_finite()));
        }
        // A document of unknown words keeps its start vector, inside
        // [-0.5/dim, 0.5/dim); a known one moves from the same start
        // further with a larger learning rate.
        assert!(batch.row(1).iter().all(|x| x.abs() <= 0.5 / 20.0));
        let barely = Inference {
            alpha: Some(1e-6),
            min_alpha: Some(1e-6),
            ..options
        };
        let start = model.infer_vector(&docs[0], &barely).unwrap();
        let moved: f32 = start
            .iter()
            .zip(batch.row(0))
            .map(|(a, b)| (a - b).abs())
            .sum();
        assert!(
            moved > 1e-3,
            "dm={dm}: inference moved the vector by {moved}"
        );
        let other_seed = Inference {
            seed: Some(99),
            ..options
        };
        assert_ne!(
            model.infer_vector(&docs[0], &other_seed).unwrap(),
            batch.row(0).to_vec()
        );
        assert_eq!((model.wv(), model.dv().unwrap()), before, "dm={dm}");
    }
    let untrained = Doc2Vec::build_vocab(&documents, params(true)).unwrap();
    assert!(matches!(
        untrained.infer_vector(&["the"], &Inference::default()),
        Err(Error::Untrained)
    ));
}

#[test]
fn bad_corpora_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let error = Doc2Vec::build_vocab(&Documents::lines(&empty), params(true)).unwrap_err();
    assert!(
        error.to_string().contains("empty.txt: no documents"),
        "{error}"
    );
    let rare = dir.path().join("rare.txt");
    std::fs::write(
        &rare,
        "each word once
",
    )
    .unwrap();
    let error = Doc2Vec::build_vocab(&Documents::lines(&rare), params(true)).unwrap_err();
    assert!(matches!(error, Error::EmptyVocab { .. }), "{error}");
    let no_tab = dir.path().join("no_tab.txt");
    std::fs::write(&no_tab, "a\tb c\nno tab here\n").unwrap();
    let error = Doc2Vec::build_vocab(&Documents::tagged(&no_tab), params(true)).unwrap_err();
    assert!(error.to_string().contains("line 2"), "{error}");
}

/// gensim's Doc2Vec tutorial check on its Lee corpus: infer a vector for
/// every training document and count those whose own vector is the
/// nearest. `lee.expected.json` holds gensim's counts (3 seeds, one
/// worker); ours must be within 2 points (6 of 300) of gensim's mean.
#[test]
fn lee_documents_find_themselves_as_often_as_with_gensim() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("lee.expected.json")).unwrap()).unwrap();
    let documents = Documents::lines(fixture("lee_background.txt"));
    let texts: Vec<Vec<String>> = documents
        .reader()
        .unwrap()
        .map(|d| d.unwrap().words)
        .collect();
    for (mode, dm, dm_concat) in [
        ("dm", true, false),
        ("dbow", false, false),
        ("dm_concat", true, true),
    ] {
        let gensim = expected[mode]["self_nearest_of_300"].as_array().unwrap();
        let gensim_mean =
            gensim.iter().map(|v| v.as_f64().unwrap()).sum::<f64>() / gensim.len() as f64;
        let p = Doc2VecParams {
            training: Params {
                vector_size: 50,
                min_count: 2,
                epochs: 40,
                workers: 1,
                ..Doc2VecParams::default().training
            },
            dm,
            dm_concat,
            ..Doc2VecParams::default()
        };
        let model = train(&documents, p);
        let dv = model.dv().unwrap();
        let inferred = model.infer_vectors(&texts, &Inference::default()).unwrap();
        let unit = |v: ndarray::ArrayView1<f32>| {
            let norm = v.dot(&v).sqrt();
            v.mapv(|x| x / norm)
        };
        let docs: Vec<_> = dv.vectors().rows().into_iter().map(unit).collect();
        let mut itself = 0;
        for (i, row) in inferred.rows().into_iter().enumerate() {
            let q = unit(row);
            let best = (0..docs.len())
                .max_by(|&a, &b| q.dot(&docs[a]).total_cmp(&q.dot(&docs[b])))
                .unwrap();
            itself += usize::from(best == i);
        }
        eprintln!("{mode}: {itself} of 300 (gensim {gensim:?})");
        assert!(
            (itself as f64 - gensim_mean).abs() <= 6.0,
            "{mode}: {itself} of 300 documents nearest to themselves, gensim {gensim:?}"
        );
    }
}

#[test]
fn damaged_or_mismatched_model_files_are_named() {
    let documents = Documents::lines(fixture("documents.txt"));
    let model = train(&documents, params(false));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.d2v");
    let meta = dir.path().join("m.d2v.doc2vec.json");
    let fresh = || {
        model.save(&path).unwrap();
        std::fs::read_to_string(&meta).unwrap()
    };
    let refused = |what: &str, needle: &str| {
        let error = Doc2Vec::load(&path).unwrap_err().to_string();
        assert!(error.contains(needle), "{what}: {error}");
    };
    let json = fresh();
    std::fs::write(
        &meta,
        json.replace("\"int_tags\": 308", "\"int_tags\": 309"),
    )
    .unwrap();
    refused("more integer tags than rows", "integer tags");
    std::fs::write(
        &meta,
        json.replace("\"dm_concat\": false", "\"dm_concat\": true"),
    )
    .unwrap();
    refused("dm_concat without its null word", "null word");
    std::fs::write(&meta, "{").unwrap();
    refused("not JSON", "not Doc2Vec metadata");
    fresh();
    std::fs::remove_file(dir.path().join("m.d2v.dv")).unwrap();
    refused("no document vectors", "m.d2v.dv");
    // Document vectors of another model, of another width.
    fresh();
    let mut p = params(false);
    p.training.vector_size = 7;
    let other = train(&documents, p);
    let other_path = dir.path().join("other.d2v");
    other.save(&other_path).unwrap();
    std::fs::copy(dir.path().join("other.d2v.dv"), dir.path().join("m.d2v.dv")).unwrap();
    refused("document vectors of another width", "dimensions");
}
