"""gensim's ``gensim.models.doc2vec`` names."""

from collections import namedtuple

from .._w2v_annoy import Doc2Vec, TaggedLineDocument


class TaggedDocument(namedtuple("TaggedDocument", "words tags")):
    """A document: ``words`` (a list of str tokens) and ``tags`` (a list of
    int or str tags), gensim's input document for ``Doc2Vec``."""

    def __str__(self):
        return "%s<%s, %s>" % (self.__class__.__name__, self.words, self.tags)


__all__ = ["Doc2Vec", "TaggedDocument", "TaggedLineDocument"]
