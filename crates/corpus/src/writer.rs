//! [`LineWriter`]: sentences held in memory written as a one-sentence-per-line
//! corpus, so that [`crate::Corpus::lines`] streams them back (for callers
//! whose sentences are not in a file, such as a Python iterable).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::reader::is_space;

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
