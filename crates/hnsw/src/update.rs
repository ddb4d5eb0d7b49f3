//! hnswlib's updates: adding a label that is already present replaces its
//! vector and repairs the graph around it (`updatePoint`), and with
//! `allow_replace_deleted` a new label may take over a deleted element's
//! slot (`addPoint(..., replace_deleted)`).
//!
//! [`HnswIndex::add_or_update_items`] is hnswlib's `add_items` with these
//! semantics; [`HnswIndex::add_items`] stays the strict form that refuses
//! known labels.

use hashbrown::HashSet;

use crate::error::{Error, Result};
use crate::index::{Cand, HnswIndex};

/// What one row of [`HnswIndex::add_or_update_items`] does.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// A new element (added in one batch with the others).
    New,
    /// Takes over the deleted element with this internal id.
    Replace(u32),
    /// Updates the element holding the row's label once the new ones exist.
    Update,
}

impl HnswIndex {
    /// Allows (or forbids) [`HnswIndex::add_or_update_items`] to reuse the
    /// slots of deleted elements (hnswlib's `allow_replace_deleted`, given
    /// to `init_index` or `load_index`; off by default). While it is on, a
    /// deleted element cannot be updated through its label.
    pub fn set_allow_replace_deleted(&mut self, allow: bool) {
        self.allow_replace_deleted = allow;
    }

    /// Whether deleted elements' slots may be reused.
    pub fn allow_replace_deleted(&self) -> bool {
        self.allow_replace_deleted
    }

    /// hnswlib's `add_items(data, ids, replace_deleted)`: each row of the
    /// row-major `data` gets the label `ids[row]`, in row order:
    ///
    /// - a label already in the index has its vector replaced and the graph
    ///   repaired around it (hnswlib's `updatePoint` with update probability
    ///   1); a deleted element is undeleted first, and refused with
    ///   [`Error::UpdateDeleted`] when replacement of deleted elements is
    ///   allowed, as in hnswlib;
    /// - else, with `replace_deleted`, a deleted element (the lowest
    ///   internal id first) takes the new label and vector: its old label
    ///   leaves the index ([`Error::ReplaceDisabled`] unless
    ///   [`HnswIndex::set_allow_replace_deleted`]);
    /// - else the row is a new element, inserted as [`HnswIndex::add_items`]
    ///   does (all of them in one deterministic parallel batch).
    ///
    /// A label repeated within the call is updated by its later rows. Every
    /// check (dimension, ids, finite values, capacity, the two errors
    /// above) is made before anything changes: a refused call leaves the
    /// index as it was (hnswlib may stop half way).
    pub fn add_or_update_items(
        &mut self,
        data: &[f32],
        ids: &[u64],
        replace_deleted: bool,
    ) -> Result<()> {
        if !data.len().is_multiple_of(self.dim) {
            return Err(Error::Dimension {
                expected: self.dim,
                found: data.len(),
            });
        }
        let rows = data.len() / self.dim;
        if ids.len() != rows {
            return Err(Error::IdCount {
                rows,
                ids: ids.len(),
            });
        }
        if replace_deleted && !self.allow_replace_deleted {
            return Err(Error::ReplaceDisabled);
        }
        if let Some(row) = data
            .chunks_exact(self.dim)
            .position(|r| r.iter().any(|x| !x.is_finite()))
        {
            return Err(Error::NonFinite { row });
        }
        let ops = self.plan(ids, replace_deleted)?;
        let dim = self.dim;
        let rows_of = |row: usize| &data[row * dim..(row + 1) * dim];
        // 1. Deleted slots taken over by new labels.
        for (row, op) in ops.iter().enumerate() {
            if let Op::Replace(id) = *op {
                self.relabel(id, ids[row]);
                self.clear_deleted(id);
                self.update_point(id, rows_of(row));
            }
        }
        // 2. New elements, in one batch.
        let new_rows: Vec<usize> = (0..rows)
            .filter(|&row| matches!(ops[row], Op::New))
            .collect();
        if !new_rows.is_empty() {
            let mut new_data = Vec::with_capacity(new_rows.len() * dim);
            for &row in &new_rows {
                new_data.extend_from_slice(rows_of(row));
            }
            let new_ids: Vec<u64> = new_rows.iter().map(|&row| ids[row]).collect();
            self.add_items(&new_data, Some(&new_ids))?;
        }
        // 3. Updates, in row order (the last row of a label wins).
        for (row, op) in ops.iter().enumerate() {
            if let Op::Update = *op {
                let id = self.label_lookup[&ids[row]];
                self.clear_deleted(id);
                self.update_point(id, rows_of(row));
            }
        }
        Ok(())
    }

