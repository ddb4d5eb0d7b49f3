//! [`Corpus`]: a text file read as sentences, once per pass, whole or split
//! into byte ranges for parallel readers.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::reader::{is_space, SentenceReader, Split};
use crate::source::{open_stream, Encoding};

/// gensim's `MAX_WORDS_IN_BATCH`: the default longest sentence.
pub const DEFAULT_MAX_SENTENCE_LENGTH: usize = 10_000;

/// A corpus file: plain text, gzip, or a zip archive with one text entry
/// (such as `text8.zip`), told apart by content.
///
/// - [`Corpus::text8`] is gensim's `Text8Corpus`: the file is one long run of
///   words, cut into sentences of `max_sentence_length` words.
/// - [`Corpus::lines`] is gensim's `LineSentence`: one sentence per line,
///   lines longer than `max_sentence_length` words split.
///
/// Each pass ([`Corpus::reader`]) streams the file with constant memory; a
/// corpus can be read any number of times, and a plain file can be split
/// into byte ranges read in parallel ([`Corpus::chunks`]).
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("corpus.txt");
/// # std::fs::write(&path, "the cat sat on the mat").unwrap();
/// let corpus = corpus::Corpus::text8(&path).max_sentence_length(4);
/// let sentences: Vec<Vec<String>> = corpus.reader()?.collect::<Result<_, _>>()?;
/// assert_eq!(sentences, [vec!["the", "cat", "sat", "on"], vec!["the", "mat"]]);
/// # Ok::<(), corpus::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Corpus {
    path: PathBuf,
    split: Split,
    max_sentence_length: usize,
}

impl Corpus {
    /// A text8-style corpus (gensim's `Text8Corpus`).
    #[doc(alias = "Text8Corpus")]
    pub fn text8(path: impl Into<PathBuf>) -> Self {
        Corpus {
            path: path.into(),
            split: Split::Words,
            max_sentence_length: DEFAULT_MAX_SENTENCE_LENGTH,
        }
    }

    /// A one-sentence-per-line corpus (gensim's `LineSentence`).
    #[doc(alias = "LineSentence")]
    pub fn lines(path: impl Into<PathBuf>) -> Self {
        Corpus {
            path: path.into(),
            split: Split::Lines,
            max_sentence_length: DEFAULT_MAX_SENTENCE_LENGTH,
        }
    }

    /// Sets the longest sentence, in words (default 10,000; at least 1).
    pub fn max_sentence_length(mut self, words: usize) -> Self {
        self.max_sentence_length = words.max(1);
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether sentences are lines (`true`) or runs of words (text8).
    pub fn is_lines(&self) -> bool {
        self.split == Split::Lines
    }

    /// The longest sentence, in words.
    pub fn sentence_length(&self) -> usize {
        self.max_sentence_length
    }

    /// A reader for one whole pass over the corpus.
    pub fn reader(&self) -> Result<SentenceReader> {
        let input = open_stream(&self.path)?;
        Ok(SentenceReader::new(
            input,
            self.path.clone(),
            0,
            u64::MAX,
            self.split,
            self.max_sentence_length,
        ))
    }

    /// Up to `n` independent readers that together return every word of the
    /// corpus exactly once, in file order if read one after the other. Each
    /// starts at a word boundary (a line boundary for line corpora): a word
    /// or line belongs to the range its first byte falls in.
    ///
    /// Compressed files cannot be split: they give a single reader. Text8
    /// sentences are cut per range, so their boundaries differ from one pass
    /// of [`Corpus::reader`]; the words do not.
    pub fn chunks(&self, n: usize) -> Result<Vec<SentenceReader>> {
        if Encoding::detect(&self.path)? != Encoding::Plain || n <= 1 {
            return Ok(vec![self.reader()?]);
        }
        let size = std::fs::metadata(&self.path)
            .map_err(|e| Error::io("read", &self.path, e))?
            .len();
        let n = (n as u64).min(size.max(1));
        let boundary = match self.split {
            Split::Words => is_space,
            Split::Lines => |b: u8| b == b'\n',
        };
        (0..n)
            .map(|i| {
                let start = size * i / n;
                let end = size * (i + 1) / n;
                let mut file =
                    File::open(&self.path).map_err(|e| Error::io("open", &self.path, e))?;
                // Start one byte early: if that byte is not a boundary, the
                // word (or line) under `start` began in the previous range.
                let from = start.saturating_sub(1);
                file.seek(SeekFrom::Start(from))
                    .map_err(|e| Error::io("seek in", &self.path, e))?;
                let mut reader = SentenceReader::new(
                    Box::new(file),
                    self.path.clone(),
                    from,
                    end,
                    self.split,
                    self.max_sentence_length,
                );
                if start > 0 {
                    reader.skip_past(boundary)?;
                }
                Ok(reader)
            })
            .collect()
    }
}
