//! The training loop: epochs over the corpus, threads over its byte ranges,
//! the learning-rate schedule, and progress reports.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use corpus::{Corpus, Sentence, SentenceReader};
use hashbrown::{DefaultHashBuilder, HashMap};
use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::kernel::{self, Batch, Scratch};
use crate::params::{Architecture, Params};
use crate::tables::{cum_table, sample_ints, Huffman, Sampler, Sigmoid};
use crate::weights::Weights;

/// What training reads of a model: its parameters, vocabulary and weights
/// (updated in place through their atomics). `Word2Vec` lends them, so this
/// module never depends on the model type.
#[derive(Clone, Copy)]
pub(crate) struct ModelView<'a> {
    pub(crate) params: &'a Params,
    pub(crate) counts: &'a [u64],
    pub(crate) index: &'a HashMap<Box<str>, u32, DefaultHashBuilder>,
    /// Raw words in one pass over the training corpus.
    pub(crate) corpus_words: u64,
    /// Input vectors.
    pub(crate) syn0: &'a Weights,
    /// Output weights of negative sampling.
    pub(crate) syn1neg: Option<&'a Weights>,
    /// Output weights of hierarchical softmax.
    pub(crate) syn1: Option<&'a Weights>,
    /// Epochs trained before this call (they offset the per-epoch seeds).
    pub(crate) epochs_trained: usize,
}

/// Where training stands; passed to the progress callback about every 0.2 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The current epoch, from 0.
    pub epoch: usize,
    /// Epochs in this call to `train`.
    pub epochs: usize,
    /// Fraction of this call's work done, 0 to 1.
    pub fraction: f64,
    /// Raw corpus words processed so far in this call.
    pub words: u64,
    /// Raw words per second so far.
    pub words_per_sec: f64,
    /// The current learning rate.
    pub alpha: f32,
}

/// What one call to `train` did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainReport {
    /// Epochs trained.
    pub epochs: usize,
    /// Raw corpus words read (all epochs).
    pub raw_words: u64,
    /// Words trained on: in the vocabulary and kept by downsampling.
    pub effective_words: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Raw words per second (gensim's figure divided by the same time).
    pub words_per_sec: f64,
}

/// Words a thread processes between learning-rate updates (gensim's job size).
const WORDS_PER_JOB: u64 = 10_000;

/// The smallest byte range a plain corpus is split into for the workers
/// (about one text8 sentence of 10,000 words): a range boundary ends a
/// sentence, so ranges of a word or two would leave the words without
/// context and nothing to train on. Workers beyond the ranges share them.
const MIN_CHUNK_BYTES: u64 = 64 << 10;

/// Read-only state shared by the threads of one `train` call.
struct Shared<'a> {
    model: ModelView<'a>,
    sample_int: Vec<u32>,
    negatives: Sampler,
    huffman: Option<Huffman>,
    sigmoid: Sigmoid,
    /// Raw words processed in this call, by all threads.
    done: AtomicU64,
    effective: AtomicU64,
    total: u64,
}

impl Shared<'_> {
    /// The learning rate now.
    fn alpha(&self) -> f32 {
        let p = self.model.params;
        linear_alpha(p.alpha, p.min_alpha, self.done.load(Relaxed), self.total)
    }
}

/// The learning rate after `done` of `total` words: linear from `alpha` to
/// `min_alpha`, never below `min_alpha` (gensim's schedule, measured in words).
pub(crate) fn linear_alpha(alpha: f32, min_alpha: f32, done: u64, total: u64) -> f32 {
    let progress = (done as f64 / total.max(1) as f64).min(1.0);
    let alpha = alpha as f64 - (alpha as f64 - min_alpha as f64) * progress;
    alpha.max(min_alpha as f64) as f32
}

