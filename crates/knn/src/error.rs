//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an output failed, or the output was refused (a device, a
    /// directory, one of the inputs).
    #[error(transparent)]
    Output(#[from] atomic_file::Error),
    /// An I/O operation on `path` failed.
    #[error("cannot {op} {}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An evaluation file is malformed.
    #[error("{}, line {line}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// An evaluation found nothing to evaluate.
    #[error("{}: no question or pair has all its words in the vocabulary", path.display())]
    NothingToEvaluate {
        /// The file.
        path: PathBuf,
    },
    /// A query's dimension differs from the vectors'.
    #[error("query has {found} dimensions, the vectors {expected}")]
    DimensionMismatch {
        /// The vectors' dimension.
        expected: usize,
        /// The query's.
        found: usize,
    },
    /// Words of a query are not in the vocabulary (gensim raises `KeyError`).
    #[error("not in the vocabulary: {}", .0.join(", "))]
    UnknownWords(Vec<String>),
    /// A query has no positive term.
    #[error("cannot compute similarity with no input")]
    EmptyQuery,
    /// A vector of the query holds NaN or infinite values (damaged or
    /// diverged vectors).
    #[error("the query vector holds NaN or infinite values: a vector of its words is damaged")]
    NonFiniteQuery,
    /// The query's terms add up to the zero vector, which has no direction.
    #[error("the query vector is zero")]
    ZeroQuery,
    /// A saved index does not belong to the vectors it is loaded for.
    #[error("{}: {what}", path.display())]
    IndexMismatch {
        /// The index file.
        path: std::path::PathBuf,
        /// What differs.
        what: String,
    },
    /// An Annoy error (building, saving, loading, querying).
    #[error(transparent)]
    Annoy(#[from] annoy_rs::Error),
    /// An HNSW error (building, saving, loading, querying).
    #[error(transparent)]
    Hnsw(#[from] hnsw::Error),
    /// A sidecar (`.ann.dict`) error.
    #[error(transparent)]
    Sidecar(#[from] crate::sidecar::Error),
    /// A vector-level error.
    #[error(transparent)]
    Vectors(#[from] vecstore::Error),
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
