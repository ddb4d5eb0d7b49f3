//! [`Params`]: training parameters, with gensim 4's names and defaults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which architecture to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    /// Skip-gram (gensim `sg=1`): context words predict the centre word.
    SkipGram,
    /// Continuous bag of words (gensim `sg=0`): the context's mean (or sum) predicts the centre word.
    Cbow,
}

/// word2vec training parameters; [`Params::default`] is gensim 4's `Word2Vec()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Vector dimension (gensim `vector_size`, 100).
    pub vector_size: usize,
    /// Initial learning rate (0.025).
    pub alpha: f32,
    /// Final learning rate, reached linearly over all epochs (0.0001).
    pub min_alpha: f32,
    /// Maximum distance between the centre word and a context word (5).
    pub window: usize,
    /// Ignore words rarer than this (5).
    pub min_count: u64,
    /// Prune the vocabulary while counting above this many words (none).
    pub max_vocab_size: Option<usize>,
    /// Raise `min_count` to keep at most about this many words (none).
    pub max_final_vocab: Option<usize>,
    /// Downsampling threshold for frequent words (1e-3; 0 disables).
    pub sample: f64,
    /// Seed of every random stream (1).
    pub seed: u64,
    /// Training threads (gensim `workers`, 3); 0 means one per core.
    pub workers: usize,
    /// Skip-gram or CBOW (gensim default: CBOW, `sg=0`).
    pub architecture: Architecture,
    /// CBOW: average the context vectors (true, gensim `cbow_mean=1`) or sum them.
    pub cbow_mean: bool,
    /// Use hierarchical softmax (false).
    pub hs: bool,
    /// Negative samples per positive example; 0 disables negative sampling (5).
    pub negative: usize,
    /// Exponent of the negative-sampling distribution (0.75).
    pub ns_exponent: f64,
    /// Passes over the corpus (5).
    pub epochs: usize,
    /// Draw a reduced window per centre word (true).
    pub shrink_windows: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            vector_size: 100,
            alpha: 0.025,
            min_alpha: 0.0001,
            window: 5,
            min_count: 5,
            max_vocab_size: None,
            max_final_vocab: None,
            sample: 1e-3,
            seed: 1,
            workers: 3,
            architecture: Architecture::Cbow,
            cbow_mean: true,
            hs: false,
            negative: 5,
            ns_exponent: 0.75,
            epochs: 5,
            shrink_windows: true,
        }
    }
}

impl Params {
    /// The parameters of gensim's Annoy tutorial: skip-gram, 100 dimensions,
    /// alpha 0.05, window 5, 5 epochs, min_count 5, sample 1e-4, negative 5.
    pub fn tutorial() -> Self {
        Params {
            alpha: 0.05,
            sample: 1e-4,
            architecture: Architecture::SkipGram,
            ..Params::default()
        }
    }

    /// The vocabulary options these parameters ask for (gensim's
    /// `min_count`, `max_vocab_size`, `max_final_vocab`; counting threads =
    /// `workers`).
    pub fn vocab_options(&self) -> corpus::VocabOptions {
        corpus::VocabOptions {
            min_count: self.min_count,
            max_vocab_size: self.max_vocab_size,
            max_final_vocab: self.max_final_vocab,
            threads: self.workers,
        }
    }

    /// Checks every parameter's range.
    pub fn validate(&self) -> Result<()> {
        /// More threads than any machine this runs on has cores.
        const MAX_WORKERS: usize = 1024;
        /// Far above any published setting (gensim suggests 5-20).
        const MAX_NEGATIVE: usize = 10_000;

        let bad = |name: &'static str, reason: &str| {
            Err(Error::Param {
                name,
                reason: reason.into(),
            })
        };
        if self.vector_size == 0 {
            return bad("vector_size", "must be at least 1");
        }
        if self.vector_size > vecstore::word2vec::MAX_DIM {
            return bad(
                "vector_size",
                &format!(
                    "must be at most {} (what the word2vec formats read back)",
                    vecstore::word2vec::MAX_DIM
                ),
            );
        }
        if self.workers > MAX_WORKERS {
            return bad("workers", &format!("must be at most {MAX_WORKERS}"));
        }
        if self.negative > MAX_NEGATIVE {
            return bad("negative", &format!("must be at most {MAX_NEGATIVE}"));
        }
        if self.window == 0 {
            return bad("window", "must be at least 1");
        }
        check_epochs(self.epochs)?;
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return bad("alpha", "must be a positive number");
        }
        // Above 1, one update overshoots by more than the error it corrects:
        // the weights blow up and the vectors stay untrained.
        if self.alpha > 1.0 || self.min_alpha > 1.0 {
            return bad("alpha", "must be at most 1 (larger learning rates diverge)");
        }
        if !(self.min_alpha.is_finite() && self.min_alpha >= 0.0) {
            return bad("min_alpha", "must be a non-negative number");
        }
        if !(self.sample.is_finite() && self.sample >= 0.0) {
            return bad("sample", "must be a non-negative number");
        }
        if !self.ns_exponent.is_finite() {
            return bad("ns_exponent", "must be a number");
        }
        if !self.hs && self.negative == 0 {
            return bad(
                "negative",
                "must be at least 1 unless hierarchical softmax is on",
            );
        }
        Ok(())
    }
}

/// Far above any published setting (word2vec 1-20, Doc2Vec 10-100 epochs);
/// more is an endless run, refused before it starts.
pub const MAX_EPOCHS: usize = 10_000;

/// Checks a number of training passes: 1 to [`MAX_EPOCHS`].
pub(crate) fn check_epochs(epochs: usize) -> Result<()> {
    if epochs == 0 || epochs > MAX_EPOCHS {
        return Err(Error::Param {
            name: "epochs",
            reason: format!("must be between 1 and {MAX_EPOCHS}"),
        });
    }
    Ok(())
}
