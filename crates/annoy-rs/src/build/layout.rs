//! The nodes of a forest laid out as Annoy's file: the item nodes, each
//! tree's nodes in tree order (appended as the trees are finished), then a
//! copy of every root. The nodes go to a [`NodeSink`]: memory, or the file
//! of an on-disk build.

use super::input::Input;
use super::tree::Tree;
use crate::error::{Error, Result};
use crate::items::MAX_ITEMS;
use crate::metric::Metric;
use crate::storage::IndexWriter;

/// Where laid-out nodes go.
pub(super) trait NodeSink {
    /// Appends whole nodes.
    fn push(&mut self, words: &[u32]) -> Result<()>;
}

impl NodeSink for Vec<u32> {
    fn push(&mut self, words: &[u32]) -> Result<()> {
        // Amortised growth: the total is not known in advance (large
        // buffers grow by remapping, not copying).
        self.try_reserve(words.len())
            .map_err(|_| Error::OutOfMemory {
                bytes: ((self.len() + words.len()) * 4) as u64,
            })?;
        self.extend_from_slice(words);
        Ok(())
    }
}

impl NodeSink for IndexWriter {
    fn push(&mut self, words: &[u32]) -> Result<()> {
        IndexWriter::push(self, words)
    }
}

/// A forest being laid out into a sink.
pub(super) struct Layout<'a, S> {
    input: &'a Input<'a>,
    sink: &'a mut S,
    /// Nodes in the sink.
    nodes: usize,
    roots: Vec<u32>,
    /// A copy of each root node, in order: the end of the file.
    root_nodes: Vec<u32>,
}

impl<'a, S: NodeSink> Layout<'a, S> {
    /// Starts a new forest with the item nodes (node `i` is item `i`).
    pub(super) fn new(input: &'a Input<'a>, sink: &'a mut S) -> Result<Self> {
        let layout = input.layout;
        let mut node = vec![0u32; layout.node_words];
        for id in 0..input.n_items() {
            node.fill(0);
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
            sink.push(&node)?;
        }
        Ok(Layout {
            input,
            sink,
            nodes: input.n_items(),
            roots: Vec::new(),
            root_nodes: Vec::new(),
        })
    }

    /// Continues a forest whose sink holds `nodes` nodes (items and trees,
    /// without the root copies), with these roots and root nodes.
    pub(super) fn resume(
        input: &'a Input<'a>,
        sink: &'a mut S,
        nodes: usize,
        roots: Vec<u32>,
        root_nodes: Vec<u32>,
    ) -> Self {
        Layout {
            input,
            sink,
            nodes,
            roots,
            root_nodes,
        }
    }

    /// Appends `tree`'s nodes, renumbering its node references to follow
    /// the items and the earlier trees' nodes. Fails if the forest with
    /// its root copies would exceed Annoy's 32-bit ids, or on a sink error.
    pub(super) fn add_tree(&mut self, mut tree: Tree) -> Result<()> {
        let (nw, n_items) = (self.input.layout.node_words, self.input.n_items());
        let tree_nodes = tree.words.len() / nw;
        // The copies of the roots (this one's too) will follow the trees.
        check_node_count(self.nodes + tree_nodes + self.roots.len() + 1)?;
        let offset = (self.nodes - n_items) as u32;
        for slot in tree.child_slots {
            let word = &mut tree.words[slot];
            if *word as usize >= n_items {
                *word += offset;
            }
        }
        let root = tree.root as usize - n_items;
        self.sink.push(&tree.words)?;
        self.root_nodes
            .extend_from_slice(&tree.words[root * nw..(root + 1) * nw]);
        self.roots.push(tree.root + offset);
        self.nodes += tree_nodes;
        Ok(())
    }

    /// Ends the forest with a copy of every root, as Annoy's file ends;
    /// returns the roots.
    pub(super) fn finish(self) -> Result<Vec<u32>> {
        check_node_count(self.nodes + self.roots.len())?;
        self.sink.push(&self.root_nodes)?;
        Ok(self.roots)
    }
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
