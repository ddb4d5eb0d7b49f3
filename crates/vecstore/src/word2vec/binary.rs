//! The word2vec C binary format: a header `"<rows> <dim>\n"`, then per word
//! its UTF-8 bytes, a space, and `dim` little-endian f32.
//!
//! The C tool writes a `\n` after each vector and gensim 4 writes none; the
//! reader accepts both, and any whitespace before a word. The writer produces
//! gensim's bytes by default ([`Layout::Gensim`]) and the C tool's on request.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use ndarray::s;
use rayon::prelude::*;

use super::{
    attach_counts, check_rows_fit, check_writable_keys, decode_word, log_report, parse_rows,
    read_header, rows_wanted, write_counts_file, Layout, ParsedRow, ReadOptions, ReadReport,
    Utf8Policy, WriteOptions,
};
use crate::error::{Error, Location, Result};
use crate::matrix::Scratch;
use crate::KeyedVectors;

/// The longest word accepted, in bytes. word2vec.c cuts words at 99 bytes;
/// this is generous but keeps a file with no spaces from being read whole.
pub const MAX_WORD_BYTES: usize = 64 * 1024;

/// Bytes read from the file at a time (tiny in unit tests, so that records
/// straddle block boundaries at every offset).
const BLOCK_BYTES: usize = if cfg!(test) { 61 } else { 16 << 20 };

/// The smallest record: a 1-byte word, its space, and the vector.
pub(crate) fn min_row_bytes(dim: usize) -> u64 {
    2 + 4 * dim as u64
}

/// Reads a word2vec binary file.
///
/// The file is read in large blocks; the records of each block are located
/// in one sequential scan, then their vectors copied and their words decoded
/// in parallel.
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
    let mut blocks = Blocks::new(file, size);
    let mut eof = blocks.fill(path)?;
    let header = read_header(&mut blocks.data(), path)?;
    let dim = header.dim;
    let row_bytes = 4 * dim;
    let rows = check_rows_fit(
        path,
        rows_wanted(&header, options),
        min_row_bytes(dim),
        size - header.len,
    )?;
    let mut report = ReadReport {
        header_rows: header.rows,
        ..ReadReport::default()
    };

    let mut scratch =
        Scratch::new(rows, dim).map_err(|e| Error::io("allocate memory for", path, e))?;
    let mut vectors = scratch.view_mut();
    let mut words = Vec::with_capacity(rows);
    let mut pos = header.len as usize;
    // File offset of `blocks.data()[0]`.
    let mut base = 0u64;
    while words.len() < rows {
        let records = scan_records(
            blocks.data(),
            pos,
            rows - words.len(),
            row_bytes,
            eof,
            base,
            path,
            &words,
            header.rows,
        )?;
        if let Some(last) = records.last() {
            let filled = words.len();
            let target = vectors.slice_mut(s![filled..filled + records.len(), ..]);
            words.extend(copy_records(
                blocks.data(),
                &records,
                target,
                options.utf8,
                base,
                path,
                &mut report,
            )?);
            pos = last.word.end + 1 + row_bytes;
        }
        if words.len() < rows {
            blocks.consume(pos);
            base += pos as u64;
            pos = 0;
            eof = blocks.fill(path)?;
        }
    }
    if options.limit.is_none() {
        loop {
            pos += blocks.data()[pos..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if pos < blocks.data().len() {
                return Err(Error::format(
                    path,
                    Location::Byte(base + pos as u64),
                    format!(
                        "more data after the {} rows the header announces",
                        header.rows
                    ),
                ));
            }
            if eof {
                break;
            }
            blocks.consume(pos);
            base += pos as u64;
            pos = 0;
            eof = blocks.fill(path)?;
        }
    }
    report.rows_read = words.len();
    let matrix = scratch
        .freeze()
        .map_err(|e| Error::io("allocate memory for", path, e))?;
    let (mut kv, duplicates) = KeyedVectors::from_rows_keep_first(words, matrix, None)?;
    report.duplicates_skipped = duplicates;
    attach_counts(&mut kv, options, &mut report)?;
    log_report(path, &report);
    Ok((kv, report))
}

/// The file, read a block at a time into one reused buffer.
struct Blocks {
    file: File,
    /// Where the next read starts.
    file_pos: u64,
    buf: Vec<u8>,
    /// `buf[..filled]` holds data.
    filled: usize,
}

impl Blocks {
    /// Blocks of `file`, of `size` bytes: no larger than the file needs.
    fn new(file: File, size: u64) -> Self {
        let block =
            usize::try_from(size.saturating_add(1)).map_or(BLOCK_BYTES, |b| b.min(BLOCK_BYTES));
        Blocks {
            file,
            file_pos: 0,
            buf: vec![0; block],
            filled: 0,
        }
    }

