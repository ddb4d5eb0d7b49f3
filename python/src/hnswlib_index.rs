//! `w2v_annoy.hnswlib.Index`: hnswlib's Python class over
//! [`hnsw::HnswIndex`], with its method names, defaults, return shapes,
//! files and exceptions (`RuntimeError` with hnswlib's messages).
//!
//! The state kept here is the state hnswlib's own binding keeps beside its
//! C++ index (`bindings.cpp`): the space name and dimension given before
//! `init_index`, the default `ef` and thread count, and the running label
//! counter of `add_items(ids=None)`.

use std::path::PathBuf;

use hnsw::{Capacity, HnswIndex, Params, Space};
use numpy::{PyArray2, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use crate::errors;

/// The version of the pickled state.
const STATE_VERSION: u32 = 1;

/// An HNSW index with hnswlib's Python API (``hnswlib.Index(space, dim)``):
/// ``init_index``, ``add_items``, ``knn_query``, ``save_index`` /
/// ``load_index`` in hnswlib's file format (files move both ways), deletion
/// marks, ``resize_index``, ``get_items``, pickling. Spaces ``'l2'``
/// (squared Euclidean), ``'ip'`` (``1 - a·b``) and ``'cosine'``.
#[pyclass(module = "w2v_annoy.hnswlib", name = "Index")]
pub struct Index {
    space: Space,
    dim: usize,
    inner: Option<HnswIndex>,
    /// The next label of ``add_items(ids=None)`` (hnswlib's ``cur_l``).
    cur_l: u64,
    /// ``ef`` set before ``init_index`` (hnswlib's ``default_ef``).
    default_ef: usize,
    /// Threads of ``add_items``/``knn_query`` when they are given ``-1``.
    num_threads: i64,
    /// The ``random_seed`` of ``init_index``.
    seed: u64,
}

/// All cores, hnswlib's ``std::thread::hardware_concurrency()``.
fn all_cores() -> i64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as i64)
}

/// hnswlib's messages for a query that cannot fill its row.
fn short_answer() -> PyErr {
    PyRuntimeError::new_err(
        "Cannot return the results in a contiguous 2D array. Probably ef or M is too small",
    )
}

