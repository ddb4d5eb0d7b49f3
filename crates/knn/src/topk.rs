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
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for (id, score) in scores.into_iter().enumerate() {
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
        #[test]
        fn equals_a_full_sort(scores in proptest::collection::vec(-1.0f32..1.0, 0..200), k in 0usize..20) {
            let mut sorted: Vec<(usize, f32)> = scores.iter().copied().enumerate().filter(|(id, _)| id % 7 != 3).collect();
            sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            sorted.truncate(k);
            prop_assert_eq!(top_k(scores, k, |id| id % 7 == 3), sorted);
        }
    }
}
