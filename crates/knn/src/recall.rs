//! Exact neighbours under any Annoy metric, and the recall and speed of an
//! index measured against them (`w2v index eval`, the benches).

use std::time::Instant;

use annoy_rs::Metric;
use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::annoy::{indexed_rows, AnnoyIndexer};
use crate::error::{Error, Result};

/// The `n` rows of `rows` nearest to row `q` under `metric`, for each `q`
/// of `queries` (the query itself included, as Annoy's `get_nns_by_item`
/// does), by brute force on all threads. Ties go to the lower id.
pub fn exact_neighbours(
    rows: ArrayView2<'_, f32>,
    metric: Metric,
    queries: &[usize],
    n: usize,
) -> Vec<Vec<usize>> {
    let k = f32_kernels::best();
    let score = |x: &[f32], y: &[f32]| match metric {
        Metric::Angular | Metric::Dot => -(k.dot)(x, y),
        Metric::Euclidean => (k.sq_euclidean)(x, y),
        Metric::Manhattan => (k.manhattan)(x, y),
        // The bits Annoy keeps: where one value is above 0.5 and not the other.
        Metric::Hamming => x
            .iter()
            .zip(y)
            .filter(|(a, b)| (**a > 0.5) != (**b > 0.5))
            .count() as f32,
    };
    let owned;
    let data: &[f32] = match rows.as_slice() {
        Some(data) => data,
        None => {
            owned = rows.iter().copied().collect::<Vec<f32>>();
            &owned
        }
    };
    let dim = rows.ncols().max(1);
    let n = n.min(rows.nrows());
    queries
        .par_iter()
        .map(|&q| {
            if n == 0 {
                return Vec::new();
            }
            let x = &data[q * dim..(q + 1) * dim];
            let mut scored: Vec<(f32, usize)> = data
                .chunks_exact(dim)
                .enumerate()
                .map(|(i, y)| (score(x, y), i))
                .collect();
            let by = |a: &(f32, usize), b: &(f32, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            scored.select_nth_unstable_by(n - 1, by);
            scored.truncate(n);
            scored.sort_unstable_by(by);
            scored.into_iter().map(|(_, i)| i).collect()
        })
        .collect()
}

/// The recall and speed of an index at one `search_k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecallRow {
    /// The candidates gathered per query (Annoy's default resolved to
    /// `n * trees`).
    pub search_k: usize,
    /// The share of the exact `n` nearest found, over all queries.
    pub recall: f64,
    /// Queries per second, one thread, one query at a time.
    pub qps: f64,
}

impl AnnoyIndexer {
    /// Measures recall@`n` of item queries `queries` (item ids of `kv`,
    /// which the index must have been built from: see
    /// [`AnnoyIndexer::check_against`]) against exact search, and queries
    /// per second on one thread, for each `search_k` (`None`: Annoy's
    /// default).
    pub fn evaluate(
        &self,
        kv: &vecstore::KeyedVectors,
        queries: &[usize],
        n: usize,
        search_ks: &[Option<usize>],
    ) -> Result<Vec<RecallRow>> {
        let index = self.index();
        if let Some(&q) = queries.iter().find(|&&q| q >= kv.len()) {
            return Err(Error::IndexMismatch {
                path: Default::default(),
                what: format!("query item {q} is beyond the {} items", kv.len()),
            });
        }
        let exact = exact_neighbours(indexed_rows(kv, index.metric()), index.metric(), queries, n);
        let wanted = (queries.len() * n.min(kv.len())).max(1);
        search_ks
            .iter()
            .map(|&search_k| {
                let start = Instant::now();
                let mut hits = 0usize;
                for (&q, truth) in queries.iter().zip(&exact) {
                    let found = index.get_nns_by_item(q, n, search_k)?;
                    hits += found
                        .iter()
                        .filter(|f| truth.contains(&(f.id as usize)))
                        .count();
                }
                let seconds = start.elapsed().as_secs_f64().max(1e-9);
                Ok(RecallRow {
                    search_k: search_k.unwrap_or(n.saturating_mul(index.get_n_trees())),
                    recall: hits as f64 / wanted as f64,
                    qps: queries.len() as f64 / seconds,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_neighbours_match_a_sort_for_every_metric() {
        let rows = ndarray::Array2::from_shape_fn((50, 7), |(i, j)| {
            ((i * 31 + j * 17) % 23) as f32 / 23.0 - 0.3
        });
        for metric in [
            Metric::Angular,
            Metric::Euclidean,
            Metric::Manhattan,
            Metric::Dot,
            Metric::Hamming,
        ] {
            let got = exact_neighbours(rows.view(), metric, &[0, 7, 49], 5);
            for (q, ids) in [0usize, 7, 49].iter().zip(&got) {
                let x = rows.row(*q);
                let mut all: Vec<(f32, usize)> = (0..50)
                    .map(|i| {
                        let y = rows.row(i);
                        let d = match metric {
                            Metric::Angular | Metric::Dot => -x.dot(&y),
                            Metric::Euclidean => {
                                x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
                            }
                            Metric::Manhattan => x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum(),
                            Metric::Hamming => x
                                .iter()
                                .zip(y)
                                .filter(|(a, b)| (**a > 0.5) != (**b > 0.5))
                                .count() as f32,
                        };
                        (d, i)
                    })
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want: Vec<f32> = all[..5].iter().map(|p| p.0).collect();
                let got_scores: Vec<f32> = ids
                    .iter()
                    .map(|&i| all.iter().find(|p| p.1 == i).unwrap().0)
                    .collect();
                for (g, w) in got_scores.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                        "{metric}: {got_scores:?} vs {want:?}"
                    );
                }
            }
        }
    }
}
