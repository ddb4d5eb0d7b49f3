//! Top-k selection without a full sort.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A candidate ordered so that the heap's top is the *worst* kept one:
/// lower rank first, then higher id (ties go to the lower id). The rank is
/// the score, NaN ranking as -inf; the score itself is kept as it was.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Worst(f32, usize, f32);

impl Eq for Worst {}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` highest `(id, score)` of `scores` whose id is not excluded,
/// best first (ties: lower id first). NaN scores rank last.
pub fn top_k(
    scores: impl IntoIterator<Item = f32>,
    k: usize,
    excluded: impl Fn(usize) -> bool,
) -> Vec<(usize, f32)> {
    top_k_of(scores.into_iter().enumerate(), k, excluded)
}

/// [`top_k`] of `(id, score)` pairs.
pub fn top_k_of(
    scored: impl IntoIterator<Item = (usize, f32)>,
    k: usize,
    excluded: impl Fn(usize) -> bool,
) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    // `k` may be anything a caller passed (up to usize::MAX): reserve for
    // what a heap of that size plausibly holds and let it grow.
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(1 << 16) + 1);
    for (id, score) in scored {
        let rank = if score.is_nan() {
            f32::NEG_INFINITY
        } else {
            score
        };
        if heap.len() == k {
            let worst = heap.peek().expect("k > 0 entries");
            if rank < worst.0 || (rank == worst.0 && id > worst.1) {
                continue;
            }
        }
        if excluded(id) {
            continue;
        }
        heap.push(Worst(rank, id, score));
        if heap.len() > k {
            heap.pop();
        }
    }
    let mut best: Vec<Worst> = heap.into_vec();
    best.sort(); // best first: `Worst` orders the worst last
    best.into_iter()
        .map(|Worst(_, id, score)| (id, score))
        .collect()
}

/// A stream of approximate scores, each within a known error of its row's
/// true score, reduced to the rows that may still be among the `k` best
/// true scores.
///
/// Row `r` with approximate score `a` and error bound `e` has a true score
/// in `[a - e, a + e]`. Let `L` be the `k`-th best lower bound `a - e` seen:
/// `k` rows have true scores of at least `L`, so the `k`-th best true score
/// is at least `L`, and a row with `a + e < L` cannot be among the best.
/// Every row is first tested against `L - max_error` (a few vector
/// instructions per 16 rows); only the rows that pass get their own bound.
#[derive(Debug, Clone)]
pub(crate) struct Shortlist {
    k: usize,
    max_error: f32,
    /// The `k` best lower bounds so far.
    best: KBest,
    /// `(id, upper bound)` of every row that passed when it was seen;
    /// pruned now and then.
    candidates: Vec<(usize, f32)>,
    /// Prune `candidates` when it grows to this length.
    prune_at: usize,
    /// A lower bound on `L` from a block's `k`-th best, set before `best`
    /// is full (see [`Shortlist::push`]).
    floor: f32,
}

impl Shortlist {
    /// An empty shortlist for the `k` best, no row's error exceeding
    /// `max_error`.
    pub(crate) fn new(k: usize, max_error: f32) -> Self {
        Shortlist {
            k,
            max_error,
            best: KBest::new(k),
            candidates: Vec::new(),
            prune_at: k.saturating_mul(4).saturating_add(256),
            floor: f32::NEG_INFINITY,
        }
    }

    /// `L`, as far as known: rows whose upper bound is below it are out.
    fn lower_bound(&self) -> f32 {
        match self.best.kth() {
            Some(kth) => kth.max(self.floor),
            None if self.k == 0 => f32::INFINITY,
            None => self.floor,
        }
    }

    /// Takes the approximate scores of the rows `first..first + scores.len()`,
    /// `error(id)` being each row's error bound, skipping excluded rows.
    pub(crate) fn push(
        &mut self,
        first: usize,
        scores: &[f32],
        error: impl Fn(usize) -> f32,
        excluded: impl Fn(usize) -> bool,
    ) {
        if self.best.kth().is_none() && scores.len() >= 4 * self.k {
            // Before `k` rows are held every row would pass.
            self.raise_floor(first, scores, &excluded);
        }
        let mut bound = self.lower_bound();
        for (c, chunk) in scores.chunks(16).enumerate() {
            // Most chunks hold nothing that can pass: a branch-free
            // (vectorised) test skips them; the others get a bit mask of
            // the rows that may.
            let pass = bound - self.max_error;
            if !chunk.iter().fold(false, |any, &s| any | (s >= pass)) {
                continue;
            }
            let mut above = chunk
                .iter()
                .enumerate()
                .fold(0u32, |mask, (i, &s)| mask | (u32::from(s >= pass) << i));
            while above != 0 {
                let i = above.trailing_zeros() as usize;
                above &= above - 1;
                let id = first + c * 16 + i;
                let (score, e) = (chunk[i], error(id));
                // (`bound` may have risen since the mask was made. The
                // quantised scores are finite: no NaN to rank.)
                if score + e < bound || excluded(id) {
                    continue;
                }
                self.candidates.push((id, score + e));
                self.best.push(score - e);
                bound = self.lower_bound();
            }
        }
        if self.candidates.len() >= self.prune_at {
            self.candidates.retain(|&(_, upper)| upper >= bound);
            self.prune_at = (2 * self.candidates.len())
                .saturating_add(self.k.saturating_mul(4).saturating_add(256));
        }
    }

    /// Raises `L` to the `k`-th best of the scores of the rows `first..first
    /// + scores.len()` less `max_error` (any `k` rows' lower bounds bound
    /// `L` from below), skipping excluded rows, without keeping any row.
    fn raise_floor(&mut self, first: usize, scores: &[f32], excluded: impl Fn(usize) -> bool) {
        let mut kept: Vec<f32> = scores
            .iter()
            .enumerate()
            .filter(|&(i, _)| !excluded(first + i))
            .map(|(_, &score)| score)
            .collect();
        if self.k > 0 && kept.len() >= self.k {
            let (_, kth, _) = kept.select_nth_unstable_by(self.k - 1, |a, b| b.total_cmp(a));
            self.floor = self.floor.max(*kth - self.max_error);
        }
    }

    /// The shortlist of two disjoint sets of rows.
    pub(crate) fn merge(mut self, other: Shortlist) -> Shortlist {
        self.floor = self.floor.max(other.floor);
        for value in other.best.into_values() {
            self.best.push(value);
        }
        self.candidates.extend(other.candidates);
        self
    }

    /// The rows that may be among the `k` best, in no particular order.
    pub(crate) fn into_ids(self) -> impl Iterator<Item = usize> {
        let bound = self.lower_bound();
        self.candidates
            .into_iter()
            .filter(move |&(_, upper)| upper >= bound)
            .map(|(id, _)| id)
    }
}

