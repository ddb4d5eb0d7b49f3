//! [`HnswIndexer`]: approximate neighbours through an HNSW graph (crate
//! `hnsw`, hnswlib's algorithm and files) over the unit vectors, and the one
//! owner of its files: the index in hnswlib's format and a labels sidecar,
//! saved as one set and checked against the vectors they are used with.

use std::path::Path;

use hnsw::{Capacity, HnswIndex, Params, Space};
use ndarray::ArrayView1;
use vecstore::KeyedVectors;

use crate::error::{Error, Result};
use crate::indexer::{check_dim, Indexer};
use crate::sidecar::Sidecar;

/// The sidecar's `'metric'` for an HNSW index: hnswlib's space name, which no
/// Annoy metric shares, so a sidecar tells the two kinds apart.
const SPACE_NAME: &str = "cosine";

/// An HNSW graph over a vocabulary's unit vectors in hnswlib's `cosine`
/// space; label = vocabulary index.
///
/// It answers with the **true cosine similarity** of each neighbour
/// (`1 - d` from the cosine space's distance `d = 1 - cos`), like the exact
/// and Annoy indexers, so `most_similar` means the same with any of them.
///
/// ```
/// use knn::{HnswIndexer, Similarity, Term};
/// use vecstore::KeyedVectors;
///
/// let mut kv = KeyedVectors::new(2);
/// for (i, word) in ["a", "b", "c", "d"].iter().enumerate() {
///     let angle = i as f32 * 0.4;
///     kv.push(*word, &[angle.cos(), angle.sin()])?;
/// }
/// let indexer = HnswIndexer::builder(&kv).seed(1).build()?;
/// let near = kv.most_similar(&[Term::Word("a")], &[], 1, None, Some(&indexer))?;
/// assert_eq!(near[0].0, "b");
/// assert!((near[0].1 - 0.4f32.cos()).abs() < 1e-5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct HnswIndexer {
    index: HnswIndex,
    /// The word of each item, from the vectors or the sidecar; `None` for
    /// an index opened without its sidecar (a file made by hnswlib).
    labels: Option<Vec<String>>,
}

/// Options for building an [`HnswIndexer`] (hnswlib's defaults).
#[derive(Debug, Clone)]
pub struct HnswIndexerBuilder<'a> {
    kv: &'a KeyedVectors,
    params: Params,
    ef: usize,
    threads: usize,
}

impl HnswIndexerBuilder<'_> {
    /// Links per element (`M`, default 16).
    pub fn m(mut self, m: usize) -> Self {
        self.params.m = m;
        self
    }

    /// The build's beam width (default 200).
    pub fn ef_construction(mut self, ef: usize) -> Self {
        self.params.ef_construction = ef;
        self
    }

    /// The query-time beam width (default 50).
    pub fn ef(mut self, ef: usize) -> Self {
        self.ef = ef;
        self
    }

    /// Seeds the level draws (default 100, hnswlib's); the same seed gives
    /// the same graph whatever the thread count.
    pub fn seed(mut self, seed: u64) -> Self {
        self.params.random_seed = seed;
        self
    }

    /// Build threads (0: all cores, the default).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Builds the graph.
    pub fn build(self) -> Result<HnswIndexer> {
        self.build_with(|_, _| {})
    }

    /// Builds the graph, calling `progress(items_done, items)`.
    pub fn build_with(self, progress: impl Fn(usize, usize) + Sync) -> Result<HnswIndexer> {
        let kv = self.kv;
        let mut index =
            HnswIndex::new(Space::Cosine, kv.dim(), self.params.max_elements(kv.len()))?;
        index.set_num_threads(self.threads);
        index.set_ef(self.ef)?;
        let normed = kv.normed_vectors();
        let rows = normed
            .as_slice()
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| normed.iter().copied().collect());
        index.add_items_with(&rows, None, progress)?;
        Ok(HnswIndexer {
            index,
            labels: Some(kv.index_to_key().to_vec()),
        })
    }
}

impl HnswIndexer {
    /// An indexer over `kv`'s unit vectors with `M` 16, `ef_construction`
    /// 200, `ef` 50, built on all cores.
    pub fn new(kv: &KeyedVectors) -> Result<Self> {
        Self::builder(kv).build()
    }

