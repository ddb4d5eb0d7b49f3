//! word2vec and Doc2Vec training with gensim 4's parameters and
//! algorithms: skip-gram and CBOW, PV-DM and PV-DBOW, negative sampling and
//! hierarchical softmax, frequent-word downsampling, reduced windows, a
//! linearly decaying learning rate, on all cores (lock-free Hogwild over
//! atomics, pWord2Vec-style batches that share negative samples across a
//! window); inference of new document vectors.
//!
//! The corpus is streamed from disk every epoch; memory holds the model
//! and small per-thread buffers. The vectors come out as
//! [`vecstore::KeyedVectors`]; a saved model's vectors load memory-mapped.
//!
//! See [`Word2Vec`] and [`Doc2Vec`] for examples.
#![deny(missing_docs)]

mod doc2vec;
mod error;
mod kernel;
mod kernels;
mod model;
mod params;
mod tables;
mod train;
mod weights;

pub use doc2vec::{Doc2Vec, Doc2VecParams, Export, Inference};
pub use error::{Error, Result};
pub use model::Word2Vec;
pub use params::{Architecture, Params, MAX_EPOCHS};
pub use tables::{cum_table, sample_ints, Huffman};
pub use train::{Progress, TrainReport};
