//! Each crate's errors as the exception gensim or Annoy raises in the same
//! case: `KeyError` for an unknown word, `OSError` (with errno and path, so
//! `FileNotFoundError` where it applies) for I/O, `IndexError` for Annoy's
//! bad ids and lengths, `ValueError` for bad input or files; hnswlib's
//! `RuntimeError`s with its messages for `w2v_annoy.hnswlib`. Never a panic.

use std::path::Path;

use pyo3::exceptions::{PyIndexError, PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// An `OSError(errno, message, filename)`: Python picks the subclass
/// (`FileNotFoundError`, `PermissionError`, ...) from the errno.
fn os_error(op: &str, path: &Path, source: &std::io::Error) -> PyErr {
    match source.raw_os_error() {
        Some(errno) => {
            // Python's own wording: "[Errno 2] No such file or directory: 'path'".
            let text = source.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text);
            PyOSError::new_err((
                errno,
                format!("cannot {op}: {text}"),
                path.display().to_string(),
            ))
        }
        None => PyOSError::new_err(format!("cannot {op} {}: {source}", path.display())),
    }
}

/// The message of `e` with its causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// `vecstore` errors.
pub fn vectors(e: vecstore::Error) -> PyErr {
    use vecstore::Error as E;
    match &e {
        E::Io { op, path, source } => os_error(op, path, source),
        // gensim: KeyError("Key 'xyz' not present").
        E::KeyNotFound(word) => PyKeyError::new_err(format!("Key '{word}' not present")),
        E::Output(_) => PyOSError::new_err(chain(&e)),
        _ => PyValueError::new_err(chain(&e)),
    }
}

/// `knn` errors.
pub fn knn(e: knn::Error) -> PyErr {
    use knn::Error as E;
    match e {
        E::Io { op, path, source } => os_error(op, &path, &source),
        E::UnknownWords(words) => PyKeyError::new_err(format!(
            "Key '{}' not present",
            words.first().map(String::as_str).unwrap_or_default()
        )),
        E::Vectors(e) => vectors(e),
        E::Annoy(e) => annoy(e),
        E::Hnsw(hnsw::Error::Io { op, path, source }) => os_error(op, &path, &source),
        E::Hnsw(hnsw::Error::Output(_)) => PyOSError::new_err(chain(&e)),
        E::Output(_) => PyOSError::new_err(chain(&e)),
        E::Sidecar(ref inner) => match inner {
            knn::sidecar::Error::Io { .. } => PyOSError::new_err(chain(&e)),
            _ => PyValueError::new_err(chain(&e)),
        },
        e => PyValueError::new_err(chain(&e)),
    }
}

/// `annoy-rs` errors, as Annoy's Python module raises them.
pub fn annoy(e: annoy_rs::Error) -> PyErr {
    use annoy_rs::Error as E;
    match &e {
        E::Io { op, path, source } => os_error(op, path, source),
        E::Output(_) => PyOSError::new_err(chain(&e)),
        E::DimensionMismatch { .. } | E::ItemOutOfRange { .. } | E::IdTooLarge { .. } => {
            PyIndexError::new_err(chain(&e))
        }
        E::AlreadyBuilt { .. } | E::NotBuilt { .. } | E::CannotAddTrees { .. } => {
            PyRuntimeError::new_err(chain(&e))
        }
        E::OutOfMemory { .. } => pyo3::exceptions::PyMemoryError::new_err(chain(&e)),
        _ => PyValueError::new_err(chain(&e)),
    }
}

/// `corpus` errors.
pub fn corpus(e: corpus::Error) -> PyErr {
    match &e {
        corpus::Error::Io { op, path, source } => os_error(op, path, source),
        _ => PyValueError::new_err(chain(&e)),
    }
}

/// `embed` errors.
pub fn embed(e: embed::Error) -> PyErr {
    use embed::Error as E;
    match e {
        E::Io { op, path, source } => os_error(op, &path, &source),
        E::Vectors(e) => vectors(e),
        E::Corpus(e) => corpus(e),
        E::Output(_) => PyOSError::new_err(chain(&e)),
        // gensim: RuntimeError("you must first build vocabulary before training the model").
        E::EmptyVocab { .. } => PyRuntimeError::new_err(chain(&e)),
        e => PyValueError::new_err(chain(&e)),
    }
}

