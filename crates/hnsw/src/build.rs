//! Insertion: hnswlib's `addPoint`, run in deterministic batches.
//!
//! hnswlib inserts elements concurrently under per-element locks, so its
//! graph depends on thread timing. Here elements are inserted in batches
//! whose size depends only on how many elements the graph already holds:
//! every element of a batch searches the graph as it was before the batch
//! (in parallel, read-only), and also considers the batch's earlier
//! elements directly as candidates (so none is blind to its neighbours in
//! the batch); then the links are applied in element order, the back-links
//! of each old element pruned by hnswlib's heuristic, one element's list per
//! task. Nothing depends on the thread count: a seed gives the same graph on
//! any number of threads. A batch of one element is exactly hnswlib's
//! `addPoint`.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::index::{check_range, Cand, HnswIndex, MAX_LEVEL};

/// The largest batch.
const MAX_BATCH: usize = 256;

/// A batch's size when the graph holds `n` elements: one element at a time
/// while the graph is small, up to [`MAX_BATCH`] once it holds 32 times as
/// many.
fn batch_size(n: usize) -> usize {
    (n / 32).clamp(1, MAX_BATCH)
}

/// Where a build or a batch of queries runs, for a thread count (0: all
/// cores).
pub(crate) enum Runner {
    /// On the calling thread, without a pool (one thread).
    Caller,
    /// On the current rayon pool (the global one unless the caller is in
    /// a pool of its own): "all cores".
    Current,
    /// On a pool of this many threads, kept by the index.
    Pool(std::sync::Arc<rayon::ThreadPool>),
}

impl Runner {
    /// Runs `f`, telling it whether to split its work between threads.
    pub(crate) fn run<R: Send>(&self, f: impl FnOnce(bool) -> R + Send) -> R {
        match self {
            Runner::Caller => f(false),
            Runner::Current => f(true),
            Runner::Pool(pool) => pool.install(|| f(true)),
        }
    }
}

/// The pool an index keeps for a thread count above one, made on first use
/// and kept until another count is asked for: one-at-a-time `add_items`
/// calls (as from Python) do not start threads on every call.
#[derive(Debug, Default)]
pub(crate) struct PoolCache(std::sync::Mutex<Option<(usize, std::sync::Arc<rayon::ThreadPool>)>>);

impl PoolCache {
    /// The runner for `threads` (0: all cores, 1: the calling thread).
    pub(crate) fn runner(&self, threads: usize) -> Result<Runner> {
        check_range("num_threads", threads, 0, 1024, "0 (all cores) to 1,024")?;
        match threads {
            0 => return Ok(Runner::Current),
            1 => return Ok(Runner::Caller),
            _ => {}
        }
        let mut cached = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((n, pool)) = cached.as_ref() {
            if *n == threads {
                return Ok(Runner::Pool(pool.clone()));
            }
        }
        let pool = std::sync::Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::Threads {
                    threads,
                    message: e.to_string(),
                })?,
        );
        *cached = Some((threads, pool.clone()));
        Ok(Runner::Pool(pool))
    }

    /// Whether a pool is kept, and of how many threads (for tests).
    #[cfg(test)]
    pub(crate) fn kept(&self) -> Option<(usize, std::sync::Arc<rayon::ThreadPool>)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// SplitMix64: one well-mixed 64-bit value per input.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The level of internal id `id`: hnswlib's `floor(-ln(U) · mult)` with `U`