    /// A builder for `M`, `ef_construction`, `ef`, seed and threads.
    pub fn builder(kv: &KeyedVectors) -> HnswIndexerBuilder<'_> {
        HnswIndexerBuilder {
            kv,
            params: Params::default(),
            ef: 50,
            threads: 0,
        }
    }

    /// Saves the index to `path` (hnswlib's format, `cosine` space: Python's
    /// `hnswlib.Index('cosine', dim).load_index(path)` opens it) and the
    /// labels to `path.dict` (the Annoy indexer's sidecar, with `'metric'`
    /// `"cosine"` and `'num_trees'` 0), as one set ([`atomic_file::FileSet`]),
    /// as [`crate::AnnoyIndexer::save`] does.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.sidecar().save_with_index(path.as_ref(), |staged| {
            self.index.save_index(staged)?;
            Ok(())
        })
    }

    /// Maps the index saved at `path` for the vectors `kv` and checks that
    /// it was built from them (dimension, labels equal to `kv`'s vocabulary
    /// in order, one item per word, a sample of stored vectors equal to
    /// `kv`'s unit vectors). Without a sidecar (a file made by hnswlib) the
    /// labels must be the vocabulary indices. Labels outside `0..count` or
    /// given to two elements are refused ([`Error::IndexMismatch`]).
    pub fn load(path: impl AsRef<Path>, kv: &KeyedVectors) -> Result<Self> {
        let path = path.as_ref();
        let indexer = Self::open(path, Some(kv.dim()))?;
        indexer.check_against(path, kv)?;
        Ok(indexer)
    }

    /// Maps the index saved at `path` without vectors to check it against:
    /// with its sidecar when there is one (then `dim`, if given, must agree
    /// with it), otherwise `dim` is required, as hnswlib's `load_index`
    /// needs it. The index and its sidecar are opened together, never from
    /// two different saves. With a sidecar (words), the labels must be
    /// `0..count`, each on one element; without one they are only ids, and
    /// repeated labels are accepted, as hnswlib accepts them.
    pub fn open(path: impl AsRef<Path>, dim: Option<usize>) -> Result<Self> {
        let path = path.as_ref();
        let mismatch = |what: String| Error::IndexMismatch {
            path: path.to_path_buf(),
            what,
        };
        let lock = atomic_file::ReadLock::new(path)?;
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
        let (dim, labels) = match sidecar {
            Some(sidecar) => {
                if sidecar.metric.as_deref() != Some(SPACE_NAME) {
                    return Err(mismatch(format!(
                        "{} describes {}, not an HNSW index in the cosine space",
                        sidecar_path.display(),
                        match sidecar.metric.as_deref() {
                            Some(metric) => format!("a {metric:?} index"),
                            None => "an Annoy index".into(),
                        }
                    )));
                }
                if let Some(dim) = dim.filter(|d| *d != sidecar.f) {
                    return Err(mismatch(format!(
                        "the vectors have {dim} dimensions, {} says {}",
                        sidecar_path.display(),
                        sidecar.f
                    )));
                }
                (sidecar.f, Some(sidecar.labels))
            }
            None => {
                let dim = dim.ok_or_else(|| {
                    mismatch(format!(
                        "there is no sidecar {}: the dimension must be given, as hnswlib's load_index needs it",
                        sidecar_path.display()
                    ))
                })?;
                (dim, None)
            }
        };
        let mut index = HnswIndex::load_index(path, Space::Cosine, dim, Capacity::Saved)?;
        drop(lock);
        index.set_ef(50)?;
        let indexer = HnswIndexer { index, labels };
        if let Some(labels) = &indexer.labels {
            if labels.len() != indexer.index.get_current_count() {
                return Err(mismatch(format!(
                    "{} names {} words, the index holds {} items",
                    sidecar_path.display(),
                    labels.len(),
                    indexer.index.get_current_count()
                )));
            }
            indexer.check_labels(path)?;
        }
        Ok(indexer)
    }

    /// Fails unless the elements' hnswlib labels are `0..count`, each
    /// once: a label names a word (its vocabulary index) here. hnswlib
    /// accepts a file that gives two elements one label (its `loadIndex`
    /// keeps the last in its lookup, and its searches return both), which
    /// would answer one word twice and never another.
    fn check_labels(&self, path: &Path) -> Result<()> {
        let ids = self.index.get_ids_list();
        let count = ids.len();
        let mut owner = vec![u32::MAX; count];
        for (element, &label) in ids.iter().enumerate() {
            let what = if label >= count as u64 {
                format!(
                    "element {element} is labelled {label}, beyond the {count} items: labels must be the vocabulary indices 0..{count}"
                )
            } else if owner[label as usize] != u32::MAX {
                format!(
                    "elements {} and {element} are both labelled {label}: hnswlib accepts that, but here a label names one word",
                    owner[label as usize]
                )
            } else {
                owner[label as usize] = element as u32;
                continue;
            };
            return Err(Error::IndexMismatch {
                path: path.to_path_buf(),
                what,
            });
        }
        Ok(())
    }

    /// Whether `path` has a sidecar that describes an HNSW index (rather
    /// than an Annoy one); `false` when it has none or it cannot be read.
    pub fn has_hnsw_sidecar(path: impl AsRef<Path>) -> bool {
        Sidecar::read(&Sidecar::path_for(path.as_ref()))
            .is_ok_and(|s| s.metric.as_deref() == Some(SPACE_NAME))
    }

    /// Fails unless this index was built from `kv`: dimension, one item per
    /// word, labels (when known) equal to its vocabulary in order, and the
    /// stored vectors, sampled at up to 64 evenly spaced ids, equal to
    /// `kv`'s unit vectors (the checks [`crate::AnnoyIndexer::check_against`]
    /// makes), and every element's hnswlib label its vocabulary index, each
    /// label on one element (hnswlib accepts repeated labels in a file; a
    /// word index cannot have two).
    pub fn check_against(&self, path: &Path, kv: &KeyedVectors) -> Result<()> {
        self.check_labels(path)?;
        let stored = crate::check::Stored {
            dim: self.index.dim(),
            items: self.index.get_current_count(),
            labels: self.labels.as_deref(),
        };
        crate::check::check_against(
            path,
            stored,
            kv,
            kv.normed_vectors(),
            |id| {
                let mut rows = self.index.get_items(&[id as u64]).map_err(|_| Error::IndexMismatch {
                    path: path.to_path_buf(),
                    what: format!("the index has no live element labelled {id}: its labels are not the vocabulary's indices"),
                })?;
                Ok(rows.pop().unwrap_or_default())
            },
            |a, b| (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
        )
    }

    /// The sidecar saved with the index.
    fn sidecar(&self) -> Sidecar {
        Sidecar {
            f: self.index.dim(),
            num_trees: 0,
            labels: self.labels.clone().unwrap_or_default(),
            metric: Some(SPACE_NAME.into()),
        }
    }

    /// The word of each item, when known (built here, or opened with its
    /// sidecar).
    pub fn labels(&self) -> Option<&[String]> {
        self.labels.as_deref()
    }

    /// Sets the query-time beam width (hnswlib's `set_ef`).
    pub fn set_ef(&mut self, ef: usize) -> Result<()> {
        Ok(self.index.set_ef(ef)?)
    }

    /// The underlying HNSW index.
    pub fn index(&self) -> &HnswIndex {
        &self.index
    }

    /// Recall@`n` against exact search and queries per second (one thread,
    /// one query at a time) at each `ef` of `efs`, querying the stored
    /// vectors of the vocabulary items `queries` (each counts as its own
    /// neighbour on both sides). Leaves `ef` at the last value tried.
    pub fn evaluate(
        &mut self,
        kv: &KeyedVectors,
        queries: &[usize],
        n: usize,
        efs: &[usize],
    ) -> Result<Vec<EfRow>> {
        if let Some(&q) = queries.iter().find(|&&q| q >= kv.len()) {
            return Err(Error::IndexMismatch {
                path: Default::default(),
                what: format!("query item {q} is beyond the {} items", kv.len()),
            });
        }
        let exact = crate::recall::exact_neighbours(
            kv.normed_vectors(),
            annoy_rs::Metric::Angular,
            queries,
            n,
        );
        let vectors = self
            .index
            .get_items(&queries.iter().map(|&q| q as u64).collect::<Vec<_>>())?;
        let wanted = (queries.len() * n.min(kv.len())).max(1);
        let mut rows = Vec::with_capacity(efs.len());
        for &ef in efs {
            self.index.set_ef(ef)?;
            let start = std::time::Instant::now();
            let mut hits = 0usize;
            for (vector, truth) in vectors.iter().zip(&exact) {
                let found = self.index.knn_query(vector, n)?;
                hits += found
                    .iter()
                    .filter(|f| truth.contains(&(f.label as usize)))
                    .count();
            }
            let seconds = start.elapsed().as_secs_f64().max(1e-9);
            rows.push(EfRow {
                ef,
                recall: hits as f64 / wanted as f64,
                qps: queries.len() as f64 / seconds,
            });
        }
        Ok(rows)
    }
}

/// One row of [`HnswIndexer::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EfRow {
    /// The query-time beam width.
    pub ef: usize,
    /// Recall@n against exact search.
    pub recall: f64,
    /// Queries per second, one thread, one query at a time.
    pub qps: f64,
}

impl Indexer for HnswIndexer {
    fn most_similar(&self, query: ArrayView1<'_, f32>, topn: usize) -> Result<Vec<(usize, f32)>> {
        check_dim(self.index.dim(), query.len())?;
        if self.index.get_current_count() == 0 || topn == 0 {
            return Ok(Vec::new());
        }
        let query = query
            .as_slice()
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| query.to_vec());
        if query.iter().any(|x| !x.is_finite()) {
            return Err(Error::NonFiniteQuery);
        }
        let neighbors = self.index.knn_query(&query, topn)?;
        Ok(neighbors
            .into_iter()
            .map(|n| (n.label as usize, 1.0 - n.distance))
            .collect())
    }
}
