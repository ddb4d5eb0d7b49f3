//! Annoy's query: best-first descent of all trees at once until `search_k`
//! candidate ids are gathered, then an exact re-rank (`_get_all_nns`).

use std::cell::RefCell;
use std::collections::BinaryHeap;

use crate::distance::{self, ordered_bits};
use crate::error::{Error, Result};
use crate::forest::Forest;
use crate::hamming;
use crate::metric::Metric;

/// How many candidates ahead the re-rank asks for item nodes to be cached.
const PREFETCH_AHEAD: usize = 8;

/// One search result: an item id and its distance to the query, as Annoy
/// reports it (see [`Metric`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// The item id.
    pub id: u32,
    /// The distance, in Annoy's terms (for dot, the dot product).
    pub distance: f32,
}

/// Per-thread buffers reused across queries.
#[derive(Default)]
struct Scratch {
    /// `seen[id] == epoch` marks a candidate already gathered this query.
    seen: Vec<u32>,
    epoch: u32,
    queue: BinaryHeap<u64>,
    candidates: Vec<u32>,
    scored: Vec<u64>,
}

impl Scratch {
    /// Starts a query over `n_items` items: a fresh epoch, empty buffers.
    fn reset(&mut self, n_items: usize) {
        if self.seen.len() < n_items {
            self.seen.resize(n_items, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.seen.fill(0);
            self.epoch = 1;
        }
        self.queue.clear();
        self.candidates.clear();
        self.scored.clear();
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// A queue entry: priority bits above, node id below, so that the largest
/// `u64` is Annoy's `std::priority_queue<pair<float, int>>` top.
fn entry(priority: f32, node: u32) -> u64 {
    (u64::from(ordered_bits(priority)) << 32) | u64::from(node)
}

impl<S: AsRef<[u8]>> Forest<S> {
    /// The `n` nearest items to `query` found by visiting trees until
    /// `search_k` candidates are gathered (`None`: Annoy's default,
    /// `n * n_trees`), nearest first, ties by id — Annoy's
    /// `get_nns_by_vector`, with distances.
    ///
    /// Fails if `query` has the wrong length or a non-finite value, or if
    /// the search meets a damaged node.
    pub fn get_nns_by_vector(
        &self,
        query: &[f32],
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        check_vector(query, self.dim(), || "of the query".to_string())?;
        match self.metric() {
            Metric::Hamming => {
                let mut packed = vec![0.0; self.layout().words];
                hamming::pack(query, &mut packed);
                self.search(&packed, n, search_k)
            }
            _ => self.search(query, n, search_k),
        }
    }

    /// The `n` nearest items to item `id` (normally `id` itself first), as
    /// Annoy's `get_nns_by_item`.
    pub fn get_nns_by_item(
        &self,
        id: usize,
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        let query = self.item(id)?.vector();
        self.search(&query[..self.layout().words], n, search_k)
    }

    /// The search for `query` as the nodes hold vectors (for Hamming, bits).
    fn search(&self, query: &[f32], n: usize, search_k: Option<usize>) -> Result<Vec<Neighbor>> {
        SCRATCH.with(|scratch| self.search_with(&mut scratch.borrow_mut(), query, n, search_k))
    }

    fn search_with(
        &self,
        s: &mut Scratch,
        query: &[f32],
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        let nodes = self.nodes()?;
        let layout = self.layout();
        let metric = layout.metric;
        let k = self.kernels();
        let (n_items, n_nodes) = (self.n_items(), self.n_nodes());
        let search_k = search_k.unwrap_or(n.saturating_mul(self.roots().len()));
        s.reset(n_items);
        for &root in self.roots() {
            s.queue
                .push(entry(distance::initial_priority(metric), root));
        }
        // A valid forest visits each node at most once per tree copy; more
        // pops than this means trees that share or cycle through nodes.
        let mut budget = 2 * n_nodes + self.roots().len();
        let mut gathered = 0usize;
        while gathered < search_k {
            let Some(top) = s.queue.pop() else { break };
            budget = budget
                .checked_sub(1)
                .ok_or_else(|| self.corrupt(top as u32 as usize, "the trees share nodes".into()))?;
            let priority = f32::from_bits(unordered_bits((top >> 32) as u32));
            let i = top as u32 as usize;
            let node = nodes
                .get(i)
                .ok_or_else(|| self.corrupt(i, format!("no such node: the index has {n_nodes}")))?;
            let nd = node.n_descendants();
            if nd == 1 && i < n_items {
                gathered += 1;
                mark(s, i as u32);
            } else if nd >= 0 && nd as usize <= layout.k {
                let ids = node.leaf_ids(nd as usize);
                gathered += ids.len();
                for &id in ids {
                    if id as usize >= n_items {
                        return Err(self.corrupt(i, format!("leaf holds item {id} of {n_items}")));
                    }
                    mark(s, id);
                }
            } else if nd > 0 {
                let v = &node.vector()[..layout.words];
                let margin = match metric {
                    Metric::Hamming => hamming::margin(v, query)
                        .map(|set| f32::from(u8::from(set)))
                        .ok_or_else(|| {
                            self.corrupt(i, "a split on a bit beyond the vector".into())
                        })?,
                    _ => distance::margin(metric, k, v, node.extra(), query),
                };
                for child in [1, 0] {
                    let c = node.child(child);
                    if c < 0 {
                        return Err(self.corrupt(i, format!("negative child {c}")));
                    }
                    if let Some(next) = nodes.get(c as usize) {
                        f32_kernels::prefetch(next.words());
                    }
                    let priority = distance::child_priority(metric, priority, margin, child);
                    s.queue.push(entry(priority, c as u32));
                }
            } else {
                return Err(self.corrupt(i, format!("negative descendant count {nd}")));
            }
        }

        let query_sq_norm = match metric {
            Metric::Angular => (k.dot)(query, query),
            _ => 0.0,
        };
        for (j, &id) in s.candidates.iter().enumerate() {
            if let Some(ahead) = s.candidates.get(j + PREFETCH_AHEAD) {
                if let Some(node) = nodes.get(*ahead as usize) {
                    f32_kernels::prefetch(node.words());
                }
            }
            let Some(item) = nodes.get(id as usize) else {
                continue;
            };
            if item.n_descendants() != 1 {
                continue; // an id that was never added (Annoy's #284 guard)
            }
            let d = distance::distance(
                metric,
                k,
                query,
                query_sq_norm,
                &item.vector()[..layout.words],
                item.stored_sq_norm(),
            );
            s.scored
                .push((u64::from(ordered_bits(d)) << 32) | u64::from(id));
        }
        let take = n.min(s.scored.len());
        if take == 0 {
            return Ok(Vec::new());
        }
        if take < s.scored.len() {
            s.scored.select_nth_unstable(take - 1);
        }
        let best = &mut s.scored[..take];
        best.sort_unstable();
        Ok(best
            .iter()
            .map(|&e| {
                let d = f32::from_bits(unordered_bits((e >> 32) as u32));
                Neighbor {
                    id: e as u32,
                    distance: distance::normalized(metric, d),
                }
            })
            .collect())
    }
}

/// Adds `id` to the candidates unless already there.
fn mark(s: &mut Scratch, id: u32) {
    let seen = &mut s.seen[id as usize];
    if *seen != s.epoch {
        *seen = s.epoch;
        s.candidates.push(id);
    }
}

/// The inverse of [`ordered_bits`] (with `-0.0` read back as `0.0`).
fn unordered_bits(bits: u32) -> u32 {
    if bits & 0x8000_0000 != 0 {
        bits & 0x7fff_ffff
    } else {
        !bits
    }
}

/// Checks that `v` has `dim` finite values.
pub(crate) fn check_vector(v: &[f32], dim: usize, what: impl Fn() -> String) -> Result<()> {
    if v.len() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            found: v.len(),
        });
    }
    if let Some((position, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: what(),
            position,
            value,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_entries_round_trip_their_priority() {
        for x in [f32::INFINITY, 3.5, 0.0, -1e-20, -7.0, f32::NEG_INFINITY] {
            let e = entry(x, 9);
            assert_eq!(f32::from_bits(unordered_bits((e >> 32) as u32)), x);
            assert_eq!(e as u32, 9);
        }
        // The top of the queue: the largest priority, then the largest id.
        assert!(entry(1.0, 0) > entry(0.5, 99));
        assert!(entry(1.0, 5) > entry(1.0, 4));
        assert_eq!(entry(-0.0, 3), entry(0.0, 3));
    }
}
