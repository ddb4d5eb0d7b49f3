//! [`KeyedVectors`]: an ordered vocabulary and one vector per word.

use std::any::Any;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock};

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis, Zip};

use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// Words and their vectors, like gensim's `KeyedVectors`.
///
/// Holds an ordered vocabulary (`index_to_key`, and the reverse lookup
/// [`index_of`](Self::index_of)), an `n x dim` f32 matrix whose row `i` is the
/// vector of word `i`, optional per-word counts, and the unit-norm vectors,
/// computed on first use and cached.
///
/// The matrix is either owned or, after [`crate::native::load`], a read-only
/// view of a memory-mapped file; mutating methods copy a mapped matrix into
/// memory first.
///
/// ```
/// use vecstore::KeyedVectors;
///
/// let mut kv = KeyedVectors::new(2);
/// kv.push("king", &[1.0, 0.0])?;
/// kv.push("queen", &[0.8, 0.6])?;
/// assert_eq!(kv.index_of("queen"), Some(1));
/// assert!((kv.similarity("king", "queen")? - 0.8).abs() < 1e-6);
/// # Ok::<(), vecstore::Error>(())
/// ```
#[derive(Clone)]
pub struct KeyedVectors {
    words: Vec<String>,
    /// Indices into `words`, hashed by the word they point at.
    index: HashTable<usize>,
    hasher: DefaultHashBuilder,
    matrix: Matrix,
    counts: Option<Vec<u64>>,
    derived: Derived,
}

/// Representations computed from the vectors on first use and dropped on
/// every mutation.
#[derive(Clone, Default)]
struct Derived {
    normed: OnceLock<Array2<f32>>,
    /// What other crates derive (see [`KeyedVectors::derived`]).
    others: Others,
}

/// Values of any type derived from the vectors, at most one per type.
#[derive(Default)]
struct Others(Mutex<Vec<Arc<dyn Any + Send + Sync>>>);

impl Others {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<dyn Any + Send + Sync>>> {
        // A panic in another thread cannot leave the list half-changed: the
        // only changes are whole pushes.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.lock()
            .iter()
            .find_map(|value| Arc::clone(value).downcast::<T>().ok())
    }
}

impl Clone for Others {
    /// The clone shares the values (they were derived from the same vectors).
    fn clone(&self) -> Self {
        Others(Mutex::new(self.lock().clone()))
    }
}

impl KeyedVectors {
    /// An empty set of `dim`-dimensional vectors.
    pub fn new(dim: usize) -> Self {
        Self::with_capacity(dim, 0)
    }

    /// An empty set of `dim`-dimensional vectors with room for `capacity` words.
    pub fn with_capacity(dim: usize, capacity: usize) -> Self {
        let mut matrix = Array2::zeros((0, dim));
        matrix.reserve_rows(capacity).ok();
        KeyedVectors {
            words: Vec::with_capacity(capacity),
            index: HashTable::with_capacity(capacity),
            hasher: DefaultHashBuilder::default(),
            matrix: Matrix::Owned(matrix),
            counts: None,
            derived: Derived::default(),
        }
    }

    /// Builds a set from words in index order, their `n x dim` vectors, and
    /// optional counts (one per word).
    ///
    /// Fails on a duplicate word, or if the numbers of words, rows and counts
    /// differ.
    pub fn from_parts(
        words: Vec<String>,
        vectors: Array2<f32>,
        counts: Option<Vec<u64>>,
    ) -> Result<Self> {
        let vectors = vectors.as_standard_layout().into_owned();
        Self::from_matrix(words, Matrix::Owned(vectors), counts)
    }

    /// Like [`from_parts`](Self::from_parts), for any matrix storage.
    pub(crate) fn from_matrix(
        words: Vec<String>,
        matrix: Matrix,
        counts: Option<Vec<u64>>,
    ) -> Result<Self> {
        check_lengths(words.len(), matrix.view().nrows(), counts.as_deref())?;
        let (words, index, hasher, dropped) = index_keep_first(words);
        if let Some((_, word)) = dropped.into_iter().next() {
            return Err(Error::DuplicateKey(word));
        }
        Ok(KeyedVectors {
            words,
            index,
            hasher,
            matrix,
            counts,
            derived: Derived::default(),
        })
    }

