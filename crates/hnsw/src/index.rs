//! [`HnswIndex`]: the graph, its parameters, queries and element management.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use hashbrown::HashMap;

use crate::error::{Error, Result};
use crate::space::{normalize_into, Space};
use crate::storage::Level0;

/// The largest dimension accepted.
pub const MAX_DIM: usize = 1 << 16;
/// The largest `M` accepted (`maxM0 = 2M` must fit hnswlib's 16-bit counts).
pub const MAX_M: usize = 4096;
/// The largest `ef` and `ef_construction` accepted.
pub const MAX_EF: usize = 1 << 20;
/// The largest capacity: internal ids are 32-bit and `u32::MAX` means "none".
pub const MAX_ELEMENTS: usize = u32::MAX as usize - 1;
/// The highest level an element may have (hnswlib's draws stay below 60
/// for every `M ≥ 2`).
pub const MAX_LEVEL: usize = 100;

/// The parameters of `init_index` (hnswlib's names and defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// The capacity (default 0: grow with [`HnswIndex::resize_index`], or
    /// set it here).
    pub max_elements: usize,
    /// Links per element on the upper levels (default 16); level 0 holds `2M`.
    pub m: usize,
    /// The beam width while building (default 200; at least `M` is used).
    pub ef_construction: usize,
    /// The seed of the level draws (default 100, hnswlib's).
    pub random_seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_elements: 0,
            m: 16,
            ef_construction: 200,
            random_seed: 100,
        }
    }
}

impl Params {
    /// Sets `max_elements`.
    pub fn max_elements(mut self, n: usize) -> Self {
        self.max_elements = n;
        self
    }

    /// Sets `M`.
    pub fn m(mut self, m: usize) -> Self {
        self.m = m;
        self
    }

    /// Sets `ef_construction`.
    pub fn ef_construction(mut self, ef: usize) -> Self {
        self.ef_construction = ef;
        self
    }

    /// Sets the seed of the level draws.
    pub fn random_seed(mut self, seed: u64) -> Self {
        self.random_seed = seed;
        self
    }
}

/// One answer of a query: an element's label and its distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// The label given to the element at `add_items`.
    pub label: u64,
    /// Its distance to the query in the index's space.
    pub distance: f32,
}

/// A (distance, internal id) pair ordered by distance, then id (hnswlib
/// orders by distance only and breaks ties by heap position; ids make the
/// order total and the graph reproducible).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cand {
    pub(crate) dist: f32,
    pub(crate) id: u32,
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist
            .total_cmp(&other.dist)
            .then(self.id.cmp(&other.id))
    }
}

/// A reusable search workspace: visited tags (hnswlib's `VisitedList`) and
/// the two heaps.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    tags: Vec<u16>,
    tag: u16,
    pub(crate) top: BinaryHeap<Cand>,
    candidates: BinaryHeap<std::cmp::Reverse<Cand>>,
}

impl Scratch {
    /// Starts a new search over `n` elements: a fresh tag, clearing the tags
    /// only when the 16-bit counter wraps.
    fn reset(&mut self, n: usize) {
        if self.tags.len() < n {
            self.tags.resize(n, 0);
        }
        self.tag = self.tag.wrapping_add(1);
        if self.tag == 0 {
            self.tags.fill(0);
            self.tag = 1;
        }
        self.top.clear();
        self.candidates.clear();
    }
}

/// An HNSW graph over `dim`-dimensional vectors, in hnswlib 0.8's layout
/// and with its algorithm (see the crate documentation).
#[derive(Debug)]
pub struct HnswIndex {
    pub(crate) space: Space,
    pub(crate) dim: usize,
    pub(crate) m: usize,
    pub(crate) max_m: usize,
    pub(crate) max_m0: usize,
    pub(crate) ef_construction: usize,
    pub(crate) mult: f64,
    pub(crate) max_elements: usize,
    pub(crate) ef: usize,
    pub(crate) seed: u64,
    pub(crate) num_threads: usize,
    pub(crate) level0: Level0,
    pub(crate) count: usize,
    pub(crate) levels: Vec<u8>,
    /// Per element, the first word of its upper-level block in `upper`.
    pub(crate) upper_start: Vec<usize>,
    /// Upper-level blocks, element after element: per level, a count word
    /// and `maxM` ids (hnswlib's on-disk layout).
    pub(crate) upper: Vec<u32>,
    pub(crate) enter_point: Option<u32>,
    pub(crate) max_level: usize,
    pub(crate) label_lookup: HashMap<u64, u32>,
    pub(crate) num_deleted: usize,
    /// hnswlib's `allow_replace_deleted`: whether `add_or_update_items` may
    /// reuse deleted elements' slots (see `update.rs`).
    pub(crate) allow_replace_deleted: bool,
    pub(crate) scratch: Mutex<Vec<Scratch>>,
    /// The thread pool of builds and batch queries on more than one
    /// thread, kept between calls.
    pub(crate) pools: crate::build::PoolCache,
    pub(crate) kernels: &'static f32_kernels::Kernels,
    pub(crate) prefetch: bool,
}

