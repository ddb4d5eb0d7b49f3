//! Building a forest as Annoy 1.17.3 builds each tree (`_make_tree`,
//! `two_means`, `create_split`), trees in parallel, then laying the nodes
//! out as Annoy's file: items, the trees' nodes, a copy of every root.
//!
//! Tree `t` draws from its own generator, `Kiss64(seed + t)` — the stream
//! Annoy gives thread `t` — so the forest depends on the seed only, never on
//! the thread count or on which thread built which tree. Hence also
//! [`extend`]: growing a forest of `n` trees by `m` more gives, byte for
//! byte, the forest of `n + m` trees.
//!
//! - [`input`]: the items and what the metric precomputes over them;
//! - [`tree`]: growing one tree;
//! - [`layout`]: the nodes of all trees laid out as Annoy's file.

mod input;
mod layout;
mod tree;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::Items;
use crate::metric::Metric;
use crate::storage::IndexWriter;

use input::Input;
use layout::{Layout, NodeSink};
use tree::{Builder, Tree};

/// How a build runs: trees, threads, seed, progress.
pub(crate) struct Plan<'a> {
    pub n_trees: usize,
    pub threads: Option<usize>,
    pub seed: u64,
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

/// Builds the forest over `items` in memory. Memory: the forest, a copy
/// of the vectors, and about one tree per thread in flight.
pub(crate) fn build(items: &Items, metric: Metric, plan: &Plan<'_>) -> Result<Forest<Storage>> {
    let input = Input::from_items(items, metric)?;
    check(plan, &input)?;
    let mut words = Vec::new();
    let roots = lay_out(Layout::new(&input, &mut words)?, &input, plan, 0)?;
    words.shrink_to_fit();
    Ok(Forest::from_built(
        words,
        input.layout,
        input.n_items(),
        roots,
    ))
}

/// Builds the forest over `items` straight into the index file `path`
/// (Annoy's `on_disk_build`): nodes are written as the trees are finished,
/// to a temporary file renamed to `path` at the end, so the forest is never
/// in memory. Returns the roots (the file's last nodes are their copies).
pub(crate) fn build_to_file(
    items: &Items,
    metric: Metric,
    plan: &Plan<'_>,
    path: &Path,
) -> Result<Vec<u32>> {
    let input = Input::from_items(items, metric)?;
    check(plan, &input)?;
    let mut file = IndexWriter::create(path)?;
    let roots = lay_out(Layout::new(&input, &mut file)?, &input, plan, 0)?;
    file.commit()?;
    Ok(roots)
}

/// Adds `plan.n_trees` trees to `forest` (built with `plan.seed`), as
/// trees `forest.n_trees()...` of one build: the result equals the forest
/// built with all the trees at once. On error `forest` is unchanged.
pub(crate) fn extend(forest: &mut Forest<Storage>, plan: &Plan<'_>) -> Result<()> {
    forest.check_root_copies()?;
    let input = Input::from_forest(forest)?;
    check(plan, &input)?;
    let first = forest.n_trees();
    let nw = input.layout.node_words;
    forest.rebuild_with(|words, roots| {
        // The forest ends with a copy of each root: they are rewritten
        // after the new trees.
        let trees_end = words.len() - roots.len() * nw;
        let root_nodes = words[trees_end..].to_vec();
        words.truncate(trees_end);
        let layout = Layout::resume(
            &input,
            words,
            trees_end / nw,
            roots.clone(),
            root_nodes.clone(),
        );
        match lay_out(layout, &input, plan, first) {
            Ok(all_roots) => {
                *roots = all_roots;
                Ok(())
            }
            Err(e) => {
                // Back to the old forest (within its old capacity).
                words.truncate(trees_end);
                words.extend_from_slice(&root_nodes);
                Err(e)
            }
        }
    })
}

/// Grows the plan's trees into `layout` and finishes it; returns the roots.
fn lay_out<S: NodeSink + Send>(
    mut layout: Layout<'_, S>,
    input: &Input,
    plan: &Plan<'_>,
    first: usize,
) -> Result<Vec<u32>> {
    grow(input, plan, first, |tree| layout.add_tree(tree))?;
    layout.finish()
}

/// Checks the tree count and that there are items.
fn check(plan: &Plan<'_>, input: &Input) -> Result<()> {
    if plan.n_trees == 0 {
        return Err(Error::ZeroTrees);
    }
    if input.ids.is_empty() {
        return Err(Error::Empty);
    }
    Ok(())
}