    /// Builds a set from rows read from a file, keeping the first occurrence
    /// of each word as gensim does; returns the set and the number of rows
    /// dropped as duplicates.
    pub(crate) fn from_rows_keep_first(
        words: Vec<String>,
        mut matrix: Matrix,
        mut counts: Option<Vec<u64>>,
    ) -> Result<(Self, usize)> {
        check_lengths(words.len(), matrix.view().nrows(), counts.as_deref())?;
        let (words, index, hasher, dropped) = index_keep_first(words);
        if !dropped.is_empty() {
            let vectors = matrix.make_owned();
            let mut dropped_rows = dropped.iter().map(|(row, _)| *row).peekable();
            let mut kept = 0;
            for row in 0..vectors.nrows() {
                if dropped_rows.next_if_eq(&row).is_some() {
                    continue;
                }
                if kept != row {
                    let (mut to, from) = vectors.multi_slice_mut((s![kept, ..], s![row, ..]));
                    to.assign(&from);
                    if let Some(counts) = &mut counts {
                        counts[kept] = counts[row];
                    }
                }
                kept += 1;
            }
            let compacted = vectors.slice(s![..kept, ..]).to_owned();
            matrix = Matrix::Owned(compacted);
            if let Some(counts) = &mut counts {
                counts.truncate(kept);
            }
        }
        let kv = KeyedVectors {
            words,
            index,
            hasher,
            matrix,
            counts,
            derived: Derived::default(),
        };
        Ok((kv, dropped.len()))
    }

    /// The number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The dimension of every vector.
    pub fn dim(&self) -> usize {
        self.matrix.view().ncols()
    }

    /// Whether `word` is in the vocabulary.
    pub fn contains(&self, word: &str) -> bool {
        self.index_of(word).is_some()
    }

    /// The index of `word` (gensim's `key_to_index[word]`), or `None`.
    pub fn index_of(&self, word: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(word);
        self.index.find(hash, |&i| self.words[i] == word).copied()
    }

    /// The word at `index` (gensim's `index_to_key[index]`), or `None` if out of range.
    pub fn key(&self, index: usize) -> Option<&str> {
        self.words.get(index).map(String::as_str)
    }

    /// All words in index order (gensim's `index_to_key`).
    pub fn index_to_key(&self) -> &[String] {
        &self.words
    }

    /// The words in index order, taken out of the set (the vectors are
    /// dropped): for users that only need the words once they have read
    /// the vectors.
    pub fn into_index_to_key(self) -> Vec<String> {
        self.words
    }

    /// Per-word counts in index order, if known.
    pub fn counts(&self) -> Option<&[u64]> {
        self.counts.as_deref()
    }

    /// Sets (or, with `None`, removes) the per-word counts; one count per word.
    pub fn set_counts(&mut self, counts: Option<Vec<u64>>) -> Result<()> {
        check_lengths(self.len(), self.len(), counts.as_deref())?;
        self.counts = counts;
        Ok(())
    }

    /// The vector of `word`.
    pub fn get_vector(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        Ok(self
            .matrix
            .view()
            .index_axis_move(Axis(0), self.require(word)?))
    }

