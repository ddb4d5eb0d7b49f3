//! The word2vec C text format: a header `"<rows> <dim>\n"`, then one line per
//! word, `word v1 v2 ... vd`.
//!
//! The reader accepts the C tool's trailing space, `\r\n` line ends, and runs
//! of spaces or tabs between fields; it parses large files in parallel, a
//! block of lines at a time, with a fast float parser. The writer produces
//! gensim's bytes by default (numpy's shortest round-trip form of each f32,
//! so a text round trip is exact) or the C tool's `"%lf "` layout.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::ops::Range;
use std::path::Path;

use ndarray::{s, Array2, ArrayView1, Axis};
use rayon::prelude::*;

use super::{
    attach_counts, check_rows_fit, check_writable_keys, decode_word, log_report, parse_rows,
    read_header, rows_wanted, write_counts_file, Layout, ParsedRow, ReadOptions, ReadReport,
    Utf8Policy, WriteOptions,
};
use crate::error::{Error, Location, Result};
use crate::matrix::Matrix;
use crate::KeyedVectors;

/// Bytes read from the file per block of lines (tiny in unit tests, so that
/// lines straddle block boundaries at every offset).
const BLOCK_BYTES: u64 = if cfg!(test) { 61 } else { 8 << 20 };

/// The shortest possible line: a 1-byte word and `dim` one-digit values,
/// each after one separator (the last line may lack its newline).
pub(crate) fn min_row_bytes(dim: usize) -> u64 {
    1 + 2 * dim as u64
}

/// Reads a word2vec text file.
///
/// Fails, naming the file and line, on: an empty file, a malformed header, a
/// zero dimension, a header announcing more rows than the file can hold, a
/// line with a missing or extra value or a non-number, an empty line, fewer
/// rows than announced, or (without a `limit`) more rows than announced.
pub fn read(path: &Path, options: &ReadOptions) -> Result<(KeyedVectors, ReadReport)> {
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let size = file
        .metadata()
        .map_err(|e| Error::io("read", path, e))?
        .len();
    let mut reader = BufReader::new(file);
    let header = read_header(&mut reader, path)?;
    let dim = header.dim;
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

    let mut vectors = Array2::<f32>::zeros((rows, dim));
    let mut words = Vec::with_capacity(rows);
    let mut block = Vec::new();
    let mut next_line = 2u64; // the header is line 1
    let mut eof = false;
    while words.len() < rows && !eof {
        let read = (&mut reader)
            .take(BLOCK_BYTES)
            .read_to_end(&mut block)
            .map_err(|e| Error::io("read", path, e))?;
        eof = read == 0;
        let complete = if eof {
            block.len()
        } else {
            match memchr::memrchr(b'\n', &block) {
                Some(last) => last + 1,
                None => continue, // a line longer than a block: read on
            }
        };
        let lines = line_ranges(&block[..complete], rows - words.len());
        let filled = words.len();
        let target = vectors.slice_mut(s![filled..filled + lines.len(), ..]);
        let parsed = parse_lines(
            &block,
            &lines,
            target,
            options.utf8,
            path,
            next_line,
            &mut report,
        )?;
        words.extend(parsed);
        next_line += lines.len() as u64;
        block.drain(..lines.last().map_or(0, |last| last.end + 1).min(complete));
    }
    if words.len() < rows {
        return Err(Error::format(
            path,
            Location::Line(next_line),
            format!(
                "file ends after {} rows, but the header announces {}",
                words.len(),
                header.rows
            ),
        ));
    }
    if options.limit.is_none() {
        check_no_more_rows(&mut reader, &block, path, next_line, header.rows)?;
    }
    report.rows_read = words.len();
    let (mut kv, duplicates) =
        KeyedVectors::from_rows_keep_first(words, Matrix::Owned(vectors), None)?;
    report.duplicates_skipped = duplicates;
    attach_counts(&mut kv, options, &mut report)?;
    log_report(path, &report);
    Ok((kv, report))
}

/// The byte ranges of up to `max` lines in `block` (newline excluded; the
/// last line may lack one).
fn line_ranges(block: &[u8], max: usize) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block)
        .chain((block.last() != Some(&b'\n')).then_some(block.len()))
    {
        if lines.len() == max || start >= block.len() {
            break;
        }
        lines.push(start..end);
        start = end + 1;
    }
    lines
}

