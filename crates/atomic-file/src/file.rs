//! One file written atomically.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::check::{check_regular, dir_of, resolve};
use crate::error::{Error, Result};
use crate::live::Registration;

/// A file being written: the bytes go to a temporary file beside the
/// target, and [`AtomicFile::commit`] flushes it and renames it over the
/// target. Dropped without a commit (an error, a panic), the temporary
/// file is removed and the target is untouched.
///
/// The target is the output after symlinks ([`crate::resolve`]); one that
/// exists and is not a regular file is refused.
#[derive(Debug)]
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    /// The final path, symlinks resolved.
    path: PathBuf,
    /// Declared after `temp`, so dropped after it is removed or renamed.
    _live: Registration,
}

/// The prefix of the temporary names for a file named `name`.
pub(crate) fn temp_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.", name.to_string_lossy())
}

/// A temporary-file builder with `prefix` ([`temp_prefix`]): hidden, with
/// the permissions a new file usually gets (0666 less the umask;
/// tempfile's default is 0600).
pub(crate) fn builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Flushes directory `dir`, so that a rename into it survives power loss.
pub(crate) fn sync_dir(dir: &Path, path: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("flush the directory of", path, e))?;
    #[cfg(not(unix))]
    let _ = (dir, path);
    Ok(())
}

impl AtomicFile {
    /// Starts writing the file that will be `path`.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let target = resolve(path)?;
        check_regular(&target)?;
        let name = target
            .file_name()
            .ok_or_else(|| Error::NotRegular {
                path: target.clone(),
                what: "names no file",
            })?
            .to_owned();
        let temp = builder(&temp_prefix(&name))
            .tempfile_in(dir_of(&target))
            .map_err(|e| Error::io("create a temporary file for", path, e))?;
        let _live = Registration::new(temp.path());
        Ok(AtomicFile {
            temp,
            path: target,
            _live,
        })
    }

    /// The final path (symlinks resolved).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file, for reading back what was written.
    pub fn as_file(&self) -> &File {
        self.temp.as_file()
    }

    /// The temporary file, for writing.
    pub fn as_file_mut(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Flushes the file's data, renames it over the target and flushes
    /// the directory.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.temp
            .as_file()
            .sync_data()
            .map_err(|e| Error::io("flush", &path, e))?;
        self.temp
            .persist(&path)
            .map_err(|e| Error::io("rename a temporary file to", &path, e.error))?;
        sync_dir(dir_of(&path), &path)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// Writes `path` through `write`, atomically ([`AtomicFile`]): the whole
/// new content or the old file, never a mix, whatever happens to the
/// process. Errors name `path`, never the temporary file.
pub fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> io::Result<()>,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, file.as_file_mut());
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("write", path, e))?;
    }
    file.commit()
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

    #[cfg(unix)]
    #[test]
    fn writing_through_a_symlink_keeps_the_link_and_replaces_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&target, b"old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_file(&link, |out| out.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_never_replaced() {
        let err = write_file(Path::new("/dev/null"), |out| out.write_all(b"x")).unwrap_err();
        assert!(matches!(err, Error::NotRegular { .. }), "{err}");
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}
