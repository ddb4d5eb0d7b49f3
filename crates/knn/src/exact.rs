//! [`ExactIndexer`]: brute-force search over the unit vectors, exact answers.

use std::sync::Arc;

use ndarray::{ArrayView1, ArrayView2, Axis, Slice};
use rayon::prelude::*;
use vecstore::KeyedVectors;

use crate::error::Result;
use crate::indexer::{check_dim, Indexer};
use crate::int8::{Int8Query, Int8Rows};
use crate::topk::{top_k, top_k_of, Shortlist};

/// Brute force over the unit vectors: exact answers.
///
/// A query first scores every row on the byte-quantised copy of the unit
/// vectors (`int8`: a quarter of the memory traffic, integer SIMD),
/// which bounds every true score within a known error; only the rows that
/// could still be among the best are then scored again in f32, and those f32
/// scores are the answer, so it is the answer of a full f32 scan. Vectors
/// holding NaN or infinity (no quantised copy) and zero queries take the
/// full f32 scan. One query splits its rows between the threads; a batch
/// runs its queries on all threads, several queries per pass over the rows
/// so that each tile of rows is read from memory once for all of them.
#[derive(Debug, Clone)]
pub struct ExactIndexer<'a> {
    normed: ArrayView2<'a, f32>,
    int8: Arc<NormedInt8>,
}

/// The quantised unit vectors of a [`KeyedVectors`], cached by it
/// ([`KeyedVectors::derived`]); `None` if a vector is not finite.
#[derive(Debug)]
struct NormedInt8(Option<Int8Rows>);

/// Rows scored by one task of a single query.
const ROWS_PER_TASK: usize = 8192;

/// Rows scored at a time into a buffer that stays in cache (a multiple of
/// [`crate::int8::BLOCK_ROWS`]).
const TILE_ROWS: usize = 1024;

/// Queries of a batch that share each pass over the rows.
const QUERIES_PER_PASS: usize = 8;

impl<'a> ExactIndexer<'a> {
    /// An indexer over the unit vectors of `kv` (both the f32 and the
    /// quantised copy are computed on first use and cached by `kv`, until
    /// it changes).
    pub fn new(kv: &'a KeyedVectors) -> Self {
        ExactIndexer {
            normed: kv.normed_vectors(),
            int8: kv.derived(|kv| NormedInt8(Int8Rows::new(kv.normed_vectors()))),
        }
    }

    /// The `topn` best of the first `restrict` rows (all if `None`) for
    /// `query`, leaving out the ids in `exclude`: `(id, cosine)`, best
    /// first, ties to the lower id.
    pub fn search(
        &self,
        query: ArrayView1<'_, f32>,
        topn: usize,
        restrict: Option<usize>,
        exclude: &[usize],
    ) -> Vec<(usize, f32)> {
        let rows = self.rows(restrict);
        let query = query.as_standard_layout();
        let Some((int8, quantised)) = self.quantise(&query.view()) else {
            return full_scan(rows, query.view(), topn, exclude);
        };
        let n = rows.nrows();
        let max_error = int8.max_error_bound(&quantised);
        let error = |id: usize| int8.error_bound(&quantised, id);
        let shortlist = (0..n.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .map(|task| {
                let mut shortlist = Shortlist::new(topn, max_error);
                let range = task * ROWS_PER_TASK..((task + 1) * ROWS_PER_TASK).min(n);
                let mut scores = vec![0.0f32; TILE_ROWS];
                for first in range.clone().step_by(TILE_ROWS) {
                    let scores = &mut scores[..TILE_ROWS.min(range.end - first)];
                    int8.scores(&quantised, first, scores);
                    shortlist.push(first, scores, error, |id| exclude.contains(&id));
                }
                shortlist
            })
            .reduce(|| Shortlist::new(topn, max_error), Shortlist::merge);
        rerank(rows, query.view(), topn, shortlist)
    }

    /// [`ExactIndexer::search`] for every row of `queries`, with one
    /// exclusion list per query (missing lists exclude nothing).
    pub fn search_batch(
        &self,
        queries: ArrayView2<'_, f32>,
        topn: usize,
        restrict: Option<usize>,
        exclude: &[Vec<usize>],
    ) -> Vec<Vec<(usize, f32)>> {
        let rows = self.rows(restrict);
        let excluded = |i: usize| exclude.get(i).map_or(&[][..], Vec::as_slice);
        let passes: Vec<Vec<Vec<(usize, f32)>>> = queries
            .axis_chunks_iter(Axis(0), QUERIES_PER_PASS)
            .into_par_iter()
            .enumerate()
            .map(|(pass, block)| {
                let first_query = pass * QUERIES_PER_PASS;
                let excluded = |i: usize| excluded(first_query + i);
                let block: Vec<_> = block
                    .outer_iter()
                    .map(|q| q.as_standard_layout().into_owned())
                    .collect();
                // The queries with a quantised form share each tile; the
                // others (zero, or no quantised rows) take the f32 scan.
                let quantised: Vec<(usize, Int8Query)> = block
                    .iter()
                    .enumerate()
                    .filter_map(|(i, q)| Some((i, self.quantise(&q.view())?.1)))
                    .collect();
                let mut shortlists = match &self.int8.0 {
                    Some(int8) => shortlist_pass(int8, rows.nrows(), &quantised, topn, excluded),
                    None => Vec::new(),
                }
                .into_iter();
                let mut quantised = quantised.iter().map(|&(i, _)| i).peekable();
                block
                    .iter()
                    .enumerate()
                    .map(|(i, query)| match quantised.next_if_eq(&i) {
                        Some(_) => {
                            let shortlist = shortlists.next().expect("one per quantised query");
                            rerank(rows, query.view(), topn, shortlist)
                        }
                        None => full_scan(rows, query.view(), topn, excluded(i)),
                    })
                    .collect()
            })
            .collect();
        passes.into_iter().flatten().collect()
    }

    /// The quantised rows and query, if both exist (see the type's doc).
    fn quantise(&self, query: &ArrayView1<'_, f32>) -> Option<(&Int8Rows, Int8Query)> {
        let int8 = self.int8.0.as_ref()?;
        Some((int8, int8.query(query.as_slice()?)?))
    }

    fn rows(&self, restrict: Option<usize>) -> ArrayView2<'a, f32> {
        let n = restrict.map_or(self.normed.nrows(), |r| r.min(self.normed.nrows()));
        self.normed.slice_axis_move(Axis(0), Slice::from(..n))
    }
}

