//! Building a forest as Annoy 1.17.3 builds each tree (`_make_tree`,
//! `two_means`, `create_split`), trees in parallel, laying the nodes out as
//! Annoy's file as the trees are finished: items, the trees' nodes in tree
//! order, a copy of every root; in memory, or into the file of an on-disk
//! build.
//!
//! Tree `t` draws from its own generator, `Kiss64(seed + t)` — the stream
//! Annoy gives thread `t` — so the forest depends on the seed only, never on
//! the thread count or on which thread built which tree. Hence also
//! [`extend`]: growing a forest of `n` trees by `m` more gives, byte for
//! byte, the forest of `n + m` trees.
//!
//! - [`input`]: the items and what the metric precomputes over them;
//! - [`tree`]: growing one tree;
//! - [`layout`]: the nodes laid out as Annoy's file, into a node sink.

mod input;
mod layout;
mod tree;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::{Items, MAX_ITEMS};
use crate::metric::Metric;
use crate::storage::{self, IndexWriter, LoadOptions};

use input::Input;
use layout::{Layout, NodeSink};
use tree::{Builder, Tree};

/// The most build threads a plan may ask for: more than any machine this
/// runs on has cores (each thread also holds trees in flight).
pub const MAX_THREADS: usize = 1024;

/// How a build runs: trees, threads, seed, progress.
pub(crate) struct Plan<'a> {
    pub n_trees: usize,
    pub threads: Option<usize>,
    pub seed: u64,
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

/// Builds the forest over `items` in memory, taking them so that the
/// vectors are held once: the item nodes are laid out first, the items are
/// dropped, and the trees read the vectors in place from the item nodes
/// and are laid out apart, then appended. Memory: the forest, one more
/// copy of its trees at the end, and at most three trees per thread in
/// flight. (Hamming's items, packed into bits, are a 32nd of the item
/// nodes: its trees read a packed copy.) `items` is left empty; on error
/// the items are put back, read again from their nodes if they were
/// already dropped.
pub(crate) fn build(slot: &mut Items, metric: Metric, plan: &Plan<'_>) -> Result<Forest<Storage>> {
    let items = std::mem::take(slot);
    let mut words = Vec::new();
    // Item nodes first (or, for Hamming, the whole forest), from the items.
    let first = (|| {
        let input = Input::from_items(&items, metric)?;
        check(plan, &input, input.n_items())?;
        let layout = Layout::new(&input, &mut words)?;
        let roots = match metric {
            Metric::Hamming => Some(lay_out(layout, &input, plan, 0)?),
            _ => None,
        };
        Ok((input.layout, input.n_items(), roots))
    })();
    let (layout, n_items, dim) = match first {
        Ok((layout, n_items, Some(roots))) => {
            words.shrink_to_fit();
            return Ok(Forest::from_built(words, layout, n_items, roots));
        }
        Ok((layout, n_items, None)) => (layout, n_items, items.dim()),
        Err(error) => {
            *slot = items;
            return Err(error);
        }
    };
    drop(items);
    let grown = (|| {
        let input = Input::from_nodes(&words, layout, n_items);
        let mut trees = Vec::new();
        let roots = lay_out(
            Layout::resume(&input, &mut trees, n_items, Vec::new(), Vec::new()),
            &input,
            plan,
            0,
        )?;
        Ok((trees, roots))
    })();
    let appended = grown.and_then(|(trees, roots)| {
        words
            .try_reserve_exact(trees.len())
            .map_err(|_| Error::OutOfMemory {
                bytes: ((words.len() + trees.len()) * 4) as u64,
            })?;
        words.extend_from_slice(&trees);
        Ok(roots)
    });
    match appended {
        Ok(roots) => Ok(Forest::from_built(words, layout, n_items, roots)),
        Err(error) => {
            *slot = items_from_nodes(&words, layout, n_items, dim);
            Err(error)
        }
    }
}

