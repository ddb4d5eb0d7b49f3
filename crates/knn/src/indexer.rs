//! The [`Indexer`] trait: what exact and approximate search share.

use ndarray::{ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::Result;

/// Finds the nearest neighbours of a query by cosine similarity.
///
/// Queries are unit-length vectors of the indexed dimension; results are
/// `(id, cosine similarity)`, most similar first, ids being vocabulary
/// indices.
pub trait Indexer: Send + Sync {
    /// The `topn` items most similar to `query`.
    fn most_similar(&self, query: ArrayView1<'_, f32>, topn: usize) -> Result<Vec<(usize, f32)>>;

    /// [`Indexer::most_similar`] for every row of `queries`, on all threads.
    fn most_similar_batch(
        &self,
        queries: ArrayView2<'_, f32>,
        topn: usize,
    ) -> Result<Vec<Vec<(usize, f32)>>> {
        queries
            .axis_iter(Axis(0))
            .into_par_iter()
            .map(|q| self.most_similar(q, topn))
            .collect()
    }
}

/// Fails unless a query has the indexed dimension.
pub(crate) fn check_dim(expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(crate::error::Error::DimensionMismatch { expected, found })
    }
}
