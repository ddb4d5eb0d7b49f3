#!/usr/bin/env python3
"""Time gensim's vocabulary scan (Word2Vec.build_vocab), for the benchmark harness.

Usage:
    gensim_vocab.py --format text8|lines [--min-count 5] PATH
        text8: corpus_iterable = Text8Corpus(PATH)   (one line, 10,000-word sentences)
        lines: corpus_iterable = LineSentence(PATH)  (one sentence per line; .gz/.bz2 read by extension)

Prints one JSON line to stdout:
    {"seconds": ..., "raw_words": ..., "vocab_size": ..., "gensim": ...}
raw_words is model.corpus_total_words, vocab_size is the number of retained
words. The time.perf_counter() window holds the two vocabulary steps of
build_vocab, scan_vocab (count) and prepare_vocab (filter and sort), and
leaves out its third, prepare_weights (allocating the model's vectors),
which is training set-up, not vocabulary work.
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
    model = Word2Vec(vector_size=100, min_count=args.min_count, workers=2)
    t0 = time.perf_counter()
    total_words, _ = model.scan_vocab(corpus_iterable=corpus)
    report = model.prepare_vocab()
    seconds = time.perf_counter() - t0

    print(json.dumps({
        "seconds": seconds,
        "raw_words": int(total_words),
        "vocab_size": int(report["num_retained_words"]),
        "gensim": gensim.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
