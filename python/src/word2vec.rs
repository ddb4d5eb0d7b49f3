//! `Word2Vec`: gensim's class over [`embed::Word2Vec`].
//!
//! Training streams a corpus file. A `Text8Corpus`, a `LineSentence` or a
//! `corpus_file` is read directly; any other iterable of token lists is
//! written once to a temporary line corpus ([`corpus::LineWriter`]) that
//! lives as long as the model, then streamed like a file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use embed::{Architecture, Params};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::corpus_py::{LineSentence, Text8Corpus};
use crate::errors;
use crate::keyed_vectors::KeyedVectors;

/// A corpus to train on, and the temporary directory holding it when it
/// was written from a Python iterable.
struct Source {
    corpus: corpus::Corpus,
    _dir: Option<tempfile::TempDir>,
}

/// The corpus of `corpus_iterable` or `corpus_file` (exactly one).
fn source(
    py: Python<'_>,
    corpus_iterable: Option<&Bound<'_, PyAny>>,
    corpus_file: Option<PathBuf>,
) -> PyResult<Source> {
    let corpus_iterable = corpus_iterable.filter(|c| !c.is_none());
    match (corpus_iterable, corpus_file) {
        (Some(_), Some(_)) => Err(PyTypeError::new_err(
            "You must not provide both corpus_iterable and corpus_file",
        )),
        (None, None) => Err(PyTypeError::new_err(
            "You must provide either corpus_iterable or corpus_file",
        )),
        (None, Some(path)) => Ok(Source {
            corpus: corpus::Corpus::lines(path),
            _dir: None,
        }),
        (Some(iterable), None) => {
            if let Ok(text8) = iterable.cast::<Text8Corpus>() {
                return Ok(Source {
                    corpus: text8.get().corpus.clone(),
                    _dir: None,
                });
            }
            if let Ok(lines) = iterable.cast::<LineSentence>() {
                return Ok(Source {
                    corpus: lines.get().corpus.clone(),
                    _dir: None,
                });
            }
            if iterable.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(
                    "sentences must be an iterable of lists of str, not a str",
                ));
            }
            let dir = tempfile::Builder::new()
                .prefix("w2v_annoy-")
                .tempdir()
                .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
            let path = dir.path().join("sentences.txt");
            let mut writer = corpus::LineWriter::create(&path).map_err(errors::corpus)?;
            for sentence in iterable.try_iter()? {
                let sentence = sentence?;
                if sentence.is_instance_of::<PyString>() {
                    return Err(PyTypeError::new_err(
                        "each sentence must be a list of str (tokens), not a str",
                    ));
                }
                let words: Vec<String> = sentence.extract().map_err(|_| {
                    PyTypeError::new_err("each sentence must be a list of str (tokens)")
                })?;
                writer
                    .write_sentence(words.iter().map(String::as_str))
                    .map_err(errors::corpus)?;
            }
            py.detach(|| writer.finish()).map_err(errors::corpus)?;
            Ok(Source {
                corpus: corpus::Corpus::lines(path),
                _dir: Some(dir),
            })
        }
    }
}

/// Logs training progress to the `w2v_annoy` logger about once a second.
pub(crate) fn progress_logger() -> impl FnMut(&embed::Progress) {
    let mut last = Instant::now();
    move |p: &embed::Progress| {
        if last.elapsed() >= Duration::from_secs(1) {
            last = Instant::now();
            log::info!(
                target: "word2vec",
                "EPOCH {} - PROGRESS: at {:.2}% of this call, {:.0} words/s, alpha {:.5}",
                p.epoch + 1,
                p.fraction * 100.0,
                p.words_per_sec,
                p.alpha
            );
        }
    }
}

/// A word2vec model (gensim's ``Word2Vec``), with gensim's parameters and
/// defaults: skip-gram (``sg=1``) or CBOW, negative sampling and/or
/// hierarchical softmax, trained on all ``workers`` threads with the GIL
/// released.
///
/// ``sentences`` is any iterable of token lists (read once and kept in a
/// temporary file), a ``Text8Corpus`` / ``LineSentence`` (streamed from
/// their file), or give ``corpus_file`` (one sentence per line).
#[pyclass(module = "w2v_annoy", name = "Word2Vec")]
pub struct Word2Vec {
    model: Option<embed::Word2Vec>,
    params: Params,
    source: Option<Source>,
    wv: Option<Py<KeyedVectors>>,
}