/// The items whose nodes [`Layout::new`] wrote at the start of `words`
/// (non-Hamming layouts: the nodes hold the vectors as given). Empty if
/// memory runs out meanwhile.
fn items_from_nodes(
    words: &[u32],
    layout: crate::metric::Layout,
    n_items: usize,
    dim: usize,
) -> Items {
    let read = || -> Result<Items> {
        let mut items = Items::new(dim);
        items.reserve_ids(n_items)?;
        for (id, node) in words
            .chunks_exact(layout.node_words)
            .take(n_items)
            .enumerate()
        {
            if node[0] == 1 {
                let vector: Vec<f32> = node[layout.v..][..dim]
                    .iter()
                    .map(|&w| f32::from_bits(w))
                    .collect();
                items.set(id, &vector)?;
            }
        }
        Ok(items)
    };
    read().unwrap_or_else(|_| Items::new(dim))
}

/// Builds the forest over `items` straight into the index file `path`
/// (Annoy's `on_disk_build`): nodes are written as the trees are finished,
/// to a temporary file renamed to `path` once complete and mapped, so the
/// forest is never in memory. Returns the mapped forest.
pub(crate) fn build_to_file(
    items: &Items,
    metric: Metric,
    plan: &Plan<'_>,
    path: &Path,
) -> Result<Forest<Storage>> {
    let input = Input::from_items(items, metric)?;
    check(plan, &input, input.n_items())?;
    let mut file = IndexWriter::create(path)?;
    let roots = lay_out(Layout::new(&input, &mut file)?, &input, plan, 0)?;
    let (dim, n_items) = (input.layout.dim, input.n_items());
    // Written by this build: its nodes are trusted (queries still check
    // the nodes they visit), its size and roots checked.
    let options = LoadOptions {
        verify: false,
        prefault: false,
    };
    file.commit_with(|written, path| {
        let forest = storage::map(written, path, dim, metric, options)?;
        debug_assert_eq!(forest.n_items(), n_items);
        forest.with_original_roots(roots)
    })
}

