//! [`Doc2Vec::infer_vector`]: a vector for a new document, trained against
//! the frozen model as gensim's `infer_vector` does.

use ndarray::Array2;
use rand::{Rng, RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::Doc2Vec;
use crate::error::{Error, Result};
use crate::train::{train_text, Buffers, Net, Tables, Text, MAX_TEXT_WORDS};
use crate::weights::{Frozen, Rows, Weights};

/// Options of [`Doc2Vec::infer_vector`]; `None` takes the model's value,
/// as gensim's `infer_vector(doc_words, alpha=None, min_alpha=None,
/// epochs=None)` does.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Inference {
    /// Passes over the document (the model's epochs).
    pub epochs: Option<usize>,
    /// Learning rate of the first pass (the model's alpha).
    pub alpha: Option<f32>,
    /// Learning rate of the last pass (the model's min_alpha).
    pub min_alpha: Option<f32>,
    /// Seed of the start vector and of the random draws, mixed with the
    /// document's words (the model's seed).
    pub seed: Option<u64>,
}

/// The input rows of inference: the model's word vectors, frozen, and one
/// private document row at `doc_row`, which alone learns.
struct Overlay<'a> {
    words: Frozen<'a>,
    doc: &'a Weights,
    doc_row: u32,
}

impl Overlay<'_> {
    /// The matrix holding `row`, and the row's index in it.
    #[inline]
    fn at(&self, row: u32) -> Result<u32, u32> {
        if row == self.doc_row {
            Ok(0)
        } else {
            Err(row)
        }
    }
}

impl Rows for Overlay<'_> {
    fn dim(&self) -> usize {
        self.doc.dim()
    }
    #[inline]
    fn gather(&self, row: u32, out: &mut [f32]) {
        match self.at(row) {
            Ok(doc) => self.doc.gather(doc, out),
            Err(word) => self.words.gather(word, out),
        }
    }
    #[inline]
    fn accumulate(&self, row: u32, out: &mut [f32]) {
        match self.at(row) {
            Ok(doc) => self.doc.accumulate(doc, out),
            Err(word) => self.words.accumulate(word, out),
        }
    }
    fn accumulate_rows(&self, rows: &[u32], out: &mut [f32]) {
        // PV-DM's inputs: the context words, then the document row.
        if let Some((&last, words)) = rows.split_last() {
            if last == self.doc_row && !words.contains(&self.doc_row) {
                self.words.accumulate_rows(words, out);
                self.doc.accumulate(0, out);
                return;
            }
        }
        // Runs of word rows go through the fast path; order is kept.
        for run in rows.split_inclusive(|&r| r == self.doc_row) {
            match run.split_last() {
                Some((&last, words)) if last == self.doc_row => {
                    self.words.accumulate_rows(words, out);
                    self.doc.accumulate(0, out);
                }
                _ => self.words.accumulate_rows(run, out),
            }
        }
    }
    #[inline]
    fn add(&self, row: u32, delta: &[f32]) {
        if let Ok(doc) = self.at(row) {
            self.doc.add(doc, delta);
        }
    }
    #[inline]
    fn add_scaled(&self, row: u32, g: f32, x: &[f32]) {
        if let Ok(doc) = self.at(row) {
            self.doc.add_scaled(doc, g, x);
        }
    }
    /// Nothing: the few word rows of the document being inferred stay in
    /// the cache over its passes (the output rows are still prefetched).
    #[inline]
    fn prefetch(&self, _: u32) {}
}

impl Doc2Vec {
    /// Infers the vector of a document of `words` (gensim's
    /// `infer_vector`): a start vector uniform in `[-0.5/dim, 0.5/dim)`
    /// is trained for `epochs` passes over the document, the learning
    /// rate falling linearly from `alpha` (first pass) to `min_alpha`
    /// (last pass), against the model's word vectors and output weights,
    /// which stay unchanged. PV-DBOW infers from the document vector alone,
    /// even for a `dbow_words` model, as gensim does; a `dm_concat` model
    /// with `dm_tag_count` other than 1 returns the start vector, as
    /// gensim's does.
    ///
    /// Deterministic: the same model, words and seed give the same vector
    /// in any process (gensim's depends on Python's per-process string
    /// hash). Unknown words are ignored; a document with no known word gets
    /// its start vector, as in gensim. Fails on a model never trained.
    pub fn infer_vector<S: AsRef<str>>(
        &self,
        words: &[S],
        options: &Inference,
    ) -> Result<Vec<f32>> {
        let run = self.inference(options)?;
        Ok(run.infer(self, words, &mut Buffers::default()))
    }

