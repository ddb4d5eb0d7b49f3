//! Choosing a format by file name or content, and reading or writing any of
//! them through one entry point.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::error::{Error, Result};
use crate::word2vec::{self, ReadOptions, ReadReport, WriteOptions};
use crate::{native, KeyedVectors};

/// A file format for word vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// word2vec C text (`.txt`, `.vec`).
    Text,
    /// word2vec C binary (`.bin`).
    Binary,
    /// Our memory-mappable native format (`.kv`).
    Native,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Text, Format::Binary, Format::Native];

    /// The format's short name: `text`, `binary` or `native`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Binary => "binary",
            Format::Native => "native",
        }
    }

    /// Parses a short name as printed by [`Format::name`].
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The format named by a file's extension: `.txt`/`.vec` text, `.bin`
    /// binary, `.kv` native.
    pub fn from_extension(path: &Path) -> Result<Format> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("txt" | "vec") => Ok(Format::Text),
            Some("bin") => Ok(Format::Binary),
            Some("kv") => Ok(Format::Native),
            _ => Err(Error::UnknownFormat {
                path: path.to_path_buf(),
                reason:
                    "cannot tell the format from the extension (expected .txt, .vec, .bin or .kv)"
                        .into(),
            }),
        }
    }

    /// The format of an existing file, told from its first bytes: the native
    /// magic, or a word2vec header followed by text numbers (text) or raw
    /// bytes (binary).
    pub fn detect(path: &Path) -> Result<Format> {
        check_regular(path)?;
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let mut reader = BufReader::new(file);
        let start = reader.fill_buf().map_err(|e| Error::io("read", path, e))?;
        if start.starts_with(native::MAGIC) {
            return Ok(Format::Native);
        }
        let packed = if start.starts_with(&[0x1f, 0x8b]) {
            Some("gzip-compressed: decompress it first (gunzip)")
        } else if start.starts_with(b"PK\x03\x04") || start.starts_with(b"PK\x05\x06") {
            Some("a zip archive: unpack it first")
        } else {
            None
        };
        if let Some(reason) = packed {
            return Err(Error::UnknownFormat {
                path: path.to_path_buf(),
                reason: reason.into(),
            });
        }
        let header = word2vec::read_header(&mut reader, path).map_err(|e| {
            let is_ann = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("ann"));
            if is_ann {
                Error::UnknownFormat {
                    path: path.to_path_buf(),
                    reason: "an Annoy index, not a vector file (it holds no words)".into(),
                }
            } else {
                e
            }
        })?;
        // Skip the first word, then look at what follows it.
        let mut sample = Vec::new();
        reader
            .take(1024 + 4 * header.dim.min(256) as u64)
            .read_to_end(&mut sample)
            .map_err(|e| Error::io("read", path, e))?;
        let sample = sample.trim_ascii_start();
        let Some(space) = sample.iter().position(|&b| b == b' ') else {
            // No complete first row (e.g. zero rows): text and binary agree.
            return Ok(Format::Text);
        };
        let after = &sample[space + 1..];
        let is_textual = |&b: &u8| {
            b.is_ascii_digit()
                || matches!(
                    b,
                    b' ' | b'\t' | b'\r' | b'\n' | b'.' | b'-' | b'+' | b'e' | b'E'
                )
                || b"naifNAIFty".contains(&b)
        };
        let textual = match after.iter().position(|&b| b == b'\n') {
            // The whole first row is in the sample: as text it holds exactly
            // `dim` numbers (looking further would read the next row's word).
            Some(end) => {
                let row = &after[..end];
                row.iter().all(is_textual)
                    && row
                        .split(|b| b.is_ascii_whitespace())
                        .filter(|value| !value.is_empty())
                        .count()
                        == header.dim
            }
            None => after[..after.len().min(4 * header.dim)]
                .iter()
                .all(is_textual),
        };
        Ok(if textual {
            Format::Text
        } else {
            Format::Binary
        })
    }
}

/// The format and size of a vector file, from its header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The file's format.
    pub format: Format,
    /// The number of words the header announces.
    pub rows: u64,
    /// The vector dimension.
    pub dim: u64,
}

