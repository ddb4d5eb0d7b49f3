//! The crate's error type.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line number (text formats).
    Line(u64),
    /// A 0-based byte offset from the start of the file (binary formats).
    Byte(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Byte(offset) => write!(f, "byte {offset}"),
        }
    }
}

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
        /// What was being done: "open", "read", "write", ...
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content does not follow its format.
    #[error("{}, {location}: {message}", path.display())]
    Format {
        /// The file concerned.
        path: PathBuf,
        /// Where in the file the problem is.
        location: Location,
        /// What was wrong, in words.
        message: String,
    },
    /// A word is not valid UTF-8 and the policy is strict (gensim's
    /// `unicode_errors='strict'`, its default).
    #[error("{}, {location}: word {word:?} is not valid UTF-8 (at its byte {byte})", path.display())]
    InvalidUtf8 {
        /// The file concerned.
        path: PathBuf,
        /// Where the word is.
        location: Location,
        /// The word, invalid bytes replaced by U+FFFD.
        word: String,
        /// The offset of the first invalid byte in the word.
        byte: usize,
    },
    /// The format of a file could not be told from its name or content.
    #[error("{}: {reason}", path.display())]
    UnknownFormat {
        /// The file concerned.
        path: PathBuf,
        /// Why no format could be chosen.
        reason: String,
    },
    /// A vector does not have the dimension of the set it is added to.
    #[error("vector for {key:?} has {found} dimensions, expected {expected}")]
    DimensionMismatch {
        /// The key the vector was given for.
        key: String,
        /// The set's dimension.
        expected: usize,
        /// The vector's length.
        found: usize,
    },
    /// A key was added twice.
    #[error("key {0:?} is already present")]
    DuplicateKey(String),
    /// A key was looked up that is not in the vocabulary.
    #[error("key {0:?} not present in vocabulary")]
    KeyNotFound(String),
    /// An operation needs a non-empty list of keys.
    #[error("{0}: the list of keys is empty")]
    EmptyKeys(&'static str),
    /// Writing a vocabulary-counts file needs counts, and these vectors have none.
    #[error("cannot write counts to {}: these vectors carry no counts", path.display())]
    MissingCounts {
        /// The counts file that was asked for.
        path: PathBuf,
    },
    /// A per-key list (matrix rows, counts) does not have one entry per key.
    #[error("{found} {what} given for {keys} keys")]
    LengthMismatch {
        /// What was counted: "rows", "counts".
        what: &'static str,
        /// The number of keys.
        keys: usize,
        /// The number of entries given.
        found: usize,
    },
    /// A key cannot be written in a word2vec file (it is empty or holds whitespace,
    /// which would break the format's word separator).
    #[error("key {key:?} cannot be written in word2vec format: {reason}")]
    UnwritableKey {
        /// The key.
        key: String,
        /// Why not.
        reason: &'static str,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::Format`] for `path` at `location`.
    pub(crate) fn format(path: &Path, location: Location, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.to_path_buf(),
            location,
            message: message.into(),
        }
    }

    /// An [`Error::Io`] for `op` on `path`.
    pub(crate) fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}
