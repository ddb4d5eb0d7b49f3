//! Every malformed file is an `Err` naming the file and the line (text) or
//! byte offset (binary), never a panic or an unbounded allocation.

use std::path::PathBuf;

use vecstore::{read, Format, ReadOptions};

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Reads `bytes` as `format` and returns the error message, which must
    /// name the file and contain `location` and `what`.
    fn error(&self, format: Format, bytes: &[u8], location: &str, what: &str) -> String {
        let path = self.file("bad.vec", bytes);
        let err = match read(&path, format, &ReadOptions::default()) {
            Ok((kv, _)) => panic!(
                "{:?} accepted as {format:?}: {kv:?}",
                String::from_utf8_lossy(bytes)
            ),
            Err(err) => err.to_string(),
        };
        assert!(err.contains("bad.vec"), "no file name in {err:?}");
        assert!(err.contains(location), "no {location:?} in {err:?}");
        assert!(err.contains(what), "no {what:?} in {err:?}");
        err
    }
}

/// A binary record: word, space, little-endian floats.
fn record(word: &str, values: &[f32]) -> Vec<u8> {
    let mut bytes = format!("{word} ").into_bytes();
    bytes.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    bytes
}

#[test]
fn bad_headers_fail_in_both_formats() {
    let case = Case::new();
    for format in [Format::Text, Format::Binary] {
        case.error(format, b"", "line 1", "empty file");
        case.error(format, b"two words\n", "line 1", "not a number");
        case.error(format, b"3\n", "line 1", "is not \"<rows> <dim>\"");
        case.error(format, b"3 4 5\n", "line 1", "is not \"<rows> <dim>\"");
        case.error(format, b"-3 4\n", "line 1", "not a number");
        case.error(format, b"2 0\na\nb\n", "line 1", "dimension is 0");
        case.error(
            format,
            b"1 99999999999\na 1\n",
            "line 1",
            "exceeds the maximum",
        );
        case.error(format, &[b'7'; 300], "line 1", "not terminated");
        // A header that claims 10^12 rows: refused before any allocation.
        case.error(
            format,
            b"1000000000000 100\nw 1 2\n",
            "line 1",
            "header announces 1000000000000 rows",
        );
    }
}

#[test]
fn bad_text_rows_fail_with_their_line() {
    let case = Case::new();
    let t = Format::Text;
    case.error(
        t,
        b"2 2\na 1 2\nb 3\n",
        "line 3",
        "expected 2 values after the word, found 1",
    );
    case.error(
        t,
        b"2 2\na 1 2 9\nb 3 4\n",
        "line 2",
        "expected 2 values after the word, found 3",
    );
    case.error(
        t,
        b"2 2\na 1 2\nb 3 x4\n",
        "line 3",
        "value 2 \"x4\" is not a number",
    );
    case.error(t, b"3 2\naaaa 1 2\n\nb 3 4\n", "line 3", "empty line");
    let ends = "file ends after 2 rows, but the header announces 3";
    case.error(t, b"3 2\naaaa 1 2\nb 3.5 4\n", "line 4", ends);
    // Too short to hold the rows at all: caught by the size check on the header.
    let short = "header announces 3 rows, which need at least 15 bytes";
    case.error(t, b"3 2\na 1 2\nb 3 4\n", "line 1", short);
    case.error(
        t,
        b"1 2\na 1 2\nb 3 4\n",
        "line 3",
        "more rows than the 1 the header announces",
    );
    case.error(t, b"2 2\na 1 2\nb\xff 3 4\n", "line 3", "not valid UTF-8");
}

#[test]
fn bad_binary_rows_fail_with_their_byte_offset() {
    let case = Case::new();
    let b = Format::Binary;
    let header = b"2 2\n".to_vec();
    let mut cut = [
        header.clone(),
        record("aaaa", &[1.0, 2.0]),
        record("b", &[3.0, 4.0]),
    ]
    .concat();
    cut.truncate(cut.len() - 3);
    // Record "b" starts at 4 + 13 = 17; its vector at 19.
    case.error(b, &cut, "byte 19", "the vector of \"b\" is cut short");

    let one = [header.clone(), record("aaaaaaaaaaaa", &[1.0, 2.0])].concat();
    let ends = "file ends after 1 rows, but the header announces 2";
    case.error(b, &one, "byte 25", ends);

    let short = [header.clone(), record("a", &[1.0, 2.0])].concat();
    let size = "header announces 2 rows, which need at least 20 bytes";
    case.error(b, &short, "line 1", size);

    let extra = [
        b"1 2\n".to_vec(),
        record("a", &[1.0, 2.0]),
        b"junk".to_vec(),
    ]
    .concat();
    case.error(b, &extra, "byte 14", "more data after the 1 rows");

    let invalid = [
        header.clone(),
        record("a", &[1.0, 2.0]),
        b"\xc3 ".to_vec(),
        vec![0; 8],
    ]
    .concat();
    case.error(b, &invalid, "byte 14", "not valid UTF-8");

    // 100 KiB with no space: the word is cut off at the limit, not read whole.
    let mut huge = b"1 2\n".to_vec();
    huge.resize(100 * 1024, b'x');
    case.error(b, &huge, "byte 4", "word longer than 65536 bytes");
}