/// The `k` largest values pushed: kept in a plain array with the place of
/// its minimum for small `k` (a scan of a few values beats a heap), in a
/// heap otherwise.
#[derive(Debug, Clone)]
enum KBest {
    Small {
        k: usize,
        values: Vec<f32>,
        min_at: usize,
    },
    Large {
        k: usize,
        heap: BinaryHeap<Worst>,
    },
}

/// Up to this `k`, [`KBest`] scans.
const SMALL_K: usize = 32;

impl KBest {
    fn new(k: usize) -> Self {
        if k <= SMALL_K {
            KBest::Small {
                k,
                values: Vec::with_capacity(k),
                min_at: 0,
            }
        } else {
            KBest::Large {
                k,
                heap: BinaryHeap::with_capacity(k.min(1 << 16) + 1),
            }
        }
    }

    /// The `k`-th largest value, once `k` have been pushed (never for k = 0).
    fn kth(&self) -> Option<f32> {
        match self {
            KBest::Small { k, values, min_at } => {
                (*k > 0 && values.len() == *k).then(|| values[*min_at])
            }
            KBest::Large { k, heap } => heap.peek().filter(|_| heap.len() == *k).map(|w| w.0),
        }
    }

    fn push(&mut self, value: f32) {
        match self {
            KBest::Small { k, values, min_at } => {
                if values.len() < *k {
                    values.push(value);
                } else if *k > 0 && value > values[*min_at] {
                    values[*min_at] = value;
                } else {
                    return;
                }
                if values.len() == *k {
                    *min_at = (0..*k)
                        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
                        .unwrap_or(0);
                }
            }
            KBest::Large { k, heap } => {
                heap.push(Worst(value, 0, value));
                if heap.len() > *k {
                    heap.pop();
                }
            }
        }
    }

