"""AnnoyIndex: Annoy's API and files, cross-checked against Spotify's annoy."""

import numpy as np
import pytest

from w2v_annoy import AnnoyIndex

METRICS = ["angular", "euclidean", "manhattan", "dot", "hamming"]


def data(rng, metric, n=300, f=16):
    if metric == "hamming":
        return (rng.random((n, f)) < 0.25).astype(np.float32)
    return rng.standard_normal((n, f)).astype(np.float32)


def build(cls, items, metric, trees=10, seed=7):
    index = cls(items.shape[1], metric)
    index.set_seed(seed)
    for i, v in enumerate(items):
        index.add_item(i, v.tolist())
    index.build(trees, n_jobs=1)
    return index


@pytest.mark.parametrize("metric", METRICS)
def test_loads_annoys_files_and_answers_as_annoy(rng, tmp_path, metric):
    annoy = pytest.importorskip("annoy")
    items = data(rng, metric)
    theirs = build(annoy.AnnoyIndex, items, metric)
    path = str(tmp_path / "theirs.ann")
    theirs.save(path)
    ours = AnnoyIndex(16, metric)
    assert ours.load(path) is True
    assert ours.get_n_items() == theirs.get_n_items() == 300
    assert ours.get_n_trees() == theirs.get_n_trees()
    for q in data(rng, metric, n=20):
        q = q.tolist()
        for search_k in (-1, 50):
            ids, dist = ours.get_nns_by_vector(q, 10, search_k=search_k, include_distances=True)
            tids, tdist = theirs.get_nns_by_vector(q, 10, search_k=search_k, include_distances=True)
            assert ids == tids
            np.testing.assert_allclose(dist, tdist, rtol=1e-4, atol=1e-4)
    for i in range(0, 300, 17):
        assert ours.get_nns_by_item(i, 5) == theirs.get_nns_by_item(i, 5)
        np.testing.assert_allclose(ours.get_item_vector(i), theirs.get_item_vector(i), rtol=1e-6)
        assert ours.get_distance(i, i + 1) == pytest.approx(theirs.get_distance(i, i + 1), rel=1e-4, abs=1e-4)


@pytest.mark.parametrize("metric", METRICS)
def test_annoy_loads_our_files(rng, tmp_path, metric):
    annoy = pytest.importorskip("annoy")
    items = data(rng, metric)
    ours = build(AnnoyIndex, items, metric)
    path = str(tmp_path / "ours.ann")
    assert ours.save(path) is True
    theirs = annoy.AnnoyIndex(16, metric)
    theirs.load(path)
    assert theirs.get_n_items() == 300 and theirs.get_n_trees() == 10
    for q in data(rng, metric, n=20):
        q = q.tolist()
        ids, dist = theirs.get_nns_by_vector(q, 10, include_distances=True)
        assert ours.get_nns_by_vector(q, 10) == ids


def test_annoys_api(rng, tmp_path):
    items = data(rng, "angular", n=50, f=8)
    index = AnnoyIndex(8, "angular")
    assert index.f == 8
    for i, v in enumerate(items):
        index.add_item(i, v)  # numpy arrays too
    assert index.get_n_items() == 50 and index.get_n_trees() == 0
    assert index.get_distance(0, 1) == pytest.approx(
        np.sqrt(2 - 2 * items[0] @ items[1] / np.linalg.norm(items[0]) / np.linalg.norm(items[1])), rel=1e-5
    )
    assert index.build(5) is True
    assert index.get_n_trees() == 5
    ids = index.get_nns_by_item(3, 4)
    assert len(ids) == 4 and ids[0] == 3
    ids, dists = index.get_nns_by_item(3, 4, include_distances=True)
    assert dists == sorted(dists) and dists[0] == pytest.approx(0, abs=1e-3)
    with pytest.raises(RuntimeError):
        index.add_item(50, items[0])
    assert index.unbuild() is True
    index.add_item(50, items[0])
    index.build(2)
    assert index.get_n_items() == 51
    assert index.unload() is True
    assert index.get_n_items() == 0


def test_same_seed_same_forest(rng, tmp_path):
    items = data(rng, "euclidean", n=200)
    a, b = build(AnnoyIndex, items, "euclidean", seed=3), build(AnnoyIndex, items, "euclidean", seed=3)
    a.save(str(tmp_path / "a.ann"))
    b.save(str(tmp_path / "b.ann"))
    assert (tmp_path / "a.ann").read_bytes() == (tmp_path / "b.ann").read_bytes()


def test_on_disk_build(rng, tmp_path):
    items = data(rng, "angular")
    path = str(tmp_path / "disk.ann")
    index = AnnoyIndex(16, "angular")
    assert index.on_disk_build(path) is True
    for i, v in enumerate(items):
        index.add_item(i, v)
    index.build(4)
    other = AnnoyIndex(16, "angular")
    other.load(path)
    assert other.get_nns_by_item(0, 10) == index.get_nns_by_item(0, 10)


def test_errors(rng, tmp_path):
    index = AnnoyIndex(4, "angular")
    with pytest.raises(IndexError):
        index.add_item(0, [1.0, 2.0])
    with pytest.raises(IndexError):
        index.add_item(-1, [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError):
        AnnoyIndex(4, "cosine")
    with pytest.raises(RuntimeError):
        index.get_nns_by_vector([1.0, 0, 0, 0], 3)
    with pytest.raises(ValueError):
        index.build(2)  # no items
    index.add_item(0, [1.0, 0, 0, 0])
    index.build(2)
    with pytest.raises(IndexError):
        index.get_nns_by_vector([1.0, 0], 3)
    with pytest.raises(IndexError):
        index.get_item_vector(5)
    with pytest.raises(FileNotFoundError):
        AnnoyIndex(4, "angular").load(str(tmp_path / "missing.ann"))
    garbage = tmp_path / "garbage.ann"
    garbage.write_bytes(b"\x01" * 37)
    with pytest.raises(ValueError):
        AnnoyIndex(4, "angular").load(str(garbage))
