//! End-to-end training on a small real corpus (100,000 words of English in
//! text8 form, `fixtures/corpus/dev100k.txt`).

use corpus::Corpus;
use embed::{Architecture, Params, Word2Vec};
use test_support::fixture;
use vecstore::KeyedVectors;

fn corpus() -> Corpus {
    Corpus::text8(fixture("corpus/dev100k.txt"))
}

fn small(architecture: Architecture, hs: bool, workers: usize) -> Params {
    Params {
        vector_size: 32,
        window: 5,
        epochs: 8,
        min_count: 5,
        sample: 1e-3,
        workers,
        architecture,
        hs,
        negative: if hs { 0 } else { 5 },
        alpha: if architecture == Architecture::SkipGram {
            0.025
        } else {
            0.05
        },
        ..Params::default()
    }
}

/// Number words that occur often in the corpus and are used alike.
const NUMBERS: [&str; 9] = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

/// Mean cosine similarity between the number words, minus the mean
/// similarity between each number word and 200 mid-frequency words.
fn number_margin(wv: &KeyedVectors) -> f32 {
    let mut related = Vec::new();
    for (i, a) in NUMBERS.iter().enumerate() {
        for b in &NUMBERS[i + 1..] {
            related.push(wv.similarity(a, b).unwrap());
        }
    }
    let mut unrelated = Vec::new();
    for a in NUMBERS {
        for other in wv.index_to_key().iter().skip(300).take(200) {
            if !NUMBERS.contains(&other.as_str()) {
                unrelated.push(wv.similarity(a, other).unwrap());
            }
        }
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    mean(&related) - mean(&unrelated)
}

fn train(params: Params) -> (Word2Vec, embed::TrainReport) {
    let epochs = params.epochs;
    let mut model = Word2Vec::build_vocab(&corpus(), params).unwrap();
    let report = model.train(&corpus(), epochs, &mut |_| {}).unwrap();
    (model, report)
}

#[test]
fn skip_gram_with_negative_sampling_learns_related_words() {
    let (model, report) = train(small(Architecture::SkipGram, false, 2));
    assert_eq!(report.raw_words, 8 * 100_000);
    assert!(
        report.effective_words < report.raw_words,
        "downsampling dropped nothing"
    );
    let margin = number_margin(&model.wv());
    assert!(
        margin > 0.25,
        "number words are not closer than random words: margin {margin}"
    );
}

#[test]
fn cbow_with_negative_sampling_learns_related_words() {
    let (model, _) = train(small(Architecture::Cbow, false, 2));
    let margin = number_margin(&model.wv());
    assert!(margin > 0.25, "margin {margin}");
}

#[test]
fn hierarchical_softmax_learns_related_words() {
    for architecture in [Architecture::SkipGram, Architecture::Cbow] {
        let (model, _) = train(small(architecture, true, 2));
        let margin = number_margin(&model.wv());
        assert!(margin > 0.2, "{architecture:?} with hs: margin {margin}");
    }
}

#[test]
fn untrained_vectors_are_the_baseline() {
    let model = Word2Vec::build_vocab(&corpus(), small(Architecture::SkipGram, false, 1)).unwrap();
    let margin = number_margin(&model.wv());
    assert!(
        margin.abs() < 0.1,
        "random vectors already separate numbers: {margin}"
    );
}

#[test]
fn one_worker_and_a_seed_train_bit_for_bit_the_same() {
    for (architecture, hs) in [(Architecture::SkipGram, false), (Architecture::Cbow, true)] {
        let params = Params {
            epochs: 2,
            ..small(architecture, hs, 1)
        };
        let a = train(params.clone()).0.wv();
        let b = train(params.clone()).0.wv();
        assert_eq!(a, b, "{architecture:?}");
        let c = train(Params { seed: 7, ..params }).0.wv();
        assert_ne!(a, c, "the seed changes nothing");
    }
}

#[test]
fn save_load_and_continue_training() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.kv");
    let params = Params {
        epochs: 1,
        hs: true,
        ..small(Architecture::SkipGram, false, 1)
    };
    let (model, _) = train(params);
    model.save(&path).unwrap();
    let loaded = Word2Vec::load(&path).unwrap();
    assert_eq!(loaded.wv(), model.wv());
    assert_eq!(loaded.epochs_trained(), 1);
    assert_eq!(loaded.params(), model.params());
    // The vectors alone load memory-mapped, with counts.
    let mapped = KeyedVectors::load(&path).unwrap();
    assert!(mapped.is_mapped());
    assert_eq!(mapped.counts().unwrap()[0], model.counts()[0]);
    // Training continues from the loaded weights, identically to continuing in memory.
    let mut continued = loaded;
    let mut original = model;
    continued.train(&corpus(), 1, &mut |_| {}).unwrap();
    original.train(&corpus(), 1, &mut |_| {}).unwrap();
    assert_eq!(continued.wv(), original.wv());
    assert_eq!(continued.epochs_trained(), 2);
}

