"""w2v_annoy.hnswlib against the real hnswlib from Python, side by side.

    python benchmarks/bench_hnswlib.py VECTORS.bin [--rounds 7] [--queries 1000]

VECTORS.bin is a word2vec binary file; its unit vectors are indexed in the
cosine space (M 16, ef_construction 200). hnswlib builds the index once and
saves it; both sides load that one file (ours memory-mapped) and answer the
same queries (rows drawn with a fixed seed), k 10, on one thread:

- ``knn_query(queries, k=10, num_threads=1)``: one batch call;
- ``knn_query(vector, k=10)``: one call per query, so the binding's
  per-call cost counts;

at ef 10 and 50. Each measure alternates the sides (ours, hnswlib, ours,
...) for ``--rounds`` rounds and reports the medians and their ratio. The
build (``add_items`` with 2 threads, the same parameters) is timed over
``--build-rounds`` alternated rounds, with recall@10 of both at ef 50.
"""

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(rounds, ours, peer):
    a, b = [], []
    for _ in range(rounds):
        a.append(ours())
        b.append(peer())
    return statistics.median(a), statistics.median(b)


def recall(found, truth):
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist())]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vectors")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--build-rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    import hnswlib as real

    from w2v_annoy import KeyedVectors
    from w2v_annoy import hnswlib as ours_module

    kv = KeyedVectors.load_word2vec_format(args.vectors, binary=True)
    data = np.ascontiguousarray(kv.get_normed_vectors(), dtype=np.float32)
    n, dim = data.shape
    rng = np.random.default_rng(7)
    queries = data[rng.choice(n, args.queries, replace=False)]
    truth = np.argsort(-(queries @ data.T), axis=1)[:, :10]
    print(f"{n} x {dim} vectors, {args.queries} queries; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index.bin")
        builder = real.Index("cosine", dim)
        builder.init_index(max_elements=n, M=16, ef_construction=200, random_seed=100)
        builder.add_items(data, num_threads=2)
        builder.save_index(path)
        del builder
        theirs = real.Index("cosine", dim)
        theirs.load_index(path)
        ours = ours_module.Index("cosine", dim)
        ours.load_index(path)

        print("| measure | ours, median | hnswlib, median | hnswlib / ours |")
        print("|---|---|---|---|")
        for ef in (10, 50):
            ours.set_ef(ef)
            theirs.set_ef(ef)
            a, _ = ours.knn_query(queries, k=10, num_threads=1)
            b, _ = theirs.knn_query(queries, k=10, num_threads=1)
            same = float(np.mean(a == b))
            batch_ours, batch_theirs = alternate(
                args.rounds,
                lambda: timed(lambda: ours.knn_query(queries, k=10, num_threads=1)),
                lambda: timed(lambda: theirs.knn_query(queries, k=10, num_threads=1)),
            )
            qo, qt = len(queries) / batch_ours, len(queries) / batch_theirs
            print(f"| ef {ef} (recall {recall(a, truth):.3f}; same ids {same:.4f}): "
                  f"`knn_query(queries, k=10, num_threads=1)`, queries/s | {qo:,.0f} | {qt:,.0f} | **{qo / qt:.2f}x** |",
                  flush=True)
            singles = queries[: min(len(queries), 500)]

            def one_by_one(index):
                def run():
                    for q in singles:
                        index.knn_query(q, k=10)
                return timed(run) / len(singles)

            per_ours, per_theirs = alternate(args.rounds, lambda: one_by_one(ours), lambda: one_by_one(theirs))
            print(f"| ef {ef}: `knn_query(vector, k=10)` one call per query, µs | {per_ours * 1e6:.1f} | "
                  f"{per_theirs * 1e6:.1f} | **{per_theirs / per_ours:.2f}x** |", flush=True)

        def build(module):
            def run():
                index = module.Index("cosine", dim)
                index.init_index(max_elements=n, M=16, ef_construction=200, random_seed=100)
                seconds = timed(lambda: index.add_items(data, num_threads=2))
                index.set_ef(50)
                run.recall = recall(index.knn_query(queries, k=10, num_threads=1)[0], truth)
                return seconds
            return run

        build_ours, build_theirs = build(ours_module), build(real)
        b_ours, b_theirs = alternate(args.build_rounds, build_ours, build_theirs)
        print(f"| `add_items(data, num_threads=2)` build, s (recall@10 at ef 50: {build_ours.recall:.3f} / "
              f"{build_theirs.recall:.3f}) | {b_ours:.2f} | {b_theirs:.2f} | **{b_theirs / b_ours:.2f}x** |")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
