"""HnswIndexer: AnnoyIndexer's interface over an HNSW graph, in most_similar,
saved and loaded, and its file opened by the real hnswlib when installed."""

import numpy as np
import pytest

from w2v_annoy import AnnoyIndexer, HnswIndexer, KeyedVectors, Word2Vec, hnswlib
from w2v_annoy.similarities import HnswIndexer as FromSimilarities

from conftest import fixture


def test_most_similar_through_the_indexer(kv):
    indexer = HnswIndexer(kv)
    assert (indexer.M, indexer.ef_construction, indexer.ef) == (16, 200, 50)
    assert indexer.labels == kv.index_to_key
    found = 0
    for i in (5, 50, 500, 2000):
        word = kv.index_to_key[i]
        approx = kv.most_similar(word, topn=10, indexer=indexer)
        exact = kv.most_similar(word, topn=10)
        assert len(approx) == 10 and word not in [w for w, _ in approx]
        for w, s in approx:
            assert s == pytest.approx(kv.similarity(word, w), abs=1e-4)
        found += len({w for w, _ in approx} & {w for w, _ in exact})
    # ef 50 over 4,274 words: nearly all of the exact neighbours (seeded
    # build, so this is deterministic).
    assert found >= 38, found
    # The raw indexer answer includes the word itself, first.
    vector = kv.get_vector(kv.index_to_key[5], norm=True)
    assert indexer.most_similar(vector, 3)[0][0] == kv.index_to_key[5]
    assert FromSimilarities is HnswIndexer


def test_parameters_and_ef():
    kv = KeyedVectors.from_gensim(([f"w{i}" for i in range(300)], np.random.default_rng(0).standard_normal((300, 8))))
    indexer = HnswIndexer(kv, M=8, ef_construction=40, ef=20, random_seed=3, num_threads=1)
    assert (indexer.M, indexer.ef_construction, indexer.ef) == (8, 40, 20)
    indexer.ef = 200
    assert indexer.ef == 200
    # The graph depends on the seed only, not on the threads.
    again = HnswIndexer(kv, M=8, ef_construction=40, ef=200, random_seed=3, num_threads=2)
    for i in range(0, 300, 37):
        assert kv.most_similar(f"w{i}", indexer=indexer) == kv.most_similar(f"w{i}", indexer=again)
    with pytest.raises(ValueError):
        indexer.ef = 0


def test_save_and_load(kv, tmp_path):
    indexer = HnswIndexer(kv, M=12)
    path = str(tmp_path / "words.hnsw")
    indexer.save(path)
    assert (tmp_path / "words.hnsw.dict").exists()
    word = kv.index_to_key[40]
    want = kv.most_similar(word, indexer=indexer)
    # With the model: checked against its vectors.
    checked = HnswIndexer(kv)
    checked.load(path)
    assert checked.model is kv and checked.M == 12
    checked.ef = 50
    assert kv.most_similar(word, indexer=checked) == want
    # Without: the words come from the sidecar.
    alone = HnswIndexer()
    alone.load(path)
    alone.ef = 50
    assert alone.labels == kv.index_to_key
    vector = kv.get_vector(word, norm=True)
    assert alone.most_similar(vector, 5) == indexer.most_similar(vector, 5)
    assert kv.most_similar(word, indexer=alone) == want


def test_our_hnswlib_index_opens_the_indexers_file(kv, tmp_path):
    indexer = HnswIndexer(kv)
    path = str(tmp_path / "words.hnsw")
    indexer.save(path)
    index = hnswlib.Index("cosine", kv.vector_size)
    index.load_index(path)
    index.set_ef(50)
    vector = kv.get_vector(kv.index_to_key[9], norm=True)
    labels, distances = index.knn_query(vector, k=5)
    assert [kv.index_to_key[int(i)] for i in labels[0]] == [w for w, _ in indexer.most_similar(vector, 5)]


def test_hnswlib_opens_the_indexers_file(kv, tmp_path):
    real = pytest.importorskip("hnswlib")
    indexer = HnswIndexer(kv)
    path = str(tmp_path / "words.hnsw")
    indexer.save(path)
    theirs = real.Index("cosine", kv.vector_size)
    theirs.load_index(path)
    theirs.set_ef(50)
    for i in (3, 30, 300):
        vector = kv.get_vector(kv.index_to_key[i], norm=True)
        labels, distances = theirs.knn_query(vector, k=10, num_threads=1)
        ours = indexer.most_similar(vector, 10)
        assert [kv.index_to_key[int(j)] for j in labels[0]] == [w for w, _ in ours]
        np.testing.assert_allclose(1 - distances[0], [s for _, s in ours], atol=1e-5)


def test_a_file_made_by_hnswlib_loads_with_a_model(kv, tmp_path):
    real = pytest.importorskip("hnswlib")
    theirs = real.Index("cosine", kv.vector_size)
    theirs.init_index(max_elements=len(kv), M=16, ef_construction=100)
    theirs.add_items(np.asarray(kv.get_normed_vectors()), np.arange(len(kv)))
    path = str(tmp_path / "theirs.bin")
    theirs.save_index(path)
    indexer = HnswIndexer(kv)
    indexer.load(path)  # no sidecar: the labels are the vocabulary indices
    word = kv.index_to_key[77]
    approx = [w for w, _ in kv.most_similar(word, indexer=indexer)]
    exact = [w for w, _ in kv.most_similar(word)]
    assert len(set(approx) & set(exact)) >= 8


def test_gensim_uses_our_indexer(kv, gensim_kv):
    indexer = HnswIndexer(kv)
    word = kv.index_to_key[40]
    theirs = gensim_kv.most_similar(word, indexer=indexer)
    # gensim returns the indexer's raw answer (the word itself first).
    assert theirs[0][0] == word and len(theirs) == 10


def test_from_a_word2vec_model_and_refusals(tmp_path):
    model = Word2Vec(
        [["a", "b", "c", "d"], ["b", "c", "d", "e"]] * 20, vector_size=8, min_count=1, workers=1, epochs=2
    )
    indexer = HnswIndexer(model)
    assert sorted(indexer.labels) == sorted(model.wv.index_to_key)
    assert len(model.wv.most_similar("a", topn=3, indexer=indexer)) == 3
    other = KeyedVectors.from_gensim((["x", "y"], np.eye(2)))
    with pytest.raises(ValueError):
        other.most_similar("x", indexer=indexer)
    with pytest.raises(TypeError):
        other.most_similar("x", indexer=object())
    with pytest.raises(ValueError):
        HnswIndexer().most_similar([0.0, 1.0], 1)
    with pytest.raises(ValueError):
        HnswIndexer(object())
    path = str(tmp_path / "w.hnsw")
    indexer.save(path)
    checked = HnswIndexer(other)
    with pytest.raises(ValueError):
        checked.load(path)
    # An Annoy pair is not an HNSW index.
    annoy_path = str(tmp_path / "w.ann")
    AnnoyIndexer(model, 2).save(annoy_path)
    with pytest.raises(ValueError):
        HnswIndexer().load(annoy_path)
    with pytest.raises(FileNotFoundError):
        HnswIndexer(model).load(str(tmp_path / "missing"))


def test_the_golden_cosine_file_needs_a_model():
    with pytest.raises(ValueError, match="dimension"):
        HnswIndexer().load(fixture("hnsw", "cosine_m8.bin"))
