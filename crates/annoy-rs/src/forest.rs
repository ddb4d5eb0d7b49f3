//! [`Forest`]: a built index as Annoy lays it out, over any bytes (a `Vec`,
//! a memory map), checked once when it is opened.

use std::path::PathBuf;

use f32_kernels::Kernels;

use crate::distance;
use crate::error::{Error, Result};
use crate::hamming;
use crate::metric::{Layout, Metric};

/// A built, read-only forest in Annoy's node layout, over storage `S`
/// (anything that derefs to the index's bytes: a `Vec`, a memory map).
///
/// The bytes are the node array of an Annoy file: items first (node `i` is
/// item `i`), then the trees' nodes, then a copy of every root. A forest is
/// only constructed after its size and roots have been checked (and, unless
/// asked otherwise, every node); queries still check each node they visit,
/// so even unverified bytes can yield an error but never a panic or
/// undefined behaviour.
#[derive(Debug)]
pub struct Forest<S> {
    storage: S,
    layout: Layout,
    n_nodes: usize,
    n_items: usize,
    roots: Vec<u32>,
    path: Option<PathBuf>,
    kernels: &'static Kernels,
}

/// A read-only view of the node array as 4-byte words.
#[derive(Clone, Copy)]
pub(crate) struct Nodes<'a> {
    pub words: &'a [u32],
    pub layout: Layout,
}

/// One node's words.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    words: &'a [u32],
    layout: Layout,
}

impl<'a> Nodes<'a> {
    /// Node `i`, if it exists.
    pub fn get(self, i: usize) -> Option<Node<'a>> {
        let w = self.layout.node_words;
        let start = i.checked_mul(w)?;
        let words = self.words.get(start..start.checked_add(w)?)?;
        Some(Node {
            words,
            layout: self.layout,
        })
    }
}

impl<'a> Node<'a> {
    /// The node's words.
    pub fn words(self) -> &'a [u32] {
        self.words
    }

    /// `n_descendants`: 1 for an item, the id count for a leaf, the subtree
    /// size for a split (the item count for a root).
    pub fn n_descendants(self) -> i32 {
        self.words[0] as i32
    }

    /// The `j`-th child id (for a split: `j` in 0..2); for a leaf, its ids.
    pub fn child(self, j: usize) -> i32 {
        self.words[self.layout.children + j] as i32
    }

    /// The ids of a leaf with `count <= K` entries.
    pub fn leaf_ids(self, count: usize) -> &'a [u32] {
        let start = self.layout.children;
        &self.words[start..start + count]
    }

    /// The vector: an item's coordinates or a split's normal.
    pub fn vector(self) -> &'a [f32] {
        bytemuck::cast_slice(&self.words[self.layout.v..])
    }

    /// The metric's extra float (`a` or `dot_factor`), 0 for angular.
    pub fn extra(self) -> f32 {
        self.layout
            .extra
            .map_or(0.0, |at| f32::from_bits(self.words[at]))
    }

    /// The squared norm an angular item stores in `children[0]`.
    pub fn stored_sq_norm(self) -> f32 {
        match self.layout.metric {
            Metric::Angular => f32::from_bits(self.words[self.layout.children]),
            _ => 0.0,
        }
    }
}

impl<S: AsRef<[u8]>> Forest<S> {
    /// Opens Annoy index bytes of dimension `dim` and metric `metric` in
    /// place, without copying. `verify` checks every node (O(nodes)); without
    /// it only the size and the roots are checked (O(1)) and damage is found
    /// by the queries that meet it.
    ///
    /// Fails with [`Error::Unaligned`] if the bytes are not 4-byte aligned or
    /// the machine is big-endian (use [`Forest::from_le_bytes_copied`]), and
    /// with [`Error::Format`] if they are not a valid index.
    pub fn from_bytes(storage: S, dim: usize, metric: Metric, verify: bool) -> Result<Self> {
        if cfg!(target_endian = "big") {
            return Err(Error::Unaligned {
                reason: "Annoy's files are little-endian and this machine is not",
            });
        }
        if storage.as_ref().as_ptr().align_offset(4) != 0 {
            return Err(Error::Unaligned {
                reason: "the bytes do not start on a 4-byte boundary",
            });
        }
        Self::open(storage, Layout::new(metric, dim), verify, None)
    }

    /// Like [`Forest::from_bytes`], naming `path` in errors.
    pub(crate) fn from_file_bytes(
        storage: S,
        dim: usize,
        metric: Metric,
        verify: bool,
        path: PathBuf,
    ) -> Result<Self> {
        let mut forest = Self::from_bytes(storage, dim, metric, false).map_err(|e| match e {
            Error::Format {
                metric,
                dim,
                node,
                message,
                ..
            } => Error::Format {
                path: Some(path.clone()),
                metric,
                dim,
                node,
                message,
            },
            other => other,
        })?;
        forest.path = Some(path);
        if verify {
            forest.verify()?;
        }
        Ok(forest)
    }

