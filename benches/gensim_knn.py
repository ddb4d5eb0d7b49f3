#!/usr/bin/env python3
"""The gensim side of `cargo xtask bench-knn`: exact and Annoy most_similar.

Loads word2vec vectors, reads query ids (one per line), and times, as the
gensim tutorial does (topn 5, queries are the unit vectors of vocabulary
words, after 100 warm-up queries, wall time per call):

- exact `wv.most_similar([vector], topn=5)` (numpy BLAS);
- a batch of exact queries with numpy: one product of the query block with
  the unit vectors, then `argpartition` top-5 and a sort of those 5 per row;
- `wv.most_similar([vector], topn=5, indexer=AnnoyIndexer(wv, trees))`, and
  its recall@10 against the exact top 10.

Prints one JSON line. Not needed by the Rust build.
"""
import argparse
import json
import time

import numpy as np
from gensim.models import KeyedVectors
from gensim.similarities.annoy import AnnoyIndexer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--ids", required=True, help="file of query row ids, one per line")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--topn", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--recall-queries", type=int, default=1000)
    a = ap.parse_args()

    binary = not a.vectors.endswith(".txt")
    wv = KeyedVectors.load_word2vec_format(a.vectors, binary=binary)
    normed = wv.get_normed_vectors()
    ids = [int(line) for line in open(a.ids)]

    def per_query(indexer):
        for i in ids[:100]:
            wv.most_similar([normed[i]], topn=a.topn, indexer=indexer)
        total = 0.0
        for i in ids:
            t0 = time.perf_counter()
            wv.most_similar([normed[i]], topn=a.topn, indexer=indexer)
            total += time.perf_counter() - t0
        return total / len(ids)

    exact_s = per_query(None)

    block = normed[ids[: a.batch]]
    (block @ normed.T)  # warm-up
    t0 = time.perf_counter()
    scores = block @ normed.T
    product_s = time.perf_counter() - t0
    top = np.argpartition(-scores, a.topn, axis=1)[:, : a.topn]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    np.take_along_axis(top, order, axis=1)
    batch_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    indexer = AnnoyIndexer(wv, a.trees)
    build_s = time.perf_counter() - t0
    annoy_s = per_query(indexer)
    recall = []
    for i in ids[: a.recall_queries]:
        truth = {w for w, _ in wv.most_similar([normed[i]], topn=10)}
        found = {w for w, _ in wv.most_similar([normed[i]], topn=10, indexer=indexer)}
        recall.append(len(truth & found) / 10)

    print(json.dumps({
        "rows": len(wv), "dim": wv.vector_size,
        "exact_ms": exact_s * 1e3,
        "batch_product_s": product_s, "batch_s": batch_s,
        "annoy_build_s": build_s, "annoy_ms": annoy_s * 1e3,
        "recall_at_10": float(np.mean(recall)),
    }))


if __name__ == "__main__":
    main()
