//! `w2v_annoy._w2v_annoy`: the native half of the `w2v_annoy` Python package.
//!
//! A thin layer over the workspace's library crates with gensim's and
//! Annoy's names, defaults and return shapes: `KeyedVectors` (`vecstore` +
//! `knn`), `Word2Vec` (`embed`, `corpus`), `AnnoyIndexer` and
//! `HnswIndexer` (`knn`), `AnnoyIndex` (`annoy-rs`) and hnswlib's `Index`
//! (`hnsw`). No algorithm lives here: arguments are
//! converted, the GIL is released around the Rust call, and errors become
//! the exceptions the peers raise ([`errors`]).

mod annoy_index;
mod annoy_indexer;
mod convert;
mod corpus_py;
mod doc2vec;
mod errors;
mod hnsw_indexer;
mod hnswlib_index;
mod keyed_vectors;
mod logging;
mod word2vec;

use pyo3::prelude::*;

/// The native module; `w2v_annoy/__init__.py` re-exports its classes.
#[pymodule]
fn _w2v_annoy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(m.py())?;
    m.add_class::<keyed_vectors::KeyedVectors>()?;
    m.add_class::<annoy_index::AnnoyIndex>()?;
    m.add_class::<annoy_indexer::AnnoyIndexer>()?;
    m.add_class::<hnsw_indexer::HnswIndexer>()?;
    m.add_class::<hnswlib_index::Index>()?;
    let (missing, other) = errors::hnsw_file_errors(m.py())?;
    m.add("IndexFileNotFoundError", missing)?;
    m.add("IndexFileError", other)?;
    m.add_class::<word2vec::Word2Vec>()?;
    m.add_class::<corpus_py::Text8Corpus>()?;
    m.add_class::<corpus_py::LineSentence>()?;
    m.add_class::<corpus_py::SentenceIterator>()?;
    m.add_class::<doc2vec::Doc2Vec>()?;
    m.add_class::<doc2vec::TaggedLineDocument>()?;
    m.add_class::<doc2vec::DocumentIterator>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
