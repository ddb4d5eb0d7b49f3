//! `AnnoyIndex`: Annoy's Python class over [`annoy_rs::AnnoyIndex`], with
//! its method names, defaults, return values and files.

use std::path::PathBuf;

use annoy_rs::{BuildOptions, LoadOptions, Metric};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert;
use crate::errors;

/// An Annoy index (Spotify Annoy's ``AnnoyIndex(f, metric)``): add items,
/// ``build(n_trees)``, query; ``save``/``load`` use Annoy's file format,
/// so files move both ways between this and ``annoy``. Metrics:
/// ``'angular'`` (the default), ``'euclidean'``, ``'manhattan'``,
/// ``'dot'``, ``'hamming'``.
#[pyclass(module = "w2v_annoy", name = "AnnoyIndex")]
pub struct AnnoyIndex {
    inner: annoy_rs::AnnoyIndex,
    /// The dimension.
    #[pyo3(get)]
    f: usize,
}

fn item(i: i64) -> PyResult<usize> {
    usize::try_from(i).map_err(|_| PyIndexError::new_err("Item index can not be negative"))
}

fn count(n: i64) -> PyResult<usize> {
    usize::try_from(n).map_err(|_| PyValueError::new_err("n must be non-negative"))
}

fn answer<'py>(
    py: Python<'py>,
    found: Vec<annoy_rs::Neighbor>,
    include_distances: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let ids = PyList::new(py, found.iter().map(|n| n.id))?;
    if include_distances {
        let distances = PyList::new(py, found.iter().map(|n| n.distance as f64))?;
        Ok((ids, distances).into_pyobject(py)?.into_any())
    } else {
        Ok(ids.into_any())
    }
}

#[pymethods]
impl AnnoyIndex {
    /// A new empty index of ``f``-dimensional vectors.
    #[new]
    #[pyo3(signature = (f, metric="angular"))]
    fn new(f: i64, metric: &str) -> PyResult<Self> {
        let f = usize::try_from(f)
            .ok()
            .filter(|&f| f > 0)
            .ok_or_else(|| PyValueError::new_err("f must be a positive number of dimensions"))?;
        let metric: Metric = metric
            .parse()
            .map_err(|_| PyValueError::new_err(format!("No such metric: {metric}")))?;
        Ok(AnnoyIndex {
            inner: annoy_rs::AnnoyIndex::new(f, metric),
            f,
        })
    }

    /// Adds item ``i`` (a non-negative int) with vector ``vector``.
    fn add_item(&mut self, i: i64, vector: &Bound<'_, PyAny>) -> PyResult<()> {
        let vector = convert::vector(vector)?;
        self.inner
            .add_item(item(i)?, &vector)
            .map_err(errors::annoy)
    }

