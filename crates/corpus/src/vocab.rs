//! [`Vocab`]: word counts over a corpus, filtered and ordered exactly as
//! gensim 4.4's `Word2Vec.build_vocab` does.

use hashbrown::{DefaultHashBuilder, HashMap};
use rayon::prelude::*;

use crate::corpus::Corpus;
use crate::doctags::DocTags;
use crate::documents::{Document, DocumentReader, Documents};
use crate::error::{Error, Result};
use crate::reader::SentenceReader;
use crate::source::Encoding;

/// Options of [`Vocab::build_with`], with gensim's defaults.
#[derive(Debug, Clone)]
pub struct VocabOptions {
    /// Drop words seen fewer times (gensim's `min_count`, default 5).
    pub min_count: u64,
    /// Prune rare words while counting whenever more than this many distinct
    /// words are held (gensim's `max_vocab_size`; `None` or `Some(0)`: no
    /// limit, as gensim treats a falsy 0).
    pub max_vocab_size: Option<usize>,
    /// Raise `min_count` so that at most about this many words are kept
    /// (gensim's `max_final_vocab`).
    pub max_final_vocab: Option<usize>,
    /// Count in parallel over this many byte ranges of a plain file (0: one
    /// per core). Counting with `max_vocab_size` is always sequential, since
    /// pruning depends on the order of the whole pass.
    pub threads: usize,
}

/// The most counting threads [`VocabOptions::threads`] may ask for (each
/// holds an open file): more than any machine this runs on has cores.
pub const MAX_THREADS: usize = 1024;

impl Default for VocabOptions {
    fn default() -> Self {
        VocabOptions {
            min_count: 5,
            max_vocab_size: None,
            max_final_vocab: None,
            threads: 0,
        }
    }
}

/// Figures of a vocabulary build, as gensim logs them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VocabStats {
    /// Words in the corpus (gensim's `total_words`).
    pub raw_words: u64,
    /// Sentences in one sequential pass (gensim's `corpus_count`).
    pub sentences: u64,
    /// Distinct words counted (after any pruning).
    pub unique_words: usize,
    /// Distinct words kept.
    pub retained_unique: usize,
    /// Occurrences of the kept words (gensim's `retain_total`).
    pub retained_words: u64,
    /// The `min_count` applied, after `max_final_vocab`.
    pub effective_min_count: u64,
    /// Words whose invalid UTF-8 was replaced.
    pub replaced_words: u64,
    /// Words cut at the maximum word length.
    pub truncated_words: u64,
}

/// A vocabulary: words by descending count, with their counts.
///
/// Ties are broken as gensim 4.4's `sort_by_descending_frequency` does
/// (`np.lexsort((-first_seen, -count))`): among equal counts, the word first
/// seen *later* in the corpus comes first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    words: Vec<String>,
    counts: Vec<u64>,
    stats: VocabStats,
}

/// A word's count and the order of its (latest) insertion into the table.
#[derive(Debug, Clone, Copy)]
struct Entry {
    count: u64,
    first_seen: u64,
}

type Counts = HashMap<Box<str>, Entry, DefaultHashBuilder>;

impl Vocab {
    /// Counts `corpus` and keeps the words seen at least `min_count` times,
    /// pruning as gensim does if `max_vocab_size` is given.
    pub fn build(corpus: &Corpus, min_count: u64, max_vocab_size: Option<usize>) -> Result<Vocab> {
        Self::build_with(
            corpus,
            &VocabOptions {
                min_count,
                max_vocab_size,
                ..VocabOptions::default()
            },
        )
    }

    /// Counts `corpus` with `options`.
    pub fn build_with(corpus: &Corpus, options: &VocabOptions) -> Result<Vocab> {
        let threads = check_threads(options.threads)?;
        let max_vocab_size = options.max_vocab_size.filter(|&m| m > 0);
        let (counts, mut stats) = if max_vocab_size.is_some()
            || threads <= 1
            || Encoding::detect(corpus.path())? != Encoding::Plain
        {
            count_sequential(corpus.reader()?, max_vocab_size)?
        } else {
            count_parallel(corpus, threads)?
        };
        if !corpus.is_lines() {
            // A sequential text8 pass cuts the words into fixed-size runs.
            stats.sentences = stats.raw_words.div_ceil(corpus.sentence_length() as u64);
        }
        Ok(Self::from_counts(counts, options, stats))
    }

