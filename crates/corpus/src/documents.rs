//! [`Documents`]: a file of tagged documents, one per line, for Doc2Vec:
//! gensim's `TaggedLineDocument` (the tag is the line number) and a tagged
//! form with string tags (`TAG<TAB>words`). Streamed with constant memory,
//! plain, gzip or zip, and split into line-aligned byte ranges for parallel
//! readers, each knowing the line number it starts at.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::reader::{is_space, MAX_WORD_BYTES};
use crate::source::{open_stream, Encoding};

/// The most words a document keeps by default; the rest of its line is
/// read past and counted ([`DocumentStats::dropped_words`]). gensim trains
/// on the first 10,000 words of a document that survive the vocabulary and
/// down-sampling (`MAX_DOCUMENT_LEN`); ten times that many raw words leaves
/// room for the words those filters drop, while bounding the memory a
/// single line can take.
pub const DEFAULT_MAX_DOCUMENT_WORDS: usize = 100_000;

/// A document's tag, as gensim keeps it: an integer is a plain row number of
/// the document vectors; a string is a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tag {
    /// A row number (gensim's `int` tags; `TaggedLineDocument`'s line number).
    Int(u64),
    /// A key (gensim's `str` tags).
    Key(String),
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tag::Int(n) => write!(f, "{n}"),
            Tag::Key(key) => f.write_str(key),
        }
    }
}

/// One document: its tags (at least one) and its words, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// The document's tags.
    pub tags: Vec<Tag>,
    /// The document's words.
    pub words: Vec<String>,
}

/// Counters of what a [`DocumentReader`] has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentStats {
    /// Documents returned.
    pub documents: u64,
    /// Words returned.
    pub words: u64,
    /// Words read past because their document already held the maximum.
    pub dropped_words: u64,
    /// Words cut at [`MAX_WORD_BYTES`].
    pub truncated_words: u64,
    /// Words (and tags) in which invalid UTF-8 was replaced by U+FFFD.
    pub replaced_words: u64,
}

/// How the lines of a documents file give tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Every line is a document tagged with its 0-based line number.
    Lines,
    /// `TAGS<TAB>words`: whitespace-separated string tags, a tab, the words.
    Tagged,
    /// `TAGS<TAB>words` with typed tags: `#<decimal>` an integer, `=<key>`
    /// a string ([`crate::DocumentWriter`]'s files).
    Typed,
}

/// A file of documents, one per line.
///
/// - [`Documents::lines`] is gensim's `TaggedLineDocument`: line `n`
///   (from 0) is the document tagged `n`; a blank line is an empty
///   document that still takes its tag.
/// - [`Documents::tagged`] reads `TAGS<TAB>words` lines: the tags (one or
///   more, separated by spaces) are string keys; blank lines are skipped; a
///   line with words but no tab is an error naming the line.
///
/// Words are split on ASCII whitespace, as every corpus of this crate (and
/// gensim's `corpus_file` reader) splits them; Python's `str.split()`,
/// which `TaggedLineDocument` uses when iterated, also splits on Unicode
/// spaces such as U+00A0. Invalid UTF-8 is replaced and counted.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("docs.txt");
/// std::fs::write(&path, "cats purr\n\ndogs bark loudly\n")?;
/// use corpus::{Documents, Tag};
/// let docs: Vec<_> = Documents::lines(&path).reader()?.collect::<Result<_, _>>()?;
/// assert_eq!(docs.len(), 3);
/// assert_eq!(docs[2].tags, [Tag::Int(2)]);
/// assert_eq!(docs[2].words, ["dogs", "bark", "loudly"]);
/// assert!(docs[1].words.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Documents {
    path: PathBuf,
    form: Form,
    max_words: usize,
}

impl Documents {
    /// One document per line, tagged with its line number (gensim's
    /// `TaggedLineDocument`).
    #[doc(alias = "TaggedLineDocument")]
    pub fn lines(path: impl Into<PathBuf>) -> Self {
        Documents {
            path: path.into(),
            form: Form::Lines,
            max_words: DEFAULT_MAX_DOCUMENT_WORDS,
        }
    }

    /// One document per line in the form `TAGS<TAB>words`, with string tags.
    pub fn tagged(path: impl Into<PathBuf>) -> Self {
        Documents {
            form: Form::Tagged,
            ..Documents::lines(path)
        }
    }

