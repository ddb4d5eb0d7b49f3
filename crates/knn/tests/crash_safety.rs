//! An index save killed at any moment (SIGKILL) leaves the index and its
//! `.dict` sidecar whole: each is the previous version or the new one,
//! never a partial file, and the indexer loads. The two files are renamed
//! one after the other, so a kill between the renames would pair a new
//! index with the old sidecar: the test counts such pairs. The child is
//! this test binary, re-run by `crash_test`, saving two indexes (4 and 8
//! trees over the same vectors) in turn until it is killed.

#![cfg(unix)]

use std::path::Path;

use knn::sidecar::Sidecar;
use knn::AnnoyIndexer;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use vecstore::KeyedVectors;

const CHILD_ENV: &str = "KNN_CRASH_CHILD";
const TEST: &str = "a_killed_index_save_leaves_whole_files_that_load";
const ROUNDS: usize = 100;

fn vectors() -> KeyedVectors {
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    let words = (0..5000).map(|i| format!("w{i}")).collect();
    let matrix = Array2::from_shape_fn((5000, 32), |_| rng.random::<f32>() - 0.5);
    KeyedVectors::from_parts(words, matrix, None).unwrap()
}

/// Which version (0 or 1) the index and the sidecar at `path` are.
fn versions_of(path: &Path, versions: &[[Vec<u8>; 2]; 2]) -> [usize; 2] {
    [path.to_path_buf(), Sidecar::path_for(path)].map(|file| {
        let bytes =
            std::fs::read(&file).unwrap_or_else(|e| panic!("{} is missing: {e}", file.display()));
        let i = usize::from(file != path);
        versions
            .iter()
            .position(|v| v[i] == bytes)
            .unwrap_or_else(|| panic!("{} is neither version: a partial file", file.display()))
    })
}

#[test]
fn a_killed_index_save_leaves_whole_files_that_load() {
    if let Some(spec) = crash_test::child_arg(CHILD_ENV) {
        let (refs, target) = spec.split_once('|').unwrap();
        let refs = Path::new(refs);
        let kv = KeyedVectors::load(refs.join("vectors.kv")).unwrap();
        let indexes = ["a", "b"].map(|name| AnnoyIndexer::load(refs.join(name), &kv).unwrap());
        for i in 0.. {
            indexes[i % 2].save(target).unwrap();
        }
        return;
    }
    let refs = tempfile::tempdir().unwrap();
    let kv = vectors();
    kv.save(refs.path().join("vectors.kv")).unwrap();
    let paths = [("a", 4, 1), ("b", 8, 2)].map(|(name, trees, seed)| {
        let path = refs.path().join(name);
        let indexer = AnnoyIndexer::builder(&kv, trees)
            .seed(seed)
            .threads(1)
            .build()
            .unwrap();
        indexer.save(&path).unwrap();
        path
    });
    let versions = paths.clone().map(|path| {
        [
            std::fs::read(&path).unwrap(),
            std::fs::read(Sidecar::path_for(&path)).unwrap(),
        ]
    });
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index.ann");
    AnnoyIndexer::load(&paths[0], &kv)
        .unwrap()
        .save(&index)
        .unwrap();

    let (mut whole, mut mixed) = (0, 0);
    let query = kv.get_normed("w17").unwrap().to_vec();
    crash_test::Kills::new(TEST, CHILD_ENV)
        .rounds(ROUNDS)
        .delay_ms(5..100)
        .run(
            &format!("{}|{}", refs.path().display(), index.display()),
            |round| {
                let which = versions_of(&index, &versions);
                let loaded = AnnoyIndexer::load(&index, &kv)
                    .unwrap_or_else(|e| panic!("round {round}: the index does not load: {e}"));
                let expected = AnnoyIndexer::load(&paths[which[0]], &kv).unwrap();
                assert_eq!(
                    loaded.index().get_nns_by_vector(&query, 10, None).unwrap(),
                    expected
                        .index()
                        .get_nns_by_vector(&query, 10, None)
                        .unwrap(),
                    "round {round}"
                );
                if which[0] == which[1] {
                    whole += 1;
                } else {
                    mixed += 1;
                    eprintln!(
                        "round {round}: index of version {}, sidecar of version {}",
                        which[0], which[1]
                    );
                }
            },
        );
    eprintln!("{ROUNDS} kills: {whole} left one whole version, {mixed} a mix of files");
    assert_eq!(whole + mixed, ROUNDS);

    // Temporary files of killed saves never get in a later save's way.
    AnnoyIndexer::load(&paths[1], &kv)
        .unwrap()
        .save(&index)
        .unwrap();
    assert_eq!(versions_of(&index, &versions), [1, 1]);
    assert_eq!(
        crash_test::strays(dir.path(), &["index.ann", "index.ann.dict"]),
        Vec::<String>::new()
    );
}
