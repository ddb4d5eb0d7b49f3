//! [`LineWriter`]: sentences held in memory written as a one-sentence-per-line
//! corpus, so that [`crate::Corpus::lines`] streams them back (for callers
//! whose sentences are not in a file, such as a Python iterable), and
//! [`DocumentWriter`]: tagged documents written so that
//! [`crate::Documents::typed`] streams them back with their tags.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::documents::Tag;
use crate::error::{Error, Result};
use crate::reader::{is_space, MAX_WORD_BYTES};

/// Writes sentences to a file, one per line, words separated by a space:
/// what [`crate::Corpus::lines`] reads back as the same sentences (lines
/// longer than its `max_sentence_length` are split, as for any file).
///
/// A word that is empty or holds a separator (ASCII whitespace) could not
/// be read back as one word and is refused.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("sentences.txt");
/// let mut writer = corpus::LineWriter::create(&path)?;
/// writer.write_sentence(["the", "cat", "sat"])?;
/// writer.write_sentence(["on", "the", "mat"])?;
/// assert_eq!(writer.finish()?, 2);
/// let back: Vec<Vec<String>> = corpus::Corpus::lines(&path).reader()?.collect::<Result<_, _>>()?;
/// assert_eq!(back, [vec!["the", "cat", "sat"], vec!["on", "the", "mat"]]);
/// assert!(corpus::LineWriter::create(&path)?.write_sentence(["a b"]).is_err());
/// # Ok::<(), corpus::Error>(())
/// ```
pub struct LineWriter {
    out: BufWriter<File>,
    path: PathBuf,
    sentences: u64,
}

impl LineWriter {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io("create", path, e))?;
        Ok(LineWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            sentences: 0,
        })
    }

    /// Appends one sentence as a line.
    pub fn write_sentence<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) -> Result<()> {
        for (i, word) in words.into_iter().enumerate() {
            if word.is_empty() || word.bytes().any(is_space) {
                return Err(Error::UnwritableWord {
                    sentence: self.sentences,
                    word: word.to_string(),
                });
            }
            if i > 0 {
                self.out.write_all(b" ")
            } else {
                Ok(())
            }
            .and_then(|_| self.out.write_all(word.as_bytes()))
            .map_err(|e| Error::io("write", &self.path, e))?;
        }
        self.out
            .write_all(b"\n")
            .map_err(|e| Error::io("write", &self.path, e))?;
        self.sentences += 1;
        Ok(())
    }

    /// Flushes the file; returns the number of sentences written.
    pub fn finish(mut self) -> Result<u64> {
        self.out
            .flush()
            .map_err(|e| Error::io("write", &self.path, e))?;
        Ok(self.sentences)
    }
}

/// Writes tagged documents to a file, one per line, as
/// [`crate::Documents::typed`] reads them back: the tags (`#17` for the
/// integer tag 17, `=key` for a string tag), a tab, the words separated by
/// a space.
///
/// Words follow [`LineWriter`]'s rule (not empty, no whitespace). A
/// document needs a tag; a string tag must be non-empty, hold no whitespace
/// and be shorter than [`MAX_WORD_BYTES`]. A refused document leaves the
/// file as it was before it.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("documents.txt");
/// use corpus::{Documents, DocumentWriter, Tag};
/// let mut writer = DocumentWriter::create(&path)?;
/// writer.write_document(&[Tag::Int(0), Tag::Key("7".into())], ["the", "cat"])?;
/// writer.write_document(&[Tag::Key("dogs".into())], ["woof"])?;
/// assert_eq!(writer.finish()?, 2);
/// let back: Vec<_> = Documents::typed(&path).reader()?.collect::<Result<_, _>>()?;
/// assert_eq!(back[0].tags, [Tag::Int(0), Tag::Key("7".into())]);
/// assert_eq!(back[1].words, ["woof"]);
/// # Ok::<(), corpus::Error>(())
/// ```
pub struct DocumentWriter {
    out: BufWriter<File>,
    path: PathBuf,
    documents: u64,
    line: Vec<u8>,
}

impl DocumentWriter {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io("create", path, e))?;
        Ok(DocumentWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            documents: 0,
            line: Vec::new(),
        })
    }

    /// Appends one document as a line.
    pub fn write_document<'a>(
        &mut self,
        tags: &[Tag],
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<()> {
        let refuse = |message: String| Error::UnwritableDocument {
            document: self.documents,
            message,
        };
        if tags.is_empty() {
            return Err(refuse("a document needs at least one tag".into()));
        }
        self.line.clear();
        for (i, tag) in tags.iter().enumerate() {
            if i > 0 {
                self.line.push(b' ');
            }
            match tag {
                Tag::Int(n) => {
                    self.line.push(b'#');
                    self.line.extend_from_slice(n.to_string().as_bytes());
                }
                Tag::Key(key) => {
                    if key.is_empty() || key.bytes().any(is_space) || key.len() >= MAX_WORD_BYTES {
                        return Err(refuse(format!(
                            "the tag {key:?} is empty, holds whitespace or is longer than {} bytes",
                            MAX_WORD_BYTES - 1
                        )));
                    }
                    self.line.push(b'=');
                    self.line.extend_from_slice(key.as_bytes());
                }
            }
        }
        self.line.push(b'\t');
        for (i, word) in words.into_iter().enumerate() {
            if word.is_empty() || word.bytes().any(is_space) {
                return Err(refuse(format!(
                    "the word {word:?} is empty or holds whitespace, which separates words"
                )));
            }
            if i > 0 {
                self.line.push(b' ');
            }
            self.line.extend_from_slice(word.as_bytes());
        }
        self.line.push(b'\n');
        self.out
            .write_all(&self.line)
            .map_err(|e| Error::io("write", &self.path, e))?;
        self.documents += 1;
        Ok(())
    }

    /// Flushes the file; returns the number of documents written.
    pub fn finish(mut self) -> Result<u64> {
        self.out
            .flush()
            .map_err(|e| Error::io("write", &self.path, e))?;
        Ok(self.documents)
    }
}
