//! [`Doc2Vec`]: document vectors (PV-DM, PV-DBOW) trained on the word2vec
//! engine of this crate.
//!
//! One input matrix holds the word vectors, then the document vectors. A
//! document's tag rows join every batch's inputs: PV-DM is then CBOW whose
//! context includes the document vectors (gensim's `train_document_dm`:
//! the mean or sum of context words and tags predicts the word, and every
//! one of them receives the error), and PV-DBOW is skip-gram whose inputs
//! are the tags (with `dbow_words`, the window's words too). The kernels,
//! the Hogwild threads, the learning-rate schedule and the determinism
//! guarantees are word2vec's.

mod infer;
mod params;

use std::path::{Path, PathBuf};

use corpus::{DocTags, Documents, Tag, Vocab};
use serde::{Deserialize, Serialize};
use vecstore::{Format, KeyedVectors, WriteOptions};

use crate::error::{Error, Result};
use crate::model::{read_metadata, sibling, write_metadata, Layout, Word2Vec, NULL_WORD};
use crate::train::{self, DocsView, Inputs, Progress, TrainReport};
use crate::weights::Weights;

pub use infer::Inference;
pub use params::Doc2VecParams;

/// A Doc2Vec model, like gensim's `Doc2Vec`: build the vocabulary and the
/// tag table from tagged documents, train (and train again), take the
/// document vectors as [`KeyedVectors`] keyed by tag, infer vectors of new
/// documents, save and load the whole model.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("docs.txt");
/// # let lines = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"];
/// # std::fs::write(&path, lines.repeat(20).join("\n")).unwrap();
/// use embed::{Doc2Vec, Doc2VecParams, Inference, Params};
///
/// let documents = corpus::Documents::lines(&path); // gensim's TaggedLineDocument
/// let params = Doc2VecParams {
///     training: Params { vector_size: 16, min_count: 1, workers: 1, epochs: 5, ..Params::default() },
///     ..Doc2VecParams::default()
/// };
/// let mut model = Doc2Vec::build_vocab(&documents, params)?;
/// model.train(&documents, 5, &mut |_| {})?;
/// let dv = model.dv()?;
/// assert_eq!((dv.len(), dv.dim()), (60, 16));
/// let vector = model.infer_vector(&["a", "cat", "sat"], &Inference::default())?;
/// assert_eq!(vector.len(), 16);
/// # Ok::<(), embed::Error>(())
/// ```
pub struct Doc2Vec {
    params: Doc2VecParams,
    /// The word model; its input matrix has the document vectors after the
    /// word vectors.
    words: Word2Vec,
    tags: DocTags,
    /// Inference's sampling tables, made on first use (the vocabulary and
    /// the parameters they come from never change).
    tables: std::sync::OnceLock<train::Tables>,
}

impl Doc2Vec {
    /// Reads `documents` once to build the word vocabulary (gensim's
    /// `min_count`, `max_vocab_size`, `max_final_vocab`) and the tag table,
    /// and initialises the weights. Fails on an empty vocabulary or a
    /// corpus without documents.
    pub fn build_vocab(documents: &Documents, params: Doc2VecParams) -> Result<Self> {
        params.validate()?;
        let training = params.resolved();
        let (vocab, tags): (Vocab, DocTags) =
            Vocab::build_documents(documents, &training.vocab_options())?;
        if tags.is_empty() {
            return Err(Error::Model {
                path: documents.path().to_path_buf(),
                message: "no documents".into(),
            });
        }
        log::info!(
            "{} documents, {} document tags",
            vocab.stats().sentences,
            tags.len()
        );
        let layout = Layout {
            doc_rows: tags.len(),
            null_word: params.dm_concat,
            output_dim: params.layer1_size(),
        };
        let words = Word2Vec::from_vocab(training, &vocab, &layout)?;
        Ok(Doc2Vec {
            params,
            words,
            tags,
            tables: std::sync::OnceLock::new(),
        })
    }

