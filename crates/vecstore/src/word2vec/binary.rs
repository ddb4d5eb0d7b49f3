//! The word2vec C binary format: a header `"<rows> <dim>\n"`, then per word
//! its UTF-8 bytes, a space, and `dim` little-endian f32.
//!
//! The C tool writes a `\n` after each vector and gensim 4 writes none; the
//! reader accepts both, and any whitespace before a word. The writer produces
//! gensim's bytes by default ([`Layout::Gensim`]) and the C tool's on request.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use ndarray::Array2;

use super::{
    attach_counts, check_rows_fit, check_writable_keys, decode_word, log_report, read_header,
    rows_wanted, write_counts_file, Layout, ReadOptions, ReadReport, WriteOptions,
};
use crate::error::{Error, Location, Result};
use crate::KeyedVectors;

/// The longest word accepted, in bytes. word2vec.c cuts words at 99 bytes;
/// this is generous but keeps a file with no spaces from being read whole.
pub const MAX_WORD_BYTES: usize = 64 * 1024;

/// Reads a word2vec binary file.
///
/// Fails, naming the file and byte offset, on: an empty file, a malformed
/// header, a zero dimension, a header announcing more rows than the file
/// can hold, a word longer than [`MAX_WORD_BYTES`], a file cut inside a row,
/// and (without a `limit`) bytes left after the announced rows.
pub fn read(path: &Path, options: &ReadOptions) -> Result<(KeyedVectors, ReadReport)> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let size = file
        .metadata()
        .map_err(|e| Error::io("read", path, e))?
        .len();
    let mut reader = Counting {
        inner: BufReader::with_capacity(1 << 20, file),
        offset: 0,
    };
    let header = read_header(&mut reader, path)?;
    let dim = header.dim;
    let row_bytes = 4 * dim;
    // The smallest record: a 1-byte word, its space, and the vector.
    let rows = check_rows_fit(
        path,
        rows_wanted(&header, options),
        2 + row_bytes as u64,
        size - header.len,
    )?;
    let mut report = ReadReport {
        header_rows: header.rows,
        ..ReadReport::default()
    };

    let mut vectors = Array2::<f32>::zeros((rows, dim));
    let mut words = Vec::with_capacity(rows);
    let mut word = Vec::new();
    for mut row in vectors.rows_mut() {
        skip_whitespace(&mut reader, path)?;
        let word_at = Location::Byte(reader.offset);
        read_word(&mut reader, &mut word, path, header.rows, words.len())?;
        let (decoded, replaced) = decode_word(&word, options.utf8, path, word_at)?;
        let row = row
            .as_slice_mut()
            .expect("rows of a standard-layout matrix are contiguous");
        let vector_at = reader.offset;
        reader
            .read_exact(bytemuck::cast_slice_mut(row))
            .map_err(|e| {
                truncated_or_io(
                    e,
                    path,
                    vector_at,
                    format!("the vector of {decoded:?} is cut short"),
                )
            })?;
        if cfg!(target_endian = "big") {
            row.iter_mut()
                .for_each(|x| *x = f32::from_bits(x.to_bits().swap_bytes()));
        }
        report.non_finite_values += row.iter().filter(|x| !x.is_finite()).count();
        report.words_with_replacements += usize::from(replaced);
        words.push(decoded);
    }
    if options.limit.is_none() {
        skip_whitespace(&mut reader, path)?;
        let at = reader.offset;
        if !reader
            .fill_buf()
            .map_err(|e| Error::io("read", path, e))?
            .is_empty()
        {
            return Err(Error::format(
                path,
                Location::Byte(at),
                format!(
                    "more data after the {} rows the header announces",
                    header.rows
                ),
            ));
        }
    }
    report.rows_read = words.len();
    let (mut kv, duplicates) = KeyedVectors::from_rows_keep_first(words, vectors, None)?;
    report.duplicates_skipped = duplicates;
    attach_counts(&mut kv, options, &mut report)?;
    log_report(path, &report);
    Ok((kv, report))
}

/// Reads the bytes of a word up to (and consuming) its space.
fn read_word(
    reader: &mut Counting<impl BufRead>,
    word: &mut Vec<u8>,
    path: &Path,
    header_rows: u64,
    row: usize,
) -> Result<()> {
    word.clear();
    let start = reader.offset;
    (&mut *reader)
        .take(MAX_WORD_BYTES as u64 + 1)
        .read_until(b' ', word)
        .map_err(|e| Error::io("read", path, e))?;
    if word.last() == Some(&b' ') {
        word.pop();
        return Ok(());
    }
    let message = if word.len() > MAX_WORD_BYTES {
        format!(
            "word longer than {MAX_WORD_BYTES} bytes (no space found): not a word2vec binary file?"
        )
    } else {
        format!("file ends after {row} rows, but the header announces {header_rows}")
    };
    Err(Error::format(path, Location::Byte(start), message))
}

/// Consumes whitespace (the C tool's newline after each vector, and more).
fn skip_whitespace(reader: &mut Counting<impl BufRead>, path: &Path) -> Result<()> {
    loop {
        let buf = reader.fill_buf().map_err(|e| Error::io("read", path, e))?;
        let blanks = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let done = blanks < buf.len() || buf.is_empty();
        reader.consume(blanks);
        if done {
            return Ok(());
        }
    }
}

/// An unexpected end of file becomes a format error at `offset`.
fn truncated_or_io(error: std::io::Error, path: &Path, offset: u64, message: String) -> Error {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        Error::format(path, Location::Byte(offset), message)
    } else {
        Error::io("read", path, error)
    }
}

/// A buffered reader that knows its byte offset, for error messages.
struct Counting<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.offset += amount as u64;
        self.inner.consume(amount);
    }
}

/// Writes `kv` as a word2vec binary file (atomically) in `options.layout`,
/// and the counts file of `options` if one is named.
pub fn write(kv: &KeyedVectors, path: &Path, options: &WriteOptions) -> Result<()> {
    check_writable_keys(kv)?;
    crate::atomic::write_file(path, |out| {
        writeln!(out, "{} {}", kv.len(), kv.dim())?;
        let mut le_row = Vec::new();
        for (word, vector) in kv.iter() {
            out.write_all(word.as_bytes())?;
            out.write_all(b" ")?;
            match vector.as_slice() {
                Some(row) if cfg!(target_endian = "little") => {
                    out.write_all(bytemuck::cast_slice(row))?
                }
                _ => {
                    le_row.clear();
                    le_row.extend(vector.iter().flat_map(|x| x.to_le_bytes()));
                    out.write_all(&le_row)?;
                }
            }
            if options.layout == Layout::C {
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    })?;
    write_counts_file(kv, options)
}
