//! `Doc2Vec` and `TaggedLineDocument`: gensim's classes over
//! [`embed::Doc2Vec`] and [`corpus::Documents`].
//!
//! Training streams a documents file. A `TaggedLineDocument` or a
//! `corpus_file` is read directly (tag = line number); any other iterable
//! of `TaggedDocument(words, tags)` is written once to a temporary file
//! ([`corpus::DocumentWriter`], which keeps `int` and `str` tags apart)
//! that lives as long as the model, then streamed like a file.

use std::path::PathBuf;
use std::sync::Arc;

use corpus::Tag;
use embed::{Doc2VecParams, Export, Inference, Params};
use numpy::PyArray1;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

use crate::errors;
use crate::keyed_vectors::KeyedVectors;
use crate::word2vec::progress_logger;

/// The documents to train on, the temporary directory holding them when
/// they were written from a Python iterable, and their number when known.
struct Source {
    documents: corpus::Documents,
    count: Option<u64>,
    _dir: Option<tempfile::TempDir>,
}

/// The tags of one document: `int` (a row number, as gensim) or `str`.
fn tags(doc: usize, tags: &Bound<'_, PyAny>) -> PyResult<Vec<Tag>> {
    if tags.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "document {doc}: tags must be a list of int or str tags, not a str"
        )));
    }
    tags.try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "document {doc}: tags must be a list of int or str tags"
            ))
        })?
        .map(|tag| {
            let tag = tag?;
            if tag.is_instance_of::<PyString>() {
                return Ok(Tag::Key(tag.extract()?));
            }
            if let Ok(n) = tag.extract::<i64>() {
                return u64::try_from(n).map(Tag::Int).map_err(|_| {
                    PyValueError::new_err(format!(
                        "document {doc}: the int tag {n} is negative: int tags are row numbers"
                    ))
                });
            }
            Err(PyTypeError::new_err(format!(
                "document {doc}: a tag is an int or a str, not {}",
                tag.get_type().name()?
            )))
        })
        .collect()
}

/// The documents of `corpus_iterable` or `corpus_file` (exactly one), with
/// gensim's errors.
fn source(
    py: Python<'_>,
    corpus_iterable: Option<&Bound<'_, PyAny>>,
    corpus_file: Option<PathBuf>,
) -> PyResult<Source> {
    let corpus_iterable = corpus_iterable.filter(|c| !c.is_none());
    match (corpus_iterable, corpus_file) {
        (Some(_), Some(_)) => Err(PyTypeError::new_err(
            "Both corpus_file and corpus_iterable must not be provided at the same time",
        )),
        (None, None) => Err(PyTypeError::new_err(
            "Either one of corpus_file or corpus_iterable value must be provided",
        )),
        (None, Some(path)) => Ok(Source {
            documents: corpus::Documents::lines(path),
            count: None,
            _dir: None,
        }),
        (Some(iterable), None) => {
            if let Ok(lines) = iterable.cast::<TaggedLineDocument>() {
                return Ok(Source {
                    documents: lines.get().documents.clone(),
                    count: None,
                    _dir: None,
                });
            }
            if iterable.is_instance_of::<PyString>() || iterable.hasattr("words")? {
                return Err(PyTypeError::new_err(format!(
                    "corpus_iterable must be an iterable of TaggedDocument, got {} instead",
                    iterable.repr()?
                )));
            }
            let dir = tempfile::Builder::new()
                .prefix("w2v_annoy-")
                .tempdir()
                .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
            let path = dir.path().join("documents.txt");
            let mut writer = corpus::DocumentWriter::create(&path).map_err(errors::corpus)?;
            for (n, doc) in iterable.try_iter()?.enumerate() {
                let doc = doc?;
                let (Ok(words), Ok(doc_tags)) = (doc.getattr("words"), doc.getattr("tags")) else {
                    return Err(PyTypeError::new_err(format!(
                        "document {n}: expected a TaggedDocument(words, tags), got {}",
                        doc.get_type().name()?
                    )));
                };
                if words.is_instance_of::<PyString>() {
                    return Err(PyTypeError::new_err(format!(
                        "document {n}: words must be a list of str (tokens), not a str"
                    )));
                }
                let words: Vec<String> = words.extract().map_err(|_| {
                    PyTypeError::new_err(format!("document {n}: words must be a list of str"))
                })?;
                writer
                    .write_document(&tags(n, &doc_tags)?, words.iter().map(String::as_str))
                    .map_err(errors::corpus)?;
            }
            let count = py.detach(|| writer.finish()).map_err(errors::corpus)?;
            Ok(Source {
                documents: corpus::Documents::typed(path),
                count: Some(count),
                _dir: Some(dir),
            })
        }
    }
}

