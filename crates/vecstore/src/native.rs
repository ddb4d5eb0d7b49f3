//! Our native format (`.kv`): a small header, the vocabulary, the counts and
//! the matrix, laid out so that loading is a memory map with no copy and no
//! parse of the vectors. Two processes that load the same file share its
//! pages through the page cache.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"VECSTORE"` |
//! | 8 | 4 | version, `1` |
//! | 12 | 4 | flags: bit 0 set if counts are present |
//! | 16 | 8 | rows |
//! | 24 | 8 | dim |
//! | 32 | 8 | `words_len`: bytes of the words section |
//! | 40 | 8 | `counts_offset` (0 without counts) |
//! | 48 | 8 | `matrix_offset` |
//! | 56 | 8 | reserved, 0 |
//! | 64 | `words_len` | per word: `u32` byte length, then its UTF-8 bytes |
//! | `counts_offset` | 8 × rows | `u64` counts (8-aligned, after the words) |
//! | `matrix_offset` | 4 × rows × dim | `f32` rows (64-aligned, after the rest); the file ends here |
//!
//! Every offset and length is checked at load, so a truncated or corrupted
//! file is an error, never a crash.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use ndarray::Array2;

use crate::error::{Error, Location, Result};
use crate::matrix::{MappedMatrix, Matrix, SharedBytes};
use crate::KeyedVectors;

/// The first 8 bytes of every native file.
pub const MAGIC: &[u8; 8] = b"VECSTORE";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 64;
const FLAG_COUNTS: u32 = 1;

/// The header fields of a native file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NativeHeader {
    /// Number of words.
    pub rows: u64,
    /// Vector dimension.
    pub dim: u64,
    /// Whether per-word counts are stored.
    pub has_counts: bool,
    words_len: u64,
    counts_offset: u64,
    matrix_offset: u64,
}

