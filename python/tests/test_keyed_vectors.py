"""KeyedVectors: gensim's API, cross-checked against gensim on the same
vectors."""

import filecmp

import numpy as np
import pytest

from w2v_annoy import KeyedVectors

from conftest import fixture

# Words spread over the frequency range of the fixture's vocabulary.
PROBES = [0, 7, 25, 60, 150, 400, 900, 1700, 2600, 4000]


def assert_same_neighbours(ours, theirs, atol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=atol)


def test_loads_like_gensim(kv, gensim_kv):
    assert len(kv) == len(gensim_kv) == 4274
    assert kv.vector_size == gensim_kv.vector_size == 32
    assert kv.index_to_key == gensim_kv.index_to_key
    assert kv.key_to_index == gensim_kv.key_to_index
    assert kv.vectors.dtype == np.float32
    np.testing.assert_array_equal(kv.vectors, gensim_kv.vectors)
    word = kv.index_to_key[5]
    np.testing.assert_array_equal(kv[word], gensim_kv[word])
    np.testing.assert_array_equal(kv.get_vector(word), gensim_kv.get_vector(word))
    np.testing.assert_allclose(
        kv.get_vector(word, norm=True), gensim_kv.get_vector(word, norm=True), rtol=1e-6
    )
    np.testing.assert_array_equal(kv[[word, 3]], gensim_kv[[word, 3]])
    assert word in kv and "no-such-word" not in kv
    assert kv.get_index(word) == gensim_kv.get_index(word)


@pytest.mark.parametrize("name", ["small.txt", "small.bin", "small_c.txt", "small_c.bin"])
def test_reads_the_gensim_fixtures(name):
    gensim = pytest.importorskip("gensim.models")
    path = fixture("gensim", name)
    binary = name.endswith(".bin")
    ours = KeyedVectors.load_word2vec_format(path, binary=binary)
    theirs = gensim.KeyedVectors.load_word2vec_format(path, binary=binary)
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)


def test_limit():
    path = fixture("gensim", "small.txt")
    kv = KeyedVectors.load_word2vec_format(path, limit=3)
    assert len(kv) == 3


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_format_writes_gensims_bytes(kv, gensim_kv, tmp_path, binary):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    kv.save_word2vec_format(str(ours), binary=binary)
    gensim_kv.save_word2vec_format(str(theirs), binary=binary)
    assert filecmp.cmp(ours, theirs, shallow=False)
    back = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    np.testing.assert_array_equal(back.vectors, kv.vectors)


def test_native_save_load_is_a_read_only_map(kv, tmp_path):
    path = str(tmp_path / "vectors.kv")
    kv.save(path)
    mapped = KeyedVectors.load(path)
    assert mapped.is_mapped
    assert mapped.index_to_key == kv.index_to_key
    vectors = mapped.vectors
    np.testing.assert_array_equal(vectors, kv.vectors)
    assert not vectors.flags.writeable and not vectors.flags.owndata
    # Zero-copy: every access is a view of the same mapped memory.
    assert np.shares_memory(vectors, mapped.vectors)
    with pytest.raises(ValueError):
        vectors[0, 0] = 1.0
    # The view keeps the vectors alive.
    del mapped
    assert float(vectors[0].sum()) == float(kv.vectors[0].sum())


@pytest.mark.parametrize("i", PROBES)
def test_most_similar_matches_gensim(kv, gensim_kv, i):
    word = kv.index_to_key[i]
    assert_same_neighbours(kv.most_similar(word), gensim_kv.most_similar(word))
    assert_same_neighbours(
        kv.most_similar(positive=[word], topn=25), gensim_kv.most_similar(positive=[word], topn=25)
    )
    assert_same_neighbours(kv.similar_by_word(word, topn=5), gensim_kv.similar_by_word(word, topn=5))


def test_analogy_queries_match_gensim(kv, gensim_kv):
    words = kv.index_to_key
    for a, b, c in [(30, 40, 50), (100, 5, 300), (1000, 2000, 3000)]:
        pos, neg = [words[b], words[c]], [words[a]]
        assert_same_neighbours(
            kv.most_similar(positive=pos, negative=neg, topn=10),
            gensim_kv.most_similar(positive=pos, negative=neg, topn=10),
        )
        assert_same_neighbours(
            kv.most_similar_cosmul(positive=pos, negative=neg, topn=10),
            gensim_kv.most_similar_cosmul(positive=pos, negative=neg, topn=10),
        )


