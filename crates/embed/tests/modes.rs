//! Every combination gensim accepts trains, and one worker plus a seed
//! gives bit-for-bit the same vectors, in every mode: skip-gram and CBOW
//! (mean and sum), negative sampling, hierarchical softmax and both
//! together, no downsampling, the smallest window.

use std::path::Path;

use corpus::Corpus;
use embed::{Architecture, Params, Word2Vec};
use vecstore::KeyedVectors;

fn corpus() -> Corpus {
    Corpus::text8(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/corpus/dev100k.txt"))
}

fn train(params: Params) -> (KeyedVectors, KeyedVectors) {
    let mut model = Word2Vec::build_vocab(&corpus(), params).unwrap();
    let before = model.wv();
    model.train(&corpus(), 1, &mut |_| {}).unwrap();
    (before, model.wv())
}

#[test]
fn every_mode_trains_reproducibly_with_one_worker() {
    let base = Params {
        vector_size: 20,
        min_count: 5,
        workers: 1,
        epochs: 1,
        alpha: 0.05,
        ..Params::default()
    };
    let mut cases = Vec::new();
    for architecture in [Architecture::SkipGram, Architecture::Cbow] {
        for (hs, negative) in [(false, 5), (true, 0), (true, 3)] {
            for cbow_mean in [true, false] {
                if architecture == Architecture::SkipGram && !cbow_mean {
                    continue;
                }
                cases.push(Params {
                    architecture,
                    hs,
                    negative,
                    cbow_mean,
                    ..base.clone()
                });
            }
        }
    }
    cases.push(Params {
        sample: 0.0,
        window: 1,
        architecture: Architecture::Cbow,
        ..base.clone()
    });
    cases.push(Params {
        sample: 0.0,
        window: 1,
        hs: true,
        architecture: Architecture::SkipGram,
        ..base.clone()
    });
    for params in cases {
        let name = format!(
            "{:?} hs={} negative={} cbow_mean={} sample={} window={}",
            params.architecture,
            params.hs,
            params.negative,
            params.cbow_mean,
            params.sample,
            params.window
        );
        let (before, a) = train(params.clone());
        let (_, b) = train(params.clone());
        assert_eq!(a, b, "{name}: not reproducible");
        assert!(a != before, "{name}: training changed nothing");
        assert!(a.vectors().iter().all(|x| x.is_finite()), "{name}");
    }
}
