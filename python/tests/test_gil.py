"""Long calls release the GIL: Python code keeps running in another thread
while they work."""

import threading
import time

import numpy as np

from w2v_annoy import AnnoyIndex, Text8Corpus, Word2Vec

from conftest import fixture


def ticks_while(work):
    """How many times the main thread ran while `work` ran in a thread."""
    done = threading.Event()

    def run():
        try:
            work()
        finally:
            done.set()

    thread = threading.Thread(target=run)
    start = time.perf_counter()
    thread.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    thread.join()
    return ticks, time.perf_counter() - start


def test_training_releases_the_gil():
    corpus = Text8Corpus(fixture("corpus", "dev100k.txt"))
    ticks, seconds = ticks_while(lambda: Word2Vec(corpus, vector_size=32, epochs=10, workers=1))
    # Held for the whole call, the main thread would not run at all.
    assert seconds > 0.05 and ticks >= 20, (ticks, seconds)


def test_annoy_build_releases_the_gil():
    rng = np.random.default_rng(1)
    index = AnnoyIndex(32, "angular")
    for i, v in enumerate(rng.standard_normal((20_000, 32)).astype(np.float32)):
        index.add_item(i, v)
    ticks, seconds = ticks_while(lambda: index.build(50, n_jobs=1))
    assert seconds > 0.05 and ticks >= 20, (ticks, seconds)
