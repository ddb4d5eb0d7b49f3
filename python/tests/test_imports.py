"""gensim's and annoy's module paths: changing the package name in an
import line is the whole migration."""

import w2v_annoy


def test_gensims_module_paths():
    from w2v_annoy.models import KeyedVectors, Word2Vec
    from w2v_annoy.models.keyedvectors import KeyedVectors as KV
    from w2v_annoy.models.word2vec import LineSentence, Text8Corpus
    from w2v_annoy.similarities import AnnoyIndexer as Indexer
    from w2v_annoy.similarities.annoy import AnnoyIndexer

    assert KeyedVectors is KV is w2v_annoy.KeyedVectors
    assert Word2Vec is w2v_annoy.Word2Vec
    assert AnnoyIndexer is Indexer is w2v_annoy.AnnoyIndexer
    assert Text8Corpus is w2v_annoy.Text8Corpus and LineSentence is w2v_annoy.LineSentence


def test_annoys_class_and_the_stubs_ship():
    from pathlib import Path

    from w2v_annoy import AnnoyIndex

    assert AnnoyIndex(3, "euclidean").f == 3
    package = Path(w2v_annoy.__file__).parent
    assert (package / "py.typed").exists() and (package / "_w2v_annoy.pyi").exists()
    assert w2v_annoy.__version__