/// The classes of hnswlib's I/O errors here: `OSError`s (with errno and
/// path) that are also `RuntimeError`s, which is what hnswlib raises for
/// "Cannot open file", so code written for either catches them.
static HNSW_FILE_ERRORS: pyo3::sync::PyOnceLock<(Py<PyType>, Py<PyType>)> =
    pyo3::sync::PyOnceLock::new();

/// `(IndexFileNotFoundError, IndexFileError)`: subclasses of
/// `(FileNotFoundError, RuntimeError)` and `(OSError, RuntimeError)`,
/// made once and exported by `w2v_annoy.hnswlib`.
pub fn hnsw_file_errors(py: Python<'_>) -> PyResult<(Bound<'_, PyType>, Bound<'_, PyType>)> {
    let (missing, other) = HNSW_FILE_ERRORS.get_or_try_init(py, || -> PyResult<_> {
        let make = |name: &str, base: Bound<'_, PyType>| -> PyResult<Py<PyType>> {
            let namespace = pyo3::types::PyDict::new(py);
            namespace.set_item("__module__", "w2v_annoy.hnswlib")?;
            namespace.set_item(
                "__doc__",
                "An I/O error of an hnswlib index file: an OSError that is also hnswlib's RuntimeError.",
            )?;
            let bases = pyo3::types::PyTuple::new(
                py,
                [base.into_any(), py.get_type::<PyRuntimeError>().into_any()],
            )?;
            Ok(py
                .get_type::<pyo3::types::PyType>()
                .call1((name, bases, namespace))?
                .cast_into::<PyType>()?
                .unbind())
        };
        Ok((
            make(
                "IndexFileNotFoundError",
                py.get_type::<pyo3::exceptions::PyFileNotFoundError>(),
            )?,
            make("IndexFileError", py.get_type::<PyOSError>())?,
        ))
    })?;
    Ok((missing.bind(py).clone(), other.bind(py).clone()))
}

/// An I/O error of `hnsw` as [`hnsw_file_errors`]' class.
fn hnsw_io(message: String, path: Option<&Path>, source: Option<&std::io::Error>) -> PyErr {
    Python::attach(|py| {
        let (missing, other) = match hnsw_file_errors(py) {
            Ok(classes) => classes,
            Err(e) => return e,
        };
        let errno = source.and_then(std::io::Error::raw_os_error);
        let class = match source.map(std::io::Error::kind) {
            Some(std::io::ErrorKind::NotFound) => missing,
            _ => other,
        };
        let made = match (errno, path) {
            (Some(errno), Some(path)) => class.call1((errno, message, path.display().to_string())),
            _ => class.call1((message,)),
        };
        match made {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        }
    })
}

/// `hnsw` errors, as hnswlib's Python module raises them: `RuntimeError`
/// with hnswlib's message (the details after it), I/O errors as
/// [`hnsw_file_errors`].
pub fn hnsw(e: hnsw::Error) -> PyErr {
    use hnsw::Error as E;
    let detail = chain(&e);
    let runtime = |hnswlib: &str| PyRuntimeError::new_err(format!("{hnswlib} ({detail})"));
    match &e {
        E::Io { path, source, .. } => hnsw_io(
            format!("Cannot open file: {detail}"),
            Some(path),
            Some(source),
        ),
        E::Output(_) => hnsw_io(detail, None, None),
        E::Format { .. } => runtime("Index seems to be corrupted or unsupported"),
        E::UnknownSpace(_) => PyRuntimeError::new_err("Space name must be one of l2, ip, or cosine."),
        E::Dimension { .. } => runtime("Wrong dimensionality of the vectors"),
        E::Capacity { .. } => runtime("The number of elements exceeds the specified limit"),
        E::ResizeBelowCount { .. } => {
            runtime("Cannot resize, max element is less than the current number of elements")
        }
        E::LabelNotFound(_) => runtime("Label not found"),
        E::AlreadyDeleted(_) => runtime("The requested to delete element is already deleted"),
        E::NotDeleted(_) => runtime("The requested to undelete element is not deleted"),
        E::ReplaceDisabled => runtime("Replacement of deleted elements is disabled in constructor"),
        E::UpdateDeleted(_) => runtime(
            "Can't use addPoint to update deleted elements if replacement of deleted elements is enabled.",
        ),
        _ => PyRuntimeError::new_err(detail),
    }
}
