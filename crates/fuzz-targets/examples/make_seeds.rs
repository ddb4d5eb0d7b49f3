//! Writes the seed corpus of every fuzz target to `fuzz/corpus/<target>/`:
//! small valid files, copied from `fixtures/` or made from them with this
//! workspace's writers. Seeds are kept to a few KB so that libFuzzer
//! mutates quickly; `tests/replay.rs` also runs the full-size fixtures.
//!
//! `cargo run -p fuzz-targets --example make_seeds` (from anywhere in the
//! workspace). The output is deterministic.

use std::io::Write;
use std::path::{Path, PathBuf};

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use corpus::Corpus;
use embed::{Architecture, Params, Word2Vec};
use knn::sidecar::Sidecar;
use vecstore::{Format, ReadOptions};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seeds(target: &str) -> Result<PathBuf> {
    let dir = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn copy(fixture: &str, target: &str) -> Result {
    let from = root().join("fixtures").join(fixture);
    let name = Path::new(fixture).file_name().ok_or("fixture name")?;
    std::fs::copy(from, seeds(target)?.join(name))?;
    Ok(())
}

/// The first whole words of `fixture`, about `bytes` long.
fn head(fixture: &str, bytes: usize, boundary: u8) -> Result<Vec<u8>> {
    let text = std::fs::read(root().join("fixtures").join(fixture))?;
    let cut = text[..bytes]
        .iter()
        .rposition(|&b| b == boundary)
        .ok_or("no boundary")?;
    Ok(text[..=cut].to_vec())
}

fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    out.write_all(data)?;
    Ok(out.finish()?)
}

fn zip(name: &str, data: &[u8], method: zip::CompressionMethod) -> Result<Vec<u8>> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(zip::DateTime::default());
    out.start_file(name, options)?;
    out.write_all(data)?;
    Ok(out.finish()?.into_inner())
}

