//! Crash-safe file writes, sets of files saved together, and the checks an
//! output path passes before any work starts. Every crate of the workspace
//! that writes a file writes it through this one.
//!
//! - [`write_file`] and [`AtomicFile`]: the new content goes to a temporary
//!   file beside the target (`.<name>.<random>.tmp`), is flushed to disk,
//!   and is renamed over the target, whose directory is then flushed too. A
//!   crash at any moment leaves the old file or the whole new one; readers
//!   that mapped the old file keep their copy. New files get the usual
//!   permissions (0666 less the umask).
//! - [`FileSet`]: files that belong together (an index and its sidecar, a
//!   model's parts) are written whole first, then renamed into place while
//!   holding an exclusive lock on their directory. Concurrent writers of the
//!   same set therefore never interleave: the last complete set wins, whole.
//!   [`ReadLock`] lets a reader open the files of a set while no set is
//!   being renamed.
//! - [`check_output`] and [`check_distinct`]: an output is written through
//!   a symlink to its target; an output that is a directory, a device or a
//!   FIFO is refused, as is one whose directory is missing or not writable,
//!   or one that is an input or another output. Commands call them before
//!   they start their work.
//! - [`remove_temporaries`]: for a SIGINT/SIGTERM handler, removes the
//!   temporaries of the writes still in flight before the process exits.
//!
//! ```
//! # let dir = tempfile::tempdir()?;
//! let path = dir.path().join("hello.txt");
//! atomic_file::write_file(&path, |out| std::io::Write::write_all(out, b"hello"))?;
//! assert_eq!(std::fs::read(&path)?, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod check;
mod error;
mod file;
mod live;
mod set;

pub use check::{check_distinct, check_output, resolve};
pub use error::{Error, Result};
pub use file::{write_file, AtomicFile};
pub use live::remove_temporaries;
pub use set::{FileSet, ReadLock};
