//! The text8 corpus: download, verify, unpack and cache.
//!
//! [`load`] returns the path of the unpacked corpus (100,000,000 bytes),
//! using the cache when it is present and valid. Otherwise it downloads
//! `text8.zip` from [`TEXT8_URL`] (resuming a partial download with an HTTP
//! `Range` request), unpacks it while checking the entry's CRC-32 and size,
//! renames it into place, and records its SHA-256 beside it so later runs
//! re-check the cache without the archive. Nothing is ever left half-written
//! under a final name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::source::ZipEntry;

/// Where gensim-data's text8 comes from.
pub const TEXT8_URL: &str = "http://mattmahoney.net/dc/text8.zip";
/// The size of the unpacked text8 corpus, in bytes.
pub const TEXT8_SIZE: u64 = 100_000_000;
/// The environment variable that overrides the cache directory.
pub const CACHE_DIR_ENV: &str = "W2V_CACHE_DIR";

/// The default cache directory: `$W2V_CACHE_DIR`, else the platform cache
/// directory's `w2v-annoy` folder (e.g. `~/.cache/w2v-annoy`).
pub fn default_cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::cache_dir()
        .map(|dir| dir.join("w2v-annoy"))
        .ok_or(Error::NoCacheDir)
}

/// What [`fetch`] is doing, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Downloading: bytes received so far (including a resumed part) and the
    /// total, if the server said.
    Download {
        /// Bytes on disk so far.
        done: u64,
        /// The archive's size, if known.
        total: Option<u64>,
    },
    /// Unpacking: bytes written so far, of `total`.
    Unpack {
        /// Bytes unpacked so far.
        done: u64,
        /// The entry's size.
        total: u64,
    },
    /// Checking the cached file's SHA-256.
    Verify,
}

/// Where and what to fetch.
#[derive(Debug, Clone)]
pub struct Source {
    /// The archive's URL.
    pub url: String,
    /// The name of the corpus entry in the archive, and of the unpacked file.
    pub name: String,
    /// The unpacked size the corpus must have.
    pub size: u64,
}

impl Default for Source {
    /// The real text8: [`TEXT8_URL`], entry `text8`, [`TEXT8_SIZE`] bytes.
    fn default() -> Self {
        Source {
            url: TEXT8_URL.into(),
            name: "text8".into(),
            size: TEXT8_SIZE,
        }
    }
}

/// The path of the unpacked text8 corpus in `cache_dir`, downloading it if
/// needed (no progress reports).
pub fn load(cache_dir: &Path) -> Result<PathBuf> {
    fetch(&Source::default(), cache_dir, &mut |_| {})
}

