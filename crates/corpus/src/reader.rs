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
    /// `buf[valid_utf8]` is valid UTF-8: words inside it need no check.
    valid_utf8: std::ops::Range<usize>,
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

/// The index of the first space ([`is_space`]) in `bytes`, if any.
///
/// Every space byte is at most 0x20, so eight bytes at a time are screened
/// for a byte below 0x21 (a word-at-a-time test that flags the first such
/// byte exactly), and only that byte is looked up in the table. Words are
/// short, but this still halves the reader's work per byte.
#[inline]
pub(crate) fn find_space(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut start = 0;
    while start + 8 <= bytes.len() {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[start..start + 8]);
        let x = u64::from_le_bytes(word);
        // Bit 7 of byte i is set if byte i < 0x21 (exact for the lowest
        // flagged byte; bytes above it may be flagged by the borrow).
        let low = x.wrapping_sub(ONES * 0x21) & !x & HIGHS;
        if low != 0 {
            let i = start + (low.trailing_zeros() / 8) as usize;
            if is_space(bytes[i]) {
                return Some(i);
            }
            // A control byte that is not a space: look at the rest one by one.
            if let Some(found) = bytes[i + 1..start + 8].iter().position(|&b| is_space(b)) {
                return Some(i + 1 + found);
            }
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(|&b| is_space(b))
        .map(|i| start + i)
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
            valid_utf8: 0..0,
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

    /// Makes sure unread bytes are buffered; `false` at the end of the stream.
    #[inline]
    fn fill(&mut self) -> Result<bool> {
        if self.pos < self.filled {
            return Ok(true);
        }
        self.refill()
    }

    /// Reads the next buffer (the buffer is used up).
    #[cold]
    fn refill(&mut self) -> Result<bool> {
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.pos = 0;
                    self.filled = n;
                    self.check_utf8();
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("read", &self.name, e)),
            }
        }
    }

    /// Finds the valid UTF-8 run of a new buffer (see `valid_utf8`): from
    /// its first character boundary (a buffer may start inside a character
    /// cut by the read) up to the first invalid or cut sequence. Checking
    /// each buffer once is much cheaper than checking each word.
    fn check_utf8(&mut self) {
        let bytes = &self.buf[..self.filled];
        let start = bytes
            .iter()
            .take(3)
            .position(|&b| b & 0xc0 != 0x80)
            .unwrap_or(bytes.len().min(3));
        let end = match std::str::from_utf8(&bytes[start..]) {
            Ok(_) => bytes.len(),
            Err(e) => start + e.valid_up_to(),
        };
        self.valid_utf8 = start..end;
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
        Ok(self.visit_sentence(|word| sentence.push(word))? > 0)
    }

    /// Calls `visit` on each word of the next sentence, in order, and
    /// returns how many there were (0 when the reader is exhausted). Words
    /// are borrowed from the read buffer when possible: no copy, no
    /// allocation. [`SentenceReader::read_sentence`] is this with a `visit`
    /// that collects.
    pub fn visit_sentence(&mut self, mut visit: impl FnMut(&str)) -> Result<usize> {
        let mut len = 0;
        while !self.finished && len < self.max_sentence_length {
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
                if len == 0 {
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
            if !self.visit_buffered_word(&mut visit) {
                self.read_word()?;
                self.visit_word(&mut visit);
            }
            len += 1;
        }
        if len > 0 {
            self.stats.sentences += 1;
            self.stats.words += len as u64;
        }
        Ok(len)
    }

    /// Reads the bytes of one word into `self.word` (cut at `MAX_WORD_BYTES`).
    fn read_word(&mut self) -> Result<()> {
        self.word.clear();
        let mut truncated = false;
        while self.fill()? {
            let chunk = &self.buf[self.pos..self.filled];
            let len = find_space(chunk).unwrap_or(chunk.len());
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
    /// too long), visits it straight from there and returns `true`.
    #[inline]
    fn visit_buffered_word(&mut self, visit: &mut impl FnMut(&str)) -> bool {
        let chunk = &self.buf[self.pos..self.filled];
        let Some(len) = find_space(chunk) else {
            return false;
        };
        if len > MAX_WORD_BYTES {
            return false;
        }
        let bytes = &chunk[..len];
        if self.valid_utf8.start <= self.pos && self.pos + len <= self.valid_utf8.end {
            debug_assert!(std::str::from_utf8(bytes).is_ok());
            // SAFETY: `buf[valid_utf8]` is valid UTF-8 (`check_utf8`). A word
            // starts where that run starts or just after an ASCII byte (a
            // space, or a line reader's newline), and ends before an ASCII
            // space: both ends are character boundaries inside the run, so
            // the slice is valid UTF-8 too. Breach is caught by the
            // `debug_assert` above in the tests of `tests/readers.rs`, which
            // cut multi-byte and invalid sequences at every buffer offset.
            #[allow(unsafe_code)]
            visit(unsafe { std::str::from_utf8_unchecked(bytes) });
        } else {
            Self::visit_checked(bytes, &mut self.stats, visit);
        }
        self.pos += len;
        self.offset += len as u64;
        true
    }

    /// Visits the word gathered by [`SentenceReader::read_word`].
    fn visit_word(&mut self, visit: &mut impl FnMut(&str)) {
        Self::visit_checked(&self.word, &mut self.stats, visit);
    }

    /// Visits `bytes` as text, replacing invalid UTF-8 (and counting it).
    fn visit_checked(bytes: &[u8], stats: &mut ReaderStats, visit: &mut impl FnMut(&str)) {
        match std::str::from_utf8(bytes) {
            Ok(word) => visit(word),
            Err(_) => {
                stats.replaced_words += 1;
                visit(&String::from_utf8_lossy(bytes));
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time scan finds the same first space as a plain one,
        /// whatever the bytes (control bytes that are not spaces included).
        #[test]
        fn find_space_equals_a_plain_scan(bytes in prop::collection::vec(
            prop::sample::select(vec![0u8, 0x01, 0x09, 0x0a, 0x0b, 0x1b, 0x1c, 0x1f, 0x20, 0x21, b'a', 0x7f, 0x80, 0xa0, 0xff]),
            0..40,
        )) {
            let plain = bytes.iter().position(|&b| is_space(b));
            prop_assert_eq!(find_space(&bytes), plain);
        }
    }
}
