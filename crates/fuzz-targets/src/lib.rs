//! The body of every fuzz target: one plain function per parser that users
//! can feed files to. `fuzz/` (cargo-fuzz, nightly, excluded from the
//! workspace) wraps each in a libFuzzer target; on stable,
//! `tests/replay.rs` runs each over its seed corpus (`fuzz/corpus/<name>/`),
//! the crash regressions (`fuzz/regressions/<name>/`) and the valid
//! fixtures, which is CI's fuzz smoke test.
//!
//! A body never panics on bad input: every parser must answer with an
//! error. It panics only when an invariant that valid output must keep is
//! broken (for example, a sidecar that parses must survive its own round
//! trip), so that libFuzzer reports it. Parsers that read paths get the
//! input written to a scratch file in a per-thread temporary directory
//! (`TMPDIR`; the fuzz script points it at `/dev/shm`).
//!
//! ```
//! // Every target takes any bytes without panicking, and says whether
//! // its parser accepted them.
//! for target in fuzz_targets::TARGETS {
//!     let accepted = (target.run)(b"3 2\nnot a valid file");
//!     // Any bytes are a plain-text corpus; nothing else.
//!     assert_eq!(accepted, target.name.starts_with("corpus_"), "{}", target.name);
//! }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use annoy_rs::{AnnoyIndex, LoadOptions, Metric};
use corpus::{Corpus, Sentence, Vocab, MAX_WORD_BYTES};
use hnsw::{Capacity, HnswIndex, Space};
use knn::sidecar::Sidecar;
use vecstore::{Format, KeyedVectors, ReadOptions, Utf8Policy};

/// A fuzz target: its name (the file under `fuzz/fuzz_targets/` and the
/// folders under `fuzz/corpus/` and `fuzz/regressions/`) and its body.
#[derive(Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// What one execution does with the input; whether the parser
    /// accepted it (valid seeds must be accepted).
    pub run: fn(&[u8]) -> bool,
}

/// Every target, in the order `docs/RELIABILITY.md` lists them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "word2vec_text",
        run: word2vec_text,
    },
    Target {
        name: "word2vec_binary",
        run: word2vec_binary,
    },
    Target {
        name: "native_kv",
        run: native_kv,
    },
    Target {
        name: "annoy_angular",
        run: annoy_angular,
    },
    Target {
        name: "annoy_euclidean",
        run: annoy_euclidean,
    },
    Target {
        name: "annoy_manhattan",
        run: annoy_manhattan,
    },
    Target {
        name: "annoy_dot",
        run: annoy_dot,
    },
    Target {
        name: "annoy_hamming",
        run: annoy_hamming,
    },
    Target {
        name: "hnsw",
        run: hnsw,
    },
    Target {
        name: "sidecar",
        run: sidecar,
    },
    Target {
        name: "corpus_text8",
        run: corpus_text8,
    },
    Target {
        name: "corpus_lines",
        run: corpus_lines,
    },
    Target {
        name: "corpus_gz",
        run: corpus_compressed,
    },
    Target {
        name: "corpus_zip",
        run: corpus_compressed,
    },
    Target {
        name: "model",
        run: model,
    },
    Target {
        name: "eval_files",
        run: eval_files,
    },
];

/// The dimension the Annoy targets open their input with (that of every
/// index in `fixtures/annoy/`: Annoy files do not record it).
pub const ANNOY_DIM: usize = 16;

/// The dimension of the Hamming target's indexes: 100 bits, in two 64-bit
/// words (the fixtures' Hamming data set).
pub const HAMMING_DIM: usize = 100;

/// The dimension an Annoy target opens its input with.
pub fn annoy_dim(metric: Metric) -> usize {
    match metric {
        Metric::Hamming => HAMMING_DIM,
        _ => ANNOY_DIM,
    }
}

/// The dimensions the `hnsw` target opens its input with, in every space
/// (hnswlib files record neither: those of the `cosine`/`ip` and `l2`
/// indexes in `fixtures/hnsw/`).
pub const HNSW_DIMS: [usize; 2] = [16, 24];

