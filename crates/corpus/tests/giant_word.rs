//! A corpus that is one 1 GiB "word" (no space anywhere) is read with
//! constant memory: the word is cut at `MAX_WORD_BYTES` and counted, never
//! held whole. The file is sparse (a hole reads as zero bytes, which are
//! not spaces), so the test writes nothing to disk; it is alone in its
//! test binary so that the process's peak memory is its own.

use corpus::{Corpus, Sentence, Vocab, MAX_WORD_BYTES};

const GIB: u64 = 1 << 30;

/// The peak resident memory of this process so far, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    test_support::peak_rss_kib().map(|kib| kib * 1024)
}

#[test]
fn a_one_gib_word_is_cut_and_never_held_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("giant.txt");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(GIB).unwrap();
    drop(file);
    let before = peak_rss();

    for corpus in [Corpus::text8(&path), Corpus::lines(&path)] {
        let mut reader = corpus.reader().unwrap();
        let mut sentence = Sentence::new();
        assert!(reader.read_sentence(&mut sentence).unwrap());
        assert_eq!(sentence.len(), 1);
        assert_eq!(sentence.get(0).unwrap().len(), MAX_WORD_BYTES);
        assert!(!reader.read_sentence(&mut sentence).unwrap());
        assert_eq!(reader.stats().truncated_words, 1);

        if corpus.is_lines() {
            continue; // one parallel count is enough: lines use the same code
        }
        // The parallel count (one range per thread) cuts it the same way.
        let vocab = Vocab::build(&corpus, 1, None).unwrap();
        assert_eq!(vocab.len(), 1);
        assert_eq!(vocab.words()[0].len(), MAX_WORD_BYTES);
        assert_eq!(vocab.stats().raw_words, 1);
        assert_eq!(vocab.stats().truncated_words, 1);
    }

    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let grown = after.saturating_sub(before);
        assert!(
            grown < GIB / 16,
            "reading a 1 GiB word raised peak memory by {} MiB",
            grown >> 20
        );
    }
}
