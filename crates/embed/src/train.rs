//! The training loop: epochs over the corpus, threads over its byte ranges,
//! the learning-rate schedule, and progress reports.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use std::path::Path;

use corpus::{Corpus, DocTags, Document, DocumentReader, Documents, Sentence, SentenceReader, Tag};
use hashbrown::{DefaultHashBuilder, HashMap};
use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::kernel::{self, Batch, Scratch};
use crate::params::{Architecture, Params};
use crate::tables::{cum_table, sample_ints, Huffman, Sampler, Sigmoid};
use crate::weights::{Rows, Weights};

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
    /// What a Doc2Vec model adds; `None` for word2vec.
    pub(crate) docs: Option<DocsView<'a>>,
}

/// What Doc2Vec training reads beyond word2vec's: where each tag's vector
/// sits in the input matrix, and whether windows of words train too.
#[derive(Clone, Copy)]
pub(crate) struct DocsView<'a> {
    /// The document tags; tag row `r` is input row `first_row + r`.
    pub(crate) tags: &'a DocTags,
    /// The input row of the first document vector (the vocabulary's size).
    pub(crate) first_row: u32,
    /// How each position's inputs are formed.
    pub(crate) inputs: Inputs,
}

/// A corpus training can read in parallel: sentences ([`Corpus`]) or
/// tagged documents ([`Documents`]).
pub(crate) trait Source: Sync {
    /// Its reader.
    type Reader: TextReader;
    /// The file (its size decides how many byte ranges to read at once).
    fn path(&self) -> &Path;
    /// Up to `n` readers that together read the corpus once.
    fn readers(&self, n: usize) -> corpus::Result<Vec<Self::Reader>>;
}

/// A reader of training texts: sentences or tagged documents.
pub(crate) trait TextReader: Send {
    /// One text, reused across reads.
    type Text: Default;
    /// Reads the next text; `false` at the end.
    fn read(&mut self, text: &mut Self::Text) -> corpus::Result<bool>;
    /// The text's words.
    fn words(text: &Self::Text) -> impl Iterator<Item = &str>;
    /// The text's tags (none for a sentence).
    fn tags(text: &Self::Text) -> &[Tag];
}

impl Source for Corpus {
    type Reader = SentenceReader;
    fn path(&self) -> &Path {
        Corpus::path(self)
    }
    fn readers(&self, n: usize) -> corpus::Result<Vec<SentenceReader>> {
        self.chunks(n)
    }
}

impl TextReader for SentenceReader {
    type Text = Sentence;
    fn read(&mut self, text: &mut Sentence) -> corpus::Result<bool> {
        self.read_sentence(text)
    }
    fn words(text: &Sentence) -> impl Iterator<Item = &str> {
        text.words()
    }
    fn tags(_: &Sentence) -> &[Tag] {
        &[]
    }
}

impl Source for Documents {
    type Reader = DocumentReader;
    fn path(&self) -> &Path {
        Documents::path(self)
    }
    fn readers(&self, n: usize) -> corpus::Result<Vec<DocumentReader>> {
        self.chunks(n)
    }
}

impl TextReader for DocumentReader {
    type Text = Document;
    fn read(&mut self, text: &mut Document) -> corpus::Result<bool> {
        self.read_document(text)
    }
    fn words(text: &Document) -> impl Iterator<Item = &str> {
        text.words.iter().map(String::as_str)
    }
    fn tags(text: &Document) -> &[Tag] {
        &text.tags
    }
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

/// The tables training draws from, made from the vocabulary's counts:
/// downsampling thresholds, the negative-sampling distribution, the
/// Huffman tree and the sigmoid.
pub(crate) struct Tables {
    pub(crate) sample_int: Vec<u32>,
    negatives: Sampler,
    huffman: Option<Huffman>,
    sigmoid: Sigmoid,
}

impl Tables {
    /// The tables of a vocabulary with `counts`, trained with `params`.
    pub(crate) fn new(params: &Params, counts: &[u64]) -> Tables {
        Tables {
            sample_int: sample_ints(counts, params.sample),
            negatives: Sampler::new(cum_table(counts, params.ns_exponent)),
            huffman: params.hs.then(|| Huffman::new(counts)),
            sigmoid: Sigmoid::default(),
        }
    }
}

/// The rows one batch reads and updates: the inputs, and the output
/// weights of negative sampling and of hierarchical softmax.
pub(crate) struct Net<'a, I, O> {
    pub(crate) input: &'a I,
    pub(crate) syn1neg: Option<&'a O>,
    pub(crate) syn1: Option<&'a O>,
}

