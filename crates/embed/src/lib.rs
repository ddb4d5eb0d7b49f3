//! word2vec training (skip-gram and CBOW, negative sampling and hierarchical
//! softmax) on all cores, and whole-model save/load.
//!
//! **Not implemented yet.** This crate is a placeholder in the workspace layout
//! (see `docs/ARCHITECTURE.md`); it exports nothing until its issue lands.
//! It will use `corpus` for input and return `vecstore::KeyedVectors`.
