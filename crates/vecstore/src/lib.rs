//! Word vectors and their files.
//!
//! [`KeyedVectors`] holds an ordered vocabulary and one f32 vector per word,
//! like gensim's `KeyedVectors`. This crate reads and writes them in:
//!
//! - the word2vec C **text** format ([`word2vec::text`]),
//! - the word2vec C **binary** format ([`word2vec::binary`]), byte for byte
//!   what gensim's `save_word2vec_format` writes (or the C tool's layout),
//! - a **native** format ([`native`]) that loads as a memory map, with no
//!   copy and no parse, shared between processes.
//!
//! Every reader checks its input and fails with an [`Error`] naming the
//! file and the line or byte; every writer writes a temporary file and
//! renames it, so a crash never leaves half a file.
//!
//! ```
//! use vecstore::{read, write, Format, KeyedVectors, ReadOptions, WriteOptions};
//!
//! let mut kv = KeyedVectors::new(3);
//! kv.push("café", &[0.1, 0.2, 0.3])?;
//! kv.push("tea", &[0.3, 0.2, 0.1])?;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("vectors.bin");
//! write(&kv, &path, Format::Binary, &WriteOptions::default())?;
//! let (loaded, report) = read(&path, Format::Binary, &ReadOptions::default().limit(1))?;
//! assert_eq!(loaded.index_to_key(), ["café"]);
//! assert_eq!(report.header_rows, 2);
//! # Ok::<(), vecstore::Error>(())
//! ```
#![deny(missing_docs)]

mod error;
mod format;
mod keyed_vectors;
mod matrix;
pub mod native;
pub mod word2vec;

pub use error::{Error, Location, Result};
pub use format::{inspect, read, write, write_to, Format, Summary};
pub use keyed_vectors::{normalize, KeyedVectors};
pub use word2vec::{Layout, ReadOptions, ReadReport, Utf8Policy, WriteOptions};