/// gensim's ``TaggedDocument(words, tags)`` namedtuple, defined in
/// `w2v_annoy/models/doc2vec.py`.
fn tagged_document_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.import(py, "w2v_annoy.models.doc2vec", "TaggedDocument")
}

/// Documents of a file with one document per line, words separated by
/// whitespace, each tagged with its line number from 0 (gensim's
/// ``TaggedLineDocument``); iterating yields ``TaggedDocument(words,
/// [line])``. ``Doc2Vec`` reads the file directly. Plain, ``.gz`` or
/// ``.zip``.
#[pyclass(frozen, module = "w2v_annoy", name = "TaggedLineDocument")]
pub struct TaggedLineDocument {
    documents: corpus::Documents,
    source: PathBuf,
}

/// One pass over a documents file, yielding ``TaggedDocument``s.
#[pyclass(module = "w2v_annoy")]
pub struct DocumentIterator {
    reader: std::sync::Mutex<(corpus::DocumentReader, corpus::Document)>,
}

#[pymethods]
impl TaggedLineDocument {
    #[new]
    fn new(source: PathBuf) -> Self {
        TaggedLineDocument {
            documents: corpus::Documents::lines(&source),
            source,
        }
    }

    /// The file.
    #[getter]
    fn source(&self) -> PathBuf {
        self.source.clone()
    }

    fn __iter__(&self) -> PyResult<DocumentIterator> {
        Ok(DocumentIterator {
            reader: std::sync::Mutex::new((
                self.documents.reader().map_err(errors::corpus)?,
                corpus::Document::default(),
            )),
        })
    }
}

#[pymethods]
impl DocumentIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut guard = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (reader, doc) = &mut *guard;
        if !reader.read_document(doc).map_err(errors::corpus)? {
            return Ok(None);
        }
        let tags = doc
            .tags
            .iter()
            .map(|tag| match tag {
                Tag::Int(n) => Ok(n.into_pyobject(py)?.into_any()),
                Tag::Key(key) => Ok(PyString::new(py, key).into_any()),
            })
            .collect::<PyResult<Vec<_>>>()?;
        let class = tagged_document_class(py)?;
        Ok(Some(class.call1((doc.words.clone(), tags))?))
    }
}

/// A Doc2Vec model (gensim's ``Doc2Vec``), with gensim 4's parameters and
/// defaults: PV-DM (``dm=1``, the mean of the context unless
/// ``dm_mean=0``/``cbow_mean=0``, or with ``dm_concat=1`` the tags and the
/// whole window side by side) or PV-DBOW (``dm=0``, with ``dbow_words=1``
/// also training word vectors), negative sampling and/or
/// hierarchical softmax, trained on ``workers`` threads with the GIL
/// released.
///
/// ``documents`` is any iterable of ``TaggedDocument(words, tags)`` (tags
/// ``int`` or ``str``, one or more per document; read once and kept in a
/// temporary file) or a ``TaggedLineDocument``; or give ``corpus_file``
/// (one document per line, tagged by line number). ``dv`` holds the
/// document vectors keyed by tag, ``wv`` the word vectors.
#[pyclass(module = "w2v_annoy", name = "Doc2Vec")]
pub struct Doc2Vec {
    model: Option<embed::Doc2Vec>,
    params: Doc2VecParams,
    source: Option<Source>,
    wv: Option<Py<KeyedVectors>>,
    dv: Option<Py<KeyedVectors>>,
}

