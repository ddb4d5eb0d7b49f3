//! gensim's similarity API on [`KeyedVectors`]: `most_similar` (exact or
//! through any [`Indexer`]), `similar_by_word`, `similar_by_vector`,
//! `most_similar_cosmul`, `doesnt_match`, `rank`, `closer_than`, and a
//! batch form.
//!
//! Unlike gensim, both paths mean the same thing: words given as input are
//! never returned and `restrict_vocab` is honoured with an indexer too (gensim
//! returns the indexer's raw answer).

use ndarray::{Array1, Array2, ArrayView1};
use rayon::prelude::*;
use vecstore::KeyedVectors;

use crate::error::{Error, Result};
use crate::exact::ExactIndexer;
use crate::indexer::Indexer;
use crate::topk::top_k;

/// One term of a query: a word (its unit vector is used) or a raw vector
/// (used as given, not normalised, as in gensim).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Term<'a> {
    /// A vocabulary word.
    Word(&'a str),
    /// A raw vector of the vectors' dimension.
    Vector(&'a [f32]),
}

impl<'a> From<&'a str> for Term<'a> {
    fn from(word: &'a str) -> Self {
        Term::Word(word)
    }
}

impl<'a> From<&'a [f32]> for Term<'a> {
    fn from(vector: &'a [f32]) -> Self {
        Term::Vector(vector)
    }
}

