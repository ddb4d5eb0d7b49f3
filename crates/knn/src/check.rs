//! The check every indexer makes of a saved index against the vectors it is
//! opened for: dimension, item count, labels in vocabulary order, and a
//! sample of the stored vectors equal to the vectors' rows.

use std::path::Path;

use ndarray::ArrayView2;
use vecstore::KeyedVectors;

use crate::error::{Error, Result};

/// What a saved index says about itself.
pub(crate) struct Stored<'a> {
    /// Its dimension.
    pub(crate) dim: usize,
    /// Its number of items.
    pub(crate) items: usize,
    /// The word of each item, when known (from a sidecar).
    pub(crate) labels: Option<&'a [String]>,
}

/// Fails unless the index at `path` was built from `kv`: `stored`'s
/// dimension and item count equal to `kv`'s, its labels (when known) equal
/// to `kv`'s vocabulary in order, and `item(id)`, sampled at up to 64
/// evenly spaced ids, equal to `rows` (what the index was built from) as
/// `same` judges each value.
pub(crate) fn check_against(
    path: &Path,
    stored: Stored<'_>,
    kv: &KeyedVectors,
    rows: ArrayView2<'_, f32>,
    item: impl Fn(usize) -> Result<Vec<f32>>,
    same: impl Fn(f32, f32) -> bool,
) -> Result<()> {
    let mismatch = |what: String| Error::IndexMismatch {
        path: path.to_path_buf(),
        what,
    };
    if stored.dim != kv.dim() {
        return Err(mismatch(format!(
            "the index has {} dimensions, the vectors {}",
            stored.dim,
            kv.dim()
        )));
    }
    if stored.items != kv.len() {
        return Err(mismatch(format!(
            "the index holds {} items, the vectors {} words",
            stored.items,
            kv.len()
        )));
    }
    if let Some(labels) = stored.labels {
        if let Some(i) = labels
            .iter()
            .zip(kv.index_to_key())
            .position(|(a, b)| a != b)
        {
            return Err(mismatch(format!(
                "label {i} is {:?} but word {i} of the vectors is {:?}: the index was built from other vectors",
                labels[i],
                kv.index_to_key()[i]
            )));
        }
    }
    let n = kv.len();
    let samples = n.min(64);
    for s in 0..samples {
        let id = s * n / samples;
        let stored = item(id)?;
        let expected = rows.row(id);
        let equal = stored.len() == expected.len()
            && stored
                .iter()
                .zip(expected.iter())
                .all(|(&a, &b)| same(a, b));
        if !equal {
            return Err(mismatch(format!(
                "item {id} ({:?}) holds another vector than the vectors' row {id}: the index was built from other vectors",
                kv.index_to_key()[id]
            )));
        }
    }
    Ok(())
}
