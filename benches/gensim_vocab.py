#!/usr/bin/env python3
"""Time gensim's vocabulary scan (Word2Vec.build_vocab), for the benchmark harness.

Usage:
    gensim_vocab.py --format text8|lines [--min-count 5] PATH
        text8: corpus_iterable = Text8Corpus(PATH)   (one line, 10,000-word sentences)
        lines: corpus_iterable = LineSentence(PATH)  (one sentence per line; .gz/.bz2 read by extension)

Prints one JSON line to stdout:
    {"seconds": ..., "raw_words": ..., "vocab_size": ..., "gensim": ...}
raw_words is model.corpus_total_words, vocab_size is len(model.wv) after the
min_count filter. Only Word2Vec(vector_size=100, min_count=..., workers=2) and
its build_vocab(...) call are inside the time.perf_counter() window (which
includes gensim's prepare_weights: allocating and seeding the 100-dim vectors).
"""

import argparse
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)

import gensim  # noqa: E402
from gensim.models import Word2Vec  # noqa: E402
from gensim.models.word2vec import LineSentence, Text8Corpus  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--format", required=True, choices=["text8", "lines"])
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("path")
    args = ap.parse_args(argv)

    corpus = Text8Corpus(args.path) if args.format == "text8" else LineSentence(args.path)
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=100, min_count=args.min_count, workers=2)
    model.build_vocab(corpus_iterable=corpus)
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "seconds": seconds,
        "raw_words": int(model.corpus_total_words),
        "vocab_size": len(model.wv),
        "gensim": gensim.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