/// Fails unless `lo <= value <= hi`.
pub(crate) fn check_range(
    name: &'static str,
    value: usize,
    lo: usize,
    hi: usize,
    expected: &'static str,
) -> Result<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::Parameter {
            name,
            value: value as u64,
            expected,
        })
    }
}

impl HnswIndex {
    /// An empty index (hnswlib's `Index(space, dim)` followed by
    /// `init_index(**params)`).
    pub fn new(space: Space, dim: usize, params: Params) -> Result<Self> {
        check_range("dim", dim, 1, MAX_DIM, "1 to 65,536")?;
        check_range("M", params.m, 2, MAX_M, "2 to 4,096")?;
        check_range(
            "ef_construction",
            params.ef_construction,
            1,
            MAX_EF,
            "1 to 2^20",
        )?;
        check_range(
            "max_elements",
            params.max_elements,
            0,
            MAX_ELEMENTS,
            "at most 2^32 - 2",
        )?;
        let m = params.m;
        Ok(HnswIndex {
            space,
            dim,
            m,
            max_m: m,
            max_m0: 2 * m,
            ef_construction: params.ef_construction.max(m),
            mult: 1.0 / (m as f64).ln(),
            max_elements: params.max_elements,
            ef: 10,
            seed: params.random_seed,
            num_threads: 0,
            level0: Level0::Owned(Vec::new()),
            count: 0,
            levels: Vec::new(),
            upper_start: Vec::new(),
            upper: Vec::new(),
            enter_point: None,
            max_level: 0,
            label_lookup: HashMap::new(),
            num_deleted: 0,
            allow_replace_deleted: false,
            scratch: Mutex::new(Vec::new()),
            pools: Default::default(),
            kernels: f32_kernels::best(),
            prefetch: true,
        })
    }

    // ---- layout --------------------------------------------------------

    /// Words per level-0 record.
    #[inline]
    pub(crate) fn record_words(&self) -> usize {
        1 + self.max_m0 + self.dim + 2
    }

    /// Words per upper-level list: a count and `maxM` ids.
    #[inline]
    pub(crate) fn upper_words(&self) -> usize {
        1 + self.max_m
    }

    /// The neighbours of `id` on `level`, in `words` (the level-0 block).
    #[inline]
    pub(crate) fn links<'a>(&'a self, words: &'a [u32], id: u32, level: usize) -> &'a [u32] {
        let id = id as usize;
        if level == 0 {
            let base = id * self.record_words();
            let count = (words[base] & 0xffff) as usize;
            &words[base + 1..base + 1 + count]
        } else {
            let start = self.upper_start[id] + (level - 1) * self.upper_words();
            let count = (self.upper[start] & 0xffff) as usize;
            &self.upper[start + 1..start + 1 + count]
        }
    }

    /// Replaces the neighbours of `id` on `level` (at most `maxM0`/`maxM`).
    pub(crate) fn set_links(&mut self, id: u32, level: usize, links: &[u32]) {
        let id = id as usize;
        if level == 0 {
            debug_assert!(links.len() <= self.max_m0);
            let base = id * self.record_words();
            let words = self.level0.make_mut();
            words[base] = (words[base] & !0xffff) | links.len() as u32;
            words[base + 1..base + 1 + links.len()].copy_from_slice(links);
        } else {
            debug_assert!(links.len() <= self.max_m);
            let start = self.upper_start[id] + (level - 1) * (1 + self.max_m);
            self.upper[start] = (self.upper[start] & !0xffff) | links.len() as u32;
            self.upper[start + 1..start + 1 + links.len()].copy_from_slice(links);
        }
    }