    /// Decides each row's fate without changing anything, and checks the
    /// capacity and the refusals.
    fn plan(&self, ids: &[u64], replace_deleted: bool) -> Result<Vec<Op>> {
        let words = self.level0.words();
        // Deleted slots, lowest id last so that `pop` takes it first.
        let mut vacant: Vec<u32> = if replace_deleted && self.num_deleted > 0 {
            (0..self.count as u32)
                .rev()
                .filter(|&id| self.is_deleted(words, id))
                .collect()
        } else {
            Vec::new()
        };
        // Labels given a slot by earlier rows of this call, and labels whose
        // slot was taken over (they are no longer in the index).
        let mut placed: HashSet<u64> = HashSet::new();
        let mut freed: HashSet<u64> = HashSet::new();
        let mut new = 0usize;
        let mut ops = Vec::with_capacity(ids.len());
        for &label in ids {
            let existing = self
                .label_lookup
                .get(&label)
                .copied()
                .filter(|_| !freed.contains(&label));
            let op = if placed.contains(&label) {
                Op::Update
            } else if let Some(id) = existing {
                if self.allow_replace_deleted && self.is_deleted(words, id) {
                    return Err(Error::UpdateDeleted(label));
                }
                Op::Update
            } else if let Some(id) = vacant.pop() {
                freed.insert(self.label_of(words, id));
                Op::Replace(id)
            } else {
                new += 1;
                Op::New
            };
            if !matches!(op, Op::Update) {
                placed.insert(label);
            }
            ops.push(op);
        }
        if self.count + new > self.max_elements {
            return Err(Error::Capacity {
                count: self.count,
                adding: new,
                max_elements: self.max_elements,
            });
        }
        Ok(ops)
    }

    /// Gives internal id `id` the label `label` (its old label leaves).
    fn relabel(&mut self, id: u32, label: u64) {
        let old = self.label_of(self.level0.words(), id);
        self.label_lookup.remove(&old);
        self.label_lookup.insert(label, id);
        let at = id as usize * self.record_words() + 1 + self.max_m0 + self.dim;
        let words = self.level0.make_mut();
        words[at] = label as u32;
        words[at + 1] = (label >> 32) as u32;
    }

    /// Clears the deleted mark of `id`, if set.
    fn clear_deleted(&mut self, id: u32) {
        if self.is_deleted(self.level0.words(), id) {
            let at = id as usize * self.record_words();
            self.level0.make_mut()[at] &= !(1 << 16);
            self.num_deleted -= 1;
        }
    }

