#!/usr/bin/env python3
"""Train gensim's Word2Vec, for the side-by-side harness (`cargo xtask bench-train`).

Usage:
    gensim_train.py --corpus PATH --out VECTORS.bin [--sg 1] [--hs 0] [--negative 5]
                    [--size 100] [--alpha 0.05] [--window 5] [--epochs 5]
                    [--min-count 5] [--sample 1e-4] [--workers 2] [--seed 1]

Builds the vocabulary (untimed), then times model.train(...) alone, with the
same parameters gensim's constructor would pass, and saves the vectors in
word2vec binary format for evaluation by the harness. Prints one JSON line:
    {"seconds": ..., "raw_words": ..., "words_per_sec": ..., "peak_rss_mb": ..., "gensim": ...}
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
from gensim.models import Word2Vec  # noqa: E402
from gensim.models.word2vec import Text8Corpus  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sg", type=int, default=1)
    ap.add_argument("--hs", type=int, default=0)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    corpus = Text8Corpus(args.corpus)
    model = Word2Vec(
        vector_size=args.size, alpha=args.alpha, window=args.window, min_count=args.min_count,
        sample=args.sample, sg=args.sg, hs=args.hs, negative=args.negative, workers=args.workers,
        seed=args.seed, epochs=args.epochs,
    )
    model.build_vocab(corpus_iterable=corpus)
    t0 = time.perf_counter()
    model.train(
        corpus_iterable=corpus, total_examples=model.corpus_count, total_words=model.corpus_total_words,
        epochs=args.epochs,
    )
    seconds = time.perf_counter() - t0
    model.wv.save_word2vec_format(args.out, binary=True)
    raw_words = model.corpus_total_words * args.epochs
    print(json.dumps({
        "seconds": seconds,
        "raw_words": int(raw_words),
        "words_per_sec": raw_words / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "vocab_size": len(model.wv),
        "gensim": gensim.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
