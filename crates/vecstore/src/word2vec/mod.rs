//! The word2vec C formats, as written by the original C tool and by gensim's
//! `save_word2vec_format`: [`text`] and [`binary`].
//!
//! Both start with an ASCII header `"<rows> <dim>\n"`. Readers accept every
//! variant the two peers write (trailing spaces, `\r\n`, a newline after each
//! binary vector or none), keep the first occurrence of a repeated word as
//! gensim does, and never trust the header: it is checked against the file
//! size before anything is allocated. NaN and infinite values are accepted
//! (gensim accepts them too) and counted in [`ReadReport::non_finite_values`].

pub mod binary;
pub mod text;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::KeyedVectors;

/// What to do with a word that is not valid UTF-8.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Utf8Policy {
    /// Fail with an error naming the file and position (gensim's default,
    /// `unicode_errors='strict'`).
    #[default]
    Strict,
    /// Replace invalid sequences with U+FFFD (gensim's `unicode_errors='replace'`),
    /// as needed for C-tool files whose 99-byte word cut split a character.
    Lossy,
}

/// Options for reading word2vec files, like gensim's `load_word2vec_format`.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Read only the first `limit` rows (gensim's `limit`).
    pub limit: Option<usize>,
    /// A vocabulary-counts file, `word count` per line (gensim's `fvocab`).
    pub counts_file: Option<PathBuf>,
    /// Handling of invalid UTF-8 in words.
    pub utf8: Utf8Policy,
}

impl ReadOptions {
    /// Reads only the first `limit` rows.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Takes per-word counts from `path` (`word count` per line).
    pub fn counts_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.counts_file = Some(path.into());
        self
    }

    /// Sets the handling of invalid UTF-8 in words.
    pub fn utf8(mut self, policy: Utf8Policy) -> Self {
        self.utf8 = policy;
        self
    }
}

/// The byte layout a word2vec writer produces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// gensim 4's `save_word2vec_format`: binary rows with no trailing newline;
    /// text values in numpy's shortest round-trip form, no trailing space.
    #[default]
    Gensim,
    /// The original word2vec C tool: binary rows end with `\n`; text values as
    /// C's `"%lf "` (6 decimals, so text loses precision), trailing space.
    C,
}

/// Options for writing word2vec files, like gensim's `save_word2vec_format`.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The byte layout.
    pub layout: Layout,
    /// Also write the counts to this file, `word count` per line (gensim's
    /// `fvocab`); fails if the vectors carry no counts.
    pub counts_file: Option<PathBuf>,
}

impl WriteOptions {
    /// Sets the byte layout.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Also writes the counts to `path`.
    pub fn counts_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.counts_file = Some(path.into());
        self
    }
}

/// What a reader met on its way, beyond the vectors themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// The row count the header announced.
    pub header_rows: u64,
    /// Rows read from the file (before duplicates were dropped).
    pub rows_read: usize,
    /// Rows dropped because their word had been seen before (gensim keeps the
    /// first occurrence and warns).
    pub duplicates_skipped: usize,
    /// NaN or infinite values read (accepted, as gensim does).
    pub non_finite_values: usize,
    /// Words in which invalid UTF-8 was replaced ([`Utf8Policy::Lossy`] only).
    pub words_with_replacements: usize,
    /// Words of the vocabulary missing from the counts file (their count is 0).
    pub words_missing_counts: usize,
}

/// The header line `"<rows> <dim>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub rows: u64,
    pub dim: usize,
    /// Bytes taken by the header line, newline included.
    pub len: u64,
}

/// The longest header line accepted, in bytes.
const MAX_HEADER_LEN: u64 = 256;

/// The largest dimension accepted; far beyond any real embedding, it keeps a
/// corrupt header from asking for absurd row buffers.
pub const MAX_DIM: usize = 1 << 20;

