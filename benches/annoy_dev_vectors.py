#!/usr/bin/env python3
"""Train the real word vectors that `cargo xtask bench-annoy --vectors` uses.

Usage:
    annoy_dev_vectors.py CORPUS OUT.bin [--min-count N]

Trains gensim's Word2Vec on CORPUS (one long line of words, text8 form) with
the tutorial's settings (skip-gram, 100 dims, window 5, 5 epochs,
sample 1e-4, negative 5, alpha 0.05, 2 workers) and saves the vectors with
save_word2vec_format(binary=True). --min-count picks the vocabulary size:
on the shared data directory's devcorpus.txt (3M words) min_count 1 gives the largest.
Prints one JSON line: vocabulary size, seconds, gensim version.
"""

import argparse
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)

import gensim  # noqa: E402
from gensim.models import Word2Vec  # noqa: E402
from gensim.models.word2vec import Text8Corpus  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--min-count", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    model = Word2Vec(
        Text8Corpus(args.corpus), sg=1, vector_size=100, window=5, epochs=5, sample=1e-4,
        negative=5, alpha=0.05, workers=2, min_count=args.min_count, seed=1,
    )
    seconds = time.perf_counter() - t0
    model.wv.save_word2vec_format(args.out, binary=True)
    print(json.dumps({"vocab": len(model.wv), "min_count": args.min_count, "seconds": seconds,
                      "gensim": gensim.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
