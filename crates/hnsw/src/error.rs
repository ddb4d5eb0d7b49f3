//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing an index failed, or its output path was refused.
    #[error(transparent)]
    Output(#[from] atomic_file::Error),
    /// An I/O operation on `path` failed.
    #[error("cannot {op} {}", path.display())]
    Io {
        /// What was being done: "open", "map", "read", ...
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved index is damaged or not an hnswlib index of the space and
    /// dimension given.
    #[error("{}byte {offset}: {message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Format {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// The byte offset of the offending field.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// A space name other than `l2`, `ip` and `cosine`.
    #[error("unknown space {0:?}: the space name must be one of l2, ip, or cosine")]
    UnknownSpace(String),
    /// A parameter outside what the index accepts.
    #[error("{name} = {value} is out of range: {expected}")]
    Parameter {
        /// The parameter (`dim`, `M`, `ef`, ...).
        name: &'static str,
        /// The value given.
        value: u64,
        /// The range accepted.
        expected: &'static str,
    },
    /// A vector's (or a row-major batch's) length does not fit the dimension.
    #[error("wrong dimensionality of the vectors: {found} values for dimension {expected}")]
    Dimension {
        /// The index's dimension.
        expected: usize,
        /// The number of values given.
        found: usize,
    },
    /// The ids of `add_items` are not one per row.
    #[error("{rows} rows but {ids} ids")]
    IdCount {
        /// Rows of data.
        rows: usize,
        /// Ids given.
        ids: usize,
    },
    /// A vector holds NaN or an infinity.
    #[error("row {row} holds NaN or infinite values")]
    NonFinite {
        /// The row within the call.
        row: usize,
    },
    /// Adding would exceed `max_elements` (hnswlib's "The number of
    /// elements exceeds the specified limit").
    #[error(
        "the number of elements exceeds the specified limit: {count} + {adding} > {max_elements}"
    )]
    Capacity {
        /// Elements already in the index.
        count: usize,
        /// Elements being added.
        adding: usize,
        /// The capacity.
        max_elements: usize,
    },
    /// `resize_index` to fewer elements than the index holds.
    #[error("cannot resize to {requested}: the index holds {count} elements")]
    ResizeBelowCount {
        /// The capacity asked for.
        requested: usize,
        /// Elements in the index.
        count: usize,
    },
    /// A label that is not in the index (or deleted, where a live one is needed).
    #[error("label {0} not found")]
    LabelNotFound(u64),
    /// A label added twice (hnswlib would update the element in place; this
    /// crate refuses instead).
    #[error("label {0} is already in the index")]
    LabelExists(u64),
    /// `replace_deleted` asked of an index that does not allow it
    /// (hnswlib's "Replacement of deleted elements is disabled in
    /// constructor").
    #[error("replacement of deleted elements is disabled: allow it first (init_index or load_index with allow_replace_deleted)")]
    ReplaceDisabled,
    /// Updating a deleted element by its label while replacement of deleted
    /// elements is allowed (hnswlib refuses it the same way: the slot may be
    /// reused at any moment).
    #[error("label {0} is deleted: cannot update deleted elements if replacement of deleted elements is enabled")]
    UpdateDeleted(u64),
    /// `mark_deleted` on a deleted element.
    #[error("label {0} is already deleted")]
    AlreadyDeleted(u64),
    /// `unmark_deleted` on a live element.
    #[error("label {0} is not deleted")]
    NotDeleted(u64),
    /// A query on an index with no live element.
    #[error("the index holds no element to search")]
    Empty,
    /// The build's thread pool could not be started.
    #[error("cannot start {threads} build threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Rayon's message.
        message: String,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
