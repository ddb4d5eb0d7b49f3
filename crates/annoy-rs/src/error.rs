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
        /// What was being done: "open", "map", "write", ...
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A vector's length is not the index's dimension.
    #[error("vector has {found} dimensions, the index has {expected}")]
    DimensionMismatch {
        /// The index's dimension `f`.
        expected: usize,
        /// The vector's length.
        found: usize,
    },
    /// A vector holds a NaN or an infinity, which would make every distance
    /// to it meaningless.
    #[error("vector {what} has a non-finite value ({value}) at position {position}")]
    NonFinite {
        /// Which vector: "for item 12", "of the query".
        what: String,
        /// The offending coordinate.
        position: usize,
        /// Its value.
        value: f32,
    },
    /// An item id beyond the index's range.
    #[error("item {id} is out of range: the index has {n_items} items")]
    ItemOutOfRange {
        /// The id asked for.
        id: u64,
        /// The number of items (ids run from 0 to `n_items - 1`).
        n_items: usize,
    },
    /// An item id that Annoy's 32-bit signed ids cannot hold.
    #[error("item id {id} is too large: Annoy's ids are below {max}")]
    IdTooLarge {
        /// The id given.
        id: u64,
        /// The exclusive upper bound.
        max: u64,
    },
    /// The operation needs an index that is not built yet (Annoy's indexes
    /// are immutable once built or loaded).
    #[error("cannot {op}: the index is already built or loaded")]
    AlreadyBuilt {
        /// What was attempted: "add an item", "build".
        op: &'static str,
    },
    /// The operation needs a built or loaded index.
    #[error("cannot {op}: the index is not built (call build or load first)")]
    NotBuilt {
        /// What was attempted: "query", "save".
        op: &'static str,
    },
    /// `build` was asked for zero trees.
    #[error("cannot build a forest of 0 trees")]
    ZeroTrees,
    /// `add_trees` on a forest whose original roots are unknown (one loaded
    /// from a file keeps only the copies of its roots).
    #[error("cannot add trees: {reason}")]
    CannotAddTrees {
        /// Why.
        reason: &'static str,
    },
    /// `build` was called on an index without items.
    #[error("cannot build an index without items")]
    Empty,
    /// The forest would have more nodes than Annoy's 32-bit ids can address.
    #[error("the forest would need {nodes} nodes or more, above Annoy's limit of {max}: use fewer trees")]
    TooManyNodes {
        /// Nodes needed.
        nodes: u64,
        /// Annoy's limit (`i32::MAX`).
        max: u64,
    },
    /// A build asked for more threads than [`crate::MAX_THREADS`].
    #[error("{threads} build threads asked for, more than the limit of {max}")]
    TooManyThreads {
        /// Threads asked for.
        threads: usize,
        /// The limit.
        max: usize,
    },
    /// Memory for the index could not be reserved.
    #[error("cannot allocate {bytes} bytes for the index")]
    OutOfMemory {
        /// The size of the failed request.
        bytes: u64,
    },
    /// A metric name that is not one of Annoy's.
    #[error("unknown metric {0:?} (expected angular, euclidean, manhattan or dot)")]
    UnknownMetric(String),
    /// The bytes of an index are not an Annoy index of this dimension and
    /// metric, or are damaged.
    #[error("{}: not a valid {metric} index of dimension {dim}: {message}{}",
        path.as_ref().map_or_else(|| "index".into(), |p| p.display().to_string()),
        node.map_or_else(String::new, |n| format!(" (node {n})")))]
    Format {
        /// The file, when the bytes came from one.
        path: Option<PathBuf>,
        /// The metric the bytes were read as.
        metric: &'static str,
        /// The dimension the bytes were read as.
        dim: usize,
        /// The node where the problem is, if it is one node's.
        node: Option<u64>,
        /// What is wrong, in words.
        message: String,
    },
    /// Index bytes handed to [`crate::Forest::from_bytes`] are not 4-byte
    /// aligned, or the machine is big-endian (Annoy's files are little-endian):
    /// use [`crate::Forest::from_le_bytes_copied`] instead.
    #[error("index bytes cannot be used in place: {reason}")]
    Unaligned {
        /// Why not.
        reason: &'static str,
    },
    /// The thread pool for a build could not be created.
    #[error("cannot start {threads} build threads")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The underlying error.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// This crate's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `op` on `path`.
    pub(crate) fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}
