#!/usr/bin/env python3
"""gensim's tutorial "Similarity Queries using Annoy with word2vec", with gensim + annoy.

The reference side of `cargo xtask tutorial`: the same steps as gensim's
docs/src/gallery/tutorials/run_annoy.py, on a corpus given on the command
line, each step timed, so both can be compared on one machine and corpus.

Usage:
    gensim_tutorial.py --corpus PATH [--out DIR] [--workers 2] [--quick] [--seed 1]

Steps (as the tutorial, adapted to gensim 4.x):
  1. Text8Corpus(PATH)
  2. Word2Vec(alpha=0.05, vector_size=100, window=5, epochs=5, min_count=5,
     sample=1e-4, negative=5, sg=1, workers, seed)
  3. AnnoyIndexer(model, 100); 11 approximate and 11 exact neighbours of "science"
  4. mean query time exact vs approximate (topn=5) over random vocabulary vectors,
     after 100 warm-up queries, wall time (perf_counter); recall@10
  5. save / load the index and the model; neighbours must be identical
  6. two child processes at once load the model with mmap='r' and either build
     their own index or load (mmap) the saved one; each reports RSS and PSS
     from /proc/self/smaps_rollup while the other is alive
  7. num_trees sweep: build time, top-100 overlap for "science", recall@10; sweep.csv
  8. word2vec text and binary formats: export, import, compare, index, neighbours of "cat"
  9. total time, peak memory, report.json

Deviations from the tutorial (which predates gensim 4): `size`/`iter` are
`vector_size`/`epochs`; `init_sims()`/`vectors_norm` are `get_normed_vectors()`
(the step-4 index is the step-3 one rather than a rebuilt one); query times are
wall time (perf_counter) rather than process_time (which would count the
BLAS threads' CPU time); memory is RSS/PSS from smaps_rollup instead of psutil
and the two processes run at the same time; the sweep measures the "science"
vector rather than vectors_norm[0], and adds recall@10; matplotlib charts are
not drawn (the CSV has the data); model.save gets sep_limit=65536 so that its
arrays are stored as .npy files and mmap='r' in step 6 really maps them
(gensim's default keeps arrays under 10.5M elements inside the pickle).
"""
import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import time

logging.disable(logging.CRITICAL)

import numpy as np  # noqa: E402
import annoy  # noqa: E402
import gensim  # noqa: E402
from gensim.models import KeyedVectors, Word2Vec  # noqa: E402
from gensim.models.word2vec import Text8Corpus  # noqa: E402
from gensim.similarities.annoy import AnnoyIndexer  # noqa: E402


def say(*a):
    print(*a, flush=True)


def smaps_rollup():
    """(Rss, Pss) in KiB of this process."""
    rss = pss = None
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def query_word(wv, wanted):
    if wanted in wv.key_to_index:
        return wanted
    fallback = wv.index_to_key[min(100, len(wv.index_to_key) - 1)]
    say(f"   {wanted!r} is not in the vocabulary; using {fallback!r}")
    return fallback


def show_pair(approx, exact):
    say(f"   {'Approximate Neighbors':<30} {'Exact Neighbors':<30}")
    for a, e in zip(approx, exact):
        say(f"   {a[0]:<20} {a[1]:.4f}    {e[0]:<20} {e[1]:.4f}")


def recall(truth, found):
    t = [w for w, _ in truth]
    f = {w for w, _ in found}
    return sum(1 for w in t if w in f) / max(len(t), 1)