    /// The unit-norm vector of `word` (a zero vector stays zero).
    ///
    /// The first call computes and caches the unit vectors of every word, as
    /// [`normed_vectors`](Self::normed_vectors) does.
    pub fn get_normed(&self, word: &str) -> Result<ArrayView1<'_, f32>> {
        let index = self.require(word)?;
        Ok(self.normed_vectors().index_axis_move(Axis(0), index))
    }

    /// The `n x dim` matrix, row `i` being the vector of word `i`.
    pub fn vectors(&self) -> ArrayView2<'_, f32> {
        self.matrix.view()
    }

    /// The matrix of unit-norm vectors (zero rows stay zero), computed on first
    /// use (in parallel) and cached until the next mutation.
    pub fn normed_vectors(&self) -> ArrayView2<'_, f32> {
        self.derived
            .normed
            .get_or_init(|| normalize_rows(self.matrix.view()))
            .view()
    }

    /// A value of type `T` that another crate derives from these vectors
    /// (a search structure, say): computed by `init` on the first call for
    /// `T`, then cached like [`normed_vectors`](Self::normed_vectors) until
    /// the next mutation. This crate never looks inside it. Two threads
    /// asking at once may both run `init`; the first value stored is kept
    /// and returned to both.
    pub fn derived<T: Any + Send + Sync>(&self, init: impl FnOnce(&Self) -> T) -> Arc<T> {
        if let Some(value) = self.derived.others.get::<T>() {
            return value;
        }
        let value = Arc::new(init(self));
        let mut others = self.derived.others.lock();
        if let Some(first) = others
            .iter()
            .find_map(|other| Arc::clone(other).downcast::<T>().ok())
        {
            return first;
        }
        others.push(value.clone());
        value
    }

    /// Iterates over `(word, vector)` in vocabulary order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, ArrayView1<'_, f32>)> + '_ {
        let view = self.matrix.view();
        self.words
            .iter()
            .enumerate()
            .map(move |(i, word)| (word.as_str(), view.index_axis_move(Axis(0), i)))
    }

    /// Appends `word` with `vector` and returns its index. If the set carries
    /// counts, the new word's count is 0.
    ///
    /// Fails if `word` is already present or `vector` has the wrong length;
    /// the set is unchanged then. A memory-mapped matrix is copied into memory
    /// first.
    pub fn push(&mut self, word: impl Into<String>, vector: &[f32]) -> Result<usize> {
        let word = word.into();
        if vector.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                key: word,
                expected: self.dim(),
                found: vector.len(),
            });
        }
        let hash = self.hasher.hash_one(word.as_str());
        let words = &self.words;
        let hasher = &self.hasher;
        let slot = match self.index.entry(
            hash,
            |&i| words[i] == word,
            |&i| hasher.hash_one(words[i].as_str()),
        ) {
            Entry::Occupied(_) => return Err(Error::DuplicateKey(word)),
            Entry::Vacant(slot) => slot,
        };
        let index = self.words.len();
        slot.insert(index);
        self.matrix
            .make_owned()
            .push_row(ArrayView1::from(vector))
            .expect("row length was checked against dim");
        self.words.push(word);
        if let Some(counts) = &mut self.counts {
            counts.push(0);
        }
        self.derived = Derived::default();
        Ok(index)
    }

    /// Cosine similarity of two words' vectors (0 if either is zero).
    pub fn similarity(&self, a: &str, b: &str) -> Result<f32> {
        let a = self.get_vector(a)?;
        let b = self.get_vector(b)?;
        Ok(cosine(a, b))
    }

    /// Cosine distance, `1 - similarity(a, b)`.
    pub fn distance(&self, a: &str, b: &str) -> Result<f32> {
        Ok(1.0 - self.similarity(a, b)?)
    }

    /// Cosine similarity between the means of two lists of words' (raw)
    /// vectors, as gensim's `n_similarity`. Unlike gensim, an unknown word is
    /// an error rather than silently skipped.
    pub fn n_similarity(&self, first: &[&str], second: &[&str]) -> Result<f32> {
        let a = self.mean_vector(first)?;
        let b = self.mean_vector(second)?;
        Ok(cosine(a.view(), b.view()))
    }

    /// Whether the matrix is a read-only memory map: of a native file (see
    /// [`crate::native`]), or of the buffer a binary reader filled. Mutating
    /// methods copy it into an ordinary array first.
    pub fn is_mapped(&self) -> bool {
        self.matrix.is_mapped()
    }

    fn require(&self, word: &str) -> Result<usize> {
        self.index_of(word)
            .ok_or_else(|| Error::KeyNotFound(word.to_string()))
    }

    fn mean_vector(&self, words: &[&str]) -> Result<Array1<f32>> {
        if words.is_empty() {
            return Err(Error::EmptyKeys("n_similarity"));
        }
        let mut sum = Array1::<f32>::zeros(self.dim());
        for word in words {
            sum += &self.get_vector(word)?;
        }
        Ok(sum / words.len() as f32)
    }
}

/// Checks that there is one row and (if any) one count per key.
fn check_lengths(keys: usize, rows: usize, counts: Option<&[u64]>) -> Result<()> {
    if rows != keys {
        return Err(Error::LengthMismatch {
            what: "rows",
            keys,
            found: rows,
        });
    }
    match counts {
        Some(counts) if counts.len() != keys => Err(Error::LengthMismatch {
            what: "counts",
            keys,
            found: counts.len(),
        }),
        _ => Ok(()),
    }
}

/// A word list with every repeated word removed (first occurrence kept), its
/// hash index, and the dropped `(original row, word)` pairs in row order.
#[allow(clippy::type_complexity)]
fn index_keep_first(
    words: Vec<String>,
) -> (
    Vec<String>,
    HashTable<usize>,
    DefaultHashBuilder,
    Vec<(usize, String)>,
) {
    let hasher = DefaultHashBuilder::default();
    let mut index = HashTable::with_capacity(words.len());
    let mut kept: Vec<String> = Vec::with_capacity(words.len());
    let mut dropped = Vec::new();
    for (row, word) in words.into_iter().enumerate() {
        let hash = hasher.hash_one(word.as_str());
        match index.entry(
            hash,
            |&i: &usize| kept[i] == word,
            |&i: &usize| hasher.hash_one(kept[i].as_str()),
        ) {
            Entry::Occupied(_) => dropped.push((row, word)),
            Entry::Vacant(slot) => {
                slot.insert(kept.len());
                kept.push(word);
            }
        }
    }
    (kept, index, hasher, dropped)
}