impl Word2Vec {
    fn model(&self) -> PyResult<&embed::Word2Vec> {
        self.model.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err("you must first build vocabulary before training the model")
        })
    }

    /// The vectors as a `KeyedVectors`, made once per training.
    pub(crate) fn wv(&mut self, py: Python<'_>) -> PyResult<Py<KeyedVectors>> {
        if let Some(wv) = &self.wv {
            return Ok(wv.clone_ref(py));
        }
        let kv = self.model()?.wv();
        let wv = Py::new(py, KeyedVectors::wrap(Arc::new(kv)))?;
        self.wv = Some(wv.clone_ref(py));
        Ok(wv)
    }

    fn build(&mut self, py: Python<'_>, source: Source) -> PyResult<()> {
        let params = self.params.clone();
        let model = py
            .detach(|| embed::Word2Vec::build_vocab(&source.corpus, params))
            .map_err(errors::embed)?;
        self.model = Some(model);
        self.source = Some(source);
        self.wv = None;
        Ok(())
    }

    fn train_on(&mut self, py: Python<'_>, epochs: usize) -> PyResult<(u64, u64)> {
        let source = self
            .source
            .as_ref()
            .ok_or_else(|| PyValueError::new_err("no corpus to train on"))?;
        let model = self.model.as_mut().ok_or_else(|| {
            PyRuntimeError::new_err("you must first build vocabulary before training the model")
        })?;
        let report = py
            .detach(|| model.train(&source.corpus, epochs, &mut progress_logger()))
            .map_err(errors::embed)?;
        self.wv = None;
        log::info!(
            target: "word2vec",
            "training on {} raw words ({} effective words) took {:.1}s, {:.0} effective words/s",
            report.raw_words,
            report.effective_words,
            report.seconds,
            report.effective_words as f64 / report.seconds.max(1e-9)
        );
        Ok((report.effective_words, report.raw_words))
    }
}

