//! `AnnoyIndexer`: gensim's class over [`knn::AnnoyIndexer`], whose files
//! are gensim's pair (Annoy's index + the pickled `.dict` sidecar).

use std::path::PathBuf;
use std::sync::Arc;

use knn::Indexer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert;
use crate::doc2vec::Doc2Vec;
use crate::errors;
use crate::keyed_vectors::{self, KeyedVectors};
use crate::word2vec::Word2Vec;

/// An Annoy forest over a model's unit vectors, for fast approximate
/// ``most_similar`` (gensim's ``AnnoyIndexer(model, num_trees)``).
///
/// ``model`` is a ``KeyedVectors``, ``Word2Vec`` or ``Doc2Vec`` (its
/// document vectors ``dv``, as gensim) of this package, or a gensim
/// ``KeyedVectors`` or ``Word2Vec`` (its vectors are copied). ``save(fname)`` writes gensim's
/// file pair (``fname`` and ``fname.dict``): gensim's own
/// ``AnnoyIndexer().load(fname)`` opens it, and ``load`` here opens
/// gensim's. Scores are true cosine similarities.
#[pyclass(module = "w2v_annoy", name = "AnnoyIndexer")]
pub struct AnnoyIndexer {
    inner: Option<knn::AnnoyIndexer>,
    /// The vectors the index is for, when known.
    kv: Option<Arc<vecstore::KeyedVectors>>,
    /// Rows of `kv` that are Doc2Vec integer tags, labelled with ints.
    int_rows: usize,
    model: Option<Py<PyAny>>,
}

/// The vectors of a model argument: ours, or gensim's (copied).
pub(crate) fn vectors_of(model: &Bound<'_, PyAny>) -> PyResult<Arc<vecstore::KeyedVectors>> {
    Ok(keyed_vectors_of(model)?.0)
}

/// The vectors of a model argument and how many of their first rows are
/// Doc2Vec integer tags: a `KeyedVectors`, a `Word2Vec`'s `wv`, a
/// `Doc2Vec`'s `dv` (as gensim's `AnnoyIndexer` takes them), or gensim's
/// (copied).
pub(crate) fn keyed_vectors_of(
    model: &Bound<'_, PyAny>,
) -> PyResult<(Arc<vecstore::KeyedVectors>, usize)> {
    if let Ok(kv) = model.cast::<KeyedVectors>() {
        return Ok((kv.get().inner.clone(), kv.get().int_rows));
    }
    if let Ok(w2v) = model.cast::<Word2Vec>() {
        let mut w2v = w2v.try_borrow_mut()?;
        let wv = w2v.wv(model.py())?;
        return Ok((wv.bind(model.py()).get().inner.clone(), 0));
    }
    if let Ok(d2v) = model.cast::<Doc2Vec>() {
        let mut d2v = d2v.try_borrow_mut()?;
        let dv = d2v.dv(model.py())?;
        let dv = dv.bind(model.py()).get();
        return Ok((dv.inner.clone(), dv.int_rows));
    }
    if model.hasattr("index_to_key")? || model.hasattr("wv")? {
        let py = model.py();
        let kv = py
            .get_type::<KeyedVectors>()
            .call_method1("from_gensim", (model,))?;
        return Ok((kv.cast::<KeyedVectors>()?.get().inner.clone(), 0));
    }
    Err(PyValueError::new_err(
        "Only a Word2Vec, Doc2Vec or KeyedVectors instance can be used",
    ))
}

impl AnnoyIndexer {
    /// The index, checked to fit `kv` (same vectors, or at least the same
    /// number of items and dimension for an index loaded on its own).
    pub(crate) fn for_vectors(
        &self,
        kv: &Arc<vecstore::KeyedVectors>,
    ) -> PyResult<&knn::AnnoyIndexer> {
        let indexer = self.index()?;
        if self.kv.as_ref().is_some_and(|own| Arc::ptr_eq(own, kv)) {
            return Ok(indexer);
        }
        let index = indexer.index();
        if index.f() != kv.dim() || index.get_n_items() != kv.len() {
            return Err(PyValueError::new_err(format!(
                "the indexer holds {} items of {} dimensions, the vectors {} of {}: it was built for other vectors",
                index.get_n_items(),
                index.f(),
                kv.len(),
                kv.dim()
            )));
        }
        Ok(indexer)
    }

    fn index(&self) -> PyResult<&knn::AnnoyIndexer> {
        self.inner.as_ref().ok_or_else(|| {
            PyValueError::new_err("the indexer has no index: build it from a model, or load one")
        })
    }
}

