"""Word2Vec, Text8Corpus and LineSentence, against gensim's where it
matters (corpus readers, vocabulary)."""

import logging

import numpy as np
import pytest

from w2v_annoy import KeyedVectors, LineSentence, Text8Corpus, Word2Vec

from conftest import fixture

TEXT8 = fixture("corpus", "dev100k.txt")
LINES = fixture("corpus", "dev100k_lines.txt")

SMALL = dict(vector_size=16, min_count=5, workers=2, epochs=1, seed=3)


def test_corpus_readers_match_gensim():
    word2vec = pytest.importorskip("gensim.models.word2vec")
    assert list(Text8Corpus(TEXT8)) == list(word2vec.Text8Corpus(TEXT8))
    assert list(LineSentence(LINES)) == list(word2vec.LineSentence(LINES))
    assert list(Text8Corpus(TEXT8, max_sentence_length=100))[:3] == list(
        word2vec.Text8Corpus(TEXT8, max_sentence_length=100)
    )[:3]


def test_vocabulary_matches_gensim():
    word2vec = pytest.importorskip("gensim.models.word2vec")
    ours = Word2Vec(Text8Corpus(TEXT8), **SMALL)
    theirs = word2vec.Word2Vec(vector_size=16, min_count=5)
    theirs.build_vocab(word2vec.Text8Corpus(TEXT8))
    assert ours.wv.index_to_key == theirs.wv.index_to_key


def test_any_iterable_of_token_lists_trains(tmp_path):
    sentences = list(LineSentence(LINES))
    from_list = Word2Vec(sentences, **SMALL)
    from_generator = Word2Vec((s for s in sentences), **SMALL)
    from_file = Word2Vec(corpus_file=LINES, **SMALL)
    assert from_list.wv.index_to_key == from_generator.wv.index_to_key == from_file.wv.index_to_key
    assert len(from_list.wv) > 1000 and from_list.wv.vector_size == 16
    # One worker and a seed: the same corpus gives the same vectors.
    one = dict(SMALL, workers=1)
    np.testing.assert_array_equal(Word2Vec(sentences, **one).wv.vectors, Word2Vec(corpus_file=LINES, **one).wv.vectors)


def test_gensims_defaults():
    model = Word2Vec()
    assert (model.vector_size, model.window, model.min_count, model.epochs) == (100, 5, 5, 5)
    assert (model.sg, model.hs, model.negative, model.workers, model.seed) == (0, 0, 5, 3, 1)
    assert model.alpha == pytest.approx(0.025) and model.min_alpha == pytest.approx(0.0001)
    assert model.sample == pytest.approx(1e-3)


def test_training_learns_something():
    model = Word2Vec(Text8Corpus(TEXT8), vector_size=32, min_count=5, sg=1, workers=2, epochs=5, seed=1)
    wv = model.wv
    assert isinstance(wv, KeyedVectors)
    # Related words end up closer than random pairs on average.
    near = np.mean([s for _, s in wv.most_similar("kernel", topn=5)])
    assert near > 0.5
    assert len(wv.most_similar("kernel", topn=5)) == 5


def test_build_vocab_train_save_load(tmp_path):
    model = Word2Vec(**SMALL)
    model.build_vocab(Text8Corpus(TEXT8))
    effective, raw = model.train(Text8Corpus(TEXT8), total_examples=1, epochs=2)
    assert raw == 2 * 100_000 or raw > 100_000
    assert 0 < effective <= raw
    assert model.epochs_trained == 2
    path = str(tmp_path / "model.kv")
    model.save(path)
    loaded = Word2Vec.load(path)
    assert loaded.epochs_trained == 2 and loaded.vector_size == 16
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    # The vectors file alone is a KeyedVectors, memory-mapped.
    assert KeyedVectors.load(path).is_mapped
    loaded.train(Text8Corpus(TEXT8), epochs=1)
    assert loaded.epochs_trained == 3
    assert not np.array_equal(loaded.wv.vectors, model.wv.vectors)


def test_progress_goes_to_pythons_logging(caplog):
    with caplog.at_level(logging.INFO, logger="w2v_annoy"):
        Word2Vec(Text8Corpus(TEXT8), **SMALL)
    names = {r.name for r in caplog.records}
    assert any(n.startswith("w2v_annoy") for n in names), names


def test_bad_input_raises():
    with pytest.raises(ValueError):
        Word2Vec(vector_size=0)
    with pytest.raises(ValueError):
        Word2Vec(window=0)
    with pytest.raises(TypeError):
        Word2Vec("not a list of sentences")
    with pytest.raises(TypeError):
        Word2Vec(["a sentence as a str"])
    with pytest.raises(ValueError):
        Word2Vec([["a token with spaces"]], min_count=1)
    with pytest.raises(TypeError):
        Word2Vec([["a"]], corpus_file=LINES)
    with pytest.raises(RuntimeError):
        Word2Vec([["rare"]], min_count=5)
    with pytest.raises(RuntimeError):
        Word2Vec().train([["a"]], epochs=1)
    model = Word2Vec([["a", "b"]] * 10, min_count=1, vector_size=4)
    with pytest.raises(ValueError):
        model.train([["a", "b"]])  # epochs is required, as in gensim
    with pytest.raises(FileNotFoundError):
        Word2Vec(corpus_file="/nonexistent/corpus.txt")
    with pytest.raises(OSError):
        Word2Vec.load("/nonexistent/model.kv")
