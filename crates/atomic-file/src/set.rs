//! Files saved together, and reading them together.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::check::{check_regular, dir_of, resolve};
use crate::error::{Error, Result};
use crate::file::{builder, sync_dir, temp_prefix};
use crate::live::Registration;

/// Several files saved together (a model's parts; an index and its
/// sidecar; a model and an export of its vectors): each is written whole
/// into a temporary directory beside its final place
/// (`.<name>.<random>.tmp`, one per directory), then [`FileSet::commit`]
/// flushes them and renames them into place, one after the other, while
/// holding an exclusive lock on every directory concerned.
///
/// - A crash or an error while the files are written leaves every
///   previous file untouched; dropped without a commit, the set removes
///   its temporary directories.
/// - Two processes committing sets to the same place take turns: the last
///   complete set wins, whole, never a mix of both.
/// - A reader that opens the files under a [`ReadLock`] sees one whole set.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let (data, meta) = (dir.path().join("data"), dir.path().join("data.json"));
/// let mut set = atomic_file::FileSet::new(&data)?;
/// std::fs::write(set.stage(&data)?, "payload")?;
/// std::fs::write(set.stage(&meta)?, "{}")?;
/// set.commit()?;
/// assert_eq!(std::fs::read_to_string(&meta)?, "{}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileSet {
    /// One temporary directory per directory the files go to, in the
    /// order they were first needed.
    stagings: Vec<Staging>,
    /// (temporary path, final path), in the order they are renamed.
    files: Vec<(PathBuf, PathBuf)>,
}

/// The temporary directory beside the files a set renames into `dir`.
#[derive(Debug)]
struct Staging {
    /// The directory the files go to (symlinks resolved).
    dir: PathBuf,
    temp: tempfile::TempDir,
    /// Declared after `temp`, so dropped after it is removed.
    _live: Registration,
}

impl Staging {
    /// A temporary directory in `dir`, named after `name`.
    fn new(dir: &Path, name: &std::ffi::OsStr, path: &Path) -> Result<Staging> {
        let temp = builder(&temp_prefix(name))
            .tempdir_in(dir)
            .map_err(|e| Error::io("create a temporary directory for", path, e))?;
        let _live = Registration::new(temp.path());
        Ok(Staging {
            dir: dir.to_path_buf(),
            temp,
            _live,
        })
    }
}

/// Whether two directory paths name one directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

impl FileSet {
    /// A set of files, the first of which will be `path`. Its temporary
    /// directory is made at once, so an unwritable place fails here.
    pub fn new(path: &Path) -> Result<FileSet> {
        let target = resolve(path)?;
        let name = target.file_name().ok_or_else(|| Error::NotRegular {
            path: target.clone(),
            what: "names no file",
        })?;
        let staging = Staging::new(dir_of(&target), name, path)?;
        Ok(FileSet {
            stagings: vec![staging],
            files: Vec::new(),
        })
    }

    /// Where to write the new content of `path`, a file that is absent or
    /// a regular file (after symlinks), in any directory. Files are
    /// renamed in the order they were staged.
    pub fn stage(&mut self, path: &Path) -> Result<PathBuf> {
        let target = resolve(path)?;
        check_regular(&target)?;
        let name = target
            .file_name()
            .ok_or_else(|| Error::NotRegular {
                path: target.clone(),
                what: "names no file",
            })?
            .to_owned();
        if let Some((_, first)) = self.files.iter().find(|(_, p)| *p == target) {
            return Err(Error::SameOutput {
                first: first.clone(),
                second: path.to_path_buf(),
            });
        }
        let dir = dir_of(&target);
        let staging = match self.stagings.iter().position(|s| same_dir(&s.dir, dir)) {
            Some(i) => &self.stagings[i],
            None => {
                self.stagings.push(Staging::new(dir, &name, path)?);
                self.stagings.last().expect("just pushed")
            }
        };
        // Numbered, so that two staged names never collide.
        let mut staged_name = std::ffi::OsString::from(format!("{}-", self.files.len()));
        staged_name.push(&name);
        let staged = staging.temp.path().join(staged_name);
        self.files.push((staged.clone(), target));
        Ok(staged)
    }

