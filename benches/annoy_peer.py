#!/usr/bin/env python3
"""Time Python's annoy, for `cargo xtask bench-annoy` (side by side with annoy-rs).

Usage:
    annoy_peer.py build --items ITEMS.f32 --dim D --trees T --jobs J --out FILE [--metric M] [--seed S]
        adds every row of ITEMS.f32 (little-endian float32, row-major) with
        add_item, then build(T, n_jobs=J), then save(FILE); times each step
    annoy_peer.py query --index FILE --dim D --queries Q.f32 --truth T.u32 --n N
                        --search-k K [K ...] [--metric M]
        loads FILE (timed), then for each K times get_nns_by_vector(q, N, K)
        over all queries (one thread) and scores recall@N against T.u32
        (uint32, N ids per query); K = 0 measures the per-call overhead

Prints one JSON line to stdout. Only annoy's calls are inside the
time.perf_counter() windows; vectors are converted to Python lists before.
"""

import argparse
import json
import os
import sys
import time

import annoy
import numpy as np


def build(args):
    items = np.fromfile(args.items, dtype="<f4").reshape(-1, args.dim)
    rows = [row.tolist() for row in items]
    index = annoy.AnnoyIndex(args.dim, args.metric)
    index.set_seed(args.seed)
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        index.add_item(i, row)
    t1 = time.perf_counter()
    index.build(args.trees, n_jobs=args.jobs)
    t2 = time.perf_counter()
    index.save(args.out)
    t3 = time.perf_counter()
    return {
        "add_seconds": t1 - t0,
        "build_seconds": t2 - t1,
        "save_seconds": t3 - t2,
        "file_bytes": os.path.getsize(args.out),
        "n_items": len(rows),
        "n_trees": index.get_n_trees(),
    }


def query(args):
    queries = [q.tolist() for q in np.fromfile(args.queries, dtype="<f4").reshape(-1, args.dim)]
    truth = np.fromfile(args.truth, dtype="<u4").reshape(len(queries), -1)[:, : args.n]
    index = annoy.AnnoyIndex(args.dim, args.metric)
    t0 = time.perf_counter()
    index.load(args.index)
    load_seconds = time.perf_counter() - t0
    rows = []
    for search_k in args.search_k:
        results = []
        t0 = time.perf_counter()
        for q in queries:
            results.append(index.get_nns_by_vector(q, args.n, search_k))
        seconds = time.perf_counter() - t0
        hits = sum(len(set(r) & set(t.tolist())) for r, t in zip(results, truth))
        rows.append({
            "search_k": search_k,
            "recall": hits / truth.size,
            "qps": len(queries) / seconds,
        })
    return {"load_seconds": load_seconds, "rows": rows, "n_trees": index.get_n_trees()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="op", required=True)
    b = sub.add_parser("build")
    b.add_argument("--items", required=True)
    b.add_argument("--dim", type=int, required=True)
    b.add_argument("--trees", type=int, required=True)
    b.add_argument("--jobs", type=int, required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--metric", default="angular")
    b.add_argument("--seed", type=int, default=1)
    q = sub.add_parser("query")
    q.add_argument("--index", required=True)
    q.add_argument("--dim", type=int, required=True)
    q.add_argument("--queries", required=True)
    q.add_argument("--truth", required=True)
    q.add_argument("--n", type=int, default=10)
    q.add_argument("--search-k", type=int, nargs="+", required=True)
    q.add_argument("--metric", default="angular")
    args = ap.parse_args(argv)
    result = build(args) if args.op == "build" else query(args)
    result["annoy"] = "1.17.3"
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