    /// One document per line in the form `TAGS<TAB>words` whose tags carry
    /// their type: `#17` is the integer tag 17, `=17` the string tag `"17"`.
    /// What [`crate::DocumentWriter`] writes, for documents held in memory
    /// (such as a Python iterable of gensim `TaggedDocument`s, whose tags
    /// mix `int` and `str`). Blank lines are skipped; a line without a tab
    /// or a tag, or a tag of another shape, is an error naming the line.
    pub fn typed(path: impl Into<PathBuf>) -> Self {
        Documents {
            form: Form::Typed,
            ..Documents::lines(path)
        }
    }

    /// Sets the most words a document keeps (default
    /// [`DEFAULT_MAX_DOCUMENT_WORDS`]; at least 1).
    pub fn max_document_words(mut self, words: usize) -> Self {
        self.max_words = words.max(1);
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the tags are written in the file (`TAGS<TAB>words`, string
    /// or typed tags) rather than line numbers.
    pub fn is_tagged(&self) -> bool {
        self.form != Form::Lines
    }

    /// A reader for one whole pass over the documents.
    pub fn reader(&self) -> Result<DocumentReader> {
        let input = open_stream(&self.path)?;
        Ok(self.reader_at(input, 0, 0, u64::MAX))
    }

    /// Up to `n` independent readers that together return every document
    /// exactly once, in file order if read one after the other, each
    /// starting at a line boundary (a line belongs to the range its first
    /// byte falls in) and knowing its first line's number, so that the
    /// tags of [`Documents::lines`] are those of one pass. Finding the line
    /// numbers reads the file once. Compressed files give a single reader.
    pub fn chunks(&self, n: usize) -> Result<Vec<DocumentReader>> {
        if Encoding::detect(&self.path)? != Encoding::Plain || n <= 1 {
            return Ok(vec![self.reader()?]);
        }
        let size = std::fs::metadata(&self.path)
            .map_err(|e| Error::io("read", &self.path, e))?
            .len();
        let n = (n as u64).min(size.max(1));
        let starts = self.line_starts(size, n)?;
        starts
            .iter()
            .enumerate()
            .map(|(i, &(start, line))| {
                let end = starts.get(i + 1).map_or(u64::MAX, |&(next, _)| next);
                let mut file =
                    File::open(&self.path).map_err(|e| Error::io("open", &self.path, e))?;
                file.seek(SeekFrom::Start(start))
                    .map_err(|e| Error::io("seek in", &self.path, e))?;
                Ok(self.reader_at(Box::new(file), start, line, end))
            })
            .collect()
    }

    /// `(offset, line number)` of the first line starting at or after
    /// `size * i / n - 1` for each range `i` (0 for the first), found in
    /// one pass that counts newlines.
    fn line_starts(&self, size: u64, n: u64) -> Result<Vec<(u64, u64)>> {
        let targets: Vec<u64> = (0..n).map(|i| (size * i / n).saturating_sub(1)).collect();
        let file = File::open(&self.path).map_err(|e| Error::io("open", &self.path, e))?;
        let mut input = BufReader::with_capacity(1 << 16, file);
        let (mut offset, mut lines) = (0u64, 0u64);
        let mut starts = vec![(0, 0)];
        // The next range boundary: the line start at or after this offset.
        let mut next = 1;
        // A range's line starts after the first newline at or after its target.
        while next < targets.len() {
            let buf = input
                .fill_buf()
                .map_err(|e| Error::io("read", &self.path, e))?;
            if buf.is_empty() {
                break;
            }
            let len = buf.len();
            for (i, &b) in buf.iter().enumerate() {
                if b != b'\n' {
                    continue;
                }
                lines += 1;
                let at = offset + i as u64;
                while next < targets.len() && at >= targets[next] {
                    if starts.last().is_some_and(|&(s, _)| s == at + 1) {
                        next += 1; // two targets inside one line: one range is empty
                        continue;
                    }
                    starts.push((at + 1, lines));
                    next += 1;
                }
            }
            offset += len as u64;
            input.consume(len);
        }
        Ok(starts)
    }

    fn reader_at(
        &self,
        input: Box<dyn Read + Send>,
        offset: u64,
        line: u64,
        end: u64,
    ) -> DocumentReader {
        DocumentReader {
            input: BufReader::with_capacity(1 << 16, input),
            name: self.path.clone(),
            form: self.form,
            max_words: self.max_words,
            offset,
            line,
            end,
            word: Vec::new(),
            spare: Vec::new(),
            bad_tag: false,
            stats: DocumentStats::default(),
        }
    }
}

/// Reads documents from a stream; made by [`Documents::reader`] and
/// [`Documents::chunks`]. Also an iterator of `Result<Document>`.
pub struct DocumentReader {
    input: BufReader<Box<dyn Read + Send>>,
    name: PathBuf,
    form: Form,
    max_words: usize,
    /// Stream offset of the next unread byte.
    offset: u64,
    /// 0-based number of the next line.
    line: u64,
    /// Stop at the first line that starts at or after this offset.
    end: u64,
    word: Vec<u8>,
    /// The strings of the previous document, reused for the next one's
    /// words (no allocation per word once warm).
    spare: Vec<String>,
    /// A typed tag of the current line had neither shape.
    bad_tag: bool,
    stats: DocumentStats,
}

impl std::fmt::Debug for DocumentReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentReader")
            .field("name", &self.name)
            .field("offset", &self.offset)
            .field("line", &self.line)
            .finish()
    }
}

