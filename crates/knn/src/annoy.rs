//! [`AnnoyIndexer`]: approximate neighbours through an Annoy forest over
//! the unit vectors (angular metric, like gensim's `AnnoyIndexer`) or the
//! raw vectors (Annoy's other metrics), and the one owner of its files: the
//! Annoy index and gensim's `.dict` sidecar, saved as one set and checked
//! against the vectors they are used with.

use std::path::Path;

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use ndarray::{ArrayView1, Axis};
use rayon::prelude::*;
use vecstore::KeyedVectors;

use crate::error::{Error, Result};
use crate::indexer::{check_dim, Indexer};
use crate::sidecar::Sidecar;

/// An Annoy forest over a vocabulary's unit vectors; item id = vocabulary
/// index.
///
/// It answers with the **true cosine similarity** of each neighbour,
/// `1 - d²/2` from Annoy's angular distance `d = sqrt(2 - 2 cos)`, as
/// gensim >= 4.3.1 does. (Older gensim, and the printed output of gensim's
/// Annoy tutorial, used `1 - d/2`, which is why the tutorial's approximate
/// and exact scores differ.)
///
/// ```
/// use knn::{AnnoyIndexer, Similarity, Term};
/// use vecstore::KeyedVectors;
///
/// let mut kv = KeyedVectors::new(2);
/// for (i, word) in ["a", "b", "c", "d"].iter().enumerate() {
///     let angle = i as f32 * 0.4;
///     kv.push(*word, &[angle.cos(), angle.sin()])?;
/// }
/// let indexer = AnnoyIndexer::builder(&kv, 10).seed(1).build()?;
/// let near = kv.most_similar(&[Term::Word("a")], &[], 1, None, Some(&indexer))?;
/// assert_eq!(near[0].0, "b");
/// assert!((near[0].1 - 0.4f32.cos()).abs() < 1e-5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AnnoyIndexer {
    index: AnnoyIndex,
    num_trees: usize,
    search_k: Option<usize>,
    /// The word of each item, from the vectors or the sidecar; `None` for
    /// an index opened without its sidecar.
    labels: Option<Vec<String>>,
}

/// The vectors a builder indexes: lent, or given (and dropped as soon as
/// the forest holds its items).
#[derive(Debug, Clone)]
enum Vectors<'a> {
    Lent(&'a KeyedVectors),
    Given(Box<KeyedVectors>),
}

/// Options for building an [`AnnoyIndexer`].
#[derive(Debug, Clone)]
pub struct AnnoyIndexerBuilder<'a> {
    vectors: Vectors<'a>,
    num_trees: usize,
    metric: Metric,
    seed: Option<u64>,
    threads: usize,
    search_k: Option<usize>,
}

impl<'a> AnnoyIndexerBuilder<'a> {
    /// The metric (default angular, over the unit vectors; the other
    /// metrics index the raw vectors, Hamming their bits above 0.5).
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// Seeds the forest (Annoy's `set_seed`); the same seed gives the same
    /// forest whatever the thread count.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Build threads (0: all cores, the default).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Candidates gathered per query (Annoy's `search_k`); default `n * num_trees`.
    pub fn search_k(mut self, search_k: usize) -> Self {
        self.search_k = Some(search_k);
        self
    }

    /// Builds the forest.
    pub fn build(self) -> Result<AnnoyIndexer> {
        self.build_with(|_, _| {})
    }

    /// Builds the forest, calling `progress(trees_done, num_trees)`.
    pub fn build_with(self, progress: impl Fn(usize, usize) + Sync) -> Result<AnnoyIndexer> {
        self.build_to(None, progress)
    }

