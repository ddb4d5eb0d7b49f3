"""w2v_annoy.hnswlib.Index: hnswlib's API, errors and files, checked on the
committed golden files made by hnswlib 0.8, against brute force, and both
ways with the real hnswlib when it is installed (skipped otherwise).

The tests named ``test_hnswlib_*`` are hnswlib's own Python tests
(``tests/python/bindings_test_*.py`` of nmslib/hnswlib 0.8, Apache-2.0),
adapted: smaller sizes, seeded data, pytest instead of unittest."""

import json
import pickle
import threading
import time

import numpy as np
import pytest

from w2v_annoy import hnswlib

from conftest import fixture


def golden(name):
    with open(fixture("hnsw", f"{name}.json")) as f:
        case = json.load(f)
    items = np.fromfile(fixture("hnsw", case["items"]), dtype="<f4").reshape(-1, case["dim"])
    queries = np.fromfile(fixture("hnsw", case["queries"]), dtype="<f4").reshape(-1, case["dim"])
    return case, items, queries


def built(space="l2", n=500, dim=16, seed=1, **init):
    rng = np.random.default_rng(seed)
    data = rng.random((n, dim), dtype=np.float32)
    index = hnswlib.Index(space, dim)
    params = dict(max_elements=n, ef_construction=100, M=16)
    params.update(init)
    index.init_index(**params)
    index.add_items(data)
    return index, data


def brute_force(space, items, queries, k):
    if space == "l2":
        d = ((queries[:, None, :] - items[None, :, :]) ** 2).sum(-1)
    elif space == "ip":
        d = 1.0 - queries @ items.T
    else:
        qn = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        itn = items / np.linalg.norm(items, axis=1, keepdims=True)
        d = 1.0 - qn @ itn.T
    labels = np.argsort(d, axis=1, kind="stable")[:, :k]
    return labels, np.take_along_axis(d, labels, axis=1)


# ---- the committed golden files (hnswlib 0.8's answers) ---------------------


@pytest.mark.parametrize("name", ["cosine_m8", "l2_m16", "ip_m6_deleted"])
def test_golden_files_give_hnswlibs_answers(name):
    case, items, queries = golden(name)
    index = hnswlib.Index(case["space"], case["dim"])
    index.load_index(fixture("hnsw", f"{name}.bin"))
    assert index.element_count == index.get_current_count() == case["element_count"]
    assert index.max_elements == index.get_max_elements() == case["max_elements"]
    assert index.M == case["M"] and index.ef_construction == case["ef_construction"]
    assert index.index_file_size() == case["file_size"]
    assert index.ef == 10  # hnswlib's ef after a load
    for ef, want in case["answers"].items():
        index.set_ef(int(ef))
        labels, distances = index.knn_query(queries, k=case["k"])
        assert labels.dtype == np.uint64 and distances.dtype == np.float32
        assert labels.shape == distances.shape == (len(queries), case["k"])
        np.testing.assert_array_equal(labels, np.array(want["labels"], dtype=np.uint64))
        np.testing.assert_allclose(distances, want["distances"], rtol=1e-4, atol=1e-4)
    deleted = set(case["deleted"])
    live = [int(label) for label in index.get_ids_list() if int(label) not in deleted]
    assert len(index.get_ids_list()) == case["element_count"]
    stored = index.get_items(live[:5])
    assert stored.shape == (5, case["dim"]) and stored.dtype == np.float32
    for label in deleted:
        with pytest.raises(RuntimeError, match="Label not found"):
            index.get_items([label])


def test_the_empty_golden_file_loads_and_cannot_answer():
    index = hnswlib.Index("l2", 16)
    index.load_index(fixture("hnsw", "empty_l2.bin"))
    assert index.element_count == 0 and index.max_elements == 10
    with pytest.raises(RuntimeError, match="contiguous 2D array"):
        index.knn_query(np.zeros(16, dtype=np.float32), k=1)
    index.add_items(np.ones((2, 16), dtype=np.float32))
    labels, _ = index.knn_query(np.ones(16, dtype=np.float32), k=2)
    assert sorted(labels[0].tolist()) == [0, 1]


