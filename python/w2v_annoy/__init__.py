"""gensim's and Annoy's Python API over the w2v-annoy Rust crates.

Migration is the import line::

    from w2v_annoy import Word2Vec, KeyedVectors, AnnoyIndexer  # was gensim
    from w2v_annoy import Doc2Vec, TaggedDocument              # was gensim
    from w2v_annoy import AnnoyIndex                           # was annoy
    from w2v_annoy import hnswlib                              # was import hnswlib

``HnswIndexer`` is ``AnnoyIndexer``'s HNSW counterpart for ``most_similar``.

Progress and warnings go to the ``w2v_annoy`` logger (Python's ``logging``).
"""

from ._w2v_annoy import (
    AnnoyIndex,
    AnnoyIndexer,
    Doc2Vec,
    HnswIndexer,
    KeyedVectors,
    LineSentence,
    TaggedLineDocument,
    Text8Corpus,
    Word2Vec,
    __version__,
)
from .models.doc2vec import TaggedDocument
from . import hnswlib

__all__ = [
    "AnnoyIndex",
    "AnnoyIndexer",
    "Doc2Vec",
    "HnswIndexer",
    "KeyedVectors",
    "LineSentence",
    "TaggedDocument",
    "TaggedLineDocument",
    "Text8Corpus",
    "Word2Vec",
    "__version__",
    "hnswlib",
]
