//! [`AnnoyIndexer`]: approximate neighbours through an Annoy forest over
//! the unit vectors (angular metric), like gensim's `AnnoyIndexer`, and
//! its files: the Annoy index and gensim's `.dict` sidecar.

use std::path::Path;

use annoy_rs::{AnnoyIndex, BuildOptions, Metric};
use ndarray::ArrayView1;
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
    labels: Vec<String>,
}

/// Options for building an [`AnnoyIndexer`].
#[derive(Debug, Clone)]
pub struct AnnoyIndexerBuilder<'a> {
    kv: &'a KeyedVectors,
    num_trees: usize,
    seed: Option<u64>,
    threads: usize,
    search_k: Option<usize>,
}

impl<'a> AnnoyIndexerBuilder<'a> {
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
        let mut index = AnnoyIndex::new(self.kv.dim(), Metric::Angular);
        let normed = self.kv.normed_vectors();
        match normed.as_slice() {
            Some(rows) => index.add_items(rows)?,
            None => index.add_items(&normed.iter().copied().collect::<Vec<_>>())?,
        }
        let mut options = BuildOptions::new(self.num_trees).threads(self.threads);
        if let Some(seed) = self.seed {
            options = options.seed(seed);
        }
        index.build_with(options, progress)?;
        Ok(AnnoyIndexer {
            index,
            num_trees: self.num_trees,
            search_k: self.search_k,
            labels: self.kv.index_to_key().to_vec(),
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
        AnnoyIndexerBuilder {
            kv,
            num_trees,
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
    /// The two files are saved together ([`vecstore::FileSet`]): both are
    /// written whole to a temporary directory beside `path`, then renamed
    /// into place, the sidecar last. A crash while writing leaves the
    /// previous pair untouched; only a crash in the microseconds between
    /// the two renames leaves a new index beside the old sidecar.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut files = vecstore::FileSet::new(path)?;
        self.index.save(files.stage(path))?;
        let sidecar = Sidecar {
            f: self.index.f(),
            num_trees: self.num_trees,
            labels: self.labels.clone(),
            metric: Some("angular".into()),
        };
        sidecar.write(&files.stage(&Sidecar::path_for(path)))?;
        files.commit()?;
        Ok(())
    }

    /// Maps the index saved at `path` for the vectors `kv`, checking its
    /// sidecar against them: same dimension, and labels equal to `kv`'s
    /// vocabulary in order (gensim does not check, and misbehaves).
    pub fn load(path: impl AsRef<Path>, kv: &KeyedVectors) -> Result<Self> {
        let path = path.as_ref();
        let sidecar = Sidecar::read(&Sidecar::path_for(path))?;
        let mismatch = |what: String| Error::IndexMismatch {
            path: path.to_path_buf(),
            what,
        };
        if let Some(metric) = sidecar.metric.as_deref().filter(|m| *m != "angular") {
            return Err(mismatch(format!(
                "the index is {metric}, an indexer needs angular"
            )));
        }
        if sidecar.f != kv.dim() {
            return Err(mismatch(format!(
                "the index has {} dimensions, the vectors {}",
                sidecar.f,
                kv.dim()
            )));
        }
        if sidecar.labels.len() != kv.len() {
            return Err(mismatch(format!(
                "the index has {} labels, the vectors {} words",
                sidecar.labels.len(),
                kv.len()
            )));
        }
        if let Some(i) = sidecar
            .labels
            .iter()
            .zip(kv.index_to_key())
            .position(|(a, b)| a != b)
        {
            return Err(mismatch(format!(
                "label {i} is {:?} but word {i} of the vectors is {:?}",
                sidecar.labels[i],
                kv.index_to_key()[i]
            )));
        }
        let index = AnnoyIndex::open(path, sidecar.f, Metric::Angular)?;
        if index.get_n_items() != kv.len() {
            return Err(mismatch(format!(
                "the index holds {} items for {} labels",
                index.get_n_items(),
                kv.len()
            )));
        }
        Ok(AnnoyIndexer {
            index,
            num_trees: sidecar.num_trees,
            search_k: None,
            labels: sidecar.labels,
        })
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

impl Indexer for AnnoyIndexer {
    fn most_similar(&self, query: ArrayView1<'_, f32>, topn: usize) -> Result<Vec<(usize, f32)>> {
        check_dim(self.index.f(), query.len())?;
        let query = query
            .as_slice()
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| query.to_vec());
        let neighbors = self.index.get_nns_by_vector(&query, topn, self.search_k)?;
        Ok(neighbors
            .into_iter()
            .map(|n| (n.id as usize, 1.0 - n.distance * n.distance / 2.0))
            .collect())
    }
}
