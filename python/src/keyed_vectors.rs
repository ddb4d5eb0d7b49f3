//! `KeyedVectors`: gensim's class over [`vecstore::KeyedVectors`], with
//! [`knn`]'s similarity queries and evaluations.

use std::path::PathBuf;
use std::sync::Arc;

use knn::Similarity;
use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use vecstore::{Format, ReadOptions, Utf8Policy, WriteOptions};

use crate::annoy_indexer::AnnoyIndexer;
use crate::convert::{self, OwnedTerm};
use crate::errors;
use crate::hnsw_indexer::HnswIndexer;

/// Words and their vectors (gensim's ``KeyedVectors``).
///
/// Load with ``KeyedVectors.load_word2vec_format(path, binary=...)``, the
/// native memory-mapped ``KeyedVectors.load(path)``, or convert from gensim
/// with ``KeyedVectors.from_gensim(kv)`` / ``KeyedVectors.from_gensim((words,
/// vectors))``. Instances are immutable: ``vectors`` is a read-only numpy
/// view (of the mapped file itself after ``load``).
#[pyclass(frozen, module = "w2v_annoy", name = "KeyedVectors")]
pub struct KeyedVectors {
    pub(crate) inner: Arc<vecstore::KeyedVectors>,
    /// Rows `0..int_rows` are Doc2Vec's integer tags (keys `"0"`, `"1"`,
    /// ...), shown to Python as ints, as gensim's `dv` shows them.
    pub(crate) int_rows: usize,
    index_to_key: PyOnceLock<Py<PyList>>,
    key_to_index: PyOnceLock<Py<PyDict>>,
}

impl KeyedVectors {
    pub(crate) fn wrap(inner: Arc<vecstore::KeyedVectors>) -> Self {
        Self::wrap_tags(inner, 0)
    }

    /// Doc2Vec's document vectors, whose first `int_rows` rows are integer
    /// tags.
    pub(crate) fn wrap_tags(inner: Arc<vecstore::KeyedVectors>, int_rows: usize) -> Self {
        KeyedVectors {
            inner,
            int_rows,
            index_to_key: PyOnceLock::new(),
            key_to_index: PyOnceLock::new(),
        }
    }

    /// A key given as str, or as an int index (as gensim accepts).
    fn key(&self, key: &Bound<'_, PyAny>) -> PyResult<String> {
        if let Ok(word) = key.extract::<String>() {
            return Ok(word);
        }
        match key.extract::<i64>() {
            Ok(i) => usize::try_from(i)
                .ok()
                .and_then(|i| self.inner.key(i))
                .map(str::to_owned)
                .ok_or_else(|| PyKeyError::new_err(format!("Key '{i}' not present"))),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a key is a str or an int, not {}",
                key.get_type().name()?
            ))),
        }
    }

    /// A read-only numpy view of `view`'s memory, kept alive by `slf`.
    fn borrowed<'py>(
        slf: &Bound<'py, Self>,
        view: ndarray::ArrayView2<'_, f32>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        // SAFETY: `view` points into `slf.inner`, an `Arc` that this frozen
        // object holds for its whole life and never mutates (the class has
        // no mutating method; the normed cache is computed once and never
        // replaced). An owned matrix lives on the heap and a mapped one in
        // its map, neither of which moves; the array's base is `slf`, so
        // the memory outlives the array. It is made read-only below.
        let array = unsafe { PyArray2::borrow_from_array(&view, slf.clone().into_any()) };
        let kwargs = PyDict::new(slf.py());
        kwargs.set_item("write", false)?;
        array.call_method("setflags", (), Some(&kwargs))?;
        Ok(array)
    }
}

/// gensim's `evaluate_word_pairs` result: `((pearson, pvalue), (spearman,
/// pvalue), oov_ratio)`.
type PairsResult = ((f64, f64), (f64, f64), f64);

