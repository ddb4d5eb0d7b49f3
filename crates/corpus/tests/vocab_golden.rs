//! The vocabulary equals what gensim 4.4 builds on the same corpus
//! (`fixtures/corpus/make_corpus_fixtures.py` made the expected files).

use corpus::{Corpus, Vocab, VocabOptions};
use test_support::fixture;

/// gensim's vocabulary: header figures, then `(word, count)` in index order.
struct Expected {
    raw_words: u64,
    sentences: u64,
    unique: usize,
    retained_words: u64,
    entries: Vec<(String, u64)>,
}

fn expected(name: &str) -> Expected {
    let text = std::fs::read_to_string(fixture(format!("corpus/{name}"))).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let number = |key: &str| -> u64 {
        let at = header
            .iter()
            .position(|h| h.trim_start_matches('#') == key)
            .unwrap();
        header[at + 1].parse().unwrap()
    };
    let entries = lines
        .map(|line| {
            let (word, count) = line.split_once('\t').unwrap();
            (word.to_string(), count.parse().unwrap())
        })
        .collect();
    Expected {
        raw_words: number("raw_words"),
        sentences: number("sentences"),
        unique: number("unique") as usize,
        retained_words: number("retained_words"),
        entries,
    }
}

fn check(corpus: &Corpus, options: &VocabOptions, golden: &str) {
    let want = expected(golden);
    let vocab = Vocab::build_with(corpus, options).unwrap();
    let got: Vec<(String, u64)> = vocab
        .words()
        .iter()
        .cloned()
        .zip(vocab.counts().iter().copied())
        .collect();
    if let Some(i) = (0..got.len().min(want.entries.len())).find(|&i| got[i] != want.entries[i]) {
        panic!(
            "{golden}: first difference at index {i}: ours {:?}, gensim {:?}",
            got[i], want.entries[i]
        );
    }
    assert_eq!(got.len(), want.entries.len(), "{golden}: vocabulary size");
    let stats = vocab.stats();
    assert_eq!(stats.raw_words, want.raw_words, "{golden}: raw words");
    assert_eq!(stats.sentences, want.sentences, "{golden}: sentences");
    assert_eq!(stats.unique_words, want.unique, "{golden}: unique words");
    assert_eq!(
        stats.retained_words, want.retained_words,
        "{golden}: retained words"
    );
}

fn options(min_count: u64) -> VocabOptions {
    VocabOptions {
        min_count,
        ..VocabOptions::default()
    }
}

#[test]
fn text8_min_count_5_matches_gensim_sequential_and_parallel() {
    let corpus = Corpus::text8(fixture("corpus/dev100k.txt"));
    for threads in [1, 2, 7] {
        check(
            &corpus,
            &VocabOptions {
                threads,
                ..options(5)
            },
            "vocab_text8_min5.tsv",
        );
    }
}

#[test]
fn text8_min_count_1_matches_gensim_tie_order() {
    let corpus = Corpus::text8(fixture("corpus/dev100k.txt"));
    for threads in [1, 3] {
        check(
            &corpus,
            &VocabOptions {
                threads,
                ..options(1)
            },
            "vocab_text8_min1.tsv",
        );
    }
}

#[test]
fn pruning_matches_gensim_quirks() {
    let pruned = VocabOptions {
        max_vocab_size: Some(3000),
        ..options(2)
    };
    check(
        &Corpus::text8(fixture("corpus/dev100k.txt")),
        &pruned,
        "vocab_text8_prune.tsv",
    );
    let short = Corpus::text8(fixture("corpus/dev100k.txt")).max_sentence_length(1000);
    check(&short, &pruned, "vocab_text8_prune_s1000.tsv");
}

#[test]
fn max_final_vocab_matches_gensim() {
    let options = VocabOptions {
        max_final_vocab: Some(500),
        ..options(1)
    };
    check(
        &Corpus::text8(fixture("corpus/dev100k.txt")),
        &options,
        "vocab_text8_final.tsv",
    );
}

#[test]
fn line_corpora_match_gensim_plain_and_gzipped() {
    for name in ["dev100k_lines.txt", "dev100k_lines.txt.gz"] {
        for threads in [1, 2] {
            let options = VocabOptions {
                threads,
                ..options(5)
            };
            check(
                &Corpus::lines(fixture(format!("corpus/{name}"))),
                &options,
                "vocab_lines_min5.tsv",
            );
        }
    }
}