/// What separates the files of a model in a `model` input: the metadata
/// (`<path>.json`), the vectors (`<path>`), `<path>.syn1neg`, `<path>.syn1`.
/// A missing part means a missing file.
pub const MODEL_PART_SEPARATOR: &[u8] = b"\n\0--model-part--\0\n";

thread_local! {
    static SCRATCH: RefCell<Option<tempfile::TempDir>> = const { RefCell::new(None) };
}

/// The path `name` in this thread's scratch directory (created on first
/// use, removed when the thread ends).
fn scratch_path(name: &str) -> PathBuf {
    SCRATCH.with(|dir| {
        let mut dir = dir.borrow_mut();
        let dir = dir.get_or_insert_with(|| {
            tempfile::Builder::new()
                .prefix("w2v-fuzz-")
                .tempdir()
                .expect("a scratch directory in TMPDIR")
        });
        dir.path().join(name)
    })
}

/// Writes `data` to a fresh file (a new inode, so no map of an earlier
/// input can see it change) and returns its path.
fn put_file(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch_path(name);
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, data).expect("writing a scratch file");
    path
}

fn remove_file(name: &str) {
    let _ = std::fs::remove_file(scratch_path(name));
}

/// Touches every vector of `kv` the way queries do.
fn exercise(kv: &KeyedVectors) {
    assert_eq!(kv.index_to_key().len(), kv.len());
    assert_eq!(kv.vectors().dim(), (kv.len(), kv.dim()));
    if let Some(counts) = kv.counts() {
        assert_eq!(counts.len(), kv.len());
    }
    let normed = kv.normed_vectors();
    assert_eq!(normed.dim(), (kv.len(), kv.dim()));
    if let (Some(first), Some(last)) = (kv.index_to_key().first(), kv.index_to_key().last()) {
        assert_eq!(kv.index_of(first), Some(0));
        let _ = kv.similarity(first, last);
        let _ = kv.get_vector(last);
    }
}

/// `w2v info`'s view of any file: format detection and the header.
fn inspect(path: &Path) {
    if let Ok(summary) = vecstore::inspect(path) {
        assert!(summary.dim >= 1, "a dimension of 0 passed");
    }
}

fn read_word2vec(data: &[u8], format: Format) -> bool {
    let path = put_file("vectors", data);
    inspect(&path);
    let options = [
        ReadOptions::default().utf8(Utf8Policy::Strict),
        ReadOptions::default().utf8(Utf8Policy::Lossy),
        ReadOptions::default().utf8(Utf8Policy::Lossy).limit(2),
    ];
    let mut accepted = false;
    for (i, options) in options.iter().enumerate() {
        if let Ok((kv, report)) = vecstore::read(&path, format, options) {
            exercise(&kv);
            assert!(report.duplicates_skipped <= report.rows_read);
            assert_eq!(report.rows_read - report.duplicates_skipped, kv.len());
            accepted |= i == 1;
        }
    }
    accepted
}

/// A word2vec C text file, inspected (as `w2v info` does), read with
/// strict and lossy UTF-8, and with a `limit`.
pub fn word2vec_text(data: &[u8]) -> bool {
    read_word2vec(data, Format::Text)
}

/// A word2vec C binary file, inspected, read with strict and lossy UTF-8,
/// and with a `limit`.
pub fn word2vec_binary(data: &[u8]) -> bool {
    read_word2vec(data, Format::Binary)
}

/// A native `.kv` file: inspected, mapped by `KeyedVectors::load`, and
/// read with a `limit`.
pub fn native_kv(data: &[u8]) -> bool {
    let path = put_file("vectors.kv", data);
    inspect(&path);
    let loaded = KeyedVectors::load(&path);
    if let Ok(kv) = &loaded {
        exercise(kv);
    }
    let limited = ReadOptions::default().limit(1);
    if let Ok((kv, _)) = vecstore::read(&path, Format::Native, &limited) {
        assert!(kv.len() <= 1);
        exercise(&kv);
    }
    loaded.is_ok()
}