    /// Every value held, in no order.
    fn into_values(self) -> Vec<f32> {
        match self {
            KBest::Small { values, .. } => values,
            KBest::Large { heap, .. } => heap.into_iter().map(|w| w.0).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn picks_the_best_and_breaks_ties_by_id() {
        let scores = [0.5, 0.9, 0.1, 0.9, 0.7];
        assert_eq!(
            top_k(scores, 3, |_| false),
            vec![(1, 0.9), (3, 0.9), (4, 0.7)]
        );
        assert_eq!(top_k(scores, 2, |id| id == 1), vec![(3, 0.9), (4, 0.7)]);
        assert_eq!(top_k(scores, 10, |_| false).len(), 5);
        assert!(top_k(scores, 0, |_| false).is_empty());
    }

    #[test]
    fn nan_scores_rank_last_and_stay_nan() {
        let scores = [f32::NAN, 0.2, f32::NEG_INFINITY, -0.5];
        let best = top_k(scores, 4, |_| false);
        let ids: Vec<usize> = best.iter().map(|&(id, _)| id).collect();
        assert_eq!(ids, [1, 3, 0, 2]);
        assert!(best[2].1.is_nan(), "{best:?}");
        assert_eq!(best[3].1, f32::NEG_INFINITY);
    }

    proptest! {
        /// The k-th largest of any values, for small and large k alike.
        #[test]
        fn kbest_finds_the_kth_largest(values in proptest::collection::vec(-1.0f32..1.0, 0..100), k in 0usize..60) {
            let mut best = KBest::new(k);
            for &v in &values {
                best.push(v);
            }
            let mut sorted = values.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let want = (k > 0 && k <= sorted.len()).then(|| sorted[k - 1]);
            prop_assert_eq!(best.kth(), want);
        }

        /// Whatever the split into pushes and merges, the shortlist keeps
        /// every row whose true score may be among the k best.
        #[test]
        fn shortlist_keeps_every_possible_best(
            truth in proptest::collection::vec(-1.0f32..1.0, 0..300),
            noise in proptest::collection::vec(-0.05f32..0.05, 300),
            k in 0usize..12,
            split in 0usize..300,
            tile in 1usize..64,
        ) {
            let approx: Vec<f32> = truth.iter().zip(&noise).map(|(t, n)| t + n).collect();
            // Each row's own bound: its error, or more for some rows.
            let error = |id: usize| noise[id].abs() + if id.is_multiple_of(3) { 0.02 } else { 0.0 };
            let excluded = |id: usize| id % 5 == 1;
            let split = split.min(approx.len());
            let mut parts = [Shortlist::new(k, 0.07), Shortlist::new(k, 0.07)];
            for (part, range) in parts.iter_mut().zip([0..split, split..approx.len()]) {
                for first in range.clone().step_by(tile) {
                    let end = (first + tile).min(range.end);
                    part.push(first, &approx[first..end], error, excluded);
                }
            }
            let [a, b] = parts;
            let ids: Vec<usize> = a.merge(b).into_ids().collect();
            let exact = top_k(truth.iter().copied(), k, excluded);
            for (id, _) in &exact {
                prop_assert!(ids.contains(id), "{id} missing from {ids:?}");
            }
            let reranked = top_k_of(ids.iter().map(|&id| (id, truth[id])), k, |_| false);
            prop_assert_eq!(reranked, exact);
        }

        #[test]
        fn equals_a_full_sort(scores in proptest::collection::vec(-1.0f32..1.0, 0..200), k in 0usize..20) {
            let mut sorted: Vec<(usize, f32)> = scores.iter().copied().enumerate().filter(|(id, _)| id % 7 != 3).collect();
            sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            sorted.truncate(k);
            prop_assert_eq!(top_k(scores, k, |id| id % 7 == 3), sorted);
        }
    }
}
