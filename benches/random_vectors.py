#!/usr/bin/env python3
"""Write N random DIM-dimension vectors as a word2vec binary file.

Usage:
    random_vectors.py OUT.bin [--n 1000000] [--dim 100] [--seed 7]

The file is laid out as gensim's save_word2vec_format(binary=True) writes
it (a newline after each vector); word i is `w<i>`, each value is
random.gauss(0, 1) from Python's seeded generator. Needs no third-party
package. At the defaults it is 408,888,902 bytes, the input of the
`w2v index build` memory measurement in docs/PERFORMANCE.md.
"""

import argparse
import random
import struct


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pack = struct.Struct("<%df" % args.dim).pack
    with open(args.out, "wb") as f:
        f.write(b"%d %d\n" % (args.n, args.dim))
        for i in range(args.n):
            f.write(b"w%d " % i)
            f.write(pack(*[rng.gauss(0.0, 1.0) for _ in range(args.dim)]))
            f.write(b"\n")


if __name__ == "__main__":
    main()
