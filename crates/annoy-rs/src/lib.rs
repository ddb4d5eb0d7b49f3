//! An Annoy-compatible random-projection forest over `&[f32]` items with
//! integer ids: build, search, save and load in Spotify Annoy's file
//! format, with memory-mapped loading. It knows nothing about words.
//!
//! The algorithm is Annoy's (1.17.3): each tree splits the items by
//! hyperplanes chosen by Annoy's two-means heuristic (falling back to a
//! random split when a split is too unbalanced) until at most `K` items
//! remain, stored in the leaf; a query descends all trees at once, best
//! margin first, until `search_k` candidates are gathered, then ranks them
//! exactly. Random numbers come from Annoy's own generator ([`Kiss64`]),
//! one stream per tree, so a seed gives the same forest on any number of
//! threads. Distances are Annoy's: angular distance is `sqrt(2 - 2 cos)`.
//!
//! Files are Annoy's, byte for byte in layout: an index saved here loads in
//! Python's `annoy`, and one saved by `annoy` loads here (memory-mapped,
//! checked) and answers the same queries with the same ids.
//!
//! ```
//! use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
//!
//! let mut index = AnnoyIndex::new(2, Metric::Euclidean);
//! for (id, v) in [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]].iter().enumerate() {
//!     index.add_item(id, v)?;
//! }
//! index.build_with(BuildOptions::new(8).seed(42).threads(2), |_, _| {})?;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("points.ann");
//! index.save(&path)?;
//! let loaded = AnnoyIndex::open(&path, 2, Metric::Euclidean)?;
//! let nearest = loaded.get_nns_by_vector(&[4.0, 4.0], 2, None)?;
//! assert_eq!(nearest[0].id, 3);
//! assert!((nearest[0].distance - 2f32.sqrt()).abs() < 1e-6);
//! # Ok::<(), annoy_rs::Error>(())
//! ```
#![deny(missing_docs)]

mod build;
mod distance;
mod error;
mod forest;
mod hamming;
mod index;
mod items;
mod kernels;
mod kiss;
mod metric;
mod search;
mod storage;

pub use build::MAX_THREADS;
pub use error::{Error, Result};
pub use forest::{Forest, Storage};
pub use index::{AnnoyIndex, BuildOptions};
pub use kiss::{Kiss64, DEFAULT_SEED};
pub use metric::Metric;
pub use search::Neighbor;
pub use storage::LoadOptions;
