//! The nodes of all trees laid out as Annoy's file: the item nodes, each
//! tree's nodes in tree order (appended as the trees are finished), then a
//! copy of every root.

use super::input::Input;
use super::tree::Tree;
use crate::error::{Error, Result};
use crate::items::MAX_ITEMS;
use crate::metric::Metric;

/// The item nodes (node `i` is item `i`), the start of a new forest.
pub(super) fn item_nodes(input: &Input) -> Result<Vec<u32>> {
    let layout = input.layout;
    let (nw, n_items) = (layout.node_words, input.n_items());
    let mut words = Vec::new();
    grow(&mut words, n_items * nw, true)?;
    for id in 0..n_items {
        let start = words.len();
        words.resize(start + nw, 0);
        let node = &mut words[start..];
        let present = input.is_present(id);
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
        for (word, &x) in node[layout.v..].iter_mut().zip(input.vector(id)) {
            *word = x.to_bits();
        }
    }
    Ok(words)
}

/// Appends `tree`'s nodes to the items and trees in `words` (whose roots
/// are `roots`, and which do not end with root copies yet), renumbering its
/// node references, and records its root. Fails, leaving both unchanged,
/// if the forest with its root copies would exceed Annoy's 32-bit ids or
/// memory runs out.
pub(super) fn append_tree(
    words: &mut Vec<u32>,
    roots: &mut Vec<u32>,
    input: &Input,
    tree: Tree,
) -> Result<()> {
    let (nw, n_items) = (input.layout.node_words, input.n_items());
    let nodes = words.len() / nw;
    let tree_nodes = tree.words.len() / nw;
    // The copies of the roots (this one's too) will follow the trees.
    check_node_count(nodes + tree_nodes + roots.len() + 1)?;
    grow(words, tree.words.len(), false)?;
    // Tree nodes are numbered after the items and the earlier trees' nodes.
    let offset = (nodes - n_items) as u32;
    let base = words.len();
    words.extend_from_slice(&tree.words);
    for slot in tree.child_slots {
        let word = &mut words[base + slot];
        if *word as usize >= n_items {
            *word += offset;
        }
    }
    roots.push(tree.root + offset);
    Ok(())
}

/// Ends the forest in `words` with a copy of every root, as Annoy's file
/// ends. Fails, leaving `words` unchanged, if memory runs out.
pub(super) fn copy_roots(words: &mut Vec<u32>, roots: &[u32], node_words: usize) -> Result<()> {
    check_node_count(words.len() / node_words + roots.len())?;
    grow(words, roots.len() * node_words, true)?;
    for &root in roots {
        let at = root as usize * node_words;
        words.extend_from_within(at..at + node_words);
    }
    Ok(())
}

fn check_node_count(nodes: usize) -> Result<()> {
    if nodes as u64 > MAX_ITEMS {
        return Err(Error::TooManyNodes {
            nodes: nodes as u64,
            max: MAX_ITEMS,
        });
    }
    Ok(())
}

/// Makes room for `extra` more words: exactly, or with amortised growth
/// (for the trees, whose total is not known in advance; large buffers grow
/// by remapping, not copying).
fn grow(words: &mut Vec<u32>, extra: usize, exact: bool) -> Result<()> {
    let reserved = if exact {
        words.try_reserve_exact(extra)
    } else {
        words.try_reserve(extra)
    };
    reserved.map_err(|_| Error::OutOfMemory {
        bytes: ((words.len() + extra) * 4) as u64,
    })
}