#[pymethods]
impl Word2Vec {
    /// gensim's constructor: with ``sentences`` or ``corpus_file``, builds
    /// the vocabulary and trains ``epochs`` epochs at once.
    #[new]
    #[pyo3(signature = (sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5, min_count=5, max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=None, epochs=5, null_word=0, trim_rule=None, sorted_vocab=1, batch_words=10000, compute_loss=false, callbacks=None, comment=None, max_final_vocab=None, shrink_windows=true))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        sentences: Option<&Bound<'_, PyAny>>,
        corpus_file: Option<PathBuf>,
        vector_size: usize,
        alpha: f32,
        window: usize,
        min_count: u64,
        max_vocab_size: Option<usize>,
        sample: f64,
        seed: u64,
        workers: usize,
        min_alpha: f32,
        sg: i64,
        hs: i64,
        negative: usize,
        ns_exponent: f64,
        cbow_mean: i64,
        hashfxn: Option<&Bound<'_, PyAny>>,
        epochs: usize,
        null_word: i64,
        trim_rule: Option<&Bound<'_, PyAny>>,
        sorted_vocab: i64,
        batch_words: usize,
        compute_loss: bool,
        callbacks: Option<&Bound<'_, PyAny>>,
        comment: Option<&str>,
        max_final_vocab: Option<usize>,
        shrink_windows: bool,
    ) -> PyResult<Self> {
        let _ = (hashfxn, batch_words, comment);
        let callbacks = callbacks.filter(|c| !c.is_none() && c.len().map_or(true, |n| n > 0));
        if trim_rule.is_some_and(|t| !t.is_none())
            || callbacks.is_some()
            || compute_loss
            || null_word != 0
            || sorted_vocab == 0
        {
            return Err(PyValueError::new_err(
                "trim_rule, callbacks, compute_loss, null_word and sorted_vocab=0 are not supported",
            ));
        }
        let params = Params {
            vector_size,
            alpha,
            min_alpha,
            window,
            min_count,
            max_vocab_size,
            max_final_vocab,
            sample,
            seed,
            workers,
            architecture: if sg != 0 {
                Architecture::SkipGram
            } else {
                Architecture::Cbow
            },
            cbow_mean: cbow_mean != 0,
            hs: hs != 0,
            negative,
            ns_exponent,
            epochs,
            shrink_windows,
        };
        params.validate().map_err(errors::embed)?;
        let mut model = Word2Vec {
            model: None,
            params,
            source: None,
            wv: None,
        };
        if sentences.is_some_and(|s| !s.is_none()) || corpus_file.is_some() {
            let source = source(py, sentences, corpus_file)?;
            model.build(py, source)?;
            model.train_on(py, epochs)?;
        }
        Ok(model)
    }

    /// Builds the vocabulary from a corpus (gensim's ``build_vocab``) and
    /// initialises the weights.
    #[pyo3(signature = (corpus_iterable=None, corpus_file=None, update=false, progress_per=10000, keep_raw_vocab=false, trim_rule=None))]
    #[allow(clippy::too_many_arguments)]
    fn build_vocab(
        &mut self,
        py: Python<'_>,
        corpus_iterable: Option<&Bound<'_, PyAny>>,
        corpus_file: Option<PathBuf>,
        update: bool,
        progress_per: usize,
        keep_raw_vocab: bool,
        trim_rule: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let _ = (progress_per, keep_raw_vocab);
        if update || trim_rule.is_some_and(|t| !t.is_none()) {
            return Err(PyValueError::new_err(
                "update=True and trim_rule are not supported",
            ));
        }
        let source = source(py, corpus_iterable, corpus_file)?;
        self.build(py, source)
    }

    /// Trains ``epochs`` more epochs (gensim's ``train``; ``epochs`` is
    /// required, as there). Returns ``(effective_words, raw_words)``.
    /// Without a corpus, the one the vocabulary was built from is used.
    #[pyo3(signature = (corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2, report_delay=1.0, compute_loss=false, callbacks=None))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        &mut self,
        py: Python<'_>,
        corpus_iterable: Option<&Bound<'_, PyAny>>,
        corpus_file: Option<PathBuf>,
        total_examples: Option<u64>,
        total_words: Option<u64>,
        epochs: Option<usize>,
        start_alpha: Option<f32>,
        end_alpha: Option<f32>,
        word_count: u64,
        queue_factor: usize,
        report_delay: f64,
        compute_loss: bool,
        callbacks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(u64, u64)> {
        let _ = (
            total_examples,
            total_words,
            word_count,
            queue_factor,
            report_delay,
        );
        let callbacks = callbacks.filter(|c| !c.is_none() && c.len().map_or(true, |n| n > 0));
        if start_alpha.is_some() || end_alpha.is_some() || compute_loss || callbacks.is_some() {
            return Err(PyValueError::new_err(
                "start_alpha, end_alpha, compute_loss and callbacks are not supported",
            ));
        }
        let epochs = epochs
            .ok_or_else(|| PyValueError::new_err("You must specify an explicit epochs count."))?;
        self.model()?;
        if corpus_iterable.is_some_and(|c| !c.is_none()) || corpus_file.is_some() {
            self.source = Some(source(py, corpus_iterable, corpus_file)?);
        }
        self.train_on(py, epochs)
    }

    /// The word vectors (a ``KeyedVectors``; a snapshot taken after the
    /// last training).
    #[getter(wv)]
    fn get_wv(&mut self, py: Python<'_>) -> PyResult<Py<KeyedVectors>> {
        self.wv(py)
    }

    /// Saves the model: ``fname`` holds the vectors in the native format
    /// (``KeyedVectors.load(fname)`` maps them), with the output weights
    /// and parameters beside it (not a pickle).
    fn save(&self, py: Python<'_>, fname: PathBuf) -> PyResult<()> {
        let model = self.model()?;
        py.detach(|| model.save(&fname)).map_err(errors::embed)
    }

    /// Loads a model saved by ``save``, ready to ``train`` further (pass
    /// the corpus to ``train``).
    #[classmethod]
    fn load(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        fname: PathBuf,
    ) -> PyResult<Self> {
        let model = py
            .detach(|| embed::Word2Vec::load(&fname))
            .map_err(errors::embed)?;
        Ok(Word2Vec {
            params: model.params().clone(),
            model: Some(model),
            source: None,
            wv: None,
        })
    }

    /// The vectors' dimension.
    #[getter]
    fn vector_size(&self) -> usize {
        self.params.vector_size
    }

    /// Epochs per training call made by the constructor.
    #[getter]
    fn epochs(&self) -> usize {
        self.params.epochs
    }

    /// 1 for skip-gram, 0 for CBOW.
    #[getter]
    fn sg(&self) -> i64 {
        i64::from(self.params.architecture == Architecture::SkipGram)
    }

    /// 1 with hierarchical softmax.
    #[getter]
    fn hs(&self) -> i64 {
        i64::from(self.params.hs)
    }

    /// Negative samples per word.
    #[getter]
    fn negative(&self) -> usize {
        self.params.negative
    }

    /// The context window.
    #[getter]
    fn window(&self) -> usize {
        self.params.window
    }

    /// The minimum word count.
    #[getter]
    fn min_count(&self) -> u64 {
        self.params.min_count
    }

    /// The initial learning rate.
    #[getter]
    fn alpha(&self) -> f32 {
        self.params.alpha
    }

    /// The final learning rate.
    #[getter]
    fn min_alpha(&self) -> f32 {
        self.params.min_alpha
    }

    /// The downsampling threshold.
    #[getter]
    fn sample(&self) -> f64 {
        self.params.sample
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.params.seed
    }

    /// Training threads.
    #[getter]
    fn workers(&self) -> usize {
        self.params.workers
    }

    /// Epochs trained so far.
    #[getter]
    fn epochs_trained(&self) -> usize {
        self.model
            .as_ref()
            .map_or(0, embed::Word2Vec::epochs_trained)
    }

    fn __repr__(&self) -> String {
        format!(
            "Word2Vec<vocab={}, vector_size={}, alpha={}>",
            self.model.as_ref().map_or(0, |m| m.words().len()),
            self.params.vector_size,
            self.params.alpha
        )
    }
}
