//! [`Doc2VecParams`]: Doc2Vec's parameters, with gensim 4's names and defaults.

use serde::{Deserialize, Serialize};

use crate::error::Result;
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

    /// Checks every parameter's range (the word2vec ones included).
    pub fn validate(&self) -> Result<()> {
        self.training.validate()
    }

    /// `training` with the architecture `dm` implies.
    pub(crate) fn resolved(&self) -> Params {
        Params {
            architecture: self.architecture(),
            ..self.training.clone()
        }
    }
}