#[pymethods]
impl AnnoyIndexer {
    /// Builds ``num_trees`` trees over ``model``'s unit vectors (on all
    /// cores, the GIL released); with no arguments, an empty indexer to
    /// ``load`` into.
    #[new]
    #[pyo3(signature = (model=None, num_trees=None))]
    fn new(
        py: Python<'_>,
        model: Option<&Bound<'_, PyAny>>,
        num_trees: Option<usize>,
    ) -> PyResult<Self> {
        let model = model.filter(|m| !m.is_none());
        let (kv, int_rows) = match model.map(keyed_vectors_of).transpose()? {
            Some((kv, int_rows)) => (Some(kv), int_rows),
            None => (None, 0),
        };
        let inner = match (&kv, num_trees) {
            (Some(kv), Some(num_trees)) if num_trees > 0 => Some(
                py.detach(|| knn::AnnoyIndexer::new(kv, num_trees))
                    .map_err(errors::knn)?,
            ),
            _ => None,
        };
        Ok(AnnoyIndexer {
            inner,
            kv,
            int_rows,
            model: model.map(|m| m.clone().unbind()),
        })
    }

    /// Saves gensim's file pair: the Annoy index at ``fname`` and its
    /// sidecar at ``fname.dict`` (``protocol`` is accepted for gensim's
    /// signature).
    #[pyo3(signature = (fname, protocol=None))]
    fn save(&self, py: Python<'_>, fname: PathBuf, protocol: Option<i64>) -> PyResult<()> {
        let _ = protocol;
        let indexer = self.index()?;
        py.detach(|| indexer.save(&fname)).map_err(errors::knn)
    }

    /// Loads a file pair saved by ``save`` or by gensim's ``AnnoyIndexer``
    /// (memory-mapped). With a model set, the index is checked against its
    /// vectors.
    fn load(&mut self, py: Python<'_>, fname: PathBuf) -> PyResult<()> {
        let kv = self.kv.clone();
        let indexer = py
            .detach(|| match &kv {
                Some(kv) => knn::AnnoyIndexer::load(&fname, kv),
                None => knn::AnnoyIndexer::open(&fname, None, None),
            })
            .map_err(errors::knn)?;
        self.inner = Some(indexer);
        Ok(())
    }

    /// The model the index is for (settable, as in gensim after ``load``).
    #[getter]
    fn get_model(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.model.as_ref().map(|m| m.clone_ref(py))
    }

    #[setter]
    fn set_model(&mut self, py: Python<'_>, model: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let model = model.filter(|m| !m.is_none());
        let (kv, int_rows) = match model.as_ref().map(keyed_vectors_of).transpose()? {
            Some((kv, int_rows)) => (Some(kv), int_rows),
            None => (None, 0),
        };
        if let (Some(kv), Some(indexer)) = (&kv, &self.inner) {
            let kv = kv.clone();
            py.detach(|| indexer.check_against(std::path::Path::new("index"), &kv))
                .map_err(errors::knn)?;
        }
        self.kv = kv;
        self.int_rows = int_rows;
        self.model = model.map(Bound::unbind);
        Ok(())
    }

    /// The number of trees.
    #[getter]
    fn num_trees(&self) -> Option<usize> {
        self.inner.as_ref().map(knn::AnnoyIndexer::num_trees)
    }

    /// The key of each item, in item order (Doc2Vec's integer tags as
    /// ints).
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let labels = match (self.inner.as_ref().and_then(|i| i.labels()), &self.kv) {
            (Some(labels), _) => labels,
            (None, Some(kv)) => kv.index_to_key(),
            (None, None) => return Ok(None),
        };
        if self.int_rows == 0 {
            return Ok(Some(PyList::new(py, labels)?));
        }
        let labels = labels
            .iter()
            .map(|l| keyed_vectors::label(py, l, self.int_rows))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Some(PyList::new(py, labels)?))
    }

    /// The ``num_neighbors`` items nearest ``vector`` as ``[(label, cosine
    /// similarity), ...]`` (gensim's indexer interface, so gensim's own
    /// ``most_similar(indexer=...)`` can use this indexer too).
    fn most_similar<'py>(
        &self,
        py: Python<'py>,
        vector: &Bound<'_, PyAny>,
        num_neighbors: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let vector = ndarray::Array1::from(convert::vector(vector)?);
        let indexer = self.index()?;
        let found = py
            .detach(|| indexer.most_similar(vector.view(), num_neighbors))
            .map_err(errors::knn)?;
        let labels = match (indexer.labels(), &self.kv) {
            (Some(labels), _) => labels,
            (None, Some(kv)) => kv.index_to_key(),
            (None, None) => {
                return Err(PyValueError::new_err(
                    "the index has no labels (no sidecar): set the model first",
                ))
            }
        };
        let named = found
            .into_iter()
            .map(|(id, score)| {
                let label = labels.get(id).ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "item {id} has no label: the labels do not fit the index"
                    ))
                })?;
                Ok((
                    keyed_vectors::label(py, label, self.int_rows)?,
                    score as f64,
                ))
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, named)
    }
}
