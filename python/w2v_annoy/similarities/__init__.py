"""gensim's ``gensim.similarities`` names."""

from .._w2v_annoy import AnnoyIndexer, HnswIndexer

__all__ = ["AnnoyIndexer", "HnswIndexer"]