/// ``data`` as a C-contiguous float32 array (numpy's ``forcecast``).
fn float_array<'py>(data: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArrayDyn<'py, f32>> {
    let py = data.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", "float32")?;
    let array = py
        .import("numpy")?
        .call_method("ascontiguousarray", (data,), Some(&kwargs))?;
    Ok(array.extract::<PyReadonlyArrayDyn<'py, f32>>()?)
}

/// ``(rows, features)`` of a 1-D or 2-D array (hnswlib's
/// ``get_input_array_shapes``).
fn shape(array: &PyReadonlyArrayDyn<'_, f32>) -> PyResult<(usize, usize)> {
    match array.shape() {
        [features] => Ok((1, *features)),
        [rows, features] => Ok((*rows, *features)),
        other => Err(PyRuntimeError::new_err(format!(
            "Input vector data wrong shape. Number of dimensions {}. Data must be a 1D or 2D array.",
            other.len()
        ))),
    }
}

/// Labels from ``ids`` (an int or any array-like of them, as uint64) and
/// their number of dimensions.
fn labels(ids: &Bound<'_, PyAny>) -> PyResult<(usize, Vec<u64>)> {
    let py = ids.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", "uint64")?;
    let array = py
        .import("numpy")?
        .call_method("asarray", (ids,), Some(&kwargs))?;
    let array = array.extract::<PyReadonlyArrayDyn<'_, u64>>()?;
    let ndim = array.ndim();
    Ok((ndim, array.as_array().iter().copied().collect()))
}

impl Index {
    fn index(&self) -> PyResult<&HnswIndex> {
        self.inner.as_ref().ok_or_else(not_initialized)
    }

    fn index_mut(&mut self) -> PyResult<&mut HnswIndex> {
        self.inner.as_mut().ok_or_else(not_initialized)
    }

    fn threads(&self, num_threads: i64) -> usize {
        let n = if num_threads <= 0 {
            self.num_threads
        } else {
            num_threads
        };
        n.max(1) as usize
    }
}

fn not_initialized() -> PyErr {
    PyRuntimeError::new_err("The index is not initialized: call init_index or load_index first")
}

#[pymethods]
impl Index {
    /// A new index of ``dim``-dimensional vectors in ``space`` (``'l2'``,
    /// ``'ip'`` or ``'cosine'``); ``init_index`` or ``load_index`` next.
    #[new]
    #[pyo3(signature = (space, dim))]
    fn new(space: &str, dim: usize) -> PyResult<Self> {
        let space: Space = space
            .parse()
            .map_err(|_| PyRuntimeError::new_err("Space name must be one of l2, ip, or cosine."))?;
        Ok(Index {
            space,
            dim,
            inner: None,
            cur_l: 0,
            default_ef: 10,
            num_threads: all_cores(),
            seed: 100,
        })
    }

    /// Creates the empty graph: capacity ``max_elements``, ``M`` links per
    /// element (``2M`` on level 0), build beam ``ef_construction``, the seed
    /// of the level draws, and whether ``add_items(replace_deleted=True)``
    /// may reuse deleted elements' slots.
    #[pyo3(signature = (max_elements, M=16, ef_construction=200, random_seed=100, allow_replace_deleted=false))]
    #[allow(non_snake_case)]
    fn init_index(
        &mut self,
        max_elements: usize,
        M: usize,
        ef_construction: usize,
        random_seed: u64,
        allow_replace_deleted: bool,
    ) -> PyResult<()> {
        if self.inner.is_some() {
            return Err(PyRuntimeError::new_err("The index is already initiated."));
        }
        let params = Params::default()
            .max_elements(max_elements)
            .m(M)
            .ef_construction(ef_construction)
            .random_seed(random_seed);
        let mut index = HnswIndex::new(self.space, self.dim, params).map_err(errors::hnsw)?;
        index.set_ef(self.default_ef.max(1)).map_err(errors::hnsw)?;
        index.set_allow_replace_deleted(allow_replace_deleted);
        self.inner = Some(index);
        self.cur_l = 0;
        self.seed = random_seed;
        Ok(())
    }

    /// Adds the rows of ``data`` (1-D: one vector; 2-D: one per row) with
    /// labels ``ids`` (default: a running counter from 0). A label already
    /// present has its vector updated; with ``replace_deleted`` new labels
    /// take deleted elements' slots first. The GIL is released.
    #[pyo3(signature = (data, ids=None, num_threads=-1, replace_deleted=false))]
    fn add_items(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        ids: Option<&Bound<'_, PyAny>>,
        num_threads: i64,
        replace_deleted: bool,
    ) -> PyResult<()> {
        let array = float_array(data)?;
        let (rows, features) = shape(&array)?;
        if features != self.dim {
            return Err(PyRuntimeError::new_err(
                "Wrong dimensionality of the vectors",
            ));
        }
        let ids = match ids.filter(|i| !i.is_none()) {
            None => (0..rows as u64).map(|row| self.cur_l + row).collect(),
            Some(ids) => {
                let (ndim, ids) = labels(ids)?;
                if !((ndim == 1 && ids.len() == rows) || (ndim == 0 && rows == 1)) {
                    return Err(PyRuntimeError::new_err(format!(
                        "The input label shape {ndim} does not match the input data vector shape {rows}"
                    )));
                }
                ids
            }
        };
        let mut threads = self.threads(num_threads);
        if rows <= threads * 4 {
            threads = 1;
        }
        let slice = array.as_slice()?;
        let index = self.index_mut()?;
        index.set_num_threads(threads);
        py.detach(|| index.add_or_update_items(slice, &ids, replace_deleted))
            .map_err(errors::hnsw)?;
        self.cur_l += rows as u64;
        Ok(())
    }

    /// The ``k`` nearest elements of each row of ``data``, nearest first, as
    /// ``(labels, distances)``: uint64 and float32 arrays of shape
    /// ``(rows, k)``. ``filter(label) -> bool`` keeps only the labels it
    /// accepts (then one thread, the GIL held for the callback). A row that
    /// cannot be filled is a ``RuntimeError``, as in hnswlib.
    #[pyo3(signature = (data, k=1, num_threads=-1, filter=None))]
    fn knn_query<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        k: usize,
        num_threads: i64,
        filter: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let array = float_array(data)?;
        let (rows, features) = shape(&array)?;
        let index = self.index()?;
        if features != self.dim {
            return Err(PyRuntimeError::new_err(
                "Wrong dimensionality of the vectors",
            ));
        }
        if k > index.get_current_count() {
            // It cannot be filled (and `rows * k` answers are never allocated).
            return Err(short_answer());
        }
        let slice = array.as_slice()?;
        let mut threads = self.threads(num_threads);
        if rows <= threads * 4 {
            // hnswlib's rule: few queries run on the calling thread.
            threads = 1;
        }
        let query_error = |e: hnsw::Error| match e {
            hnsw::Error::Empty => short_answer(),
            e => errors::hnsw(e),
        };
        let found: Vec<Vec<hnsw::Neighbor>> = match filter.filter(|f| !f.is_none()) {
            Some(filter) => {
                let failure: std::cell::RefCell<Option<PyErr>> = std::cell::RefCell::new(None);
                let accept = |label: u64| -> bool {
                    if failure.borrow().is_some() {
                        return false;
                    }
                    match filter.call1((label,)).and_then(|r| r.is_truthy()) {
                        Ok(yes) => yes,
                        Err(e) => {
                            *failure.borrow_mut() = Some(e);
                            false
                        }
                    }
                };
                let mut out = Vec::with_capacity(rows);
                for row in slice.chunks_exact(self.dim.max(1)).take(rows) {
                    let result = index.knn_query_filter(row, k, &accept);
                    if let Some(e) = failure.borrow_mut().take() {
                        return Err(e);
                    }
                    out.push(result.map_err(query_error)?);
                }
                out
            }
            None if threads == 1 => py
                .detach(|| {
                    slice
                        .chunks_exact(self.dim.max(1))
                        .take(rows)
                        .map(|row| index.knn_query(row, k))
                        .collect::<hnsw::Result<Vec<_>>>()
                })
                .map_err(query_error)?,
            None => py
                .detach(|| index.knn_query_batch(slice, k, threads))
                .map_err(query_error)?,
        };
        let mut ids = Vec::with_capacity(rows * k);
        let mut distances = Vec::with_capacity(rows * k);
        for row in &found {
            if row.len() != k {
                return Err(short_answer());
            }
            ids.extend(row.iter().map(|n| n.label));
            distances.extend(row.iter().map(|n| n.distance));
        }
        let ids = ndarray::Array2::from_shape_vec((rows, k), ids)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let distances = ndarray::Array2::from_shape_vec((rows, k), distances)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        PyTuple::new(
            py,
            [
                PyArray2::from_owned_array(py, ids).into_any(),
                PyArray2::from_owned_array(py, distances).into_any(),
            ],
        )
    }

    /// Sets the query-time beam width (at least ``k`` is used).
    fn set_ef(&mut self, ef: usize) -> PyResult<()> {
        if let Some(index) = self.inner.as_mut() {
            index.set_ef(ef.max(1)).map_err(errors::hnsw)?;
        }
        self.default_ef = ef;
        Ok(())
    }

    /// The threads ``add_items`` and ``knn_query`` use when given ``-1``.
    fn set_num_threads(&mut self, num_threads: i64) {
        self.num_threads = num_threads;
    }

    /// The size of the file ``save_index`` writes, in bytes.
    fn index_file_size(&self) -> PyResult<usize> {
        Ok(self.index()?.index_file_size())
    }

    /// Saves the index in hnswlib's format (atomically: written to a
    /// temporary file, then renamed). The GIL is released.
    fn save_index(&self, py: Python<'_>, path_to_index: PathBuf) -> PyResult<()> {
        let index = self.index()?;
        py.detach(|| index.save_index(&path_to_index))
            .map_err(errors::hnsw)
    }

    /// Loads an index saved by hnswlib or ``save_index`` (memory-mapped),
    /// replacing this one. ``max_elements`` larger than the element count
    /// raises the capacity; ``ef`` is reset to 10, as in hnswlib.
    #[pyo3(signature = (path_to_index, max_elements=0, allow_replace_deleted=false))]
    fn load_index(
        &mut self,
        py: Python<'_>,
        path_to_index: PathBuf,
        max_elements: usize,
        allow_replace_deleted: bool,
    ) -> PyResult<()> {
        let capacity = if max_elements == 0 {
            Capacity::Saved
        } else {
            Capacity::AtLeast(max_elements)
        };
        let (space, dim) = (self.space, self.dim);
        let mut index = py
            .detach(|| HnswIndex::load_index(&path_to_index, space, dim, capacity))
            .map_err(errors::hnsw)?;
        index.set_allow_replace_deleted(allow_replace_deleted);
        self.cur_l = index.get_current_count() as u64;
        self.inner = Some(index);
        Ok(())
    }

    /// Marks ``label`` deleted: never returned, still used for navigation.
    fn mark_deleted(&mut self, label: u64) -> PyResult<()> {
        self.index_mut()?.mark_deleted(label).map_err(errors::hnsw)
    }

    /// Undoes ``mark_deleted``.
    fn unmark_deleted(&mut self, label: u64) -> PyResult<()> {
        self.index_mut()?
            .unmark_deleted(label)
            .map_err(errors::hnsw)
    }

    /// Changes the capacity (not below the element count).
    fn resize_index(&mut self, new_size: usize) -> PyResult<()> {
        self.index_mut()?
            .resize_index(new_size)
            .map_err(errors::hnsw)
    }

    /// The stored vectors of the labels ``ids`` (normalised in the cosine
    /// space), as a float32 array of shape ``(len(ids), dim)`` or, with
    /// ``return_type='list'``, a list of lists.
    #[pyo3(signature = (ids=None, return_type="numpy"))]
    fn get_items<'py>(
        &self,
        py: Python<'py>,
        ids: Option<&Bound<'py, PyAny>>,
        return_type: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if return_type != "numpy" && return_type != "list" {
            return Err(PyValueError::new_err(
                "return_type should be \"numpy\" or \"list\"",
            ));
        }
        let ids = match ids.filter(|i| !i.is_none()) {
            None => Vec::new(),
            Some(ids) => {
                let (ndim, ids) = labels(ids)?;
                if ndim == 0 {
                    return Err(PyValueError::new_err(
                        "get_items accepts a list of indices and returns a list of vectors",
                    ));
                }
                ids
            }
        };
        let index = self.index()?;
        let rows = index.get_items(&ids).map_err(errors::hnsw)?;
        if return_type == "list" {
            return Ok(PyList::new(py, rows)?.into_any());
        }
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        let matrix = ndarray::Array2::from_shape_vec((ids.len(), self.dim), flat)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyArray2::from_owned_array(py, matrix).into_any())
    }

    /// The labels of all elements, deleted ones included (in insertion
    /// order; hnswlib gives them in hash order).
    fn get_ids_list(&self) -> PyResult<Vec<u64>> {
        Ok(self.index()?.get_ids_list())
    }

    /// The capacity.
    fn get_max_elements(&self) -> PyResult<usize> {
        Ok(self.index()?.get_max_elements())
    }

    /// The number of elements, deleted ones included.
    fn get_current_count(&self) -> PyResult<usize> {
        Ok(self.index()?.get_current_count())
    }

    /// The space name.
    #[getter]
    fn space(&self) -> &'static str {
        self.space.name()
    }

    /// The dimension.
    #[getter]
    fn dim(&self) -> usize {
        self.dim
    }

    /// ``M`` (0 before ``init_index``).
    #[getter(M)]
    fn m(&self) -> usize {
        self.inner.as_ref().map_or(0, HnswIndex::m)
    }

    /// ``ef_construction`` (0 before ``init_index``).
    #[getter]
    fn ef_construction(&self) -> usize {
        self.inner.as_ref().map_or(0, HnswIndex::ef_construction)
    }

    /// The query-time beam width (settable, as ``set_ef``).
    #[getter(ef)]
    fn ef_property(&self) -> usize {
        self.inner.as_ref().map_or(self.default_ef, HnswIndex::ef)
    }

    #[setter(ef)]
    fn set_ef_property(&mut self, ef: usize) -> PyResult<()> {
        self.set_ef(ef)
    }

    /// The capacity (0 before ``init_index``).
    #[getter(max_elements)]
    fn max_elements_property(&self) -> usize {
        self.inner.as_ref().map_or(0, HnswIndex::get_max_elements)
    }

    /// The number of elements, deleted ones included (0 before ``init_index``).
    #[getter]
    fn element_count(&self) -> usize {
        self.inner.as_ref().map_or(0, HnswIndex::get_current_count)
    }

    /// The default thread count (settable).
    #[getter(num_threads)]
    fn num_threads_property(&self) -> i64 {
        self.num_threads
    }

    #[setter(num_threads)]
    fn set_num_threads_property(&mut self, num_threads: i64) {
        self.num_threads = num_threads;
    }

    fn __repr__(&self) -> String {
        format!(
            "<w2v_annoy.hnswlib.Index(space='{}', dim={})>",
            self.space.name(),
            self.dim
        )
    }

    /// Pickling: ``Index(space, dim)`` then ``__setstate__`` with the
    /// settings and the index in hnswlib's file format.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.borrow();
        let state = PyDict::new(py);
        state.set_item("ser_version", STATE_VERSION)?;
        state.set_item("ef", this.default_ef)?;
        state.set_item("num_threads", this.num_threads)?;
        state.set_item("seed", this.seed)?;
        state.set_item("cur_l", this.cur_l)?;
        match &this.inner {
            Some(index) => {
                let mut bytes = Vec::with_capacity(index.index_file_size());
                py.detach(|| index.write_to(&mut bytes))
                    .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
                state.set_item("index", PyBytes::new(py, &bytes))?;
                state.set_item("index_ef", index.ef())?;
                state.set_item("allow_replace_deleted", index.allow_replace_deleted())?;
            }
            None => state.set_item("index", py.None())?,
        }
        let args = PyTuple::new(
            py,
            [
                this.space.name().into_pyobject(py)?.into_any(),
                this.dim.into_pyobject(py)?.into_any(),
            ],
        )?;
        PyTuple::new(
            py,
            [slf.get_type().into_any(), args.into_any(), state.into_any()],
        )
    }

    /// Restores what ``__reduce__`` saved.
    fn __setstate__(&mut self, py: Python<'_>, state: &Bound<'_, PyDict>) -> PyResult<()> {
        let get = |key: &str| -> PyResult<Bound<'_, PyAny>> {
            state
                .get_item(key)?
                .ok_or_else(|| PyRuntimeError::new_err(format!("Unpickle Error: no {key:?}")))
        };
        let version: u32 = get("ser_version")?.extract()?;
        if version > STATE_VERSION {
            return Err(PyRuntimeError::new_err(
                "Unpickle Error: Invalid serialization version!",
            ));
        }
        self.default_ef = get("ef")?.extract()?;
        self.num_threads = get("num_threads")?.extract()?;
        self.seed = get("seed")?.extract()?;
        self.cur_l = get("cur_l")?.extract()?;
        let bytes = get("index")?;
        self.inner = if bytes.is_none() {
            None
        } else {
            let bytes = bytes.cast::<PyBytes>()?.as_bytes();
            let (space, dim) = (self.space, self.dim);
            let mut index = py
                .detach(|| HnswIndex::from_bytes(bytes, space, dim, Capacity::Saved))
                .map_err(errors::hnsw)?;
            index
                .set_ef(get("index_ef")?.extract()?)
                .map_err(errors::hnsw)?;
            index.set_allow_replace_deleted(get("allow_replace_deleted")?.extract()?);
            Some(index)
        };
        Ok(())
    }
}