    /// hnswlib's `updatePoint(data, id, 1.0)`: stores the new vector, then
    /// on each of the element's levels re-chooses the links of its
    /// neighbours among their two-hop neighbourhood through it, and finally
    /// searches the element's own neighbours again from the entry point
    /// and links both ways (`repairConnectionsForUpdate`).
    fn update_point(&mut self, id: u32, vector: &[f32]) {
        let prepared = self.prepare(vector);
        let at = id as usize * self.record_words() + 1 + self.max_m0;
        let dim = self.dim;
        let words = self.level0.make_mut();
        words[at..at + dim].copy_from_slice(bytemuck::cast_slice(&prepared));
        let Some(ep) = self.enter_point else {
            return;
        };
        if ep == id && self.count == 1 {
            return;
        }
        let top = usize::from(self.levels[id as usize]);
        for level in 0..=top {
            let words = self.level0.words();
            let one_hop = self.links(words, id, level).to_vec();
            if one_hop.is_empty() {
                continue;
            }
            let mut cands: Vec<u32> = vec![id];
            for &n in &one_hop {
                cands.push(n);
                cands.extend_from_slice(self.links(words, n, level));
            }
            cands.sort_unstable();
            cands.dedup();
            let cap = if level == 0 { self.max_m0 } else { self.max_m };
            let relinked: Vec<(u32, Vec<u32>)> = one_hop
                .iter()
                .map(|&n| {
                    let base = self.vector(words, n);
                    let mut near: Vec<Cand> = cands
                        .iter()
                        .filter(|&&c| c != n)
                        .map(|&c| Cand {
                            dist: self.distance(base, self.vector(words, c)),
                            id: c,
                        })
                        .collect();
                    near.sort_unstable();
                    near.truncate(self.ef_construction);
                    (n, self.heuristic(words, &mut near, cap))
                })
                .collect();
            for (n, list) in relinked {
                self.set_links(n, level, &list);
            }
        }
        self.repair_for_update(id, ep, top, &prepared);
    }

    /// hnswlib's `repairConnectionsForUpdate`: greedy descent to the
    /// element's top level, then on each of its levels a beam search of
    /// `ef_construction`, new links chosen by the heuristic and back-links
    /// added (or lists pruned) as for an insertion.
    fn repair_for_update(&mut self, id: u32, ep: u32, top: usize, query: &[f32]) {
        let mut cur = {
            let words = self.level0.words();
            let mut cur = Cand {
                dist: self.distance(query, self.vector(words, ep)),
                id: ep,
            };
            for level in ((top + 1)..=self.max_level).rev() {
                cur = self.greedy(words, query, cur, level);
            }
            cur
        };
        for level in (0..=top.min(self.max_level)).rev() {
            let words = self.level0.words();
            let mut scratch = self.take_scratch();
            let accept = |n: u32| !self.is_deleted(words, n);
            self.search_layer(
                words,
                &mut scratch,
                query,
                cur.id,
                level,
                self.ef_construction,
                false,
                accept,
            );
            let mut cands: Vec<Cand> = scratch.top.drain().filter(|c| c.id != id).collect();
            self.give_scratch(scratch);
            if cands.is_empty() {
                continue;
            }
            if ep != id && self.is_deleted(words, ep) {
                cands.push(Cand {
                    dist: self.distance(query, self.vector(words, ep)),
                    id: ep,
                });
                cands.sort_unstable();
                cands.truncate(self.ef_construction);
            }
            let chosen = self.heuristic(words, &mut cands, self.m);
            // The nearest chosen element (written last) starts the next level.
            if let Some(&nearest) = chosen.last() {
                cur = Cand {
                    dist: self.distance(query, self.vector(words, nearest)),
                    id: nearest,
                };
            }
            let cap = if level == 0 { self.max_m0 } else { self.max_m };
            let back: Vec<(u32, Option<Vec<u32>>)> = chosen
                .iter()
                .map(|&n| {
                    let list = self.links(words, n, level);
                    if list.contains(&id) {
                        (n, None)
                    } else if list.len() < cap {
                        let mut list = list.to_vec();
                        list.push(id);
                        (n, Some(list))
                    } else {
                        let base = self.vector(words, n);
                        let mut near: Vec<Cand> = list
                            .iter()
                            .chain(std::iter::once(&id))
                            .map(|&c| Cand {
                                dist: self.distance(self.vector(words, c), base),
                                id: c,
                            })
                            .collect();
                        (n, Some(self.heuristic(words, &mut near, cap)))
                    }
                })
                .collect();
            self.set_links(id, level, &chosen);
            for (n, list) in back {
                if let Some(list) = list {
                    self.set_links(n, level, &list);
                }
            }
        }
    }
}