/// What a byte of a line is to the tokenizer.
enum Field {
    Tags,
    TypedTags,
    Words,
}

impl DocumentReader {
    /// What the reader has returned so far.
    pub fn stats(&self) -> DocumentStats {
        self.stats
    }

    /// Reads the next document into `doc`; `Ok(false)` when the reader is
    /// exhausted.
    pub fn read_document(&mut self, doc: &mut Document) -> Result<bool> {
        loop {
            doc.tags.clear();
            self.spare.append(&mut doc.words);
            if self.offset >= self.end {
                return Ok(false);
            }
            let line = self.line;
            let (read_any, saw_tab) = self.read_line(doc)?;
            if !read_any {
                return Ok(false);
            }
            if std::mem::take(&mut self.bad_tag) {
                return Err(self.bad_line(line, "a typed tag is #<integer> or =<key>"));
            }
            match self.form {
                Form::Lines => doc.tags.push(Tag::Int(line)),
                _ if !saw_tab && doc.tags.is_empty() => continue, // blank line
                _ if !saw_tab => {
                    return Err(self.bad_line(line, "no tab: a tagged document is TAGS<TAB>words"))
                }
                _ if doc.tags.is_empty() => {
                    return Err(self.bad_line(line, "no tag before the tab"))
                }
                Form::Tagged | Form::Typed => {}
            }
            self.stats.documents += 1;
            self.stats.words += doc.words.len() as u64;
            return Ok(true);
        }
    }

    fn bad_line(&self, line: u64, message: &'static str) -> Error {
        Error::BadLine {
            path: self.name.clone(),
            line: line + 1,
            message,
        }
    }

    /// Reads one line's tags (tagged form) and words into `doc`. Returns
    /// whether any byte was read (false at the end of the stream) and
    /// whether the line had a tab after its tags.
    fn read_line(&mut self, doc: &mut Document) -> Result<(bool, bool)> {
        let mut field = match self.form {
            Form::Lines => Field::Words,
            Form::Tagged => Field::Tags,
            Form::Typed => Field::TypedTags,
        };
        let (mut read_any, mut saw_tab) = (false, false);
        self.word.clear();
        let mut cut = false;
        loop {
            let buf = self
                .input
                .fill_buf()
                .map_err(|e| Error::io("read", &self.name, e))?;
            if buf.is_empty() {
                break;
            }
            read_any = true;
            let mut used = 0;
            let mut ended = false;
            for &b in buf {
                used += 1;
                let in_tags = matches!(field, Field::Tags | Field::TypedTags);
                if b == b'\n' || (b == b'\t' && in_tags) || is_space(b) {
                    if !self.word.is_empty() {
                        let word = &self.word;
                        self.bad_tag |= !Self::finish(
                            &mut self.stats,
                            &field,
                            word,
                            cut,
                            self.max_words,
                            &mut self.spare,
                            doc,
                        );
                        self.word.clear();
                        cut = false;
                    }
                    if b == b'\n' {
                        ended = true;
                        break;
                    }
                    if b == b'\t' && in_tags {
                        field = Field::Words;
                        saw_tab = true;
                    }
                } else if self.word.len() < MAX_WORD_BYTES {
                    self.word.push(b);
                } else {
                    cut = true;
                }
            }
            self.input.consume(used);
            self.offset += used as u64;
            if ended {
                break;
            }
        }
        if !self.word.is_empty() {
            let word = &self.word;
            self.bad_tag |= !Self::finish(
                &mut self.stats,
                &field,
                word,
                cut,
                self.max_words,
                &mut self.spare,
                doc,
            );
            self.word.clear();
        }
        if read_any {
            self.line += 1;
        }
        Ok((read_any, saw_tab))
    }

