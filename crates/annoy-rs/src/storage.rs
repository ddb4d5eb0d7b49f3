//! Index files: saving atomically, and opening as a read-only memory map.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::metric::Metric;

/// How [`crate::AnnoyIndex::load_with`] opens a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Check every node at load (O(file size): each page is read once).
    /// Without it loading is O(1) — size and roots only — and queries still
    /// check each node they visit, so damage yields an error, never a panic.
    pub verify: bool,
    /// Read the whole file into the page cache now (Annoy's `prefault`,
    /// `MAP_POPULATE`) instead of on first touch.
    pub prefault: bool,
}

impl Default for LoadOptions {
    /// Verify, do not prefault.
    fn default() -> Self {
        LoadOptions {
            verify: true,
            prefault: false,
        }
    }
}

/// Writes `words` (an index's node array) to `path` in Annoy's layout,
/// atomically (see [`IndexWriter`]). Readers that mapped the old file keep
/// it.
pub(crate) fn save(words: &[u32], path: &Path) -> Result<()> {
    let mut writer = IndexWriter::create(path)?;
    writer.push(words)?;
    writer.commit()
}

/// An index file being written: node words go, little-endian as Annoy's
/// files are, to a temporary file beside the destination, which
/// [`IndexWriter::commit`] renames over it. Dropped without a commit, the
/// temporary file is deleted and the destination is untouched.
pub(crate) struct IndexWriter {
    out: BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl IndexWriter {
    /// Starts writing the index that will be `path`.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".annoy-").suffix(".tmp");
        #[cfg(unix)]
        {
            // tempfile makes 0600 files; ask for 0666 so that the index gets
            // the usual permissions after the umask, like any other new file.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder
            .tempfile_in(dir)
            .map_err(|e| Error::io("create a temporary file for", path, e))?;
        Ok(IndexWriter {
            out: BufWriter::with_capacity(1 << 20, temp),
            path: path.to_path_buf(),
        })
    }

    /// Appends node words.
    pub(crate) fn push(&mut self, words: &[u32]) -> Result<()> {
        let written = if cfg!(target_endian = "little") {
            self.out.write_all(bytemuck::cast_slice(words))
        } else {
            words
                .iter()
                .try_for_each(|w| self.out.write_all(&w.to_le_bytes()))
        };
        written.map_err(|e| Error::io("write", &self.path, e))
    }

    /// Flushes the file and renames it to its path.
    pub(crate) fn commit(self) -> Result<()> {
        let path = self.path;
        let temp = self
            .out
            .into_inner()
            .map_err(|e| Error::io("write", &path, e.into_error()))?;
        temp.persist(&path)
            .map_err(|e| Error::io("rename a temporary file to", &path, e.error))?;
        Ok(())
    }
}

/// Opens the index file at `path` as a forest of dimension `dim` and
/// metric `metric`: a memory map on little-endian machines, a copy
/// otherwise.
pub(crate) fn open(
    path: &Path,
    dim: usize,
    metric: Metric,
    options: LoadOptions,
) -> Result<Forest<Storage>> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    if cfg!(target_endian = "big") {
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        return Forest::from_le_bytes_copied(&bytes, dim, metric, options.verify);
    }
    let len = file
        .metadata()
        .map_err(|e| Error::io("inspect", path, e))?
        .len();
    if len == 0 {
        // Mapping an empty file fails; let the format check say why.
        return Forest::from_file_bytes(
            Storage::Owned(Vec::new()),
            dim,
            metric,
            options.verify,
            path.to_path_buf(),
        );
    }
    let mut map = memmap2::MmapOptions::new();
    if options.prefault {
        map.populate();
    }
    // SAFETY: the map is read-only and lives as long as the forest. Rust's
    // guarantees need the file not to be truncated or changed in place while
    // mapped. This crate never does either to an index file: `save` writes a
    // new file and renames it over the old one, so existing maps keep the old
    // (unlinked) file; Annoy's own `save` also unlinks before writing. (The
    // test `saving_over_a_mapped_index_leaves_the_map_intact` checks this.)
    // Another program writing into the file in place is outside what the
    // crate can prevent, as for every memory-mapped reader.
    let map = unsafe { map.map(&file) }.map_err(|e| Error::io("map", path, e))?;
    Forest::from_file_bytes(
        Storage::Mapped(map),
        dim,
        metric,
        options.verify,
        path.to_path_buf(),
    )
}
