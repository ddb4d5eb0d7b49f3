//! Crash-safe file writes: write a temporary file beside the target, then
//! rename it over the target. A crash of the process at any moment leaves
//! either the old file or the complete new one under the final name, and
//! readers that have the old file mapped keep their (unlinked) copy.
//!
//! [`write_file`] does not `fsync`: like gensim and Annoy we leave
//! durability against power loss to the filesystem (ext4 and XFS flush a
//! file's data before a rename that replaces another file commits). Call
//! `sync` if you need more. [`FileSet`] flushes its files' data before it
//! renames them, so that the renames are quick.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` through `write`, atomically: the whole new content or the
/// old file, never a mix, whatever happens to the process.
///
/// The temporary file is named `.<name>.<random>.tmp` in the target's
/// directory (a rename is only atomic within one filesystem) and is removed
/// if `write` fails. The new file gets the usual permissions (0666 less
/// the umask).
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> io::Result<()>,
) -> Result<()> {
    write_file_with(path, |file| {
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write(&mut out)?;
        out.flush()
    })
}

/// Like [`write_file`], handing `write` the temporary file itself.
fn write_file_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> Result<()> {
    let (dir, name) = dir_and_name(path)?;
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", name.to_string_lossy());
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        // tempfile defaults to 0600; ask for 0666 so the final file gets the
        // usual permissions after the process umask, like any other new file.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file for", path, e))?;
    write(temp.as_file_mut()).map_err(|e| Error::io("write", path, e))?;
    temp.persist(path)
        .map_err(|e| Error::io("rename a temporary file to", path, e.error))?;
    Ok(())
}

/// The directory `path` is in (`.` for a bare name) and its file name; an
/// error if `path` names no file (`/`, `..`).
fn dir_and_name(path: &Path) -> Result<(&Path, &std::ffi::OsStr)> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| {
        Error::io(
            "write",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    Ok((dir, name))
}

/// Several files saved together (a model's vectors, output weights and
/// metadata; an index and its sidecar): each is written whole into a
/// temporary directory beside its final place (`.<name>.<random>.tmp`),
/// then [`FileSet::commit`] renames them into place one after the other.
///
/// A crash while the files are written leaves every previous file
/// untouched. Renames are separate system calls, so only a crash between
/// the first and the last (microseconds: the data is flushed before, and
/// the files replaced are held open so that freeing their blocks waits
/// until after the last) leaves files of both saves.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let (data, meta) = (dir.path().join("data"), dir.path().join("data.json"));
/// let mut set = vecstore::FileSet::new(&data)?;
/// std::fs::write(set.stage(&data), "payload")?;
/// std::fs::write(set.stage(&meta), "{}")?;
/// set.commit()?;
/// assert_eq!(std::fs::read_to_string(&meta)?, "{}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileSet {
    staging: tempfile::TempDir,
    /// (temporary path, final path), in the order they are renamed.
    files: Vec<(std::path::PathBuf, std::path::PathBuf)>,
}

impl FileSet {
    /// A set of files to be saved beside `path` (all in its directory).
    pub fn new(path: &Path) -> Result<FileSet> {
        let (dir, name) = dir_and_name(path)?;
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".tmp")
            .tempdir_in(dir)
            .map_err(|e| Error::io("create a temporary directory for", path, e))?;
        Ok(FileSet {
            staging,
            files: Vec::new(),
        })
    }

    /// Where to write the new content of `path` (a file in the set's
    /// directory); files are renamed in the order they were staged.
    pub fn stage(&mut self, path: &Path) -> std::path::PathBuf {
        let name = path.file_name().unwrap_or(path.as_os_str());
        let staged = self.staging.path().join(name);
        self.files.push((staged.clone(), path.to_path_buf()));
        staged
    }

    /// Flushes the staged files and renames each over its final path.
    pub fn commit(self) -> Result<()> {
        for (staged, _) in &self.files {
            File::open(staged)
                .and_then(|file| file.sync_data())
                .map_err(|e| Error::io("flush", staged, e))?;
        }
        let replaced: Vec<File> = self
            .files
            .iter()
            .filter_map(|(_, path)| File::open(path).ok())
            .collect();
        for (staged, path) in &self.files {
            std::fs::rename(staged, path)
                .map_err(|e| Error::io("rename a temporary file to", path, e))?;
        }
        drop(replaced);
        let dir = self.staging.path().to_path_buf();
        self.staging
            .close()
            .map_err(|e| Error::io("remove the temporary directory", &dir, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, b"old").unwrap();
        let result = write_file(&path, |out| {
            out.write_all(b"half of the new")?;
            Err(io::Error::other("disk on fire"))
        });
        assert!(matches!(result, Err(Error::Io { op: "write", .. })));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file left behind"
        );
    }

    #[test]
    fn a_file_set_replaces_every_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("a.meta"));
        std::fs::write(&a, b"old a").unwrap();
        let mut set = FileSet::new(&a).unwrap();
        std::fs::write(set.stage(&a), b"new a").unwrap();
        std::fs::write(set.stage(&b), b"new b").unwrap();
        assert_eq!(
            std::fs::read(&a).unwrap(),
            b"old a",
            "replaced before commit"
        );
        set.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_dropped_file_set_leaves_the_old_files_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"old a").unwrap();
        let mut set = FileSet::new(&a).unwrap();
        std::fs::write(set.stage(&a), b"new a").unwrap();
        drop(set);
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn successful_write_replaces_the_file_with_normal_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, b"old").unwrap();
        write_file(&path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_ne!(mode & 0o044, 0, "file is private to its owner: {mode:o}");
        }
    }
}
