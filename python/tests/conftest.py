"""Shared fixtures: the repository's small data under fixtures/ only, and the
real peers when they are installed (tests that need them are skipped
otherwise)."""

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fixture(*parts):
    path = FIXTURES.joinpath(*parts)
    assert path.exists(), path
    return str(path)


@pytest.fixture(scope="session")
def vectors_bin():
    """A real gensim word2vec model: 4,274 words x 32 dims (binary)."""
    return fixture("eval", "vectors.bin")


@pytest.fixture(scope="session")
def kv(vectors_bin):
    from w2v_annoy import KeyedVectors

    return KeyedVectors.load_word2vec_format(vectors_bin, binary=True)


@pytest.fixture(scope="session")
def gensim_kv(vectors_bin):
    models = pytest.importorskip("gensim.models")
    return models.KeyedVectors.load_word2vec_format(vectors_bin, binary=True)


@pytest.fixture
def rng():
    return np.random.default_rng(20)