/// Parses `lines` of `block` into the rows of `target`, in parallel; returns
/// the words in order.
fn parse_lines(
    block: &[u8],
    lines: &[Range<usize>],
    target: ndarray::ArrayViewMut2<'_, f32>,
    policy: Utf8Policy,
    path: &Path,
    first_line: u64,
    report: &mut ReadReport,
) -> Result<Vec<String>> {
    parse_rows(lines, target, report, |i, range, row| {
        let at = Location::Line(first_line + i as u64);
        let (word, non_finite) = parse_line(&block[range.clone()], row, path, at)?;
        let (word, replaced) = decode_word(word, policy, path, at)?;
        Ok(ParsedRow {
            word,
            non_finite,
            replaced,
        })
    })
}

/// Parses one line into `row`; returns the word's bytes and the number of
/// non-finite values.
fn parse_line<'a>(
    line: &'a [u8],
    row: &mut [f32],
    path: &Path,
    at: Location,
) -> Result<(&'a [u8], usize)> {
    let mut fields = line
        .split(|&b| matches!(b, b' ' | b'\t' | b'\r'))
        .filter(|field| !field.is_empty());
    let Some(word) = fields.next() else {
        return Err(Error::format(
            path,
            at,
            format!("empty line: expected a word and {} values", row.len()),
        ));
    };
    let mut non_finite = 0;
    let mut found = 0;
    for field in fields {
        let Some(slot) = row.get_mut(found) else {
            found += 1;
            continue;
        };
        let value: f32 = fast_float2::parse(field).map_err(|_| {
            Error::format(
                path,
                at,
                format!(
                    "value {} {:?} is not a number",
                    found + 1,
                    String::from_utf8_lossy(field)
                ),
            )
        })?;
        non_finite += usize::from(!value.is_finite());
        *slot = value;
        found += 1;
    }
    if found != row.len() {
        return Err(Error::format(
            path,
            at,
            format!(
                "expected {} values after the word, found {found}",
                row.len()
            ),
        ));
    }
    Ok((word, non_finite))
}

/// Fails if anything but whitespace follows the announced rows.
fn check_no_more_rows(
    reader: &mut impl Read,
    block: &[u8],
    path: &Path,
    next_line: u64,
    header_rows: u64,
) -> Result<()> {
    let mut rest = block.to_vec();
    reader
        .take(1 << 16)
        .read_to_end(&mut rest)
        .map_err(|e| Error::io("read", path, e))?;
    if rest.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let blank = rest.iter().take_while(|&&b| b == b'\n').count() as u64;
    Err(Error::format(
        path,
        Location::Line(next_line + blank),
        format!("more rows than the {header_rows} the header announces"),
    ))
}

/// Writes `kv` as a word2vec text file (atomically), and the counts file of
/// `options` if one is named.
pub fn write(kv: &KeyedVectors, path: &Path, options: &WriteOptions) -> Result<()> {
    check_writable_keys(kv)?;
    atomic_file::write_file(path, |out| write_rows(kv, out, options))?;
    write_counts_file(kv, options)
}

/// Writes `kv` as word2vec text to a stream (`options.counts_file` is
/// not written: [`crate::write_to`] writes it).
pub fn write_to(kv: &KeyedVectors, out: &mut dyn Write, options: &WriteOptions) -> Result<()> {
    check_writable_keys(kv)?;
    write_rows(kv, out, options).map_err(|e| Error::io("write", Path::new("<stream>"), e))
}

/// The header and every row, formatted in parallel and written in order.
fn write_rows(
    kv: &KeyedVectors,
    out: &mut dyn Write,
    options: &WriteOptions,
) -> std::io::Result<()> {
    const ROWS_PER_TASK: usize = 1024;
    const ROWS_PER_BATCH: usize = 64 * ROWS_PER_TASK;
    let vectors = kv.vectors();
    let words = kv.index_to_key();
    writeln!(out, "{} {}", kv.len(), kv.dim())?;
    for batch in (0..kv.len()).step_by(ROWS_PER_BATCH) {
        let end = (batch + ROWS_PER_BATCH).min(kv.len());
        let rows = vectors.slice(s![batch..end, ..]);
        let chunks: Vec<Vec<u8>> = words[batch..end]
            .par_chunks(ROWS_PER_TASK)
            .zip(
                rows.axis_chunks_iter(Axis(0), ROWS_PER_TASK)
                    .into_par_iter(),
            )
            .map(|(words, rows)| {
                let mut buf = Vec::new();
                for (word, row) in words.iter().zip(rows.outer_iter()) {
                    format_row(&mut buf, word, row, options.layout);
                }
                buf
            })
            .collect();
        for chunk in chunks {
            out.write_all(&chunk)?;
        }
    }
    Ok(())
}

