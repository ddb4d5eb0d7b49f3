//! [`Word2Vec`]: a vocabulary, its weights, and the parameters that train them.

use std::path::{Path, PathBuf};

use corpus::{Corpus, Vocab};
use hashbrown::{DefaultHashBuilder, HashMap};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};
use vecstore::{Format, KeyedVectors, WriteOptions};

use crate::error::{Error, Result};
use crate::params::Params;
use crate::train::{self, Progress, TrainReport};
use crate::weights::Weights;

/// A word2vec model, like gensim's `Word2Vec`: build the vocabulary from a
/// corpus, train (and train again for more epochs), take the vectors as
/// [`KeyedVectors`], save and load the whole model.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("corpus.txt");
/// # std::fs::write(&path, "the cat sat on the mat the dog sat on the log ".repeat(50)).unwrap();
/// use embed::{Params, Word2Vec};
///
/// let corpus = corpus::Corpus::text8(&path);
/// let params = Params { vector_size: 16, min_count: 1, workers: 1, ..Params::default() };
/// let mut model = Word2Vec::build_vocab(&corpus, params)?;
/// let report = model.train(&corpus, 5, &mut |_| {})?;
/// assert_eq!(report.raw_words, 5 * 600);
/// let wv = model.wv();
/// assert_eq!((wv.len(), wv.dim()), (7, 16));
/// # Ok::<(), embed::Error>(())
/// ```
pub struct Word2Vec {
    pub(crate) params: Params,
    pub(crate) words: Vec<String>,
    pub(crate) counts: Vec<u64>,
    pub(crate) index: HashMap<Box<str>, u32, DefaultHashBuilder>,
    /// Raw words in one pass over the training corpus.
    pub(crate) corpus_words: u64,
    /// Input vectors (gensim's `wv.vectors`).
    pub(crate) syn0: Weights,
    /// Output weights of negative sampling.
    pub(crate) syn1neg: Option<Weights>,
    /// Output weights of hierarchical softmax (one row per inner node).
    pub(crate) syn1: Option<Weights>,
    pub(crate) epochs_trained: usize,
    /// Columns of the output weights: the vector size, or Doc2Vec's
    /// concatenated context (`dm_concat`).
    pub(crate) output_dim: usize,
}

/// How a model's matrices are laid out beyond word2vec's: Doc2Vec's
/// document rows, the null word and the output width of `dm_concat`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// Input rows after the words (document vectors).
    pub(crate) doc_rows: u64,
    /// Add gensim's null word `'\0'` (count 1) to the vocabulary.
    pub(crate) null_word: bool,
    /// Columns of the output weights, if not the vector size.
    pub(crate) output_dim: Option<usize>,
}

/// gensim's null word, which pads `dm_concat` windows.
pub(crate) const NULL_WORD: &str = "\0";

/// Output matrices of a model being assembled, `dim` columns each; those
/// not given start at zero.
struct Outputs {
    dim: usize,
    syn1neg: Option<Weights>,
    syn1: Option<Weights>,
}

impl Word2Vec {
    /// Builds the vocabulary of `corpus` (gensim's `build_vocab`) and
    /// initialises the weights: input vectors uniform in `[-1/dim, 1/dim)` from
    /// `params.seed`, output weights zero.
    pub fn build_vocab(corpus: &Corpus, params: Params) -> Result<Self> {
        params.validate()?;
        let vocab = Vocab::build_with(corpus, &params.vocab_options())?;
        Self::from_vocab(params, &vocab, &Layout::default())
    }

