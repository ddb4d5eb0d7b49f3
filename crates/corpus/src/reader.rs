//! [`SentenceReader`]: streams the sentences of one pass over a corpus (or
//! over one byte range of it) with constant memory.

use std::io::Read;

use crate::error::{Error, Result};

/// The longest word kept, in bytes; longer runs of non-space bytes are cut
/// here (and counted), so a file with no spaces is never held whole.
/// word2vec.c cuts at 99 bytes; gensim does not cut.
pub const MAX_WORD_BYTES: usize = 1024;

/// One sentence: its words, stored in one buffer (no allocation per word).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sentence {
    text: String,
    ends: Vec<usize>,
}

impl Sentence {
    /// An empty sentence.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The word at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.text[start..end])
    }

    /// The words in order.
    pub fn words(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("index below len"))
    }

    /// Appends a word.
    pub fn push(&mut self, word: &str) {
        self.text.push_str(word);
        self.ends.push(self.text.len());
    }

    /// Removes every word, keeping the allocations.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The words as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.words().map(str::to_owned).collect()
    }
}

/// Counters of what a reader has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReaderStats {
    /// Words returned.
    pub words: u64,
    /// Sentences returned.
    pub sentences: u64,
    /// Words in which invalid UTF-8 was replaced by U+FFFD.
    pub replaced_words: u64,
    /// Words cut at [`MAX_WORD_BYTES`].
    pub truncated_words: u64,
}

/// How sentences are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// text8: newlines are plain whitespace; sentences are runs of
    /// `max_sentence_length` words.
    Words,
    /// One sentence per line, split every `max_sentence_length` words.
    Lines,
}

/// Reads sentences from a byte stream.
///
/// Words are runs of bytes between ASCII whitespace (space, tab, newline,
/// carriage return, form feed, vertical tab, and the separators 0x1c-0x1f,
/// as Python's `str.split()`); non-ASCII spaces stay inside words, as in
/// word2vec.c. Invalid UTF-8 is replaced (lossy) and counted, never an error.
///
/// A reader made for a byte range (see [`crate::Corpus::chunks`]) returns
/// exactly the words (text8) or lines (line corpora) that *start* inside its
/// range, so the readers of a split together see every word once.
pub struct SentenceReader {
    input: Box<dyn Read + Send>,
    name: std::path::PathBuf,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
    /// Stop at the first word (or line) that starts at or after this offset.
    end: u64,
    split: Split,
    max_sentence_length: usize,
    /// No word has been read since the last newline (or the start).
    at_line_start: bool,
    /// Stream offset where the current line began.
    line_start: u64,
    word: Vec<u8>,
    stats: ReaderStats,
    finished: bool,
}

/// Whether `b` separates words (ASCII whitespace as Python's `str.split()` sees it).
#[inline]
pub(crate) fn is_space(b: u8) -> bool {
    SPACES[b as usize]
}

/// [`is_space`] as a table: one load per byte in the scanning loops.
static SPACES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(
            b as u8,
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f
        );
        b += 1;
    }
    table
};

