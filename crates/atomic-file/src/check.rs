//! Checks on output paths, made before a command starts its work.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Symlinks followed at most (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Where writing `path` really goes: if `path` is a symlink (even a
/// dangling one), its final target, so that an output written through a
/// link replaces the file it points to and keeps the link; otherwise
/// `path` itself.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)
                    .map_err(|e| Error::io("read the symlink", &current, e))?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(Error::io("inspect", path, e)),
        }
    }
    Err(Error::io(
        "resolve",
        path,
        io::Error::other(format!("more than {MAX_LINKS} levels of symlinks")),
    ))
}

/// What a non-regular file is, for messages.
fn kind_of(meta: &fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("is a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("is a FIFO");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("is a device");
        }
        if kind.is_socket() {
            return Some("is a socket");
        }
    }
    Some("is not a regular file")
}

/// Fails unless the resolved output `target` is absent or a regular file.
pub(crate) fn check_regular(target: &Path) -> Result<()> {
    match fs::metadata(target) {
        Ok(meta) => match kind_of(&meta) {
            Some(what) => Err(Error::NotRegular {
                path: target.to_path_buf(),
                what,
            }),
            None => Ok(()),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("inspect", target, e)),
    }
}

/// The directory a file `path` is in (`.` for a bare name).
pub(crate) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Checks, before any work, that `path` can be written: after symlinks it
/// is absent or a regular file, it names a file (not `/` or `..`), and its
/// directory exists and accepts a new file (tried by creating and removing
/// a temporary one). Returns the resolved path.
pub fn check_output(path: &Path) -> Result<PathBuf> {
    let target = resolve(path)?;
    if target.file_name().is_none() {
        return Err(Error::NotRegular {
            path: target,
            what: "names no file",
        });
    }
    check_regular(&target)?;
    let dir = dir_of(&target);
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(Error::io(
                "write",
                path,
                io::Error::other(format!("{} is not a directory", dir.display())),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::io(
                "write",
                path,
                io::Error::other(format!("the directory {} does not exist", dir.display())),
            ))
        }
        Err(e) => return Err(Error::io("inspect the directory of", path, e)),
    }
    tempfile::Builder::new()
        .prefix(".w2v-probe.")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a file beside", path, e))?;
    Ok(target)
}

/// The identity of an existing file (device and inode on Unix, its
/// canonical path elsewhere), following symlinks.
fn identity(path: &Path) -> Option<(u64, u64, PathBuf)> {
    let meta = fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino(), PathBuf::new()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0, fs::canonicalize(path).ok()?))
    }
}

/// Where an output will be, as an absolute path with its directory
/// canonical, for comparing outputs that do not exist yet.
fn location(path: &Path) -> Option<PathBuf> {
    let target = resolve(path).ok()?;
    let dir = fs::canonicalize(dir_of(&target)).ok()?;
    Some(dir.join(target.file_name()?))
}

/// Refuses outputs that would replace an input (the same file after
/// symlinks and hard links) or that are the same file as another output.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("c.txt");
/// std::fs::write(&corpus, "some words")?;
/// assert!(atomic_file::check_distinct(&[&corpus], &[&corpus]).is_err());
/// assert!(atomic_file::check_distinct(&[&corpus], &[&dir.path().join("m.kv")]).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_distinct(inputs: &[&Path], outputs: &[&Path]) -> Result<()> {
    for output in outputs {
        let Some(id) = identity(output) else { continue };
        if let Some(input) = inputs.iter().find(|i| identity(i).as_ref() == Some(&id)) {
            return Err(Error::OverwritesInput {
                output: output.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    for (i, first) in outputs.iter().enumerate() {
        for second in &outputs[i + 1..] {
            let same = match (location(first), location(second)) {
                (Some(a), Some(b)) => a == b,
                _ => first == second,
            };
            if same {
                return Err(Error::SameOutput {
                    first: first.to_path_buf(),
                    second: second.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_through_links() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.txt");
        fs::write(&input, "x").unwrap();
        let hard = dir.path().join("hard.txt");
        fs::hard_link(&input, &hard).unwrap();
        let err = check_distinct(&[&input], &[&hard]).unwrap_err();
        assert!(matches!(err, Error::OverwritesInput { .. }), "{err}");
        #[cfg(unix)]
        {
            let soft = dir.path().join("soft.txt");
            std::os::unix::fs::symlink(&input, &soft).unwrap();
            assert!(check_distinct(&[&input], &[&soft]).is_err());
        }
        let other = dir.path().join("out.txt");
        check_distinct(&[&input], &[&other]).unwrap();
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.bin");
        let b = dir.path().join("sub/../a.bin");
        fs::create_dir(dir.path().join("sub")).unwrap();
        let err = check_distinct(&[], &[&a, &b]).unwrap_err();
        assert!(matches!(err, Error::SameOutput { .. }), "{err}");
        check_distinct(&[], &[&a, &dir.path().join("b.bin")]).unwrap();
    }

    #[test]
    fn outputs_must_be_regular_files_in_existing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_output(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = check_output(&dir.path().join("nodir/m.kv")).unwrap_err();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(cause.contains("does not exist"), "{err}: {cause}");
        #[cfg(unix)]
        {
            let err = check_output(Path::new("/dev/null")).unwrap_err();
            assert!(err.to_string().contains("is a device"), "{err}");
        }
        let fine = dir.path().join("m.kv");
        assert_eq!(check_output(&fine).unwrap(), fine);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "probe left");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_resolves_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        assert_eq!(resolve(&link).unwrap(), target, "dangling link");
        fs::write(&target, "x").unwrap();
        assert_eq!(resolve(&link).unwrap(), target);
        let looped = dir.path().join("loop");
        std::os::unix::fs::symlink("loop", &looped).unwrap();
        assert!(resolve(&looped).is_err());
    }
}
