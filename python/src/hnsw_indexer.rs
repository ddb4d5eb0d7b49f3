//! `HnswIndexer`: the HNSW counterpart of gensim's `AnnoyIndexer`, over
//! [`knn::HnswIndexer`] (an hnswlib-format graph in the cosine space and the
//! same labels sidecar as the Annoy indexer).

use std::path::PathBuf;
use std::sync::Arc;

use knn::Indexer;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::annoy_indexer::vectors_of;
use crate::convert;
use crate::errors;

/// An HNSW graph over a model's unit vectors, for fast approximate
/// ``most_similar``: ``AnnoyIndexer``'s interface with hnswlib's
/// parameters (``HnswIndexer(model, M=16, ef_construction=200, ef=50)``).
///
/// ``model`` is a ``KeyedVectors`` or ``Word2Vec`` of this package, or a
/// gensim one (its vectors are copied). ``save(fname)`` writes the graph in
/// hnswlib's format (``hnswlib.Index('cosine', dim).load_index(fname)``
/// opens it; labels are vocabulary indices) and the words to
/// ``fname.dict``. Scores are true cosine similarities. The graph is the
/// same for a given ``random_seed`` whatever the thread count.
#[pyclass(module = "w2v_annoy", name = "HnswIndexer")]
pub struct HnswIndexer {
    inner: Option<knn::HnswIndexer>,
    /// The vectors the index is for, when known.
    kv: Option<Arc<vecstore::KeyedVectors>>,
    model: Option<Py<PyAny>>,
}

impl HnswIndexer {
    /// The index, checked to fit `kv` (same vectors, or at least the same
    /// number of items and dimension for an index loaded on its own).
    pub(crate) fn for_vectors(
        &self,
        kv: &Arc<vecstore::KeyedVectors>,
    ) -> PyResult<&knn::HnswIndexer> {
        let indexer = self.index()?;
        if self.kv.as_ref().is_some_and(|own| Arc::ptr_eq(own, kv)) {
            return Ok(indexer);
        }
        let index = indexer.index();
        if index.dim() != kv.dim() || index.get_current_count() != kv.len() {
            return Err(PyValueError::new_err(format!(
                "the indexer holds {} items of {} dimensions, the vectors {} of {}: it was built for other vectors",
                index.get_current_count(),
                index.dim(),
                kv.len(),
                kv.dim()
            )));
        }
        Ok(indexer)
    }

    fn index(&self) -> PyResult<&knn::HnswIndexer> {
        self.inner.as_ref().ok_or_else(|| {
            PyValueError::new_err("the indexer has no index: build it from a model, or load one")
        })
    }
}

#[pymethods]
impl HnswIndexer {
    /// Builds the graph over ``model``'s unit vectors (on ``num_threads``
    /// threads, -1: all cores; the GIL released); with no model, an empty
    /// indexer to ``load`` into.
    #[new]
    #[pyo3(signature = (model=None, M=16, ef_construction=200, ef=50, random_seed=100, num_threads=-1))]
    #[allow(non_snake_case)]
    fn new(
        py: Python<'_>,
        model: Option<&Bound<'_, PyAny>>,
        M: usize,
        ef_construction: usize,
        ef: usize,
        random_seed: u64,
        num_threads: i64,
    ) -> PyResult<Self> {
        let model = model.filter(|m| !m.is_none());
        let kv = model.map(vectors_of).transpose()?;
        let inner = match &kv {
            Some(kv) => {
                let builder = knn::HnswIndexer::builder(kv)
                    .m(M)
                    .ef_construction(ef_construction)
                    .ef(ef)
                    .seed(random_seed)
                    .threads(usize::try_from(num_threads).unwrap_or(0));
                Some(py.detach(|| builder.build()).map_err(errors::knn)?)
            }
            None => None,
        };
        Ok(HnswIndexer {
            inner,
            kv,
            model: model.map(|m| m.clone().unbind()),
        })
    }

    /// Saves the graph at ``fname`` (hnswlib's format, cosine space) and the
    /// words at ``fname.dict``, as one set (``protocol`` is accepted for
    /// gensim's signature).
    #[pyo3(signature = (fname, protocol=None))]
    fn save(&self, py: Python<'_>, fname: PathBuf, protocol: Option<i64>) -> PyResult<()> {
        let _ = protocol;
        let indexer = self.index()?;
        py.detach(|| indexer.save(&fname)).map_err(errors::knn)
    }

    /// Loads a pair saved by ``save`` (memory-mapped). With a model set, the
    /// index is checked against its vectors; a file made by hnswlib without
    /// the ``.dict`` sidecar loads when a model is set (labels must then be
    /// its vocabulary indices).
    fn load(&mut self, py: Python<'_>, fname: PathBuf) -> PyResult<()> {
        let kv = self.kv.clone();
        let indexer = py
            .detach(|| match &kv {
                Some(kv) => knn::HnswIndexer::load(&fname, kv),
                None => knn::HnswIndexer::open(&fname, None),
            })
            .map_err(errors::knn)?;
        self.inner = Some(indexer);
        Ok(())
    }

    /// The model the index is for (settable, checked against the index).
    #[getter]
    fn get_model(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.model.as_ref().map(|m| m.clone_ref(py))
    }

    #[setter]
    fn set_model(&mut self, py: Python<'_>, model: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let model = model.filter(|m| !m.is_none());
        let kv = model.as_ref().map(vectors_of).transpose()?;
        if let (Some(kv), Some(indexer)) = (&kv, &self.inner) {
            let kv = kv.clone();
            py.detach(|| indexer.check_against(std::path::Path::new("index"), &kv))
                .map_err(errors::knn)?;
        }
        self.kv = kv;
        self.model = model.map(Bound::unbind);
        Ok(())
    }

    /// The query-time beam width (settable; at least ``num_neighbors`` is used).
    #[getter]
    fn get_ef(&self) -> Option<usize> {
        self.inner.as_ref().map(|i| i.index().ef())
    }

    #[setter]
    fn set_ef(&mut self, ef: usize) -> PyResult<()> {
        let indexer = self
            .inner
            .as_mut()
            .ok_or_else(|| PyValueError::new_err("the indexer has no index"))?;
        indexer.set_ef(ef).map_err(errors::knn)
    }

    /// ``M`` of the graph.
    #[getter(M)]
    fn m(&self) -> Option<usize> {
        self.inner.as_ref().map(|i| i.index().m())
    }

    /// ``ef_construction`` of the graph.
    #[getter]
    fn ef_construction(&self) -> Option<usize> {
        self.inner.as_ref().map(|i| i.index().ef_construction())
    }

    /// The word of each item, in item order.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let labels = match (self.inner.as_ref().and_then(|i| i.labels()), &self.kv) {
            (Some(labels), _) => labels,
            (None, Some(kv)) => kv.index_to_key(),
            (None, None) => return Ok(None),
        };
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
                Ok((label.as_str(), score as f64))
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, named)
    }
}