impl Doc2Vec {
    fn model(&self) -> PyResult<&embed::Doc2Vec> {
        self.model.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err("you must first build vocabulary before training the model")
        })
    }

    /// The document vectors as a `KeyedVectors` (integer tags shown as
    /// ints), made once per training.
    pub(crate) fn dv(&mut self, py: Python<'_>) -> PyResult<Py<KeyedVectors>> {
        if let Some(dv) = &self.dv {
            return Ok(dv.clone_ref(py));
        }
        let model = self.model()?;
        let kv = py.detach(|| model.dv()).map_err(errors::embed)?;
        let int_rows = model.tags().int_rows() as usize;
        let dv = Py::new(py, KeyedVectors::wrap_tags(Arc::new(kv), int_rows))?;
        self.dv = Some(dv.clone_ref(py));
        Ok(dv)
    }

    fn build(&mut self, py: Python<'_>, mut source: Source) -> PyResult<()> {
        let params = self.params.clone();
        let model = py
            .detach(|| embed::Doc2Vec::build_vocab(&source.documents, params))
            .map_err(errors::embed)?;
        if !source.documents.is_tagged() {
            // One document per line, each tagged with its line number.
            source.count = Some(model.tags().int_rows());
        }
        self.model = Some(model);
        self.source = Some(source);
        self.wv = None;
        self.dv = None;
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
            .detach(|| model.train(&source.documents, epochs, &mut progress_logger()))
            .map_err(errors::embed)?;
        self.wv = None;
        self.dv = None;
        log::info!(
            target: "doc2vec",
            "training on {} raw words ({} effective words) took {:.1}s, {:.0} effective words/s",
            report.raw_words,
            report.effective_words,
            report.seconds,
            report.effective_words as f64 / report.seconds.max(1e-9)
        );
        Ok((report.effective_words, report.raw_words))
    }

    /// gensim's `infer_vector` options: `None` or 0 takes the model's value
    /// (gensim's `alpha or self.alpha`).
    fn inference(alpha: Option<f32>, min_alpha: Option<f32>, epochs: Option<usize>) -> Inference {
        Inference {
            alpha: alpha.filter(|&a| a != 0.0),
            min_alpha: min_alpha.filter(|&a| a != 0.0),
            epochs: epochs.filter(|&e| e != 0),
            ..Inference::default()
        }
    }
}

/// The words of a document to infer (gensim refuses a plain str).
fn doc_words(doc_words: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if doc_words.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "Parameter doc_words of infer_vector() must be a list of strings (not a single string).",
        ));
    }
    doc_words
        .try_iter()?
        .map(|w| w?.extract::<String>())
        .collect()
}