/// Reads and checks the header line.
pub(crate) fn read_header(reader: &mut impl BufRead, path: &Path) -> Result<Header> {
    let mut line = Vec::new();
    reader
        .take(MAX_HEADER_LEN)
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io("read", path, e))?;
    let at = Location::Line(1);
    if line.is_empty() {
        return Err(Error::format(
            path,
            at,
            "empty file: expected a header \"<rows> <dim>\"",
        ));
    }
    if line.last() != Some(&b'\n') {
        return Err(Error::format(
            path,
            at,
            format!("header line is not terminated within {MAX_HEADER_LEN} bytes"),
        ));
    }
    let text = std::str::from_utf8(&line)
        .map_err(|_| Error::format(path, at, "header is not ASCII text"))?;
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    let [rows, dim] = fields[..] else {
        return Err(Error::format(
            path,
            at,
            format!("header {:?} is not \"<rows> <dim>\"", text.trim_end()),
        ));
    };
    let rows: u64 = rows
        .parse()
        .map_err(|_| Error::format(path, at, format!("row count {rows:?} is not a number")))?;
    let dim: usize = dim
        .parse()
        .map_err(|_| Error::format(path, at, format!("dimension {dim:?} is not a number")))?;
    if dim == 0 {
        return Err(Error::format(path, at, "dimension is 0"));
    }
    if dim > MAX_DIM {
        return Err(Error::format(
            path,
            at,
            format!("dimension {dim} exceeds the maximum {MAX_DIM}"),
        ));
    }
    Ok(Header {
        rows,
        dim,
        len: line.len() as u64,
    })
}

/// Checks that `rows` rows of at least `min_row_bytes` bytes each fit in the
/// `available` bytes after the header, so a lying header fails before any
/// allocation; returns `rows` as a `usize`.
pub(crate) fn check_rows_fit(
    path: &Path,
    rows: u64,
    min_row_bytes: u64,
    available: u64,
) -> Result<usize> {
    let needed = rows.saturating_mul(min_row_bytes);
    if needed > available {
        return Err(Error::format(
            path,
            Location::Line(1),
            format!(
                "header announces {rows} rows, which need at least {needed} bytes, \
                 but only {available} bytes follow: the file is truncated or the header is wrong"
            ),
        ));
    }
    usize::try_from(rows)
        .map_err(|_| Error::format(path, Location::Line(1), "row count does not fit in memory"))
}

/// The number of rows to read: the header's, capped by `limit`.
pub(crate) fn rows_wanted(header: &Header, options: &ReadOptions) -> u64 {
    match options.limit {
        Some(limit) => header.rows.min(limit as u64),
        None => header.rows,
    }
}

/// Decodes a word's bytes under `policy`; `Ok((word, replaced))`.
pub(crate) fn decode_word(
    bytes: &[u8],
    policy: Utf8Policy,
    path: &Path,
    at: Location,
) -> Result<(String, bool)> {
    match std::str::from_utf8(bytes) {
        Ok(word) => Ok((word.to_owned(), false)),
        Err(e) => match policy {
            Utf8Policy::Strict => Err(Error::InvalidUtf8 {
                path: path.to_path_buf(),
                location: at,
                word: String::from_utf8_lossy(bytes).into_owned(),
                byte: e.valid_up_to(),
            }),
            Utf8Policy::Lossy => Ok((String::from_utf8_lossy(bytes).into_owned(), true)),
        },
    }
}

/// Reads a counts file (`word count` per line) into a map; the first count
/// of a repeated word wins.
pub(crate) fn read_counts_file(path: &Path, policy: Utf8Policy) -> Result<HashMap<String, u64>> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut counts = HashMap::new();
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    for number in 1u64.. {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io("read", path, e))?
            == 0
        {
            break;
        }
        let at = Location::Line(number);
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let (Some(word), Some(count), None) = (fields.next(), fields.next(), fields.next()) else {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Err(Error::format(path, at, "expected \"<word> <count>\""));
        };
        let (word, _) = decode_word(word, policy, path, at)?;
        let count = std::str::from_utf8(count)
            .ok()
            .and_then(|c| c.parse::<u64>().ok())
            .ok_or_else(|| {
                Error::format(
                    path,
                    at,
                    format!(
                        "count {:?} is not a whole number",
                        String::from_utf8_lossy(count)
                    ),
                )
            })?;
        counts.entry(word).or_insert(count);
    }
    Ok(counts)
}

/// Rows parsed by one parallel task.
const ROWS_PER_TASK: usize = 1024;

/// One parsed row: its word, its number of NaN or infinite values, and
/// whether invalid UTF-8 in the word was replaced.
pub(crate) struct ParsedRow {
    pub word: String,
    pub non_finite: usize,
    pub replaced: bool,
}