    /// [`Doc2Vec::infer_vector`] for many documents on all cores: row `i`
    /// is the vector of `documents[i]`, the same as one call for it would
    /// give.
    pub fn infer_vectors<D, S>(&self, documents: &[D], options: &Inference) -> Result<Array2<f32>>
    where
        D: AsRef<[S]> + Sync,
        S: AsRef<str>,
    {
        let run = self.inference(options)?;
        let d = self.params.training.vector_size;
        let vectors: Vec<f32> = documents
            .par_iter()
            .map_init(Buffers::default, |buffers, words| {
                run.infer(self, words.as_ref(), buffers)
            })
            .flatten_iter()
            .collect();
        Ok(Array2::from_shape_vec((documents.len(), d), vectors).expect("one row per document"))
    }

    /// The settings and tables of one inference call.
    fn inference(&self, options: &Inference) -> Result<Run<'_>> {
        if self.epochs_trained() == 0 {
            return Err(Error::Untrained);
        }
        let training = self.params.resolved();
        let epochs = options.epochs.unwrap_or(training.epochs);
        crate::params::check_epochs(epochs)?;
        let alpha = options.alpha.unwrap_or(training.alpha);
        let min_alpha = options.min_alpha.unwrap_or(training.min_alpha);
        let checked = crate::params::Params {
            alpha,
            min_alpha,
            ..training.clone()
        };
        checked.validate()?;
        Ok(Run {
            tables: self
                .tables
                .get_or_init(|| Tables::new(&training, &self.words.counts)),
            seed: options.seed.unwrap_or(training.seed),
            epochs,
            alpha,
            min_alpha,
            training,
        })
    }
}

/// One inference call's settings and tables.
struct Run<'a> {
    training: crate::params::Params,
    tables: &'a Tables,
    seed: u64,
    epochs: usize,
    alpha: f32,
    min_alpha: f32,
}

impl Run<'_> {
    fn infer<S: AsRef<str>>(
        &self,
        model: &Doc2Vec,
        words: &[S],
        buffers: &mut Buffers,
    ) -> Vec<f32> {
        let d = self.training.vector_size;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed ^ hash_words(words));
        let start = (0..d).map(|_| (rng.random::<f32>() - 0.5) / d as f32);
        let doc = Weights::from_values(start.collect::<Vec<_>>(), d);
        let doc_row = model.first_doc_row();
        let input = Overlay {
            words: Frozen(&model.words.syn0),
            doc: &doc,
            doc_row,
        };
        let syn1neg = model.words.syn1neg.as_ref().map(Frozen);
        let syn1 = model.words.syn1.as_ref().map(Frozen);
        let net = Net {
            input: &input,
            syn1neg: syn1neg.as_ref(),
            syn1: syn1.as_ref(),
        };
        let known: Vec<u32> = words
            .iter()
            .filter_map(|w| model.words.index.get(w.as_ref()).copied())
            .collect();
        let delta = (self.alpha - self.min_alpha) / (self.epochs.max(2) - 1) as f32;
        let mut ids = Vec::with_capacity(known.len());
        for epoch in 0..self.epochs {
            ids.clear();
            ids.extend(
                known
                    .iter()
                    .copied()
                    .filter(|&id| self.tables.sample_int[id as usize] >= rng.next_u32()),
            );
            ids.truncate(MAX_TEXT_WORDS);
            let text = Text {
                ids: &ids,
                tags: &[doc_row],
                inputs: model.inputs(model.params.dm),
            };
            let alpha = self.alpha - epoch as f32 * delta;
            train_text(
                &net,
                self.tables,
                &self.training,
                text,
                alpha,
                &mut rng,
                buffers,
            );
        }
        doc.rows_to_array(0..1).into_raw_vec_and_offset().0
    }
}

/// A stable 64-bit hash of a document's words (FNV-1a over the words,
/// each followed by a 0xFF byte, which UTF-8 never contains).
fn hash_words<S: AsRef<str>>(words: &[S]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for word in words {
        for &byte in word.as_ref().as_bytes().iter().chain(&[0xFF]) {
            hash = (hash ^ byte as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