/// A key as Python sees it: an `int` for the first `int_rows` rows
/// (Doc2Vec's integer tags, whose keys are their row numbers in decimal:
/// `embed` refuses a string tag spelling such a row), else the `str`.
pub(crate) fn label<'py>(
    py: Python<'py>,
    key: &str,
    int_rows: usize,
) -> PyResult<Bound<'py, PyAny>> {
    if int_rows > 0 {
        if let Some(n) = key.parse::<usize>().ok().filter(|&n| n < int_rows) {
            return Ok(n.into_pyobject(py)?.into_any());
        }
    }
    Ok(PyString::new(py, key).into_any())
}

/// `[(key, similarity), ...]`, keys as [`label`] shows them.
pub(crate) fn similarities(
    py: Python<'_>,
    found: Vec<(String, f32)>,
    int_rows: usize,
) -> PyResult<Bound<'_, PyList>> {
    if int_rows == 0 {
        return PyList::new(py, found.into_iter().map(|(w, s)| (w, s as f64)));
    }
    let items = found
        .into_iter()
        .map(|(w, s)| Ok((label(py, &w, int_rows)?, s as f64)))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn restrict(restrict_vocab: Option<usize>) -> Option<usize> {
    restrict_vocab.filter(|&r| r > 0)
}

#[pymethods]
impl KeyedVectors {
    /// Loads vectors in the word2vec C format (gensim's
    /// ``KeyedVectors.load_word2vec_format``): text, or binary with
    /// ``binary=True``. ``fvocab`` names a counts file, ``limit`` reads the
    /// first N vectors, ``unicode_errors`` is ``'strict'`` or ``'replace'``.
    #[classmethod]
    #[pyo3(signature = (fname, fvocab=None, binary=false, encoding="utf8", unicode_errors="strict", limit=None, datatype=None, no_header=false))]
    #[allow(clippy::too_many_arguments)]
    fn load_word2vec_format(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        fname: PathBuf,
        fvocab: Option<PathBuf>,
        binary: bool,
        encoding: &str,
        unicode_errors: &str,
        limit: Option<usize>,
        datatype: Option<&Bound<'_, PyAny>>,
        no_header: bool,
    ) -> PyResult<Self> {
        if !matches!(encoding.to_ascii_lowercase().as_str(), "utf8" | "utf-8") {
            return Err(PyValueError::new_err("only encoding='utf8' is supported"));
        }
        if no_header {
            return Err(PyValueError::new_err(
                "no_header=True is not supported: the file needs its 'count dim' header line",
            ));
        }
        if let Some(datatype) = datatype {
            let numpy = py.import("numpy")?;
            let dtype = numpy.call_method1("dtype", (datatype,))?;
            if !dtype.eq(numpy.getattr("float32")?)? {
                return Err(PyValueError::new_err(
                    "only datatype=numpy.float32 is supported",
                ));
            }
        }
        let utf8 = match unicode_errors {
            "strict" => Utf8Policy::Strict,
            "replace" => Utf8Policy::Lossy,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unicode_errors={other:?} is not supported: use 'strict' or 'replace'"
                )))
            }
        };
        let mut options = ReadOptions::default().utf8(utf8);
        if let Some(limit) = limit {
            options = options.limit(limit);
        }
        if let Some(fvocab) = fvocab {
            options = options.counts_file(fvocab);
        }
        let format = if binary { Format::Binary } else { Format::Text };
        let (kv, _) = py
            .detach(|| vecstore::read(&fname, format, &options))
            .map_err(errors::vectors)?;
        Ok(Self::wrap(Arc::new(kv)))
    }

    /// Saves in the word2vec C format, byte for byte as gensim writes it
    /// (text, or binary with ``binary=True``; ``fvocab``: also a counts file).
    #[pyo3(signature = (fname, fvocab=None, binary=false, total_vec=None, write_header=true, prefix="", append=false, sort_attr="count"))]
    #[allow(clippy::too_many_arguments)]
    fn save_word2vec_format(
        &self,
        py: Python<'_>,
        fname: PathBuf,
        fvocab: Option<PathBuf>,
        binary: bool,
        total_vec: Option<usize>,
        write_header: bool,
        prefix: &str,
        append: bool,
        sort_attr: &str,
    ) -> PyResult<()> {
        let _ = sort_attr;
        if total_vec.is_some_and(|n| n != self.inner.len()) || !write_header || append {
            return Err(PyValueError::new_err(
                "total_vec, write_header=False and append=True are not supported",
            ));
        }
        if !prefix.is_empty() {
            return Err(PyValueError::new_err("prefix is not supported"));
        }
        let mut options = WriteOptions::default();
        if let Some(fvocab) = fvocab {
            options = options.counts_file(fvocab);
        }
        let format = if binary { Format::Binary } else { Format::Text };
        py.detach(|| vecstore::write(&self.inner, &fname, format, &options))
            .map_err(errors::vectors)
    }

    /// Saves in the native format (gensim's ``save``; the file is not a
    /// pickle): ``KeyedVectors.load`` maps it back without a copy.
    fn save(&self, py: Python<'_>, fname: PathBuf) -> PyResult<()> {
        py.detach(|| {
            vecstore::write(
                &self.inner,
                &fname,
                Format::Native,
                &WriteOptions::default(),
            )
        })
        .map_err(errors::vectors)
    }

    /// Loads vectors saved by ``save`` (memory-mapped: no copy, pages shared
    /// between processes), or a word2vec text/binary file, told by content.
    /// ``mmap`` is accepted for gensim's signature: native files are always
    /// mapped.
    #[classmethod]
    #[pyo3(signature = (fname, mmap=None))]
    fn load(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        fname: PathBuf,
        mmap: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let _ = mmap;
        let kv = py
            .detach(|| vecstore::KeyedVectors::load(&fname))
            .map_err(errors::vectors)?;
        Ok(Self::wrap(Arc::new(kv)))
    }

    /// Vectors from gensim or numpy: a gensim ``KeyedVectors`` (or a model
    /// with ``.wv``; a Doc2Vec's ``dv``, int tags included), copied with
    /// its counts; or a ``(words, vectors)`` pair, ``vectors`` an ``n x
    /// dim`` array.
    #[classmethod]
    fn from_gensim(
        _cls: &Bound<'_, pyo3::types::PyType>,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let ((words, int_rows), vectors, counts) =
            if source.is_instance_of::<PyTuple>() || source.is_instance_of::<PyList>() {
                let (words, vectors): (Bound<'_, PyAny>, Bound<'_, PyAny>) = source.extract()?;
                ((convert::words(&words)?, 0), vectors, None)
            } else {
                let kv = if source.hasattr("wv")? {
                    source.getattr("wv")?
                } else {
                    source.clone()
                };
                let (words, int_rows) = convert::tag_keys(&kv.getattr("index_to_key")?)?;
                let counts = kv
                    .getattr("expandos")
                    .ok()
                    .and_then(|e| e.get_item("count").ok())
                    .and_then(|c| c.call_method1("astype", ("uint64",)).ok())
                    .and_then(|c| c.extract::<Vec<u64>>().ok())
                    .filter(|c| c.len() == words.len());
                ((words, int_rows), kv.getattr("vectors")?, counts)
            };
        let numpy = py.import("numpy")?;
        let vectors = numpy.call_method1("ascontiguousarray", (vectors, "float32"))?;
        let vectors: PyReadonlyArray2<'_, f32> = vectors.extract().map_err(|_| {
            PyValueError::new_err("vectors must be a 2-D array of numbers, one row per word")
        })?;
        let vectors = vectors.as_array().to_owned();
        let kv =
            vecstore::KeyedVectors::from_parts(words, vectors, counts).map_err(errors::vectors)?;
        Ok(Self::wrap_tags(Arc::new(kv), int_rows))
    }

    /// The words, in index order (most frequent first for trained models).
    #[getter]
    fn index_to_key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = self.index_to_key.get_or_try_init(py, || {
            let keys = self.inner.index_to_key();
            if self.int_rows == 0 {
                return Ok::<_, PyErr>(PyList::new(py, keys)?.unbind());
            }
            let labels = (0..self.int_rows)
                .map(|n| Ok(n.into_pyobject(py)?.into_any()))
                .chain(
                    keys[self.int_rows..]
                        .iter()
                        .map(|k| Ok(PyString::new(py, k).into_any())),
                )
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, labels)?.unbind())
        })?;
        Ok(list.bind(py).clone())
    }

    /// Each key's index (for document vectors, the string tags only: an
    /// integer tag is its own index, as in gensim).
    #[getter]
    fn key_to_index<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = self.key_to_index.get_or_try_init(py, || {
            let dict = PyDict::new(py);
            let keys = self.inner.index_to_key();
            for (i, word) in keys.iter().enumerate().skip(self.int_rows) {
                dict.set_item(word, i)?;
            }
            Ok::<_, PyErr>(dict.unbind())
        })?;
        Ok(dict.bind(py).clone())
    }

    /// The ``n x vector_size`` float32 matrix, read-only, without a copy
    /// (for a loaded native file: a view of the memory map).
    #[getter]
    fn vectors<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let inner = slf.get().inner.clone();
        Self::borrowed(slf, inner.vectors())
    }

    /// The unit vectors (read-only, computed once).
    fn get_normed_vectors<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let inner = slf.get().inner.clone();
        slf.py().detach(|| {
            inner.normed_vectors();
        });
        Self::borrowed(slf, inner.normed_vectors())
    }

    /// Computes the unit vectors now (gensim's ``fill_norms``).
    #[pyo3(signature = (force=false))]
    fn fill_norms(&self, py: Python<'_>, force: bool) {
        let _ = force;
        py.detach(|| {
            self.inner.normed_vectors();
        });
    }

    /// The vectors' dimension.
    #[getter]
    fn vector_size(&self) -> usize {
        self.inner.dim()
    }

    /// Whether the vectors are a read-only memory map of a file.
    #[getter]
    fn is_mapped(&self) -> bool {
        self.inner.is_mapped()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// A str key present, or an int index in range (gensim's
    /// ``has_index_for``).
    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        if let Ok(word) = key.extract::<String>() {
            return self.inner.contains(&word);
        }
        key.extract::<usize>().is_ok_and(|i| i < self.inner.len())
    }

    fn __repr__(&self) -> String {
        format!(
            "KeyedVectors<vector_size={}, {} keys>",
            self.inner.dim(),
            self.inner.len()
        )
    }

    /// Whether ``key`` has a vector.
    fn has_index_for(&self, key: &Bound<'_, PyAny>) -> bool {
        self.__contains__(key)
    }

    /// The index of ``key``; ``default`` (if given) for an unknown key, else
    /// ``KeyError``.
    #[pyo3(signature = (key, default=None))]
    fn get_index(&self, key: &Bound<'_, PyAny>, default: Option<usize>) -> PyResult<usize> {
        let word = self.key(key)?;
        match (self.inner.index_of(&word), default) {
            (Some(i), _) => Ok(i),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(PyKeyError::new_err(format!("Key '{word}' not present"))),
        }
    }

    /// The vector of ``key`` (a copy); its unit vector with ``norm=True``.
    #[pyo3(signature = (key, norm=false))]
    fn get_vector<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
        norm: bool,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let word = self.key(key)?;
        let vector = if norm {
            py.detach(|| self.inner.get_normed(&word).map(|v| v.to_vec()))
        } else {
            self.inner.get_vector(&word).map(|v| v.to_vec())
        }
        .map_err(errors::vectors)?;
        Ok(PyArray1::from_vec(py, vector))
    }

    /// ``kv[key]``: a vector; ``kv[[k1, k2]]``: a matrix of their vectors.
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key_or_keys: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if key_or_keys.is_instance_of::<PyString>() || key_or_keys.extract::<i64>().is_ok() {
            return Ok(self.get_vector(py, key_or_keys, false)?.into_any());
        }
        let dim = self.inner.dim();
        let mut rows: Vec<f32> = Vec::new();
        let mut n = 0;
        for key in key_or_keys.try_iter()? {
            let word = self.key(&key?)?;
            rows.extend(
                self.inner
                    .get_vector(&word)
                    .map_err(errors::vectors)?
                    .iter(),
            );
            n += 1;
        }
        let matrix = ndarray::Array2::from_shape_vec((n, dim), rows)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyArray2::from_owned_array(py, matrix).into_any())
    }

    /// The ``topn`` keys most similar to the mean of the unit vectors of
    /// ``positive`` keys minus ``negative`` ones (keys or raw vectors), as
    /// ``[(key, cosine similarity), ...]`` (gensim's ``most_similar``).
    /// Input keys are never returned. ``restrict_vocab`` searches the first
    /// N keys only; ``indexer`` (an ``AnnoyIndexer`` or ``HnswIndexer``)
    /// answers approximately.
    #[pyo3(signature = (positive=None, negative=None, topn=10, clip_start=0, clip_end=None, restrict_vocab=None, indexer=None))]
    #[allow(clippy::too_many_arguments)]
    fn most_similar<'py>(
        &self,
        py: Python<'py>,
        positive: Option<&Bound<'_, PyAny>>,
        negative: Option<&Bound<'_, PyAny>>,
        topn: Option<i64>,
        clip_start: usize,
        clip_end: Option<usize>,
        restrict_vocab: Option<usize>,
        indexer: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        if clip_start != 0 || clip_end.is_some() {
            return Err(PyValueError::new_err(
                "clip_start and clip_end are not supported: use restrict_vocab",
            ));
        }
        let Some(topn) = topn else {
            return Err(PyValueError::new_err(
                "topn=None (all similarities as an array) is not supported",
            ));
        };
        if topn < 1 {
            return Ok(PyList::empty(py));
        }
        let words = self.inner.index_to_key();
        let positive = convert::terms(positive, words)?;
        let negative = convert::terms(negative, words)?;
        let indexer = indexer.filter(|i| !i.is_none());
        let annoy = indexer
            .and_then(|i| i.cast::<AnnoyIndexer>().ok())
            .map(|i| i.try_borrow())
            .transpose()?;
        let hnsw = indexer
            .and_then(|i| i.cast::<HnswIndexer>().ok())
            .map(|i| i.try_borrow())
            .transpose()?;
        let knn_indexer: Option<&dyn knn::Indexer> = match (&annoy, &hnsw) {
            (Some(i), _) => Some(i.for_vectors(&self.inner)?),
            (None, Some(i)) => Some(i.for_vectors(&self.inner)?),
            (None, None) if indexer.is_some() => {
                return Err(PyTypeError::new_err(
                    "indexer must be a w2v_annoy AnnoyIndexer or HnswIndexer",
                ))
            }
            (None, None) => None,
        };
        let found = py
            .detach(|| {
                let pos: Vec<_> = positive.iter().map(OwnedTerm::as_term).collect();
                let neg: Vec<_> = negative.iter().map(OwnedTerm::as_term).collect();
                self.inner.most_similar(
                    &pos,
                    &neg,
                    topn as usize,
                    restrict(restrict_vocab),
                    knn_indexer,
                )
            })
            .map_err(errors::knn)?;
        similarities(py, found, self.int_rows)
    }

    /// The keys most similar to ``word`` (gensim's ``similar_by_word``).
    #[pyo3(signature = (word, topn=10, restrict_vocab=None))]
    fn similar_by_word<'py>(
        &self,
        py: Python<'py>,
        word: &Bound<'_, PyAny>,
        topn: Option<i64>,
        restrict_vocab: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.most_similar(py, Some(word), None, topn, 0, None, restrict_vocab, None)
    }

    /// The keys most similar to ``key`` (gensim's ``similar_by_key``).
    #[pyo3(signature = (key, topn=10, restrict_vocab=None))]
    fn similar_by_key<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
        topn: Option<i64>,
        restrict_vocab: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        self.most_similar(py, Some(key), None, topn, 0, None, restrict_vocab, None)
    }

    /// The keys most similar to a raw vector (gensim's ``similar_by_vector``).
    #[pyo3(signature = (vector, topn=10, restrict_vocab=None))]
    fn similar_by_vector<'py>(
        &self,
        py: Python<'py>,
        vector: &Bound<'_, PyAny>,
        topn: Option<i64>,
        restrict_vocab: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let vector = convert::vector(vector)?.into_pyobject(py)?;
        let numpy = py.import("numpy")?;
        let vector = numpy.call_method1("asarray", (vector, "float32"))?;
        self.most_similar(py, Some(&vector), None, topn, 0, None, restrict_vocab, None)
    }

    /// 3CosMul analogies (gensim's ``most_similar_cosmul``).
    #[pyo3(signature = (positive=None, negative=None, topn=10, restrict_vocab=None))]
    fn most_similar_cosmul<'py>(
        &self,
        py: Python<'py>,
        positive: Option<&Bound<'_, PyAny>>,
        negative: Option<&Bound<'_, PyAny>>,
        topn: i64,
        restrict_vocab: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        if restrict_vocab.is_some() {
            return Err(PyValueError::new_err(
                "restrict_vocab is not supported by most_similar_cosmul",
            ));
        }
        if topn < 1 {
            return Ok(PyList::empty(py));
        }
        let words = self.inner.index_to_key();
        let positive = convert::terms(positive, words)?;
        let negative = convert::terms(negative, words)?;
        let found = py
            .detach(|| {
                let pos: Vec<_> = positive.iter().map(OwnedTerm::as_term).collect();
                let neg: Vec<_> = negative.iter().map(OwnedTerm::as_term).collect();
                self.inner.most_similar_cosmul(&pos, &neg, topn as usize)
            })
            .map_err(errors::knn)?;
        similarities(py, found, self.int_rows)
    }

    /// The key furthest from the mean of ``words`` (gensim's
    /// ``doesnt_match``; an unknown key is a ``KeyError``).
    fn doesnt_match(&self, py: Python<'_>, words: &Bound<'_, PyAny>) -> PyResult<String> {
        let words = convert::words(words)?;
        py.detach(|| {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            self.inner.doesnt_match(&words)
        })
        .map_err(errors::knn)
    }

    /// Cosine similarity of two keys' vectors.
    fn similarity(&self, w1: &Bound<'_, PyAny>, w2: &Bound<'_, PyAny>) -> PyResult<f64> {
        let (a, b) = (self.key(w1)?, self.key(w2)?);
        Ok(self.inner.similarity(&a, &b).map_err(errors::vectors)? as f64)
    }

    /// Cosine distance, ``1 - similarity``.
    fn distance(&self, w1: &Bound<'_, PyAny>, w2: &Bound<'_, PyAny>) -> PyResult<f64> {
        let (a, b) = (self.key(w1)?, self.key(w2)?);
        Ok(self.inner.distance(&a, &b).map_err(errors::vectors)? as f64)
    }

    /// Cosine similarity of the means of two lists of keys' vectors
    /// (``ZeroDivisionError`` for an empty list, as gensim).
    fn n_similarity(&self, ws1: &Bound<'_, PyAny>, ws2: &Bound<'_, PyAny>) -> PyResult<f64> {
        let (a, b) = (convert::words(ws1)?, convert::words(ws2)?);
        if a.is_empty() || b.is_empty() {
            return Err(PyZeroDivisionError::new_err(
                "At least one of the passed list is empty.",
            ));
        }
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        Ok(self.inner.n_similarity(&a, &b).map_err(errors::vectors)? as f64)
    }

    /// The keys closer to ``key1`` than ``key2`` is (gensim's ``closer_than``).
    fn closer_than(
        &self,
        py: Python<'_>,
        key1: &Bound<'_, PyAny>,
        key2: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        let (a, b) = (self.key(key1)?, self.key(key2)?);
        py.detach(|| self.inner.closer_than(&a, &b))
            .map_err(errors::knn)
    }

    /// ``closer_than`` under gensim's older name.
    fn words_closer_than(
        &self,
        py: Python<'_>,
        w1: &Bound<'_, PyAny>,
        w2: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<String>> {
        self.closer_than(py, w1, w2)
    }

    /// 1 + the number of keys closer to ``key1`` than ``key2`` is.
    fn rank(
        &self,
        py: Python<'_>,
        key1: &Bound<'_, PyAny>,
        key2: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        let (a, b) = (self.key(key1)?, self.key(key2)?);
        py.detach(|| self.inner.rank(&a, &b)).map_err(errors::knn)
    }

    /// Accuracy on analogy questions (gensim's ``evaluate_word_analogies``):
    /// ``(score, sections)``, each section a dict ``{'section': name,
    /// 'correct': [(a, b, c, expected), ...], 'incorrect': [...]}``, the last
    /// one ``'Total accuracy'``.
    #[pyo3(signature = (analogies, restrict_vocab=300000, case_insensitive=true, dummy4unknown=false, similarity_function="most_similar"))]
    fn evaluate_word_analogies<'py>(
        &self,
        py: Python<'py>,
        analogies: PathBuf,
        restrict_vocab: usize,
        case_insensitive: bool,
        dummy4unknown: bool,
        similarity_function: &str,
    ) -> PyResult<(f64, Bound<'py, PyList>)> {
        if dummy4unknown || similarity_function != "most_similar" {
            return Err(PyValueError::new_err(
                "dummy4unknown=True and other similarity functions are not supported",
            ));
        }
        let report = py
            .detach(|| {
                knn::evaluate_word_analogies(
                    &self.inner,
                    &analogies,
                    restrict_vocab,
                    case_insensitive,
                )
            })
            .map_err(errors::knn)?;
        let sections = PyList::empty(py);
        for section in report.sections.iter().chain([&report.total]) {
            let dict = PyDict::new(py);
            dict.set_item("section", &section.name)?;
            let tuples = |questions: &[[String; 4]]| {
                PyList::new(
                    py,
                    questions
                        .iter()
                        .map(|[a, b, c, d]| (a.as_str(), b.as_str(), c.as_str(), d.as_str())),
                )
            };
            dict.set_item("correct", tuples(&section.correct_questions)?)?;
            dict.set_item("incorrect", tuples(&section.incorrect_questions)?)?;
            sections.append(dict)?;
        }
        Ok((report.total.accuracy(), sections))
    }

    /// Correlation with human similarity judgements (gensim's
    /// ``evaluate_word_pairs``): ``(pearson, spearman, oov_ratio)``, each
    /// correlation a ``(statistic, pvalue)`` pair, ``oov_ratio`` in percent.
    #[pyo3(signature = (pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000, case_insensitive=true, dummy4unknown=false))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate_word_pairs(
        &self,
        py: Python<'_>,
        pairs: PathBuf,
        delimiter: &str,
        encoding: &str,
        restrict_vocab: usize,
        case_insensitive: bool,
        dummy4unknown: bool,
    ) -> PyResult<PairsResult> {
        if delimiter != "\t" || dummy4unknown {
            return Err(PyValueError::new_err(
                "only delimiter='\\t' and dummy4unknown=False are supported",
            ));
        }
        if !matches!(encoding.to_ascii_lowercase().as_str(), "utf8" | "utf-8") {
            return Err(PyValueError::new_err("only encoding='utf8' is supported"));
        }
        let report = py
            .detach(|| {
                knn::evaluate_word_pairs(&self.inner, &pairs, restrict_vocab, case_insensitive)
            })
            .map_err(errors::knn)?;
        Ok((
            (report.pearson, report.pearson_pvalue()),
            (report.spearman, report.spearman_pvalue()),
            report.oov_ratio,
        ))
    }
}