fn main() -> Result {
    // word2vec C text and binary: gensim's and the C tool's small files.
    for name in ["small.txt", "small_c.txt", "duplicates.txt"] {
        copy(&format!("gensim/{name}"), "word2vec_text")?;
    }
    for name in [
        "small.bin",
        "small_c.bin",
        "duplicates.bin",
        "invalid_utf8.bin",
    ] {
        copy(&format!("gensim/{name}"), "word2vec_binary")?;
    }

    // Native: gensim's small vectors with and without counts.
    let small = root().join("fixtures/gensim/small.txt");
    let counts = ReadOptions::default().counts_file(root().join("fixtures/gensim/small.vocab"));
    let (with_counts, _) = vecstore::read(&small, Format::Text, &counts)?;
    let (without, _) = vecstore::read(&small, Format::Text, &ReadOptions::default())?;
    let dir = seeds("native_kv")?;
    with_counts.save(dir.join("small_counts.kv"))?;
    without.save(dir.join("small.kv"))?;

    // Annoy: twelve of the fixture items (Hamming: of its bits), two trees,
    // each metric; and Annoy's own tiny angular index.
    for metric in Metric::ALL {
        let (file, dim) = match metric {
            Metric::Hamming => ("bits.f32", fuzz_targets::HAMMING_DIM),
            _ => ("items.f32", fuzz_targets::ANNOY_DIM),
        };
        assert_eq!(dim, fuzz_targets::annoy_dim(metric));
        let items: Vec<f32> = std::fs::read(root().join("fixtures/annoy").join(file))?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .take(12 * dim)
            .collect();
        let mut index = AnnoyIndex::new(dim, metric);
        index.add_items(&items)?;
        index.build_with(BuildOptions::new(2).seed(1).threads(1), |_, _| {})?;
        let target = format!("annoy_{}", metric.name());
        index.save(seeds(&target)?.join("twelve_items.ann"))?;
    }
    copy("annoy/angular_tiny.ann", "annoy_angular")?;

    // HNSW: hnswlib's empty index, and ours of 12 items (M 4) in each
    // space, the `ip` one with two labels deleted.
    copy("hnsw/empty_l2.bin", "hnsw")?;
    for (space, file, name) in [
        (hnsw::Space::Cosine, "items_16.f32", "cosine_twelve.bin"),
        (hnsw::Space::Ip, "items_16.f32", "ip_twelve_deleted.bin"),
        (hnsw::Space::L2, "items_24.f32", "l2_twelve.bin"),
    ] {
        let dim = if file == "items_16.f32" { 16 } else { 24 };
        assert!(fuzz_targets::HNSW_DIMS.contains(&dim));
        let items: Vec<f32> = std::fs::read(root().join("fixtures/hnsw").join(file))?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .take(12 * dim)
            .collect();
        let params = hnsw::Params::default()
            .max_elements(12)
            .m(4)
            .ef_construction(20)
            .random_seed(1);
        let mut index = hnsw::HnswIndex::new(space, dim, params)?;
        index.set_num_threads(1);
        let labels: Vec<u64> = (100..112).collect();
        index.add_items(&items, Some(&labels))?;
        if space == hnsw::Space::Ip {
            index.mark_deleted(103)?;
            index.mark_deleted(110)?;
        }
        index.save_index(seeds("hnsw")?.join(name))?;
    }

    // Sidecars: gensim's (protocol 4) and ours (protocol 2).
    copy("annoy/gensim_indexer.ann.dict", "sidecar")?;
    let ours = Sidecar {
        f: 8,
        num_trees: 3,
        labels: ["say", "cute", "woof", "dög", ""]
            .map(String::from)
            .to_vec(),
        metric: Some("angular".into()),
    };
    std::fs::write(seeds("sidecar")?.join("ours.dict"), ours.to_pickle())?;

    // Corpora: the start of the text8-style and line fixtures, plain,
    // gzipped and zipped.
    let words = head("corpus/dev100k.txt", 1500, b' ')?;
    let lines = head("corpus/dev100k_lines.txt", 1500, b'\n')?;
    std::fs::write(seeds("corpus_text8")?.join("dev_head.txt"), &words)?;
    std::fs::write(seeds("corpus_lines")?.join("dev_lines_head.txt"), &lines)?;
    std::fs::write(seeds("corpus_gz")?.join("dev_head.txt.gz"), gzip(&words)?)?;
    std::fs::write(
        seeds("corpus_gz")?.join("dev_lines_head.txt.gz"),
        gzip(&lines)?,
    )?;
    for (name, method) in [
        ("deflated.zip", zip::CompressionMethod::Deflated),
        ("stored.zip", zip::CompressionMethod::Stored),
    ] {
        let archive = zip("text8", &words, method)?;
        std::fs::write(seeds("corpus_zip")?.join(name), archive)?;
    }

    // Models: negative sampling, and hierarchical softmax with negative
    // sampling, on the text8 seed (untrained: the files are what matters).
    let temp = tempfile::tempdir()?;
    let corpus_path = temp.path().join("corpus.txt");
    std::fs::write(&corpus_path, &words)?;
    for (name, hs) in [("ns", false), ("hs_ns", true)] {
        let params = Params {
            vector_size: 4,
            min_count: 3,
            workers: 1,
            hs,
            architecture: Architecture::SkipGram,
            ..Params::default()
        };
        let model = Word2Vec::build_vocab(&Corpus::text8(&corpus_path), params)?;
        let path = temp.path().join(name);
        model.save(&path)?;
        let input = fuzz_targets::model_input(&path);
        std::fs::write(seeds("model")?.join(name), input)?;
    }

    // Evaluation files: the start of the analogy questions (two sections)
    // and of the two word-similarity sets.
    let questions = std::fs::read_to_string(root().join("fixtures/eval/questions-words.txt"))?;
    let mut head: Vec<&str> = questions.lines().take(12).collect();
    head.extend(questions.lines().skip_while(|l| *l != ": family").take(6));
    std::fs::write(
        seeds("eval_files")?.join("questions_head.txt"),
        head.join("\n") + "\n",
    )?;
    for name in ["wordsim353.tsv", "simlex999.txt"] {
        let text = std::fs::read_to_string(root().join("fixtures/eval").join(name))?;
        let head: Vec<&str> = text.lines().take(8).collect();
        std::fs::write(seeds("eval_files")?.join(name), head.join("\n") + "\n")?;
    }

    // Check that every seed is accepted by its target.
    for target in fuzz_targets::TARGETS {
        for entry in std::fs::read_dir(seeds(target.name)?)? {
            let path = entry?.path();
            let accepted = (target.run)(&std::fs::read(&path)?);
            assert!(accepted, "{}: {} is refused", target.name, path.display());
        }
    }
    Ok(())
}
