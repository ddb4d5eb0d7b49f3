"""gensim's and Annoy's Python API over the w2v-annoy Rust crates.

Migration is the import line::

    from w2v_annoy import Word2Vec, KeyedVectors, AnnoyIndexer  # was gensim
    from w2v_annoy import AnnoyIndex                           # was annoy

Progress and warnings go to the ``w2v_annoy`` logger (Python's ``logging``).
"""

from ._w2v_annoy import (
    AnnoyIndex,
    AnnoyIndexer,
    KeyedVectors,
    LineSentence,
    Text8Corpus,
    Word2Vec,
    __version__,
)

__all__ = [
    "AnnoyIndex",
    "AnnoyIndexer",
    "KeyedVectors",
    "LineSentence",
    "Text8Corpus",
    "Word2Vec",
    "__version__",
]
