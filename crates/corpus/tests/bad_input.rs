//! Damaged compressed corpora are errors naming the file, met by the reader
//! and by the vocabulary count, never a panic or a silently short corpus.

use std::io::Write;

use corpus::{Corpus, Sentence, Vocab};

/// Reads every sentence; the first error, if any.
fn read_all(corpus: &Corpus) -> Result<u64, corpus::Error> {
    let mut reader = corpus.reader()?;
    let mut sentence = Sentence::new();
    let mut words = 0;
    while reader.read_sentence(&mut sentence)? {
        words += sentence.len() as u64;
    }
    Ok(words)
}

fn text() -> Vec<u8> {
    (0..3000)
        .map(|i| format!("w{} ", i % 97))
        .collect::<String>()
        .into_bytes()
}

fn zip(data: &[u8], method: zip::CompressionMethod) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    out.start_file("text8", options).unwrap();
    out.write_all(data).unwrap();
    out.finish().unwrap().into_inner()
}

fn assert_refused(corpus: &Corpus, name: &str, what: &str) {
    let err = read_all(corpus).expect_err(what).to_string();
    assert!(err.contains(name), "{what}: {err}");
    let err = Vocab::build(corpus, 1, None).expect_err(what).to_string();
    assert!(err.contains(name), "{what}: {err}");
}

#[test]
fn a_cut_gzip_stream_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text()).unwrap();
    let gz = gz.finish().unwrap();
    let path = dir.path().join("cut.txt.gz");
    std::fs::write(&path, &gz).unwrap();
    assert_eq!(read_all(&Corpus::text8(&path)).unwrap(), 3000);
    std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
    assert_refused(&Corpus::text8(&path), "cut.txt.gz", "cut gzip");
}

#[test]
fn a_zip_entry_with_a_wrong_checksum_or_cut_short_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text8.zip");
    // Stored, so that a flipped byte still unpacks: only the CRC-32 tells.
    let stored = zip(&text(), zip::CompressionMethod::Stored);
    std::fs::write(&path, &stored).unwrap();
    assert_eq!(read_all(&Corpus::text8(&path)).unwrap(), 3000);
    let mut flipped = stored.clone();
    let at = flipped.windows(3).position(|w| w == b"w5 ").unwrap();
    flipped[at + 1] = b'6';
    std::fs::write(&path, &flipped).unwrap();
    assert_refused(&Corpus::text8(&path), "text8.zip", "wrong CRC-32");

    let deflated = zip(&text(), zip::CompressionMethod::Deflated);
    std::fs::write(&path, &deflated[..deflated.len() / 2]).unwrap();
    assert_refused(&Corpus::text8(&path), "text8.zip", "cut zip");
}

#[test]
fn the_word_cap_counts_bytes_read_before_invalid_utf8_is_replaced() {
    // 2000 bytes of 0xff without a space: cut at 1024 bytes read, each of
    // them an invalid byte that becomes a 3-byte U+FFFD (found by fuzzing,
    // `fuzz/regressions/corpus_text8/`).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invalid.txt");
    let mut bytes = b"a ".to_vec();
    bytes.extend(std::iter::repeat_n(0xff, 2000));
    bytes.extend(b" b");
    std::fs::write(&path, &bytes).unwrap();
    let mut reader = Corpus::text8(&path).reader().unwrap();
    let mut sentence = Sentence::new();
    assert!(reader.read_sentence(&mut sentence).unwrap());
    let words: Vec<&str> = sentence.words().collect();
    assert_eq!(words.len(), 3);
    assert_eq!((words[0], words[2]), ("a", "b"));
    assert_eq!(words[1], "\u{fffd}".repeat(corpus::MAX_WORD_BYTES));
    assert_eq!(reader.stats().truncated_words, 1);
}