    /// Flushes the staged files and renames each over its final path,
    /// under an exclusive lock on every directory of the set (taken in
    /// one order, so that two sets never wait for each other).
    pub fn commit(self) -> Result<()> {
        for (staged, path) in &self.files {
            File::open(staged)
                .and_then(|file| file.sync_data())
                .map_err(|e| Error::io("flush", path, e))?;
        }
        let mut dirs: Vec<PathBuf> = self
            .stagings
            .iter()
            .map(|s| std::fs::canonicalize(&s.dir).unwrap_or_else(|_| s.dir.clone()))
            .collect();
        dirs.sort();
        dirs.dedup();
        let locks = dirs
            .iter()
            .map(|dir| DirLock::exclusive(dir))
            .collect::<Result<Vec<_>>>()?;
        // The files replaced are held open so that freeing their blocks
        // waits until every rename is done.
        let replaced: Vec<File> = self
            .files
            .iter()
            .filter_map(|(_, path)| File::open(path).ok())
            .collect();
        for (staged, path) in &self.files {
            std::fs::rename(staged, path)
                .map_err(|e| Error::io("rename a temporary file to", path, e))?;
        }
        for dir in &dirs {
            sync_dir(dir, dir)?;
        }
        drop(locks);
        drop(replaced);
        for staging in self.stagings {
            let path = staging.temp.path().to_path_buf();
            staging
                .temp
                .close()
                .map_err(|e| Error::io("remove the temporary directory", path, e))?;
        }
        Ok(())
    }
}

/// A lock on a directory (an advisory `flock` on the directory itself):
/// exclusive while a [`FileSet`] renames its files, shared while a reader
/// opens them. Released on drop.
#[derive(Debug)]
struct DirLock {
    _dir: File,
}

impl DirLock {
    fn exclusive(dir: &Path) -> Result<DirLock> {
        Self::take(dir, true)
    }

    fn take(dir: &Path, exclusive: bool) -> Result<DirLock> {
        let file = File::open(dir).map_err(|e| Error::io("open the directory", dir, e))?;
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        locked.map_err(|e| Error::io("lock the directory", dir, e))?;
        Ok(DirLock { _dir: file })
    }
}

/// Held while opening the files of a set saved beside `path`: no
/// [`FileSet`] renames files into that directory meanwhile, so the files
/// opened all come from one set. Open the files, then drop it.
#[derive(Debug)]
pub struct ReadLock {
    _lock: DirLock,
}

impl ReadLock {
    /// Waits until no set is being committed beside `path`, then holds off
    /// further commits until dropped.
    pub fn new(path: &Path) -> Result<ReadLock> {
        let target = resolve(path)?;
        Ok(ReadLock {
            _lock: DirLock::take(dir_of(&target), false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_set_replaces_every_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("a.meta"));
        std::fs::write(&a, b"old a").unwrap();
        let mut set = FileSet::new(&a).unwrap();
        std::fs::write(set.stage(&a).unwrap(), b"new a").unwrap();
        std::fs::write(set.stage(&b).unwrap(), b"new b").unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"old a", "replaced early");
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
        std::fs::write(set.stage(&a).unwrap(), b"new a").unwrap();
        drop(set);
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn staging_one_file_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let mut set = FileSet::new(&a).unwrap();
        set.stage(&a).unwrap();
        assert!(matches!(set.stage(&a), Err(Error::SameOutput { .. })));
    }

    #[test]
    fn a_set_spans_directories() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (one.path().join("a"), two.path().join("b"));
        std::fs::write(&b, b"old b").unwrap();
        let mut set = FileSet::new(&a).unwrap();
        std::fs::write(set.stage(&a).unwrap(), b"new a").unwrap();
        std::fs::write(set.stage(&b).unwrap(), b"new b").unwrap();
        assert_eq!(
            std::fs::read_dir(two.path()).unwrap().count(),
            2,
            "b and a staging"
        );
        assert_eq!(std::fs::read(&b).unwrap(), b"old b", "replaced early");
        set.commit().unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"new b");
        assert_eq!(std::fs::read_dir(one.path()).unwrap().count(), 1);
        assert_eq!(std::fs::read_dir(two.path()).unwrap().count(), 1);
    }

    #[test]
    fn racing_sets_never_mix() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x.ann"), dir.path().join("x.ann.dict"));
        std::thread::scope(|s| {
            for writer in 0..4u8 {
                let (a, b) = (&a, &b);
                s.spawn(move || {
                    for round in 0..50u8 {
                        let mut set = FileSet::new(a).unwrap();
                        std::fs::write(set.stage(a).unwrap(), [writer, round]).unwrap();
                        std::fs::write(set.stage(b).unwrap(), [writer, round]).unwrap();
                        set.commit().unwrap();
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..200 {
                    let lock = ReadLock::new(&a).unwrap();
                    let (x, y) = (std::fs::read(&a), std::fs::read(&b));
                    drop(lock);
                    if let (Ok(x), Ok(y)) = (x, y) {
                        assert_eq!(x, y, "a reader saw two sets mixed");
                    }
                }
            });
        });
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
