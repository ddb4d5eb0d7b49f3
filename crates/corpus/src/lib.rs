//! Corpora for word2vec and Doc2Vec training: streaming readers of
//! text8-style and one-sentence-per-line files and of tagged documents
//! (plain, `.gz`, or straight from a `.zip`),
//! byte-range splitting for parallel readers, gensim-exact vocabulary
//! building, and the text8 download with a verified cache.
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("corpus.txt");
//! # std::fs::write(&path, "a rose is a rose is a rose").unwrap();
//! use corpus::{Corpus, Vocab};
//!
//! let corpus = Corpus::text8(&path);
//! let vocab = Vocab::build(&corpus, 2, None)?;
//! assert_eq!(vocab.words(), ["rose", "a", "is"]);
//! assert_eq!(vocab.counts(), [3, 3, 2]);
//! assert_eq!(vocab.stats().raw_words, 8);
//! # Ok::<(), corpus::Error>(())
//! ```
// One `unsafe` block, in the reader, skips re-checking UTF-8 already checked.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod corpus;
mod doctags;
mod documents;
mod error;
mod reader;
mod source;
pub mod text8;
mod vocab;
mod writer;

pub use crate::corpus::{Corpus, DEFAULT_MAX_SENTENCE_LENGTH};
pub use doctags::DocTags;
pub use documents::{
    Document, DocumentReader, DocumentStats, Documents, Tag, DEFAULT_MAX_DOCUMENT_WORDS,
};
pub use error::{Error, Result};
pub use reader::{ReaderStats, Sentence, SentenceReader, MAX_WORD_BYTES};
pub use source::Encoding;
pub use vocab::{Vocab, VocabOptions, VocabStats, MAX_THREADS};
pub use writer::{DocumentWriter, LineWriter};