    /// Builds the forest straight into the index file `path` (Annoy's
    /// `on_disk_build`: the trees go to the file as they are finished and
    /// the forest is never held in memory), and saves the sidecar with it
    /// as one set, as [`AnnoyIndexer::save`] does.
    pub fn build_into(
        self,
        path: &Path,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<AnnoyIndexer> {
        let mut files = atomic_file::FileSet::new(path)?;
        let staged = files.stage(path)?;
        let indexer = self.build_to(Some(&staged), progress)?;
        indexer
            .sidecar()
            .write(&files.stage(&Sidecar::path_for(path))?)?;
        files.commit()?;
        Ok(indexer)
    }

    /// Builds the forest, in memory or (Annoy's `on_disk_build`) into `file`.
    fn build_to(
        self,
        file: Option<&Path>,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<AnnoyIndexer> {
        let kv = match &self.vectors {
            Vectors::Lent(kv) => *kv,
            Vectors::Given(kv) => &**kv,
        };
        let mut index = AnnoyIndex::new(kv.dim(), self.metric);
        add_rows(&mut index, kv, self.metric)?;
        let labels = match self.vectors {
            Vectors::Lent(kv) => kv.index_to_key().to_vec(),
            Vectors::Given(kv) => (*kv).into_index_to_key(),
        };
        let mut options = BuildOptions::new(self.num_trees).threads(self.threads);
        if let Some(seed) = self.seed {
            options = options.seed(seed);
        }
        if let Some(file) = file {
            index.on_disk_build(file)?;
        }
        index.build_with(options, progress)?;
        Ok(AnnoyIndexer {
            index,
            num_trees: self.num_trees,
            search_k: self.search_k,
            labels: Some(labels),
        })
    }
}

impl AnnoyIndexer {
    /// An indexer with `num_trees` trees over `kv`'s unit vectors (gensim's
    /// `AnnoyIndexer(model, num_trees)`), built on all cores.
    pub fn new(kv: &KeyedVectors, num_trees: usize) -> Result<Self> {
        Self::builder(kv, num_trees).build()
    }

    /// A builder for seed, threads and `search_k`.
    pub fn builder(kv: &KeyedVectors, num_trees: usize) -> AnnoyIndexerBuilder<'_> {
        Self::builder_of(Vectors::Lent(kv), num_trees)
    }

    /// [`AnnoyIndexer::builder`] that takes the vectors: the build drops
    /// them (keeping the words, as labels) once the forest holds its items,
    /// so that it holds one copy of the vectors, the forest's.
    pub fn builder_owned(kv: KeyedVectors, num_trees: usize) -> AnnoyIndexerBuilder<'static> {
        Self::builder_of(Vectors::Given(Box::new(kv)), num_trees)
    }

