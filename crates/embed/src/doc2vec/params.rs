//! [`Doc2VecParams`]: Doc2Vec's parameters, with gensim 4's names and defaults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::params::{Architecture, Params};

/// Doc2Vec training parameters; [`Doc2VecParams::default`] is gensim 4's
/// `Doc2Vec()`: PV-DM with the mean of the context, 100 dimensions,
/// window 5, alpha 0.025, min_count 5, negative 5, 10 epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc2VecParams {
    /// Everything Doc2Vec shares with word2vec (gensim passes them on to
    /// `Word2Vec`). `training.architecture` is not read: `dm` decides
    /// (gensim's `sg = (1 + dm) % 2`), and the model stores the one `dm`
    /// implies. `training.cbow_mean` chooses PV-DM's mean (true, gensim's
    /// effective default) or sum: gensim's own `dm_mean` argument is
    /// overwritten by `cbow_mean` and has no effect.
    pub training: Params,
    /// PV-DM (true, gensim `dm=1`): the context words and the document
    /// vector together predict each word. PV-DBOW (false): the document
    /// vector alone predicts each word.
    pub dm: bool,
    /// PV-DBOW only (ignored with `dm`, as gensim ignores it): also train
    /// word vectors skip-gram style on the same windows (gensim
    /// `dbow_words=1`). Without it, PV-DBOW leaves word vectors at their
    /// random start.
    pub dbow_words: bool,
    /// PV-DM with the context concatenated instead of averaged (gensim
    /// `dm_concat=1`): `dm_tag_count` document vectors and the full window
    /// of `2 * window` word vectors (the null word `'\0'` past either end
    /// of the document) side by side, so the output layer has
    /// `(dm_tag_count + 2 * window) * vector_size` columns. Much larger and
    /// slower, as gensim warns. As in gensim, it also adds the null word to
    /// the vocabulary when `dm` is off.
    pub dm_concat: bool,
    /// `dm_concat` only: the tags per document (gensim `dm_tag_count`, 1);
    /// documents with another number of tags are not trained, as in gensim.
    pub dm_tag_count: usize,
}

impl Default for Doc2VecParams {
    fn default() -> Self {
        Doc2VecParams {
            training: Params {
                epochs: 10,
                ..Params::default()
            },
            dm: true,
            dbow_words: false,
            dm_concat: false,
            dm_tag_count: 1,
        }
    }
}

impl Doc2VecParams {
    /// The word2vec architecture that runs the chosen mode on `embed`'s
    /// kernels: PV-DM is CBOW whose inputs include the document vectors,
    /// PV-DBOW is skip-gram from the document vectors.
    pub fn architecture(&self) -> Architecture {
        if self.dm {
            Architecture::Cbow
        } else {
            Architecture::SkipGram
        }
    }

    /// Whether each position's window of words is an input: PV-DM and
    /// PV-DBOW with `dbow_words`.
    pub fn window_words(&self) -> bool {
        self.dm || self.dbow_words
    }

    /// Whether training concatenates the context (PV-DM with `dm_concat`).
    pub fn concatenates(&self) -> bool {
        self.dm && self.dm_concat
    }

    /// Columns of the output weights (gensim's `layer1_size`): the vector
    /// size, or `(dm_tag_count + 2 * window) * vector_size` when
    /// concatenating. `None` if that overflows.
    pub fn layer1_size(&self) -> Option<usize> {
        let t = &self.training;
        if !self.concatenates() {
            return Some(t.vector_size);
        }
        self.dm_tag_count
            .checked_add(t.window.checked_mul(2)?)?
            .checked_mul(t.vector_size)
    }

    /// Checks every parameter's range (the word2vec ones included).
    pub fn validate(&self) -> Result<()> {
        /// Far above any sensible setting (gensim's default is 1).
        const MAX_TAG_COUNT: usize = 1_000;
        /// The widest concatenated layer accepted (floats per output row).
        const MAX_LAYER1: usize = 1 << 20;
        self.training.validate()?;
        if self.dm_tag_count == 0 || self.dm_tag_count > MAX_TAG_COUNT {
            return Err(Error::Param {
                name: "dm_tag_count",
                reason: format!("must be between 1 and {MAX_TAG_COUNT}"),
            });
        }
        if self.layer1_size().is_none_or(|n| n > MAX_LAYER1) {
            return Err(Error::Param {
                name: "window",
                reason: format!(
                    "(dm_tag_count + 2 * window) * vector_size must be at most {MAX_LAYER1} with dm_concat"
                ),
            });
        }
        Ok(())
    }

    /// `training` with the architecture `dm` implies.
    pub(crate) fn resolved(&self) -> Params {
        Params {
            architecture: self.architecture(),
            ..self.training.clone()
        }
    }
}
