"""Doc2Vec, TaggedDocument and TaggedLineDocument: behaviour, errors, and
cross-checks with gensim where it is installed (gensim's Doc2Vec tutorial
check on the Lee corpus, the combined word2vec export, AnnoyIndexer files)."""

import json
import pickle
import threading
import time

import numpy as np
import pytest

from w2v_annoy import AnnoyIndexer, Doc2Vec, KeyedVectors, TaggedDocument, TaggedLineDocument

from conftest import fixture

LEE = fixture("doc2vec", "lee_background.txt")
DOCUMENTS = fixture("doc2vec", "documents.txt")
SMALL = dict(vector_size=16, min_count=2, epochs=3, workers=1, seed=2)


@pytest.fixture(scope="module")
def lee_docs():
    return list(TaggedLineDocument(LEE))


def mixed_docs(lee_docs):
    """Lee documents with int tags (every other one), str tags and a
    second, shared tag."""
    docs = []
    for n, doc in enumerate(lee_docs[:120]):
        tags = [n // 2] if n % 2 == 0 else [f"doc{n}"]
        if n % 3 == 0:
            tags.append(f"group{n % 5}")
        docs.append(TaggedDocument(doc.words, tags))
    return docs


def test_gensims_module_paths_and_defaults():
    from w2v_annoy.models import Doc2Vec as D
    from w2v_annoy.models.doc2vec import Doc2Vec as D2, TaggedDocument as T, TaggedLineDocument as L

    assert D is D2 is Doc2Vec and T is TaggedDocument and L is TaggedLineDocument
    model = Doc2Vec()
    assert (model.vector_size, model.window, model.min_count, model.epochs) == (100, 5, 5, 10)
    assert (model.dm, model.dbow_words, model.dm_concat, model.dm_tag_count, model.cbow_mean) == (1, 0, 0, 1, 1)
    assert (model.hs, model.negative, model.workers, model.seed) == (0, 5, 3, 1)
    assert model.alpha == pytest.approx(0.025) and model.min_alpha == pytest.approx(0.0001)
    assert model.sample == pytest.approx(1e-3)
    assert Doc2Vec(dm=0, dbow_words=1).dbow == 1
    assert Doc2Vec(dm_mean=0).cbow_mean == 0 and Doc2Vec(cbow_mean=0).cbow_mean == 0


def test_tagged_document_is_gensims_namedtuple():
    doc = TaggedDocument(["a", "b"], [3, "x"])
    words, tags = doc
    assert (doc.words, doc.tags, words, tags) == (["a", "b"], [3, "x"], ["a", "b"], [3, "x"])
    assert str(doc) == "TaggedDocument<['a', 'b'], [3, 'x']>"
    gensim_doc2vec = pytest.importorskip("gensim.models.doc2vec")
    assert tuple(doc) == tuple(gensim_doc2vec.TaggedDocument(["a", "b"], [3, "x"]))


def test_tagged_line_document_gives_gensims_documents():
    expected = json.load(open(fixture("doc2vec", "documents.expected.json")))
    ours = list(TaggedLineDocument(DOCUMENTS))
    assert all(isinstance(doc, TaggedDocument) for doc in ours)
    assert [[doc.tags, doc.words] for doc in ours] == expected
    gensim_doc2vec = pytest.importorskip("gensim.models.doc2vec")
    assert ours == list(gensim_doc2vec.TaggedLineDocument(DOCUMENTS))


def test_every_source_of_documents_trains_the_same_model(lee_docs):
    from_list = Doc2Vec(lee_docs, **SMALL)
    from_generator = Doc2Vec((d for d in lee_docs), **SMALL)
    from_lines = Doc2Vec(TaggedLineDocument(LEE), **SMALL)
    from_file = Doc2Vec(corpus_file=LEE, **SMALL)
    models = [from_list, from_generator, from_lines, from_file]
    for model in models:
        assert model.dv.index_to_key == list(range(300))
        assert model.corpus_count == 300 and model.epochs_trained == 3
    # One worker and a seed: the same documents give the same vectors.
    for model in models[1:]:
        np.testing.assert_array_equal(model.dv.vectors, from_list.dv.vectors)
        np.testing.assert_array_equal(model.wv.vectors, from_list.wv.vectors)
    assert isinstance(from_list.dv, KeyedVectors) and from_list.dv.vector_size == 16


def test_int_and_str_tags_lay_out_as_gensims_dv(lee_docs):
    docs = mixed_docs(lee_docs)
    model = Doc2Vec(docs, **SMALL)
    dv = model.dv
    ints = list(range(60))
    strings = list(dict.fromkeys(t for d in docs for t in d.tags if isinstance(t, str)))
    assert dv.index_to_key == ints + strings
    assert dv.key_to_index == {key: 60 + i for i, key in enumerate(strings)}
    assert len(dv) == 60 + len(strings)
    # gensim's lookups: an int tag is its row number, a str tag its key.
    np.testing.assert_array_equal(dv[5], dv.vectors[5])
    np.testing.assert_array_equal(dv["doc1"], dv.vectors[dv.key_to_index["doc1"]])
    assert 5 in dv and "group0" in dv and 10_000 not in dv and "nope" not in dv
    found = dv.most_similar(0, topn=5)
    assert len(found) == 5 and 0 not in [key for key, _ in found]
    assert all(isinstance(key, (int, str)) for key, _ in found)
    everything = dv.most_similar("doc1", topn=len(dv))
    assert {key for key, _ in everything} == set(ints + strings) - {"doc1"}
    with pytest.raises(KeyError):
        dv["nope"]
    gensim_doc2vec = pytest.importorskip("gensim.models.doc2vec")
    theirs = gensim_doc2vec.Doc2Vec(vector_size=16, min_count=2)
    theirs.build_vocab(docs)
    assert dv.index_to_key == theirs.dv.index_to_key
    assert model.wv.index_to_key == theirs.wv.index_to_key


def test_errors_are_gensims(lee_docs, tmp_path):
    with pytest.raises(TypeError, match="iterable of TaggedDocument"):
        Doc2Vec("a b c", **SMALL)
    with pytest.raises(TypeError, match="Both corpus_file and corpus_iterable"):
        Doc2Vec(lee_docs, corpus_file=LEE)
    model = Doc2Vec(**SMALL)
    with pytest.raises(TypeError, match="Either one of corpus_file or corpus_iterable"):
        model.build_vocab()
    with pytest.raises(RuntimeError, match="build vocabulary"):
        model.infer_vector(["a"])
    with pytest.raises(TypeError, match="TaggedDocument"):
        Doc2Vec([["just", "words"]], **SMALL)
    with pytest.raises(TypeError, match="not a str"):
        Doc2Vec([TaggedDocument("a b c", [0])], **SMALL)
    with pytest.raises(TypeError, match="not a str"):
        Doc2Vec([TaggedDocument(["a"], "tag")], **SMALL)
    with pytest.raises(TypeError, match="float"):
        Doc2Vec([TaggedDocument(["a"], [1.5])], **SMALL)
    with pytest.raises(ValueError, match="negative"):
        Doc2Vec([TaggedDocument(["a"], [-1])], **SMALL)
    with pytest.raises(ValueError, match="whitespace"):
        Doc2Vec([TaggedDocument(["a"], ["two words"])], **SMALL)
    with pytest.raises(ValueError, match="at least one tag"):
        Doc2Vec([TaggedDocument(["a"], [])], **SMALL)
    with pytest.raises(ValueError, match="dm_tag_count"):
        Doc2Vec(lee_docs, dm_concat=1, dm_tag_count=0)
    trained = Doc2Vec(lee_docs[:50], **SMALL)
    with pytest.raises(TypeError, match="not a single string"):
        trained.infer_vector("a single string")
    with pytest.raises(ValueError, match="epochs"):
        trained.train(lee_docs[:50])
    with pytest.raises(KeyError):
        trained.dv[1000]
    with pytest.raises(FileNotFoundError):
        Doc2Vec.load(str(tmp_path / "missing"))
    with pytest.raises(ValueError):
        Doc2Vec(lee_docs, vector_size=0)


def test_infer_vector_and_unseen_documents(lee_docs):
    model = Doc2Vec(lee_docs, **SMALL)
    words = lee_docs[7].words
    vector = model.infer_vector(words)
    assert vector.dtype == np.float32 and vector.shape == (16,)
    np.testing.assert_array_equal(vector, model.infer_vector(list(words)))  # deterministic
    np.testing.assert_array_equal(vector, model.infer_vector(tuple(words), alpha=None, epochs=None))
    assert not np.array_equal(vector, model.infer_vector(words, epochs=50))
    assert not np.array_equal(vector, model.infer_vector(words, alpha=0.05, min_alpha=0.01))
    assert model.infer_vector(["unknown", "words"]).shape == (16,)
    same = model.similarity_unseen_docs(words, words)
    assert same == pytest.approx(1.0, abs=1e-5)
    other = model.similarity_unseen_docs(words, lee_docs[200].words, epochs=20)
    assert -1.0 <= other < same


def test_train_continues_and_save_load_round_trips(lee_docs, tmp_path):
    model = Doc2Vec(**SMALL)
    model.build_vocab(lee_docs)
    assert model.corpus_count == 300 and model.epochs_trained == 0
    effective, raw = model.train(lee_docs, total_examples=model.corpus_count, epochs=model.epochs)
    assert 0 < effective <= raw
    before = np.array(model.dv.vectors)
    model.train(epochs=1)  # the documents the vocabulary was built from
    assert model.epochs_trained == 4 and not np.array_equal(before, model.dv.vectors)
    path = str(tmp_path / "model.d2v")
    model.save(path)
    loaded = Doc2Vec.load(path)
    np.testing.assert_array_equal(loaded.dv.vectors, model.dv.vectors)
    np.testing.assert_array_equal(loaded.wv.vectors, model.wv.vectors)
    assert loaded.dv.index_to_key == model.dv.index_to_key
    assert (loaded.vector_size, loaded.dm, loaded.epochs_trained) == (16, 1, 4)
    np.testing.assert_array_equal(loaded.infer_vector(lee_docs[3].words), model.infer_vector(lee_docs[3].words))
    loaded.train(lee_docs, total_examples=300, epochs=1)
    assert loaded.epochs_trained == 5
    assert KeyedVectors.load(path).index_to_key == model.wv.index_to_key  # the word vectors


def test_every_mode_trains(lee_docs):
    modes = [dict(dm=1), dict(dm=1, dm_mean=0), dict(dm=1, dm_concat=1), dict(dm=0), dict(dm=0, dbow_words=1),
             dict(dm=0, hs=1, negative=0)]
    for options in modes:
        model = Doc2Vec(lee_docs[:100], **dict(SMALL, **options))
        assert model.dv.vectors.shape == (100, 16), options
        assert (model.dm, model.dm_concat) == (options["dm"], options.get("dm_concat", 0))
        assert np.isfinite(model.dv.vectors).all() and np.isfinite(model.infer_vector(lee_docs[0].words)).all()
    assert str(Doc2Vec(lee_docs[:20], **dict(SMALL, dm=0))).startswith("Doc2Vec<dbow,d16")


@pytest.mark.parametrize("binary", [False, True])
def test_combined_export_reads_back_here_and_in_gensim(lee_docs, tmp_path, binary):
    docs = mixed_docs(lee_docs)
    model = Doc2Vec(docs, **SMALL)
    path = str(tmp_path / "all.w2v")
    model.save_word2vec_format(path, doctag_vec=True, word_vec=True, binary=binary)
    ours = KeyedVectors.load_word2vec_format(path, binary=binary)
    words, dv = model.wv, model.dv
    assert len(ours) == len(words) + len(dv)
    assert ours.index_to_key[: len(words)] == words.index_to_key
    np.testing.assert_array_equal(ours["*dt_0"], dv[0])
    np.testing.assert_array_equal(ours["*dt_doc1"], dv["doc1"])
    np.testing.assert_array_equal(ours[words.index_to_key[0]], words.vectors[0])
    docs_only = str(tmp_path / "docs.txt")
    model.save_word2vec_format(docs_only, doctag_vec=True, word_vec=False, prefix="")
    assert sorted(KeyedVectors.load_word2vec_format(docs_only).index_to_key) == sorted(map(str, dv.index_to_key))
    with pytest.raises(ValueError, match="fvocab"):
        model.save_word2vec_format(path, fvocab=str(tmp_path / "counts"))
    models = pytest.importorskip("gensim.models")
    theirs = models.KeyedVectors.load_word2vec_format(path, binary=binary)
    assert theirs.index_to_key == ours.index_to_key
    np.testing.assert_allclose(theirs.vectors, ours.vectors, rtol=0, atol=1e-6 if not binary else 0)


def test_annoy_indexer_indexes_the_document_vectors(lee_docs, tmp_path):
    model = Doc2Vec(lee_docs, **dict(SMALL, epochs=10))
    indexer = AnnoyIndexer(model, 20)
    assert indexer.labels == list(range(300)) and indexer.num_trees == 20
    vector = model.infer_vector(lee_docs[10].words)
    approx = model.dv.most_similar([vector], topn=10, indexer=indexer)
    exact = model.dv.most_similar([vector], topn=10)
    assert all(isinstance(key, int) for key, _ in approx)
    assert len({k for k, _ in approx} & {k for k, _ in exact}) >= 7
    assert model.dv.most_similar(10, topn=5, indexer=indexer)[0][0] != 10
    raw = indexer.most_similar(model.dv[10], 3)
    assert raw[0][0] == 10 and raw[0][1] == pytest.approx(1.0, abs=1e-5)
    # The file pair reloads against the model.
    path = str(tmp_path / "dv.ann")
    indexer.save(path)
    again = AnnoyIndexer(model)
    again.load(path)
    assert model.dv.most_similar([vector], topn=10, indexer=again) == approx


def test_gensim_opens_our_doc2vec_annoy_files(lee_docs, tmp_path):
    pytest.importorskip("annoy")
    gensim_annoy = pytest.importorskip("gensim.similarities.annoy")
    docs = [TaggedDocument(d.words, [f"lee{n}"]) for n, d in enumerate(lee_docs)]
    model = Doc2Vec(docs, **SMALL)
    path = str(tmp_path / "dv.ann")
    AnnoyIndexer(model, 10).save(path)
    theirs = gensim_annoy.AnnoyIndexer()
    theirs.load(path)
    assert theirs.labels == model.dv.index_to_key
    found = theirs.most_similar(model.dv["lee5"], 3)
    assert found[0][0] == "lee5"
    with open(path + ".dict", "rb") as f:
        assert pickle.load(f)["labels"] == model.dv.index_to_key


def test_training_releases_the_gil(lee_docs):
    done = threading.Event()
    ticks = 0

    def run():
        try:
            Doc2Vec(corpus_file=LEE, vector_size=32, min_count=2, epochs=20, workers=1)
        finally:
            done.set()

    thread = threading.Thread(target=run)
    start = time.perf_counter()
    thread.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    seconds = time.perf_counter() - start
    assert seconds > 0.05 and ticks >= 20, (ticks, seconds)


def self_nearest(model, docs):
    """gensim's Doc2Vec tutorial check: how many training documents have
    their own vector nearest to their inferred vector."""
    ranks = []
    for doc_id in range(len(docs)):
        inferred_vector = model.infer_vector(docs[doc_id].words)
        sims = model.dv.most_similar([inferred_vector], topn=len(model.dv))
        rank = [docid for docid, sim in sims].index(doc_id)
        ranks.append(rank)
    return ranks.count(0)


@pytest.mark.parametrize("mode,dm,dm_concat", [("dm", 1, 0), ("dbow", 0, 0), ("dm_concat", 1, 1)])
def test_lee_documents_find_themselves_as_often_as_with_gensim(lee_docs, mode, dm, dm_concat):
    """The tutorial's code, with the import changed; gensim's counts (3
    seeds, one worker) are in fixtures/doc2vec/lee.expected.json."""
    expected = json.load(open(fixture("doc2vec", "lee.expected.json")))[mode]
    gensim_mean = sum(expected["self_nearest_of_300"]) / len(expected["self_nearest_of_300"])
    model = Doc2Vec(vector_size=50, min_count=2, epochs=40, dm=dm, dm_concat=dm_concat, workers=1, seed=1)
    model.build_vocab(lee_docs)
    model.train(lee_docs, total_examples=model.corpus_count, epochs=model.epochs)
    found = self_nearest(model, lee_docs)
    assert abs(found - gensim_mean) <= 6, (found, expected["self_nearest_of_300"])


def test_we_open_gensims_doc2vec_annoy_files(lee_docs, tmp_path):
    """gensim's AnnoyIndexer over a gensim Doc2Vec (int tags, pickled as
    ints), queried here through the converted document vectors."""
    pytest.importorskip("annoy")
    gensim_doc2vec = pytest.importorskip("gensim.models.doc2vec")
    gensim_annoy = pytest.importorskip("gensim.similarities.annoy")
    docs = [gensim_doc2vec.TaggedDocument(d.words, d.tags) for d in lee_docs[:100]]
    theirs = gensim_doc2vec.Doc2Vec(docs, vector_size=16, min_count=2, epochs=3, workers=1)
    path = str(tmp_path / "gensim_dv.ann")
    gensim_annoy.AnnoyIndexer(theirs, 10).save(path)
    dv = KeyedVectors.from_gensim(theirs.dv)
    assert dv.index_to_key == theirs.dv.index_to_key == list(range(100))
    ours = AnnoyIndexer(dv)
    ours.load(path)
    assert ours.labels == list(range(100))
    found = dv.most_similar(7, topn=5, indexer=ours)
    assert all(isinstance(key, int) and key != 7 for key, _ in found)
    assert ours.most_similar(dv[7], 1)[0][0] == 7