/// Grows trees `first..first + plan.n_trees` on the plan's threads and
/// hands each to `sink` in tree order, as soon as the trees before it have
/// been handed over. Threads take the next tree number when they finish
/// one, so only about one tree per thread waits for its turn. Stops at the
/// first error of `sink`.
fn grow(
    input: &Input,
    plan: &Plan<'_>,
    first: usize,
    sink: impl FnMut(Tree) -> Result<()> + Send,
) -> Result<()> {
    let end = first + plan.n_trees;
    let (next, done, failed) = (
        AtomicUsize::new(first),
        AtomicUsize::new(0),
        AtomicBool::new(false),
    );
    let order = Mutex::new(InOrder {
        next: first,
        waiting: BTreeMap::new(),
        sink,
        result: Ok(()),
    });
    let work = || {
        let mut builder = Builder::new(input);
        while !failed.load(Ordering::Relaxed) {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= end {
                break;
            }
            let tree = builder.grow(plan.seed.wrapping_add(t as u64));
            (plan.progress)(done.fetch_add(1, Ordering::Relaxed) + 1, plan.n_trees);
            let mut order = order.lock().unwrap_or_else(PoisonError::into_inner);
            if !order.put(t, tree) {
                failed.store(true, Ordering::Relaxed);
            }
        }
    };
    let run = || {
        rayon::scope(|scope| {
            for _ in 0..rayon::current_num_threads().min(plan.n_trees) {
                scope.spawn(|_| work());
            }
        })
    };
    match plan.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|source| Error::ThreadPool { threads, source })?
            .install(run),
        None => run(),
    }
    order
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .result
}

/// Trees finished out of order wait here until the ones before them have
/// been handed to the sink.
struct InOrder<F> {
    next: usize,
    waiting: BTreeMap<usize, Tree>,
    sink: F,
    result: Result<()>,
}

impl<F: FnMut(Tree) -> Result<()>> InOrder<F> {
    /// Takes tree `t`, hands over every tree now in order; false once the
    /// sink has failed.
    fn put(&mut self, t: usize, tree: Tree) -> bool {
        if self.result.is_err() {
            return false;
        }
        self.waiting.insert(t, tree);
        while let Some(tree) = self.waiting.remove(&self.next) {
            if let Err(e) = (self.sink)(tree) {
                self.result = Err(e);
                self.waiting.clear();
                return false;
            }
            self.next += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: usize, dim: usize) -> Input {
        let mut items = Items::new(dim);
        // A fixed pseudo-random set (an LCG), enough for trees of a few levels.
        let mut state = 12345u64;
        let rows: Vec<f32> = (0..n * dim)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect();
        items.extend(&rows).expect("valid rows");
        Input::from_items(&items, Metric::Angular).expect("memory for the copy")
    }

    fn plan(n_trees: usize, threads: usize) -> Plan<'static> {
        Plan {
            n_trees,
            threads: Some(threads),
            seed: 7,
            progress: &|_, _| {},
        }
    }

    /// Each tree as the sink received it.
    fn grown(input: &Input, plan: &Plan<'_>) -> Vec<Vec<u32>> {
        let mut trees = Vec::new();
        grow(input, plan, 0, |tree| {
            trees.push(tree.words);
            Ok(())
        })
        .expect("no sink error");
        trees
    }

    #[test]
    fn trees_reach_the_sink_in_tree_order_whatever_the_threads() {
        let input = input(600, 8);
        let one = grown(&input, &plan(9, 1));
        assert_eq!(one.len(), 9);
        // Trees differ from each other, so the order is observable.
        assert!(one.windows(2).all(|w| w[0] != w[1]));
        for threads in [2, 3, 16] {
            assert_eq!(grown(&input, &plan(9, threads)), one, "{threads} threads");
        }
    }

    #[test]
    fn a_sink_error_stops_the_build_and_is_returned() {
        let input = input(300, 4);
        for threads in [1, 3] {
            let mut handed = 0;
            let result = grow(&input, &plan(40, threads), 0, |_| {
                handed += 1;
                if handed == 3 {
                    Err(Error::OutOfMemory { bytes: 1 })
                } else {
                    Ok(())
                }
            });
            assert!(matches!(result, Err(Error::OutOfMemory { bytes: 1 })));
            assert_eq!(handed, 3, "{threads} threads: no tree after the error");
        }
    }
}