    /// Checks the size, finds the roots as Annoy's `load` does, and
    /// optionally verifies every node.
    fn open(storage: S, layout: Layout, verify: bool, path: Option<PathBuf>) -> Result<Self> {
        let bytes = storage.as_ref();
        let node_size = layout.node_words * 4;
        let fail = |message: String| Error::Format {
            path: path.clone(),
            metric: layout.metric.name(),
            dim: layout.dim,
            node: None,
            message,
        };
        if layout.dim == 0 {
            return Err(fail("the dimension must be at least 1".into()));
        }
        if bytes.is_empty() {
            return Err(fail("the file is empty".into()));
        }
        if bytes.len() % node_size != 0 {
            return Err(fail(format!(
                "its size, {} bytes, is not a multiple of the node size, {node_size} bytes \
                 (is the dimension or the metric wrong?)",
                bytes.len()
            )));
        }
        let n_nodes = bytes.len() / node_size;
        if n_nodes > i32::MAX as usize {
            return Err(fail(format!("{n_nodes} nodes exceed Annoy's 32-bit ids")));
        }
        let words: &[u32] = bytemuck::try_cast_slice(bytes)
            .map_err(|_| fail("the bytes are not 4-byte aligned".into()))?;
        let nodes = Nodes { words, layout };
        let (roots, m) = find_roots(nodes, n_nodes);
        if m < 1 || m as usize > n_nodes {
            return Err(fail(format!(
                "the last node claims {m} items, and the file has {n_nodes} nodes"
            )));
        }
        let forest = Forest {
            storage,
            layout,
            n_nodes,
            n_items: m as usize,
            roots,
            path,
            kernels: f32_kernels::best(),
        };
        if verify {
            forest.verify()?;
        }
        Ok(forest)
    }

    /// Checks what the format promises, as far as Annoy relies on it: items
    /// have 0 or 1 descendants; leaves hold at most K ids, each an item;
    /// splits point to two other nodes in bounds; and no descent from a root
    /// comes back to a split it is under (so every descent is finite, at
    /// most one step per node). Children may sit before or after their
    /// parent: today's Annoy writes them first, older releases after.
    pub fn verify(&self) -> Result<()> {
        let nodes = self.nodes()?;
        let k = self.layout.k;
        for i in 0..self.n_nodes {
            let node = nodes
                .get(i)
                .ok_or_else(|| self.corrupt(i, "node out of range".into()))?;
            let nd = node.n_descendants();
            if i < self.n_items {
                if nd != 0 && nd != 1 {
                    return Err(self.corrupt(i, format!("item node with {nd} descendants")));
                }
            } else if nd < 0 {
                return Err(self.corrupt(i, format!("negative descendant count {nd}")));
            } else if nd as usize <= k {
                if let Some(&bad) = node
                    .leaf_ids(nd as usize)
                    .iter()
                    .find(|&&id| id as usize >= self.n_items)
                {
                    return Err(
                        self.corrupt(i, format!("leaf holds item {bad} of {}", self.n_items))
                    );
                }
            } else {
                for j in 0..2 {
                    let child = node.child(j);
                    if child < 0 || child as usize >= self.n_nodes || child as usize == i {
                        return Err(self.corrupt(
                            i,
                            format!("child {child} is not another node of the {}", self.n_nodes),
                        ));
                    }
                }
                let words = &node.vector()[..self.layout.words];
                if self.layout.metric == Metric::Hamming && !hamming::split_fits(words) {
                    return Err(self.corrupt(i, "a split on a bit beyond the vector".into()));
                }
            }
        }
        self.verify_descents(nodes)
    }