/// Reads the format, word count and dimension of a file without loading it
/// (a header announcing more rows than the file can hold is an error).
pub fn inspect(path: &Path) -> Result<Summary> {
    let format = Format::detect(path)?;
    let (rows, dim) = match format {
        Format::Native => {
            let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
            let len = file
                .metadata()
                .map_err(|e| Error::io("read", path, e))?
                .len();
            let mut head = Vec::new();
            file.take(64)
                .read_to_end(&mut head)
                .map_err(|e| Error::io("read", path, e))?;
            // `read_header` checks the header against the file length; give it that length.
            let header = native::read_header_with_len(&head, len, path)?;
            (header.rows, header.dim)
        }
        Format::Text | Format::Binary => {
            let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
            let len = file
                .metadata()
                .map_err(|e| Error::io("read", path, e))?
                .len();
            let header = word2vec::read_header(&mut BufReader::new(file), path)?;
            // Never trust a header: refuse rows that cannot fit, as `read` does.
            let min_row = match format {
                Format::Text => word2vec::text::min_row_bytes(header.dim),
                _ => word2vec::binary::min_row_bytes(header.dim),
            };
            word2vec::check_rows_fit(path, header.rows, min_row, len.saturating_sub(header.len))?;
            (header.rows, header.dim as u64)
        }
    };
    Ok(Summary { format, rows, dim })
}

/// Reads vectors from `path` in `format`.
///
/// For the native format the file is memory-mapped; `options.limit` and
/// `options.counts_file` apply to every format.
pub fn read(
    path: &Path,
    format: Format,
    options: &ReadOptions,
) -> Result<(KeyedVectors, ReadReport)> {
    check_regular(path)?;
    match format {
        Format::Text => word2vec::text::read(path, options),
        Format::Binary => word2vec::binary::read(path, options),
        Format::Native => {
            let mut kv = native::load(path, options.limit)?;
            let mut report = ReadReport {
                header_rows: kv.len() as u64,
                rows_read: kv.len(),
                ..ReadReport::default()
            };
            word2vec::attach_counts(&mut kv, options, &mut report)?;
            Ok((kv, report))
        }
    }
}

/// Writes `kv` to `path` in `format`, atomically. `options` apply to the
/// word2vec formats; the native format always stores counts when present.
pub fn write(kv: &KeyedVectors, path: &Path, format: Format, options: &WriteOptions) -> Result<()> {
    match format {
        Format::Text => word2vec::text::write(kv, path, options),
        Format::Binary => word2vec::binary::write(kv, path, options),
        Format::Native => native::write(kv, path),
    }
}

/// Writes `kv` in `format` to a stream (standard output, a pipe), for the
/// word2vec formats; the native format is refused (it is laid out to be
/// memory-mapped from a file). The counts file of `options`, if named, is
/// written as by [`write()`].
pub fn write_to(
    kv: &KeyedVectors,
    out: &mut dyn std::io::Write,
    format: Format,
    options: &WriteOptions,
) -> Result<()> {
    match format {
        Format::Text => word2vec::text::write_to(kv, out, options)?,
        Format::Binary => word2vec::binary::write_to(kv, out, options)?,
        Format::Native => {
            return Err(Error::UnknownFormat {
                path: "-".into(),
                reason: "the native format is written to files only (it is memory-mapped)".into(),
            })
        }
    }
    word2vec::write_counts_file(kv, options)
}

/// Fails unless `path` is a regular file. Asked before opening (opening a
/// FIFO would wait for a writer): vector files are opened more than once
/// (to detect the format, then to read or map them, in parallel parts).
fn check_regular(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("open", path, e))?;
    if meta.is_file() {
        return Ok(());
    }
    Err(Error::UnknownFormat {
        path: path.to_path_buf(),
        reason: "not a regular file: vector files are opened more than once (to detect \
                 the format, then to read or map them); save the stream to a file first"
            .into(),
    })
}

impl KeyedVectors {
    /// Loads vectors from `path`, detecting the format from the content, with
    /// default options (strict UTF-8, no limit).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Ok(read(path, Format::detect(path)?, &ReadOptions::default())?.0)
    }

    /// Saves vectors to `path` in the format its extension names, with
    /// default options (gensim's layout).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write(
            self,
            path,
            Format::from_extension(path)?,
            &WriteOptions::default(),
        )
    }
}
