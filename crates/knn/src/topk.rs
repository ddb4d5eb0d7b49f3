//! Top-k selection without a full sort.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A candidate ordered so that the heap's top is the *worst* kept one:
/// lower score first, then higher id (ties go to the lower id).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Worst(f32, usize);

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
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for (id, score) in scored {
        let score = if score.is_nan() {
            f32::NEG_INFINITY
        } else {
            score
        };
        if heap.len() == k {
            let worst = heap.peek().expect("k > 0 entries");
            if score < worst.0 || (score == worst.0 && id > worst.1) {
                continue;
            }
        }
        if excluded(id) {
            continue;
        }
        heap.push(Worst(score, id));
        if heap.len() > k {
            heap.pop();
        }
    }
    let mut best: Vec<(usize, f32)> = heap.into_iter().map(|Worst(s, id)| (id, s)).collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    best
}

/// A stream of approximate scores, each within `margin / 2` of its row's
/// true score, reduced to the rows that may still be among the `k` best true
/// scores: those whose approximate score is at least the `k`-th best
/// approximate score less `margin`.
///
/// (The `k` best approximate rows have true scores at least the `k`-th
/// best approximate score less `margin / 2`, so the `k`-th best true score
/// is at least that; a row among the true best has an approximate score at
/// least that less `margin / 2` again.)
#[derive(Debug, Clone)]
pub(crate) struct Shortlist {
    k: usize,
    margin: f32,
    /// The `k` best approximate scores so far, the worst on top.
    best: BinaryHeap<Worst>,
    /// Every row seen above the threshold of its time; pruned now and then.
    candidates: Vec<(usize, f32)>,
    /// Prune `candidates` when it grows to this length.
    prune_at: usize,
    /// A lower bound on the threshold from a block's `k`-th best, set
    /// before `best` is full (see [`Shortlist::push`]).
    floor: f32,
}

impl Shortlist {
    /// An empty shortlist for the `k` best, scores being within `margin / 2`.
    pub(crate) fn new(k: usize, margin: f32) -> Self {
        Shortlist {
            k,
            margin,
            best: BinaryHeap::with_capacity(k + 1),
            candidates: Vec::new(),
            prune_at: 4 * k + 256,
            floor: f32::NEG_INFINITY,
        }
    }

    /// Rows below this approximate score cannot be among the `k` best.
    fn threshold(&self) -> f32 {
        match self.best.peek() {
            Some(worst) if self.best.len() == self.k => (worst.0 - self.margin).max(self.floor),
            _ if self.k == 0 => f32::INFINITY,
            _ => self.floor,
        }
    }

    /// Takes the approximate scores of the rows `first..first + scores.len()`,
    /// skipping excluded rows.
    pub(crate) fn push(&mut self, first: usize, scores: &[f32], excluded: impl Fn(usize) -> bool) {
        if self.best.len() < self.k && scores.len() >= 4 * self.k {
            // Before `k` rows are held every row would pass.
            self.raise_floor(first, scores, &excluded);
        }
        let mut threshold = self.threshold();
        for (c, chunk) in scores.chunks(16).enumerate() {
            // Most chunks hold nothing above the threshold: one branch-free
            // (vectorised) pass makes a bit mask of those that do.
            let mut above = chunk.iter().enumerate().fold(0u32, |mask, (i, &s)| {
                mask | (u32::from(s >= threshold) << i)
            });
            while above != 0 {
                let i = above.trailing_zeros() as usize;
                above &= above - 1;
                let score = chunk[i];
                // The threshold may have risen since the mask was made.
                // (The quantised scores are finite: no NaN to rank.)
                if score < threshold {
                    continue;
                }
                let id = first + c * 16 + i;
                if excluded(id) {
                    continue;
                }
                self.candidates.push((id, score));
                self.best.push(Worst(score, id));
                if self.best.len() > self.k {
                    self.best.pop();
                }
                threshold = self.threshold();
            }
        }
        if self.candidates.len() >= self.prune_at {
            self.candidates.retain(|&(_, score)| score >= threshold);
            self.prune_at = 2 * self.candidates.len() + 4 * self.k + 256;
        }
    }

    /// Raises the threshold to the `k`-th best of the approximate scores of
    /// the rows `first..first + scores.len()` (less the margin), skipping
    /// excluded rows, without keeping any row: any `k` rows' scores bound
    /// the `k`-th best from below. A good first bound saves most of the
    /// work of [`Shortlist::push`].
    pub(crate) fn raise_floor(
        &mut self,
        first: usize,
        scores: &[f32],
        excluded: impl Fn(usize) -> bool,
    ) {
        let mut kept: Vec<f32> = scores
            .iter()
            .enumerate()
            .filter(|&(i, _)| !excluded(first + i))
            .map(|(_, &score)| score)
            .collect();
        if self.k > 0 && kept.len() >= self.k {
            let (_, kth, _) = kept.select_nth_unstable_by(self.k - 1, |a, b| b.total_cmp(a));
            self.floor = self.floor.max(*kth - self.margin);
        }
    }

    /// The shortlist of two disjoint sets of rows.
    pub(crate) fn merge(mut self, other: Shortlist) -> Shortlist {
        self.floor = self.floor.max(other.floor);
        for entry in other.best {
            self.best.push(entry);
            if self.best.len() > self.k {
                self.best.pop();
            }
        }
        self.candidates.extend(other.candidates);
        self
    }

    /// The rows that may be among the `k` best, with their approximate
    /// scores, in no particular order. They include the `k` best
    /// approximate scores.
    pub(crate) fn into_candidates(self) -> Vec<(usize, f32)> {
        let threshold = self.threshold();
        let mut candidates = self.candidates;
        candidates.retain(|&(_, score)| score >= threshold);
        candidates
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

    proptest! {
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
            let excluded = |id: usize| id % 5 == 1;
            let split = split.min(approx.len());
            let mut parts = [Shortlist::new(k, 0.1), Shortlist::new(k, 0.1)];
            for (part, range) in parts.iter_mut().zip([0..split, split..approx.len()]) {
                for first in range.clone().step_by(tile) {
                    let end = (first + tile).min(range.end);
                    part.push(first, &approx[first..end], excluded);
                }
            }
            let [a, b] = parts;
            let ids: Vec<usize> = a.merge(b).into_candidates().into_iter().map(|(id, _)| id).collect();
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