/// The path of the unpacked corpus of `source` in `cache_dir`: the cached
/// file if valid; else unpacked from `<name>.zip` in the cache (downloaded
/// first if absent). Progress goes to `progress`.
pub fn fetch(
    source: &Source,
    cache_dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<PathBuf> {
    fs::create_dir_all(cache_dir).map_err(|e| Error::io("create", cache_dir, e))?;
    let corpus = cache_dir.join(&source.name);
    let checksum = cache_dir.join(format!("{}.sha256", source.name));
    let archive = cache_dir.join(format!("{}.zip", source.name));
    if corpus.exists() {
        progress(Progress::Verify);
        match check_cached(&corpus, &checksum, source.size) {
            Ok(()) => return Ok(corpus),
            Err(e) => {
                log::warn!("discarding the cached corpus: {e}");
                remove_if_present(&corpus)?;
                remove_if_present(&checksum)?;
            }
        }
    }
    if !archive.exists() {
        download(&source.url, &archive, cache_dir, progress)?;
    }
    match unpack(&archive, &source.name, source.size, &corpus, progress) {
        Ok(digest) => {
            write_atomically(&checksum, format!("{digest}\n").as_bytes())?;
            Ok(corpus)
        }
        Err(e @ (Error::Corrupt { .. } | Error::Zip { .. })) => {
            // A bad archive is useless; remove it so the next run downloads again.
            remove_if_present(&archive)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Checks a cached corpus: its size, and its SHA-256 against the recorded
/// one (recording it if missing).
fn check_cached(corpus: &Path, checksum: &Path, size: u64) -> Result<()> {
    let found = fs::metadata(corpus)
        .map_err(|e| Error::io("read", corpus, e))?
        .len();
    if found != size {
        return Err(corrupt(corpus, "size", size.to_string(), found.to_string()));
    }
    let digest = sha256_of(corpus)?;
    match fs::read_to_string(checksum) {
        Ok(recorded) if recorded.trim() == digest => Ok(()),
        Ok(recorded) => Err(corrupt(
            corpus,
            "SHA-256",
            recorded.trim().to_string(),
            digest,
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_atomically(checksum, format!("{digest}\n").as_bytes())
        }
        Err(e) => Err(Error::io("read", checksum, e)),
    }
}

fn corrupt(path: &Path, what: &'static str, expected: String, found: String) -> Error {
    Error::Corrupt {
        path: path.to_path_buf(),
        what,
        expected,
        found,
    }
}

/// The SHA-256 of a file, in hex.
pub fn sha256_of(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(|e| Error::io("read", path, e))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Downloads `url` to `archive` through `<archive>.part`, resuming a part
/// left by an interrupted run when the server honours `Range`.
fn download(
    url: &str,
    archive: &Path,
    cache_dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let failed = |message: String| Error::Download {
        url: url.to_string(),
        message,
        cache_dir: cache_dir.to_path_buf(),
    };
    let part = archive.with_extension("zip.part");
    let have = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .build();
    let mut request = agent.get(url);
    if have > 0 {
        request = request.set("Range", &format!("bytes={have}-"));
    }
    // ureq's message starts with the URL, which the error already names.
    let response = request.call().map_err(|e| {
        let message = e.to_string();
        let prefix = format!("{url}: ");
        failed(
            message
                .strip_prefix(&prefix)
                .unwrap_or(&message)
                .to_string(),
        )
    })?;
    let resumed = have > 0 && response.status() == 206;
    let length: Option<u64> = response
        .header("Content-Length")
        .and_then(|l| l.parse().ok());
    let start = if resumed { have } else { 0 };
    let total = length.map(|l| l + start);
    let mut out = if resumed {
        OpenOptions::new().append(true).open(&part)
    } else {
        File::create(&part)
    }
    .map_err(|e| Error::io("write", &part, e))?;
    let mut body = response.into_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut done = start;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(failed(format!(
                    "connection lost after {done} bytes ({e}); run again to resume"
                )))
            }
        };
        out.write_all(&buf[..n])
            .map_err(|e| Error::io("write", &part, e))?;
        done += n as u64;
        progress(Progress::Download { done, total });
    }
    if let Some(total) = total {
        if done != total {
            return Err(failed(format!(
                "connection closed after {done} of {total} bytes; run again to resume"
            )));
        }
    }
    out.sync_all().map_err(|e| Error::io("write", &part, e))?;
    drop(out);
    fs::rename(&part, archive).map_err(|e| Error::io("rename into", archive, e))
}

/// Unpacks entry `name` of `archive` to `target` (through a temporary file),
/// checking its size and CRC-32; returns the SHA-256 of what was written.
fn unpack(
    archive: &Path,
    name: &str,
    size: u64,
    target: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<String> {
    let entry = ZipEntry::find(archive, Some(name))?;
    if entry.size != size {
        return Err(corrupt(
            archive,
            "size",
            size.to_string(),
            entry.size.to_string(),
        ));
    }
    let mut reader = entry.open(archive)?;
    let mut temp = atomic_file::AtomicFile::create(target)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut done = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                return Err(match reader.failure() {
                    Some((what, expected, found)) => {
                        corrupt(archive, what, expected.clone(), found.clone())
                    }
                    None => corrupt(
                        archive,
                        "deflate stream",
                        "valid data".into(),
                        e.to_string(),
                    ),
                })
            }
        };
        temp.write_all(&buf[..n])
            .map_err(|e| Error::io("write", target, e))?;
        hasher.update(&buf[..n]);
        done += n as u64;
        progress(Progress::Unpack { done, total: size });
    }
    temp.commit()?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    atomic_file::write_file(path, |out| out.write_all(bytes))?;
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io("remove", path, e)),
        _ => Ok(()),
    }
}
