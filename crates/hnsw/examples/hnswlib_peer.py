"""The hnswlib side of examples/bench_vs_hnswlib.rs: same data (read from
DIR, written by the Rust example), same parameters (cosine, M 16,
ef_construction 200, 2 build threads), recall@10 and queries/s on one thread
for ef 10..200. Queries go through one batch call (num_threads=1), so that
Python's per-call cost is not counted against hnswlib; each of the 3 timed
runs per ef repeats that call for at least 0.25 s (the Rust side: 3 runs
with prefetching, each its queries repeated for at least 0.25 s). Prints
one JSON line.

    python crates/hnsw/examples/hnswlib_peer.py DIR [ROWS DIM]

With BENCH_LOAD=1 it also loads the saved index into a fresh Index, queries
it, and reports what that added to the process's RssAnon/RssFile.
"""
import json
import os
import sys
import time

import hnswlib
import numpy as np

d = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 65536
dim = int(sys.argv[3]) if len(sys.argv) > 3 else 100
items = np.fromfile(os.path.join(d, "items.f32"), dtype="<f4").reshape(rows, dim)
queries = np.fromfile(os.path.join(d, "queries.f32"), dtype="<f4").reshape(-1, dim)
truth = np.fromfile(os.path.join(d, "truth.u32"), dtype="<u4").reshape(len(queries), 10)

def rss_kb():
    fields = dict(l.split(":", 1) for l in open("/proc/self/status"))
    return int(fields["RssAnon"].split()[0]), int(fields["RssFile"].split()[0])


rss_before = rss_kb()
p = hnswlib.Index("cosine", dim)
p.init_index(max_elements=rows, M=16, ef_construction=200, random_seed=100)
start, cpu = time.perf_counter(), time.process_time()
p.add_items(items, np.arange(rows), num_threads=2)
build_s = time.perf_counter() - start
build_cpu_s = time.process_time() - cpu
p.save_index(os.path.join(d, "hnswlib.bin"))
out = {"peer": "hnswlib", "build_s": round(build_s, 2), "build_cpu_s": round(build_cpu_s, 2), "file_bytes": p.index_file_size(), "rows": []}
for ef in (10, 20, 50, 100, 200):
    p.set_ef(ef)
    best = best_cpu = 0.0
    for _ in range(3):
        # Each timed run repeats the batch call for at least 0.25 s, as the
        # Rust side repeats its queries.
        start, cpu = time.perf_counter(), time.thread_time()
        passes = 0
        while passes == 0 or time.perf_counter() - start < 0.25:
            labels, _ = p.knn_query(queries, k=10, num_threads=1)
            passes += 1
        best = max(best, passes * len(queries) / (time.perf_counter() - start))
        best_cpu = max(best_cpu, passes * len(queries) / (time.thread_time() - cpu))
    hits = sum(len(set(map(int, l)) & set(map(int, t))) for l, t in zip(labels, truth))
    out["rows"].append({"ef": ef, "recall": round(hits / truth.size, 4), "qps": round(best), "qps_cpu": round(best_cpu)})
if os.environ.get("BENCH_LOAD"):
    # A fresh index loaded from the file, queried: its memory alone.
    del p
    rss_before = rss_kb()
    q = hnswlib.Index("cosine", dim)
    q.load_index(os.path.join(d, "hnswlib.bin"))
    q.set_ef(50)
    q.knn_query(queries, k=10, num_threads=1)
    after = rss_kb()
    out["loaded_rss_anon_kb"] = after[0] - rss_before[0]
    out["loaded_rss_file_kb"] = after[1] - rss_before[1]
print(json.dumps(out))
