//! The temporary files and directories this process has open, so that a
//! signal handler can remove them before the process exits
//! ([`remove_temporaries`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

static LIVE: Mutex<BTreeMap<u64, PathBuf>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn live() -> MutexGuard<'static, BTreeMap<u64, PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary path on the list while this is alive; dropped after its
/// owner has renamed or removed the path.
#[derive(Debug)]
pub(crate) struct Registration(u64);

impl Registration {
    /// Puts `path` (a temporary file or directory) on the list.
    pub(crate) fn new(path: &Path) -> Registration {
        let key = NEXT.fetch_add(1, Ordering::Relaxed);
        live().insert(key, path.to_path_buf());
        Registration(key)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        live().remove(&self.0);
    }
}

/// Removes every temporary file and directory that an unfinished
/// [`crate::AtomicFile`] or [`crate::FileSet`] of this process holds, and
/// returns how many were removed. Targets are never touched: a write that
/// is cut short leaves the old file, or none, and no temporary beside it.
///
/// For a handler of SIGINT and SIGTERM that then exits the process: Rust
/// runs no destructors on such an exit, so the temporaries would otherwise
/// stay. A write still running in another thread fails afterwards (its
/// temporary is gone), so call this only when the process is about to end.
pub fn remove_temporaries() -> usize {
    let paths: Vec<PathBuf> = std::mem::take(&mut *live()).into_values().collect();
    paths
        .iter()
        .filter(|path| {
            let removed = match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
                Ok(_) => std::fs::remove_file(path),
                Err(e) => Err(e),
            };
            removed.is_ok()
        })
        .count()
}
