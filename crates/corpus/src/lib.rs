//! Corpus readers for word2vec training: text8 download and cache, streaming
//! `Text8Corpus` / `LineSentence` readers, and vocabulary building.
//!
//! **Not implemented yet.** This crate is a placeholder in the workspace layout
//! (see `docs/ARCHITECTURE.md`); it exports nothing until its issue lands.
#![forbid(unsafe_code)]