#[test]
fn non_finite_values_are_accepted_and_counted() {
    let case = Case::new();
    let text = case.file("nan.txt", b"2 2\na nan 1\nb -inf inf\n");
    let (kv, report) = read(&text, Format::Text, &ReadOptions::default()).unwrap();
    assert_eq!(report.non_finite_values, 3);
    assert!(kv.get_vector("a").unwrap()[0].is_nan());
    assert_eq!(kv.get_vector("b").unwrap()[1], f32::INFINITY);

    let binary = case.file(
        "nan.bin",
        &[b"1 2\n".to_vec(), record("a", &[f32::NAN, 1.0])].concat(),
    );
    let (_, report) = read(&binary, Format::Binary, &ReadOptions::default()).unwrap();
    assert_eq!(report.non_finite_values, 1);
}

#[test]
fn tolerated_variants_read_cleanly() {
    let case = Case::new();
    // CRLF, trailing spaces, tabs and repeated spaces, missing final newline.
    let text = case.file("v.txt", b"3 2\r\na 1 2 \r\nb\t3  4\nc 5 6");
    let (kv, _) = read(&text, Format::Text, &ReadOptions::default()).unwrap();
    assert_eq!(kv.index_to_key(), ["a", "b", "c"]);
    assert_eq!(kv.get_vector("c").unwrap().to_vec(), vec![5.0, 6.0]);
    // Binary: newlines (C tool) and other whitespace between records, and a trailing newline.
    let binary = [
        b"2 1\n".to_vec(),
        record("a", &[1.0]),
        b"\n\r\n".to_vec(),
        record("b", &[2.0]),
        b"\n".to_vec(),
    ]
    .concat();
    let binary = case.file("v.bin", &binary);
    let (kv, _) = read(&binary, Format::Binary, &ReadOptions::default()).unwrap();
    assert_eq!(kv.index_to_key(), ["a", "b"]);
    // An empty set is a valid file.
    let empty = case.file("empty.txt", b"0 5\n");
    let (kv, _) = read(&empty, Format::Text, &ReadOptions::default()).unwrap();
    assert_eq!((kv.len(), kv.dim()), (0, 5));
}

#[test]
fn missing_files_name_the_path() {
    let err = read(
        "/nonexistent/v.bin".as_ref(),
        Format::Binary,
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "cannot open /nonexistent/v.bin");
    let counts = ReadOptions::default().counts_file("/nonexistent/v.vocab");
    let case = Case::new();
    let text = case.file("v.txt", b"1 1\na 1\n");
    assert!(read(&text, Format::Text, &counts)
        .unwrap_err()
        .to_string()
        .contains("v.vocab"));
}

#[test]
fn bad_counts_files_fail_with_their_line() {
    let case = Case::new();
    let text = case.file("v.txt", b"2 1\na 1\nb 2\n");
    let counts = case.file("v.vocab", b"a 10\nb ten\n");
    let err = read(
        &text,
        Format::Text,
        &ReadOptions::default().counts_file(&counts),
    )
    .unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("v.vocab") && err.contains("line 2") && err.contains("\"ten\""),
        "{err}"
    );
    // A word missing from the counts file gets 0 and is reported.
    let partial = case.file("p.vocab", b"a 10\n");
    let (kv, report) = read(
        &text,
        Format::Text,
        &ReadOptions::default().counts_file(&partial),
    )
    .unwrap();
    assert_eq!(
        (kv.counts().unwrap(), report.words_missing_counts),
        (&[10, 0][..], 1)
    );
}

#[test]
fn inspect_refuses_a_header_the_file_cannot_hold() {
    let case = Case::new();
    let mut binary = b"1000000000000 2\n".to_vec();
    binary.extend(record("w", &[1.0, 2.0]));
    for (name, bytes) in [
        ("huge.txt", &b"1000000000000 100\nw 1 2\n"[..]),
        ("huge.bin", &binary),
    ] {
        let err = vecstore::inspect(&case.file(name, bytes))
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{err}");
        assert!(err.contains("header announces 1000000000000 rows"), "{err}");
    }
    // One row more than the file holds is refused too; the exact count is not.
    // (Two dimensions: the first row's 8 value bytes reach into the next
    // row's word, which detection once took for binary.)
    let two_rows = case.file("two.txt", b"2 2\na 1 2\nb 3 4\n");
    let summary = vecstore::inspect(&two_rows).unwrap();
    assert_eq!(
        (summary.format, summary.rows, summary.dim),
        (Format::Text, 2, 2)
    );
    let three = case.file("three.txt", b"3 2\na 1 2\nb 3 4\n");
    assert!(vecstore::inspect(&three).is_err());
}