# ---- behaviour ----------------------------------------------------------------


@pytest.mark.parametrize("space", ["l2", "ip", "cosine"])
def test_answers_match_brute_force(space):
    index, data = built(space, n=1000, dim=12, seed=3)
    index.set_ef(100)
    queries = np.random.default_rng(4).random((50, 12), dtype=np.float32)
    labels, distances = index.knn_query(queries, k=10)
    truth, truth_d = brute_force(space, data, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(labels.tolist(), truth.tolist())])
    assert recall >= 0.97, recall
    # Distances are the space's own (squared L2, 1 - dot, 1 - cos), sorted.
    exact = brute_force(space, data, queries, 1000)[1]
    for row, (found, d) in enumerate(zip(labels, distances)):
        assert np.all(np.diff(d) >= 0)
        full = brute_force(space, data, queries[row : row + 1], 1000)
        by_label = dict(zip(full[0][0].tolist(), full[1][0].tolist()))
        np.testing.assert_allclose(d, [by_label[int(x)] for x in found], rtol=1e-4, atol=1e-4)
    assert exact.shape == (50, 1000)


def test_shapes_defaults_and_properties():
    index = hnswlib.Index(space="cosine", dim=4)
    assert index.space == "cosine" and index.dim == 4
    assert (index.M, index.ef_construction, index.max_elements, index.element_count) == (0, 0, 0, 0)
    assert index.ef == 10
    assert "Index(space='cosine', dim=4)" in repr(index)
    index.ef = 30  # before init_index: kept and applied at init
    index.init_index(max_elements=10)
    assert (index.M, index.ef_construction, index.max_elements, index.ef) == (16, 200, 10, 30)
    index.add_items([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])  # lists, ints: cast
    index.add_items(np.array([0, 0, 0, 2.0]))  # one 1-D vector: label 3
    assert index.get_ids_list() == [0, 1, 2, 3]
    labels, distances = index.knn_query(np.array([0, 0, 0, 1], dtype=np.float64))
    assert labels.shape == (1, 1) and labels[0, 0] == 3 and abs(distances[0, 0]) < 1e-6
    labels, _ = index.knn_query(np.eye(4, dtype=np.float32), k=2)
    assert labels.shape == (4, 2) and labels[:, 0].tolist() == [0, 1, 2, 3]
    # Cosine stores unit vectors, as hnswlib does.
    np.testing.assert_allclose(index.get_items([3]), [[0, 0, 0, 1]])
    assert index.get_items([3], return_type="list") == [[0.0, 0.0, 0.0, 1.0]]
    assert index.get_items().shape[0] == 0
    index.set_num_threads(3)
    assert index.num_threads == 3
    index.num_threads = 1
    assert index.num_threads == 1
    index.set_ef(50)
    assert index.ef == 50
    index.ef = 0  # hnswlib accepts 0: the search uses max(ef, k)
    assert index.knn_query(np.eye(4)[0], k=2)[0][0, 0] == 0


def test_explicit_ids_single_ids_and_the_running_counter():
    index = hnswlib.Index("l2", 2)
    index.init_index(max_elements=10)
    index.add_items(np.array([[0, 0], [1, 1]], dtype=np.float32), ids=[10, 20])
    index.add_items(np.array([5, 5], dtype=np.float32), ids=7)  # a scalar id for one row
    index.add_items(np.array([[9, 9]], dtype=np.float32))  # hnswlib's counter: 3 rows added before
    assert sorted(index.get_ids_list()) == [3, 7, 10, 20]
    assert index.knn_query([9, 9])[0][0, 0] == 3
    big = np.uint64(2**63 + 5)
    index.add_items(np.array([4, 4], dtype=np.float32), ids=np.array([big]))
    assert index.knn_query([4, 4])[0][0, 0] == big