    /// A model of `vocab`'s words (and the null word, if `layout` asks),
    /// its weights initialised: input vectors uniform in `[-1/dim, 1/dim)`
    /// from `params.seed`, then `layout.doc_rows` more input rows
    /// (Doc2Vec's document vectors) from `params.seed + 7919`, as gensim
    /// seeds `dv`; output weights zero. Fails on an empty vocabulary, or
    /// matrices this machine cannot hold.
    pub(crate) fn from_vocab(params: Params, vocab: &Vocab, layout: &Layout) -> Result<Self> {
        if vocab.is_empty() {
            return Err(Error::EmptyVocab {
                min_count: vocab.stats().effective_min_count,
            });
        }
        log::info!(
            "vocabulary: {} words kept of {} distinct, {} of {} corpus words",
            vocab.len(),
            vocab.stats().unique_words,
            vocab.stats().retained_words,
            vocab.stats().raw_words
        );
        let d = params.vector_size;
        let output_dim = layout.output_dim.unwrap_or(d);
        let mut words = vocab.words().to_vec();
        let mut counts = vocab.counts().to_vec();
        if layout.null_word {
            // gensim adds '\0' with count 1 after min_count, then sorts by
            // descending count; inserted last, it leads the words of count 1.
            let at = counts.partition_point(|&c| c > 1);
            words.insert(at, NULL_WORD.into());
            counts.insert(at, 1);
        }
        check_memory(words.len(), layout.doc_rows, output_dim, &params)?;
        let doc_rows = layout.doc_rows as usize;
        let uniform = |seed: u64, rows: usize| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            (0..rows * d).map(move |_| (rng.random::<f32>() * 2.0 - 1.0) / d as f32)
        };
        let syn0 = Weights::from_values(
            uniform(params.seed, words.len())
                .chain(uniform(params.seed.wrapping_add(7919), doc_rows)),
            d,
        );
        Ok(Self::assemble(
            params,
            words,
            counts,
            vocab.stats().raw_words,
            syn0,
            Outputs {
                dim: output_dim,
                syn1neg: None,
                syn1: None,
            },
            0,
        ))
    }

    /// Builds the vocabulary and trains `params.epochs` epochs, as gensim's
    /// `Word2Vec(corpus, ...)` constructor does.
    pub fn new(
        corpus: &Corpus,
        params: Params,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(Self, TrainReport)> {
        let epochs = params.epochs;
        let mut model = Self::build_vocab(corpus, params)?;
        let report = model.train(corpus, epochs, progress)?;
        Ok((model, report))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        params: Params,
        words: Vec<String>,
        counts: Vec<u64>,
        corpus_words: u64,
        syn0: Weights,
        outputs: Outputs,
        epochs_trained: usize,
    ) -> Self {
        let n = words.len();
        let Outputs {
            dim: d,
            syn1neg,
            syn1,
        } = outputs;
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (Box::from(w.as_str()), i as u32))
            .collect();
        let syn1neg = syn1neg.or_else(|| (params.negative > 0).then(|| Weights::zeros(n, d)));
        let syn1 = syn1.or_else(|| {
            params
                .hs
                .then(|| Weights::zeros(n.saturating_sub(1).max(1), d))
        });
        Word2Vec {
            params,
            words,
            counts,
            index,
            corpus_words,
            syn0,
            syn1neg,
            syn1,
            epochs_trained,
            output_dim: d,
        }
    }

    /// Trains `epochs` passes over `corpus` (which should be the corpus the
    /// vocabulary came from), the learning rate falling linearly from
    /// `alpha` to `min_alpha` over them. Calls `progress` about every 0.2 s.
    ///
    /// With one worker and a given seed, training is bit-for-bit
    /// reproducible; with more, threads race on shared rows (Hogwild), as in
    /// word2vec.c and gensim.
    pub fn train(
        &mut self,
        corpus: &Corpus,
        epochs: usize,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<TrainReport> {
        crate::params::check_epochs(epochs)?;
        let report = train::train(self.view(), corpus, epochs, progress)?;
        self.epochs_trained += epochs;
        Ok(report)
    }

    /// What training reads and updates: the parameters, vocabulary and weights.
    pub(crate) fn view(&self) -> train::ModelView<'_> {
        train::ModelView {
            params: &self.params,
            counts: &self.counts,
            index: &self.index,
            corpus_words: self.corpus_words,
            syn0: &self.syn0,
            syn1neg: self.syn1neg.as_ref(),
            syn1: self.syn1.as_ref(),
            epochs_trained: self.epochs_trained,
            docs: None,
        }
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The vocabulary, most frequent word first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Each word's corpus count.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Epochs trained so far, over all calls to `train`.
    pub fn epochs_trained(&self) -> usize {
        self.epochs_trained
    }

    /// A copy of the word vectors, with counts (gensim's `model.wv`).
    pub fn wv(&self) -> KeyedVectors {
        KeyedVectors::from_parts(
            self.words.clone(),
            self.syn0.rows_to_array(0..self.words.len()),
            Some(self.counts.clone()),
        )
        .expect("the vocabulary has unique words and one row each")
    }

    /// Saves the model: `path` itself is the word vectors in the native
    /// format (so `KeyedVectors::load(path)` maps them), beside it
    /// `<path>.syn1neg` and/or `<path>.syn1` hold the output weights, and
    /// `<path>.json` the parameters.
    ///
    /// The files are saved together ([`atomic_file::FileSet`]): each is
    /// written whole to a temporary directory beside `path`, then they are
    /// renamed into place, the metadata last. A crash while writing leaves
    /// the previous model untouched; only a crash in the microseconds
    /// between two renames leaves files of both saves.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut files = atomic_file::FileSet::new(path)?;
        self.save_into(&mut files, path)?;
        files.commit()?;
        Ok(())
    }

    /// Stages the files of [`Word2Vec::save`] to `path` in `files`, to be
    /// committed with others that belong with them (an export of the
    /// vectors, say): all appear, or none.
    pub fn save_into(&self, files: &mut atomic_file::FileSet, path: &Path) -> Result<()> {
        let options = WriteOptions::default();
        vecstore::write(&self.wv(), &files.stage(path)?, Format::Native, &options)?;
        if let Some(syn1neg) = &self.syn1neg {
            let kv = KeyedVectors::from_parts(self.words.clone(), syn1neg.to_array(), None)?;
            let staged = files.stage(&sibling(path, "syn1neg"))?;
            vecstore::write(&kv, &staged, Format::Native, &options)?;
        }
        if let Some(syn1) = &self.syn1 {
            let nodes = (0..syn1.rows()).map(|i| format!("node{i}")).collect();
            let kv = KeyedVectors::from_parts(nodes, syn1.to_array(), None)?;
            let staged = files.stage(&sibling(path, "syn1"))?;
            vecstore::write(&kv, &staged, Format::Native, &options)?;
        }
        let meta = Meta {
            format: META_FORMAT.into(),
            params: self.params.clone(),
            corpus_words: self.corpus_words,
            epochs_trained: self.epochs_trained,
            output_dim: (self.output_dim != self.params.vector_size).then_some(self.output_dim),
        };
        write_metadata(files, &sibling(path, "json"), &meta)
    }

    /// Every file [`Word2Vec::save`] to `path` may write: `path` and the
    /// `.syn1neg`, `.syn1` and `.json` beside it; for checking outputs
    /// before training.
    pub fn files(path: &Path) -> Vec<PathBuf> {
        let mut files = vec![path.to_path_buf()];
        files.extend(["syn1neg", "syn1", "json"].map(|suffix| sibling(path, suffix)));
        files
    }

    /// Loads a model saved by [`Word2Vec::save`], ready to train further.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta_path = sibling(path, "json");
        let bad = |message: String| Error::Model {
            path: meta_path.clone(),
            message,
        };
        let meta: Meta = read_metadata(
            &meta_path,
            "model metadata",
            |m: &Meta| &m.format,
            META_FORMAT,
        )?;
        meta.params.validate()?;
        let wv = KeyedVectors::load(path)?;
        let d = meta.params.vector_size;
        if wv.dim() != d {
            return Err(bad(format!(
                "vectors have {} dimensions, parameters say {d}",
                wv.dim()
            )));
        }
        let counts = wv
            .counts()
            .ok_or_else(|| bad("the vectors carry no counts".into()))?
            .to_vec();
        let words = wv.index_to_key().to_vec();
        let output_dim = meta.output_dim.unwrap_or(d);
        let load_output = |suffix: &str, rows: usize| -> Result<Weights> {
            let kv = KeyedVectors::load(sibling(path, suffix))?;
            if kv.vectors().dim() != (rows, output_dim) {
                return Err(bad(format!(
                    "{suffix} is {:?}, expected ({rows}, {output_dim})",
                    kv.vectors().dim()
                )));
            }
            Ok(Weights::from_values(
                kv.vectors().iter().copied(),
                output_dim,
            ))
        };
        let n = words.len();
        let syn1neg = (meta.params.negative > 0)
            .then(|| load_output("syn1neg", n))
            .transpose()?;
        let syn1 = meta
            .params
            .hs
            .then(|| load_output("syn1", n.saturating_sub(1).max(1)))
            .transpose()?;
        let syn0 = Weights::from_values(wv.vectors().iter().copied(), d);
        Ok(Self::assemble(
            meta.params,
            words,
            counts,
            meta.corpus_words,
            syn0,
            Outputs {
                dim: output_dim,
                syn1neg,
                syn1,
            },
            meta.epochs_trained,
        ))
    }
}

