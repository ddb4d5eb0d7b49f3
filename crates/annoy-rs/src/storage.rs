//! Index files: saving atomically, and opening as a read-only memory map.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
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
    out: BufWriter<atomic_file::AtomicFile>,
    path: PathBuf,
}

impl IndexWriter {
    /// Starts writing the index that will be `path`.
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let file = atomic_file::AtomicFile::create(path)?;
        Ok(IndexWriter {
            out: BufWriter::with_capacity(1 << 20, file),
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
        self.commit_with(|_, _| Ok(()))
    }

    /// Flushes the file, lets `check` read it (given the open file and the
    /// path to name in errors), and renames it to its path only if `check`
    /// succeeds; otherwise the temporary file is deleted.
    pub(crate) fn commit_with<T>(self, check: impl FnOnce(&File, &Path) -> Result<T>) -> Result<T> {
        let path = self.path;
        let temp = self
            .out
            .into_inner()
            .map_err(|e| Error::io("write", &path, e.into_error()))?;
        let checked = check(temp.as_file(), &path)?;
        temp.commit()?;
        Ok(checked)
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
    map(&file, path, dim, metric, options)
}

/// Opens `file`, the index file at `path`, as [`open`] does.
pub(crate) fn map(
    file: &File,
    path: &Path,
    dim: usize,
    metric: Metric,
    options: LoadOptions,
) -> Result<Forest<Storage>> {
    if cfg!(target_endian = "big") {
        let (mut reader, mut bytes) = (file, Vec::new());
        reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| reader.read_to_end(&mut bytes))
            .map_err(|e| Error::io("read", path, e))?;
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
    let map = unsafe { map.map(file) }.map_err(|e| Error::io("map", path, e))?;
    Forest::from_file_bytes(
        Storage::Mapped(map),
        dim,
        metric,
        options.verify,
        path.to_path_buf(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_index_file_appears_whole_on_commit_and_never_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ann");
        // Dropped without a commit: nothing is left.
        let mut writer = IndexWriter::create(&path).unwrap();
        writer.push(&[1, 2, 3]).unwrap();
        drop(writer);
        assert!(names(dir.path()).is_empty());
        // A refused check: the previous file is untouched, no temporary left.
        std::fs::write(&path, b"old").unwrap();
        let mut writer = IndexWriter::create(&path).unwrap();
        writer.push(&[4, 5]).unwrap();
        let refused = writer.commit_with(|file, named| {
            // The check sees the whole new file, under the final name.
            assert_eq!(file.metadata().unwrap().len(), 8);
            assert_eq!(named, path.as_path());
            Err::<(), _>(Error::Empty)
        });
        assert!(matches!(refused, Err(Error::Empty)));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["x.ann"]);
        // Committed: little-endian words under the final name.
        let mut writer = IndexWriter::create(&path).unwrap();
        writer.push(&[0x0403_0201, 7]).unwrap();
        writer.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), [1, 2, 3, 4, 7, 0, 0, 0]);
        assert_eq!(names(dir.path()), ["x.ann"]);
    }
}