def test_updating_a_label_moves_its_vector():
    index = hnswlib.Index("l2", 2)
    index.init_index(max_elements=3)
    index.add_items(np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32))
    index.add_items(np.array([[10, 10]], dtype=np.float32), ids=[1])  # same label: an update
    assert index.element_count == 3
    np.testing.assert_array_equal(index.get_items([1]), [[10, 10]])
    assert index.knn_query([9, 9])[0][0, 0] == 1
    # A deleted label added again comes back (replacement not allowed).
    index.mark_deleted(2)
    index.add_items(np.array([[0, 2]], dtype=np.float32), ids=[2])
    assert index.knn_query([0, 2])[0][0, 0] == 2


def test_deletion_marks():
    index, data = built("l2", n=200, dim=8)
    index.set_ef(50)
    index.mark_deleted(5)
    assert 5 not in index.knn_query(data[5], k=10)[0][0]
    assert index.element_count == 200 and 5 in index.get_ids_list()
    with pytest.raises(RuntimeError, match="already deleted"):
        index.mark_deleted(5)
    index.unmark_deleted(5)
    assert index.knn_query(data[5], k=1)[0][0, 0] == 5
    with pytest.raises(RuntimeError, match="not deleted"):
        index.unmark_deleted(5)
    with pytest.raises(RuntimeError, match="Label not found"):
        index.mark_deleted(12345)
    with pytest.raises(RuntimeError, match="Label not found"):
        index.unmark_deleted(12345)
    index.mark_deleted(np.uint64(7))  # numpy ints, as labels from knn_query
    assert 7 not in index.knn_query(data[7], k=5)[0][0]


def test_filter_keeps_the_labels_it_accepts():
    index, data = built("l2", n=300, dim=8)
    index.set_ef(50)
    labels, _ = index.knn_query(data[:20], k=5, filter=lambda label: label % 3 == 0)
    assert labels.shape == (20, 5) and np.all(labels % 3 == 0)
    calls = []

    def failing(label):
        calls.append(label)
        raise KeyError("from the filter")

    with pytest.raises(KeyError, match="from the filter"):
        index.knn_query(data[:3], k=1, filter=failing)
    assert len(calls) == 1
    with pytest.raises(RuntimeError, match="contiguous 2D array"):
        index.knn_query(data[0], k=1, filter=lambda label: False)


def test_save_load_round_trip_and_capacity(tmp_path):
    index, data = built("ip", n=300, dim=10)
    index.mark_deleted(3)
    path = tmp_path / "index.bin"
    index.save_index(str(path))
    assert path.stat().st_size == index.index_file_size()
    loaded = hnswlib.Index("ip", 10)
    loaded.load_index(path, max_elements=400)  # a PathLike too
    assert loaded.max_elements == 400 and loaded.element_count == 300
    for ef in (10, 60):
        index.set_ef(ef)
        loaded.set_ef(ef)
        a, da = index.knn_query(data[:30], k=5)
        b, db = loaded.knn_query(data[:30], k=5)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(da, db)
    assert 3 not in loaded.knn_query(data[3], k=10)[0][0]
    # The counter continues after the loaded elements.
    loaded.add_items(data[:1])
    assert 300 in loaded.get_ids_list()
    loaded.resize_index(500)
    assert loaded.get_max_elements() == 500
    with pytest.raises(RuntimeError, match="Cannot resize"):
        loaded.resize_index(10)
    # Smaller than the count keeps the saved capacity, as in hnswlib.
    small = hnswlib.Index("ip", 10)
    small.load_index(str(path), max_elements=5)
    assert small.max_elements == 300


