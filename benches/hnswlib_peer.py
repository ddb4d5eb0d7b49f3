#!/usr/bin/env python3
"""Time Python's hnswlib 0.8, for `cargo xtask bench-hnsw` (side by side with crates/hnsw).

Usage:
    hnswlib_peer.py build --items ITEMS.f32 --dim D --m M --ef-construction E
                          --threads T --out FILE [--seed S]
        a cosine index of every row of ITEMS.f32 (little-endian float32,
        row-major), labels 0..n, built by one add_items call with
        num_threads=T (timed: wall clock and process CPU), then saved
    hnswlib_peer.py query --index FILE --dim D --queries Q.f32 --truth T.u32
                          --n N --ef EF [EF ...] [--reps R] [--min-run S]
        loads FILE, then for each EF times one batch knn_query(queries, k=N,
        num_threads=1) over all queries (so that Python's per-call cost is
        not counted against hnswlib), R times (default 5), each repeated for at least S seconds (default
        0.25), keeping the best
        queries/s by the wall clock and by the thread's CPU time; scores
        recall@N against T.u32 (uint32, N ids per query)

Prints one JSON line to stdout. Needs hnswlib and numpy.
"""

import argparse
import json
import os
import time

import hnswlib
import numpy as np


def build(args):
    items = np.fromfile(args.items, dtype="<f4").reshape(-1, args.dim)
    index = hnswlib.Index("cosine", args.dim)
    index.init_index(
        max_elements=len(items),
        M=args.m,
        ef_construction=args.ef_construction,
        random_seed=args.seed,
    )
    start, cpu = time.perf_counter(), time.process_time()
    index.add_items(items, np.arange(len(items)), num_threads=args.threads)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    index.save_index(args.out)
    print(json.dumps({
        "build_seconds": seconds,
        "build_cpu_seconds": cpu_seconds,
        "file_bytes": os.path.getsize(args.out),
    }))


def query(args):
    queries = np.fromfile(args.queries, dtype="<f4").reshape(-1, args.dim)
    truth = np.fromfile(args.truth, dtype="<u4").reshape(len(queries), args.n)
    index = hnswlib.Index("cosine", args.dim)
    index.load_index(args.index)
    rows = []
    for ef in args.ef:
        index.set_ef(ef)
        best = best_cpu = 0.0
        for _ in range(args.reps):
            start, cpu = time.perf_counter(), time.thread_time()
            passes = 0
            while passes == 0 or time.perf_counter() - start < args.min_run:
                labels, _ = index.knn_query(queries, k=args.n, num_threads=1)
                passes += 1
            seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu
            best = max(best, passes * len(queries) / seconds)
            if cpu_seconds > 0:
                best_cpu = max(best_cpu, passes * len(queries) / cpu_seconds)
        hits = sum(len(set(map(int, l)) & set(map(int, t))) for l, t in zip(labels, truth))
        rows.append({"ef": ef, "recall": hits / truth.size, "qps": best, "qps_cpu": best_cpu})
    print(json.dumps({"rows": rows}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--items", required=True)
    b.add_argument("--dim", type=int, required=True)
    b.add_argument("--m", type=int, default=16)
    b.add_argument("--ef-construction", type=int, default=200)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--seed", type=int, default=100)
    b.add_argument("--out", required=True)
    q = sub.add_parser("query")
    q.add_argument("--index", required=True)
    q.add_argument("--dim", type=int, required=True)
    q.add_argument("--queries", required=True)
    q.add_argument("--truth", required=True)
    q.add_argument("--n", type=int, default=10)
    q.add_argument("--ef", type=int, nargs="+", required=True)
    q.add_argument("--reps", type=int, default=5)
    q.add_argument("--min-run", type=float, default=0.25)
    args = parser.parse_args()
    {"build": build, "query": query}[args.command](args)


if __name__ == "__main__":
    main()
