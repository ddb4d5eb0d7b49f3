"""Bad input of every kind raises an ordinary Python exception: never a
Rust panic (pyo3's PanicException is not an Exception) or a crash."""

import numpy as np
import pytest

from w2v_annoy import AnnoyIndex, AnnoyIndexer, KeyedVectors, LineSentence, Text8Corpus, Word2Vec

BAD = [None, "", "x" * 5000, -1, 2**70, 1.5, float("nan"), [], [[]], {}, object(), b"\xff",
       np.zeros(0), np.zeros((2, 2)), np.full(32, np.nan, dtype=np.float32), ["\x00"]]


def calls(kv):
    w = kv.index_to_key[0]
    return [
        lambda b: kv.most_similar(b),
        lambda b: kv.most_similar(positive=[w], negative=b),
        lambda b: kv.most_similar(w, topn=b),
        lambda b: kv.most_similar(w, restrict_vocab=b),
        lambda b: kv.most_similar(w, indexer=b),
        lambda b: kv.most_similar_cosmul(b),
        lambda b: kv.similar_by_vector(b),
        lambda b: kv.doesnt_match(b),
        lambda b: kv.similarity(w, b),
        lambda b: kv.n_similarity([w], b),
        lambda b: kv.rank(w, b),
        lambda b: kv[b],
        lambda b: kv.get_vector(b),
        lambda b: kv.evaluate_word_analogies(b),
        lambda b: kv.evaluate_word_pairs(b),
        lambda b: KeyedVectors.load_word2vec_format(b),
        lambda b: KeyedVectors.load(b),
        lambda b: KeyedVectors.from_gensim(b),
        lambda b: KeyedVectors.from_gensim(([w], b)),
        lambda b: AnnoyIndex(b),
        lambda b: AnnoyIndex(4, b),
        lambda b: AnnoyIndexer(kv, b),
        lambda b: AnnoyIndexer().load(b),
        lambda b: Word2Vec(b, min_count=1),
        lambda b: Word2Vec([["a", "b"]] * 5, min_count=1, vector_size=b),
        lambda b: Word2Vec([["a", "b"]] * 5, min_count=1, alpha=b),
        lambda b: Word2Vec([["a", "b"]] * 5, min_count=1, workers=b),
        lambda b: list(Text8Corpus(b)),
        lambda b: list(LineSentence(b)),
    ]


def test_no_panic_on_bad_input(kv):
    for i, call in enumerate(calls(kv)):
        for bad in BAD:
            try:
                call(bad)
            except Exception:
                pass
            except BaseException as e:  # a PanicException
                pytest.fail(f"call {i} with {bad!r:.40}: {type(e).__name__}: {e}")


def test_annoy_index_bad_input():
    index = AnnoyIndex(4, "angular")
    for bad in BAD:
        for call in (lambda: index.add_item(0, bad), lambda: index.add_item(bad, [1, 2, 3, 4]),
                     lambda: index.get_nns_by_item(bad, 3), lambda: index.get_item_vector(bad),
                     lambda: index.build(bad), lambda: index.save(bad), lambda: index.load(bad),
                     lambda: index.get_nns_by_vector(bad, 3)):
            try:
                call()
            except Exception:
                pass
            except BaseException as e:
                pytest.fail(f"{bad!r:.40}: {type(e).__name__}: {e}")
