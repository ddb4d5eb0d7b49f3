"""gensim's ``gensim.models`` names: ``from w2v_annoy.models import Word2Vec, Doc2Vec, KeyedVectors``."""

from .._w2v_annoy import KeyedVectors, Word2Vec
from .doc2vec import Doc2Vec, TaggedDocument, TaggedLineDocument

__all__ = ["Doc2Vec", "KeyedVectors", "TaggedDocument", "TaggedLineDocument", "Word2Vec"]