    /// Counts the words and tags of `documents` with `options` (gensim's
    /// `Doc2Vec.build_vocab`): the word vocabulary, and the table of tags
    /// that each get a document vector. [`VocabStats::sentences`] counts
    /// the documents.
    pub fn build_documents(
        documents: &Documents,
        options: &VocabOptions,
    ) -> Result<(Vocab, DocTags)> {
        let threads = check_threads(options.threads)?;
        let max_vocab_size = options.max_vocab_size.filter(|&m| m > 0);
        let (counts, tags, stats) = if max_vocab_size.is_some() || threads <= 1 {
            count_documents(documents.reader()?, max_vocab_size)?
        } else {
            let parts: Vec<(Counts, DocTags, VocabStats)> = documents
                .chunks(threads)?
                .into_par_iter()
                .map(|reader| count_documents(reader, None))
                .collect::<Result<_>>()?;
            let mut tags = DocTags::default();
            let parts = parts.into_iter().map(|(counts, part_tags, stats)| {
                tags.merge(part_tags);
                (counts, stats)
            });
            let (counts, stats) = merge_in_order(parts.collect());
            (counts, tags, stats)
        };
        Ok((Self::from_counts(counts, options, stats), tags))
    }

    /// Filters and orders the counted words.
    fn from_counts(counts: Counts, options: &VocabOptions, mut stats: VocabStats) -> Vocab {
        stats.unique_words = counts.len();
        let mut entries: Vec<(Box<str>, Entry)> = counts.into_iter().collect();
        stats.effective_min_count = options.min_count;
        if let Some(max_final) = options.max_final_vocab {
            // gensim: sorted(raw_vocab, key=count, reverse=True)[max_final] + 1
            let mut sorted: Vec<u64> = entries.iter().map(|(_, e)| e.count).collect();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            if let Some(&count) = sorted.get(max_final) {
                stats.effective_min_count = stats.effective_min_count.max(count + 1);
            }
        }
        entries.retain(|(_, e)| e.count >= stats.effective_min_count);
        entries.sort_unstable_by(|(_, a), (_, b)| {
            b.count.cmp(&a.count).then(b.first_seen.cmp(&a.first_seen))
        });
        stats.retained_unique = entries.len();
        stats.retained_words = entries.iter().map(|(_, e)| e.count).sum();
        let (words, counts) = entries
            .into_iter()
            .map(|(w, e)| (String::from(w), e.count))
            .unzip();
        Vocab {
            words,
            counts,
            stats,
        }
    }

    /// The words, most frequent first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The counts, in the order of [`Vocab::words`].
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The number of words kept.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word was kept.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The figures of the build.
    pub fn stats(&self) -> &VocabStats {
        &self.stats
    }
}

/// The counting threads `threads` asks for (0: one per core), at most
/// [`MAX_THREADS`].
fn check_threads(threads: usize) -> Result<usize> {
    match threads {
        0 => Ok(rayon::current_num_threads()),
        n if n > MAX_THREADS => Err(Error::TooManyThreads {
            threads: n,
            max: MAX_THREADS,
        }),
        n => Ok(n),
    }
}

/// Adds one occurrence of `word`; a new word gets insertion number `*next`.
#[inline]
fn add(counts: &mut Counts, word: &str, next: &mut u64) {
    match counts.get_mut(word) {
        Some(entry) => entry.count += 1,
        None => {
            counts.insert(
                word.into(),
                Entry {
                    count: 1,
                    first_seen: *next,
                },
            );
            *next += 1;
        }
    }
}