/// Parses `items` in parallel, [`ROWS_PER_TASK`] at a time: `parse(i, item,
/// row)` fills row `i` of `target` from item `i` (the same index). Returns
/// the words in order and adds the counts to `report`; the first failing
/// row (in order) gives the error.
pub(crate) fn parse_rows<T: Sync>(
    items: &[T],
    mut target: ndarray::ArrayViewMut2<'_, f32>,
    report: &mut ReadReport,
    parse: impl Fn(usize, &T, &mut [f32]) -> Result<ParsedRow> + Sync,
) -> Result<Vec<String>> {
    use rayon::prelude::*;
    let dim = target.ncols();
    let out = target
        .as_slice_mut()
        .expect("rows of a standard-layout matrix are contiguous");
    let tasks: Vec<Result<(Vec<String>, usize, usize)>> = out
        .par_chunks_mut(dim * ROWS_PER_TASK)
        .zip(items.par_chunks(ROWS_PER_TASK))
        .enumerate()
        .map(|(task, (out, items))| {
            let mut words = Vec::with_capacity(items.len());
            let (mut non_finite, mut replaced) = (0, 0);
            for (i, (item, row)) in items.iter().zip(out.chunks_exact_mut(dim)).enumerate() {
                let parsed = parse(task * ROWS_PER_TASK + i, item, row)?;
                non_finite += parsed.non_finite;
                replaced += usize::from(parsed.replaced);
                words.push(parsed.word);
            }
            Ok((words, non_finite, replaced))
        })
        .collect();
    let mut words = Vec::with_capacity(items.len());
    for task in tasks {
        let (task_words, non_finite, replaced) = task?;
        words.extend(task_words);
        report.non_finite_values += non_finite;
        report.words_with_replacements += replaced;
    }
    Ok(words)
}

/// Attaches counts from `options.counts_file`, if any, to freshly read vectors.
pub(crate) fn attach_counts(
    kv: &mut KeyedVectors,
    options: &ReadOptions,
    report: &mut ReadReport,
) -> Result<()> {
    let Some(path) = &options.counts_file else {
        return Ok(());
    };
    let table = read_counts_file(path, options.utf8)?;
    let counts: Vec<u64> = kv
        .index_to_key()
        .iter()
        .map(|word| {
            table.get(word).copied().unwrap_or_else(|| {
                report.words_missing_counts += 1;
                0
            })
        })
        .collect();
    if report.words_missing_counts > 0 {
        log::warn!(
            "{}: {} words have no count; using 0",
            path.display(),
            report.words_missing_counts
        );
    }
    kv.set_counts(Some(counts))
}

/// Fails unless every key can be written as a word2vec word.
// The message of `check_writable_keys` quotes this limit.
const _: () = assert!(binary::MAX_WORD_BYTES == 65_536);

pub(crate) fn check_writable_keys(kv: &KeyedVectors) -> Result<()> {
    for key in kv.index_to_key() {
        let reason = if key.is_empty() {
            "it is empty"
        } else if key.bytes().any(|b| b == b' ' || b == b'\n') {
            "it contains a space or newline"
        } else if key.len() > binary::MAX_WORD_BYTES {
            "it is longer than 65,536 bytes, the longest word the readers accept"
        } else {
            continue;
        };
        return Err(Error::UnwritableKey {
            key: key.clone(),
            reason,
        });
    }
    Ok(())
}

/// Writes the counts file of `options`, if any, atomically.
pub(crate) fn write_counts_file(kv: &KeyedVectors, options: &WriteOptions) -> Result<()> {
    let Some(path) = &options.counts_file else {
        return Ok(());
    };
    let counts = kv
        .counts()
        .ok_or_else(|| Error::MissingCounts { path: path.clone() })?;
    atomic_file::write_file(path, |out| {
        for (word, count) in kv.index_to_key().iter().zip(counts) {
            writeln!(out, "{word} {count}")?;
        }
        Ok(())
    })?;
    Ok(())
}

/// Logs what a reader met, and finishes the report.
pub(crate) fn log_report(path: &Path, report: &ReadReport) {
    if report.duplicates_skipped > 0 {
        log::warn!(
            "{}: {} duplicate words ignored (the first occurrence of each is kept)",
            path.display(),
            report.duplicates_skipped
        );
    }
    if report.non_finite_values > 0 {
        log::warn!(
            "{}: {} NaN or infinite values",
            path.display(),
            report.non_finite_values
        );
    }
    if report.words_with_replacements > 0 {
        log::warn!(
            "{}: invalid UTF-8 replaced in {} words",
            path.display(),
            report.words_with_replacements
        );
    }
}