/// Adds `plan.n_trees` trees to `forest` (built with `plan.seed`), as
/// trees `forest.n_trees()...` of one build: the result equals the forest
/// built with all the trees at once. The new trees read the items in place
/// from the forest's item nodes and are laid out apart (with the copies of
/// all roots), then appended: memory is the forest and its new trees. On
/// error `forest` is unchanged.
pub(crate) fn extend(forest: &mut Forest<Storage>, plan: &Plan<'_>) -> Result<()> {
    forest.check_root_copies()?;
    let nw = forest.layout().node_words;
    // Items and trees; the copies of the roots follow.
    let trees_end = (forest.n_nodes() - forest.n_trees()) * nw;
    let mut new_nodes = Vec::new();
    let roots = {
        let input = Input::from_forest(forest)?;
        check(plan, &input, forest.n_nodes())?;
        let root_nodes = forest.nodes()?.words[trees_end..].to_vec();
        let layout = Layout::resume(
            &input,
            &mut new_nodes,
            trees_end / nw,
            forest.roots().to_vec(),
            root_nodes,
        );
        lay_out(layout, &input, plan, forest.n_trees())?
    };
    forest.rebuild_with(|words, old_roots| {
        let grown = trees_end + new_nodes.len();
        words
            .try_reserve_exact(grown.saturating_sub(words.len()))
            .map_err(|_| Error::OutOfMemory {
                bytes: (grown * 4) as u64,
            })?;
        words.truncate(trees_end);
        words.extend_from_slice(&new_nodes);
        *old_roots = roots;
        Ok(())
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
/// Refuses a plan that cannot succeed, before any work: no trees, more
/// than [`MAX_THREADS`] threads, no items, or more trees than Annoy's 32-bit node ids can hold after the
/// `nodes_before` already laid out. A tree over `m` items holds at least
/// `2⌈m/K⌉ - 1` nodes and adds a root copy, so the count is a lower bound:
/// an absurd `n_trees` is an error at once, not hours of building.
fn check(plan: &Plan<'_>, input: &Input, nodes_before: usize) -> Result<()> {
    if plan.n_trees == 0 {
        return Err(Error::ZeroTrees);
    }
    if let Some(threads) = plan.threads.filter(|&t| t > MAX_THREADS) {
        return Err(Error::TooManyThreads {
            threads,
            max: MAX_THREADS,
        });
    }
    let m = input.ids.len() as u128;
    if m == 0 {
        return Err(Error::Empty);
    }
    let k = input.layout.k as u128;
    let per_tree = match m {
        1 => 1,
        _ if m <= k => 2,
        _ => 2 * m.div_ceil(k),
    };
    let nodes = nodes_before as u128 + plan.n_trees as u128 * per_tree;
    if nodes > MAX_ITEMS as u128 {
        return Err(Error::TooManyNodes {
            nodes: u64::try_from(nodes).unwrap_or(u64::MAX),
            max: MAX_ITEMS,
        });
    }
    Ok(())
}

/// Grows trees `first..first + plan.n_trees` on the plan's threads and
/// hands each to `sink` in tree order, as soon as the trees before it have
/// been handed over. Threads take the next tree number when they finish
/// one, at most `2 × threads` numbers ahead of the next tree due, so at
/// most that many finished trees wait for their turn. Stops at the first
/// error of `sink`.
fn grow(
    input: &Input,
    plan: &Plan<'_>,
    first: usize,
    sink: impl FnMut(Tree) -> Result<()> + Send,
) -> Result<()> {
    let done = AtomicUsize::new(0);
    let run = || {
        let workers = rayon::current_num_threads().min(plan.n_trees);
        let queue = Queue {
            order: Mutex::new(InOrder::new(first..first + plan.n_trees, 2 * workers, sink)),
            turn: Condvar::new(),
        };
        rayon::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|_| {
                    let _stop_others_on_panic = StopOnUnwind(&queue);
                    let mut builder = Builder::new(input);
                    while let Some(t) = queue.take() {
                        let tree = builder.grow(plan.seed.wrapping_add(t as u64));
                        (plan.progress)(done.fetch_add(1, Ordering::Relaxed) + 1, plan.n_trees);
                        queue.put(t, tree);
                    }
                });
            }
        });
        queue.into_result()
    };
    match plan.threads {
        // No more threads than trees: the others would have nothing to do.
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.min(plan.n_trees))
            .build()
            .map_err(|source| Error::ThreadPool { threads, source })?
            .install(run),
        None => run(),
    }
}

/// The trees of a build shared by its threads: which to grow next, and
/// the finished ones waiting for their turn.
struct Queue<F> {
    order: Mutex<InOrder<F>>,
    /// Signalled when a tree is handed over (or the build stops).
    turn: Condvar,
}

impl<F: FnMut(Tree) -> Result<()>> Queue<F> {
    fn lock(&self) -> MutexGuard<'_, InOrder<F>> {
        self.order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next tree to grow, waiting while it would be too far ahead;
    /// `None` when none is left or the build stopped.
    fn take(&self) -> Option<usize> {
        let mut order = self.lock();
        loop {
            match order.take() {
                Take::Tree(t) => return Some(t),
                Take::Stop => return None,
                Take::Wait => {
                    order = self
                        .turn
                        .wait(order)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }

    fn put(&self, t: usize, tree: Tree) {
        self.lock().put(t, tree);
        self.turn.notify_all();
    }

    fn into_result(self) -> Result<()> {
        self.order
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .result
    }
}

/// Stops the build if its thread unwinds, so that no other thread waits
/// forever for the tree it was growing (the panic then reaches the caller).
struct StopOnUnwind<'a, F: FnMut(Tree) -> Result<()>>(&'a Queue<F>);

impl<F: FnMut(Tree) -> Result<()>> Drop for StopOnUnwind<'_, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().stopped = true;
            self.0.turn.notify_all();
        }
    }
}

/// What a thread does next.
#[derive(Debug, PartialEq, Eq)]
enum Take {
    Tree(usize),
    Wait,
    Stop,
}