    /// Walks every tree depth first, with an explicit stack (a damaged file
    /// cannot overflow the call stack), and fails on a split that is its own
    /// ancestor. Call after every child is known to be in bounds.
    fn verify_descents(&self, nodes: Nodes<'_>) -> Result<()> {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let k = self.layout.k;
        let is_split = |i: usize| {
            i >= self.n_items && nodes.get(i).is_some_and(|n| n.n_descendants() as usize > k)
        };
        let mut state = vec![UNSEEN; self.n_nodes];
        // (split node, the next of its two children to visit)
        let mut path: Vec<(usize, usize)> = Vec::new();
        for &root in &self.roots {
            let root = root as usize;
            if !is_split(root) || state[root] != UNSEEN {
                continue;
            }
            state[root] = ON_PATH;
            path.push((root, 0));
            while let Some(top) = path.last_mut() {
                let (node, next) = *top;
                if next == 2 {
                    state[node] = DONE;
                    path.pop();
                    continue;
                }
                top.1 += 1;
                let child = nodes
                    .get(node)
                    .ok_or_else(|| self.corrupt(node, "node out of range".into()))?
                    .child(next) as usize;
                if !is_split(child) {
                    continue;
                }
                match state[child] {
                    UNSEEN => {
                        state[child] = ON_PATH;
                        path.push((child, 0));
                    }
                    ON_PATH => {
                        return Err(self.corrupt(
                            node,
                            format!("child {child} is also its ancestor: the tree has a cycle"),
                        ))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

impl<S: AsRef<[u8]>> Forest<S> {
    /// The index's dimension `f`.
    pub fn dim(&self) -> usize {
        self.layout.dim
    }

    /// The index's metric.
    pub fn metric(&self) -> Metric {
        self.layout.metric
    }

    /// The number of items (Annoy's `get_n_items`: the largest id plus one).
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// The number of trees (Annoy's `get_n_trees`: the roots found).
    pub fn n_trees(&self) -> usize {
        self.roots.len()
    }

    /// The number of nodes, items included.
    pub fn n_nodes(&self) -> usize {
        self.n_nodes
    }

    /// The index's bytes, exactly as Annoy saves them.
    pub fn as_bytes(&self) -> &[u8] {
        self.storage.as_ref()
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The distance kernels in use.
    pub(crate) fn kernels(&self) -> &'static Kernels {
        self.kernels
    }

    /// The root node ids, in the order the queue receives them.
    pub(crate) fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// The layout of the nodes.
    pub(crate) fn layout(&self) -> Layout {
        self.layout
    }

    /// The node array as words. Fails only if the storage no longer gives
    /// the bytes it was opened with.
    pub(crate) fn nodes(&self) -> Result<Nodes<'_>> {
        let bytes = self.storage.as_ref();
        let words: &[u32] = bytemuck::try_cast_slice(bytes).map_err(|_| Error::Unaligned {
            reason: "the storage changed its bytes after opening",
        })?;
        if words.len() != self.n_nodes * self.layout.node_words {
            return Err(Error::Unaligned {
                reason: "the storage changed its length after opening",
            });
        }
        Ok(Nodes {
            words,
            layout: self.layout,
        })
    }

    /// An [`Error::Format`] about node `node`.
    pub(crate) fn corrupt(&self, node: usize, message: String) -> Error {
        Error::Format {
            path: self.path.clone(),
            metric: self.layout.metric.name(),
            dim: self.layout.dim,
            node: Some(node as u64),
            message,
        }
    }

    /// Item `id`'s node, or [`Error::ItemOutOfRange`].
    pub(crate) fn item(&self, id: usize) -> Result<Node<'_>> {
        let out_of_range = || Error::ItemOutOfRange {
            id: id as u64,
            n_items: self.n_items,
        };
        if id >= self.n_items {
            return Err(out_of_range());
        }
        self.nodes()?.get(id).ok_or_else(out_of_range)
    }

    /// Item `id`'s vector (zeros for an id that was never added), as
    /// Annoy's `get_item_vector` (for Hamming, its bits as 0s and 1s).
    pub fn get_item_vector(&self, id: usize) -> Result<Vec<f32>> {
        let words = &self.item(id)?.vector()[..self.layout.words];
        Ok(match self.layout.metric {
            Metric::Hamming => hamming::unpack(words, self.layout.dim),
            _ => words.to_vec(),
        })
    }

    /// The distance between items `i` and `j` as Annoy reports it
    /// (`get_distance`).
    pub fn get_distance(&self, i: usize, j: usize) -> Result<f32> {
        let (x, y) = (self.item(i)?, self.item(j)?);
        let d = distance::distance(
            self.layout.metric,
            self.kernels,
            &x.vector()[..self.layout.words],
            x.stored_sq_norm(),
            &y.vector()[..self.layout.words],
            y.stored_sq_norm(),
        );
        Ok(distance::normalized(self.layout.metric, d))
    }
}

impl Forest<Storage> {
    /// Copies Annoy index bytes (little-endian, any alignment) into an
    /// owned, aligned buffer and opens that: for big-endian machines and
    /// bytes that are not 4-byte aligned.
    pub fn from_le_bytes_copied(
        bytes: &[u8],
        dim: usize,
        metric: Metric,
        verify: bool,
    ) -> Result<Self> {
        let mut words = Vec::new();
        words
            .try_reserve_exact(bytes.len() / 4)
            .map_err(|_| Error::OutOfMemory {
                bytes: bytes.len() as u64,
            })?;
        words.extend(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        if !bytes.len().is_multiple_of(4) {
            return Err(Error::Format {
                path: None,
                metric: metric.name(),
                dim,
                node: None,
                message: format!(
                    "its size, {} bytes, is not a multiple of the node size, {} bytes",
                    bytes.len(),
                    metric.node_size(dim)
                ),
            });
        }
        Self::open(
            Storage::Owned(words),
            Layout::new(metric, dim),
            verify,
            None,
        )
    }

    /// A forest from nodes this crate has just built (native-endian words,
    /// roots known).
    pub(crate) fn from_built(
        words: Vec<u32>,
        layout: Layout,
        n_items: usize,
        roots: Vec<u32>,
    ) -> Self {
        let n_nodes = words.len() / layout.node_words;
        Forest {
            storage: Storage::Owned(words),
            layout,
            n_nodes,
            n_items,
            roots,
            path: None,
            kernels: f32_kernels::best(),
        }
    }
}

impl Forest<Storage> {
    /// Fails unless this forest's roots are its trees' nodes and it ends
    /// with a copy of each, in order — true of every forest this crate
    /// builds; a loaded file knows only the copies.
    pub(crate) fn check_root_copies(&self) -> Result<()> {
        let nodes = self.nodes()?;
        let nw = self.layout.node_words;
        let r = self.roots.len();
        let first_copy = self.n_nodes.checked_sub(r).ok_or(Error::CannotAddTrees {
            reason: "the forest has fewer nodes than roots",
        })?;
        for (i, &root) in self.roots.iter().enumerate() {
            let root = root as usize;
            if root >= first_copy {
                return Err(Error::CannotAddTrees {
                    reason: "the forest's original roots are unknown (it was loaded from a file)",
                });
            }
            let copy = (first_copy + i) * nw;
            if nodes.words[root * nw..(root + 1) * nw] != nodes.words[copy..copy + nw] {
                return Err(Error::CannotAddTrees {
                    reason: "the forest does not end with a copy of each root",
                });
            }
        }
        Ok(())
    }

    /// This forest with `roots` as its roots: the original root nodes of a
    /// forest this crate wrote to a file, whose scan finds only the copies
    /// at its end. Fails unless the file ends with a copy of each.
    pub(crate) fn with_original_roots(mut self, roots: Vec<u32>) -> Result<Self> {
        self.roots = roots;
        self.check_root_copies()?;
        Ok(self)
    }

    /// Lets `change` rewrite the node words and roots (a mapped file is
    /// copied into memory first); `change` must leave both as they were if
    /// it fails. The forest then describes the new nodes.
    pub(crate) fn rebuild_with(
        &mut self,
        change: impl FnOnce(&mut Vec<u32>, &mut Vec<u32>) -> Result<()>,
    ) -> Result<()> {
        if let Storage::Mapped(map) = &self.storage {
            let words = map
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            self.storage = Storage::Owned(words);
        }
        let Storage::Owned(words) = &mut self.storage else {
            unreachable!("the storage was made owned above");
        };
        change(words, &mut self.roots)?;
        self.n_nodes = words.len() / self.layout.node_words;
        self.path = None;
        Ok(())
    }
}

/// Annoy's root scan (`load`): walk back from the last node while nodes
/// have the last node's descendant count `m` (the item count: roots and
/// their copies at the end of the file have it); if the first and last
/// found share `children[0]`, the last found is the original of the last
/// root's copy and is dropped. Returns the roots and `m`.
fn find_roots(nodes: Nodes<'_>, n_nodes: usize) -> (Vec<u32>, i32) {
    let mut roots = Vec::new();
    let mut m = 0;
    for i in (0..n_nodes).rev() {
        let Some(node) = nodes.get(i) else { break };
        let k = node.n_descendants();
        if roots.is_empty() || k == m {
            roots.push(i as u32);
            m = k;
        } else {
            break;
        }
    }
    if roots.len() > 1 {
        let first = nodes.get(roots[0] as usize).map(|n| n.child(0));
        let last = nodes
            .get(roots[roots.len() - 1] as usize)
            .map(|n| n.child(0));
        if first == last {
            roots.pop();
        }
    }
    (roots, m)
}

/// Where a forest's bytes live: a buffer this crate filled, or a read-only
/// memory map of a file.
#[derive(Debug)]
pub enum Storage {
    /// Native-endian node words in memory.
    Owned(Vec<u32>),
    /// A read-only map of an index file.
    Mapped(memmap2::Mmap),
}

impl AsRef<[u8]> for Storage {
    fn as_ref(&self) -> &[u8] {
        match self {
            Storage::Owned(words) => bytemuck::cast_slice(words),
            Storage::Mapped(map) => map,
        }
    }
}
