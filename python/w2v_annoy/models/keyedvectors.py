"""gensim's ``gensim.models.keyedvectors`` names."""

from .._w2v_annoy import KeyedVectors

__all__ = ["KeyedVectors"]