/// One pass in order, pruning like gensim's `prune_vocab`: after any
/// sentence that leaves more than `max_vocab_size` distinct words, drop
/// those counted fewer than `min_reduce` times, then raise `min_reduce`
/// (starting at 1, so the first prune drops nothing). A pruned word seen
/// again is a new insertion, as in a Python dict.
fn count_sequential(
    mut reader: SentenceReader,
    max_vocab_size: Option<usize>,
) -> Result<(Counts, VocabStats)> {
    let mut counts = Counts::default();
    let mut next = 0;
    let mut min_reduce = 1;
    while reader.visit_sentence(|word| add(&mut counts, word, &mut next))? > 0 {
        prune(&mut counts, max_vocab_size, &mut min_reduce);
    }
    let read = reader.stats();
    let stats = VocabStats {
        raw_words: read.words,
        sentences: read.sentences,
        replaced_words: read.replaced_words,
        truncated_words: read.truncated_words,
        ..VocabStats::default()
    };
    Ok((counts, stats))
}

/// gensim's `prune_vocab`, once a text is counted: if more than
/// `max_vocab_size` distinct words are held, drop those counted fewer than
/// `min_reduce` times, then raise `min_reduce`.
fn prune(counts: &mut Counts, max_vocab_size: Option<usize>, min_reduce: &mut u64) {
    let Some(max) = max_vocab_size else { return };
    if counts.len() > max {
        let before = counts.len();
        counts.retain(|_, e| e.count >= *min_reduce);
        log::info!(
            "pruned out {} word types with count < {min_reduce} (before {before}, after {})",
            before - counts.len(),
            counts.len()
        );
        *min_reduce += 1;
    }
}

/// One pass over documents in order, counting words as
/// [`count_sequential`] does and recording their tags.
fn count_documents(
    mut reader: DocumentReader,
    max_vocab_size: Option<usize>,
) -> Result<(Counts, DocTags, VocabStats)> {
    let mut counts = Counts::default();
    let mut tags = DocTags::default();
    let mut next = 0;
    let mut min_reduce = 1;
    let mut doc = Document::default();
    while reader.read_document(&mut doc)? {
        for word in &doc.words {
            add(&mut counts, word, &mut next);
        }
        tags.add(&doc.tags, doc.words.len() as u64);
        prune(&mut counts, max_vocab_size, &mut min_reduce);
    }
    let read = reader.stats();
    let stats = VocabStats {
        raw_words: read.words,
        sentences: read.documents,
        replaced_words: read.replaced_words,
        truncated_words: read.truncated_words,
        ..VocabStats::default()
    };
    Ok((counts, tags, stats))
}

/// Counts byte ranges in parallel and merges them in file order, so first
/// occurrences (hence tie order) match a sequential pass.
fn count_parallel(corpus: &Corpus, threads: usize) -> Result<(Counts, VocabStats)> {
    let parts: Vec<(Counts, VocabStats)> = corpus
        .chunks(threads)?
        .into_par_iter()
        .map(|reader| count_sequential(reader, None))
        .collect::<Result<_>>()?;
    Ok(merge_in_order(parts))
}

/// Merges the counts of consecutive byte ranges, first range first.
fn merge_in_order(parts: Vec<(Counts, VocabStats)>) -> (Counts, VocabStats) {
    let mut parts = parts.into_iter();
    // The first range's table is the start of the merge: its insertion
    // numbers are already global.
    let (mut merged, mut stats) = parts.next().unwrap_or_default();
    for (part_index, (part, part_stats)) in parts.enumerate() {
        // Insertion numbers: (range index, order within the range).
        let base = (part_index as u64 + 1) << 40;
        for (word, entry) in part {
            let global = Entry {
                count: entry.count,
                first_seen: base | entry.first_seen,
            };
            merged
                .entry(word)
                .and_modify(|e| e.count += entry.count)
                .or_insert(global);
        }
        stats.raw_words += part_stats.raw_words;
        stats.sentences += part_stats.sentences;
        stats.replaced_words += part_stats.replaced_words;
        stats.truncated_words += part_stats.truncated_words;
    }
    (merged, stats)
}