# ---------------------------------------------------------------- step 6 child
def child_main(args):
    """Load the model mmap'd, build or load an index, query, say ready, wait, report."""
    model = Word2Vec.load(args.model, mmap="r")
    wv = model.wv
    if args.child == "build":
        indexer = AnnoyIndexer(model, args.trees)
    else:
        indexer = AnnoyIndexer()
        indexer.load(args.index)
        indexer.model = model
    word = query_word(wv, "science")
    wv.most_similar([wv[word]], topn=5, indexer=indexer)
    # Touch the vectors and query a little, as a serving process would.
    float(np.asarray(wv.vectors).sum())
    n = len(wv.index_to_key)
    for i in range(0, n, max(n // 100, 1)):
        wv.most_similar([wv.vectors[i]], topn=10, indexer=indexer)
    print("ready", flush=True)
    sys.stdin.readline()
    rss, pss = smaps_rollup()
    print(f"{rss} {pss}", flush=True)
    return 0


def measure_pair(mode, model_path, index_path, trees):
    """Starts two children in `mode` one after the other, then asks both for RSS/PSS."""
    children = []
    try:
        for _ in range(2):
            p = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--child", mode,
                 "--model", model_path, "--index", index_path, "--trees", str(trees)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            children.append(p)
            line = p.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"child said {line!r}")
        figures = []
        for p in children:
            p.stdin.write("report\n")
            p.stdin.flush()
        for p in children:
            rss, pss = map(int, p.stdout.readline().split())
            figures.append({"mode": mode, "pid": p.pid, "rss_mib": rss / 1024, "pss_mib": pss / 1024})
        for p in children:
            p.wait(timeout=60)
        return figures
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
                p.wait()


# ---------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus")
    ap.add_argument("--out", default="target/gensim-tutorial")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    # hidden: step-6 child processes
    ap.add_argument("--child", choices=["build", "map"], help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--index", help=argparse.SUPPRESS)
    ap.add_argument("--trees", type=int, default=100, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(args)
    if not args.corpus:
        ap.error("--corpus is required")

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    t_total = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    report = {
        "tool": "gensim",
        "versions": {"python": platform.python_version(), "gensim": gensim.__version__,
                     "numpy": np.__version__, "annoy": getattr(annoy, "__version__", "1.17.3?")},
        "machine": machine(),
        "args": {"corpus": os.path.abspath(args.corpus), "out": out, "workers": args.workers,
                 "seed": args.seed, "quick": args.quick},
        "step_seconds": [],
    }

    def step(name, fn):
        say(f"\n== {name}")
        t0 = time.perf_counter()
        result = fn()
        s = time.perf_counter() - t0
        say(f"   ({s:.2f} s)")
        report["step_seconds"].append([name, s])
        return result

    # 1. corpus ---------------------------------------------------------
    def s1():
        corpus = Text8Corpus(args.corpus)
        say(f"   corpus: {args.corpus} (Text8Corpus)")
        return corpus
    corpus = step("1. corpus", s1)

    # 2. training --------------------------------------------------------
    params = dict(alpha=0.05, vector_size=100, window=5, epochs=5, min_count=5, sample=1e-4,
                  negative=5, hs=0, sg=1, workers=args.workers, seed=args.seed)

    def s2():
        model = Word2Vec(corpus, **params)
        say(f"   {model}")
        say(f"   corpus: {model.corpus_count} sentences, {model.corpus_total_words} words; "
            f"vocabulary {len(model.wv)}; last train call {model.total_train_time:.2f} s, "
            f"{args.workers} workers")
        report["training"] = {"summary": str(model), "params": params,
                              "corpus_sentences": model.corpus_count,
                              "corpus_words": model.corpus_total_words,
                              "vocab": len(model.wv), "train_seconds": model.total_train_time}
        return model
    model = step("2. training", s2)
    wv = model.wv
    science = query_word(wv, "science")

    # 3. index and "science" neighbours ---------------------------------
    def s3():
        t0 = time.perf_counter()
        annoy_index = AnnoyIndexer(model, 100)
        build = time.perf_counter() - t0
        say(f"   AnnoyIndexer(model, 100) built in {build:.2f} s")
        vector = wv[science]
        approx = wv.most_similar([vector], topn=11, indexer=annoy_index)
        exact = wv.most_similar([vector], topn=11)
        show_pair(approx, exact)
        aw, ew = [w for w, _ in approx], [w for w, _ in exact]
        differing = [w for w in aw if w not in ew] + [w for w in ew if w not in aw]
        say(f"   words in only one list: {differing}")
        say("   (annoy similarities are gensim's 1 - d^2/2, d the angular distance)")
        report["science"] = {"word": science, "approximate": approx, "exact": exact,
                             "differing": differing, "build_seconds": build, "num_trees": 100}
        return annoy_index, approx
    annoy_index, science_approx = step("3. index and neighbours", s3)

    # 4. exact vs approximate -------------------------------------------
    normed = wv.get_normed_vectors()
    n_vocab = len(wv)

    def s4():
        queries = 1000 if args.quick else 10_000
        ids = rng.integers(0, n_vocab, size=queries)

        def avg_query_time(indexer):
            for i in ids[:100]:  # warm-up
                wv.most_similar([normed[i]], topn=5, indexer=indexer)
            total = 0.0
            for i in ids:
                t0 = time.perf_counter()
                wv.most_similar([normed[i]], topn=5, indexer=indexer)
                total += time.perf_counter() - t0
            return total / queries

        gensim_time = avg_query_time(None)
        annoy_time = avg_query_time(annoy_index)
        rec = float(np.mean([
            recall(wv.most_similar([normed[i]], topn=10),
                   wv.most_similar([normed[i]], topn=10, indexer=annoy_index))
            for i in ids]))
        say(f"   Gensim (s/query):\t{gensim_time:.5f}  ({gensim_time * 1e3:.4f} ms)")
        say(f"   Annoy (s/query):\t{annoy_time:.5f}  ({annoy_time * 1e3:.4f} ms)")
        say(f"   Annoy is {gensim_time / annoy_time:.2f} times faster on average on this particular run")
        say(f"   recall@10 of Annoy against exact: {rec:.4f} over {queries} queries")
        say("   (wall time, time.perf_counter around each call; the tutorial used process_time)")
        report["timing"] = {"queries": queries, "warmup": 100, "clock": "perf_counter (wall)",
                            "exact_ms": gensim_time * 1e3, "approx_ms": annoy_time * 1e3,
                            "speedup": gensim_time / annoy_time, "recall_at_10": rec,
                            "num_trees": 100}
    step("4. exact vs approximate", s4)

    # 5. persistence -----------------------------------------------------
    index_path = os.path.join(out, "index")
    model_path = os.path.join(out, "model")

    def s5():
        annoy_index.save(index_path)
        annoy_index2 = AnnoyIndexer()
        annoy_index2.load(index_path)
        annoy_index2.model = model
        vector = wv[science]
        approx2 = wv.most_similar([vector], topn=11, indexer=annoy_index2)
        for n in approx2:
            say(f"   {n}")
        index_ok = approx2 == science_approx
        say(f"   saved {index_path} ({os.path.getsize(index_path)} bytes) and {index_path}.dict; "
            f"reloaded neighbours identical: {index_ok}")
        # sep_limit lowered so that the big arrays go to .npy files that step 6 can
        # mmap: gensim compares it with an array's element count (not bytes), so by
        # default arrays under 10.5M elements (here ~100 x vocabulary) stay pickled.
        model.save(model_path, sep_limit=1 << 16)
        model2 = Word2Vec.load(model_path)
        model_ok = (model2.wv.index_to_key == wv.index_to_key
                    and np.array_equal(model2.wv.vectors, wv.vectors))
        files = sorted(f for f in os.listdir(out) if f.startswith("model"))
        say(f"   saved the model to {model_path} ({', '.join(files)}); reloaded vectors identical: {model_ok}")
        report["persistence"] = {"index_reload_identical": index_ok, "model_reload_identical": model_ok,
                                 "index_bytes": os.path.getsize(index_path),
                                 "index_dict_bytes": os.path.getsize(index_path + ".dict"),
                                 "model_files": {f: os.path.getsize(os.path.join(out, f)) for f in files}}
        if not (index_ok and model_ok):
            raise SystemExit("a reload changed the results")
    step("5. save and load", s5)

    # 6. memory-mapping --------------------------------------------------
    def s6():
        npy = [f for f in os.listdir(out) if f.startswith("model.") and f.endswith(".npy")]
        if not npy:
            say("   note: the model's arrays are inside the pickle; mmap='r' maps nothing")
        else:
            say(f"   model arrays mapped with mmap='r': {', '.join(sorted(npy))}")
        figures = []
        for mode in ("build", "map"):
            for f in measure_pair(mode, model_path, index_path, 100):
                say(f"   process {f['pid']} that {'builds' if mode == 'build' else 'maps  '} the index: "
                    f"RSS {f['rss_mib']:7.1f} MiB, PSS {f['pss_mib']:7.1f} MiB")
                figures.append(f)
        report["memory"] = figures
        report["memory_model_npy_files"] = npy
    step("6. memory-mapping", s6)

    # 7. num_trees sweep -------------------------------------------------
    def s7():
        trees = [1, 5, 10, 20, 40] if args.quick else list(range(1, 300, 10))
        nq = 100 if args.quick else 1000
        qids = rng.integers(0, n_vocab, size=nq)
        probe = wv[science]
        exact100 = [w for w, _ in wv.most_similar([probe], topn=100)]
        truth10 = [wv.most_similar([normed[i]], topn=10) for i in qids]
        rows = []
        for x in trees:
            t0 = time.perf_counter()
            idx = AnnoyIndexer(model, x)
            build = time.perf_counter() - t0
            top = [w for w, _ in wv.most_similar([probe], topn=100, indexer=idx)]
            overlap = len(set(top).intersection(exact100))
            rec = float(np.mean([recall(t, wv.most_similar([normed[i]], topn=10, indexer=idx))
                                 for i, t in zip(qids, truth10)]))
            say(f"   num_trees {x:>3}: build {build:7.3f} s, top-100 overlap {overlap:3d}/100, "
                f"recall@10 {rec * 100:5.1f}%")
            rows.append({"num_trees": x, "build_seconds": build, "overlap_top100": overlap / 100,
                         "overlap_count": overlap, "recall_at_10": rec})
            del idx
        csv = os.path.join(out, "sweep.csv")
        with open(csv, "w") as f:
            f.write("num_trees,build_seconds,overlap_top100,recall_at_10\n")
            for r in rows:
                f.write(f"{r['num_trees']},{r['build_seconds']},{r['overlap_top100']},{r['recall_at_10']}\n")
        say(f"   wrote {csv} ({nq} recall queries per point)")
        report["sweep"] = rows
        report["sweep_queries"] = nq
    step("7. num_trees sweep", s7)

    # 8. word2vec formats ------------------------------------------------
    def s8():
        txt = os.path.join(out, "vectors.txt")
        binp = os.path.join(out, "vectors.bin")
        model.wv.save_word2vec_format(txt, binary=False)
        with open(txt, encoding="utf8") as f:
            head = [f.readline().rstrip("\n") for _ in range(3)]
        say(f"   {txt} begins:")
        for line in head:
            say(f"   {line[:87] + '...' if len(line) > 90 else line}")
        wv_txt = KeyedVectors.load_word2vec_format(txt, binary=False)
        model.wv.save_word2vec_format(binp, binary=True)
        wv_bin = KeyedVectors.load_word2vec_format(binp, binary=True)
        text_ok = wv_txt.index_to_key == wv.index_to_key and np.allclose(wv_txt.vectors, wv.vectors)
        text_exact = bool(np.array_equal(wv_txt.vectors, wv.vectors))
        bin_ok = wv_bin.index_to_key == wv.index_to_key and np.array_equal(wv_bin.vectors, wv.vectors)
        say(f"   text import allclose: {text_ok} (bit-identical: {text_exact}); binary import identical: {bin_ok}")
        idx = AnnoyIndexer(wv_bin, 100)
        imp_path = os.path.join(out, "imported.index")
        idx.save(imp_path)
        wv2 = KeyedVectors.load_word2vec_format(binp, binary=True)
        idx2 = AnnoyIndexer()
        idx2.load(imp_path)
        idx2.model = wv2
        word = query_word(wv2, "cat")
        vector = wv2[word]
        approx = wv2.most_similar([vector], topn=11, indexer=idx2)
        exact = wv2.most_similar([vector], topn=11)
        say(f"   neighbours of {word!r} from the imported binary vectors:")
        show_pair(approx, exact)
        report["export"] = {"text_head": head, "text_allclose": bool(text_ok), "text_bit_identical": text_exact,
                            "binary_identical": bool(bin_ok), "text_bytes": os.path.getsize(txt),
                            "binary_bytes": os.path.getsize(binp), "word": word,
                            "approximate": approx, "exact": exact}
        if not (text_ok and bin_ok):
            raise SystemExit("an import differs from the exported vectors")
    step("8. word2vec formats", s8)

    # 9. totals ------------------------------------------------------------
    total = time.perf_counter() - t_total
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    say(f"\nTotal: {total:.1f} s, peak memory {self_peak:.0f} MiB "
        f"(largest child process: {child_peak:.0f} MiB)")
    report["total_seconds"] = total
    report["peak_rss_mib"] = self_peak
    report["children_peak_rss_mib"] = child_peak
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    say(f"wrote {os.path.join(out, 'report.json')}")
    return 0


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = float("nan")
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": mem}


if __name__ == "__main__":
    sys.exit(main())