def test_errors_are_hnswlibs(tmp_path):
    with pytest.raises(RuntimeError, match="Space name must be one of l2, ip, or cosine"):
        hnswlib.Index("angular", 4)
    index = hnswlib.Index("l2", 4)
    for call in (
        lambda: index.add_items(np.zeros((1, 4))),
        lambda: index.knn_query(np.zeros(4)),
        lambda: index.save_index(str(tmp_path / "x.bin")),
        lambda: index.get_current_count(),
        lambda: index.mark_deleted(0),
    ):
        with pytest.raises(RuntimeError, match="not initialized"):
            call()
    index.init_index(max_elements=2)
    with pytest.raises(RuntimeError, match="already initiated"):
        index.init_index(max_elements=2)
    with pytest.raises(RuntimeError, match="Wrong dimensionality"):
        index.add_items(np.zeros((2, 5)))
    with pytest.raises(RuntimeError, match="Data must be a 1D or 2D array"):
        index.add_items(np.zeros((1, 1, 4)))
    with pytest.raises(RuntimeError, match="does not match the input data vector shape"):
        index.add_items(np.zeros((2, 4)), ids=[1])
    with pytest.raises(RuntimeError, match="exceeds the specified limit"):
        index.add_items(np.zeros((3, 4)))
    assert index.element_count == 0  # refused as a whole
    index.add_items(np.eye(4)[:2])
    with pytest.raises(RuntimeError, match="contiguous 2D array"):
        index.knn_query(np.zeros(4), k=3)  # more than the index holds
    with pytest.raises(RuntimeError, match="contiguous 2D array"):
        index.knn_query(np.zeros(4), k=10**15)
    with pytest.raises(RuntimeError, match="Wrong dimensionality"):
        index.knn_query(np.zeros(3))
    with pytest.raises(RuntimeError, match="Label not found"):
        index.get_items([9])
    with pytest.raises(ValueError, match="list of indices"):
        index.get_items(0)
    with pytest.raises(ValueError, match="return_type"):
        index.get_items([0], return_type="tuple")
    with pytest.raises(RuntimeError, match="Replacement of deleted elements is disabled"):
        index.add_items(np.zeros(4), ids=[5], replace_deleted=True)
    # Files: hnswlib's RuntimeError, and an OSError with the path.
    missing = str(tmp_path / "missing.bin")
    with pytest.raises(RuntimeError, match="Cannot open file"):
        index.load_index(missing)
    with pytest.raises(FileNotFoundError) as info:
        index.load_index(missing)
    assert info.value.filename == missing
    assert isinstance(info.value, hnswlib.IndexFileError.__mro__[1])  # an OSError
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"\x00" * 40)
    with pytest.raises(RuntimeError, match="corrupted or unsupported"):
        index.load_index(str(broken))
    with pytest.raises(RuntimeError):
        index.save_index(str(tmp_path / "no" / "such" / "dir.bin"))
    # A failed load leaves the index as it was.
    assert index.element_count == 2


def test_replacing_deleted_elements():
    index, data = built("l2", n=100, dim=8, allow_replace_deleted=True)
    fresh = np.random.default_rng(9).random((5, 8), dtype=np.float32)
    with pytest.raises(RuntimeError, match="exceeds the specified limit"):
        index.add_items(fresh, ids=range(1000, 1005), replace_deleted=True)
    for label in range(10, 15):
        index.mark_deleted(label)
    with pytest.raises(RuntimeError, match="Can't use addPoint to update deleted elements"):
        index.add_items(data[10], ids=[10])
    index.add_items(fresh, ids=np.arange(1000, 1005), replace_deleted=True)
    assert index.element_count == 100
    ids = index.get_ids_list()
    assert set(range(1000, 1005)) <= set(ids) and not set(range(10, 15)) & set(ids)
    np.testing.assert_array_equal(index.get_items(range(1000, 1005)), fresh)
    index.set_ef(50)
    assert index.knn_query(fresh, k=1)[0][:, 0].tolist() == list(range(1000, 1005))