#[pymethods]
impl Doc2Vec {
    /// gensim's constructor: with ``documents`` or ``corpus_file``, builds
    /// the vocabulary and trains ``epochs`` epochs at once.
    #[new]
    #[pyo3(signature = (documents=None, corpus_file=None, vector_size=100, dm_mean=None, dm=1, dbow_words=0, dm_concat=0, dm_tag_count=1, dv=None, dv_mapfile=None, comment=None, trim_rule=None, callbacks=None, window=5, epochs=10, shrink_windows=true, *, alpha=0.025, min_alpha=0.0001, min_count=5, max_vocab_size=None, max_final_vocab=None, sample=1e-3, seed=1, workers=3, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, hashfxn=None, sorted_vocab=1, batch_words=10000, compute_loss=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        documents: Option<&Bound<'_, PyAny>>,
        corpus_file: Option<PathBuf>,
        vector_size: usize,
        dm_mean: Option<i64>,
        dm: i64,
        dbow_words: i64,
        dm_concat: i64,
        dm_tag_count: usize,
        dv: Option<&Bound<'_, PyAny>>,
        dv_mapfile: Option<&Bound<'_, PyAny>>,
        comment: Option<&str>,
        trim_rule: Option<&Bound<'_, PyAny>>,
        callbacks: Option<&Bound<'_, PyAny>>,
        window: usize,
        epochs: usize,
        shrink_windows: bool,
        alpha: f32,
        min_alpha: f32,
        min_count: u64,
        max_vocab_size: Option<usize>,
        max_final_vocab: Option<usize>,
        sample: f64,
        seed: u64,
        workers: usize,
        hs: i64,
        negative: usize,
        ns_exponent: f64,
        cbow_mean: i64,
        hashfxn: Option<&Bound<'_, PyAny>>,
        sorted_vocab: i64,
        batch_words: usize,
        compute_loss: bool,
    ) -> PyResult<Self> {
        let _ = (comment, hashfxn, batch_words);
        let callbacks = callbacks.filter(|c| !c.is_none() && c.len().map_or(true, |n| n > 0));
        if trim_rule.is_some_and(|t| !t.is_none())
            || callbacks.is_some()
            || compute_loss
            || sorted_vocab == 0
            || dv.is_some_and(|d| !d.is_none())
            || dv_mapfile.is_some_and(|d| !d.is_none())
        {
            return Err(PyValueError::new_err(
                "trim_rule, callbacks, compute_loss, sorted_vocab=0, dv and dv_mapfile are not supported",
            ));
        }
        let params = Doc2VecParams {
            training: Params {
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
                cbow_mean: dm_mean.unwrap_or(cbow_mean) != 0,
                hs: hs != 0,
                negative,
                ns_exponent,
                epochs,
                shrink_windows,
                ..Params::default()
            },
            dm: dm != 0,
            dbow_words: dbow_words != 0,
            dm_concat: dm_concat != 0,
            dm_tag_count,
        };
        params.validate().map_err(errors::embed)?;
        let mut model = Doc2Vec {
            model: None,
            params,
            source: None,
            wv: None,
            dv: None,
        };
        if documents.is_some_and(|d| !d.is_none()) || corpus_file.is_some() {
            let source = source(py, documents, corpus_file)?;
            model.build(py, source)?;
            model.train_on(py, epochs)?;
        }
        Ok(model)
    }

    /// Builds the word vocabulary and the tag table from documents
    /// (gensim's ``build_vocab``) and initialises the weights.
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
    /// Without documents, those the vocabulary was built from are used;
    /// tags the model lacks are ignored.
    #[pyo3(signature = (corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None, start_alpha=None, end_alpha=None, word_count=0, queue_factor=2, report_delay=1.0, callbacks=None))]
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
        if start_alpha.is_some() || end_alpha.is_some() || callbacks.is_some() {
            return Err(PyValueError::new_err(
                "start_alpha, end_alpha and callbacks are not supported",
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

    /// The vector of a new document (gensim's ``infer_vector``): trained
    /// for ``epochs`` passes against the frozen model, the learning rate
    /// falling from ``alpha`` to ``min_alpha`` (the model's values when
    /// ``None``). Deterministic for a given model and words. Unknown words
    /// are ignored.
    #[pyo3(signature = (doc_words, alpha=None, min_alpha=None, epochs=None))]
    fn infer_vector<'py>(
        &self,
        py: Python<'py>,
        doc_words: &Bound<'_, PyAny>,
        alpha: Option<f32>,
        min_alpha: Option<f32>,
        epochs: Option<usize>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let words = self::doc_words(doc_words)?;
        let model = self.model()?;
        let options = Self::inference(alpha, min_alpha, epochs);
        let vector = py
            .detach(|| model.infer_vector(&words, &options))
            .map_err(errors::embed)?;
        Ok(PyArray1::from_vec(py, vector))
    }

    /// Cosine similarity of the inferred vectors of two new documents
    /// (gensim's ``similarity_unseen_docs``).
    #[pyo3(signature = (doc_words1, doc_words2, alpha=None, min_alpha=None, epochs=None))]
    fn similarity_unseen_docs(
        &self,
        py: Python<'_>,
        doc_words1: &Bound<'_, PyAny>,
        doc_words2: &Bound<'_, PyAny>,
        alpha: Option<f32>,
        min_alpha: Option<f32>,
        epochs: Option<usize>,
    ) -> PyResult<f64> {
        let documents = [self::doc_words(doc_words1)?, self::doc_words(doc_words2)?];
        let model = self.model()?;
        let options = Self::inference(alpha, min_alpha, epochs);
        py.detach(|| {
            let vectors = model
                .infer_vectors(&documents, &options)
                .map_err(errors::embed)?;
            let pair =
                vecstore::KeyedVectors::from_parts(vec!["1".into(), "2".into()], vectors, None)
                    .map_err(errors::vectors)?;
            pair.similarity("1", "2").map_err(errors::vectors)
        })
        .map(f64::from)
    }

    /// The document vectors, keyed by tag (a ``KeyedVectors``: ``int``
    /// tags are row numbers, as in gensim; a snapshot taken after the last
    /// training).
    #[getter(dv)]
    fn get_dv(&mut self, py: Python<'_>) -> PyResult<Py<KeyedVectors>> {
        self.dv(py)
    }

    /// The word vectors (a ``KeyedVectors``; a snapshot taken after the
    /// last training).
    #[getter(wv)]
    fn get_wv(&mut self, py: Python<'_>) -> PyResult<Py<KeyedVectors>> {
        if let Some(wv) = &self.wv {
            return Ok(wv.clone_ref(py));
        }
        let kv = self.model()?.wv();
        let wv = Py::new(py, KeyedVectors::wrap(Arc::new(kv)))?;
        self.wv = Some(wv.clone_ref(py));
        Ok(wv)
    }

    /// gensim's ``save_word2vec_format``: word vectors (``word_vec``)
    /// and/or document vectors (``doctag_vec``, each key ``prefix + tag``)
    /// in one word2vec text or binary file, words first;
    /// ``KeyedVectors.load_word2vec_format`` (here or gensim's) reads it.
    #[pyo3(signature = (fname, doctag_vec=false, word_vec=true, prefix="*dt_", fvocab=None, binary=false))]
    #[allow(clippy::too_many_arguments)]
    fn save_word2vec_format(
        &self,
        py: Python<'_>,
        fname: PathBuf,
        doctag_vec: bool,
        word_vec: bool,
        prefix: &str,
        fvocab: Option<PathBuf>,
        binary: bool,
    ) -> PyResult<()> {
        if fvocab.is_some() {
            return Err(PyValueError::new_err(
                "fvocab is not supported by Doc2Vec.save_word2vec_format: use model.wv.save_word2vec_format(fname, fvocab)",
            ));
        }
        let model = self.model()?;
        let export = Export {
            doctag_vec,
            word_vec,
            prefix,
            binary,
        };
        py.detach(|| model.save_word2vec_format(&fname, &export))
            .map_err(errors::embed)
    }

    /// Saves the model: ``fname`` holds the word vectors in the native
    /// format (``KeyedVectors.load(fname)`` maps them), ``fname.dv`` the
    /// document vectors, with the output weights and parameters beside them
    /// (not a pickle).
    fn save(&self, py: Python<'_>, fname: PathBuf) -> PyResult<()> {
        let model = self.model()?;
        py.detach(|| model.save(&fname)).map_err(errors::embed)
    }

    /// Loads a model saved by ``save``, ready to ``infer_vector`` or to
    /// ``train`` further (pass the documents to ``train``).
    #[classmethod]
    #[pyo3(signature = (fname, mmap=None))]
    fn load(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        fname: PathBuf,
        mmap: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let _ = mmap;
        let model = py
            .detach(|| embed::Doc2Vec::load(&fname))
            .map_err(errors::embed)?;
        Ok(Doc2Vec {
            params: model.params().clone(),
            model: Some(model),
            source: None,
            wv: None,
            dv: None,
        })
    }

    /// The vectors' dimension.
    #[getter]
    fn vector_size(&self) -> usize {
        self.params.training.vector_size
    }

    /// Epochs per training call made by the constructor.
    #[getter]
    fn epochs(&self) -> usize {
        self.params.training.epochs
    }

    /// 1 for PV-DM, 0 for PV-DBOW.
    #[getter]
    fn dm(&self) -> i64 {
        i64::from(self.params.dm)
    }

    /// 1 for PV-DBOW, 0 for PV-DM (gensim's ``dbow``, ``sg``).
    #[getter]
    fn dbow(&self) -> i64 {
        i64::from(!self.params.dm)
    }

    /// 1 when PV-DBOW also trains word vectors.
    #[getter]
    fn dbow_words(&self) -> i64 {
        i64::from(self.params.dbow_words)
    }

    /// 1 for PV-DM over the mean of the context, 0 for its sum.
    #[getter]
    fn cbow_mean(&self) -> i64 {
        i64::from(self.params.training.cbow_mean)
    }

    /// 1 for PV-DM over the concatenated context (tags and the whole
    /// window side by side).
    #[getter]
    fn dm_concat(&self) -> i64 {
        i64::from(self.params.dm_concat)
    }

    /// ``dm_concat`` only: the tags each document must have.
    #[getter]
    fn dm_tag_count(&self) -> usize {
        self.params.dm_tag_count
    }

    /// 1 with hierarchical softmax.
    #[getter]
    fn hs(&self) -> i64 {
        i64::from(self.params.training.hs)
    }

    /// Negative samples per word.
    #[getter]
    fn negative(&self) -> usize {
        self.params.training.negative
    }

    /// The context window.
    #[getter]
    fn window(&self) -> usize {
        self.params.training.window
    }

    /// The minimum word count.
    #[getter]
    fn min_count(&self) -> u64 {
        self.params.training.min_count
    }

    /// The initial learning rate.
    #[getter]
    fn alpha(&self) -> f32 {
        self.params.training.alpha
    }

    /// The final learning rate.
    #[getter]
    fn min_alpha(&self) -> f32 {
        self.params.training.min_alpha
    }

    /// The downsampling threshold.
    #[getter]
    fn sample(&self) -> f64 {
        self.params.training.sample
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.params.training.seed
    }

    /// Training threads.
    #[getter]
    fn workers(&self) -> usize {
        self.params.training.workers
    }

    /// Epochs trained so far.
    #[getter]
    fn epochs_trained(&self) -> usize {
        self.model
            .as_ref()
            .map_or(0, embed::Doc2Vec::epochs_trained)
    }

    /// The number of documents of the corpus the vocabulary was built from
    /// (gensim's ``corpus_count``; ``None`` when unknown: after ``load``).
    #[getter]
    fn corpus_count(&self) -> Option<u64> {
        self.source.as_ref().and_then(|s| s.count)
    }

    fn __str__(&self) -> String {
        match &self.model {
            Some(model) => model.to_string(),
            None => "Doc2Vec<untrained>".into(),
        }
    }

    fn __repr__(&self) -> String {
        self.__str__()
    }
}
