#!/usr/bin/env python3
"""Train gensim's Doc2Vec and infer vectors, for the side-by-side harness
(`cargo xtask bench-doc2vec`).

Usage:
    gensim_doc2vec.py --corpus DOCS.txt --dm 1 --out-dv DV.txt --workers 2 --seed 1
                      [--size 100] [--window 5] [--epochs 10] [--min-count 5]
                      [--infer DOCS.txt --out-inferred INFERRED.txt]...

DOCS.txt has one document per line, tagged by line number (TaggedLineDocument).
Builds the vocabulary (untimed), times model.train(...) alone, writes the
document vectors in word2vec text format (keys = tags), then for each --infer
file times a loop of model.infer_vector(words) over its lines (gensim's own
way to infer many documents) and writes the vectors (keys = line numbers).
Prints one JSON line:
    {"seconds": ..., "raw_words": ..., "words_per_sec": ..., "infer_seconds": [...],
     "peak_rss_mb": ..., "gensim": ...}
raw_words is epochs x corpus words, the same definition the Rust side uses.
"""
import argparse
import json
import logging
import resource
import sys
import time

logging.disable(logging.CRITICAL)

import gensim  # noqa: E402
from gensim.models.doc2vec import Doc2Vec, TaggedLineDocument  # noqa: E402


def write_vectors(path, vectors):
    with open(path, "w") as out:
        out.write(f"{len(vectors)} {len(vectors[0]) if vectors else 0}\n")
        for i, v in enumerate(vectors):
            out.write(str(i) + " " + " ".join(str(x) for x in v) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out-dv", required=True)
    ap.add_argument("--dm", type=int, default=1)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--infer", action="append", default=[])
    ap.add_argument("--out-inferred", action="append", default=[])
    args = ap.parse_args(argv)

    corpus = TaggedLineDocument(args.corpus)
    model = Doc2Vec(
        vector_size=args.size, window=args.window, min_count=args.min_count, dm=args.dm,
        workers=args.workers, seed=args.seed, epochs=args.epochs,
    )
    model.build_vocab(corpus)
    t0 = time.perf_counter()
    model.train(corpus, total_examples=model.corpus_count, epochs=args.epochs)
    seconds = time.perf_counter() - t0
    # dv.save_word2vec_format writes integer tags twice (gensim 4.4): write
    # each row once.
    write_vectors(args.out_dv, [model.dv[i] for i in range(len(model.dv))])
    infer_seconds = []
    for docs_path, out_path in zip(args.infer, args.out_inferred):
        with open(docs_path) as f:
            docs = [line.split() for line in f]
        t0 = time.perf_counter()
        vectors = [model.infer_vector(words) for words in docs]
        infer_seconds.append(time.perf_counter() - t0)
        write_vectors(out_path, vectors)
    raw_words = model.corpus_total_words * args.epochs
    print(json.dumps({
        "seconds": seconds,
        "raw_words": int(raw_words),
        "words_per_sec": raw_words / seconds,
        "infer_seconds": infer_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "gensim": gensim.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
