//! [`AnnoyIndex`]: Annoy's API, by Annoy's names, over [`Items`] while
//! adding and a [`Forest`] once built or loaded.

use std::path::{Path, PathBuf};

use crate::build::{self, Plan};
use crate::error::{Error, Result};
use crate::forest::{Forest, Storage};
use crate::items::Items;
use crate::kiss::DEFAULT_SEED;
use crate::metric::Metric;
use crate::search::Neighbor;
use crate::storage::{self, LoadOptions};
use crate::{distance, hamming};

/// An approximate nearest-neighbour index with Annoy's behaviour and
/// Annoy's files: add items, build a forest, query; save and load files
/// that Python's `annoy` reads and writes.
///
/// ```
/// use annoy_rs::{AnnoyIndex, Metric};
///
/// let mut index = AnnoyIndex::new(3, Metric::Angular);
/// index.add_item(0, &[1.0, 0.0, 0.0])?;
/// index.add_item(1, &[0.0, 1.0, 0.0])?;
/// index.add_item(2, &[0.9, 0.1, 0.0])?;
/// index.build(10)?;
/// let nearest = index.get_nns_by_item(0, 2, None)?;
/// assert_eq!(nearest.iter().map(|n| n.id).collect::<Vec<_>>(), [0, 2]);
/// # Ok::<(), annoy_rs::Error>(())
/// ```
#[derive(Debug)]
pub struct AnnoyIndex {
    dim: usize,
    metric: Metric,
    seed: u64,
    state: State,
    /// Where [`AnnoyIndex::on_disk_build`] asked the next build to go.
    on_disk: Option<PathBuf>,
}

#[derive(Debug)]
enum State {
    Adding(Items),
    Built(Forest<Storage>),
}

/// How [`AnnoyIndex::build_with`] builds: tree count, threads, seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    /// Trees in the forest (Annoy's `n_trees`; at least 1).
    pub n_trees: usize,
    /// Build threads (Annoy's `n_jobs`); `None`: all of rayon's threads.
    /// The forest is the same whatever the count.
    pub threads: Option<usize>,
    /// The seed; `None`: the index's (see [`AnnoyIndex::set_seed`]).
    pub seed: Option<u64>,
}

impl BuildOptions {
    /// `n_trees` trees, all threads, the index's seed.
    pub fn new(n_trees: usize) -> Self {
        BuildOptions {
            n_trees,
            threads: None,
            seed: None,
        }
    }

    /// Builds with `threads` threads.
    pub fn threads(self, threads: usize) -> Self {
        BuildOptions {
            threads: Some(threads),
            ..self
        }
    }

    /// Builds from `seed`.
    pub fn seed(self, seed: u64) -> Self {
        BuildOptions {
            seed: Some(seed),
            ..self
        }
    }
}

impl AnnoyIndex {
    /// An empty index of `dim`-dimensional vectors (Annoy's
    /// `AnnoyIndex(f, metric)`).
    pub fn new(dim: usize, metric: Metric) -> Self {
        AnnoyIndex {
            dim,
            metric,
            seed: DEFAULT_SEED,
            state: State::Adding(Items::new(dim)),
            on_disk: None,
        }
    }

    /// Opens an index file written by Annoy or by this crate, as a memory
    /// map (see [`AnnoyIndex::load`]).
    pub fn open(path: impl AsRef<Path>, dim: usize, metric: Metric) -> Result<Self> {
        let mut index = AnnoyIndex::new(dim, metric);
        index.load(path)?;
        Ok(index)
    }