def test_restrict_vocab_and_vectors_match_gensim(kv, gensim_kv, rng):
    word = kv.index_to_key[60]
    assert_same_neighbours(
        kv.most_similar(word, restrict_vocab=500), gensim_kv.most_similar(word, restrict_vocab=500)
    )
    query = rng.standard_normal(32).astype(np.float32)
    assert_same_neighbours(kv.similar_by_vector(query), gensim_kv.similar_by_vector(query))
    assert_same_neighbours(
        kv.most_similar(positive=[query, word]), gensim_kv.most_similar(positive=[query, word])
    )
    # float64 and lists are accepted as vectors too.
    assert_same_neighbours(kv.similar_by_vector(query.astype(np.float64)), kv.similar_by_vector(query))
    assert_same_neighbours(kv.similar_by_vector(list(map(float, query))), kv.similar_by_vector(query))


def test_pairwise_functions_match_gensim(kv, gensim_kv):
    w = kv.index_to_key
    assert kv.similarity(w[10], w[20]) == pytest.approx(float(gensim_kv.similarity(w[10], w[20])), abs=1e-6)
    assert kv.distance(w[10], w[20]) == pytest.approx(float(gensim_kv.distance(w[10], w[20])), abs=1e-6)
    assert kv.n_similarity(w[1:4], w[7:9]) == pytest.approx(
        float(gensim_kv.n_similarity(w[1:4], w[7:9])), abs=1e-6
    )
    assert kv.rank(w[10], w[20]) == gensim_kv.rank(w[10], w[20])
    assert kv.closer_than(w[10], w[20]) == gensim_kv.closer_than(w[10], w[20])
    group = [w[100], w[101], w[102], w[3000]]
    assert kv.doesnt_match(group) == gensim_kv.doesnt_match(group)


def test_topn_below_one_is_empty(kv):
    assert kv.most_similar(kv.index_to_key[0], topn=0) == []


def test_evaluate_word_analogies_matches_gensim(kv, gensim_kv):
    path = fixture("eval", "questions-words.txt")
    score, sections = kv.evaluate_word_analogies(path)
    their_score, their_sections = gensim_kv.evaluate_word_analogies(path)
    assert score == pytest.approx(their_score)
    assert [s["section"] for s in sections] == [s["section"] for s in their_sections]
    assert sections[-1]["section"] == "Total accuracy"
    for ours, theirs in zip(sections, their_sections):
        assert set(ours) == {"section", "correct", "incorrect"}
        assert ours["correct"] == theirs["correct"]
        assert ours["incorrect"] == theirs["incorrect"]


def test_evaluate_word_pairs_matches_gensim(kv, gensim_kv):
    path = fixture("eval", "wordsim353.tsv")
    pearson, spearman, oov = kv.evaluate_word_pairs(path)
    their_pearson, their_spearman, their_oov = gensim_kv.evaluate_word_pairs(path)
    assert len(pearson) == len(spearman) == 2
    np.testing.assert_allclose(pearson, tuple(their_pearson), rtol=1e-5)
    np.testing.assert_allclose(spearman, tuple(their_spearman), rtol=1e-5)
    assert oov == pytest.approx(their_oov)


def test_from_gensim_and_from_arrays(gensim_kv, kv):
    ours = KeyedVectors.from_gensim(gensim_kv)
    assert ours.index_to_key == gensim_kv.index_to_key
    np.testing.assert_array_equal(ours.vectors, gensim_kv.vectors)
    word = ours.index_to_key[25]
    assert_same_neighbours(ours.most_similar(word), gensim_kv.most_similar(word))
    words = ["north", "east", "northeast"]
    pair = KeyedVectors.from_gensim((words, np.array([[0, 1], [1, 0], [1, 1]], dtype=np.float64)))
    assert pair.index_to_key == words and pair.vectors.dtype == np.float32
    assert pair.most_similar("north", topn=1)[0][0] == "northeast"


def test_errors_are_the_exceptions_gensim_raises(kv, tmp_path):
    with pytest.raises(KeyError):
        kv["no-such-word"]
    with pytest.raises(KeyError):
        kv.most_similar("no-such-word")
    with pytest.raises(KeyError):
        kv.most_similar(positive=[kv.index_to_key[0]], negative=["no-such-word"])
    with pytest.raises(KeyError):
        kv.similarity("no-such-word", kv.index_to_key[0])
    with pytest.raises(ValueError):
        kv.most_similar(positive=[], negative=[])
    with pytest.raises(ValueError):
        kv.similar_by_vector(np.zeros(5, dtype=np.float32))
    with pytest.raises(ZeroDivisionError):
        kv.n_similarity([], [kv.index_to_key[0]])
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load_word2vec_format(str(tmp_path / "missing.bin"), binary=True)
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nword 1.0 2.0\n")
    with pytest.raises(ValueError):
        KeyedVectors.load_word2vec_format(str(bad))
    with pytest.raises(ValueError):
        KeyedVectors.from_gensim((["a", "a"], np.zeros((2, 3))))
    with pytest.raises(ValueError):
        KeyedVectors.from_gensim((["a", "b"], np.zeros((3, 3))))
    with pytest.raises(TypeError):
        kv.doesnt_match("abc")
