//! A model save killed at any moment (SIGKILL) leaves every file of the
//! model (`<path>`, `<path>.syn1neg`, `<path>.syn1`, `<path>.json`) whole:
//! each is the previous version or the new one, never a partial file, and
//! the model loads. The files are renamed into place one after the other,
//! so a kill between two renames leaves some files of each version (same
//! vocabulary and shapes, so it still loads): the test counts such mixes,
//! `docs/RELIABILITY.md` reports them. The child is this test binary,
//! re-run by `crash_test`, saving two models in turn until it is killed.

#![cfg(unix)]

use std::path::{Path, PathBuf};

use corpus::Corpus;
use embed::{Architecture, Params, Word2Vec};

const CHILD_ENV: &str = "EMBED_CRASH_CHILD";
const TEST: &str = "a_killed_model_save_leaves_whole_files_that_load";
const ROUNDS: usize = 100;
/// The files of a model saved at `model`, as suffixes.
const SUFFIXES: [&str; 4] = ["", ".syn1neg", ".syn1", ".json"];

fn file(base: &Path, suffix: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Two models over the same vocabulary whose every file differs: the
/// second has another seed and one epoch of training (so its output
/// weights are not zero).
fn save_versions(dir: &Path) -> [PathBuf; 2] {
    let corpus = Corpus::text8(test_support::fixture("corpus/dev100k.txt"));
    let params = Params {
        vector_size: 48,
        min_count: 3,
        workers: 1,
        hs: true,
        negative: 3,
        architecture: Architecture::SkipGram,
        ..Params::default()
    };
    let paths = [dir.join("a"), dir.join("b")];
    let a = Word2Vec::build_vocab(&corpus, params.clone()).unwrap();
    a.save(&paths[0]).unwrap();
    let mut b = Word2Vec::build_vocab(&corpus, Params { seed: 2, ..params }).unwrap();
    b.train(&corpus, 1, &mut |_| {}).unwrap();
    b.save(&paths[1]).unwrap();
    paths
}

/// Which version (0 or 1) each file of the model at `model` is.
fn versions_of(model: &Path, versions: &[Vec<Vec<u8>>; 2]) -> [usize; 4] {
    SUFFIXES
        .iter()
        .enumerate()
        .map(|(i, suffix)| {
            let bytes = std::fs::read(file(model, suffix))
                .unwrap_or_else(|e| panic!("model{suffix} is missing: {e}"));
            versions
                .iter()
                .position(|v| v[i] == bytes)
                .unwrap_or_else(|| panic!("model{suffix} is neither version: a partial file"))
        })
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

#[test]
fn a_killed_model_save_leaves_whole_files_that_load() {
    if let Some(spec) = crash_test::child_arg(CHILD_ENV) {
        let (refs, target) = spec.split_once('|').unwrap();
        let models = ["a", "b"].map(|name| Word2Vec::load(Path::new(refs).join(name)).unwrap());
        for i in 0.. {
            models[i % 2].save(target).unwrap();
        }
        return;
    }
    let refs = tempfile::tempdir().unwrap();
    let paths = save_versions(refs.path());
    let versions = paths.clone().map(|path| {
        SUFFIXES
            .map(|suffix| std::fs::read(file(&path, suffix)).unwrap())
            .to_vec()
    });
    for (i, suffix) in SUFFIXES.iter().enumerate() {
        assert_ne!(
            versions[0][i], versions[1][i],
            "model{suffix}: the versions are alike"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    Word2Vec::load(&paths[0]).unwrap().save(&model).unwrap();

    let (mut whole, mut mixed) = (0, 0);
    crash_test::Kills::new(TEST, CHILD_ENV)
        .rounds(ROUNDS)
        .delay_ms(5..150)
        .run(
            &format!("{}|{}", refs.path().display(), model.display()),
            |round| {
                let which = versions_of(&model, &versions);
                let loaded = Word2Vec::load(&model)
                    .unwrap_or_else(|e| panic!("round {round}: the model does not load: {e}"));
                // The vectors loaded are those of the version on disk.
                let expected = Word2Vec::load(&paths[which[0]]).unwrap();
                assert!(loaded.wv() == expected.wv(), "round {round}");
                if which.iter().all(|&v| v == which[0]) {
                    whole += 1;
                } else {
                    mixed += 1;
                    eprintln!("mixed {which:?}");
                }
            },
        );
    eprintln!("{ROUNDS} kills: {whole} left one whole version, {mixed} a mix of files");
    assert_eq!(whole + mixed, ROUNDS);

    // Temporary files of killed saves never get in a later save's way.
    let b = Word2Vec::load(&paths[1]).unwrap();
    b.save(&model).unwrap();
    assert_eq!(versions_of(&model, &versions), [1; 4]);
    assert_eq!(
        crash_test::strays(
            dir.path(),
            &["model", "model.syn1neg", "model.syn1", "model.json"]
        ),
        Vec::<String>::new()
    );
}
