//! Compatibility with the real peer: files written by gensim 4.4 (see
//! `fixtures/gensim/make_gensim_fixtures.py`) read exactly, and what we write
//! is byte-identical to what gensim writes for the same vectors.

use ndarray::Array2;
use test_support::fixture;
use vecstore::{read, write, Format, KeyedVectors, Layout, ReadOptions, Utf8Policy, WriteOptions};

/// Reads an `*.expected.tsv`: a word, then each f32 as 8 hex digits of its bits.
fn expected(name: &str) -> KeyedVectors {
    let text = std::fs::read_to_string(fixture(format!("gensim/{name}"))).unwrap();
    let mut words = Vec::new();
    let mut values = Vec::new();
    for line in text.lines() {
        let mut fields = line.split('\t');
        words.push(fields.next().unwrap().to_string());
        values.extend(fields.map(|hex| f32::from_bits(u32::from_str_radix(hex, 16).unwrap())));
    }
    let dim = values.len() / words.len();
    let matrix = Array2::from_shape_vec((words.len(), dim), values).unwrap();
    KeyedVectors::from_parts(words, matrix, None).unwrap()
}

fn read_fixture(name: &str, format: Format, options: &ReadOptions) -> KeyedVectors {
    read(&fixture(format!("gensim/{name}")), format, options)
        .unwrap()
        .0
}

#[test]
fn reads_gensim_text_and_binary_exactly() {
    let want = expected("small.expected.tsv");
    assert_eq!(want.len(), 40);
    assert!(want.contains("日本") && want.contains("🙂") && want.contains("cafe\u{301}"));
    for (name, format) in [
        ("small.txt", Format::Text),
        ("small.bin", Format::Binary),
        ("small_c.bin", Format::Binary),
    ] {
        let got = read_fixture(name, format, &ReadOptions::default());
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn reads_c_tool_text_with_trailing_spaces() {
    let got = read_fixture("small_c.txt", Format::Text, &ReadOptions::default());
    assert_eq!(got, expected("small_c_txt.expected.tsv"));
}

#[test]
fn detects_each_fixture_format_from_content() {
    for (name, format) in [
        ("small.txt", Format::Text),
        ("small_c.txt", Format::Text),
        ("small.bin", Format::Binary),
        ("small_c.bin", Format::Binary),
        ("invalid_utf8.bin", Format::Binary),
    ] {
        assert_eq!(
            Format::detect(&fixture(format!("gensim/{name}"))).unwrap(),
            format,
            "{name}"
        );
    }
}

#[test]
fn writes_gensim_bytes_exactly() {
    let kv = expected("small.expected.tsv");
    let dir = tempfile::tempdir().unwrap();
    for (name, format, layout) in [
        ("small.txt", Format::Text, Layout::Gensim),
        ("small.bin", Format::Binary, Layout::Gensim),
        ("small_c.bin", Format::Binary, Layout::C),
        ("small_c.txt", Format::Text, Layout::C),
    ] {
        let out = dir.path().join(name);
        write(&kv, &out, format, &WriteOptions::default().layout(layout)).unwrap();
        let ours = std::fs::read(&out).unwrap();
        let theirs = std::fs::read(fixture(format!("gensim/{name}"))).unwrap();
        assert!(ours == theirs, "{name} differs from gensim's bytes");
    }
}

#[test]
fn counts_file_reads_and_writes_like_fvocab() {
    let options = ReadOptions::default().counts_file(fixture("gensim/small.vocab"));
    let (kv, report) = read(&fixture("gensim/small.bin"), Format::Binary, &options).unwrap();
    assert_eq!(report.words_missing_counts, 0);
    let counts = kv.counts().unwrap();
    assert!(
        counts.windows(2).all(|w| w[0] > w[1]),
        "fixture counts descend: {counts:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let vocab = dir.path().join("ours.vocab");
    let options = WriteOptions::default().counts_file(&vocab);
    write(&kv, &dir.path().join("ours.bin"), Format::Binary, &options).unwrap();
    assert_eq!(
        std::fs::read(vocab).unwrap(),
        std::fs::read(fixture("gensim/small.vocab")).unwrap()
    );
}

#[test]
fn invalid_utf8_is_an_error_when_strict_and_replaced_when_lossy() {
    let path = fixture("gensim/invalid_utf8.bin");
    let err = read(&path, Format::Binary, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid_utf8.bin") && err.contains("byte ") && err.contains("UTF-8"),
        "{err}"
    );

    let lossy = ReadOptions::default().utf8(Utf8Policy::Lossy);
    let (kv, report) = read(&path, Format::Binary, &lossy).unwrap();
    assert_eq!(kv, expected("invalid_utf8.expected.tsv"));
    assert_eq!(report.words_with_replacements, 2);
}

#[test]
fn duplicate_words_keep_the_first_occurrence_like_gensim() {
    let want = expected("duplicates.expected.tsv");
    for (name, format) in [
        ("duplicates.txt", Format::Text),
        ("duplicates.bin", Format::Binary),
    ] {
        let (kv, report) = read(
            &fixture(format!("gensim/{name}")),
            format,
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(kv, want, "{name}");
        assert_eq!(
            (report.rows_read, report.duplicates_skipped),
            (5, 1),
            "{name}"
        );
    }
}

#[test]
fn limit_reads_only_the_first_rows() {
    let want = expected("small.expected.tsv");
    for (name, format) in [("small.txt", Format::Text), ("small.bin", Format::Binary)] {
        let kv = read_fixture(name, format, &ReadOptions::default().limit(3));
        assert_eq!(kv.index_to_key(), &want.index_to_key()[..3], "{name}");
        assert_eq!(
            kv.vectors(),
            want.vectors().slice(ndarray::s![..3, ..]),
            "{name}"
        );
    }
}
