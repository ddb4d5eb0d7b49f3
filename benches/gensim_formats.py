#!/usr/bin/env python3
"""Time gensim's word2vec-format reader/writer, for the benchmark harness.

Usage:
    gensim_formats.py load --format text|binary PATH
        times KeyedVectors.load_word2vec_format(PATH, binary=...)
    gensim_formats.py save --format text|binary IN OUT
        loads IN untimed (binary if its name ends in .bin, text otherwise),
        then times kv.save_word2vec_format(OUT, binary=...)

Prints one JSON line to stdout:
    {"op": ..., "format": ..., "seconds": ..., "rows": ..., "dim": ..., "gensim": ...}
Only the gensim call itself is inside the time.perf_counter() window.
"""

import argparse
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)

import gensim  # noqa: E402
from gensim.models import KeyedVectors  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="op", required=True)
    p_load = sub.add_parser("load", help="time load_word2vec_format")
    p_load.add_argument("--format", required=True, choices=["text", "binary"])
    p_load.add_argument("path")
    p_save = sub.add_parser("save", help="time save_word2vec_format")
    p_save.add_argument("--format", required=True, choices=["text", "binary"])
    p_save.add_argument("input")
    p_save.add_argument("output")
    args = ap.parse_args(argv)

    binary = args.format == "binary"
    if args.op == "load":
        t0 = time.perf_counter()
        kv = KeyedVectors.load_word2vec_format(args.path, binary=binary)
        seconds = time.perf_counter() - t0
    else:
        kv = KeyedVectors.load_word2vec_format(args.input, binary=args.input.endswith(".bin"))
        t0 = time.perf_counter()
        kv.save_word2vec_format(args.output, binary=binary)
        seconds = time.perf_counter() - t0

    # len(key_to_index), not vectors.shape[0]: gensim 4.x keeps a phantom zero row per
    # duplicate word in the input (see fixtures/gensim/README.md).
    rows, dim = len(kv.key_to_index), kv.vector_size
    print(json.dumps({
        "op": args.op,
        "format": args.format,
        "seconds": seconds,
        "rows": int(rows),
        "dim": int(dim),
        "gensim": gensim.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