    fn builder_of(vectors: Vectors<'_>, num_trees: usize) -> AnnoyIndexerBuilder<'_> {
        AnnoyIndexerBuilder {
            vectors,
            num_trees,
            metric: Metric::Angular,
            seed: None,
            threads: 0,
            search_k: None,
        }
    }

    /// Grows the forest by `extra` trees on `threads` threads (0: all cores),
    /// calling `progress(trees_done, extra)`: the result is the indexer a
    /// build of all the trees at once with the same seed gives. For a sweep
    /// over forest sizes; fails for an indexer loaded from a file.
    pub fn add_trees_with(
        &mut self,
        extra: usize,
        threads: usize,
        progress: impl Fn(usize, usize) + Sync,
    ) -> Result<()> {
        self.index
            .add_trees_with(BuildOptions::new(extra).threads(threads), progress)?;
        self.num_trees = self.index.get_n_trees();
        Ok(())
    }

    /// Saves the index to `path` (Annoy's file) and gensim's sidecar to
    /// `path.dict` (`{'f', 'num_trees', 'labels', 'metric'}`), so that
    /// `gensim.similarities.annoy.AnnoyIndexer().load(path)` opens it.
    ///
    /// The two files are saved together ([`atomic_file::FileSet`]): both are
    /// written whole to a temporary directory beside `path`, then renamed
    /// into place, the sidecar last. A crash while writing leaves the
    /// previous pair untouched; only a crash in the microseconds between
    /// the two renames leaves a new index beside the old sidecar.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.sidecar().save_with_index(path.as_ref(), |staged| {
            self.index.save(staged)?;
            Ok(())
        })
    }

    /// Maps the index saved at `path` for the vectors `kv`, and checks that
    /// it was built from them: the sidecar's dimension, and its labels
    /// equal to `kv`'s vocabulary in order (gensim checks neither, and
    /// misbehaves); the number of items; and a sample of the stored item
    /// vectors equal to `kv`'s rows. Without a sidecar the index is taken
    /// as angular (gensim's) and only its items are checked.
    pub fn load(path: impl AsRef<Path>, kv: &KeyedVectors) -> Result<Self> {
        let path = path.as_ref();
        let indexer = Self::open(path, Some(kv.dim()), None)?;
        indexer.check_against(path, kv)?;
        Ok(indexer)
    }

    /// Maps the index saved at `path` without vectors to check it against:
    /// with its sidecar when there is one (then `dim` and `metric`, if
    /// given, must agree with it), otherwise `dim` is required and
    /// `metric` defaults to angular, as Annoy's own `load` needs them.
    /// The index and its sidecar are opened together, never from two
    /// different saves.
    pub fn open(
        path: impl AsRef<Path>,
        dim: Option<usize>,
        metric: Option<Metric>,
    ) -> Result<Self> {
        let path = path.as_ref();
        let mismatch = |what: String| Error::IndexMismatch {
            path: path.to_path_buf(),
            what,
        };
        let lock = atomic_file::ReadLock::new(path)?;
        // Open the index first, so that a missing index is what is reported.
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            op: "open",
            path: path.to_path_buf(),
            source,
        })?;
        let sidecar_path = Sidecar::path_for(path);
        let sidecar = match Sidecar::read(&sidecar_path) {
            Ok(sidecar) => Some(sidecar),
            Err(crate::sidecar::Error::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                None
            }
            Err(e) => return Err(e.into()),
        };
        let (dim, metric, num_trees, labels) = match sidecar {
            Some(sidecar) => {
                let recorded: Metric = match sidecar.metric.as_deref() {
                    None => Metric::Angular,
                    Some(name) => name.parse().map_err(|_| {
                        mismatch(format!(
                            "{} names an unknown metric {name:?}",
                            sidecar_path.display()
                        ))
                    })?,
                };
                if let Some(dim) = dim.filter(|d| *d != sidecar.f) {
                    return Err(mismatch(format!(
                        "the vectors have {dim} dimensions, {} says {}",
                        sidecar_path.display(),
                        sidecar.f
                    )));
                }
                if let Some(metric) = metric.filter(|m| *m != recorded) {
                    return Err(mismatch(format!(
                        "the metric asked for is {metric}, {} says {recorded}",
                        sidecar_path.display()
                    )));
                }
                (
                    sidecar.f,
                    recorded,
                    Some(sidecar.num_trees),
                    Some(sidecar.labels),
                )
            }
            None => {
                let dim = dim.ok_or_else(|| {
                    mismatch(format!(
                        "there is no sidecar {}: the dimension must be given, as Annoy's load needs it",
                        sidecar_path.display()
                    ))
                })?;
                (dim, metric.unwrap_or(Metric::Angular), None, None)
            }
        };
        let index = AnnoyIndex::open(path, dim, metric)?;
        drop((file, lock));
        if let Some(labels) = &labels {
            if labels.len() != index.get_n_items() {
                return Err(mismatch(format!(
                    "{} names {} words, the index holds {} items",
                    sidecar_path.display(),
                    labels.len(),
                    index.get_n_items()
                )));
            }
        }
        Ok(AnnoyIndexer {
            num_trees: num_trees.unwrap_or(index.get_n_trees()),
            index,
            search_k: None,
            labels,
        })
    }

    /// Fails unless this index was built from `kv`: labels (when known)
    /// equal to its vocabulary in order, one item per word, and the stored
    /// item vectors, sampled at up to 64 evenly spaced ids, equal to `kv`'s
    /// rows as indexed (unit vectors for angular, bits for Hamming).
    pub fn check_against(&self, path: &Path, kv: &KeyedVectors) -> Result<()> {
        let metric = self.index.metric();
        let stored = crate::check::Stored {
            dim: self.index.f(),
            items: self.index.get_n_items(),
            labels: self.labels.as_deref(),
        };
        crate::check::check_against(
            path,
            stored,
            kv,
            indexed_rows(kv, metric),
            |id| Ok(self.index.get_item_vector(id)?),
            |a, b| {
                if metric == Metric::Hamming {
                    (a > 0.5) == (b > 0.5)
                } else {
                    (a - b).abs() <= 1e-4 * (1.0 + b.abs())
                }
            },
        )
    }

    /// gensim's sidecar for this index (with our `'metric'` key).
    fn sidecar(&self) -> Sidecar {
        Sidecar {
            f: self.index.f(),
            num_trees: self.num_trees,
            labels: self.labels.clone().unwrap_or_default(),
            metric: Some(self.index.metric().name().into()),
        }
    }

    /// The word of each item, when known (built here, or opened with its
    /// sidecar).
    pub fn labels(&self) -> Option<&[String]> {
        self.labels.as_deref()
    }

    /// Sets the candidates gathered per query (`None`: Annoy's default, `n * num_trees`).
    pub fn set_search_k(&mut self, search_k: Option<usize>) {
        self.search_k = search_k;
    }

    /// The number of trees.
    pub fn num_trees(&self) -> usize {
        self.num_trees
    }

    /// The underlying Annoy index.
    pub fn index(&self) -> &AnnoyIndex {
        &self.index
    }
}

