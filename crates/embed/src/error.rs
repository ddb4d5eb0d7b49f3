//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while building, training, saving or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an output failed, or the output was refused (a device, a
    /// directory, one of the inputs).
    #[error(transparent)]
    Output(#[from] atomic_file::Error),
    /// Reading the corpus failed.
    #[error(transparent)]
    Corpus(#[from] corpus::Error),
    /// Reading or writing vectors failed.
    #[error(transparent)]
    Vectors(#[from] vecstore::Error),
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
    /// A parameter is out of its range.
    #[error("invalid parameter {name}: {reason}")]
    Param {
        /// The parameter's name, as in gensim.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The corpus has no word that survives `min_count`.
    #[error("the vocabulary is empty: no word occurs at least {min_count} times")]
    EmptyVocab {
        /// The effective `min_count`.
        min_count: u64,
    },
    /// Inference was asked of a model that was never trained.
    #[error("the model has not been trained: train it before inferring vectors")]
    Untrained,
    /// A saved model's files do not fit together.
    #[error("{}: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
