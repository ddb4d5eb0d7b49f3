//! Streaming readers: sentence splitting, compression, byte-range chunks,
//! and odd input (invalid UTF-8, giant words).

use std::io::Write;
use std::path::PathBuf;

use corpus::{Corpus, Encoding, Sentence, MAX_WORD_BYTES};
use proptest::prelude::*;
use test_support::fixture;

fn sentences(corpus: &Corpus) -> Vec<Vec<String>> {
    corpus.reader().unwrap().collect::<Result<_, _>>().unwrap()
}

fn words_of_chunks(corpus: &Corpus, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    for reader in corpus.chunks(n).unwrap() {
        for sentence in reader {
            words.extend(sentence.unwrap());
        }
    }
    words
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn text8_sentences_are_runs_of_10000_words() {
    let corpus = Corpus::text8(fixture("corpus/dev100k.txt"));
    let sentences = sentences(&corpus);
    assert_eq!(sentences.len(), 10);
    assert!(sentences.iter().all(|s| s.len() == 10_000));
    let text = std::fs::read_to_string(fixture("corpus/dev100k.txt")).unwrap();
    let expected: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(sentences.concat(), expected);
}

#[test]
fn text8_reads_straight_from_a_zip_archive() {
    let corpus = Corpus::text8(fixture("corpus/text8_small.zip"));
    assert_eq!(Encoding::detect(corpus.path()).unwrap(), Encoding::Zip);
    let words: Vec<String> = sentences(&corpus).concat();
    let text = std::fs::read_to_string(fixture("corpus/dev100k.txt")).unwrap();
    let expected: Vec<&str> = text.split_whitespace().take(20_000).collect();
    assert_eq!(words, expected);
}

#[test]
fn line_sentences_follow_lines_in_plain_and_gzip_files() {
    let plain = sentences(&Corpus::lines(fixture("corpus/dev100k_lines.txt")));
    let gzip = sentences(&Corpus::lines(fixture("corpus/dev100k_lines.txt.gz")));
    assert_eq!(
        plain.len(),
        4862,
        "blank and whitespace-only lines give no sentence"
    );
    assert_eq!(plain, gzip);
    let text = std::fs::read_to_string(fixture("corpus/dev100k_lines.txt")).unwrap();
    let expected: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(plain, expected);
}

#[test]
fn long_lines_are_split_at_max_sentence_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "c.txt", b"a b c d e\nf g\n\n h \n");
    let got = sentences(&Corpus::lines(&path).max_sentence_length(2));
    let want: Vec<Vec<&str>> = vec![
        vec!["a", "b"],
        vec!["c", "d"],
        vec!["e"],
        vec!["f", "g"],
        vec!["h"],
    ];
    assert_eq!(got, want);
}

#[test]
fn a_corpus_can_be_read_many_times() {
    let corpus = Corpus::text8(fixture("corpus/text8_small.zip"));
    let first = sentences(&corpus);
    assert_eq!(sentences(&corpus), first);
}

#[test]
fn invalid_utf8_is_replaced_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bad.txt", b"caf\xc3 ok \xff\xfeab");
    let mut reader = Corpus::text8(&path).reader().unwrap();
    let mut sentence = Sentence::new();
    assert!(reader.read_sentence(&mut sentence).unwrap());
    assert_eq!(
        sentence.to_vec(),
        ["caf\u{fffd}", "ok", "\u{fffd}\u{fffd}ab"]
    );
    assert_eq!(reader.stats().replaced_words, 2);
}

#[test]
fn a_giant_word_is_cut_not_held_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("giant.txt");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(b"before ").unwrap();
    let block = vec![b'x'; 1 << 20];
    for _ in 0..8 {
        file.write_all(&block).unwrap();
    }
    file.write_all(b" after").unwrap();
    drop(file);
    let mut reader = Corpus::text8(&path).reader().unwrap();
    let mut sentence = Sentence::new();
    reader.read_sentence(&mut sentence).unwrap();
    assert_eq!(sentence.len(), 3);
    assert_eq!(sentence.get(1).unwrap().len(), MAX_WORD_BYTES);
    assert_eq!(sentence.get(2), Some("after"));
    assert_eq!(reader.stats().truncated_words, 1);
}