/// The shortlists of several quantised queries (`(index in the pass, query)`)
/// over the first `rows` rows, scoring each tile of rows for all of them
/// while it is in cache; `excluded(i)` are the ids query `i` leaves out.
fn shortlist_pass<'e>(
    int8: &Int8Rows,
    rows: usize,
    queries: &[(usize, Int8Query)],
    topn: usize,
    excluded: impl Fn(usize) -> &'e [usize],
) -> Vec<Shortlist> {
    let mut shortlists: Vec<Shortlist> = queries
        .iter()
        .map(|(_, q)| Shortlist::new(topn, int8.max_error_bound(q)))
        .collect();
    let refs: Vec<&Int8Query> = queries.iter().map(|(_, q)| q).collect();
    let mut scores = vec![0.0f32; TILE_ROWS * refs.len()];
    for first in (0..rows).step_by(TILE_ROWS) {
        let len = TILE_ROWS.min(rows - first);
        let scores = &mut scores[..len * refs.len()];
        int8.scores_many(&refs, first, len, scores);
        for (((i, q), shortlist), scores) in
            queries.iter().zip(&mut shortlists).zip(scores.chunks(len))
        {
            let exclude = excluded(*i);
            let error = |id: usize| int8.error_bound(q, id);
            shortlist.push(first, scores, error, |id| exclude.contains(&id));
        }
    }
    shortlists
}

/// Scores every row in f32 (on all threads) and keeps the best.
fn full_scan(
    rows: ArrayView2<'_, f32>,
    query: ArrayView1<'_, f32>,
    topn: usize,
    exclude: &[usize],
) -> Vec<(usize, f32)> {
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

/// Scores the shortlisted rows in f32 and keeps the best.
fn rerank(
    rows: ArrayView2<'_, f32>,
    query: ArrayView1<'_, f32>,
    topn: usize,
    shortlist: Shortlist,
) -> Vec<(usize, f32)> {
    let ids: Vec<usize> = shortlist.into_ids().collect();
    // The rows are scattered over the matrix: first read one value of each
    // cache line of each row, independent loads that the CPU overlaps, so
    // that the dot products below find them in cache.
    let touched = ids.iter().fold(0.0f32, |sum, &id| {
        let row = rows.row(id);
        sum + row.iter().step_by(16).sum::<f32>()
    });
    std::hint::black_box(touched);
    let scored = ids.into_iter().map(|id| (id, rows.row(id).dot(&query)));
    top_k_of(scored, topn, |_| false)
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