impl std::fmt::Display for Word2Vec {
    /// gensim's `str(model)`: `Word2Vec<vocab=71290, vector_size=100, alpha=0.05>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Word2Vec<vocab={}, vector_size={}, alpha={}>",
            self.words.len(),
            self.params.vector_size,
            self.params.alpha
        )
    }
}

impl std::fmt::Debug for Word2Vec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Word2Vec")
            .field("params", &self.params)
            .field("vocab", &self.words.len())
            .field("epochs_trained", &self.epochs_trained)
            .finish()
    }
}

const META_FORMAT: &str = "w2v-annoy word2vec model 1";

/// The `<path>.json` file of a saved model.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    format: String,
    params: Params,
    corpus_words: u64,
    epochs_trained: usize,
    /// Columns of the output weights when not `params.vector_size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    output_dim: Option<usize>,
}

/// Reads the JSON metadata file of a saved model, checking that its format
/// string (`format_of`) is `format`; `what` names the file's kind in errors.
pub(crate) fn read_metadata<T: serde::de::DeserializeOwned>(
    meta_path: &Path,
    what: &str,
    format_of: fn(&T) -> &String,
    format: &str,
) -> Result<T> {
    let text = std::fs::read(meta_path).map_err(|e| Error::Io {
        op: "read",
        path: meta_path.to_path_buf(),
        source: e,
    })?;
    let bad = |message: String| Error::Model {
        path: meta_path.to_path_buf(),
        message,
    };
    let meta: T = serde_json::from_slice(&text).map_err(|e| bad(format!("not {what}: {e}")))?;
    if format_of(&meta) != format {
        return Err(bad(format!("unknown model format {:?}", format_of(&meta))));
    }
    Ok(meta)
}