#[test]
fn chunks_cover_the_fixture_exactly_once() {
    for name in ["dev100k.txt", "dev100k_lines.txt"] {
        let corpus = if name.contains("lines") {
            Corpus::lines(fixture(format!("corpus/{name}")))
        } else {
            Corpus::text8(fixture(format!("corpus/{name}")))
        };
        let whole: Vec<String> = sentences(&corpus).concat();
        for n in [1, 2, 3, 8, 64] {
            assert_eq!(words_of_chunks(&corpus, n), whole, "{name} in {n} chunks");
        }
    }
}

#[test]
fn compressed_files_give_one_chunk() {
    assert_eq!(
        Corpus::lines(fixture("corpus/dev100k_lines.txt.gz"))
            .chunks(4)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        Corpus::text8(fixture("corpus/text8_small.zip"))
            .chunks(4)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn missing_file_names_the_path() {
    let err = Corpus::text8("/nonexistent/corpus.txt")
        .reader()
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "cannot open /nonexistent/corpus.txt");
}

/// The reader's read buffer, in bytes (`SentenceReader` reads 64 KiB at a time).
const READ_BUFFER: usize = 1 << 16;

/// Words as a reference tokenizer sees them: runs of bytes between ASCII
/// whitespace, cut at `MAX_WORD_BYTES`, decoded lossily.
fn reference_words(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f))
        .filter(|word| !word.is_empty())
        .map(|word| String::from_utf8_lossy(&word[..word.len().min(MAX_WORD_BYTES)]).into_owned())
        .collect()
}

/// Pieces of text that stress UTF-8 handling: 2-, 3- and 4-byte characters,
/// stray continuation bytes, an invalid lead byte, a cut sequence.
fn utf8_piece() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![
        b"a".to_vec(),
        b" ".to_vec(),
        b"\n".to_vec(),
        "\u{e9}".as_bytes().to_vec(),
        "\u{20ac}".as_bytes().to_vec(),
        "\u{1f600}".as_bytes().to_vec(),
        vec![0x80],
        vec![0xff],
        vec![0xe2, 0x82],
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Multi-byte and invalid sequences placed across the read buffer's end
    /// at every offset: each reader (whole file, ranges, gzip) decodes every
    /// word exactly as a per-word lossy decode does. This guards the
    /// reader's once-per-buffer UTF-8 check.
    #[test]
    fn utf8_across_buffer_ends(
        pieces in prop::collection::vec(utf8_piece(), 1..40),
        shift in 0usize..16,
        n in 1usize..5,
    ) {
        let tail: Vec<u8> = pieces.concat();
        let mut bytes = b"a ".repeat((READ_BUFFER - shift) / 2);
        bytes.extend_from_slice(&b" "[..(READ_BUFFER - shift) % 2]);
        bytes.extend_from_slice(&tail);
        bytes.extend_from_slice(&tail);
        let expected = reference_words(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "c.txt", &bytes);
        let corpus = Corpus::text8(&path);
        prop_assert_eq!(sentences(&corpus).concat(), expected.clone());
        prop_assert_eq!(words_of_chunks(&corpus, n), expected.clone());
        let gz = dir.path().join("c.txt.gz");
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        encoder.write_all(&bytes).unwrap();
        encoder.finish().unwrap();
        prop_assert_eq!(sentences(&Corpus::text8(&gz)).concat(), expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any text, split into any number of ranges, gives back every word once,
    /// in order (text8), and every line's words once (lines).
    #[test]
    fn chunks_partition_any_text(text in "[ab \\n\\t]{0,300}", n in 1usize..12) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "c.txt", text.as_bytes());
        let expected: Vec<&str> = text.split_ascii_whitespace().collect();
        prop_assert_eq!(words_of_chunks(&Corpus::text8(&path).max_sentence_length(3), n), expected.clone());
        prop_assert_eq!(words_of_chunks(&Corpus::lines(&path).max_sentence_length(3), n), expected);
    }
}
