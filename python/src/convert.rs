//! Arguments from Python: vectors from numpy arrays or sequences, and
//! query terms (words, indices, vectors) as gensim accepts them.

use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

/// A vector: a 1-D numpy array (float32 without a copy of its meaning,
/// float64 converted) or any sequence of numbers.
pub fn vector(obj: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    if let Ok(array) = obj.extract::<PyReadonlyArray1<'_, f32>>() {
        return Ok(array.as_array().to_vec());
    }
    if let Ok(array) = obj.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(array.as_array().iter().map(|&x| x as f32).collect());
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("expected a vector, got a string"));
    }
    if let Ok(array) = obj.cast::<numpy::PyUntypedArray>() {
        if array.ndim() != 1 {
            return Err(PyTypeError::new_err(format!(
                "expected a 1-D vector, got an array of {} dimensions",
                array.ndim()
            )));
        }
        let converted = obj.call_method1("astype", ("float32",))?;
        return vector(&converted);
    }
    obj.extract::<Vec<f32>>()
}

/// One term of a similarity query, owned: a word or a raw vector.
pub enum OwnedTerm {
    /// A word of the vocabulary.
    Word(String),
    /// A raw vector, used as given.
    Vector(Vec<f32>),
}

impl OwnedTerm {
    /// The borrowed form `knn` takes.
    pub fn as_term(&self) -> knn::Term<'_> {
        match self {
            OwnedTerm::Word(w) => knn::Term::Word(w),
            OwnedTerm::Vector(v) => knn::Term::Vector(v),
        }
    }
}

/// gensim's `_ensure_list` and key handling: `None`, a single key or vector,
/// or a list of keys (str, or int indices into `index_to_key`) and vectors.
pub fn terms(obj: Option<&Bound<'_, PyAny>>, words: &[String]) -> PyResult<Vec<OwnedTerm>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    if obj.is_instance_of::<PyString>() || obj.cast::<numpy::PyUntypedArray>().is_ok() {
        return Ok(vec![term(obj, words)?]);
    }
    if obj.extract::<i64>().is_ok() {
        return Ok(vec![term(obj, words)?]);
    }
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) && obj.len().is_err() {
        return Err(PyTypeError::new_err(
            "expected a key, a vector, or a list of keys and vectors",
        ));
    }
    obj.try_iter()?.map(|item| term(&item?, words)).collect()
}

fn term(item: &Bound<'_, PyAny>, words: &[String]) -> PyResult<OwnedTerm> {
    if let Ok(word) = item.extract::<String>() {
        return Ok(OwnedTerm::Word(word));
    }
    if item.is_instance_of::<PyTuple>() {
        return Err(PyTypeError::new_err(
            "(key, weight) pairs are not supported: give positive and negative keys",
        ));
    }
    if let Ok(index) = item.extract::<i64>() {
        return usize::try_from(index)
            .ok()
            .and_then(|i| words.get(i))
            .map(|w| OwnedTerm::Word(w.clone()))
            .ok_or_else(|| PyKeyError::new_err(format!("Key '{index}' not present")));
    }
    Ok(OwnedTerm::Vector(vector(item)?))
}

/// A list of words (str items of any iterable; a single str is refused, as
/// it would be read as its characters).
pub fn words(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "expected a list of keys, got a string",
        ));
    }
    obj.try_iter()?.map(|item| item?.extract()).collect()
}

/// The keys of a gensim `index_to_key`, and how many leading ones are
/// ints: a Doc2Vec `dv` lists its integer tags first, each equal to its
/// row, kept here as their decimal text (the keys `embed` gives them).
pub fn tag_keys(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<String>, usize)> {
    let mut int_rows = 0;
    let keys = obj
        .try_iter()?
        .enumerate()
        .map(|(row, item)| {
            let item = item?;
            if item.is_instance_of::<PyString>() {
                return item.extract();
            }
            match item.extract::<usize>() {
                Ok(n) if n == row && int_rows == row => {
                    int_rows += 1;
                    Ok(n.to_string())
                }
                _ => Err(PyTypeError::new_err(format!(
                    "key {row} is {}: keys are str, or ints equal to their row first (Doc2Vec tags)",
                    item.repr()?
                ))),
            }
        })
        .collect::<PyResult<Vec<String>>>()?;
    Ok((keys, int_rows))
}

/// Annoy's `search_k`: -1 (or any negative) means its default.
pub fn search_k(search_k: i64) -> Option<usize> {
    usize::try_from(search_k).ok()
}