    /// The dimension `f`.
    pub fn f(&self) -> usize {
        self.dim
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Whether the index is built or loaded (and so can be queried, and can
    /// no longer take items).
    pub fn is_built(&self) -> bool {
        matches!(self.state, State::Built(_))
    }

    /// The built forest, if any.
    pub fn forest(&self) -> Option<&Forest<Storage>> {
        match &self.state {
            State::Built(forest) => Some(forest),
            State::Adding(_) => None,
        }
    }

    fn adding(&mut self, op: &'static str) -> Result<&mut Items> {
        match &mut self.state {
            State::Adding(items) => Ok(items),
            State::Built(_) => Err(Error::AlreadyBuilt { op }),
        }
    }

    fn built(&self, op: &'static str) -> Result<&Forest<Storage>> {
        self.forest().ok_or(Error::NotBuilt { op })
    }

    /// Sets item `id` to `vector` (Annoy's `add_item`). Ids need not be
    /// dense: the index covers `0..=max id`, ids never added are skipped.
    /// Fails on a wrong length, a non-finite value, an id of 2³¹ - 1 or
    /// more, or a built index.
    pub fn add_item(&mut self, id: usize, vector: &[f32]) -> Result<()> {
        self.adding("add an item")?.set(id, vector)
    }

    /// Adds the rows of `rows` (row-major, `f` values each) as the next ids,
    /// `get_n_items()` onwards: the fast way to add a matrix.
    pub fn add_items(&mut self, rows: &[f32]) -> Result<()> {
        self.adding("add items")?.extend(rows)
    }

    /// Sets the seed of the next build (Annoy's `set_seed`; Annoy's default
    /// seed otherwise).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// Builds `n_trees` trees with all threads (Annoy's `build(n_trees)`).
    /// Afterwards the index takes no more items.
    pub fn build(&mut self, n_trees: usize) -> Result<()> {
        self.build_with(BuildOptions::new(n_trees), |_, _| {})
    }

    /// Builds as `options` say, calling `progress(trees_done, n_trees)` as
    /// each tree is finished (from the build threads).
    pub fn build_with(
        &mut self,
        options: BuildOptions,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<()> {
        let (seed, metric) = (options.seed.unwrap_or(self.seed), self.metric);
        let on_disk = self.on_disk.clone();
        let items = self.adding("build")?;
        let plan = Plan {
            n_trees: options.n_trees,
            threads: options.threads,
            seed,
            progress: &progress,
        };
        let forest = match &on_disk {
            None => build::build(items, metric, &plan)?,
            Some(path) => build::build_to_file(items, metric, &plan, path)?,
        };
        self.state = State::Built(forest);
        self.seed = seed;
        self.on_disk = None;
        Ok(())
    }

    /// Makes the next build write the index straight into the file at
    /// `path` instead of memory (Annoy's `on_disk_build`), for forests
    /// larger than memory: the nodes are written as the trees are finished,
    /// to a temporary file renamed to `path` when complete, and the built
    /// index is that file, memory-mapped. No `save` is needed afterwards.
    ///
    /// Unlike Annoy: the items are still held in memory until the end of
    /// the build (which reads them in place); the path is only used at
    /// the build (Annoy creates the file at once), and the file appears only when the build
    /// succeeds; after a failed build the path stays set for the next one;
    /// a `save` afterwards writes a copy (Annoy's writes nothing). Fails on
    /// a built index.
    pub fn on_disk_build(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.adding("build on disk")?;
        self.on_disk = Some(path.as_ref().to_path_buf());
        Ok(())
    }

    /// Grows the built forest by `options.n_trees` more trees, seeded as the
    /// next trees of the same build (from the index's seed: the build's, or
    /// `options.seed`), calling `progress(trees_done, n_trees)`. The result
    /// is the forest a build of all the trees at once would give, byte for
    /// byte. Annoy has no such call; it lets a sweep over forest sizes build
    /// each tree once.
    ///
    /// Fails before a build, or for a forest loaded from a file (its
    /// original roots are unknown); on error the index is unchanged. A
    /// forest built on disk can grow: it is then copied into memory, and
    /// its file keeps the old forest until a `save`.
    pub fn add_trees_with(
        &mut self,
        options: BuildOptions,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<()> {
        let seed = options.seed.unwrap_or(self.seed);
        let State::Built(forest) = &mut self.state else {
            return Err(Error::NotBuilt { op: "add trees" });
        };
        let plan = Plan {
            n_trees: options.n_trees,
            threads: options.threads,
            seed,
            progress: &progress,
        };
        build::extend(forest, &plan)?;
        self.seed = seed;
        Ok(())
    }

    /// Makes a built index take items again (Annoy's `unbuild`): the
    /// forest is dropped (a mapped file is unmapped and left as it is), the
    /// items are kept with their ids (holes included, so `get_n_items` is
    /// unchanged), and the next build grows a new forest: the one a build
    /// over all the items at once gives. The seed stays.
    ///
    /// Unlike Annoy, an index loaded from a file can be unbuilt too: its
    /// items are read back from the file's item nodes (for Hamming, as 0s
    /// and 1s). Fails before a build, and on an item node holding a
    /// non-finite value; the index is then unchanged.
    pub fn unbuild(&mut self) -> Result<()> {
        let forest = self.built("unbuild")?;
        let mut items = Items::new(self.dim);
        items.reserve_ids(forest.n_items())?;
        for id in 0..forest.n_items() {
            if forest.item(id)?.n_descendants() == 1 {
                items.set(id, &forest.get_item_vector(id)?)?;
            }
        }
        self.state = State::Adding(items);
        Ok(())
    }

    /// Writes the index to `path` in Annoy's format (Annoy's `save`),
    /// atomically: a temporary file renamed over `path`. The index stays
    /// usable.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        storage::save(self.built("save")?.nodes()?.words, path.as_ref())
    }

    /// Replaces this index by the file at `path` (Annoy's `load`), memory
    /// mapped and verified. The file does not record `f` or the metric: the
    /// index's are used, and a file of another dimension or metric is
    /// refused when its size shows it.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        self.load_with(path, LoadOptions::default())
    }

    /// [`AnnoyIndex::load`] with options (skip verification, prefault).
    pub fn load_with(&mut self, path: impl AsRef<Path>, options: LoadOptions) -> Result<()> {
        let forest = storage::open(path.as_ref(), self.dim, self.metric, options)?;
        self.state = State::Built(forest);
        self.on_disk = None;
        Ok(())
    }

    /// Drops the items or the forest (unmapping a loaded file) and resets
    /// the seed, leaving an empty index (Annoy's `unload`).
    pub fn unload(&mut self) {
        self.state = State::Adding(Items::new(self.dim));
        self.seed = DEFAULT_SEED;
        self.on_disk = None;
    }

    /// The `n` nearest items to `vector`, nearest first, with their
    /// distances (Annoy's `get_nns_by_vector(v, n, search_k,
    /// include_distances=True)`). `search_k` is how many candidates to
    /// gather; `None` is Annoy's default, `n * get_n_trees()`.
    pub fn get_nns_by_vector(
        &self,
        vector: &[f32],
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        self.built("query")?.get_nns_by_vector(vector, n, search_k)
    }

    /// The `n` nearest items to item `id` (Annoy's `get_nns_by_item`).
    pub fn get_nns_by_item(
        &self,
        id: usize,
        n: usize,
        search_k: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        self.built("query")?.get_nns_by_item(id, n, search_k)
    }

    /// Item `id`'s vector (Annoy's `get_item_vector`; zeros for an id
    /// below `get_n_items()` that was never added).
    pub fn get_item_vector(&self, id: usize) -> Result<Vec<f32>> {
        match &self.state {
            State::Built(forest) => forest.get_item_vector(id),
            State::Adding(items) => {
                if id >= items.len() {
                    return Err(Error::ItemOutOfRange {
                        id: id as u64,
                        n_items: items.len(),
                    });
                }
                Ok(match self.metric {
                    Metric::Hamming => hamming::unpack(&self.as_stored(items.vector(id)), self.dim),
                    _ => items.vector(id).to_vec(),
                })
            }
        }
    }

    /// The distance between items `i` and `j` as Annoy reports it (Annoy's
    /// `get_distance`), before or after the build.
    pub fn get_distance(&self, i: usize, j: usize) -> Result<f32> {
        match &self.state {
            State::Built(forest) => forest.get_distance(i, j),
            State::Adding(_) => {
                let (x, y) = (self.get_item_vector(i)?, self.get_item_vector(j)?);
                let (x, y) = (self.as_stored(&x), self.as_stored(&y));
                let d = distance::distance(self.metric, f32_kernels::best(), &x, 0.0, &y, 0.0);
                Ok(distance::normalized(self.metric, d))
            }
        }
    }

    /// `v` as the nodes hold it: packed into bits for Hamming, else as is.
    fn as_stored(&self, v: &[f32]) -> Vec<f32> {
        match self.metric {
            Metric::Hamming => {
                let mut words = vec![0.0; hamming::words(self.dim)];
                hamming::pack(v, &mut words);
                words
            }
            _ => v.to_vec(),
        }
    }

    /// The number of items: the largest id added plus one (Annoy's
    /// `get_n_items`).
    pub fn get_n_items(&self) -> usize {
        match &self.state {
            State::Built(forest) => forest.n_items(),
            State::Adding(items) => items.len(),
        }
    }

    /// The number of trees, 0 before the build (Annoy's `get_n_trees`).
    pub fn get_n_trees(&self) -> usize {
        self.forest().map_or(0, Forest::n_trees)
    }
}