/// Stages `meta` as pretty JSON at `meta_path` in `files`.
pub(crate) fn write_metadata<T: Serialize>(
    files: &mut atomic_file::FileSet,
    meta_path: &Path,
    meta: &T,
) -> Result<()> {
    let json = serde_json::to_vec_pretty(meta).expect("metadata serialises");
    let staged = files.stage(meta_path)?;
    atomic_file::write_file(&staged, |out| std::io::Write::write_all(out, &json))?;
    Ok(())
}

/// Fails, before anything is allocated, if the matrices of a model of
/// `words` words and `doc_rows` document vectors with `params` cannot be
/// allocated: their size overflows, the rows do not fit 32-bit ids, or
/// the allocator refuses it (tried, and released at once: no page is
/// touched).
fn check_memory(words: usize, doc_rows: u64, output_dim: usize, params: &Params) -> Result<()> {
    let outputs = usize::from(params.negative > 0) + usize::from(params.hs);
    let rows = usize::try_from(doc_rows)
        .ok()
        .and_then(|docs| docs.checked_add(words))
        .filter(|&rows| u32::try_from(rows).is_ok());
    let bytes = rows.and_then(|rows| {
        let floats = words
            .checked_mul(outputs)?
            .checked_mul(output_dim)?
            .checked_add(rows.checked_mul(params.vector_size)?)?;
        floats.checked_mul(4)
    });
    let fits = bytes.is_some_and(|bytes| {
        physical_memory().is_none_or(|total| bytes as u64 <= total)
            && Vec::<u8>::new().try_reserve_exact(bytes).is_ok()
    });
    if fits {
        return Ok(());
    }
    Err(Error::Param {
        name: "vector_size",
        reason: format!(
            "{words} words and {doc_rows} documents x {} dimensions ({outputs} output matrices) of f32 need {} bytes, more than this machine can allocate{}",
            params.vector_size,
            bytes.map_or_else(|| "over 2^64".to_string(), |b| b.to_string()),
            if rows.is_none() { " (or over 2^32 rows)" } else { "" }
        ),
    })
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), where
/// known: the allocator's own refusal comes too late on systems that
/// overcommit.
fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `<path>.<suffix>`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}