    /// The data read and not yet consumed.
    fn data(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    /// Drops the first `n` bytes of the data.
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    /// Reads more data after what is held (growing the buffer if it is
    /// full: a record larger than a block); `true` at the end of the file.
    /// On Unix the two halves of the read run on two threads, as the copy
    /// out of the page cache is the bulk of the cost.
    fn fill(&mut self, path: &Path) -> Result<bool> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let target = &mut self.buf[self.filled..];
        let wanted = target.len();
        let read =
            read_at(&self.file, target, self.file_pos).map_err(|e| Error::io("read", path, e))?;
        self.filled += read;
        self.file_pos += read as u64;
        Ok(read < wanted)
    }
}

/// Fills as much of `buf` as the file holds from `offset` on; returns the
/// bytes read.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    fn read_full(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            match file.read_at(&mut buf[done..], offset + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
    if buf.len() < 1 << 20 {
        return read_full(file, buf, offset);
    }
    let mid = buf.len() / 2;
    let (first, second) = buf.split_at_mut(mid);
    let (a, b) = rayon::join(
        || read_full(file, first, offset),
        || read_full(file, second, offset + mid as u64),
    );
    let a = a?;
    // If the file ended inside the first half, the second read nothing.
    Ok(if a < mid { a } else { a + b? })
}

/// Fills as much of `buf` as the file holds from `offset` on; returns the
/// bytes read.
#[cfg(not(unix))]
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    let mut done = 0;
    while done < buf.len() {
        match file.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Where one record lies in the block.
struct Record {
    /// The word's bytes (the vector starts one byte after its end).
    word: std::ops::Range<usize>,
}

/// Finds up to `max` complete records in `block[pos..]`. With more data to
/// come (`!eof`), stops at the first incomplete one; at the end of the file
/// an incomplete record is an error.
#[allow(clippy::too_many_arguments)]
fn scan_records(
    block: &[u8],
    mut pos: usize,
    max: usize,
    row_bytes: usize,
    eof: bool,
    base: u64,
    path: &Path,
    words: &[String],
    header_rows: u64,
) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    while records.len() < max {
        pos += block[pos..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let at = |offset: usize| Location::Byte(base + offset as u64);
        let window = &block[pos..block.len().min(pos + MAX_WORD_BYTES + 1)];
        let Some(space) = memchr::memchr(b' ', window) else {
            if window.len() > MAX_WORD_BYTES {
                let message = format!(
                    "word longer than {MAX_WORD_BYTES} bytes (no space found): not a word2vec binary file?"
                );
                return Err(Error::format(path, at(pos), message));
            }
            if eof {
                let message = format!(
                    "file ends after {} rows, but the header announces {header_rows}",
                    words.len() + records.len()
                );
                return Err(Error::format(path, at(pos), message));
            }
            break;
        };
        let vector = pos + space + 1;
        if vector + row_bytes > block.len() {
            if eof {
                let word = String::from_utf8_lossy(&block[pos..pos + space]);
                return Err(Error::format(
                    path,
                    at(vector),
                    format!("the vector of {word:?} is cut short"),
                ));
            }
            break;
        }
        records.push(Record {
            word: pos..pos + space,
        });
        pos = vector + row_bytes;
    }
    Ok(records)
}

/// Copies the vectors of `records` into the rows of `target` and decodes
/// their words, in parallel; returns the words in order.
fn copy_records(
    block: &[u8],
    records: &[Record],
    target: ndarray::ArrayViewMut2<'_, f32>,
    policy: Utf8Policy,
    base: u64,
    path: &Path,
    report: &mut ReadReport,
) -> Result<Vec<String>> {
    parse_rows(records, target, report, |_, record, row| {
        let (vector, len) = (record.word.end + 1, 4 * row.len());
        bytemuck::cast_slice_mut(row).copy_from_slice(&block[vector..vector + len]);
        if cfg!(target_endian = "big") {
            row.iter_mut()
                .for_each(|x| *x = f32::from_bits(x.to_bits().swap_bytes()));
        }
        let at = Location::Byte(base + record.word.start as u64);
        let (word, replaced) = decode_word(&block[record.word.clone()], policy, path, at)?;
        let non_finite = row.iter().filter(|x| !x.is_finite()).count();
        Ok(ParsedRow {
            word,
            non_finite,
            replaced,
        })
    })
}

/// Writes `kv` as a word2vec binary file (atomically) in `options.layout`,
/// and the counts file of `options` if one is named.
///
/// Records are encoded in parallel, a few MiB per task, and written in order.
pub fn write(kv: &KeyedVectors, path: &Path, options: &WriteOptions) -> Result<()> {
    check_writable_keys(kv)?;
    atomic_file::write_file(path, |out| write_records(kv, out, options))?;
    write_counts_file(kv, options)
}

/// Writes `kv` as word2vec binary to a stream (`options.counts_file` is
/// not written: [`crate::write_to`] writes it).
pub fn write_to(kv: &KeyedVectors, out: &mut dyn Write, options: &WriteOptions) -> Result<()> {
    check_writable_keys(kv)?;
    write_records(kv, out, options).map_err(|e| Error::io("write", Path::new("<stream>"), e))
}

/// The header and every record, encoded in parallel and written in order.
fn write_records(
    kv: &KeyedVectors,
    out: &mut dyn Write,
    options: &WriteOptions,
) -> std::io::Result<()> {
    let rows_per_part = ((4 << 20) / (4 * kv.dim() + 16)).max(1);
    let parts: Vec<usize> = (0..kv.len().div_ceil(rows_per_part)).collect();
    writeln!(out, "{} {}", kv.len(), kv.dim())?;
    for batch in parts.chunks(2 * rayon::current_num_threads()) {
        let encoded: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|&part| {
                let rows = part * rows_per_part..((part + 1) * rows_per_part).min(kv.len());
                encode_records(kv, rows, options.layout)
            })
            .collect();
        for bytes in encoded {
            out.write_all(&bytes)?;
        }
    }
    Ok(())
}