/// Cosine similarity, 0 when either vector is zero.
fn cosine(a: ArrayView1<'_, f32>, b: ArrayView1<'_, f32>) -> f32 {
    let norms = a.dot(&a).sqrt() * b.dot(&b).sqrt();
    if norms > 0.0 {
        a.dot(&b) / norms
    } else {
        0.0
    }
}

/// Each row divided by its L2 norm; zero rows stay zero.
fn normalize_rows(vectors: ArrayView2<'_, f32>) -> Array2<f32> {
    let mut normed = vectors.to_owned();
    Zip::from(normed.rows_mut()).par_for_each(normalize_view);
    normed
}

/// Scales `vector` to unit length in place (a zero vector stays zero),
/// exactly as the rows of [`KeyedVectors::normed_vectors`] are scaled: for
/// users that need unit vectors a few at a time rather than a second matrix.
pub fn normalize(vector: &mut [f32]) {
    normalize_view(ArrayViewMut1::from(vector));
}

fn normalize_view(mut row: ArrayViewMut1<'_, f32>) {
    let norm = row.dot(&row).sqrt();
    if norm > 0.0 {
        row.mapv_inplace(|x| x / norm);
    }
}

impl fmt::Debug for KeyedVectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedVectors")
            .field("len", &self.len())
            .field("dim", &self.dim())
            .field(
                "first_words",
                &self.words.iter().take(5).collect::<Vec<_>>(),
            )
            .field("has_counts", &self.counts.is_some())
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

