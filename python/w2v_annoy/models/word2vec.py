"""gensim's ``gensim.models.word2vec`` names."""

from .._w2v_annoy import LineSentence, Text8Corpus, Word2Vec

__all__ = ["LineSentence", "Text8Corpus", "Word2Vec"]