/// The records of `rows`: word, space, little-endian vector, and a newline
/// in the C layout.
fn encode_records(kv: &KeyedVectors, rows: std::ops::Range<usize>, layout: Layout) -> Vec<u8> {
    let vectors = kv.vectors();
    let mut out = Vec::new();
    for row in rows {
        out.extend_from_slice(kv.index_to_key()[row].as_bytes());
        out.push(b' ');
        let vector = vectors.row(row);
        match vector.as_slice() {
            Some(values) if cfg!(target_endian = "little") => {
                out.extend_from_slice(bytemuck::cast_slice(values))
            }
            _ => out.extend(vector.iter().flat_map(|x| x.to_le_bytes())),
        }
        if layout == Layout::C {
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// With 61-byte blocks, records of varied lengths start and end at every
    /// offset of a block, and some vectors span several blocks.
    #[test]
    fn records_straddling_blocks_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        for layout in [Layout::Gensim, Layout::C] {
            for dim in [1, 3, 40] {
                let words: Vec<String> = (0..300)
                    .map(|i| "w".repeat(1 + i % 13) + &i.to_string())
                    .collect();
                let matrix =
                    Array2::from_shape_fn((300, dim), |(i, j)| (i * 1000 + j) as f32 * 0.37 - 5.0);
                let kv = KeyedVectors::from_parts(words, matrix, None).unwrap();
                let path = dir.path().join("v.bin");
                write(&kv, &path, &WriteOptions::default().layout(layout)).unwrap();
                let (back, report) = read(&path, &ReadOptions::default()).unwrap();
                assert_eq!(back, kv, "{layout:?} dim {dim}");
                assert_eq!(report.rows_read, 300);
                let (first, _) = read(&path, &ReadOptions::default().limit(7)).unwrap();
                assert_eq!(first.index_to_key(), &kv.index_to_key()[..7]);
            }
        }
    }

    /// The split read gives exactly the file's bytes, whether the file ends
    /// after, inside the second half of, or inside the first half of the buffer.
    #[test]
    fn split_reads_return_exactly_the_file_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        for (offset, len) in [
            (0, 2 << 20),
            (1_500_000, 2 << 20),
            (2_500_000, 2 << 20),
            (3_000_000, 1 << 20),
        ] {
            let mut buf = vec![0u8; len];
            let n = read_at(&file, &mut buf, offset as u64).unwrap();
            let expected = &bytes[offset.min(bytes.len())..(offset + len).min(bytes.len())];
            assert_eq!(&buf[..n], expected, "offset {offset}");
        }
    }

    #[test]
    fn trailing_data_beyond_the_first_block_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let kv = KeyedVectors::from_parts(vec!["a".into()], Array2::zeros((1, 2)), None).unwrap();
        let path = dir.path().join("v.bin");
        write(&kv, &path, &WriteOptions::default()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let end = bytes.len();
        bytes.extend(std::iter::repeat_n(b'\n', 200));
        bytes.push(b'x');
        std::fs::write(&path, bytes).unwrap();
        let err = read(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("byte {}", end + 200)) && err.contains("more data"),
            "{err}"
        );
    }
}
