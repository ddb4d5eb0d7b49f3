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
        /// What was being done: "open", "read", "write", ...
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive is malformed, lacks the wanted entry, or uses an
    /// unsupported compression method.
    #[error("{}: {message}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// Unpacked data does not match its expected checksum or size.
    #[error("{}: {what} mismatch: expected {expected}, found {found}", path.display())]
    Corrupt {
        /// The file concerned.
        path: PathBuf,
        /// Which check failed: "CRC-32", "size", "SHA-256".
        what: &'static str,
        /// The expected value.
        expected: String,
        /// The value found.
        found: String,
    },
    /// A download failed.
    #[error(
        "cannot download {url}: {message}\n\
         (without network: pass the corpus with --corpus PATH, or put text8.zip in {})",
        cache_dir.display()
    )]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
        /// Where a manually fetched `text8.zip` would be picked up.
        cache_dir: PathBuf,
    },
    /// A line of a documents file does not follow its form.
    #[error("{}, line {line}: {message}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: u64,
        /// What was wrong.
        message: &'static str,
    },
    /// More counting threads than [`crate::MAX_THREADS`] were asked for.
    #[error("{threads} threads asked for, more than the limit of {max}")]
    TooManyThreads {
        /// Threads asked for.
        threads: usize,
        /// The limit.
        max: usize,
    },
    /// No cache directory could be chosen.
    #[error("no cache directory: set W2V_CACHE_DIR or pass one explicitly")]
    NoCacheDir,
    /// A word given to [`crate::LineWriter`] is empty or holds whitespace,
    /// so it could not be read back as one word.
    #[error("sentence {sentence}: the word {word:?} is empty or holds whitespace, which separates words")]
    UnwritableWord {
        /// The 0-based index of the sentence.
        sentence: u64,
        /// The word.
        word: String,
    },
    /// A document given to [`crate::DocumentWriter`] could not be read back
    /// as the same document: no tag, or a string tag that is empty, holds
    /// whitespace or is longer than [`crate::MAX_WORD_BYTES`].
    #[error("document {document}: {message}")]
    UnwritableDocument {
        /// The 0-based index of the document.
        document: u64,
        /// What is wrong.
        message: String,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `op` on `path`.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