#[test]
fn more_threads_than_chunks_or_cores_still_cover_the_corpus() {
    let (_, report) = train(Params {
        epochs: 1,
        ..small(Architecture::SkipGram, false, 16)
    });
    assert_eq!(report.raw_words, 100_000);
    // A gzip corpus cannot be split: the threads share one reader.
    let lines = Corpus::lines(fixture("corpus/dev100k_lines.txt.gz"));
    let params = Params {
        epochs: 1,
        ..small(Architecture::SkipGram, false, 3)
    };
    let mut model = Word2Vec::build_vocab(&lines, params).unwrap();
    let report = model.train(&lines, 1, &mut |_| {}).unwrap();
    assert_eq!(report.raw_words, 100_000);
}

#[test]
fn a_corpus_smaller_than_one_chunk_per_thread_trains() {
    // 13 words in 49 bytes, 64 workers: more workers than bytes, than
    // words and than cores. Every word is trained on, once per epoch.
    let dir = tempfile::tempdir().unwrap();
    let text = "the cat sat on the mat the dog sat on the log end";
    for (name, corpus) in [
        ("text8", Corpus::text8(dir.path().join("text8"))),
        ("lines", Corpus::lines(dir.path().join("lines"))),
    ] {
        std::fs::write(corpus.path(), text).unwrap();
        let params = Params {
            vector_size: 8,
            min_count: 1,
            workers: 64,
            sample: 0.0,
            ..Params::default()
        };
        let mut model = Word2Vec::build_vocab(&corpus, params).unwrap();
        let before = model.wv();
        let report = model.train(&corpus, 3, &mut |_| {}).unwrap();
        assert_eq!(report.raw_words, 3 * 13, "{name}");
        let after = model.wv();
        assert_eq!(after.len(), 8, "{name}");
        assert!(after.vectors().iter().all(|x| x.is_finite()), "{name}");
        assert!(before != after, "{name}: training changed nothing");
    }
}

#[test]
fn bad_parameters_and_empty_vocabularies_are_errors() {
    let zero = Params {
        vector_size: 0,
        ..Params::default()
    };
    assert!(Word2Vec::build_vocab(&corpus(), zero)
        .unwrap_err()
        .to_string()
        .contains("vector_size"));
    let no_objective = Params {
        negative: 0,
        hs: false,
        ..Params::default()
    };
    assert!(Word2Vec::build_vocab(&corpus(), no_objective).is_err());
    let endless = Params {
        epochs: embed::MAX_EPOCHS + 1,
        ..Params::default()
    };
    assert!(Word2Vec::build_vocab(&corpus(), endless)
        .unwrap_err()
        .to_string()
        .contains("epochs"));
    let mut model = Word2Vec::build_vocab(&corpus(), Params::default()).unwrap();
    for epochs in [0, embed::MAX_EPOCHS + 1, usize::MAX] {
        let error = model.train(&corpus(), epochs, &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("epochs"), "{error}");
    }
    let rare = Params {
        min_count: 1_000_000,
        ..Params::default()
    };
    assert!(matches!(
        Word2Vec::build_vocab(&corpus(), rare),
        Err(embed::Error::EmptyVocab { .. })
    ));
}

#[test]
fn progress_is_reported_and_reaches_the_end() {
    let mut model =
        Word2Vec::build_vocab(&corpus(), small(Architecture::SkipGram, false, 2)).unwrap();
    let mut last = None;
    model.train(&corpus(), 1, &mut |p| last = Some(*p)).unwrap();
    let last = last.expect("no progress report");
    assert_eq!((last.fraction, last.words), (1.0, 100_000));
    assert!(
        (last.alpha - 0.0001).abs() < 1e-6,
        "alpha ends at min_alpha: {}",
        last.alpha
    );
}