/// The most words of one text trained on, after the vocabulary and
/// downsampling (gensim's `MAX_DOCUMENT_LEN`); the rest is ignored.
pub(crate) const MAX_TEXT_WORDS: usize = 10_000;

/// Read-only state shared by the threads of one `train` call.
struct Shared<'a> {
    model: ModelView<'a>,
    tables: Tables,
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
pub(crate) fn train<S: Source>(
    model: ModelView<'_>,
    corpus: &S,
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
        tables: Tables::new(params, model.counts),
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
        let readers: Vec<Mutex<S::Reader>> = corpus
            .readers(chunks)?
            .into_iter()
            .map(Mutex::new)
            .collect();
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

/// One thread: reads texts (from its own range first, then helping with
/// the others), turns them into word ids and tag rows, downsamples, and
/// trains.
fn work<R: TextReader>(
    shared: &Shared<'_>,
    readers: &[Mutex<R>],
    thread: usize,
    seed: u64,
) -> Result<()> {
    let model = shared.model;
    let net = Net {
        input: model.syn0,
        syn1neg: model.syn1neg,
        syn1: model.syn1,
    };
    let inputs = model.docs.map_or(Inputs::Windows, |docs| docs.inputs);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut text = R::Text::default();
    let mut ids = Vec::new();
    let mut tags = Vec::new();
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
            .read(&mut text)?;
        if !got {
            reader = (reader + 1) % readers.len();
            exhausted += 1;
            continue;
        }
        exhausted = 0;
        ids.clear();
        let mut raw = 0;
        for word in R::words(&text) {
            raw += 1;
            if let Some(&id) = model.index.get(word) {
                if shared.tables.sample_int[id as usize] >= rng.next_u32() {
                    ids.push(id);
                }
            }
        }
        ids.truncate(MAX_TEXT_WORDS);
        tags.clear();
        if let Some(docs) = model.docs {
            // Tags the table lacks are dropped, as gensim drops them.
            tags.extend(R::tags(&text).iter().filter_map(|tag| {
                let row = docs.tags.row(tag)?;
                Some(docs.first_row + u32::try_from(row).ok()?)
            }));
        }
        effective += (ids.len() + tags.len()) as u64;
        let text = Text {
            ids: &ids,
            tags: &tags,
            inputs,
        };
        train_text(
            &net,
            &shared.tables,
            model.params,
            text,
            alpha,
            &mut rng,
            &mut buffers,
        );
        since_update += raw;
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
pub(crate) struct Buffers {
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

/// What each position of a text feeds the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inputs {
    /// Its reduced window of words, and the tags: word2vec, PV-DM, PV-DBOW
    /// with `dbow_words`. The architecture decides how they combine.
    Windows,
    /// The tags alone: PV-DBOW.
    Tags,
    /// The tags and the full window side by side (PV-DM with `dm_concat`);
    /// positions past either end of the text are the `null` word's row.
    /// Texts with another number of tags than `tag_count` are skipped.
    Concat {
        /// Tags a text must have.
        tag_count: usize,
        /// The null word's row.
        null: u32,
    },
}

/// One text to train on: its word ids (after the vocabulary and
/// downsampling) and the input rows of its tags.
#[derive(Clone, Copy)]
pub(crate) struct Text<'a> {
    pub(crate) ids: &'a [u32],
    /// Input rows that join every position's inputs (a document's vectors).
    pub(crate) tags: &'a [u32],
    /// How each position's inputs are formed.
    pub(crate) inputs: Inputs,
}

/// Trains on one text: for each centre word, its inputs (its reduced
/// window of context words, and the text's tag rows) against the centre
/// word and `negative` shared negative samples, and/or its Huffman path.
///
/// The random draws (reduced windows, negative samples) are made first, for
/// the whole text, in the order the loop uses them, so the rows of the
/// batches `LOOKAHEAD` centre words ahead can be prefetched while this one
/// is computed.
pub(crate) fn train_text<I: Rows, O: Rows>(
    net: &Net<'_, I, O>,
    tables: &Tables,
    p: &Params,
    text: Text<'_>,
    alpha: f32,
    rng: &mut Xoshiro256PlusPlus,
    b: &mut Buffers,
) {
    let ids = text.ids;
    // A lone word without tags has no input and draws nothing.
    let has_inputs = match text.inputs {
        Inputs::Windows => ids.len() > 1 || !text.tags.is_empty(),
        Inputs::Tags => !text.tags.is_empty(),
        Inputs::Concat { tag_count, .. } => text.tags.len() == tag_count,
    };
    if !has_inputs {
        return;
    }
    b.reach.clear();
    b.negatives.clear();
    b.negatives_end.clear();
    for &centre in ids {
        let reach = match text.inputs {
            Inputs::Windows if p.shrink_windows => p.window - rng.random_range(0..p.window),
            Inputs::Windows | Inputs::Concat { .. } => p.window,
            Inputs::Tags => 0,
        };
        b.reach.push(reach);
        if net.syn1neg.is_some() {
            for _ in 0..p.negative {
                let word = tables.negatives.draw(rng.next_u32());
                if word != centre {
                    b.negatives.push(word);
                }
            }
        }
        b.negatives_end.push(b.negatives.len());
    }
    if text.inputs == Inputs::Tags {
        train_tags_only(net, tables, p, text, alpha, b);
        return;
    }
    for i in 0..LOOKAHEAD.min(ids.len()) {
        prefetch(net, tables, ids, i, b);
    }
    for (i, &centre) in ids.iter().enumerate() {
        if i + LOOKAHEAD < ids.len() {
            prefetch(net, tables, ids, i + LOOKAHEAD, b);
        }
        let reach = b.reach[i];
        b.inputs.clear();
        let concat = match text.inputs {
            Inputs::Concat { null, .. } => {
                b.inputs.extend_from_slice(text.tags);
                let word = |j: usize| ids.get(j).copied().unwrap_or(null);
                b.inputs.extend(
                    (i as isize - reach as isize..i as isize)
                        .map(|j| usize::try_from(j).map_or(null, word)),
                );
                b.inputs.extend((i + 1..=i + reach).map(word));
                true
            }
            _ => {
                let (lo, hi) = (i.saturating_sub(reach), (i + reach + 1).min(ids.len()));
                b.inputs.extend_from_slice(&ids[lo..i]);
                b.inputs.extend_from_slice(&ids[i + 1..hi]);
                b.inputs.extend_from_slice(text.tags);
                false
            }
        };
        if let Some(syn1neg) = net.syn1neg {
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
            update(
                p,
                tables,
                Kind { concat, hs: false },
                net.input,
                syn1neg,
                batch,
                &mut b.scratch,
            );
        }
        if let (Some(syn1), Some(huffman)) = (net.syn1, &tables.huffman) {
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
            update(
                p,
                tables,
                Kind { concat, hs: true },
                net.input,
                syn1,
                batch,
                &mut b.scratch,
            );
        }
    }
}

/// Positions of a text trained as one batch when the tags are the only
/// inputs (PV-DBOW).
const TAG_BLOCK: usize = 8;

/// PV-DBOW: the tag rows predict every word of the text. The targets of
/// `TAG_BLOCK` consecutive positions (each word with its negative samples,
/// or its Huffman path) form one batch against the tag rows, which are
/// gathered once and updated once per block; gensim updates them after
/// every word. Each output row's update is the same as gensim's, from the
/// tag vectors as they stood at the start of the block.
fn train_tags_only<I: Rows, O: Rows>(
    net: &Net<'_, I, O>,
    tables: &Tables,
    p: &Params,
    text: Text<'_>,
    alpha: f32,
    b: &mut Buffers,
) {
    let ids = text.ids;
    b.inputs.clear();
    b.inputs.extend_from_slice(text.tags);
    // The output rows of the next block load while this one is computed.
    let prefetch_block = |start: usize, b: &Buffers| {
        for i in start..(start + TAG_BLOCK).min(ids.len()) {
            prefetch(net, tables, ids, i, b);
        }
    };
    prefetch_block(0, b);
    for start in (0..ids.len()).step_by(TAG_BLOCK) {
        let end = (start + TAG_BLOCK).min(ids.len());
        prefetch_block(end, b);
        if let Some(syn1neg) = net.syn1neg {
            b.targets.clear();
            b.labels.clear();
            for (i, &centre) in ids.iter().enumerate().take(end).skip(start) {
                let from = if i == 0 { 0 } else { b.negatives_end[i - 1] };
                let negatives = &b.negatives[from..b.negatives_end[i]];
                b.targets.push(centre);
                b.targets.extend_from_slice(negatives);
                b.labels.push(1.0);
                b.labels.resize(b.targets.len(), 0.0);
            }
            let batch = Batch {
                inputs: &b.inputs,
                targets: &b.targets,
                labels: &b.labels,
                alpha,
            };
            update(
                p,
                tables,
                Kind {
                    concat: false,
                    hs: false,
                },
                net.input,
                syn1neg,
                batch,
                &mut b.scratch,
            );
        }
        if let (Some(syn1), Some(huffman)) = (net.syn1, &tables.huffman) {
            b.targets.clear();
            b.labels.clear();
            for &centre in &ids[start..end] {
                b.targets.extend_from_slice(huffman.points(centre as usize));
                let codes = huffman.codes(centre as usize);
                b.labels.extend(codes.iter().map(|&c| 1.0 - c as f32));
            }
            let batch = Batch {
                inputs: &b.inputs,
                targets: &b.targets,
                labels: &b.labels,
                alpha,
            };
            update(
                p,
                tables,
                Kind {
                    concat: false,
                    hs: true,
                },
                net.input,
                syn1,
                batch,
                &mut b.scratch,
            );
        }
    }
}

/// Starts loading the output rows of position `i`'s batch (its word, its
/// negative samples, its Huffman path) and the input row entering the
/// window there: a hint, no change to any value.
fn prefetch<I: Rows, O: Rows>(
    net: &Net<'_, I, O>,
    tables: &Tables,
    ids: &[u32],
    i: usize,
    b: &Buffers,
) {
    if b.reach[i] > 0 {
        if let Some(entering) = ids.get(i + b.reach[i]) {
            net.input.prefetch(*entering);
        }
    }
    if let Some(syn1neg) = net.syn1neg {
        syn1neg.prefetch(ids[i]);
        let start = if i == 0 { 0 } else { b.negatives_end[i - 1] };
        for &word in &b.negatives[start..b.negatives_end[i]] {
            syn1neg.prefetch(word);
        }
    }
    if let (Some(syn1), Some(huffman)) = (net.syn1, &tables.huffman) {
        // The first levels of the tree are on every path: always cached.
        for &node in huffman.points(ids[i] as usize).iter().skip(HOT_LEVELS) {
            syn1.prefetch(node);
        }
    }
}

/// What a batch is, beyond the architecture.
#[derive(Clone, Copy)]
struct Kind {
    /// PV-DM with the inputs side by side.
    concat: bool,
    /// Hierarchical softmax: skip-gram runs its context words in gensim's
    /// order (each sees the path rows the previous one updated; the top of
    /// the tree is on every path, so batching them costs quality there).
    hs: bool,
}

/// One batch through the architecture's kernel.
fn update<I: Rows, O: Rows>(
    p: &Params,
    tables: &Tables,
    kind: Kind,
    input: &I,
    output: &O,
    batch: Batch<'_>,
    scratch: &mut Scratch,
) {
    let sigmoid = &tables.sigmoid;
    match p.architecture {
        _ if kind.concat => kernel::concat(input, output, batch, sigmoid, scratch),
        Architecture::SkipGram => {
            kernel::skip_gram(input, output, batch, kind.hs, sigmoid, scratch)
        }
        Architecture::Cbow => kernel::cbow(input, output, batch, p.cbow_mean, sigmoid, scratch),
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