    /// Adds a finished word (or tag) to `doc`; false for a typed tag of
    /// neither shape.
    fn finish(
        stats: &mut DocumentStats,
        field: &Field,
        bytes: &[u8],
        cut: bool,
        max_words: usize,
        spare: &mut Vec<String>,
        doc: &mut Document,
    ) -> bool {
        stats.truncated_words += u64::from(cut);
        if matches!(field, Field::Words) && doc.words.len() >= max_words {
            stats.dropped_words += 1;
            return true;
        }
        if matches!(field, Field::TypedTags) {
            let tag = match bytes.split_first() {
                Some((b'#', digits)) => std::str::from_utf8(digits)
                    .ok()
                    .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse().ok())
                    .map(Tag::Int),
                Some((b'=', key)) if !key.is_empty() && !cut => {
                    Some(Tag::Key(String::from_utf8_lossy(key).into_owned()))
                }
                _ => None,
            };
            return match tag {
                Some(tag) => {
                    doc.tags.push(tag);
                    true
                }
                None => false,
            };
        }
        let mut text = spare.pop().unwrap_or_default();
        text.clear();
        match std::str::from_utf8(bytes) {
            Ok(valid) => text.push_str(valid),
            Err(_) => {
                stats.replaced_words += 1;
                text.push_str(&String::from_utf8_lossy(bytes));
            }
        }
        match field {
            Field::Tags | Field::TypedTags => doc.tags.push(Tag::Key(text)),
            Field::Words => doc.words.push(text),
        }
        true
    }
}