/// Trains `model` for `epochs` passes over `corpus`.
pub(crate) fn train(
    model: ModelView<'_>,
    corpus: &Corpus,
    epochs: usize,
    progress: &mut dyn FnMut(&Progress),
) -> Result<TrainReport> {
    let params = model.params;
    let workers = match params.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let shared = Shared {
        model,
        sample_int: sample_ints(model.counts, params.sample),
        negatives: Sampler::new(cum_table(model.counts, params.ns_exponent)),
        huffman: params.hs.then(|| Huffman::new(model.counts)),
        sigmoid: Sigmoid::default(),
        done: AtomicU64::new(0),
        effective: AtomicU64::new(0),
        total: model.corpus_words * epochs as u64,
    };
    log::debug!("training kernels: {}", crate::kernels::best().name);
    let size = std::fs::metadata(corpus.path()).map_or(0, |m| m.len());
    let chunks = usize::try_from(size / MIN_CHUNK_BYTES)
        .unwrap_or(usize::MAX)
        .clamp(1, workers);
    let start = Instant::now();
    for epoch in 0..epochs {
        let readers: Vec<Mutex<SentenceReader>> =
            corpus.chunks(chunks)?.into_iter().map(Mutex::new).collect();
        let (finished, done_signal) = mpsc::channel::<Result<()>>();
        let mut first_error = None;
        std::thread::scope(|scope| {
            for thread in 0..workers {
                let (shared, readers, finished) = (&shared, &readers, finished.clone());
                scope.spawn(move || {
                    let seed = mix(
                        params.seed,
                        (model.epochs_trained + epoch) as u64,
                        thread as u64,
                    );
                    let _ = finished.send(work(shared, readers, thread, seed));
                });
            }
            let mut running = workers;
            while running > 0 {
                match done_signal.recv_timeout(Duration::from_millis(200)) {
                    Ok(result) => {
                        running -= 1;
                        if let Err(e) = result {
                            first_error.get_or_insert(e);
                        }
                    }
                    Err(_) => {
                        let words = shared.done.load(Relaxed);
                        progress(&Progress {
                            epoch,
                            epochs,
                            fraction: words as f64 / shared.total.max(1) as f64,
                            words,
                            words_per_sec: words as f64 / start.elapsed().as_secs_f64(),
                            alpha: shared.alpha(),
                        });
                    }
                }
            }
        });
        if let Some(e) = first_error {
            return Err(e);
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let raw_words = shared.done.load(Relaxed);
    progress(&Progress {
        epoch: epochs.saturating_sub(1),
        epochs,
        fraction: 1.0,
        words: raw_words,
        words_per_sec: raw_words as f64 / seconds,
        alpha: shared.alpha(),
    });
    Ok(TrainReport {
        epochs,
        raw_words,
        effective_words: shared.effective.load(Relaxed),
        seconds,
        words_per_sec: raw_words as f64 / seconds,
    })
}

/// A seed for one (epoch, thread) stream, from the model seed (SplitMix64's finaliser).
fn mix(seed: u64, epoch: u64, thread: u64) -> u64 {
    let mut z = seed
        ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ thread.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One thread: reads sentences (from its own range first, then helping with
/// the others), turns them into word ids, downsamples, and trains.
fn work(
    shared: &Shared<'_>,
    readers: &[Mutex<SentenceReader>],
    thread: usize,
    seed: u64,
) -> Result<()> {
    let model = shared.model;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut sentence = Sentence::new();
    let mut ids = Vec::new();
    let mut buffers = Buffers::default();
    let mut alpha = shared.alpha();
    let mut since_update = 0;
    let mut effective = 0;
    let mut reader = thread % readers.len();
    let mut exhausted = 0;
    while exhausted < readers.len() {
        let got = readers[reader]
            .lock()
            .map_err(|_| Error::Param {
                name: "workers",
                reason: "a training thread panicked".into(),
            })?
            .read_sentence(&mut sentence)?;
        if !got {
            reader = (reader + 1) % readers.len();
            exhausted += 1;
            continue;
        }
        exhausted = 0;
        ids.clear();
        for word in sentence.words() {
            if let Some(&id) = model.index.get(word) {
                if shared.sample_int[id as usize] >= rng.next_u32() {
                    ids.push(id);
                }
            }
        }
        effective += ids.len() as u64;
        train_sentence(shared, &ids, alpha, &mut rng, &mut buffers);
        since_update += sentence.len() as u64;
        if since_update >= WORDS_PER_JOB {
            shared.done.fetch_add(since_update, Relaxed);
            since_update = 0;
            alpha = shared.alpha();
        }
    }
    shared.done.fetch_add(since_update, Relaxed);
    shared.effective.fetch_add(effective, Relaxed);
    Ok(())
}

/// A thread's reusable buffers.
#[derive(Default)]
struct Buffers {
    inputs: Vec<u32>,
    targets: Vec<u32>,
    labels: Vec<f32>,
    /// Per position of the sentence: its reduced window.
    reach: Vec<usize>,
    /// Per position: the end of its negative samples in `negatives`.
    negatives_end: Vec<usize>,
    /// The negative samples of the whole sentence, drawn before training it.
    negatives: Vec<u32>,
    scratch: Scratch,
}

/// Levels of the Huffman tree (from the root) not prefetched: their 63
/// rows are on most paths and stay in the cache.
const HOT_LEVELS: usize = 6;

/// How many centre words ahead the rows of the next batches are prefetched.
const LOOKAHEAD: usize = 2;

/// Trains on one sentence of word ids: for each centre word, its (reduced)
/// window of context words against the centre word and `negative` shared
/// negative samples, and/or its Huffman path.
///
/// The random draws (reduced windows, negative samples) are made first, for
/// the whole sentence, in the order the loop uses them, so the rows of the
/// batches `LOOKAHEAD` centre words ahead can be prefetched while this one
/// is computed.
fn train_sentence(
    shared: &Shared<'_>,
    ids: &[u32],
    alpha: f32,
    rng: &mut Xoshiro256PlusPlus,
    b: &mut Buffers,
) {
    let model = shared.model;
    let p = model.params;
    b.reach.clear();
    b.negatives.clear();
    b.negatives_end.clear();
    for &centre in ids {
        let shrink = if p.shrink_windows {
            rng.random_range(0..p.window)
        } else {
            0
        };
        b.reach.push(p.window - shrink);
        // A lone word has no context and draws no negatives.
        if model.syn1neg.is_some() && ids.len() > 1 {
            for _ in 0..p.negative {
                let word = shared.negatives.draw(rng.next_u32());
                if word != centre {
                    b.negatives.push(word);
                }
            }
        }
        b.negatives_end.push(b.negatives.len());
    }
    if ids.len() < 2 {
        return;
    }
    for i in 0..LOOKAHEAD.min(ids.len()) {
        prefetch(shared, ids, i, b);
    }
    for (i, &centre) in ids.iter().enumerate() {
        if i + LOOKAHEAD < ids.len() {
            prefetch(shared, ids, i + LOOKAHEAD, b);
        }
        let reach = b.reach[i];
        let (lo, hi) = (i.saturating_sub(reach), (i + reach + 1).min(ids.len()));
        b.inputs.clear();
        b.inputs.extend_from_slice(&ids[lo..i]);
        b.inputs.extend_from_slice(&ids[i + 1..hi]);
        if let Some(syn1neg) = model.syn1neg {
            let start = if i == 0 { 0 } else { b.negatives_end[i - 1] };
            b.targets.clear();
            b.labels.clear();
            b.targets.push(centre);
            b.targets
                .extend_from_slice(&b.negatives[start..b.negatives_end[i]]);
            b.labels.push(1.0);
            b.labels.resize(b.targets.len(), 0.0);
            let batch = Batch {
                inputs: &b.inputs,
                targets: &b.targets,
                labels: &b.labels,
                alpha,
            };
            update(shared, syn1neg, batch, &mut b.scratch);
        }
        if let (Some(syn1), Some(huffman)) = (model.syn1, &shared.huffman) {
            b.labels.clear();
            b.labels.extend(
                huffman
                    .codes(centre as usize)
                    .iter()
                    .map(|&c| 1.0 - c as f32),
            );
            let targets = huffman.points(centre as usize);
            let batch = Batch {
                inputs: &b.inputs,
                targets,
                labels: &b.labels,
                alpha,
            };
            update(shared, syn1, batch, &mut b.scratch);
        }
    }
}

/// Starts loading the output rows of position `i`'s batch (its word, its
/// negative samples, its Huffman path) and the input row entering the
/// window there: a hint, no change to any value.
fn prefetch(shared: &Shared<'_>, ids: &[u32], i: usize, b: &Buffers) {
    let model = shared.model;
    if let Some(entering) = ids.get(i + b.reach[i]) {
        model.syn0.prefetch(*entering);
    }
    if let Some(syn1neg) = model.syn1neg {
        syn1neg.prefetch(ids[i]);
        let start = if i == 0 { 0 } else { b.negatives_end[i - 1] };
        for &word in &b.negatives[start..b.negatives_end[i]] {
            syn1neg.prefetch(word);
        }
    }
    if let (Some(syn1), Some(huffman)) = (model.syn1, &shared.huffman) {
        // The first levels of the tree are on every path: always cached.
        for &node in huffman.points(ids[i] as usize).iter().skip(HOT_LEVELS) {
            syn1.prefetch(node);
        }
    }
}

fn update(shared: &Shared<'_>, output: &Weights, batch: Batch<'_>, scratch: &mut Scratch) {
    let model = shared.model;
    match model.params.architecture {
        Architecture::SkipGram => {
            kernel::skip_gram(model.syn0, output, batch, &shared.sigmoid, scratch)
        }
        Architecture::Cbow => kernel::cbow(
            model.syn0,
            output,
            batch,
            model.params.cbow_mean,
            &shared.sigmoid,
            scratch,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_rate_decays_linearly_to_min_alpha() {
        assert_eq!(linear_alpha(0.025, 0.0001, 0, 1000), 0.025);
        assert!((linear_alpha(0.025, 0.0001, 500, 1000) - 0.01255).abs() < 1e-7);
        assert!((linear_alpha(0.05, 0.0001, 250, 1000) - 0.037525).abs() < 1e-7);
        assert_eq!(linear_alpha(0.025, 0.0001, 1000, 1000), 0.0001);
        assert_eq!(linear_alpha(0.025, 0.0001, 5000, 1000), 0.0001);
    }

    #[test]
    fn seeds_differ_per_epoch_and_thread() {
        let seeds = [mix(1, 0, 0), mix(1, 0, 1), mix(1, 1, 0), mix(2, 0, 0)];
        for i in 0..seeds.len() {
            for j in 0..i {
                assert_ne!(seeds[i], seeds[j]);
            }
        }
        assert_eq!(mix(1, 0, 0), mix(1, 0, 0));
    }
}
