//! The nodes of all trees laid out as Annoy's file.

use super::input::Input;
use super::tree::Tree;
use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::MAX_ITEMS;
use crate::metric::Metric;

/// Lays the nodes out as Annoy's file and wraps them as a forest.
pub(super) fn assemble(input: &Input<'_>, trees: Vec<Tree>) -> Result<Forest<Storage>> {
    let layout = input.layout;
    let (nw, n_items) = (layout.node_words, input.n_items());
    let tree_nodes: usize = trees.iter().map(|t| t.words.len() / nw).sum();
    let total = n_items as u64 + tree_nodes as u64 + trees.len() as u64;
    if total > MAX_ITEMS {
        return Err(Error::TooManyNodes {
            nodes: total,
            max: MAX_ITEMS,
        });
    }
    let total = total as usize;
    let mut words: Vec<u32> = Vec::new();
    words
        .try_reserve_exact(total * nw)
        .map_err(|_| Error::OutOfMemory {
            bytes: (total * nw * 4) as u64,
        })?;
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
    let mut roots = Vec::with_capacity(trees.len());
    let mut offset = 0u32;
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
    for &root in &roots {
        let at = root as usize * nw;
        words.extend_from_within(at..at + nw);
    }
    Ok(Forest::from_built(words, layout, n_items, roots))
}
