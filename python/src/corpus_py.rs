//! gensim's corpus readers `Text8Corpus` and `LineSentence` over
//! [`corpus::Corpus`]: iterables of token lists that `Word2Vec` also reads
//! straight from the file, without going through Python.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors;

/// Sentences of a text8-style file: one long run of words cut into
/// sentences of ``max_sentence_length`` words (gensim's ``Text8Corpus``).
/// Plain, ``.gz`` or ``.zip`` files.
#[pyclass(frozen, module = "w2v_annoy", name = "Text8Corpus")]
pub struct Text8Corpus {
    pub(crate) corpus: corpus::Corpus,
}

/// Sentences of a file with one sentence per line, words separated by
/// whitespace (gensim's ``LineSentence``). Plain, ``.gz`` or ``.zip``.
#[pyclass(frozen, module = "w2v_annoy", name = "LineSentence")]
pub struct LineSentence {
    pub(crate) corpus: corpus::Corpus,
}

/// One pass over a corpus, yielding lists of str.
#[pyclass(module = "w2v_annoy")]
pub struct SentenceIterator {
    reader: std::sync::Mutex<(corpus::SentenceReader, corpus::Sentence)>,
}

fn iterate(corpus: &corpus::Corpus) -> PyResult<SentenceIterator> {
    Ok(SentenceIterator {
        reader: std::sync::Mutex::new((
            corpus.reader().map_err(errors::corpus)?,
            corpus::Sentence::new(),
        )),
    })
}

#[pymethods]
impl Text8Corpus {
    #[new]
    #[pyo3(signature = (fname, max_sentence_length=10000))]
    fn new(fname: PathBuf, max_sentence_length: usize) -> Self {
        Text8Corpus {
            corpus: corpus::Corpus::text8(fname).max_sentence_length(max_sentence_length),
        }
    }

    fn __iter__(&self) -> PyResult<SentenceIterator> {
        iterate(&self.corpus)
    }
}

#[pymethods]
impl LineSentence {
    #[new]
    #[pyo3(signature = (source, max_sentence_length=10000, limit=None))]
    fn new(source: PathBuf, max_sentence_length: usize, limit: Option<usize>) -> PyResult<Self> {
        if limit.is_some() {
            return Err(PyValueError::new_err("limit is not supported"));
        }
        Ok(LineSentence {
            corpus: corpus::Corpus::lines(source).max_sentence_length(max_sentence_length),
        })
    }

    fn __iter__(&self) -> PyResult<SentenceIterator> {
        iterate(&self.corpus)
    }
}

#[pymethods]
impl SentenceIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self) -> PyResult<Option<Vec<String>>> {
        let mut guard = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (reader, sentence) = &mut *guard;
        let more = reader.read_sentence(sentence).map_err(errors::corpus)?;
        Ok(more.then(|| sentence.to_vec()))
    }
}