impl PartialEq for KeyedVectors {
    /// Same words in the same order, same counts, and bit-identical vectors.
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
            && self.counts == other.counts
            && self.dim() == other.dim()
            && self
                .vectors()
                .iter()
                .zip(other.vectors().iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn sample() -> KeyedVectors {
        KeyedVectors::from_parts(
            vec!["a".into(), "b".into(), "c".into(), "zero".into()],
            array![[3.0, 4.0], [1.0, 0.0], [0.0, -2.0], [0.0, 0.0]],
            Some(vec![10, 5, 3, 1]),
        )
        .unwrap()
    }

    #[test]
    fn lookups_follow_vocabulary_order() {
        let kv = sample();
        assert_eq!(kv.len(), 4);
        assert_eq!(kv.dim(), 2);
        assert_eq!(kv.index_of("c"), Some(2));
        assert_eq!(kv.key(1), Some("b"));
        assert!(kv.contains("zero") && !kv.contains("d"));
        assert_eq!(kv.get_vector("a").unwrap().to_vec(), vec![3.0, 4.0]);
        let words: Vec<&str> = kv.iter().map(|(w, _)| w).collect();
        assert_eq!(words, ["a", "b", "c", "zero"]);
        assert!(matches!(kv.get_vector("d"), Err(Error::KeyNotFound(w)) if w == "d"));
    }

    #[test]
    fn normed_vectors_have_unit_norm_and_zero_stays_zero() {
        let kv = sample();
        assert_eq!(kv.get_normed("a").unwrap().to_vec(), vec![0.6, 0.8]);
        assert_eq!(kv.get_normed("zero").unwrap().to_vec(), vec![0.0, 0.0]);
        for row in kv.normed_vectors().rows().into_iter().take(3) {
            assert!((row.dot(&row) - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn normalize_gives_the_normed_rows_bit_for_bit_and_words_come_out() {
        let mut kv = sample();
        for i in 0..40 {
            let v: Vec<f32> = (0..2)
                .map(|j| ((i * 7 + j) as f32 * 0.37).sin() * 3.1)
                .collect();
            kv.push(format!("w{i}"), &v).unwrap();
        }
        for (row, normed) in kv
            .vectors()
            .rows()
            .into_iter()
            .zip(kv.normed_vectors().rows())
        {
            let mut one = row.to_vec();
            normalize(&mut one);
            assert_eq!(one, normed.to_vec());
        }
        let words = kv.index_to_key().to_vec();
        assert_eq!(kv.into_index_to_key(), words);
    }

    #[test]
    fn similarity_helpers_match_hand_computed_values() {
        let kv = sample();
        assert!((kv.similarity("a", "b").unwrap() - 0.6).abs() < 1e-6);
        assert!((kv.distance("a", "c").unwrap() - 1.8).abs() < 1e-6);
        assert_eq!(kv.similarity("a", "zero").unwrap(), 0.0);
        // mean(a, b) = (2, 2) -> 45 degrees from b = (1, 0).
        let n = kv.n_similarity(&["a", "b"], &["b"]).unwrap();
        assert!((n - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        assert!(matches!(
            kv.n_similarity(&[], &["a"]),
            Err(Error::EmptyKeys(_))
        ));
        assert!(matches!(
            kv.n_similarity(&["a"], &["nope"]),
            Err(Error::KeyNotFound(_))
        ));
    }

    #[test]
    fn push_appends_and_refreshes_normed_cache() {
        let mut kv = sample();
        let _ = kv.normed_vectors();
        assert_eq!(kv.push("d", &[0.0, 5.0]).unwrap(), 4);
        assert_eq!(kv.get_normed("d").unwrap().to_vec(), vec![0.0, 1.0]);
        assert_eq!(kv.counts().unwrap(), &[10, 5, 3, 1, 0]);
        assert!(matches!(
            kv.push("d", &[1.0, 1.0]),
            Err(Error::DuplicateKey(_))
        ));
        assert!(matches!(
            kv.push("e", &[1.0]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert_eq!(kv.len(), 5);
    }

    #[test]
    fn from_parts_rejects_duplicates_and_mismatched_lengths() {
        let dup =
            KeyedVectors::from_parts(vec!["x".into(), "x".into()], Array2::zeros((2, 3)), None);
        assert!(matches!(dup, Err(Error::DuplicateKey(w)) if w == "x"));
        let short = KeyedVectors::from_parts(vec!["x".into()], Array2::zeros((2, 3)), None);
        assert!(short.is_err());
        let counts =
            KeyedVectors::from_parts(vec!["x".into()], Array2::zeros((1, 3)), Some(vec![]));
        assert!(matches!(
            counts,
            Err(Error::LengthMismatch { what: "counts", .. })
        ));
    }

    #[test]
    fn reading_rows_keeps_the_first_of_each_word() {
        let words = ["a", "b", "a", "c", "b"].map(String::from).to_vec();
        let rows = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
        let (kv, dropped) = KeyedVectors::from_rows_keep_first(
            words,
            Matrix::Owned(rows),
            Some(vec![9, 8, 7, 6, 5]),
        )
        .unwrap();
        assert_eq!(dropped, 2);
        assert_eq!(kv.index_to_key(), ["a", "b", "c"]);
        assert_eq!(kv.vectors().column(0).to_vec(), vec![1.0, 2.0, 4.0]);
        assert_eq!(kv.counts().unwrap(), &[9, 8, 6]);
        assert_eq!(kv.index_of("c"), Some(2));
    }

    #[test]
    fn new_set_keeps_its_dimension_when_empty() {
        let kv = KeyedVectors::new(300);
        assert!(kv.is_empty());
        assert_eq!(kv.dim(), 300);
        assert_eq!(kv.vectors().shape(), &[0, 300]);
    }

    #[test]
    fn derived_values_are_cached_per_type_and_dropped_on_mutation() {
        #[derive(Debug, PartialEq)]
        struct Rows(usize);
        #[derive(Debug, PartialEq)]
        struct Dim(usize);
        let mut kv = sample();
        let runs = std::cell::Cell::new(0);
        let rows = |kv: &KeyedVectors| {
            runs.set(runs.get() + 1);
            Rows(kv.len())
        };
        let first = kv.derived(rows);
        assert_eq!(*first, Rows(4));
        assert!(Arc::ptr_eq(&first, &kv.derived(rows)), "cached");
        assert_eq!(*kv.derived(|kv| Dim(kv.dim())), Dim(2), "one per type");
        assert_eq!(runs.get(), 1);
        let clone = kv.clone();
        assert!(
            Arc::ptr_eq(&first, &clone.derived(rows)),
            "shared by clones"
        );
        kv.push("d", &[1.0, 1.0]).unwrap();
        assert_eq!(*kv.derived(rows), Rows(5), "recomputed after a mutation");
        assert_eq!(*clone.derived(rows), Rows(4), "the clone keeps its own");
        assert_eq!(runs.get(), 2);
    }
}
