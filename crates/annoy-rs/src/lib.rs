//! An Annoy-compatible random-projection forest over `&[f32]` items with
//! integer ids: build, search, save/load in Spotify Annoy's file format, and
//! memory-mapped loading. It knows nothing about words.
//!
//! **Not implemented yet.** This crate is a placeholder in the workspace layout
//! (see `docs/ARCHITECTURE.md`); it exports nothing until its issue lands.
