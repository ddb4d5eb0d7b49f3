//! Nearest-neighbour queries over `vecstore::KeyedVectors`: the `Indexer`
//! trait, exact (brute force) and Annoy indexers, gensim's `most_similar`
//! family, and evaluation on analogies and word pairs.
//!
//! **Not implemented yet.** This crate is a placeholder in the workspace layout
//! (see `docs/ARCHITECTURE.md`); it exports nothing until its issue lands.
