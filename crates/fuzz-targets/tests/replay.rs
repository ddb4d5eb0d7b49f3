//! CI's fuzz smoke test, on stable: every target's body runs over its seed
//! corpus (`fuzz/corpus/<target>/`), the inputs of crashes fuzzing found
//! (`fuzz/regressions/<target>/`) and the full-size valid fixtures. Seeds
//! and fixtures must be accepted; nothing may panic.

use std::path::{Path, PathBuf};

use fuzz_targets::{Target, TARGETS};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Valid fixtures too large to be seeds, by target.
fn fixtures(target: &str) -> Vec<&'static str> {
    match target {
        "word2vec_text" => vec!["gensim/small.txt", "gensim/small_c.txt"],
        "word2vec_binary" => vec!["eval/vectors.bin", "gensim/small.bin"],
        "annoy_angular" => vec![
            "annoy/angular.ann",
            "annoy/angular_1tree.ann",
            "annoy/rust_angular.ann",
        ],
        "annoy_euclidean" => vec![
            "annoy/euclidean.ann",
            "annoy/euclidean_1tree.ann",
            "annoy/euclidean_holes.ann",
            "annoy/rust_euclidean.ann",
        ],
        "annoy_manhattan" => vec!["annoy/manhattan.ann", "annoy/rust_manhattan.ann"],
        "annoy_dot" => vec!["annoy/dot.ann", "annoy/rust_dot.ann"],
        "annoy_hamming" => vec![
            "annoy/hamming.ann",
            "annoy/hamming_1tree.ann",
            "annoy/rust_hamming.ann",
        ],
        "hnsw" => vec![
            "hnsw/cosine_m8.bin",
            "hnsw/l2_m16.bin",
            "hnsw/ip_m6_deleted.bin",
        ],
        "sidecar" => vec![
            "annoy/sidecar_p2.dict",
            "annoy/sidecar_p4.dict",
            "annoy/sidecar_p5.dict",
        ],
        "corpus_text8" => vec!["corpus/dev100k.txt"],
        "corpus_lines" => vec!["corpus/dev100k_lines.txt"],
        "corpus_gz" => vec!["corpus/dev100k_lines.txt.gz"],
        "corpus_zip" => vec!["corpus/text8_small.zip"],
        "eval_files" => vec![
            "eval/questions-words.txt",
            "eval/wordsim353.tsv",
            "eval/simlex999.txt",
        ],
        _ => vec![],
    }
}

fn run(target: &Target, path: &Path) -> bool {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (target.run)(&data)
}

#[test]
fn every_seed_and_fixture_is_accepted() {
    for target in TARGETS {
        let seeds = files_in(&root().join("fuzz/corpus").join(target.name));
        assert!(!seeds.is_empty(), "{}: no seeds", target.name);
        let fixtures = fixtures(target.name)
            .into_iter()
            .map(|name| root().join("fixtures").join(name));
        for path in seeds.into_iter().chain(fixtures) {
            assert!(
                run(target, &path),
                "{}: {} is refused",
                target.name,
                path.display()
            );
        }
    }
}

#[test]
fn every_regression_input_runs_without_panicking() {
    for target in TARGETS {
        for path in files_in(&root().join("fuzz/regressions").join(target.name)) {
            // Accepted or refused, as long as the body returns.
            run(target, &path);
        }
    }
}

#[test]
fn every_target_is_a_cargo_fuzz_binary() {
    let manifest =
        std::fs::read_to_string(root().join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{}\"", target.name)),
            "{} is missing from fuzz/Cargo.toml",
            target.name
        );
        let source = root().join(format!("fuzz/fuzz_targets/{}.rs", target.name));
        let body = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(body.contains("fuzz_targets::"), "{}", source.display());
    }
}

#[test]
fn damaged_seeds_never_panic() {
    // Every prefix of every seed (cut at a few places) and a byte flip:
    // a cheap stand-in for the mutations libFuzzer makes.
    for target in TARGETS {
        for path in files_in(&root().join("fuzz/corpus").join(target.name)) {
            let data = std::fs::read(&path).expect("a seed");
            for cut in [0, 1, data.len() / 3, data.len() / 2, data.len() - 1] {
                (target.run)(&data[..cut]);
            }
            let mut flipped = data.clone();
            let middle = flipped.len() / 2;
            flipped[middle] ^= 0xff;
            (target.run)(&flipped);
        }
    }
}