/// An Annoy index of dimension [`annoy_dim`] and metric `metric`: loaded
/// verified and unverified (queries then meet the damage), queried by item
/// and by vector, then unbuilt into its items and built again.
pub fn annoy(data: &[u8], metric: Metric) -> bool {
    let path = put_file("index.ann", data);
    let dim = annoy_dim(metric);
    let mut accepted = false;
    for verify in [true, false] {
        let mut index = AnnoyIndex::new(dim, metric);
        let options = LoadOptions {
            verify,
            prefault: false,
        };
        if index.load_with(&path, options).is_err() {
            continue;
        }
        accepted |= verify;
        let n = index.get_n_items();
        assert!(n >= 1, "a loaded index has items");
        let query: Vec<f32> = (0..dim).map(|i| i as f32 - 7.5).collect();
        for search_k in [None, Some(3), Some(1000)] {
            if let Ok(found) = index.get_nns_by_vector(&query, 10, search_k) {
                assert!(found.len() <= 10);
                assert!(found.iter().all(|neighbor| (neighbor.id as usize) < n));
            }
            let _ = index.get_nns_by_item(0, 5, search_k);
            let _ = index.get_nns_by_item(n - 1, 5, search_k);
        }
        let _ = index.get_item_vector(n - 1);
        let _ = index.get_distance(0, n - 1);
        let _ = index.get_n_trees();
        // Back to items, as the file's item nodes hold them, and built anew.
        if index.unbuild().is_ok() {
            assert_eq!(index.get_n_items(), n, "unbuild keeps the id range");
            if index.build(2).is_ok() {
                let found = index
                    .get_nns_by_vector(&query, 10, None)
                    .expect("a fresh forest answers");
                assert!(found.iter().all(|neighbor| (neighbor.id as usize) < n));
            }
        }
    }
    accepted
}

/// [`annoy`] with the angular metric.
pub fn annoy_angular(data: &[u8]) -> bool {
    annoy(data, Metric::Angular)
}

/// [`annoy`] with the Euclidean metric.
pub fn annoy_euclidean(data: &[u8]) -> bool {
    annoy(data, Metric::Euclidean)
}

/// [`annoy`] with the Manhattan metric.
pub fn annoy_manhattan(data: &[u8]) -> bool {
    annoy(data, Metric::Manhattan)
}

/// [`annoy`] with the dot-product metric.
pub fn annoy_dot(data: &[u8]) -> bool {
    annoy(data, Metric::Dot)
}

/// [`annoy`] with the Hamming metric.
pub fn annoy_hamming(data: &[u8]) -> bool {
    annoy(data, Metric::Hamming)
}

/// An hnswlib index file, in each space at each of [`HNSW_DIMS`]: loaded
/// (validated) memory-mapped and copied, which must agree; queried with
/// `knn_query` at two `ef`s and `get_items` of what it found; saved again
/// (to the input's length); then grown by `resize_index` and `add_items`
/// (one thread) and queried again.
pub fn hnsw(data: &[u8]) -> bool {
    let path = put_file("index.hnsw", data);
    let mut accepted = false;
    for dim in HNSW_DIMS {
        for space in [Space::L2, Space::Ip, Space::Cosine] {
            let mapped = HnswIndex::load_index(&path, space, dim, Capacity::Saved);
            let copied = HnswIndex::from_bytes(data, space, dim, Capacity::Saved);
            assert_eq!(
                mapped.is_ok(),
                copied.is_ok(),
                "a map and a copy of the same bytes disagree ({space}, dim {dim})"
            );
            let (Ok(mut mapped), Ok(mut index)) = (mapped, copied) else {
                continue;
            };
            accepted = true;
            let query: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.7).sin() + 0.1).collect();
            check_hnsw_answers(&mut mapped, &query);
            drop(mapped);
            check_hnsw_answers(&mut index, &query);
            let mut out = Vec::new();
            index.write_to(&mut out).expect("writing to memory");
            assert_eq!(
                out.len(),
                data.len(),
                "a loaded file re-saves to its length"
            );
            // Growing a damaged-but-valid graph, on this thread: with one
            // thread `add_items` starts no pool (a pool's exiting threads
            // are what LeakSanitizer reported).
            index.set_num_threads(1);
            let count = index.get_current_count();
            if index.resize_index(count + 2).is_ok()
                && index
                    .add_items(&vec![0.5; dim * 2], Some(&[u64::MAX - 1, u64::MAX]))
                    .is_ok()
            {
                assert!(index.contains(u64::MAX), "an added label is present");
                check_hnsw_answers(&mut index, &query);
            }
        }
    }
    remove_file("index.hnsw");
    accepted
}