/// uniform on (0, 1] drawn from the seed and the id alone (hnswlib draws
/// from one generator in insertion order), capped at [`MAX_LEVEL`].
pub(crate) fn random_level(seed: u64, id: u64, mult: f64) -> usize {
    let bits = splitmix64(splitmix64(seed) ^ id);
    let u = ((bits >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
    let level = (-u.ln() * mult).floor();
    if level.is_finite() && level >= 0.0 {
        (level as usize).min(MAX_LEVEL)
    } else {
        0
    }
}

/// What one new element's search found: per level from its top (capped
/// at the graph's) down to 0, its chosen neighbours in hnswlib's write order.
struct Found {
    id: u32,
    per_level: Vec<(usize, Vec<u32>)>,
}

impl HnswIndex {
    /// Adds the rows of the row-major `data` with `ids` as labels (default:
    /// `count, count + 1, ...`, hnswlib's running counter), on
    /// [`HnswIndex::set_num_threads`] threads. Vectors are normalised first in
    /// the cosine space. A label already present is [`Error::LabelExists`]
    /// (hnswlib would update that element, as
    /// [`HnswIndex::add_or_update_items`] does); nothing is added when any
    /// row is refused.
    pub fn add_items(&mut self, data: &[f32], ids: Option<&[u64]>) -> Result<()> {
        self.add_items_with(data, ids, |_, _| {})
    }

    /// [`HnswIndex::add_items`], calling `progress(done, total)` after each
    /// batch.
    pub fn add_items_with(
        &mut self,
        data: &[f32],
        ids: Option<&[u64]>,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<()> {
        if !data.len().is_multiple_of(self.dim) {
            return Err(Error::Dimension {
                expected: self.dim,
                found: data.len(),
            });
        }
        let rows = data.len() / self.dim;
        if let Some(ids) = ids {
            if ids.len() != rows {
                return Err(Error::IdCount {
                    rows,
                    ids: ids.len(),
                });
            }
        }
        if self.count + rows > self.max_elements {
            return Err(Error::Capacity {
                count: self.count,
                adding: rows,
                max_elements: self.max_elements,
            });
        }
        if let Some(row) = data
            .chunks_exact(self.dim)
            .position(|r| r.iter().any(|x| !x.is_finite()))
        {
            return Err(Error::NonFinite { row });
        }
        let label = |row: usize| ids.map_or((self.count + row) as u64, |ids| ids[row]);
        let mut seen = hashbrown::HashSet::with_capacity(rows);
        for row in 0..rows {
            let l = label(row);
            if self.label_lookup.contains_key(&l) || !seen.insert(l) {
                return Err(Error::LabelExists(l));
            }
        }
        let labels: Vec<u64> = (0..rows).map(label).collect();
        let runner = self.pools.runner(self.num_threads)?;
        let first = self.count;
        let mut row = 0;
        while row < rows {
            let graph = self.count;
            let mut size = batch_size(graph).min(rows - row);
            // An element above the top level (or the very first) goes alone:
            // it becomes the entry point.
            for j in 0..size {
                let level = random_level(self.seed, (graph + j) as u64, self.mult);
                if self.enter_point.is_none() || level > self.max_level {
                    size = j.max(1);
                    break;
                }
            }
            let batch = &data[row * self.dim..(row + size) * self.dim];
            self.append(batch, &labels[row..row + size]);
            runner.run(|parallel| self.link_batch(first + row, size, parallel));
            row += size;
            progress(row, rows);
        }
        Ok(())
    }

    /// Stores `size` new elements (vectors, labels, levels, empty links).
    fn append(&mut self, rows: &[f32], labels: &[u64]) {
        let record = self.record_words();
        let upper_words = self.upper_words();
        let (dim, max_m0) = (self.dim, self.max_m0);
        let normalize = self.space.normalizes();
        for (j, (row, &label)) in rows.chunks_exact(dim).zip(labels).enumerate() {
            let id = self.count + j;
            let level = random_level(self.seed, id as u64, self.mult);
            self.levels.push(level as u8);
            self.upper_start.push(self.upper.len());
            self.upper.resize(self.upper.len() + level * upper_words, 0);
            self.label_lookup.insert(label, id as u32);
            let words = self.level0.make_mut();
            let base = words.len();
            words.resize(base + record, 0);
            let v: &mut [f32] =
                bytemuck::cast_slice_mut(&mut words[base + 1 + max_m0..base + 1 + max_m0 + dim]);
            if normalize {
                crate::space::normalize_into(row, v);
            } else {
                v.copy_from_slice(row);
            }
            words[base + 1 + max_m0 + dim] = label as u32;
            words[base + 2 + max_m0 + dim] = (label >> 32) as u32;
        }
        self.count += labels.len();
    }

    /// Links the stored elements `first..first + size` into the graph,
    /// splitting the work between the current pool's threads if `parallel`
    /// (the graph is the same either way).
    fn link_batch(&mut self, first: usize, size: usize, parallel: bool) {
        let Some(ep) = self.enter_point else {
            // The first element: the entry point, no links.
            self.enter_point = Some(first as u32);
            self.max_level = usize::from(self.levels[first]);
            return;
        };
        let search = |id: usize| self.search_for(id as u32, ep, first as u32);
        let found: Vec<Found> = if parallel && size > 1 {
            (first..first + size).into_par_iter().map(search).collect()
        } else {
            (first..first + size).map(search).collect()
        };
        // Each new element's own lists.
        let mut back: Vec<(u32, usize, u32)> = Vec::new();
        for f in &found {
            for (level, links) in &f.per_level {
                self.set_links(f.id, *level, links);
                back.extend(links.iter().map(|&n| (n, *level, f.id)));
            }
        }
        // Back-links, grouped by (neighbour, level), new elements in order.
        back.sort_unstable();
        let groups: Vec<&[(u32, usize, u32)]> =
            back.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1).collect();
        let relink = |group: &&[(u32, usize, u32)]| {
            let (target, level) = (group[0].0, group[0].1);
            let words = self.level0.words();
            let mut list = self.links(words, target, level).to_vec();
            let cap = if level == 0 { self.max_m0 } else { self.max_m };
            for &(_, _, new) in group.iter() {
                if list.len() < cap {
                    list.push(new);
                } else {
                    let base = self.vector(words, target);
                    let mut cands: Vec<Cand> = list
                        .iter()
                        .chain(std::iter::once(&new))
                        .map(|&n| Cand {
                            dist: self.distance(self.vector(words, n), base),
                            id: n,
                        })
                        .collect();
                    list = self.heuristic(words, &mut cands, cap);
                }
            }
            (target, level, list)
        };
        let updated: Vec<(u32, usize, Vec<u32>)> = if parallel && groups.len() > 1 {
            groups.par_iter().map(relink).collect()
        } else {
            groups.iter().map(relink).collect()
        };
        for (target, level, list) in updated {
            self.set_links(target, level, &list);
        }
        // A single element above the top level becomes the entry point.
        if size == 1 && usize::from(self.levels[first]) > self.max_level {
            self.enter_point = Some(first as u32);
            self.max_level = usize::from(self.levels[first]);
        }
    }

    /// hnswlib's `addPoint` search for stored element `id` against the graph
    /// as it was before the batch starting at `batch_start`, plus that
    /// batch's earlier elements as direct candidates.
    fn search_for(&self, id: u32, ep: u32, batch_start: u32) -> Found {
        let words = self.level0.words();
        let query = self.vector(words, id);
        let level = usize::from(self.levels[id as usize]);
        let mut cur = Cand {
            dist: self.distance(query, self.vector(words, ep)),
            id: ep,
        };
        for l in ((level + 1)..=self.max_level).rev() {
            cur = self.greedy(words, query, cur, l);
        }
        let ep_deleted = self.is_deleted(words, ep);
        let mut scratch = self.take_scratch();
        let mut per_level = Vec::new();
        for l in (0..=level.min(self.max_level)).rev() {
            let accept = |n: u32| !self.is_deleted(words, n);
            self.search_layer(
                words,
                &mut scratch,
                query,
                cur.id,
                l,
                self.ef_construction,
                false,
                accept,
            );
            let mut cands: Vec<Cand> = scratch.top.drain().collect();
            if ep_deleted {
                cands.push(Cand {
                    dist: self.distance(query, self.vector(words, ep)),
                    id: ep,
                });
            }
            // The next level starts from the nearest element of the graph.
            if let Some(nearest) = cands.iter().min() {
                cur = *nearest;
            }
            for peer in batch_start..id {
                if usize::from(self.levels[peer as usize]) >= l && !self.is_deleted(words, peer) {
                    cands.push(Cand {
                        dist: self.distance(query, self.vector(words, peer)),
                        id: peer,
                    });
                }
            }
            if cands.len() > self.ef_construction {
                cands.sort_unstable();
                cands.truncate(self.ef_construction);
            }
            per_level.push((l, self.heuristic(words, &mut cands, self.m)));
        }
        self.give_scratch(scratch);
        Found { id, per_level }
    }

    /// hnswlib's `getNeighborsByHeuristic2`: from `cands` (distances to a
    /// base element), nearest first, keep one only if it is closer to the
    /// base than to every one kept already, up to `m`; fewer than `m`
    /// candidates are all kept. Returns them farthest first, the order in
    /// which hnswlib writes a list.
    pub(crate) fn heuristic(&self, words: &[u32], cands: &mut [Cand], m: usize) -> Vec<u32> {
        cands.sort_unstable();
        if cands.len() < m {
            return cands.iter().rev().map(|c| c.id).collect();
        }
        let mut kept: Vec<Cand> = Vec::with_capacity(m);
        for &c in cands.iter() {
            if kept.len() >= m {
                break;
            }
            let v = self.vector(words, c.id);
            let good = kept
                .iter()
                .all(|k| self.distance(self.vector(words, k.id), v) >= c.dist);
            if good {
                kept.push(c);
            }
        }
        kept.iter().rev().map(|c| c.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_hnswlibs_distribution() {
        let mult = 1.0 / 16f64.ln();
        let n = 200_000;
        let above: usize = (0..n)
            .filter(|&id| random_level(100, id, mult) >= 1)
            .count();
        // P(level >= 1) = 1/M.
        let share = above as f64 / n as f64;
        assert!((share - 1.0 / 16.0).abs() < 0.003, "{share}");
        assert_eq!(random_level(7, 3, mult), random_level(7, 3, mult));
    }

    /// Rows on a circle, `n` of them, three dimensions.
    fn rows(n: usize) -> Vec<f32> {
        (0..n)
            .flat_map(|i| {
                let a = i as f32 * 0.37;
                [a.cos(), a.sin(), (a * 0.5).cos()]
            })
            .collect()
    }

    fn one_at_a_time(threads: usize, n: usize) -> HnswIndex {
        let params = crate::Params::default().max_elements(n).m(6);
        let mut index = HnswIndex::new(crate::Space::L2, 3, params).unwrap();
        index.set_num_threads(threads);
        let data = rows(n);
        let mut kept = None;
        for row in data.chunks_exact(3) {
            index.add_items(row, None).unwrap();
            let now = index.pools.kept();
            if threads > 1 {
                // One pool for every call, made by the first.
                let (count, pool) = now.clone().expect("a kept pool");
                assert_eq!(count, threads);
                let first = kept.get_or_insert_with(|| pool.clone());
                assert!(std::sync::Arc::ptr_eq(first, &pool), "a new pool per call");
            } else {
                assert!(now.is_none(), "{threads} thread(s) made a pool");
            }
        }
        index
    }

    fn graph(index: &HnswIndex) -> Vec<u8> {
        let mut out = Vec::new();
        index.write_to(&mut out).unwrap();
        out
    }

    #[test]
    fn one_thread_adds_make_no_pool_and_more_threads_keep_one() {
        let alone = one_at_a_time(1, 300);
        assert_eq!(graph(&alone), graph(&one_at_a_time(2, 300)));
        assert_eq!(graph(&alone), graph(&one_at_a_time(0, 300)));
        // Batch queries: one thread makes no pool either; a count change
        // replaces the kept pool.
        let queries = rows(20);
        let on_caller = alone.knn_query_batch(&queries, 3, 1).unwrap();
        assert!(alone.pools.kept().is_none());
        assert_eq!(on_caller, alone.knn_query_batch(&queries, 3, 3).unwrap());
        assert_eq!(alone.pools.kept().map(|(n, _)| n), Some(3));
        assert_eq!(on_caller, alone.knn_query_batch(&queries, 3, 0).unwrap());
        assert_eq!(on_caller, alone.knn_query_batch(&queries, 3, 2).unwrap());
        assert_eq!(alone.pools.kept().map(|(n, _)| n), Some(2));
    }

    #[test]
    fn batches_grow_with_the_graph() {
        assert_eq!(batch_size(0), 1);
        assert_eq!(batch_size(64), 2);
        assert_eq!(batch_size(1 << 20), MAX_BATCH);
    }
}
