//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong when writing, or checking where to write.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O operation on `path` failed.
    #[error("cannot {op} {}", path.display())]
    Io {
        /// What was being done: "write", "rename a temporary file to", ...
        op: &'static str,
        /// The file concerned (the final name, not the temporary one).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An output exists and is not a regular file.
    #[error("{}: {what}; outputs must be regular files", path.display())]
    NotRegular {
        /// The output, after symlinks.
        path: PathBuf,
        /// What it is instead: "is a directory", "is a FIFO", ...
        what: &'static str,
    },
    /// An output would replace one of the inputs.
    #[error("{} would overwrite the input {}; choose another output", output.display(), input.display())]
    OverwritesInput {
        /// The output as given.
        output: PathBuf,
        /// The input it is (after symlinks and hard links).
        input: PathBuf,
    },
    /// Two outputs of one command are the same file.
    #[error("{} and {} are the same output file", first.display(), second.display())]
    SameOutput {
        /// The first output as given.
        first: PathBuf,
        /// The second output as given.
        second: PathBuf,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `op` on `path`.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
