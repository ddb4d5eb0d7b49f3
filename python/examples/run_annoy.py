"""gensim's tutorial "Fast Similarity Queries with Annoy and word2vec"
(docs/src/gallery/tutorials/run_annoy.py), with the imports changed to
w2v_annoy. The differences from the original, all outside the API calls:

- the corpus is a path argument (default: the repository's bundled
  fixtures/corpus/dev100k.txt; pass text8 for the real tutorial), as
  ``gensim.downloader`` is not part of this package;
- files go to a temporary directory instead of /tmp;
- the memory demo needs psutil and the chart matplotlib: each step is
  skipped, with a message, when its package is missing.

Run: python examples/run_annoy.py [CORPUS]
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LOGS = False  # Set to True if you want to see progress in logs.
if LOGS:
    import logging

    logging.basicConfig(format="%(asctime)s : %(levelname)s : %(message)s", level=logging.INFO)

default_corpus = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "dev100k.txt"
text8_path = sys.argv[1] if len(sys.argv) > 1 else str(default_corpus)
print("Using corpus from", text8_path)
tmp = tempfile.mkdtemp(prefix="run_annoy-")

# was: from gensim.models import Word2Vec, KeyedVectors
from w2v_annoy import KeyedVectors, Word2Vec  # noqa: E402

# was: from gensim.models.word2vec import Text8Corpus
from w2v_annoy import Text8Corpus  # noqa: E402

# Using params from Word2Vec_FastText_Comparison
params = {
    "alpha": 0.05,
    "vector_size": 100,
    "window": 5,
    "epochs": 5,
    "min_count": 5,
    "sample": 1e-4,
    "sg": 1,
    "hs": 0,
    "negative": 5,
}
model = Word2Vec(Text8Corpus(text8_path), **params)
wv = model.wv
print("Using trained model", wv)

# was: from gensim.similarities.annoy import AnnoyIndexer
from w2v_annoy import AnnoyIndexer  # noqa: E402

# 100 trees are being used in this example
annoy_index = AnnoyIndexer(model, 100)
# Derive the vector for the word "science" in our model
vector = wv["science"]
# The instance of AnnoyIndexer we just created is passed
approximate_neighbors = wv.most_similar([vector], topn=11, indexer=annoy_index)
# Neatly print the approximate_neighbors and their corresponding cosine similarity values
print("Approximate Neighbors")
for neighbor in approximate_neighbors:
    print(neighbor)

normal_neighbors = wv.most_similar([vector], topn=11)
print("\nExact Neighbors")
for neighbor in normal_neighbors:
    print(neighbor)

# Set up the model and vector that we are using in the comparison
annoy_index = AnnoyIndexer(model, 100)

# Dry run to make sure both indexes are fully in RAM
normed_vectors = wv.get_normed_vectors()
vector = normed_vectors[0]
wv.most_similar([vector], topn=5, indexer=annoy_index)
wv.most_similar([vector], topn=5)


def avg_query_time(annoy_index=None, queries=1000):
    """Average query time of a most_similar method over 1000 random queries."""
    total_time = 0
    for _ in range(queries):
        rand_vec = normed_vectors[np.random.randint(0, len(wv))]
        start_time = time.process_time()
        wv.most_similar([rand_vec], topn=5, indexer=annoy_index)
        total_time += time.process_time() - start_time
    return total_time / queries


queries = 1000

gensim_time = avg_query_time(queries=queries)
annoy_time = avg_query_time(annoy_index, queries=queries)
print("Gensim (s/query):\t{0:.5f}".format(gensim_time))
print("Annoy (s/query):\t{0:.5f}".format(annoy_time))
speed_improvement = gensim_time / annoy_time
print("\nAnnoy is {0:.2f} times faster on average on this particular run".format(speed_improvement))

fname = os.path.join(tmp, "mymodel.index")

# Persist index to disk
annoy_index.save(fname)

# Load index back
if os.path.exists(fname):
    annoy_index2 = AnnoyIndexer()
    annoy_index2.load(fname)
    annoy_index2.model = model

# Results should be identical to above
vector = wv["science"]
approximate_neighbors2 = wv.most_similar([vector], topn=11, indexer=annoy_index2)
for neighbor in approximate_neighbors2:
    print(neighbor)

assert approximate_neighbors == approximate_neighbors2

# Remove verbosity from code below (if logging active)
if LOGS:
    logging.disable(logging.CRITICAL)

from multiprocessing import Process  # noqa: E402

model_path = os.path.join(tmp, "mymodel.kv")
model.save(model_path)

try:
    import psutil
except ImportError:
    psutil = None
    print("\n(psutil is not installed: the two-process memory demo is skipped)")


def f(process_id):
    print("Process Id: {}".format(os.getpid()))
    process = psutil.Process(os.getpid())
    new_model = Word2Vec.load(model_path)
    vector = new_model.wv["science"]
    annoy_index = AnnoyIndexer()
    annoy_index.load(fname)
    annoy_index.model = new_model
    approximate_neighbors = new_model.wv.most_similar([vector], topn=5, indexer=annoy_index)
    print("\nMemory used by process {}: {}\n---".format(os.getpid(), process.memory_info()))


if psutil is not None:
    # Create and run two parallel processes to share the same index file.
    p1 = Process(target=f, args=("1",))
    p1.start()
    p1.join()
    p2 = Process(target=f, args=("2",))
    p2.start()
    p2.join()

exact_results = [element[0] for element in wv.most_similar([normed_vectors[0]], topn=100)]

x_values = []
y_values_init = []
y_values_accuracy = []

for x in range(1, 300, 10):
    x_values.append(x)
    start_time = time.time()
    annoy_index = AnnoyIndexer(model, x)
    y_values_init.append(time.time() - start_time)
    approximate_results = wv.most_similar([normed_vectors[0]], topn=100, indexer=annoy_index)
    top_words = [result[0] for result in approximate_results]
    y_values_accuracy.append(len(set(top_words).intersection(exact_results)))

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.figure(1, figsize=(12, 6))
    plt.subplot(121)
    plt.plot(x_values, y_values_init)
    plt.title("num_trees vs initalization time")
    plt.ylabel("Initialization time (s)")
    plt.xlabel("num_trees")
    plt.subplot(122)
    plt.plot(x_values, y_values_accuracy)
    plt.title("num_trees vs accuracy")
    plt.ylabel("%% accuracy")
    plt.xlabel("num_trees")
    plt.tight_layout()
    plt.savefig(os.path.join(tmp, "num_trees.png"))
except ImportError:
    print("\n(matplotlib is not installed: the sweep is printed instead of plotted)")
    for x, t, a in zip(x_values, y_values_init, y_values_accuracy):
        print(f"num_trees={x:3d}  init {t:.3f} s  top-100 overlap {a}")

# To export a trained model, use the save_word2vec_format method
wv.save_word2vec_format(os.path.join(tmp, "vectors.txt"), binary=False)

# View the first 3 lines of the exported file
# The first line has the total number of entries and the vector dimension count.
# The next lines have a key (a string) followed by its vector.
with open(os.path.join(tmp, "vectors.txt"), encoding="utf8") as myfile:
    for i in range(3):
        print(myfile.readline().strip())

# To import a word2vec text model
wv = KeyedVectors.load_word2vec_format(os.path.join(tmp, "vectors.txt"), binary=False)

# To export a trained model, use the save_word2vec_format method
wv.save_word2vec_format(os.path.join(tmp, "vectors.bin"), binary=True)

# To import a word2vec binary model
wv = KeyedVectors.load_word2vec_format(os.path.join(tmp, "vectors.bin"), binary=True)

# To create and save Annoy Index from a loaded `KeyedVectors` object (with 100 trees)
annoy_index = AnnoyIndexer(wv, 100)
annoy_index.save(fname)

# Load and test the saved word vectors and saved Annoy index
wv = KeyedVectors.load_word2vec_format(os.path.join(tmp, "vectors.bin"), binary=True)
annoy_index = AnnoyIndexer()
annoy_index.load(fname)
annoy_index.model = wv

vector = wv["cat"] if "cat" in wv else wv[wv.index_to_key[100]]
approximate_neighbors = wv.most_similar([vector], topn=11, indexer=annoy_index)
# Neatly print the approximate_neighbors and their corresponding cosine similarity values
print("Approximate Neighbors")
for neighbor in approximate_neighbors:
    print(neighbor)

normal_neighbors = wv.most_similar([vector], topn=11)
print("\nExact Neighbors")
for neighbor in normal_neighbors:
    print(neighbor)