/// Where the sections of a file with `rows` words of `dim` dimensions and a
/// words section of `words_len` bytes go: `(counts_offset, matrix_offset, file_len)`.
fn layout(rows: u64, dim: u64, words_len: u64, has_counts: bool) -> Option<(u64, u64, u64)> {
    let words_end = (HEADER_LEN as u64).checked_add(words_len)?;
    let (counts_offset, counts_end) = if has_counts {
        let offset = words_end.checked_next_multiple_of(8)?;
        (offset, offset.checked_add(rows.checked_mul(8)?)?)
    } else {
        (0, words_end)
    };
    let matrix_offset = counts_end.checked_next_multiple_of(64)?;
    let file_len = matrix_offset.checked_add(rows.checked_mul(dim)?.checked_mul(4)?)?;
    Some((counts_offset, matrix_offset, file_len))
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Parses the header from the first bytes of a file (`head`, at least the
/// 64 header bytes) and checks it against the file's length.
pub(crate) fn read_header_with_len(
    head: &[u8],
    file_len: u64,
    path: &Path,
) -> Result<NativeHeader> {
    let err = |at: u64, message: String| Error::format(path, Location::Byte(at), message);
    if file_len < HEADER_LEN as u64 || head.len() < HEADER_LEN {
        return Err(err(
            0,
            format!("file of {file_len} bytes is shorter than the {HEADER_LEN}-byte header"),
        ));
    }
    let bytes = head;
    if &bytes[..8] != MAGIC {
        return Err(err(0, "not a native vector file (bad magic)".into()));
    }
    let version = read_u32(bytes, 8);
    if version != VERSION {
        return Err(err(
            8,
            format!("unsupported version {version} (this build reads {VERSION})"),
        ));
    }
    let flags = read_u32(bytes, 12);
    if flags & !FLAG_COUNTS != 0 {
        return Err(err(12, format!("unknown flags {flags:#x}")));
    }
    let header = NativeHeader {
        rows: read_u64(bytes, 16),
        dim: read_u64(bytes, 24),
        has_counts: flags & FLAG_COUNTS != 0,
        words_len: read_u64(bytes, 32),
        counts_offset: read_u64(bytes, 40),
        matrix_offset: read_u64(bytes, 48),
    };
    if header.dim == 0 {
        return Err(err(24, "dimension is 0".into()));
    }
    let expected = layout(header.rows, header.dim, header.words_len, header.has_counts)
        .ok_or_else(|| err(16, "rows, dimension and sizes overflow".into()))?;
    if (header.counts_offset, header.matrix_offset) != (expected.0, expected.1) {
        return Err(err(
            40,
            "section offsets do not match the sizes in the header".into(),
        ));
    }
    if file_len != expected.2 {
        return Err(err(
            file_len.min(expected.2),
            format!(
                "file is {file_len} bytes but its header describes {} bytes: truncated or corrupted",
                expected.2
            ),
        ));
    }
    Ok(header)
}

/// Loads a native file by memory-mapping it: the matrix is used in place
/// (no copy, no parse), so the cost is the vocabulary's, and processes that
/// load the same file share its pages. Only the first `limit` rows are kept
/// if a limit is given.
///
/// Safety of the map: a mapped file must not be truncated or rewritten in
/// place while mapped (that could crash the process with SIGBUS). This crate
/// never does so: every save writes a new file and renames it over the old
/// one, so existing maps keep the old contents.
pub fn load(path: &Path, limit: Option<usize>) -> Result<KeyedVectors> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    // SAFETY: the map is read-only and lives as long as the vectors that
    // borrow it. Its contents must not change underneath us; our own writers
    // replace files by rename (see above), and `read_header` checks every
    // length against the map before any access.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io("map", path, e))?;
    from_bytes(Arc::new(map), path, limit)
}

/// Loads vectors from the bytes of a native file (`path` is only used in
/// messages). The matrix borrows `bytes` when it is 4-byte aligned on a
/// little-endian target, and is copied otherwise.
pub fn from_bytes(bytes: SharedBytes, path: &Path, limit: Option<usize>) -> Result<KeyedVectors> {
    let data: &[u8] = (*bytes).as_ref();
    let header = read_header_with_len(data, data.len() as u64, path)?;
    let rows = limit.map_or(header.rows, |limit| header.rows.min(limit as u64)) as usize;
    let dim = header.dim as usize;

    let words_end = HEADER_LEN + header.words_len as usize;
    let mut words = Vec::with_capacity(rows);
    let mut at = HEADER_LEN;
    for row in 0..header.rows {
        let err = |message: String| Error::format(path, Location::Byte(at as u64), message);
        if at + 4 > words_end {
            return Err(err(format!("words section ends before word {row}")));
        }
        let len = read_u32(data, at) as usize;
        let bytes = data
            .get(at + 4..at + 4 + len)
            .filter(|_| at + 4 + len <= words_end)
            .ok_or_else(|| err(format!("word {row} runs past the words section")))?;
        if words.len() < rows {
            let word = std::str::from_utf8(bytes)
                .map_err(|_| err(format!("word {row} is not valid UTF-8")))?;
            words.push(word.to_owned());
        }
        at += 4 + len;
    }
    if at != words_end {
        return Err(Error::format(
            path,
            Location::Byte(at as u64),
            "words section has trailing bytes",
        ));
    }

    let counts = header.has_counts.then(|| {
        let start = header.counts_offset as usize;
        data[start..start + 8 * rows]
            .chunks_exact(8)
            .map(|c| read_u64(c, 0))
            .collect()
    });

    let offset = header.matrix_offset as usize;
    let matrix = match MappedMatrix::new(bytes.clone(), offset, rows, dim) {
        Some(mapped) => Matrix::Mapped(mapped),
        None => Matrix::Owned(decode_f32_le(
            &data[offset..offset + rows * dim * 4],
            rows,
            dim,
        )),
    };
    KeyedVectors::from_matrix(words, matrix, counts).map_err(|e| match e {
        Error::DuplicateKey(word) => Error::format(
            path,
            Location::Byte(HEADER_LEN as u64),
            format!("word {word:?} appears twice in the vocabulary"),
        ),
        other => other,
    })
}

/// Copies little-endian f32 bytes into a matrix: the path for big-endian
/// targets and for buffers that are not 4-byte aligned.
fn decode_f32_le(bytes: &[u8], rows: usize, dim: usize) -> Array2<f32> {
    let values = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")));
    Array2::from_shape_vec((rows, dim), values.collect()).expect("rows * dim values")
}

/// Writes `kv` as a native file, atomically.
pub fn write(kv: &KeyedVectors, path: &Path) -> Result<()> {
    let rows = kv.len() as u64;
    let dim = kv.dim() as u64;
    let words_len: u64 = kv.index_to_key().iter().map(|w| 4 + w.len() as u64).sum();
    let has_counts = kv.counts().is_some();
    let (counts_offset, matrix_offset, _) =
        layout(rows, dim, words_len, has_counts).ok_or_else(|| {
            Error::io(
                "write",
                path,
                std::io::Error::other("vectors too large for the format"),
            )
        })?;
    if dim == 0 {
        return Err(Error::io(
            "write",
            path,
            std::io::Error::other("dimension is 0"),
        ));
    }
    for word in kv.index_to_key() {
        if u32::try_from(word.len()).is_err() {
            return Err(Error::UnwritableKey {
                key: word.clone(),
                reason: "longer than 4 GiB",
            });
        }
    }
    atomic_file::write_file(path, |out| {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&(if has_counts { FLAG_COUNTS } else { 0 }).to_le_bytes());
        for field in [rows, dim, words_len, counts_offset, matrix_offset, 0] {
            header.extend_from_slice(&field.to_le_bytes());
        }
        out.write_all(&header)?;
        let mut written = HEADER_LEN as u64;
        for word in kv.index_to_key() {
            out.write_all(&(word.len() as u32).to_le_bytes())?;
            out.write_all(word.as_bytes())?;
        }
        written += words_len;
        if let Some(counts) = kv.counts() {
            out.write_all(&vec![0; (counts_offset - written) as usize])?;
            for count in counts {
                out.write_all(&count.to_le_bytes())?;
            }
            written = counts_offset + 8 * rows;
        }
        out.write_all(&vec![0; (matrix_offset - written) as usize])?;
        let vectors = kv.vectors();
        match vectors.as_slice() {
            Some(all) if cfg!(target_endian = "little") => {
                out.write_all(bytemuck::cast_slice(all))?
            }
            _ => {
                for value in vectors.iter() {
                    out.write_all(&value.to_le_bytes())?;
                }
            }
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn sample() -> KeyedVectors {
        KeyedVectors::from_parts(
            vec!["über".into(), "b".into(), "日本".into()],
            array![[1.0, -2.5], [f32::MIN_POSITIVE, 0.0], [-0.0, 7.0]],
            Some(vec![30, 20, 10]),
        )
        .unwrap()
    }

    fn file_bytes(kv: &KeyedVectors) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.kv");
        write(kv, &path).unwrap();
        std::fs::read(path).unwrap()
    }

    #[test]
    fn map_round_trip_is_bit_identical_and_zero_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.kv");
        let kv = sample();
        write(&kv, &path).unwrap();
        let loaded = load(&path, None).unwrap();
        assert!(loaded.is_mapped());
        assert_eq!(loaded, kv);
        assert_eq!(loaded.index_of("日本"), Some(2));
    }

    #[test]
    fn unaligned_buffer_takes_the_copying_path() {
        let kv = sample();
        let bytes = file_bytes(&kv);
        // Shift the file by one byte inside a larger buffer so the matrix is misaligned.
        let mut shifted = vec![0u8; bytes.len() + 1];
        shifted[1..].copy_from_slice(&bytes);
        struct Tail(Vec<u8>);
        impl AsRef<[u8]> for Tail {
            fn as_ref(&self) -> &[u8] {
                &self.0[1..]
            }
        }
        let copied = from_bytes(Arc::new(Tail(shifted)), Path::new("shifted.kv"), None).unwrap();
        assert!(!copied.is_mapped());
        assert_eq!(copied, kv);
    }

    #[test]
    fn decode_f32_le_reads_little_endian_bytes() {
        let bytes = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0];
        assert_eq!(decode_f32_le(&bytes, 1, 2), array![[1.0, -2.5]]);
    }

    #[test]
    fn limit_keeps_the_first_rows() {
        let kv = from_bytes(Arc::new(file_bytes(&sample())), Path::new("v.kv"), Some(2)).unwrap();
        assert_eq!(kv.index_to_key(), ["über", "b"]);
        assert_eq!(kv.counts(), Some(&[30, 20][..]));
        assert_eq!(kv.vectors().nrows(), 2);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = file_bytes(&sample());
        for len in 0..bytes.len() {
            let result = from_bytes(Arc::new(bytes[..len].to_vec()), Path::new("cut.kv"), None);
            assert!(
                matches!(result, Err(Error::Format { .. })),
                "length {len} accepted"
            );
        }
    }

    #[test]
    fn corrupted_fields_are_errors() {
        let good = file_bytes(&sample());
        let corrupt = |at: usize, value: &[u8]| {
            let mut bytes = good.clone();
            bytes[at..at + value.len()].copy_from_slice(value);
            from_bytes(Arc::new(bytes), Path::new("bad.kv"), None)
                .unwrap_err()
                .to_string()
        };
        assert!(corrupt(0, b"NOTAFILE").contains("bad magic"));
        assert!(corrupt(8, &9u32.to_le_bytes()).contains("version 9"));
        assert!(corrupt(16, &u64::MAX.to_le_bytes()).contains("overflow"));
        assert!(corrupt(24, &0u64.to_le_bytes()).contains("dimension is 0"));
        assert!(corrupt(16, &4u64.to_le_bytes()).contains("header describes"));
        // A word length pointing past the words section.
        assert!(corrupt(64, &1000u32.to_le_bytes()).contains("runs past"));
        // Invalid UTF-8 in the first word ("über" starts with 0xc3 0xbc).
        assert!(corrupt(68, &[0xff]).contains("not valid UTF-8"));
        // Rewrite the second word "b" as "a": a duplicate.
        let pair =
            KeyedVectors::from_parts(vec!["a".into(), "b".into()], array![[1.0], [2.0]], None)
                .unwrap();
        let mut bytes = file_bytes(&pair);
        bytes[64 + 4 + 1 + 4] = b'a';
        let err = from_bytes(Arc::new(bytes), Path::new("dup.kv"), None).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }
}
