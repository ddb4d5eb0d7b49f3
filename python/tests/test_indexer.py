"""AnnoyIndexer: gensim's class and file pair, both ways with gensim."""

import numpy as np
import pytest

from w2v_annoy import AnnoyIndexer, KeyedVectors

from conftest import fixture


def test_most_similar_through_the_indexer(kv):
    indexer = AnnoyIndexer(kv, 50)
    assert indexer.num_trees == 50
    found = 0
    for i in (5, 50, 500):
        word = kv.index_to_key[i]
        approx = kv.most_similar(word, topn=10, indexer=indexer)
        exact = kv.most_similar(word, topn=10)
        assert len(approx) == 10 and word not in [w for w, _ in approx]
        # True cosine similarities, and most of the exact neighbours found.
        for w, s in approx:
            assert s == pytest.approx(kv.similarity(word, w), abs=1e-4)
        found += len({w for w, _ in approx} & {w for w, _ in exact})
    # Annoy's default search_k (n * trees) on 32 dims: well over half (the
    # forest is seeded, so this is deterministic).
    assert found >= 15


def test_gensim_loads_our_pair(kv, gensim_kv, tmp_path):
    similarities = pytest.importorskip("gensim.similarities.annoy")
    indexer = AnnoyIndexer(kv, 20)
    path = str(tmp_path / "index.ann")
    indexer.save(path)
    theirs = similarities.AnnoyIndexer()
    theirs.load(path)
    assert theirs.labels == kv.index_to_key and theirs.num_trees == 20
    vector = gensim_kv.get_vector(kv.index_to_key[40], norm=True)
    ours = indexer.most_similar(vector, 10)
    np.testing.assert_equal([w for w, _ in theirs.most_similar(vector, 10)], [w for w, _ in ours])
    # gensim's most_similar with our indexer (duck-typed) and theirs agree.
    assert [w for w, _ in gensim_kv.most_similar(kv.index_to_key[40], indexer=indexer)] == [
        w for w, _ in gensim_kv.most_similar(kv.index_to_key[40], indexer=theirs)
    ]


def test_we_load_gensims_pair(kv, gensim_kv, tmp_path):
    similarities = pytest.importorskip("gensim.similarities.annoy")
    theirs = similarities.AnnoyIndexer(gensim_kv, 10)
    path = str(tmp_path / "gensim.ann")
    theirs.save(path)
    ours = AnnoyIndexer()
    ours.load(path)
    assert ours.num_trees == 10 and ours.labels == gensim_kv.index_to_key
    vector = gensim_kv.get_vector(kv.index_to_key[7], norm=True)
    assert [w for w, _ in ours.most_similar(vector, 10)] == [w for w, _ in theirs.most_similar(vector, 10)]
    word = kv.index_to_key[7]
    assert len(kv.most_similar(word, indexer=ours)) == 10
    # With the model known, the pair is checked against its vectors.
    checked = AnnoyIndexer(kv)
    checked.load(path)
    assert checked.model is kv


def test_the_committed_gensim_pair_loads():
    indexer = AnnoyIndexer()
    indexer.load(fixture("annoy", "gensim_indexer.ann"))
    assert indexer.num_trees == 3 and len(indexer.labels) == 6


def test_indexer_from_a_gensim_model(gensim_kv):
    indexer = AnnoyIndexer(gensim_kv, 5)
    assert indexer.labels == gensim_kv.index_to_key


def test_indexer_for_other_vectors_is_refused(kv, tmp_path):
    small = KeyedVectors.from_gensim((["a", "b", "c"], np.eye(3)))
    indexer = AnnoyIndexer(small, 2)
    with pytest.raises(ValueError):
        kv.most_similar(kv.index_to_key[0], indexer=indexer)
    path = str(tmp_path / "small.ann")
    indexer.save(path)
    with pytest.raises(ValueError):
        AnnoyIndexer(kv).load(path)
    with pytest.raises(ValueError):
        AnnoyIndexer().save(path)
    with pytest.raises(OSError):
        AnnoyIndexer().load(str(tmp_path / "missing.ann"))
    with pytest.raises(ValueError):
        AnnoyIndexer("not a model", 2)
    with pytest.raises(TypeError):
        kv.most_similar(kv.index_to_key[0], indexer="not an indexer")
