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

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::Items;
use crate::metric::Metric;

use input::Input;
use tree::{Builder, Tree};

/// How a build runs: trees, threads, seed, progress.
pub(crate) struct Plan<'a> {
    pub n_trees: usize,
    pub threads: Option<usize>,
    pub seed: u64,
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

/// Builds the forest over `items`.
pub(crate) fn build(items: &Items, metric: Metric, plan: &Plan<'_>) -> Result<Forest<Storage>> {
    let input = input(items, metric, plan)?;
    let trees = grow(&input, plan, 0)?;
    layout::assemble(&input, trees)
}

/// Adds `plan.n_trees` trees to `forest` (built with `plan.seed`), as
/// trees `forest.n_trees()...` of one build: the result equals the forest
/// built with all the trees at once. On error `forest` is unchanged.
pub(crate) fn extend(forest: &mut Forest<Storage>, plan: &Plan<'_>) -> Result<()> {
    forest.check_root_copies()?;
    let items = forest.items()?;
    let input = input(&items, forest.metric(), plan)?;
    let trees = grow(&input, plan, forest.n_trees())?;
    layout::extend(forest, &input, trees)
}

/// Checks the plan and the items and prepares the build input.
fn input<'a>(items: &'a Items, metric: Metric, plan: &Plan<'_>) -> Result<Input<'a>> {
    if plan.n_trees == 0 {
        return Err(Error::ZeroTrees);
    }
    let ids = items.present_ids();
    if ids.is_empty() {
        return Err(Error::Empty);
    }
    Ok(Input::new(items, metric, ids))
}

/// Grows trees `first..first + plan.n_trees` on the plan's threads.
fn grow(input: &Input<'_>, plan: &Plan<'_>, first: usize) -> Result<Vec<Tree>> {
    let done = AtomicUsize::new(0);
    let grow_all = || -> Vec<Tree> {
        (first..first + plan.n_trees)
            .into_par_iter()
            .map_init(
                || Builder::new(input),
                |builder, t| {
                    let tree = builder.grow(plan.seed.wrapping_add(t as u64));
                    (plan.progress)(done.fetch_add(1, Ordering::Relaxed) + 1, plan.n_trees);
                    tree
                },
            )
            .collect()
    };
    Ok(match plan.threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|source| Error::ThreadPool { threads, source })?
            .install(grow_all),
        None => grow_all(),
    })
}