impl SentenceReader {
    /// A reader over `input`, whose first byte is at stream offset `offset`,
    /// stopping at `end` (see the type's documentation). `name` is used in errors.
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        name: std::path::PathBuf,
        offset: u64,
        end: u64,
        split: Split,
        max_sentence_length: usize,
    ) -> Self {
        SentenceReader {
            input,
            name,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            filled: 0,
            offset,
            end,
            split,
            max_sentence_length: max_sentence_length.max(1),
            at_line_start: true,
            line_start: offset,
            word: Vec::new(),
            stats: ReaderStats::default(),
            finished: false,
        }
    }

    /// What the reader has returned so far.
    pub fn stats(&self) -> ReaderStats {
        self.stats
    }

    /// Refills the buffer; `false` at the end of the stream.
    fn fill(&mut self) -> Result<bool> {
        if self.pos < self.filled {
            return Ok(true);
        }
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.pos = 0;
                    self.filled = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("read", &self.name, e)),
            }
        }
    }

    /// Skips bytes up to and including the next `stop` byte (or to the end);
    /// used to move a range reader past a word or line that began before it.
    pub(crate) fn skip_past(&mut self, stop: impl Fn(u8) -> bool) -> Result<()> {
        while self.fill()? {
            let chunk = &self.buf[self.pos..self.filled];
            if let Some(i) = chunk.iter().position(|&b| stop(b)) {
                self.pos += i + 1;
                self.offset += i as u64 + 1;
                self.line_start = self.offset;
                return Ok(());
            }
            self.offset += chunk.len() as u64;
            self.pos = self.filled;
        }
        Ok(())
    }

    /// Reads the next sentence into `sentence`; `Ok(false)` when the reader
    /// is exhausted (then `sentence` is empty).
    pub fn read_sentence(&mut self, sentence: &mut Sentence) -> Result<bool> {
        sentence.clear();
        while !self.finished && sentence.len() < self.max_sentence_length {
            // Skip whitespace; a newline ends a line sentence.
            let mut line_ended = false;
            loop {
                if !self.fill()? {
                    self.finished = true;
                    break;
                }
                let b = self.buf[self.pos];
                if !is_space(b) {
                    break;
                }
                self.pos += 1;
                self.offset += 1;
                if b == b'\n' {
                    self.at_line_start = true;
                    self.line_start = self.offset;
                    line_ended = self.split == Split::Lines;
                    if line_ended {
                        break;
                    }
                }
            }
            if line_ended {
                if sentence.is_empty() {
                    continue;
                }
                break;
            }
            if self.finished {
                break;
            }
            // A word (text8) or line belongs to the range its first byte is in.
            let start = match self.split {
                Split::Words => Some(self.offset),
                Split::Lines => self.at_line_start.then_some(self.line_start),
            };
            if start.is_some_and(|start| start >= self.end) {
                self.finished = true;
                break;
            }
            self.at_line_start = false;
            if !self.push_buffered_word(sentence) {
                self.read_word()?;
                self.push_word(sentence);
            }
        }
        if !sentence.is_empty() {
            self.stats.sentences += 1;
            self.stats.words += sentence.len() as u64;
        }
        Ok(!sentence.is_empty())
    }

    /// Reads the bytes of one word into `self.word` (cut at `MAX_WORD_BYTES`).
    fn read_word(&mut self) -> Result<()> {
        self.word.clear();
        let mut truncated = false;
        while self.fill()? {
            let chunk = &self.buf[self.pos..self.filled];
            let len = chunk
                .iter()
                .position(|&b| is_space(b))
                .unwrap_or(chunk.len());
            let room = MAX_WORD_BYTES - self.word.len();
            truncated |= len > room;
            self.word.extend_from_slice(&chunk[..len.min(room)]);
            self.pos += len;
            self.offset += len as u64;
            if self.pos < self.filled {
                break;
            }
        }
        self.stats.truncated_words += u64::from(truncated);
        Ok(())
    }

    /// The fast path: if the next word ends inside the buffer (and is not
    /// too long), pushes it straight from there and returns `true`.
    #[inline]
    fn push_buffered_word(&mut self, sentence: &mut Sentence) -> bool {
        let chunk = &self.buf[self.pos..self.filled];
        let Some(len) = chunk.iter().position(|&b| is_space(b)) else {
            return false;
        };
        if len > MAX_WORD_BYTES {
            return false;
        }
        match std::str::from_utf8(&chunk[..len]) {
            Ok(word) => sentence.push(word),
            Err(_) => {
                self.stats.replaced_words += 1;
                sentence.push(&String::from_utf8_lossy(&chunk[..len]));
            }
        }
        self.pos += len;
        self.offset += len as u64;
        true
    }

    fn push_word(&mut self, sentence: &mut Sentence) {
        match std::str::from_utf8(&self.word) {
            Ok(word) => sentence.push(word),
            Err(_) => {
                self.stats.replaced_words += 1;
                sentence.push(&String::from_utf8_lossy(&self.word));
            }
        }
    }
}

impl Iterator for SentenceReader {
    type Item = Result<Vec<String>>;

    /// The next sentence as owned words (convenient; [`SentenceReader::read_sentence`]
    /// avoids the allocations).
    fn next(&mut self) -> Option<Self::Item> {
        let mut sentence = Sentence::new();
        match self.read_sentence(&mut sentence) {
            Ok(true) => Some(Ok(sentence.to_vec())),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
