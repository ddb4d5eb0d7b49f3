//! Each crate's errors as the exception gensim or Annoy raises in the same
//! case: `KeyError` for an unknown word, `OSError` (with errno and path, so
//! `FileNotFoundError` where it applies) for I/O, `IndexError` for Annoy's
//! bad ids and lengths, `ValueError` for bad input or files. Never a panic.

use std::path::Path;

use pyo3::exceptions::{PyIndexError, PyKeyError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::PyErr;

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