/// Appends one line: the word and its values in `layout`.
fn format_row(buf: &mut Vec<u8>, word: &str, vector: ArrayView1<'_, f32>, layout: Layout) {
    buf.extend_from_slice(word.as_bytes());
    match layout {
        Layout::Gensim => {
            for &value in vector {
                buf.push(b' ');
                format_numpy_f32(buf, value);
            }
        }
        Layout::C => {
            buf.push(b' ');
            for &value in vector {
                // C's "%lf " of the float widened to double: 6 decimals, exact rounding.
                write!(buf, "{:.6} ", f64::from(value)).expect("writing to a Vec cannot fail");
            }
        }
    }
    buf.push(b'\n');
}

/// Appends `value` as numpy's `str(np.float32(value))` prints it: the
/// shortest digits that round-trip, positional for `1e-4 <= |x| < 1e6` (and
/// 0), scientific otherwise, e.g. `0.1645237`, `1.0`, `-0.0`, `1e-05`,
/// `1.5e+06`, `nan`, `inf`.
pub(crate) fn format_numpy_f32(buf: &mut Vec<u8>, value: f32) {
    if value.is_nan() {
        buf.extend_from_slice(b"nan");
        return;
    }
    if value.is_sign_negative() {
        buf.push(b'-');
    }
    let magnitude = value.abs();
    if magnitude.is_infinite() {
        buf.extend_from_slice(b"inf");
        return;
    }
    if magnitude == 0.0 {
        buf.extend_from_slice(b"0.0");
        return;
    }
    let mut shortest = ryu::Buffer::new();
    let (digits, exponent) = DecimalDigits::parse(shortest.format_finite(magnitude).as_bytes());
    let digits = digits.as_slice();
    // numpy compares the float32 against these bounds in double precision.
    if (1e-4..1e6).contains(&f64::from(magnitude)) {
        if exponent >= 0 {
            let integer_len = exponent as usize + 1;
            buf.extend((0..integer_len).map(|i| digits.get(i).copied().unwrap_or(b'0')));
            buf.push(b'.');
            match digits.get(integer_len..) {
                Some(fraction) if !fraction.is_empty() => buf.extend_from_slice(fraction),
                _ => buf.push(b'0'),
            }
        } else {
            buf.extend_from_slice(b"0.");
            buf.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
            buf.extend_from_slice(digits);
        }
    } else {
        buf.push(digits[0]);
        if digits.len() > 1 {
            buf.push(b'.');
            buf.extend_from_slice(&digits[1..]);
        }
        buf.push(b'e');
        buf.push(if exponent < 0 { b'-' } else { b'+' });
        let exponent = exponent.unsigned_abs();
        if exponent < 10 {
            buf.push(b'0');
        }
        write!(buf, "{exponent}").expect("writing to a Vec cannot fail");
    }
}

/// The significant decimal digits of a positive number (no leading or
/// trailing zeros), as ryu's shortest form gives them.
struct DecimalDigits {
    digits: [u8; 32],
    len: usize,
}

impl DecimalDigits {
    /// Splits ryu's output (`"123.45"`, `"0.00123"`, `"1.5e20"`, `"1e-5"`)
    /// into its digits and the decimal exponent of the first digit.
    fn parse(shortest: &[u8]) -> (DecimalDigits, i32) {
        let (mantissa, exponent) = match shortest.iter().position(|&b| b == b'e') {
            Some(e) => {
                let exponent = std::str::from_utf8(&shortest[e + 1..])
                    .ok()
                    .and_then(|x| x.parse().ok());
                (
                    &shortest[..e],
                    exponent.expect("ryu writes a valid exponent"),
                )
            }
            None => (shortest, 0),
        };
        let point = mantissa
            .iter()
            .position(|&b| b == b'.')
            .unwrap_or(mantissa.len());
        let mut out = DecimalDigits {
            digits: [0; 32],
            len: 0,
        };
        let mut leading_zeros = 0;
        for &b in mantissa.iter().filter(|&&b| b != b'.') {
            if out.len == 0 && b == b'0' {
                leading_zeros += 1;
            } else {
                out.digits[out.len] = b;
                out.len += 1;
            }
        }
        while out.len > 1 && out.digits[out.len - 1] == b'0' {
            out.len -= 1;
        }
        (out, exponent + point as i32 - 1 - leading_zeros)
    }