    /// Builds the vocabulary and trains `params.training.epochs` epochs, as
    /// gensim's `Doc2Vec(documents, ...)` constructor does.
    pub fn new(
        documents: &Documents,
        params: Doc2VecParams,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(Self, TrainReport)> {
        let epochs = params.training.epochs;
        let mut model = Self::build_vocab(documents, params)?;
        let report = model.train(documents, epochs, progress)?;
        Ok((model, report))
    }

    /// Trains `epochs` passes over `documents` (the corpus the vocabulary
    /// came from, or documents with the same tags; tags the table lacks are
    /// ignored, as gensim ignores them), the learning rate falling linearly
    /// from `alpha` to `min_alpha`. With one worker and a given seed,
    /// training is bit-for-bit reproducible.
    pub fn train(
        &mut self,
        documents: &Documents,
        epochs: usize,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<TrainReport> {
        crate::params::check_epochs(epochs)?;
        let view = train::ModelView {
            docs: Some(DocsView {
                tags: &self.tags,
                first_row: self.first_doc_row(),
                inputs: self.inputs(self.params.window_words()),
            }),
            ..self.words.view()
        };
        let report = train::train(view, documents, epochs, progress)?;
        self.words.epochs_trained += epochs;
        Ok(report)
    }

    /// How each position's inputs are formed: the tags side by side with
    /// the full window when concatenating, else with the reduced window
    /// if `window_words`, else the tags alone.
    fn inputs(&self, window_words: bool) -> Inputs {
        let null = self.words.index.get(NULL_WORD).copied();
        match null {
            Some(null) if self.params.concatenates() => Inputs::Concat {
                tag_count: self.params.dm_tag_count,
                null,
            },
            _ if window_words => Inputs::Windows,
            _ => Inputs::Tags,
        }
    }

    /// The input row of the first document vector.
    fn first_doc_row(&self) -> u32 {
        // `from_vocab` checked that every row fits 32 bits.
        self.words.words.len() as u32
    }

    /// The parameters.
    pub fn params(&self) -> &Doc2VecParams {
        &self.params
    }

    /// The document tags and their rows.
    pub fn tags(&self) -> &DocTags {
        &self.tags
    }

    /// Epochs trained so far, over all calls to `train`.
    pub fn epochs_trained(&self) -> usize {
        self.words.epochs_trained
    }

    /// The word model: vocabulary, word vectors (gensim's `model.wv`) and
    /// output weights.
    pub fn word_model(&self) -> &Word2Vec {
        &self.words
    }

    /// A copy of the word vectors, with counts (gensim's `model.wv`).
    pub fn wv(&self) -> KeyedVectors {
        self.words.wv()
    }

    /// A copy of the document vectors (gensim's `model.dv`), keyed by tag:
    /// integer tags as decimal text (rows `0..=max`), then string tags in
    /// first-seen order, each with its document count (0 for integer
    /// tags). Fails only if a string tag spells an integer row (`"3"` and
    /// `3`), which no corpus of [`Documents`] produces.
    pub fn dv(&self) -> Result<KeyedVectors> {
        let first = self.first_doc_row() as usize;
        let vectors = self
            .words
            .syn0
            .rows_to_array(first..first + self.tags.len() as usize);
        Ok(KeyedVectors::from_parts(
            self.tags.keys(),
            vectors,
            Some(self.tags.doc_counts()),
        )?)
    }

    /// The vector of one document tag, if the table has it.
    pub fn doc_vector(&self, tag: &Tag) -> Option<Vec<f32>> {
        let row = self.tags.row(tag)?;
        let mut out = vec![0.0; self.params.training.vector_size];
        self.words
            .syn0
            .gather(self.first_doc_row() + row as u32, &mut out);
        Some(out)
    }

    /// gensim's `save_word2vec_format(path, doctag_vec, word_vec, prefix,
    /// binary)`, byte for byte: with both, one file whose header counts
    /// words and documents, the word rows (by descending count), then the
    /// document rows with `prefix` before each tag (integer tags first,
    /// then string tags by descending document count, ties in table
    /// order). gensim writes integer-only tags twice; this writes each row
    /// once. Neither: nothing is written, as in gensim.
    pub fn save_word2vec_format(&self, path: &Path, export: &Export<'_>) -> Result<()> {
        let Some(kv) = self.export_vectors(export)? else {
            return Ok(());
        };
        let format = if export.binary {
            Format::Binary
        } else {
            Format::Text
        };
        vecstore::write(&kv, path, format, &WriteOptions::default())?;
        Ok(())
    }

    /// The vectors of [`Doc2Vec::save_word2vec_format`], in file order.
    fn export_vectors(&self, export: &Export<'_>) -> Result<Option<KeyedVectors>> {
        let d = self.params.training.vector_size;
        let mut keys = Vec::new();
        let mut rows = Vec::new();
        if export.word_vec {
            keys.extend(self.words.words.iter().cloned());
            rows.extend(0..self.first_doc_row());
        }
        if export.doctag_vec {
            let first = self.first_doc_row();
            let ints = self.tags.int_rows() as u32;
            let mut strings: Vec<usize> = (0..self.tags.string_tags().len()).collect();
            let counts = self.tags.doc_counts();
            strings.sort_by_key(|&i| std::cmp::Reverse(counts[ints as usize + i]));
            for n in 0..ints {
                keys.push(format!("{}{n}", export.prefix));
                rows.push(first + n);
            }
            for i in strings {
                keys.push(format!("{}{}", export.prefix, self.tags.string_tags()[i]));
                rows.push(first + ints + i as u32);
            }
        }
        if keys.is_empty() {
            return Ok(None);
        }
        let mut values = vec![0.0; rows.len() * d];
        for (row, out) in rows.iter().zip(values.chunks_exact_mut(d)) {
            self.words.syn0.gather(*row, out);
        }
        let vectors = ndarray::Array2::from_shape_vec((rows.len(), d), values)
            .expect("one row of `d` values per key");
        Ok(Some(KeyedVectors::from_parts(keys, vectors, None)?))
    }

    /// Saves the model: the word model as [`Word2Vec::save`] writes it
    /// (`path` holds the word vectors), `<path>.dv` the document vectors
    /// (native format, keys = tags, counts = document counts) and
    /// `<path>.doc2vec.json` what Doc2Vec adds to the parameters. All files
    /// appear together or none does ([`atomic_file::FileSet`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut files = atomic_file::FileSet::new(path)?;
        self.save_into(&mut files, path)?;
        files.commit()?;
        Ok(())
    }

    /// Stages the files of [`Doc2Vec::save`] to `path` in `files`, to be
    /// committed with others that belong with them.
    pub fn save_into(&self, files: &mut atomic_file::FileSet, path: &Path) -> Result<()> {
        self.words.save_into(files, path)?;
        let dv = self.dv()?;
        vecstore::write(
            &dv,
            &files.stage(&sibling(path, "dv"))?,
            Format::Native,
            &WriteOptions::default(),
        )?;
        let meta = Meta {
            format: META_FORMAT.into(),
            dm: self.params.dm,
            dbow_words: self.params.dbow_words,
            dm_concat: self.params.dm_concat,
            dm_tag_count: self.params.dm_tag_count,
            int_tags: self.tags.int_rows(),
        };
        write_metadata(files, &sibling(path, "doc2vec.json"), &meta)
    }

    /// Every file [`Doc2Vec::save`] to `path` may write, for checking
    /// outputs before training.
    pub fn files(path: &Path) -> Vec<PathBuf> {
        let mut files = Word2Vec::files(path);
        files.extend(["dv", "doc2vec.json"].map(|suffix| sibling(path, suffix)));
        files
    }

    /// Loads a model saved by [`Doc2Vec::save`], ready to train further or
    /// to infer.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta_path = sibling(path, "doc2vec.json");
        let bad = |message: String| Error::Model {
            path: meta_path.clone(),
            message,
        };
        let meta: Meta = read_metadata(
            &meta_path,
            "Doc2Vec metadata",
            |m: &Meta| &m.format,
            META_FORMAT,
        )?;
        let mut words = Word2Vec::load(path)?;
        let dv = KeyedVectors::load(sibling(path, "dv"))?;
        let d = words.params.vector_size;
        if dv.dim() != d {
            return Err(bad(format!(
                "document vectors have {} dimensions, the words {d}",
                dv.dim()
            )));
        }
        let int_rows = usize::try_from(meta.int_tags)
            .ok()
            .filter(|&n| n <= dv.len())
            .ok_or_else(|| {
                bad(format!(
                    "{} integer tags, but {} document vectors",
                    meta.int_tags,
                    dv.len()
                ))
            })?;
        let keys = dv.index_to_key();
        if let Some((n, key)) = keys[..int_rows]
            .iter()
            .enumerate()
            .find(|(n, key)| **key != n.to_string())
        {
            return Err(bad(format!(
                "document row {n} should be tag {n}, not {key:?}"
            )));
        }
        let counts = dv
            .counts()
            .map_or_else(|| vec![0; dv.len()], <[u64]>::to_vec);
        let tags = DocTags::from_parts(
            meta.int_tags,
            keys[int_rows..].to_vec(),
            counts[int_rows..].to_vec(),
        )
        .map_err(bad)?;
        let rows = words.words.len() + dv.len();
        if u32::try_from(rows).is_err() {
            return Err(bad(format!("{rows} rows do not fit 32-bit ids")));
        }
        let word_rows = words.syn0.to_array();
        words.syn0 = Weights::from_values(word_rows.iter().chain(dv.vectors().iter()).copied(), d);
        let params = Doc2VecParams {
            training: words.params.clone(),
            dm: meta.dm,
            dbow_words: meta.dbow_words,
            dm_concat: meta.dm_concat,
            dm_tag_count: meta.dm_tag_count,
        };
        params.validate()?;
        if params.layer1_size() != Some(words.output_dim) {
            return Err(bad(format!(
                "output weights have {} columns, the parameters say {:?}",
                words.output_dim,
                params.layer1_size()
            )));
        }
        if params.dm_concat && !words.index.contains_key(NULL_WORD) {
            return Err(bad("a dm_concat model without the null word".into()));
        }
        Ok(Doc2Vec {
            params,
            words,
            tags,
            tables: std::sync::OnceLock::new(),
        })
    }
}