    /// The stored vector of internal id `id`.
    #[inline]
    pub(crate) fn vector<'a>(&self, words: &'a [u32], id: u32) -> &'a [f32] {
        let start = id as usize * self.record_words() + 1 + self.max_m0;
        bytemuck::cast_slice(&words[start..start + self.dim])
    }

    /// The label of internal id `id`.
    #[inline]
    pub(crate) fn label_of(&self, words: &[u32], id: u32) -> u64 {
        let at = id as usize * self.record_words() + 1 + self.max_m0 + self.dim;
        u64::from(words[at]) | (u64::from(words[at + 1]) << 32)
    }

    /// Whether internal id `id` is marked deleted.
    #[inline]
    pub(crate) fn is_deleted(&self, words: &[u32], id: u32) -> bool {
        words[id as usize * self.record_words()] & (1 << 16) != 0
    }

    /// The distance between two stored or prepared vectors.
    #[inline]
    pub(crate) fn distance(&self, a: &[f32], b: &[f32]) -> f32 {
        match self.space {
            Space::L2 => (self.kernels.sq_euclidean)(a, b),
            Space::Ip | Space::Cosine => 1.0 - (self.kernels.dot)(a, b),
        }
    }

    /// `x` as the index stores and searches it (normalised for cosine).
    pub(crate) fn prepare(&self, x: &[f32]) -> Vec<f32> {
        if self.space.normalizes() {
            let mut out = vec![0.0; x.len()];
            normalize_into(x, &mut out);
            out
        } else {
            x.to_vec()
        }
    }

    pub(crate) fn take_scratch(&self) -> Scratch {
        self.scratch
            .lock()
            .map(|mut pool| pool.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub(crate) fn give_scratch(&self, scratch: Scratch) {
        if let Ok(mut pool) = self.scratch.lock() {
            if pool.len() < 256 {
                pool.push(scratch);
            }
        }
    }

    // ---- search ---------------------------------------------------------

    /// Greedy descent on `level` from `(start, dist)`: the nearest element
    /// reachable by always moving to a closer neighbour (hnswlib's: each
    /// list is scanned to its end against the best so far). The vectors of
    /// a list are prefetched together and scored four at a time.
    pub(crate) fn greedy(&self, words: &[u32], query: &[f32], mut cur: Cand, level: usize) -> Cand {
        let mut dists = [0f32; 64];
        let mut changed = true;
        while changed {
            changed = false;
            let links = self.links(words, cur.id, level);
            for chunk in links.chunks(dists.len()) {
                let dists = &mut dists[..chunk.len()];
                self.prefetch_vectors(words, chunk);
                self.distances(words, query, chunk, dists);
                for (&n, &d) in chunk.iter().zip(dists.iter()) {
                    if d < cur.dist {
                        cur = Cand { dist: d, id: n };
                        changed = true;
                    }
                }
            }
        }
        cur
    }

    /// Starts loading the vectors of `ids` (if prefetching is on), so that
    /// their cache misses overlap.
    #[inline]
    fn prefetch_vectors(&self, words: &[u32], ids: &[u32]) {
        if self.prefetch {
            let (record, data_at) = (self.record_words(), 1 + self.max_m0);
            for &n in ids {
                let at = n as usize * record + data_at;
                f32_kernels::prefetch(&words[at..at + self.dim]);
            }
        }
    }

    /// `out[j]` = the distance from `query` to element `ids[j]`, four at a
    /// time where the space allows (`dot4`, bit for bit `dot`).
    #[inline]
    fn distances(&self, words: &[u32], query: &[f32], ids: &[u32], out: &mut [f32]) {
        let mut done = 0;
        if self.space != Space::L2 {
            while done + 4 <= ids.len() {
                let v = |j: usize| self.vector(words, ids[done + j]);
                let d = (self.kernels.dot4)(query, [v(0), v(1), v(2), v(3)]);
                for j in 0..4 {
                    out[done + j] = 1.0 - d[j];
                }
                done += 4;
            }
        }
        for j in done..ids.len() {
            out[j] = self.distance(query, self.vector(words, ids[j]));
        }
    }

    /// hnswlib's `searchBaseLayer`/`searchBaseLayerST`: a beam of width `ef`
    /// on `level` from `ep`. Elements `accept` refuses are walked through but
    /// never returned. `bare` is hnswlib's stop rule when nothing is refused
    /// (stop at the first candidate farther than the worst kept one); else the
    /// beam must also be full. Leaves the result in `scratch.top`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn search_layer<A: Fn(u32) -> bool>(
        &self,
        words: &[u32],
        scratch: &mut Scratch,
        query: &[f32],
        ep: u32,
        level: usize,
        ef: usize,
        bare: bool,
        accept: A,
    ) {
        scratch.reset(self.count);
        let Scratch {
            tags,
            tag,
            top,
            candidates,
        } = scratch;
        let tag = *tag;
        let mut lower = f32::MAX;
        let d = self.distance(query, self.vector(words, ep));
        if accept(ep) {
            lower = d;
            top.push(Cand { dist: d, id: ep });
        }
        candidates.push(std::cmp::Reverse(Cand { dist: d, id: ep }));
        tags[ep as usize] = tag;
        // The unvisited neighbours of the element being expanded, and their
        // distances, 64 at a time (a list holds maxM0 = 2M on level 0).
        let mut fresh = [0u32; 64];
        let mut dists = [0f32; 64];
        while let Some(&std::cmp::Reverse(current)) = candidates.peek() {
            let stop = if bare {
                current.dist > lower
            } else {
                current.dist > lower && top.len() == ef
            };
            if stop {
                break;
            }
            candidates.pop();
            // The next element to expand is likely the new head: start
            // loading its links (hnswlib prefetches the head's list too).
            if let Some(&std::cmp::Reverse(next)) = candidates.peek() {
                self.prefetch_links(words, next.id, level);
            }
            let links = self.links(words, current.id, level);
            for chunk in links.chunks(fresh.len()) {
                // Mark the unvisited ones and, if on, start loading all their
                // vectors at once so that the misses overlap (hnswlib
                // prefetches one neighbour ahead, which leaves most of each
                // miss exposed).
                // Without a branch per neighbour: whether one was visited
                // is unpredictable, and a mispredicted branch costs more
                // than the store.
                let mut m = 0;
                for &n in chunk {
                    let seen = &mut tags[n as usize];
                    fresh[m] = n;
                    m += usize::from(*seen != tag);
                    *seen = tag;
                }
                let (fresh, dists) = (&fresh[..m], &mut dists[..m]);
                self.prefetch_vectors(words, fresh);
                self.distances(words, query, fresh, dists);
                for (&n, &d) in fresh.iter().zip(dists.iter()) {
                    if top.len() < ef || lower > d {
                        let cand = Cand { dist: d, id: n };
                        let head = candidates.peek().is_none_or(|h| cand < h.0);
                        candidates.push(std::cmp::Reverse(cand));
                        if head {
                            self.prefetch_links(words, n, level);
                        }
                        if accept(n) {
                            if top.len() < ef {
                                top.push(cand);
                            } else if let Some(mut worst) = top.peek_mut() {
                                // Full: the new one (closer than the
                                // worst) takes the worst one's place.
                                *worst = cand;
                            }
                        }
                        if let Some(worst) = top.peek() {
                            lower = worst.dist;
                        }
                    }
                }
            }
        }
    }

    /// Starts loading the neighbour list of `id` on `level` (a hint).
    #[inline]
    fn prefetch_links(&self, words: &[u32], id: u32, level: usize) {
        if !self.prefetch {
            return;
        }
        if level == 0 {
            let base = id as usize * self.record_words();
            if let Some(list) = words.get(base..base + 1 + self.max_m0) {
                f32_kernels::prefetch(list);
            }
        } else if let Some(list) = self
            .upper_start
            .get(id as usize)
            .and_then(|&s| self.upper.get(s + (level - 1) * self.upper_words()..))
        {
            f32_kernels::prefetch(&list[..list.len().min(self.upper_words())]);
        }
    }

    /// The `k` nearest accepted elements of the prepared `query`, nearest first.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: Option<&dyn Fn(u64) -> bool>,
    ) -> Vec<Neighbor> {
        let Some(ep) = self.enter_point else {
            return Vec::new();
        };
        if k == 0 {
            return Vec::new();
        }
        let words = self.level0.words();
        let mut cur = Cand {
            dist: self.distance(query, self.vector(words, ep)),
            id: ep,
        };
        for level in (1..=self.max_level).rev() {
            cur = self.greedy(words, query, cur, level);
        }
        let mut scratch = self.take_scratch();
        let ef = self.ef.max(k);
        if self.num_deleted == 0 && filter.is_none() {
            // hnswlib's bare-bone search: every element is a result, and the
            // record headers (flags) are never read.
            self.search_layer(words, &mut scratch, query, cur.id, 0, ef, true, |_| true);
        } else {
            let accept = |id: u32| {
                !self.is_deleted(words, id) && filter.is_none_or(|f| f(self.label_of(words, id)))
            };
            self.search_layer(words, &mut scratch, query, cur.id, 0, ef, false, accept);
        }
        while scratch.top.len() > k {
            scratch.top.pop();
        }
        let mut found: Vec<Cand> = scratch.top.drain().collect();
        // Nearest first, ties by internal id (not by the heap's layout).
        found.sort_unstable();
        let out: Vec<Neighbor> = found
            .into_iter()
            .map(|c| Neighbor {
                label: self.label_of(words, c.id),
                distance: c.dist,
            })
            .collect();
        self.give_scratch(scratch);
        out
    }

    fn check_query(&self, query: &[f32]) -> Result<()> {
        if query.len() != self.dim {
            return Err(Error::Dimension {
                expected: self.dim,
                found: query.len(),
            });
        }
        if query.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFinite { row: 0 });
        }
        if self.count == 0 {
            return Err(Error::Empty);
        }
        Ok(())
    }

    /// The `k` nearest live elements of `query`, nearest first (hnswlib's
    /// `knn_query` for one vector), searched with beam width `max(ef, k)`.
    /// Fewer than `k` when the index holds fewer live elements (or the graph
    /// cannot reach them); an empty index is [`Error::Empty`].
    pub fn knn_query(&self, query: &[f32], k: usize) -> Result<Vec<Neighbor>> {
        self.check_query(query)?;
        Ok(self.search(&self.prepare(query), k, None))
    }

    /// [`HnswIndex::knn_query`] returning only elements whose label `filter`
    /// accepts (hnswlib's `filter`); the others are walked through.
    pub fn knn_query_filter(
        &self,
        query: &[f32],
        k: usize,
        filter: &dyn Fn(u64) -> bool,
    ) -> Result<Vec<Neighbor>> {
        self.check_query(query)?;
        Ok(self.search(&self.prepare(query), k, Some(filter)))
    }

    /// [`HnswIndex::knn_query`] for every row of the row-major `queries`, on
    /// `num_threads` threads (hnswlib's batch `knn_query`): 0 is the current
    /// rayon pool (all cores unless called from a smaller pool), 1 the
    /// calling thread, more a pool the index keeps for later calls.
    pub fn knn_query_batch(
        &self,
        queries: &[f32],
        k: usize,
        num_threads: usize,
    ) -> Result<Vec<Vec<Neighbor>>> {
        use rayon::prelude::*;
        if !queries.len().is_multiple_of(self.dim) {
            return Err(Error::Dimension {
                expected: self.dim,
                found: queries.len(),
            });
        }
        if let Some(row) = queries
            .chunks_exact(self.dim)
            .position(|q| q.iter().any(|x| !x.is_finite()))
        {
            return Err(Error::NonFinite { row });
        }
        if self.count == 0 {
            return Err(Error::Empty);
        }
        let one = |q: &[f32]| self.search(&self.prepare(q), k, None);
        Ok(self.pools.runner(num_threads)?.run(|parallel| {
            if parallel {
                queries.par_chunks_exact(self.dim).map(one).collect()
            } else {
                queries.chunks_exact(self.dim).map(one).collect()
            }
        }))
    }

    // ---- parameters and elements ---------------------------------------

    /// Sets the query-time beam width (hnswlib's `set_ef`; default 10).
    pub fn set_ef(&mut self, ef: usize) -> Result<()> {
        check_range("ef", ef, 1, MAX_EF, "1 to 2^20")?;
        self.ef = ef;
        Ok(())
    }

    /// The query-time beam width.
    pub fn ef(&self) -> usize {
        self.ef
    }

    /// Threads for `add_items` (0, the default: all cores, i.e. the current
    /// rayon pool). One thread runs on the calling thread, without a pool;
    /// more use a pool made on first use and kept by the index.
    pub fn set_num_threads(&mut self, n: usize) {
        self.num_threads = n;
    }

    /// The space.
    pub fn space(&self) -> Space {
        self.space
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `M`.
    pub fn m(&self) -> usize {
        self.m
    }

    /// `ef_construction` (at least `M`).
    pub fn ef_construction(&self) -> usize {
        self.ef_construction
    }

    /// The capacity (hnswlib's `get_max_elements`).
    pub fn get_max_elements(&self) -> usize {
        self.max_elements
    }

    /// Elements in the index, deleted ones included (hnswlib's
    /// `get_current_count` and `element_count`).
    pub fn get_current_count(&self) -> usize {
        self.count
    }

    /// Elements marked deleted.
    pub fn num_deleted(&self) -> usize {
        self.num_deleted
    }

    /// The top level of the graph (`None` when empty).
    pub fn max_level(&self) -> Option<usize> {
        self.enter_point.map(|_| self.max_level)
    }

    /// The level of each element, in internal-id (insertion) order.
    pub fn element_levels(&self) -> impl Iterator<Item = usize> + '_ {
        self.levels.iter().map(|&l| usize::from(l))
    }

    /// Whether the level-0 records are read from a map of the file.
    pub fn is_mapped(&self) -> bool {
        self.level0.is_mapped()
    }

    /// The labels of every element, deleted ones included, in insertion order
    /// (hnswlib's `get_ids_list` gives them in hash order).
    pub fn get_ids_list(&self) -> Vec<u64> {
        let words = self.level0.words();
        (0..self.count as u32)
            .map(|id| self.label_of(words, id))
            .collect()
    }

    /// The internal id of a live label.
    fn live_id(&self, label: u64) -> Result<u32> {
        match self.label_lookup.get(&label) {
            Some(&id) if !self.is_deleted(self.level0.words(), id) => Ok(id),
            _ => Err(Error::LabelNotFound(label)),
        }
    }

    /// The stored vectors of `labels` (normalised for cosine); a deleted or
    /// unknown label is [`Error::LabelNotFound`], as in hnswlib.
    pub fn get_items(&self, labels: &[u64]) -> Result<Vec<Vec<f32>>> {
        let words = self.level0.words();
        labels
            .iter()
            .map(|&label| Ok(self.vector(words, self.live_id(label)?).to_vec()))
            .collect()
    }

    /// Whether `label` is in the index and live.
    pub fn contains(&self, label: u64) -> bool {
        self.live_id(label).is_ok()
    }

    /// Marks `label` deleted: still in the graph and walked through, never
    /// returned.
    pub fn mark_deleted(&mut self, label: u64) -> Result<()> {
        let id = *self
            .label_lookup
            .get(&label)
            .ok_or(Error::LabelNotFound(label))?;
        if self.is_deleted(self.level0.words(), id) {
            return Err(Error::AlreadyDeleted(label));
        }
        let at = id as usize * self.record_words();
        self.level0.make_mut()[at] |= 1 << 16;
        self.num_deleted += 1;
        Ok(())
    }

    /// Undoes [`HnswIndex::mark_deleted`].
    pub fn unmark_deleted(&mut self, label: u64) -> Result<()> {
        let id = *self
            .label_lookup
            .get(&label)
            .ok_or(Error::LabelNotFound(label))?;
        if !self.is_deleted(self.level0.words(), id) {
            return Err(Error::NotDeleted(label));
        }
        let at = id as usize * self.record_words();
        self.level0.make_mut()[at] &= !(1 << 16);
        self.num_deleted -= 1;
        Ok(())
    }

    /// Changes the capacity; below the current count is an error.
    pub fn resize_index(&mut self, new_size: usize) -> Result<()> {
        if new_size < self.count {
            return Err(Error::ResizeBelowCount {
                requested: new_size,
                count: self.count,
            });
        }
        check_range(
            "max_elements",
            new_size,
            0,
            MAX_ELEMENTS,
            "at most 2^32 - 2",
        )?;
        self.max_elements = new_size;
        Ok(())
    }

    /// The size of the file [`HnswIndex::save_index`] writes (hnswlib's
    /// `index_file_size`).
    pub fn index_file_size(&self) -> usize {
        crate::file::HEADER_BYTES
            + self.count * self.record_words() * 4
            + self.count * 4
            + self.upper.len() * 4
    }

    /// Turns off (or back on) the prefetching of the vectors of an expanded
    /// element's unvisited neighbours during searches (on by default): for
    /// measuring what it gains. Results are the same either way.
    pub fn set_prefetch(&mut self, on: bool) {
        self.prefetch = on;
    }

    /// The name of the distance kernels in use.
    pub fn kernels_name(&self) -> &'static str {
        self.kernels.name
    }
}