    /// Builds a forest of ``n_trees`` trees on ``n_jobs`` threads (-1: all
    /// cores). The index then takes no more items.
    #[pyo3(signature = (n_trees, n_jobs=-1))]
    fn build(&mut self, py: Python<'_>, n_trees: i64, n_jobs: i64) -> PyResult<bool> {
        let n_trees = usize::try_from(n_trees)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| PyValueError::new_err("n_trees must be at least 1"))?;
        let mut options = BuildOptions::new(n_trees);
        if let Ok(threads) = usize::try_from(n_jobs) {
            if threads > 0 {
                options = options.threads(threads);
            }
        }
        let inner = &mut self.inner;
        py.detach(|| inner.build_with(options, |_, _| {}))
            .map_err(errors::annoy)?;
        Ok(true)
    }

    /// Makes a built index take items again (Annoy's ``unbuild``).
    fn unbuild(&mut self) -> PyResult<bool> {
        self.inner.unbuild().map_err(errors::annoy)?;
        Ok(true)
    }

    /// Saves the index in Annoy's format (atomically).
    #[pyo3(signature = (r#fn, prefault=false))]
    fn save(&self, py: Python<'_>, r#fn: PathBuf, prefault: bool) -> PyResult<bool> {
        let _ = prefault;
        py.detach(|| self.inner.save(&r#fn))
            .map_err(errors::annoy)?;
        Ok(true)
    }

    /// Loads (memory-maps) an index saved by Annoy or by ``save``;
    /// ``prefault`` reads it all into memory now.
    #[pyo3(signature = (r#fn, prefault=false))]
    fn load(&mut self, py: Python<'_>, r#fn: PathBuf, prefault: bool) -> PyResult<bool> {
        let options = LoadOptions {
            prefault,
            ..LoadOptions::default()
        };
        let inner = &mut self.inner;
        py.detach(|| inner.load_with(&r#fn, options))
            .map_err(errors::annoy)?;
        Ok(true)
    }

    /// Drops the items or the loaded file, leaving an empty index.
    fn unload(&mut self) -> bool {
        self.inner.unload();
        true
    }

    /// Builds the next forest straight into the file ``fn`` (Annoy's
    /// ``on_disk_build``).
    fn on_disk_build(&mut self, r#fn: PathBuf) -> PyResult<bool> {
        self.inner.on_disk_build(&r#fn).map_err(errors::annoy)?;
        Ok(true)
    }

    /// Seeds the next build.
    fn set_seed(&mut self, seed: u64) {
        self.inner.set_seed(seed);
    }

    /// Accepted for Annoy's API; progress goes to the ``w2v_annoy`` logger.
    fn verbose(&self, v: bool) -> bool {
        let _ = v;
        true
    }

    /// The ``n`` items nearest item ``i``; with ``include_distances=True``,
    /// ``(ids, distances)``. ``search_k=-1`` is Annoy's default,
    /// ``n * n_trees``.
    #[pyo3(signature = (i, n, search_k=-1, include_distances=false))]
    fn get_nns_by_item<'py>(
        &self,
        py: Python<'py>,
        i: i64,
        n: i64,
        search_k: i64,
        include_distances: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (i, n) = (item(i)?, count(n)?);
        let found = py
            .detach(|| {
                self.inner
                    .get_nns_by_item(i, n, convert::search_k(search_k))
            })
            .map_err(errors::annoy)?;
        answer(py, found, include_distances)
    }

    /// The ``n`` items nearest ``vector``; with ``include_distances=True``,
    /// ``(ids, distances)``.
    #[pyo3(signature = (vector, n, search_k=-1, include_distances=false))]
    fn get_nns_by_vector<'py>(
        &self,
        py: Python<'py>,
        vector: &Bound<'_, PyAny>,
        n: i64,
        search_k: i64,
        include_distances: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let vector = convert::vector(vector)?;
        let n = count(n)?;
        let found = py
            .detach(|| {
                self.inner
                    .get_nns_by_vector(&vector, n, convert::search_k(search_k))
            })
            .map_err(errors::annoy)?;
        answer(py, found, include_distances)
    }

    /// Item ``i``'s vector, as a list of floats.
    fn get_item_vector(&self, i: i64) -> PyResult<Vec<f64>> {
        let vector = self
            .inner
            .get_item_vector(item(i)?)
            .map_err(errors::annoy)?;
        Ok(vector.into_iter().map(f64::from).collect())
    }

    /// The distance between items ``i`` and ``j``, as Annoy reports it.
    fn get_distance(&self, i: i64, j: i64) -> PyResult<f64> {
        Ok(self
            .inner
            .get_distance(item(i)?, item(j)?)
            .map_err(errors::annoy)? as f64)
    }

    /// The number of items (the largest id plus one).
    fn get_n_items(&self) -> usize {
        self.inner.get_n_items()
    }

    /// The number of trees (0 before the build).
    fn get_n_trees(&self) -> usize {
        self.inner.get_n_trees()
    }

    fn __repr__(&self) -> String {
        format!(
            "AnnoyIndex(f={}, metric='{}', items={}, trees={})",
            self.f,
            self.inner.metric().name(),
            self.inner.get_n_items(),
            self.inner.get_n_trees()
        )
    }
}
