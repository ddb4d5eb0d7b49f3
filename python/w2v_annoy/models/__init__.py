"""gensim's ``gensim.models`` names: ``from w2v_annoy.models import Word2Vec, KeyedVectors``."""

from .._w2v_annoy import KeyedVectors, Word2Vec

__all__ = ["KeyedVectors", "Word2Vec"]