    fn as_slice(&self) -> &[u8] {
        &self.digits[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oracle is numpy itself: `fixtures/gensim/numpy_float32_str.tsv`
    /// holds ~10k f32 bit patterns (random, exact decimal ties, switch
    /// points) and numpy 2.4's `str()` of each.
    #[test]
    fn formatting_matches_numpy_on_its_golden_file() {
        let path = test_support::fixture("gensim/numpy_float32_str.tsv");
        let golden = std::fs::read_to_string(path).unwrap();
        let mut checked = 0;
        for line in golden.lines() {
            let (bits, expected) = line.split_once('\t').unwrap();
            let value = f32::from_bits(u32::from_str_radix(bits, 16).unwrap());
            assert_eq!(numpy(value), expected, "bits {bits}");
            checked += 1;
        }
        assert!(checked > 10_000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        #[test]
        fn formatting_round_trips_every_finite_f32(bits in proptest::prelude::any::<u32>()) {
            let value = f32::from_bits(bits);
            proptest::prop_assume!(value.is_finite());
            let printed = numpy(value);
            let parsed: f32 = printed.parse().unwrap();
            proptest::prop_assert_eq!(parsed.to_bits(), bits, "{}", printed);
        }
    }

    fn numpy(value: f32) -> String {
        let mut buf = Vec::new();
        format_numpy_f32(&mut buf, value);
        String::from_utf8(buf).unwrap()
    }

    /// Expected strings printed by numpy 2.4 (`str(np.float32(v))`).
    #[test]
    fn floats_print_like_numpy() {
        let cases: &[(f32, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-4, "1e-04"),
            (0.00010001, "0.00010001"),
            (9.9e-5, "9.9e-05"),
            (1.5e-5, "1.5e-05"),
            (1e15, "1e+15"),
            (123456.78, "123456.78"),
            (999999.94, "999999.94"),
            (999999.97, "1e+06"),
            (9999999.0, "9.999999e+06"),
            (-3.4e38, "-3.4e+38"),
            (1e-40, "1e-40"),
            (f32::MIN_POSITIVE, "1.1754944e-38"),
            (0.1, "0.1"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (f32::NAN, "nan"),
            (f32::INFINITY, "inf"),
            (f32::NEG_INFINITY, "-inf"),
        ];
        for &(value, expected) in cases {
            assert_eq!(numpy(value), expected, "for {value:e}");
        }
    }

    /// With 61-byte blocks, lines start and end at every offset of a block,
    /// and some lines are longer than a block.
    #[test]
    fn lines_straddling_blocks_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        for dim in [1, 3, 40] {
            let words: Vec<String> = (0..300)
                .map(|i| "w".repeat(1 + i % 13) + &i.to_string())
                .collect();
            let matrix =
                Array2::from_shape_fn((300, dim), |(i, j)| (i * 1000 + j) as f32 * 0.37 - 5.0);
            let kv = KeyedVectors::from_parts(words, matrix, None).unwrap();
            let path = dir.path().join("v.txt");
            write(&kv, &path, &WriteOptions::default()).unwrap();
            let (back, _) = read(&path, &ReadOptions::default()).unwrap();
            assert_eq!(back, kv, "dim {dim}");
            let (first, _) = read(&path, &ReadOptions::default().limit(7)).unwrap();
            assert_eq!(first.index_to_key(), &kv.index_to_key()[..7]);
            // An error's line number counts across blocks.
            let mut text = std::fs::read_to_string(&path).unwrap();
            text = text.replacen("w250 ", "w250 x", 1);
            std::fs::write(&path, text).unwrap();
            let err = read(&path, &ReadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("line 252"), "{err}");
        }
    }

    #[test]
    fn line_ranges_stop_at_max_and_handle_missing_final_newline() {
        let block = b"a 1\nb 2\nc 3";
        assert_eq!(line_ranges(block, 10), vec![0..3, 4..7, 8..11]);
        assert_eq!(line_ranges(block, 2), vec![0..3, 4..7]);
        assert_eq!(line_ranges(b"a 1\n", 10), vec![0..3]);
    }
}