/// The tree numbers to grow, and the trees finished out of order, which
/// wait here until the ones before them have been handed to the sink.
struct InOrder<F> {
    /// The next tree number to give out, and the end of the range.
    taken: usize,
    end: usize,
    /// How far ahead of `next` tree numbers are given out.
    window: usize,
    /// The next tree due at the sink.
    next: usize,
    waiting: BTreeMap<usize, Tree>,
    sink: F,
    result: Result<()>,
    /// A thread panicked: give out no more trees.
    stopped: bool,
}

impl<F: FnMut(Tree) -> Result<()>> InOrder<F> {
    fn new(trees: std::ops::Range<usize>, window: usize, sink: F) -> Self {
        InOrder {
            taken: trees.start,
            end: trees.end,
            window: window.max(1),
            next: trees.start,
            waiting: BTreeMap::new(),
            sink,
            result: Ok(()),
            stopped: false,
        }
    }

    fn take(&mut self) -> Take {
        if self.stopped || self.result.is_err() || self.taken >= self.end {
            Take::Stop
        } else if self.taken >= self.next + self.window {
            Take::Wait
        } else {
            self.taken += 1;
            Take::Tree(self.taken - 1)
        }
    }

    /// Takes tree `t`, and hands over every tree now in order (none once
    /// the sink has failed).
    fn put(&mut self, t: usize, tree: Tree) {
        if self.result.is_err() {
            return;
        }
        self.waiting.insert(t, tree);
        while let Some(tree) = self.waiting.remove(&self.next) {
            if let Err(e) = (self.sink)(tree) {
                self.result = Err(e);
                self.waiting.clear();
                return;
            }
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: usize, dim: usize) -> Input<'static> {
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
        // The input reads the items in place: let them live for the test.
        Input::from_items(Box::leak(Box::new(items)), Metric::Angular).expect("an input")
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

    /// A tree numbered `t` (its root says which).
    fn tree(t: usize) -> Tree {
        Tree {
            words: Vec::new(),
            root: t as u32,
            child_slots: Vec::new(),
        }
    }

    #[test]
    fn trees_finished_out_of_order_wait_for_their_turn_within_the_window() {
        let mut handed = Vec::new();
        let mut order = InOrder::new(10..20, 3, |tree: Tree| {
            handed.push(tree.root);
            Ok(())
        });
        assert_eq!(order.take(), Take::Tree(10));
        assert_eq!(order.take(), Take::Tree(11));
        assert_eq!(order.take(), Take::Tree(12));
        // Three ahead of tree 10, which is not finished: wait.
        assert_eq!(order.take(), Take::Wait);
        order.put(12, tree(12));
        order.put(11, tree(11));
        assert_eq!(order.take(), Take::Wait);
        order.put(10, tree(10));
        assert_eq!(order.take(), Take::Tree(13));
        drop(order);
        assert_eq!(handed, [10, 11, 12]);
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

    /// A build that fails once the items are dropped hands back the items
    /// read from their nodes: the same ids, holes and vectors, bit for bit.
    #[test]
    fn items_are_read_back_from_their_nodes() {
        for metric in [
            Metric::Angular,
            Metric::Euclidean,
            Metric::Dot,
            Metric::Manhattan,
        ] {
            let dim = 5;
            let mut items = Items::new(dim);
            for id in (0..40).filter(|id| id % 7 != 3) {
                let v: Vec<f32> = (0..dim)
                    .map(|j| ((id * dim + j) as f32 * 0.31).sin() * 9.0)
                    .collect();
                items.set(id, &v).unwrap();
            }
            let input = Input::from_items(&items, metric).unwrap();
            let mut words = Vec::new();
            Layout::new(&input, &mut words).unwrap();
            let back = items_from_nodes(&words, input.layout, input.n_items(), dim);
            assert_eq!(back.len(), items.len(), "{metric:?}");
            for id in 0..items.len() {
                assert_eq!(back.is_present(id), items.is_present(id), "{metric:?} {id}");
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(back.vector(id)),
                    bits(items.vector(id)),
                    "{metric:?} {id}"
                );
            }
        }
    }
}
