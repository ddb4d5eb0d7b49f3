"""gensim's ``gensim.similarities.annoy`` names."""

from .._w2v_annoy import AnnoyIndexer

__all__ = ["AnnoyIndexer"]