/// Queries `index` with `query` (k 1 and 10, ef 10 and 50) and reads back
/// the vectors found: at most `k` answers, each a label of the index.
fn check_hnsw_answers(index: &mut HnswIndex, query: &[f32]) {
    let labels = index.get_ids_list();
    assert_eq!(labels.len(), index.get_current_count());
    for ef in [10, 50] {
        index.set_ef(ef).expect("a valid ef");
        for k in [1, 10] {
            let Ok(found) = index.knn_query(query, k) else {
                assert_eq!(index.get_current_count(), 0, "only an empty index refuses");
                continue;
            };
            assert!(found.len() <= k, "{} answers for k {k}", found.len());
            for neighbor in &found {
                assert!(
                    labels.contains(&neighbor.label),
                    "label {} is not in the index",
                    neighbor.label
                );
            }
            // A file may give two elements one label (hnswlib accepts it;
            // the lookup keeps the last, which may be deleted): the vectors
            // of what was found may then be refused, never panic.
            let wanted: Vec<u64> = found.iter().map(|n| n.label).collect();
            if let Ok(items) = index.get_items(&wanted) {
                assert!(items.iter().all(|v| v.len() == index.dim()));
            }
        }
    }
    if let (Some(&first), Some(&last)) = (labels.first(), labels.last()) {
        // Deleted labels are listed too: an error is fine.
        let _ = index.get_items(&[first, last]);
    }
}

/// gensim's `.dict` pickle sidecar. One that parses must survive its own
/// round trip through [`Sidecar::to_pickle`].
pub fn sidecar(data: &[u8]) -> bool {
    let Ok(parsed) = Sidecar::from_pickle(data) else {
        return false;
    };
    {
        let again =
            Sidecar::from_pickle(&parsed.to_pickle()).expect("a sidecar we wrote parses again");
        assert_eq!(again, parsed, "a sidecar changed in a round trip");
    }
    true
}

/// Every word of one pass of `corpus`, or `None` on an error.
fn words_of(readers: Vec<corpus::SentenceReader>, max_sentence: usize) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut sentence = Sentence::new();
    for mut reader in readers {
        while reader.read_sentence(&mut sentence).ok()? {
            assert!(sentence.len() <= max_sentence, "sentence too long");
            for word in sentence.words() {
                assert!(!word.is_empty(), "empty word");
                // The cap is on the bytes read; each invalid byte among them
                // may become a 3-byte U+FFFD.
                assert!(word.len() <= 3 * MAX_WORD_BYTES, "word longer than the cap");
                words.push(word.to_owned());
            }
        }
    }
    Some(words)
}

fn read_corpus(path: &Path, lines: bool) -> bool {
    const MAX_SENTENCE: usize = 7;
    let corpus = if lines {
        Corpus::lines(path)
    } else {
        Corpus::text8(path)
    }
    .max_sentence_length(MAX_SENTENCE);
    let whole = corpus
        .reader()
        .ok()
        .and_then(|reader| words_of(vec![reader], MAX_SENTENCE));
    // Chunks together return every word exactly once, in file order.
    let chunked = corpus
        .chunks(3)
        .ok()
        .and_then(|readers| words_of(readers, MAX_SENTENCE));
    if let (Some(whole), Some(chunked)) = (&whole, &chunked) {
        assert_eq!(whole, chunked, "chunks differ from one pass");
    }
    if let Ok(vocab) = Vocab::build(&corpus, 1, Some(20)) {
        assert_eq!(vocab.words().len(), vocab.counts().len());
    }
    whole.is_some()
}

/// A text8-style corpus (words separated by white space): one pass, three
/// chunks, and a vocabulary with pruning.
pub fn corpus_text8(data: &[u8]) -> bool {
    read_corpus(&put_file("corpus", data), false)
}

/// A line corpus (gensim's `LineSentence`), as [`corpus_text8`].
pub fn corpus_lines(data: &[u8]) -> bool {
    read_corpus(&put_file("corpus", data), true)
}

