"""w2v_annoy against gensim and annoy from Python, side by side.

Every measure alternates the two sides (ours, peer, ours, peer, ...) for
``--rounds`` rounds on the same data and reports the medians and their
ratio, as docs/PERFORMANCE.md does.

    python benchmarks/bench_peers.py VECTORS.bin [--corpus CORPUS] [--cli PATH/TO/w2v]

VECTORS.bin is a word2vec binary file. With --corpus (text8 form), one
training epoch is compared too: against gensim, and with --cli against the
``w2v train`` command line (the same Rust code without Python); with --cli,
loading is also compared against ``w2v info`` (which reads the whole file).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def per_call(fn, items):
    """Seconds per call of fn over items (wall clock)."""
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items)


def once(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, ours, peer, unit, scale, peer_name):
        mo, mp = statistics.median(ours), statistics.median(peer)
        self.rows.append((name, mo * scale, mp * scale, mp / mo, unit, peer_name))
        print(f"  {name}: ours {mo * scale:.3f} {unit}, {peer_name} {mp * scale:.3f} {unit}, ratio {mp / mo:.2f}x", flush=True)

    def markdown(self):
        lines = ["| measure | ours, median | peer, median | peer / ours |", "|---|---|---|---|"]
        for name, mo, mp, ratio, unit, peer_name in self.rows:
            lines.append(f"| {name} ({unit}) | {mo:.3f} | {peer_name}: {mp:.3f} | **{ratio:.2f}x** |")
        return "\n".join(lines)


def alternate(rounds, ours, peer):
    a, b = [], []
    for _ in range(rounds):
        a.append(ours())
        b.append(peer())
    return a, b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("vectors")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--corpus")
    parser.add_argument("--cli")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["load", "exact", "indexer", "index", "train"],
                        help="measures to leave out")
    args = parser.parse_args()

    import annoy
    import gensim.models
    from gensim.similarities.annoy import AnnoyIndexer as GensimIndexer

    import w2v_annoy

    table = Table()
    rounds = args.rounds
    print(f"python {sys.version.split()[0]}, gensim {gensim.__version__}, numpy {np.__version__}, cores {os.cpu_count()}")

    # Loading the word2vec binary file.
    load_ours = lambda: w2v_annoy.KeyedVectors.load_word2vec_format(args.vectors, binary=True)  # noqa: E731
    load_gensim = lambda: gensim.models.KeyedVectors.load_word2vec_format(args.vectors, binary=True)  # noqa: E731
    skip = set(args.skip)
    if "load" not in skip:
        table.add("load word2vec binary", *alternate(rounds, lambda: once(load_ours), lambda: once(load_gensim)), "s", 1, "gensim")
    if args.cli and "load" not in skip:
        cli = lambda: subprocess.run([args.cli, "info", args.vectors, "--json"], check=True, capture_output=True)  # noqa: E731
        table.add("load word2vec binary", *alternate(rounds, lambda: once(load_ours), lambda: once(cli)), "s", 1, "w2v info (CLI)")

    ours_kv, gensim_kv = load_ours(), load_gensim()
    print(f"vectors: {len(ours_kv)} x {ours_kv.vector_size}")
    rng = np.random.default_rng(1)
    words = [ours_kv.index_to_key[i] for i in rng.integers(0, len(ours_kv), args.queries)]
    ours_kv.most_similar(words[0])
    gensim_kv.most_similar(words[0])

    # Exact most_similar(word, topn=10).
    if "exact" not in skip:
        table.add(
            "exact most_similar(word, topn=10)",
            *alternate(
                rounds,
                lambda: per_call(lambda w: ours_kv.most_similar(w, topn=10), words),
                lambda: per_call(lambda w: gensim_kv.most_similar(w, topn=10), words),
            ),
            "µs", 1e6, "gensim",
        )

    # AnnoyIndexer: build, then most_similar(word, topn=10, indexer=...).
    # gensim returns the indexer's raw answer, the query word first; ours
    # leaves it out and asks Annoy for one more. The second row compares the
    # same answer: ours topn=10 against gensim's topn=11.
    built = {}

    def build_ours():
        built["ours"] = w2v_annoy.AnnoyIndexer(ours_kv, args.trees)

    def build_gensim():
        built["gensim"] = GensimIndexer(gensim_kv, args.trees)

    if "indexer" not in skip:
        table.add(f"AnnoyIndexer(kv, {args.trees}) build", *alternate(min(rounds, 3), lambda: once(build_ours), lambda: once(build_gensim)), "s", 1, "gensim + annoy")
        ours_ix, gensim_ix = built["ours"], built["gensim"]
        table.add(
            "most_similar(word, topn=10, indexer=AnnoyIndexer)",
            *alternate(
                rounds,
                lambda: per_call(lambda w: ours_kv.most_similar(w, topn=10, indexer=ours_ix), words),
                lambda: per_call(lambda w: gensim_kv.most_similar(w, topn=10, indexer=gensim_ix), words),
            ),
            "µs", 1e6, "gensim + annoy",
        )
        table.add(
            "same 10 neighbours: ours topn=10, gensim topn=11",
            *alternate(
                rounds,
                lambda: per_call(lambda w: ours_kv.most_similar(w, topn=10, indexer=ours_ix), words),
                lambda: per_call(lambda w: gensim_kv.most_similar(w, topn=11, indexer=gensim_ix), words),
            ),
            "µs", 1e6, "gensim + annoy",
        )

    # AnnoyIndex: the same file loaded by both, get_nns_by_vector(v, 10).
    if "index" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "index.ann")
            peer = annoy.AnnoyIndex(ours_kv.vector_size, "angular")
            peer.set_seed(1)
            for i, v in enumerate(ours_kv.get_normed_vectors()):
                peer.add_item(i, v)
            peer.build(args.trees, n_jobs=args.workers)
            peer.save(path)
            peer = annoy.AnnoyIndex(ours_kv.vector_size, "angular")
            peer.load(path)
            ours_index = w2v_annoy.AnnoyIndex(ours_kv.vector_size, "angular")
            ours_index.load(path)
            queries = [ours_kv.get_vector(w, norm=True).tolist() for w in words]
            assert ours_index.get_nns_by_vector(queries[0], 10) == peer.get_nns_by_vector(queries[0], 10)
            table.add(
                "AnnoyIndex.get_nns_by_vector(v, 10), same file",
                *alternate(
                    rounds,
                    lambda: per_call(lambda q: ours_index.get_nns_by_vector(q, 10), queries),
                    lambda: per_call(lambda q: peer.get_nns_by_vector(q, 10), queries),
                ),
                "µs", 1e6, "annoy",
            )
            # The price of crossing into Rust: a query that does nearly no work.
            tiny = w2v_annoy.AnnoyIndex(2, "angular")
            tiny.add_item(0, [1.0, 0.0])
            tiny.build(1)
            tiny_peer = annoy.AnnoyIndex(2, "angular")
            tiny_peer.add_item(0, [1.0, 0.0])
            tiny_peer.build(1)
            q = [1.0, 0.0]
            table.add(
                "get_nns_by_vector on a 1-item index (call overhead)",
                *alternate(
                    rounds,
                    lambda: per_call(lambda _: tiny.get_nns_by_vector(q, 1), words),
                    lambda: per_call(lambda _: tiny_peer.get_nns_by_vector(q, 1), words),
                ),
                "µs", 1e6, "annoy",
            )

    if args.corpus and "train" not in skip:
        params = dict(vector_size=100, window=5, min_count=5, sample=1e-4, sg=1, negative=5, alpha=0.05, epochs=1, workers=args.workers)
        train_ours = lambda: w2v_annoy.Word2Vec(w2v_annoy.Text8Corpus(args.corpus), **params)  # noqa: E731
        from gensim.models.word2vec import Text8Corpus

        train_gensim = lambda: gensim.models.Word2Vec(Text8Corpus(args.corpus), **params)  # noqa: E731
        table.add("Word2Vec(Text8Corpus, sg=1, epochs=1)", *alternate(min(rounds, 3), lambda: once(train_ours), lambda: once(train_gensim)), "s", 1, "gensim")
        if args.cli:
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [args.cli, "train", "--quiet", "--corpus", args.corpus, "--sg", "--size", "100", "--window", "5",
                       "--min-count", "5", "--sample", "1e-4", "--alpha", "0.05", "--negative", "5", "--epochs", "1",
                       "--threads", str(args.workers), "--out", os.path.join(tmp, "model.kv")]
                cli_train = lambda: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
                table.add("Word2Vec(Text8Corpus, sg=1, epochs=1)", *alternate(min(rounds, 3), lambda: once(train_ours), lambda: once(cli_train)), "s", 1, "w2v train (CLI)")

    print()
    print(table.markdown())


if __name__ == "__main__":
    main()