/// The rows an index of `metric` holds for `kv`: the unit vectors for
/// angular (as gensim's `AnnoyIndexer`), the raw vectors otherwise.
/// Adds the rows the metric indexes (see [`indexed_rows`]) to `index` a
/// block at a time, normalising each block for angular, so that no second
/// matrix of the vectors is made.
fn add_rows(index: &mut AnnoyIndex, kv: &KeyedVectors, metric: Metric) -> Result<()> {
    const BLOCK_ROWS: usize = 4096;
    let dim = kv.dim();
    let mut block = Vec::with_capacity(BLOCK_ROWS.min(kv.len()) * dim);
    for rows in kv.vectors().axis_chunks_iter(Axis(0), BLOCK_ROWS) {
        block.clear();
        block.extend(rows.iter().copied());
        if metric == Metric::Angular && dim > 0 {
            block.par_chunks_mut(dim).for_each(vecstore::normalize);
        }
        index.add_items(&block)?;
    }
    Ok(())
}

pub(crate) fn indexed_rows(kv: &KeyedVectors, metric: Metric) -> ndarray::ArrayView2<'_, f32> {
    if metric == Metric::Angular {
        kv.normed_vectors()
    } else {
        kv.vectors()
    }
}

impl Indexer for AnnoyIndexer {
    fn most_similar(&self, query: ArrayView1<'_, f32>, topn: usize) -> Result<Vec<(usize, f32)>> {
        check_dim(self.index.f(), query.len())?;
        let query = query
            .as_slice()
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| query.to_vec());
        let neighbors = self.index.get_nns_by_vector(&query, topn, self.search_k)?;
        // Angular: the true cosine from d = sqrt(2 - 2 cos). Other metrics
        // have no cosine: the negated distance, which orders the same way.
        let angular = self.index.metric() == Metric::Angular;
        Ok(neighbors
            .into_iter()
            .map(|n| {
                let score = if angular {
                    1.0 - n.distance * n.distance / 2.0
                } else {
                    -n.distance
                };
                (n.id as usize, score)
            })
            .collect())
    }
}
