//! Opening a corpus file as a byte stream: plain, gzip (`.gz`) or one entry
//! of a zip archive (`text8.zip`), told apart by their magic bytes. A zip
//! entry is streamed straight from the archive (no unpacking to disk) and
//! its CRC-32 and size are checked when the stream ends.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};

/// How a corpus file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Plain text: can be split into byte ranges.
    Plain,
    /// gzip-compressed text (one or more members).
    Gzip,
    /// A zip archive; its text entry is read.
    Zip,
}

impl Encoding {
    /// Tells the encoding of `path` from its first bytes; fails for what is
    /// not a regular file (a pipe, a device), which cannot be read again.
    pub fn detect(path: &Path) -> Result<Encoding> {
        let mut magic = [0u8; 4];
        // Asked before opening: opening a FIFO would wait for a writer.
        let meta = std::fs::metadata(path).map_err(|e| Error::io("open", path, e))?;
        if !meta.is_file() {
            return Err(Error::io(
                "read",
                path,
                io::Error::other(
                    "not a regular file: a corpus is read several times (vocabulary, then \
                     each epoch, split between threads); save the stream to a file first",
                ),
            ));
        }
        let mut file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let n = read_up_to(&mut file, &mut magic).map_err(|e| Error::io("read", path, e))?;
        Ok(match &magic[..n] {
            [0x1f, 0x8b, ..] => Encoding::Gzip,
            // A local file header, or the end record of an empty archive.
            [b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] => Encoding::Zip,
            _ => Encoding::Plain,
        })
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Opens the whole content of `path` (decompressed) as a stream.
pub(crate) fn open_stream(path: &Path) -> Result<Box<dyn Read + Send>> {
    match Encoding::detect(path)? {
        Encoding::Plain => Ok(Box::new(
            File::open(path).map_err(|e| Error::io("open", path, e))?,
        )),
        Encoding::Gzip => {
            let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
            Ok(Box::new(flate2::read::MultiGzDecoder::new(
                BufReader::with_capacity(1 << 16, file),
            )))
        }
        Encoding::Zip => {
            let entry = ZipEntry::find(path, None)?;
            Ok(Box::new(entry.open(path)?))
        }
    }
}

/// Where a zip entry's data lies in its archive, and how to check it.
#[derive(Debug, Clone)]
pub(crate) struct ZipEntry {
    data_start: u64,
    compressed_size: u64,
    /// The unpacked size recorded in the archive.
    pub size: u64,
    crc32: u32,
    deflated: bool,
}

impl ZipEntry {
    /// Finds the text entry of the archive at `path`: the one named `wanted`
    /// (compared on the name's last component) if given, else the only file.
    pub(crate) fn find(path: &Path, wanted: Option<&str>) -> Result<ZipEntry> {
        let zip_error = |message: String| Error::Zip {
            path: path.to_path_buf(),
            message,
        };
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file))
            .map_err(|e| zip_error(format!("not a readable zip archive: {e}")))?;
        let mut files = Vec::new();
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| zip_error(format!("entry {index} is unreadable: {e}")))?;
            if entry.is_file() {
                files.push(index);
            }
        }
        let names: Vec<String> = files
            .iter()
            .filter_map(|&i| archive.name_for_index(i).map(str::to_owned))
            .collect();
        let chosen = match wanted {
            Some(wanted) => names
                .iter()
                .position(|n| n.rsplit('/').next() == Some(wanted)),
            None if names.len() == 1 => Some(0),
            None => None,
        }
        .ok_or_else(|| {
            zip_error(format!(
                "cannot choose the corpus entry{} among {names:?}",
                wanted.map(|w| format!(" {w:?}")).unwrap_or_default()
            ))
        })?;
        let entry = archive
            .by_index_raw(files[chosen])
            .map_err(|e| zip_error(format!("entry is unreadable: {e}")))?;
        let deflated = match entry.compression() {
            zip::CompressionMethod::Stored => false,
            zip::CompressionMethod::Deflated => true,
            other => {
                return Err(zip_error(format!(
                    "entry {:?} uses {other:?} compression; only stored and deflated are supported",
                    entry.name()
                )))
            }
        };
        Ok(ZipEntry {
            data_start: entry.data_start(),
            compressed_size: entry.compressed_size(),
            size: entry.size(),
            crc32: entry.crc32(),
            deflated,
        })
    }

    /// Streams the entry's unpacked bytes, checking size and CRC-32 at the end.
    pub(crate) fn open(&self, path: &Path) -> Result<CheckedEntry> {
        let mut file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        file.seek(SeekFrom::Start(self.data_start))
            .map_err(|e| Error::io("seek in", path, e))?;
        let raw = BufReader::with_capacity(1 << 16, file.take(self.compressed_size));
        let inner: Box<dyn Read + Send> = if self.deflated {
            Box::new(flate2::read::DeflateDecoder::new(raw))
        } else {
            Box::new(raw)
        };
        Ok(CheckedEntry {
            inner,
            hasher: crc32fast::Hasher::new(),
            read: 0,
            expected_size: self.size,
            expected_crc: self.crc32,
            failure: None,
        })
    }
}

/// A zip entry's unpacked stream that verifies its size and CRC-32 when it
/// ends; a mismatch is an `InvalidData` I/O error (and [`CheckedEntry::failure`]).
pub(crate) struct CheckedEntry {
    inner: Box<dyn Read + Send>,
    hasher: crc32fast::Hasher,
    read: u64,
    expected_size: u64,
    expected_crc: u32,
    failure: Option<(&'static str, String, String)>,
}

impl CheckedEntry {
    /// The failed check, if the stream ended with one: `(what, expected, found)`.
    pub(crate) fn failure(&self) -> Option<&(&'static str, String, String)> {
        self.failure.as_ref()
    }

    fn check_end(&mut self) -> io::Result<()> {
        let crc = self.hasher.clone().finalize();
        self.failure = if self.read != self.expected_size {
            Some((
                "size",
                self.expected_size.to_string(),
                self.read.to_string(),
            ))
        } else if crc != self.expected_crc {
            Some((
                "CRC-32",
                format!("{:08x}", self.expected_crc),
                format!("{crc:08x}"),
            ))
        } else {
            None
        };
        match &self.failure {
            None => Ok(()),
            Some((what, expected, found)) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("zip entry {what} mismatch (expected {expected}, found {found}): the archive is corrupt"),
            )),
        }
    }
}

impl Read for CheckedEntry {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            // A truncated deflate stream: report it as the corruption it is.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
            Err(e) => return Err(e),
        };
        if n == 0 && !buf.is_empty() {
            self.check_end()?;
            return Ok(0);
        }
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        if self.read > self.expected_size {
            return self.check_end().map(|()| 0);
        }
        Ok(n)
    }
}
