//! Nearest-neighbour queries over [`vecstore::KeyedVectors`]: the
//! [`Indexer`] trait, the exact indexer, and evaluation on analogy
//! questions and word-similarity pairs with gensim's semantics.
//!
//! ```
//! use vecstore::KeyedVectors;
//! use knn::{ExactIndexer, Indexer};
//!
//! let mut kv = KeyedVectors::new(2);
//! kv.push("north", &[0.0, 1.0])?;
//! kv.push("east", &[1.0, 0.0])?;
//! kv.push("northeast", &[1.0, 1.0])?;
//! let indexer = ExactIndexer::new(&kv);
//! let best = indexer.most_similar(kv.get_normed("north")?, 2)?;
//! assert_eq!(best[0].0, 0);
//! assert_eq!(best[1].0, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// Only the SIMD kernels of the quantised search (`int8::kernels`) use `unsafe`.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod annoy;
mod bounded;
mod check;
mod error;
mod eval;
mod exact;
mod hnsw;
mod indexer;
mod int8;
mod recall;
pub mod sidecar;
mod similarity;
mod topk;

pub use annoy::{AnnoyIndexer, AnnoyIndexerBuilder};
pub use error::{Error, Result};
pub use eval::{
    evaluate_word_analogies, evaluate_word_pairs, pearson, pearson_pvalue, ranks, spearman_pvalue,
    AnalogyReport, PairsReport, Section,
};
pub use exact::ExactIndexer;
pub use hnsw::{EfRow, HnswIndexer, HnswIndexerBuilder};
pub use indexer::Indexer;
pub use recall::{exact_neighbours, RecallRow};
pub use similarity::{Similarity, Term};
pub use topk::top_k;
