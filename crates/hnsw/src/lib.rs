//! An HNSW graph index (Malkov & Yashunin) as hnswlib 0.8 builds, searches
//! and saves it: ids (`u64` labels) and `&[f32]` only, no words.
//!
//! - **Algorithm:** levels drawn with `mult = 1/ln(M)`; `M` links per
//!   element on the upper levels and `M0 = 2M` on level 0; a beam of
//!   `ef_construction` while building; hnswlib's neighbour-selection
//!   heuristic for new links and for pruning full lists; greedy descent
//!   then a beam of `max(ef, k)` at query time.
//! - **Spaces:** hnswlib's `l2` (squared Euclidean), `ip` (`1 - a·b`) and
//!   `cosine` (vectors normalised at insert and query, then `ip`).
//! - **Files:** hnswlib's format both ways. Python's
//!   `hnswlib.Index(space, dim).load_index(path)` loads what
//!   [`HnswIndex::save_index`] writes, and [`HnswIndex::load_index`] loads
//!   hnswlib's files, memory-mapping the level-0 records (hnswlib copies
//!   the file into memory) after checking every count, offset, level and
//!   neighbour id against the file's length and element count.
//! - **Updates:** [`HnswIndex::add_or_update_items`] is hnswlib's
//!   `add_items`: known labels are updated in place (hnswlib's
//!   `updatePoint`), and deleted elements' slots reused when
//!   [`HnswIndex::set_allow_replace_deleted`] allows it.
//! - **Builds** run on all cores in deterministic batches: a seed gives the
//!   same graph run to run *and on any number of threads* (hnswlib's
//!   multi-threaded builds depend on timing). See [`HnswIndex::add_items`].
//!
//! ```
//! use hnsw::{Capacity, HnswIndex, Params, Space};
//!
//! let rows: Vec<f32> = (0..200).flat_map(|i| {
//!     let a = i as f32 * 0.1;
//!     [a.cos(), a.sin(), (a * 0.5).cos()]
//! }).collect();
//! let mut index = HnswIndex::new(Space::Cosine, 3, Params::default().max_elements(200))?;
//! index.add_items(&rows, None)?;                    // labels 0..200
//! index.set_ef(50)?;
//! let near = index.knn_query(&rows[30..33], 3)?;
//! assert_eq!(near[0].label, 10);                  // row 10 is rows[30..33]
//! assert!(near[0].distance.abs() < 1e-6);           // 1 - cos
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("index.bin");
//! index.save_index(&path)?;                         // hnswlib's format
//! let loaded = HnswIndex::load_index(&path, Space::Cosine, 3, Capacity::Saved)?;
//! assert_eq!(loaded.knn_query(&rows[30..33], 3)?, index.knn_query(&rows[30..33], 3)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod build;
mod error;
mod file;
mod index;
mod space;
mod storage;
mod update;

pub use error::{Error, Result};
pub use file::Capacity;
pub use index::{HnswIndex, Neighbor, Params, MAX_DIM, MAX_EF, MAX_ELEMENTS, MAX_LEVEL, MAX_M};
pub use space::Space;