def test_pickling_keeps_everything():
    index, data = built("cosine", n=300, dim=8, allow_replace_deleted=True)
    index.set_ef(40)
    index.num_threads = 1
    index.mark_deleted(2)
    copy = pickle.loads(pickle.dumps(index))
    assert (copy.space, copy.dim, copy.M, copy.ef_construction, copy.ef) == ("cosine", 8, 16, 100, 40)
    assert copy.num_threads == 1 and copy.element_count == 300 and copy.max_elements == 300
    a = index.knn_query(data[:20], k=5)
    b = copy.knn_query(data[:20], k=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # Deletion marks and the replacement setting survive.
    copy.add_items(data[0] + 1, ids=[777], replace_deleted=True)
    assert 2 not in copy.get_ids_list() and 777 in copy.get_ids_list()
    # An uninitialised index pickles too.
    empty = pickle.loads(pickle.dumps(hnswlib.Index("ip", 3)))
    assert empty.dim == 3 and empty.element_count == 0


def test_queries_and_builds_release_the_gil():
    index, data = built("l2", n=200, dim=32)
    rng = np.random.default_rng(5)
    more = rng.random((4000, 32), dtype=np.float32)
    index.resize_index(5000)
    for work in (
        lambda: index.add_items(more, num_threads=1),
        lambda: [index.knn_query(more, k=10, num_threads=1) for _ in range(3)],
    ):
        done = threading.Event()
        ticks = 0

        def run(work=work):
            try:
                work()
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
        assert seconds < 0.02 or ticks >= 5, (ticks, seconds)


# ---- hnswlib's own tests, adapted -----------------------------------------------


def test_hnswlib_getdata():
    # bindings_test_getdata.py
    dim, num_elements = 16, 2000
    data = np.float32(np.random.default_rng(0).random((num_elements, dim)))
    labels = np.arange(0, num_elements)
    p = hnswlib.Index(space="l2", dim=dim)
    p.init_index(max_elements=num_elements, ef_construction=100, M=16)
    p.set_ef(100)
    p.set_num_threads(4)
    with pytest.raises(Exception):
        p.get_items(labels)
    p.add_items(data, labels)
    with pytest.raises(ValueError):
        p.get_items(labels[0])
    returned_items_np = p.get_items(labels)
    assert (data == returned_items_np).all()
    assert isinstance(returned_items_np, np.ndarray)
    returned_items_list = p.get_items(labels, return_type="list")
    assert isinstance(returned_items_list, list)
    assert isinstance(returned_items_list[0], list)


def test_hnswlib_filter():
    # bindings_test_filter.py (without BFIndex)
    dim, num_elements = 16, 2000
    data = np.float32(np.random.default_rng(1).random((num_elements, dim)))
    hnsw_index = hnswlib.Index(space="l2", dim=dim)
    hnsw_index.init_index(max_elements=num_elements, ef_construction=100, M=16)
    hnsw_index.set_ef(10)
    hnsw_index.set_num_threads(4)
    hnsw_index.add_items(data)
    labels, distances = hnsw_index.knn_query(data, k=1)
    assert np.mean(labels.reshape(-1) == np.arange(len(data))) == pytest.approx(1.0, abs=1e-3)
    filter_function = lambda id: id % 2 == 0  # noqa: E731
    labels, distances = hnsw_index.knn_query(data, k=1, num_threads=1, filter=filter_function)
    assert np.mean(labels.reshape(-1) == np.arange(len(data))) == pytest.approx(0.5, abs=1e-3)
    assert np.max(np.mod(labels, 2)) == 0


def test_hnswlib_resize():
    # bindings_test_resize.py
    for idx in range(2):
        dim, num_elements = 16, 2000
        data = np.float32(np.random.default_rng(idx).random((num_elements, dim)))
        p = hnswlib.Index(space="l2", dim=dim)
        p.init_index(max_elements=num_elements // 2, ef_construction=100, M=16)
        p.set_ef(20)
        p.set_num_threads(idx * 2 + 1)
        data1 = data[: num_elements // 2]
        data2 = data[num_elements // 2 :]
        p.add_items(data1)
        labels, distances = p.knn_query(data1, k=1)
        items = p.get_items(list(range(len(data1))))
        assert np.mean(labels.reshape(-1) == np.arange(len(data1))) == pytest.approx(1.0, abs=1e-3)
        assert np.mean(np.abs(data1 - items)) == pytest.approx(0, abs=1e-3)
        p.resize_index(num_elements)
        p.add_items(data2)
        labels, distances = p.knn_query(data, k=1)
        items = p.get_items(list(range(num_elements)))
        assert np.mean(labels.reshape(-1) == np.arange(len(data))) == pytest.approx(1.0, abs=1e-3)
        assert np.mean(np.abs(data - items)) == pytest.approx(0, abs=1e-3)
        assert np.array_equal(np.sort(p.get_ids_list()), np.arange(num_elements))


def test_hnswlib_labels(tmp_path):
    # bindings_test_labels.py (one pass, smaller)
    dim, num_elements = 16, 2000
    data = np.float32(np.random.default_rng(2).random((num_elements, dim)))
    p = hnswlib.Index(space="l2", dim=dim)
    p.init_index(max_elements=num_elements, ef_construction=100, M=16)
    p.set_ef(100)
    p.set_num_threads(4)
    data1 = data[: num_elements // 2]
    data2 = data[num_elements // 2 :]
    p.add_items(data1)
    labels, distances = p.knn_query(data1, k=1)
    items = p.get_items(labels)  # a (n, 1) array of labels
    assert np.mean(labels.reshape(-1) == np.arange(len(data1))) == pytest.approx(1.0, abs=1e-3)
    assert np.mean(np.abs(data1 - items)) == pytest.approx(0, abs=1e-3)
    index_path = str(tmp_path / "first_half.bin")
    p.save_index(index_path)
    del p
    p = hnswlib.Index(space="l2", dim=dim)
    p.load_index(index_path, max_elements=num_elements)
    p.add_items(data2)
    labels, distances = p.knn_query(data, k=1)
    items = p.get_items(labels)
    assert np.mean(labels.reshape(-1) == np.arange(len(data))) == pytest.approx(1.0, abs=1e-3)
    assert np.mean(np.abs(data - items)) == pytest.approx(0, abs=1e-3)
    # Deletions: the deleted items are no longer returned.
    delete_batch = num_elements // 2
    labels1_deleted, _ = p.knn_query(data[:delete_batch], k=1)
    labels1_deleted_no_dup = set(labels1_deleted.flatten())
    for label in labels1_deleted_no_dup:
        p.mark_deleted(label)
    labels2, _ = p.knn_query(data[:delete_batch], k=1)
    assert not set(labels2.flatten()) & labels1_deleted_no_dup
    # Save, load and query again.
    del_index_path = str(tmp_path / "with_deletions.bin")
    p.save_index(del_index_path)
    p = hnswlib.Index(space="l2", dim=dim)
    p.load_index(del_index_path)
    p.set_ef(100)
    labels2, _ = p.knn_query(data[:delete_batch], k=1)
    assert not set(labels2.flatten()) & labels1_deleted_no_dup
    # Unmark them, and they are found again.
    for label in labels1_deleted_no_dup:
        p.unmark_deleted(label)
    labels3, _ = p.knn_query(data, k=1)
    assert np.mean(labels3.reshape(-1) == np.arange(len(data))) == pytest.approx(1.0, abs=1e-3)


def test_hnswlib_replace(tmp_path):
    # bindings_test_replace.py (smaller)
    dim, num_elements = 16, 1000
    max_num_elements = 2 * num_elements
    rng = np.random.default_rng(3)
    labels1 = np.arange(0, num_elements)
    labels2 = np.arange(num_elements, 2 * num_elements)
    labels3 = np.arange(2 * num_elements, 3 * num_elements)
    labels4 = np.arange(3 * num_elements, 4 * num_elements)
    data1, data2, data3, data4 = (np.float32(rng.random((num_elements, dim))) for _ in range(4))
    hnsw_index = hnswlib.Index(space="l2", dim=dim)
    hnsw_index.init_index(max_elements=max_num_elements, ef_construction=200, M=16, allow_replace_deleted=True)
    hnsw_index.set_ef(100)
    hnsw_index.set_num_threads(4)
    hnsw_index.add_items(data1, labels1)
    hnsw_index.add_items(data2, labels2)  # the maximum number of elements is reached
    labels2_deleted, _ = hnsw_index.knn_query(data2, k=1)
    labels2_deleted_no_dup = set(labels2_deleted.flatten())
    num_duplicates = len(labels2_deleted) - len(labels2_deleted_no_dup)
    for label in labels2_deleted_no_dup:
        hnsw_index.mark_deleted(label)
    labels1_found, _ = hnsw_index.knn_query(data1, k=1)
    items = hnsw_index.get_items(labels1_found)
    assert np.mean(np.abs(data1 - items)) == pytest.approx(0, abs=1e-3)
    labels2_after, _ = hnsw_index.knn_query(data2, k=1)
    assert not set(labels2_after.flatten()) & labels2_deleted_no_dup
    labels3_tr = labels3[: labels3.shape[0] - num_duplicates]
    data3_tr = data3[: data3.shape[0] - num_duplicates]
    hnsw_index.add_items(data3_tr, labels3_tr, replace_deleted=True)
    remaining_labels = list((set(labels1) | set(labels2)) - labels2_deleted_no_dup)
    comb_data = np.concatenate((data1, data2), axis=0)
    assert (comb_data[remaining_labels] == hnsw_index.get_items(remaining_labels)).all()
    assert (data3_tr == hnsw_index.get_items(labels3_tr)).all()
    for label in labels3_tr:
        hnsw_index.mark_deleted(label)
    index_path = str(tmp_path / "index.bin")
    hnsw_index.save_index(index_path)
    del hnsw_index
    hnsw_index = hnswlib.Index(space="l2", dim=dim)
    hnsw_index.set_num_threads(4)
    hnsw_index.load_index(index_path, max_elements=max_num_elements, allow_replace_deleted=True)
    labels4_tr = labels4[: labels4.shape[0] - num_duplicates]
    data4_tr = data4[: data4.shape[0] - num_duplicates]
    hnsw_index.add_items(data4_tr, labels4_tr, replace_deleted=True)
    hnsw_index.set_ef(100)
    labels_found, _ = hnsw_index.knn_query(data4_tr, k=1)
    recall = np.mean(labels_found.reshape(-1) == labels4_tr)
    assert recall > 0.98, recall
    for label in labels4_tr:
        hnsw_index.mark_deleted(label)
    hnsw_index_pckl = pickle.loads(pickle.dumps(hnsw_index))
    del hnsw_index
    hnsw_index_pckl.add_items(data3_tr, labels3_tr, replace_deleted=True)
    labels_found, _ = hnsw_index_pckl.knn_query(data3_tr, k=1)
    recall = np.mean(labels_found.reshape(-1) == labels3_tr)
    assert recall > 0.98, recall


@pytest.mark.parametrize("space,dim", [("ip", 16), ("l2", 23), ("cosine", 32)])
def test_hnswlib_pickle(space, dim):
    # bindings_test_pickle.py (smaller)
    num_elements, num_test_elements, k = 500, 50, 25
    rng = np.random.default_rng(dim)
    data = np.float32(rng.random((num_elements, dim)))
    test_data = np.float32(rng.random((num_test_elements, dim)))
    p = hnswlib.Index(space=space, dim=dim)
    p.num_threads = 2
    p0 = pickle.loads(pickle.dumps(p))  # pickle an uninitialised Index
    p.init_index(max_elements=num_elements, ef_construction=200, M=32)
    p0.init_index(max_elements=num_elements, ef_construction=200, M=32)
    p.ef = 400
    p0.ef = 400
    p1 = pickle.loads(pickle.dumps(p))  # before adding items
    p.add_items(data)
    p1.add_items(data)
    p0.add_items(data)
    p2 = pickle.loads(pickle.dumps(p))  # after adding items
    assert np.allclose(p.get_items(), p0.get_items())
    results = [x.knn_query(test_data, k=k) for x in (p, p0, p1, p2)]
    for _, d in results[1:]:
        assert np.sum(((results[0][1] - d) ** 2.0) > 1e-3) <= 50
    truth, truth_d = brute_force(space, data, test_data, k)
    for labels, d in (results[0], results[3]):
        missing = [np.sum(~np.isin(t, l)) for t, l in zip(truth, labels)]
        assert sum(m > 5 for m in missing) <= 5
        assert np.sum(((truth_d - d) ** 2.0) > 1e-3) <= 50
    for x in (p, p0, p1, p2):
        assert (x.ef, x.M, x.ef_construction) == (400, 32, 200)


# ---- both ways with the real hnswlib ------------------------------------------------


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("hnswlib")


@pytest.mark.parametrize("space", ["l2", "ip", "cosine"])
def test_hnswlib_loads_our_files_and_answers_the_same(real, space, tmp_path):
    index, data = built(space, n=2000, dim=24, seed=11, M=12)
    index.mark_deleted(17)
    path = str(tmp_path / f"ours_{space}.bin")
    index.save_index(path)
    theirs = real.Index(space, 24)
    theirs.load_index(path)
    assert theirs.element_count == 2000 and theirs.M == 12 and theirs.ef_construction == 100
    assert sorted(theirs.get_ids_list()) == sorted(index.get_ids_list())
    queries = np.random.default_rng(12).random((100, 24), dtype=np.float32)
    for ef in (10, 64):
        index.set_ef(ef)
        theirs.set_ef(ef)
        ours_l, ours_d = index.knn_query(queries, k=10)
        their_l, their_d = theirs.knn_query(queries, k=10, num_threads=1)
        # The same graph searched the same way: the same ids (a rare tie or
        # last-bit difference in a distance may swap two).
        assert np.mean(ours_l == their_l) >= 0.99
        np.testing.assert_allclose(ours_d, their_d, rtol=1e-4, atol=1e-4)
        assert 17 not in their_l
    np.testing.assert_allclose(theirs.get_items([0, 5, 1999]), index.get_items([0, 5, 1999]), rtol=1e-6)


@pytest.mark.parametrize("space", ["l2", "ip", "cosine"])
def test_we_load_hnswlibs_files_and_answer_the_same(real, space, tmp_path):
    rng = np.random.default_rng(21)
    data = rng.random((2000, 20), dtype=np.float32)
    theirs = real.Index(space, 20)
    theirs.init_index(max_elements=2500, M=10, ef_construction=80, random_seed=5)
    theirs.add_items(data, np.arange(2000) + 100, num_threads=2)
    theirs.mark_deleted(150)
    path = str(tmp_path / f"theirs_{space}.bin")
    theirs.save_index(path)
    ours = hnswlib.Index(space, 20)
    ours.load_index(path)
    assert (ours.element_count, ours.max_elements, ours.M, ours.ef_construction) == (2000, 2500, 10, 80)
    assert ours.index_file_size() == theirs.index_file_size()
    queries = rng.random((100, 20), dtype=np.float32)
    for ef in (10, 64):
        ours.set_ef(ef)
        theirs.set_ef(ef)
        ours_l, ours_d = ours.knn_query(queries, k=10)
        their_l, their_d = theirs.knn_query(queries, k=10, num_threads=1)
        assert np.mean(ours_l == their_l) >= 0.99
        np.testing.assert_allclose(ours_d, their_d, rtol=1e-4, atol=1e-4)
        assert 150 not in ours_l
    np.testing.assert_array_equal(ours.get_items([100, 2099]), theirs.get_items([100, 2099]))
    # Ours saves it back, and hnswlib reads that too.
    again = str(tmp_path / "again.bin")
    ours.save_index(again)
    back = real.Index(space, 20)
    back.load_index(again)
    back.set_ef(64)
    np.testing.assert_array_equal(back.knn_query(queries, k=5)[0], theirs.knn_query(queries, k=5)[0])