impl<'a> Term<'a> {
    /// Terms for a list of words.
    pub fn words(words: &[&'a str]) -> Vec<Term<'a>> {
        words.iter().map(|&w| Term::Word(w)).collect()
    }
}

/// gensim's similarity queries, on [`KeyedVectors`].
pub trait Similarity {
    /// The `topn` words most similar to the normalised weighted mean of the
    /// unit vectors of `positive` (weight 1) and `negative` (weight -1)
    /// terms, as `(word, cosine similarity)`, most similar first. Input
    /// words are left out; `restrict_vocab` limits the search to the first N
    /// words (`Some(0)` means no limit, as gensim's falsy 0); `indexer`
    /// answers approximately (`None`: exact brute force).
    fn most_similar(
        &self,
        positive: &[Term<'_>],
        negative: &[Term<'_>],
        topn: usize,
        restrict_vocab: Option<usize>,
        indexer: Option<&dyn Indexer>,
    ) -> Result<Vec<(String, f32)>>;

    /// [`Similarity::most_similar`] of many single-word queries at once,
    /// through one batched search (exact, all threads) or the indexer.
    fn most_similar_batch(
        &self,
        words: &[&str],
        topn: usize,
        restrict_vocab: Option<usize>,
        indexer: Option<&dyn Indexer>,
    ) -> Result<Vec<Vec<(String, f32)>>>;

    /// The words most similar to `word` (gensim's `similar_by_word`).
    fn similar_by_word(
        &self,
        word: &str,
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<(String, f32)>> {
        self.most_similar(&[Term::Word(word)], &[], topn, restrict_vocab, None)
    }

    /// The words most similar to a raw vector (gensim's `similar_by_vector`).
    fn similar_by_vector(
        &self,
        vector: &[f32],
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<(String, f32)>> {
        self.most_similar(&[Term::Vector(vector)], &[], topn, restrict_vocab, None)
    }

    /// 3CosMul (Levy and Goldberg 2014): the words maximising
    /// `prod((1 + cos(w, p)) / 2) / (prod((1 + cos(w, n)) / 2) + 1e-6)`, as gensim's
    /// `most_similar_cosmul`; input words are left out.
    fn most_similar_cosmul(
        &self,
        positive: &[Term<'_>],
        negative: &[Term<'_>],
        topn: usize,
    ) -> Result<Vec<(String, f32)>>;

    /// The word furthest from the mean of `words` (gensim's `doesnt_match`);
    /// unknown words are an error (gensim skips them with a warning).
    fn doesnt_match(&self, words: &[&str]) -> Result<String>;

    /// The words closer to `a` than `b` is (gensim's `closer_than`).
    fn closer_than(&self, a: &str, b: &str) -> Result<Vec<String>>;

    /// 1 + the number of words closer to `a` than `b` is (gensim's `rank`).
    fn rank(&self, a: &str, b: &str) -> Result<usize> {
        Ok(self.closer_than(a, b)?.len() + 1)
    }
}

impl Similarity for KeyedVectors {
    fn most_similar(
        &self,
        positive: &[Term<'_>],
        negative: &[Term<'_>],
        topn: usize,
        restrict_vocab: Option<usize>,
        indexer: Option<&dyn Indexer>,
    ) -> Result<Vec<(String, f32)>> {
        let (query, excluded) = query_vector(self, positive, negative)?;
        let restrict_vocab = restrict_vocab.filter(|&r| r > 0);
        // More neighbours than words is every word.
        let topn = topn.min(self.len());
        let found = match indexer {
            None => ExactIndexer::new(self).search(query.view(), topn, restrict_vocab, &excluded),
            Some(indexer) => filtered(indexer, query.view(), topn, excluded.len(), |id| {
                !excluded.contains(&id) && restrict_vocab.is_none_or(|r| id < r)
            })?,
        };
        Ok(named(self, found))
    }

    fn most_similar_batch(
        &self,
        words: &[&str],
        topn: usize,
        restrict_vocab: Option<usize>,
        indexer: Option<&dyn Indexer>,
    ) -> Result<Vec<Vec<(String, f32)>>> {
        let ids = word_ids(self, words)?;
        let normed = self.normed_vectors();
        let found = match indexer {
            None => {
                let mut queries = Array2::zeros((ids.len(), self.dim()));
                for (mut row, &id) in queries.rows_mut().into_iter().zip(&ids) {
                    row.assign(&normed.row(id));
                }
                let excluded: Vec<Vec<usize>> = ids.iter().map(|&id| vec![id]).collect();
                ExactIndexer::new(self).search_batch(
                    queries.view(),
                    topn,
                    restrict_vocab,
                    &excluded,
                )
            }
            Some(indexer) => ids
                .par_iter()
                .map(|&id| {
                    filtered(indexer, normed.row(id), topn, 1, |i| {
                        i != id && restrict_vocab.is_none_or(|r| i < r)
                    })
                })
                .collect::<Result<_>>()?,
        };
        Ok(found.into_iter().map(|f| named(self, f)).collect())
    }

    fn most_similar_cosmul(
        &self,
        positive: &[Term<'_>],
        negative: &[Term<'_>],
        topn: usize,
    ) -> Result<Vec<(String, f32)>> {
        if positive.is_empty() {
            return Err(Error::EmptyQuery);
        }
        let (pos, mut excluded) = unit_terms(self, positive)?;
        let (neg, more) = unit_terms(self, negative)?;
        excluded.extend(more);
        let normed = self.normed_vectors();
        let shifted = |terms: &[Array1<f32>]| -> Vec<Array1<f32>> {
            terms
                .iter()
                .map(|t| normed.dot(t).mapv(|c| (1.0 + c) / 2.0))
                .collect()
        };
        let product = |parts: Vec<Array1<f32>>| {
            parts
                .into_iter()
                .fold(Array1::ones(self.len()), |acc, p| acc * p)
        };
        let scores = product(shifted(&pos)) / (product(shifted(&neg)) + 0.000_001);
        Ok(named(
            self,
            top_k(scores.iter().copied(), topn, |id| excluded.contains(&id)),
        ))
    }

    fn doesnt_match(&self, words: &[&str]) -> Result<String> {
        let ids = word_ids(self, words)?;
        if ids.is_empty() {
            return Err(Error::EmptyQuery);
        }
        let normed = self.normed_vectors();
        let mut mean = Array1::<f32>::zeros(self.dim());
        for &id in &ids {
            mean += &normed.row(id);
        }
        let norm = mean.dot(&mean).sqrt();
        let (worst, _) = ids
            .iter()
            .map(|&id| (id, normed.row(id).dot(&mean) / norm.max(f32::MIN_POSITIVE)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one word");
        Ok(self.index_to_key()[worst].clone())
    }

    fn closer_than(&self, a: &str, b: &str) -> Result<Vec<String>> {
        let ids = word_ids(self, &[a, b])?;
        let normed = self.normed_vectors();
        let similarities = normed.dot(&normed.row(ids[0]));
        let threshold = similarities[ids[1]];
        Ok(similarities
            .iter()
            .enumerate()
            .filter(|&(id, &s)| s > threshold && id != ids[0])
            .map(|(id, _)| self.index_to_key()[id].clone())
            .collect())
    }
}

/// Asks `indexer` for ever more neighbours until `topn` of them pass `keep`
/// or it has no more to give.
fn filtered(
    indexer: &dyn Indexer,
    query: ArrayView1<'_, f32>,
    topn: usize,
    excluded: usize,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<(usize, f32)>> {
    // Ask for just enough to replace the excluded ids (an index does as
    // much work as the neighbours asked: Annoy's default search_k is
    // n * trees); ask again for twice as many if `keep` drops more.
    let mut asked = topn.saturating_add(excluded);
    loop {
        let answer = indexer.most_similar(query, asked)?;
        let kept: Vec<(usize, f32)> = answer
            .iter()
            .copied()
            .filter(|&(id, _)| keep(id))
            .take(topn)
            .collect();
        if kept.len() == topn || answer.len() < asked {
            return Ok(kept);
        }
        asked = asked.max(1).saturating_mul(2);
    }
}

/// Vocabulary indices of `words`, or an error naming every unknown one.
fn word_ids(kv: &KeyedVectors, words: &[&str]) -> Result<Vec<usize>> {
    let unknown: Vec<String> = words
        .iter()
        .filter(|w| !kv.contains(w))
        .map(|w| w.to_string())
        .collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownWords(unknown));
    }
    Ok(words
        .iter()
        .map(|w| kv.index_of(w).expect("checked above"))
        .collect())
}

/// The unit vector of each word term and each raw vector term as given,
/// plus the indices of the word terms.
fn unit_terms(kv: &KeyedVectors, terms: &[Term<'_>]) -> Result<(Vec<Array1<f32>>, Vec<usize>)> {
    let words: Vec<&str> = terms
        .iter()
        .filter_map(|t| {
            if let Term::Word(w) = t {
                Some(*w)
            } else {
                None
            }
        })
        .collect();
    let ids = word_ids(kv, &words)?;
    let normed = kv.normed_vectors();
    let mut word_ids = ids.iter();
    let vectors = terms
        .iter()
        .map(|term| match term {
            Term::Word(_) => Ok(normed
                .row(*word_ids.next().expect("one id per word"))
                .to_owned()),
            Term::Vector(v) if v.len() == kv.dim() => Ok(Array1::from(v.to_vec())),
            Term::Vector(v) => Err(Error::DimensionMismatch {
                expected: kv.dim(),
                found: v.len(),
            }),
        })
        .collect::<Result<_>>()?;
    Ok((vectors, ids))
}

/// gensim's `get_mean_vector(pre_normalize=True, post_normalize=True)` with
/// weights 1 and -1, and the indices of the word terms (to leave out).
fn query_vector(
    kv: &KeyedVectors,
    positive: &[Term<'_>],
    negative: &[Term<'_>],
) -> Result<(Array1<f32>, Vec<usize>)> {
    if positive.is_empty() {
        return Err(Error::EmptyQuery);
    }
    let (pos, mut excluded) = unit_terms(kv, positive)?;
    let (neg, more) = unit_terms(kv, negative)?;
    excluded.extend(more);
    let mut mean = Array1::<f32>::zeros(kv.dim());
    pos.iter().for_each(|v| mean += v);
    neg.iter().for_each(|v| mean -= v);
    mean /= (pos.len() + neg.len()) as f32;
    let norm = mean.dot(&mean).sqrt();
    if !norm.is_finite() {
        return Err(Error::NonFiniteQuery);
    }
    if norm <= 0.0 {
        return Err(Error::ZeroQuery);
    }
    Ok((mean / norm, excluded))
}

fn named(kv: &KeyedVectors, found: Vec<(usize, f32)>) -> Vec<(String, f32)> {
    found
        .into_iter()
        .map(|(id, s)| (kv.index_to_key()[id].clone(), s))
        .collect()
}