/// A compressed corpus (`.gz` or `.zip`, told apart by their magic bytes),
/// read both as text8 and as lines.
pub fn corpus_compressed(data: &[u8]) -> bool {
    let path = put_file("corpus", data);
    let text8 = read_corpus(&path, false);
    read_corpus(&path, true) && text8
}

/// The words of the vectors that [`eval_files`] evaluates against: those
/// of the first lines of the evaluation fixtures (lower-cased, as the
/// evaluation is case-insensitive).
const EVAL_WORDS: &str = "athens greece baghdad iraq bangkok thailand beijing china berlin \
    germany bern switzerland cairo egypt canberra australia love sex tiger cat old new smart \
    intelligent hard difficult boy girl brother sister brothers sisters dad mom father mother";

fn eval_vectors() -> &'static KeyedVectors {
    static VECTORS: std::sync::OnceLock<KeyedVectors> = std::sync::OnceLock::new();
    VECTORS.get_or_init(|| {
        let mut kv = KeyedVectors::new(8);
        for (i, word) in EVAL_WORDS.split_whitespace().enumerate() {
            let vector: Vec<f32> = (0..8).map(|j| ((i * 7 + j) as f32).sin()).collect();
            kv.push(word, &vector).expect("distinct words");
        }
        kv
    })
}

/// An evaluation file (`w2v eval`): analogy questions (gensim's
/// `questions-words.txt`) and word-similarity pairs (WordSim-353,
/// SimLex-999), both read from the same input.
pub fn eval_files(data: &[u8]) -> bool {
    let path = put_file("eval.txt", data);
    let kv = eval_vectors();
    let analogies = knn::evaluate_word_analogies(kv, &path, 1000, true);
    if let Ok(report) = &analogies {
        // Every question is scored once or skipped, and the total adds up.
        let scored = report.total.correct + report.total.incorrect;
        assert_eq!(scored + report.oov, report.questions);
        let by_section: usize = report.sections.iter().map(|s| s.correct).sum();
        assert_eq!(by_section, report.total.correct);
    }
    let pairs = knn::evaluate_word_pairs(kv, &path, 1000, true);
    analogies.is_ok() || pairs.is_ok()
}

/// A saved model: the input is its files joined by
/// [`MODEL_PART_SEPARATOR`] (see [`model_input`]), loaded with
/// `Word2Vec::load`.
pub fn model(data: &[u8]) -> bool {
    let mut parts = split(data, MODEL_PART_SEPARATOR).into_iter();
    for suffix in MODEL_SUFFIXES {
        match parts.next() {
            Some(part) => put_file(&format!("model{suffix}"), part),
            None => {
                remove_file(&format!("model{suffix}"));
                continue;
            }
        };
    }
    let Ok(model) = embed::Word2Vec::load(scratch_path("model")) else {
        return false;
    };
    let wv = model.wv();
    assert_eq!(wv.len(), model.words().len());
    assert_eq!(model.counts().len(), model.words().len());
    exercise(&wv);
    true
}

/// The files of a model, as suffixes of its path, in input order.
const MODEL_SUFFIXES: [&str; 4] = [".json", "", ".syn1neg", ".syn1"];

/// The `model` input for the model saved at `path` (files that do not
/// exist are left out, with the ones after them).
pub fn model_input(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, suffix) in MODEL_SUFFIXES.iter().enumerate() {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let Ok(bytes) = std::fs::read(PathBuf::from(name)) else {
            break;
        };
        if i > 0 {
            out.extend_from_slice(MODEL_PART_SEPARATOR);
        }
        out.extend_from_slice(&bytes);
    }
    out
}

fn split<'a>(mut data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = data
        .windows(separator.len())
        .position(|window| window == separator)
    {
        parts.push(&data[..at]);
        data = &data[at + separator.len()..];
    }
    parts.push(data);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_empty_parts_and_the_tail() {
        assert_eq!(split(b"a--b----c", b"--"), [&b"a"[..], b"b", b"", b"c"]);
        assert_eq!(split(b"", b"--"), [&b""[..]]);
    }
}