impl std::fmt::Display for Doc2Vec {
    /// gensim's `str(model)`: `Doc2Vec<dm/m,d100,n5,w5,mc5,s0.001,t3>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.params;
        let t = &p.training;
        let mode = match (p.dm, t.cbow_mean, p.dbow_words) {
            _ if p.concatenates() => "dm/c",
            (true, true, _) => "dm/m",
            (true, false, _) => "dm/s",
            (false, _, true) => "dbow+w",
            (false, _, false) => "dbow",
        };
        write!(f, "Doc2Vec<{mode},d{}", t.vector_size)?;
        if t.negative > 0 {
            write!(f, ",n{}", t.negative)?;
        }
        if t.hs {
            write!(f, ",hs")?;
        }
        if p.window_words() {
            write!(f, ",w{}", t.window)?;
        }
        write!(f, ",mc{},s{},t{}>", t.min_count, t.sample, t.workers)
    }
}

impl std::fmt::Debug for Doc2Vec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc2Vec")
            .field("params", &self.params)
            .field("vocab", &self.words.words.len())
            .field("tags", &self.tags.len())
            .field("epochs_trained", &self.words.epochs_trained)
            .finish()
    }
}

/// What [`Doc2Vec::save_word2vec_format`] writes (gensim's arguments and
/// defaults: word vectors only, prefix `*dt_`, text).
#[derive(Debug, Clone, Copy)]
pub struct Export<'a> {
    /// Write the document vectors (gensim `doctag_vec`, false).
    pub doctag_vec: bool,
    /// Write the word vectors (gensim `word_vec`, true).
    pub word_vec: bool,
    /// Put before each document tag (gensim `prefix`, `*dt_`).
    pub prefix: &'a str,
    /// word2vec binary instead of text (gensim `binary`, false).
    pub binary: bool,
}

impl Default for Export<'_> {
    fn default() -> Self {
        Export {
            doctag_vec: false,
            word_vec: true,
            prefix: "*dt_",
            binary: false,
        }
    }
}

const META_FORMAT: &str = "w2v-annoy doc2vec model 1";

fn one() -> usize {
    1
}

/// The `<path>.doc2vec.json` file of a saved model.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    format: String,
    dm: bool,
    dbow_words: bool,
    #[serde(default)]
    dm_concat: bool,
    #[serde(default = "one")]
    dm_tag_count: usize,
    /// Rows of integer tags; the other rows of `.dv` are string tags.
    int_tags: u64,
}