impl Iterator for DocumentReader {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut doc = Document::default();
        match self.read_document(&mut doc) {
            Ok(true) => Some(Ok(doc)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn docs(documents: &Documents) -> Vec<Document> {
        documents.reader().unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn tagged_lines_give_string_tags_and_skip_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "a b\tx y z\n\nc\t\n  d\tw\n").unwrap();
        let found = docs(&Documents::tagged(&path));
        let key = |k: &str| Tag::Key(k.into());
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].tags, [key("a"), key("b")]);
        assert_eq!(found[0].words, ["x", "y", "z"]);
        assert_eq!(found[1].tags, [key("c")]);
        assert!(found[1].words.is_empty());
        assert_eq!(found[2].tags, [key("d")]);
        for (bad, line) in [("a b c\n", "line 1"), ("x\tw\n\tw\n", "line 2")] {
            std::fs::write(&path, bad).unwrap();
            let error = Documents::tagged(&path)
                .reader()
                .unwrap()
                .find_map(Result::err)
                .unwrap();
            assert!(error.to_string().contains(line), "{error}");
        }
    }

    #[test]
    fn long_documents_keep_their_first_words_and_count_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.txt");
        std::fs::write(&path, "a b c d e\nf\n").unwrap();
        let mut reader = Documents::lines(&path)
            .max_document_words(3)
            .reader()
            .unwrap();
        let found: Vec<Document> = reader.by_ref().map(Result::unwrap).collect();
        assert_eq!(found[0].words, ["a", "b", "c"]);
        assert_eq!(found[1].tags, [Tag::Int(1)]);
        assert_eq!(reader.stats().dropped_words, 2);
        assert_eq!(reader.stats().words, 4);
    }

    #[test]
    fn typed_tags_are_ints_or_keys_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "#3 =3 =a#\tx y\n\n#0\t\n").unwrap();
        let found = docs(&Documents::typed(&path));
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].tags,
            [Tag::Int(3), Tag::Key("3".into()), Tag::Key("a#".into())]
        );
        assert_eq!(found[0].words, ["x", "y"]);
        assert_eq!(
            (found[1].tags.as_slice(), found[1].words.len()),
            ([Tag::Int(0)].as_slice(), 0)
        );
        for (bad, line) in [
            ("#0\tw\nplain\tw\n", "line 2"),
            ("#-1\tw\n", "line 1"),
            ("#1x\tw\n", "line 1"),
            ("=\tw\n", "line 1"),
            ("#99999999999999999999\tw\n", "line 1"),
            ("#1 w\n", "line 1"),
        ] {
            std::fs::write(&path, bad).unwrap();
            let error = Documents::typed(&path)
                .reader()
                .unwrap()
                .find_map(Result::err)
                .unwrap();
            assert!(error.to_string().contains(line), "{bad:?}: {error}");
        }
    }

    #[test]
    fn the_document_writer_refuses_what_it_could_not_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.txt");
        let mut writer = crate::DocumentWriter::create(&path).unwrap();
        let key = |k: &str| Tag::Key(k.into());
        assert!(writer.write_document(&[], ["a"]).is_err());
        assert!(writer.write_document(&[key("")], ["a"]).is_err());
        assert!(writer.write_document(&[key("a b")], ["a"]).is_err());
        let long = "k".repeat(MAX_WORD_BYTES);
        assert!(writer.write_document(&[key(&long)], ["a"]).is_err());
        assert!(writer.write_document(&[Tag::Int(0)], ["a\tb"]).is_err());
        assert!(writer.write_document(&[Tag::Int(0)], [""]).is_err());
        writer.write_document(&[Tag::Int(5)], ["ok"]).unwrap();
        assert_eq!(writer.finish().unwrap(), 1);
        let found = docs(&Documents::typed(&path));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].tags, [Tag::Int(5)]);
    }

    proptest! {
        /// What the writer writes reads back as the same documents, in one
        /// reader or split into chunks.
        #[test]
        fn written_documents_read_back_whole_and_in_chunks(
            documents in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        prop_oneof![
                            (0u64..50).prop_map(Tag::Int),
                            "[a-c0-9#=\u{e9}]{1,4}".prop_map(Tag::Key),
                        ],
                        1..4,
                    ),
                    proptest::collection::vec("[a-c\u{e9}]{1,3}", 0..6),
                ),
                0..30,
            ),
            n in 1usize..6,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("docs.txt");
            let mut writer = crate::DocumentWriter::create(&path).unwrap();
            for (tags, words) in &documents {
                writer.write_document(tags, words.iter().map(String::as_str)).unwrap();
            }
            prop_assert_eq!(writer.finish().unwrap(), documents.len() as u64);
            let expected: Vec<Document> = documents
                .into_iter()
                .map(|(tags, words)| Document { tags, words })
                .collect();
            let typed = Documents::typed(&path);
            prop_assert_eq!(&docs(&typed), &expected);
            let split: Vec<Document> = typed
                .chunks(n)
                .unwrap()
                .into_iter()
                .flat_map(|reader| reader.map(Result::unwrap))
                .collect();
            prop_assert_eq!(split, expected);
        }

        /// Any split gives the documents, tags included, of one pass.
        #[test]
        fn chunks_read_as_one_pass(
            lines in proptest::collection::vec("[a-c \t]{0,12}", 0..40),
            trailing_newline: bool,
            n in 1usize..9,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("docs.txt");
            let mut text = lines.join("\n");
            if trailing_newline {
                text.push('\n');
            }
            std::fs::write(&path, &text).unwrap();
            let documents = Documents::lines(&path);
            let whole = docs(&documents);
            // One document per line of the file, as Python iterates lines.
            let python_lines = text.split_inclusive('\n').count();
            prop_assert_eq!(whole.len(), python_lines);
            let split: Vec<Document> = documents
                .chunks(n)
                .unwrap()
                .into_iter()
                .flat_map(|reader| reader.map(Result::unwrap))
                .collect();
            prop_assert_eq!(split, whole);
        }
    }
}
