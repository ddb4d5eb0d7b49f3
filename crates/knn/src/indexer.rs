//! The [`Indexer`] trait and the exact (brute-force) indexer.

use ndarray::{ArrayView1, ArrayView2, Axis, Slice};
use rayon::prelude::*;
use vecstore::KeyedVectors;

use crate::error::Result;
use crate::topk::top_k;

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

/// Brute force over the unit vectors: exact answers.
///
/// A single query is one matrix-vector product and a heap-based top-k; a
/// batch goes through matrix-matrix products (`matrixmultiply`, SIMD) on all
/// threads, 256 queries at a time.
#[derive(Debug, Clone)]
pub struct ExactIndexer<'a> {
    normed: ArrayView2<'a, f32>,
}

/// Rows scored by one task of a single query.
const ROWS_PER_TASK: usize = 8192;

/// Queries per matrix product in batch search.
const QUERIES_PER_PRODUCT: usize = 256;

impl<'a> ExactIndexer<'a> {
    /// An indexer over the unit vectors of `kv` (computed on first use and
    /// cached by `kv`).
    pub fn new(kv: &'a KeyedVectors) -> Self {
        ExactIndexer {
            normed: kv.normed_vectors(),
        }
    }

    /// The `topn` best of the first `restrict` rows (all if `None`) for
    /// `query`, leaving out the ids in `exclude`.
    pub fn search(
        &self,
        query: ArrayView1<'_, f32>,
        topn: usize,
        restrict: Option<usize>,
        exclude: &[usize],
    ) -> Vec<(usize, f32)> {
        let rows = self.rows(restrict);
        // One query streams the whole matrix from memory: split the rows
        // between the threads so that all cores pull on the memory bus.
        let mut scores = vec![0.0f32; rows.nrows()];
        scores
            .par_chunks_mut(ROWS_PER_TASK)
            .zip(
                rows.axis_chunks_iter(Axis(0), ROWS_PER_TASK)
                    .into_par_iter(),
            )
            .for_each(|(out, block)| {
                for (score, row) in out.iter_mut().zip(block.outer_iter()) {
                    *score = row.dot(&query);
                }
            });
        top_k(scores, topn, |id| exclude.contains(&id))
    }

    /// [`ExactIndexer::search`] for every row of `queries`, with one
    /// exclusion list per query.
    pub fn search_batch(
        &self,
        queries: ArrayView2<'_, f32>,
        topn: usize,
        restrict: Option<usize>,
        exclude: &[Vec<usize>],
    ) -> Vec<Vec<(usize, f32)>> {
        let rows = self.rows(restrict);
        let chunks: Vec<Vec<Vec<(usize, f32)>>> = queries
            .axis_chunks_iter(Axis(0), QUERIES_PER_PRODUCT)
            .into_par_iter()
            .enumerate()
            .map(|(chunk, block)| {
                let scores = block.dot(&rows.t());
                scores
                    .outer_iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let excluded = exclude
                            .get(chunk * QUERIES_PER_PRODUCT + i)
                            .map_or(&[][..], Vec::as_slice);
                        top_k(row.iter().copied(), topn, |id| excluded.contains(&id))
                    })
                    .collect()
            })
            .collect();
        chunks.into_iter().flatten().collect()
    }

    fn rows(&self, restrict: Option<usize>) -> ArrayView2<'a, f32> {
        let n = restrict.map_or(self.normed.nrows(), |r| r.min(self.normed.nrows()));
        self.normed.slice_axis_move(Axis(0), Slice::from(..n))
    }
}

impl Indexer for ExactIndexer<'_> {
    fn most_similar(&self, query: ArrayView1<'_, f32>, topn: usize) -> Result<Vec<(usize, f32)>> {
        check_dim(self.normed.ncols(), query.len())?;
        Ok(self.search(query, topn, None, &[]))
    }

    fn most_similar_batch(
        &self,
        queries: ArrayView2<'_, f32>,
        topn: usize,
    ) -> Result<Vec<Vec<(usize, f32)>>> {
        check_dim(self.normed.ncols(), queries.ncols())?;
        Ok(self.search_batch(queries, topn, None, &[]))
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
