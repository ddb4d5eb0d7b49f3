//! The nodes of all trees laid out as Annoy's file.

use super::input::Input;
use super::tree::Tree;
use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::MAX_ITEMS;
use crate::metric::Metric;

/// Lays the nodes out as Annoy's file and wraps them as a forest.
pub(super) fn assemble(input: &Input<'_>, trees: Vec<Tree>) -> Result<Forest<Storage>> {
    let mut words = Vec::new();
    reserve(&mut words, input, &trees, 0)?;
    item_nodes(&mut words, input);
    let mut roots = Vec::with_capacity(trees.len());
    add_tree_nodes(&mut words, &mut roots, input, trees);
    Ok(Forest::from_built(
        words,
        input.layout,
        input.n_items(),
        roots,
    ))
}

/// Lays `trees` out after `forest`'s own trees, as [`assemble`] would lay
/// out all of them (the forest must end with a copy of each root: see
/// `Forest::check_root_copies`). On error `forest` is unchanged.
pub(super) fn extend(
    forest: &mut Forest<Storage>,
    input: &Input<'_>,
    trees: Vec<Tree>,
) -> Result<()> {
    let nw = input.layout.node_words;
    forest.rebuild_with(|words, roots| {
        reserve(words, input, &trees, roots.len())?;
        // Drop the copies of the roots at the end; they are rewritten for all.
        words.truncate(words.len() - roots.len() * nw);
        add_tree_nodes(words, roots, input, trees);
        Ok(())
    })
}

/// Reserves room for `trees` and the copies of all roots, or fails if the
/// forest would be too large.
fn reserve(
    words: &mut Vec<u32>,
    input: &Input<'_>,
    trees: &[Tree],
    old_roots: usize,
) -> Result<()> {
    let nw = input.layout.node_words;
    // (Before the items are laid out, `words` is empty.)
    let nodes = if words.is_empty() {
        input.n_items()
    } else {
        words.len() / nw - old_roots
    };
    let tree_nodes: usize = trees.iter().map(|t| t.words.len() / nw).sum();
    let total = nodes as u64 + tree_nodes as u64 + (old_roots + trees.len()) as u64;
    if total > MAX_ITEMS {
        return Err(Error::TooManyNodes {
            nodes: total,
            max: MAX_ITEMS,
        });
    }
    let extra = total as usize * nw - words.len();
    words
        .try_reserve_exact(extra)
        .map_err(|_| Error::OutOfMemory {
            bytes: (total as usize * nw * 4) as u64,
        })
}

/// The item nodes (node `i` is item `i`).
fn item_nodes(words: &mut Vec<u32>, input: &Input<'_>) {
    let layout = input.layout;
    let (nw, n_items) = (layout.node_words, input.n_items());
    for id in 0..n_items {
        let start = words.len();
        words.resize(start + nw, 0);
        let node = &mut words[start..];
        let present = input.items.is_present(id);
        node[0] = u32::from(present);
        match layout.metric {
            Metric::Angular if present => node[layout.children] = input.sq_norms[id].to_bits(),
            Metric::Dot => {
                if let Some(extra) = layout.extra {
                    node[extra] = input.dot_factors[id].to_bits();
                }
            }
            _ => {}
        }
        for (word, &x) in node[layout.v..].iter_mut().zip(input.items.vector(id)) {
            *word = x.to_bits();
        }
    }
}

/// Appends the nodes of `trees` to the items and trees in `words` (whose
/// roots are `roots`), then a copy of every root, as Annoy's file ends.
fn add_tree_nodes(words: &mut Vec<u32>, roots: &mut Vec<u32>, input: &Input<'_>, trees: Vec<Tree>) {
    let layout = input.layout;
    let (nw, n_items) = (layout.node_words, input.n_items());
    // Tree nodes are numbered after the items and the earlier trees' nodes.
    let mut offset = (words.len() / nw - n_items) as u32;
    for tree in trees {
        let base = words.len();
        words.extend_from_slice(&tree.words);
        for slot in tree.child_slots {
            let word = &mut words[base + slot];
            if *word as usize >= n_items {
                *word += offset;
            }
        }
        roots.push(tree.root + offset);
        offset += (tree.words.len() / nw) as u32;
    }
    for &root in roots.iter() {
        let at = root as usize * nw;
        words.extend_from_within(at..at + nw);
    }
}
