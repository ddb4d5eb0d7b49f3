"""Type stubs of the native module (re-exported by ``w2v_annoy``)."""

import os
from typing import Any, Callable, Iterable, Iterator, List, Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, "os.PathLike[str]"]
_Key = Union[str, int]
_Vector = Union[npt.ArrayLike, Sequence[float]]
_Term = Union[_Key, _Vector]
_Terms = Union[None, _Term, Sequence[_Term]]

class KeyedVectors:
    """Words and their vectors (gensim's ``KeyedVectors``), immutable.

    Keys are str; a Doc2Vec's ``dv`` also has int keys (its integer tags,
    each equal to its row)."""

    @classmethod
    def load_word2vec_format(
        cls,
        fname: _Path,
        fvocab: Optional[_Path] = None,
        binary: bool = False,
        encoding: str = "utf8",
        unicode_errors: str = "strict",
        limit: Optional[int] = None,
        datatype: Any = None,
        no_header: bool = False,
    ) -> "KeyedVectors": ...
    def save_word2vec_format(
        self,
        fname: _Path,
        fvocab: Optional[_Path] = None,
        binary: bool = False,
        total_vec: Optional[int] = None,
        write_header: bool = True,
        prefix: str = "",
        append: bool = False,
        sort_attr: str = "count",
    ) -> None: ...
    def save(self, fname: _Path) -> None: ...
    @classmethod
    def load(cls, fname: _Path, mmap: Any = None) -> "KeyedVectors": ...
    @classmethod
    def from_gensim(cls, source: Any) -> "KeyedVectors": ...
    @property
    def index_to_key(self) -> List[_Key]: ...
    @property
    def key_to_index(self) -> dict[str, int]: ...
    @property
    def vectors(self) -> npt.NDArray[np.float32]: ...
    @property
    def vector_size(self) -> int: ...
    @property
    def is_mapped(self) -> bool: ...
    def get_normed_vectors(self) -> npt.NDArray[np.float32]: ...
    def fill_norms(self, force: bool = False) -> None: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object) -> bool: ...
    def has_index_for(self, key: object) -> bool: ...
    def get_index(self, key: _Key, default: Optional[int] = None) -> int: ...
    def get_vector(self, key: _Key, norm: bool = False) -> npt.NDArray[np.float32]: ...
    def __getitem__(self, key_or_keys: Union[_Key, Iterable[_Key]]) -> npt.NDArray[np.float32]: ...
    def most_similar(
        self,
        positive: _Terms = None,
        negative: _Terms = None,
        topn: int = 10,
        clip_start: int = 0,
        clip_end: Optional[int] = None,
        restrict_vocab: Optional[int] = None,
        indexer: Union["AnnoyIndexer", "HnswIndexer", None] = None,
    ) -> List[Tuple[_Key, float]]: ...
    def similar_by_word(self, word: _Key, topn: int = 10, restrict_vocab: Optional[int] = None) -> List[Tuple[_Key, float]]: ...
    def similar_by_key(self, key: _Key, topn: int = 10, restrict_vocab: Optional[int] = None) -> List[Tuple[_Key, float]]: ...
    def similar_by_vector(self, vector: _Vector, topn: int = 10, restrict_vocab: Optional[int] = None) -> List[Tuple[_Key, float]]: ...
    def most_similar_cosmul(
        self, positive: _Terms = None, negative: _Terms = None, topn: int = 10, restrict_vocab: None = None
    ) -> List[Tuple[_Key, float]]: ...
    def doesnt_match(self, words: Iterable[str]) -> str: ...
    def similarity(self, w1: _Key, w2: _Key) -> float: ...
    def distance(self, w1: _Key, w2: _Key) -> float: ...
    def n_similarity(self, ws1: Iterable[str], ws2: Iterable[str]) -> float: ...
    def closer_than(self, key1: _Key, key2: _Key) -> List[str]: ...
    def words_closer_than(self, w1: _Key, w2: _Key) -> List[str]: ...
    def rank(self, key1: _Key, key2: _Key) -> int: ...
    def evaluate_word_analogies(
        self,
        analogies: _Path,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        similarity_function: str = "most_similar",
    ) -> Tuple[float, List[dict[str, Any]]]: ...
    def evaluate_word_pairs(
        self,
        pairs: _Path,
        delimiter: str = "\t",
        encoding: str = "utf8",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> Tuple[Tuple[float, float], Tuple[float, float], float]: ...

class AnnoyIndexer:
    """gensim's ``AnnoyIndexer``: an Annoy forest over a model's unit vectors."""

    def __init__(self, model: Any = None, num_trees: Optional[int] = None) -> None: ...
    def save(self, fname: _Path, protocol: Optional[int] = None) -> None: ...
    def load(self, fname: _Path) -> None: ...
    model: Any
    @property
    def num_trees(self) -> Optional[int]: ...
    @property
    def labels(self) -> Optional[List[_Key]]: ...
    def most_similar(self, vector: _Vector, num_neighbors: int) -> List[Tuple[_Key, float]]: ...

class HnswIndexer:
    """``AnnoyIndexer``'s HNSW counterpart: an hnswlib-format graph over a model's unit vectors."""

    def __init__(
        self,
        model: Any = None,
        M: int = 16,
        ef_construction: int = 200,
        ef: int = 50,
        random_seed: int = 100,
        num_threads: int = -1,
    ) -> None: ...
    def save(self, fname: _Path, protocol: Optional[int] = None) -> None: ...
    def load(self, fname: _Path) -> None: ...
    model: Any
    ef: Optional[int]
    @property
    def M(self) -> Optional[int]: ...
    @property
    def ef_construction(self) -> Optional[int]: ...
    @property
    def labels(self) -> Optional[List[str]]: ...
    def most_similar(self, vector: _Vector, num_neighbors: int) -> List[Tuple[str, float]]: ...

class Index:
    """hnswlib's ``Index(space, dim)`` (exported as ``w2v_annoy.hnswlib.Index``)."""

    def __init__(self, space: Literal["l2", "ip", "cosine"], dim: int) -> None: ...
    def init_index(
        self,
        max_elements: int,
        M: int = 16,
        ef_construction: int = 200,
        random_seed: int = 100,
        allow_replace_deleted: bool = False,
    ) -> None: ...
    def add_items(
        self,
        data: npt.ArrayLike,
        ids: Optional[npt.ArrayLike] = None,
        num_threads: int = -1,
        replace_deleted: bool = False,
    ) -> None: ...
    def knn_query(
        self,
        data: npt.ArrayLike,
        k: int = 1,
        num_threads: int = -1,
        filter: Optional[Callable[[int], bool]] = None,
    ) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]: ...
    def set_ef(self, ef: int) -> None: ...
    def set_num_threads(self, num_threads: int) -> None: ...
    def index_file_size(self) -> int: ...
    def save_index(self, path_to_index: _Path) -> None: ...
    def load_index(self, path_to_index: _Path, max_elements: int = 0, allow_replace_deleted: bool = False) -> None: ...
    def mark_deleted(self, label: int) -> None: ...
    def unmark_deleted(self, label: int) -> None: ...
    def resize_index(self, new_size: int) -> None: ...
    @overload
    def get_items(self, ids: Optional[npt.ArrayLike] = None, return_type: Literal["numpy"] = "numpy") -> npt.NDArray[np.float32]: ...
    @overload
    def get_items(self, ids: Optional[npt.ArrayLike], return_type: Literal["list"]) -> List[List[float]]: ...
    def get_ids_list(self) -> List[int]: ...
    def get_max_elements(self) -> int: ...
    def get_current_count(self) -> int: ...
    @property
    def space(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def M(self) -> int: ...
    @property
    def ef_construction(self) -> int: ...
    ef: int
    num_threads: int
    @property
    def max_elements(self) -> int: ...
    @property
    def element_count(self) -> int: ...

class IndexFileError(OSError, RuntimeError): ...
class IndexFileNotFoundError(FileNotFoundError, RuntimeError): ...

class AnnoyIndex:
    """Spotify Annoy's ``AnnoyIndex(f, metric)``."""

    f: int
    def __init__(self, f: int, metric: Literal["angular", "euclidean", "manhattan", "dot", "hamming"] = "angular") -> None: ...
    def add_item(self, i: int, vector: _Vector) -> None: ...
    def build(self, n_trees: int, n_jobs: int = -1) -> bool: ...
    def unbuild(self) -> bool: ...
    def save(self, fn: _Path, prefault: bool = False) -> bool: ...
    def load(self, fn: _Path, prefault: bool = False) -> bool: ...
    def unload(self) -> bool: ...
    def on_disk_build(self, fn: _Path) -> bool: ...
    def set_seed(self, seed: int) -> None: ...
    def verbose(self, v: bool) -> bool: ...
    @overload
    def get_nns_by_item(self, i: int, n: int, search_k: int = -1, include_distances: Literal[False] = False) -> List[int]: ...
    @overload
    def get_nns_by_item(self, i: int, n: int, search_k: int = -1, include_distances: Literal[True] = ...) -> Tuple[List[int], List[float]]: ...
    @overload
    def get_nns_by_vector(self, vector: _Vector, n: int, search_k: int = -1, include_distances: Literal[False] = False) -> List[int]: ...
    @overload
    def get_nns_by_vector(self, vector: _Vector, n: int, search_k: int = -1, include_distances: Literal[True] = ...) -> Tuple[List[int], List[float]]: ...
    def get_item_vector(self, i: int) -> List[float]: ...
    def get_distance(self, i: int, j: int) -> float: ...
    def get_n_items(self) -> int: ...
    def get_n_trees(self) -> int: ...

class Text8Corpus:
    """gensim's ``Text8Corpus``: sentences of ``max_sentence_length`` words."""

    def __init__(self, fname: _Path, max_sentence_length: int = 10000) -> None: ...
    def __iter__(self) -> Iterator[List[str]]: ...

class LineSentence:
    """gensim's ``LineSentence``: one sentence per line."""

    def __init__(self, source: _Path, max_sentence_length: int = 10000, limit: None = None) -> None: ...
    def __iter__(self) -> Iterator[List[str]]: ...

class SentenceIterator:
    def __iter__(self) -> Iterator[List[str]]: ...
    def __next__(self) -> List[str]: ...

class Word2Vec:
    """gensim's ``Word2Vec``."""

    def __init__(
        self,
        sentences: Optional[Iterable[List[str]]] = None,
        corpus_file: Optional[_Path] = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: Optional[int] = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        hashfxn: Any = None,
        epochs: int = 5,
        null_word: int = 0,
        trim_rule: None = None,
        sorted_vocab: int = 1,
        batch_words: int = 10000,
        compute_loss: bool = False,
        callbacks: Any = None,
        comment: Optional[str] = None,
        max_final_vocab: Optional[int] = None,
        shrink_windows: bool = True,
    ) -> None: ...
    def build_vocab(
        self,
        corpus_iterable: Optional[Iterable[List[str]]] = None,
        corpus_file: Optional[_Path] = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: None = None,
    ) -> None: ...
    def train(
        self,
        corpus_iterable: Optional[Iterable[List[str]]] = None,
        corpus_file: Optional[_Path] = None,
        total_examples: Optional[int] = None,
        total_words: Optional[int] = None,
        epochs: Optional[int] = None,
        start_alpha: None = None,
        end_alpha: None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        compute_loss: bool = False,
        callbacks: Any = None,
    ) -> Tuple[int, int]: ...
    @property
    def wv(self) -> KeyedVectors: ...
    def save(self, fname: _Path) -> None: ...
    @classmethod
    def load(cls, fname: _Path) -> "Word2Vec": ...
    vector_size: int
    epochs: int
    sg: int
    hs: int
    negative: int
    window: int
    min_count: int
    alpha: float
    min_alpha: float
    sample: float
    seed: int
    workers: int
    epochs_trained: int

class TaggedLineDocument:
    """gensim's ``TaggedLineDocument``: one document per line, tagged with its line number."""

    def __init__(self, source: _Path) -> None: ...
    @property
    def source(self) -> str: ...
    def __iter__(self) -> "DocumentIterator": ...

class DocumentIterator:
    def __iter__(self) -> "DocumentIterator": ...
    def __next__(self) -> Any: ...

class Doc2Vec:
    """gensim's ``Doc2Vec`` (PV-DM mean, sum or concatenated; PV-DBOW, dbow_words)."""

    def __init__(
        self,
        documents: Optional[Iterable[Any]] = None,
        corpus_file: Optional[_Path] = None,
        vector_size: int = 100,
        dm_mean: Optional[int] = None,
        dm: int = 1,
        dbow_words: int = 0,
        dm_concat: int = 0,
        dm_tag_count: int = 1,
        dv: None = None,
        dv_mapfile: None = None,
        comment: Optional[str] = None,
        trim_rule: None = None,
        callbacks: Any = None,
        window: int = 5,
        epochs: int = 10,
        shrink_windows: bool = True,
        *,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        min_count: int = 5,
        max_vocab_size: Optional[int] = None,
        max_final_vocab: Optional[int] = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        hashfxn: Any = None,
        sorted_vocab: int = 1,
        batch_words: int = 10000,
        compute_loss: bool = False,
    ) -> None: ...
    def build_vocab(
        self,
        corpus_iterable: Optional[Iterable[Any]] = None,
        corpus_file: Optional[_Path] = None,
        update: bool = False,
        progress_per: int = 10000,
        keep_raw_vocab: bool = False,
        trim_rule: None = None,
    ) -> None: ...
    def train(
        self,
        corpus_iterable: Optional[Iterable[Any]] = None,
        corpus_file: Optional[_Path] = None,
        total_examples: Optional[int] = None,
        total_words: Optional[int] = None,
        epochs: Optional[int] = None,
        start_alpha: None = None,
        end_alpha: None = None,
        word_count: int = 0,
        queue_factor: int = 2,
        report_delay: float = 1.0,
        callbacks: Any = None,
    ) -> Tuple[int, int]: ...
    def infer_vector(
        self,
        doc_words: Sequence[str],
        alpha: Optional[float] = None,
        min_alpha: Optional[float] = None,
        epochs: Optional[int] = None,
    ) -> npt.NDArray[np.float32]: ...
    def similarity_unseen_docs(
        self,
        doc_words1: Sequence[str],
        doc_words2: Sequence[str],
        alpha: Optional[float] = None,
        min_alpha: Optional[float] = None,
        epochs: Optional[int] = None,
    ) -> float: ...
    @property
    def dv(self) -> KeyedVectors: ...
    @property
    def wv(self) -> KeyedVectors: ...
    def save_word2vec_format(
        self,
        fname: _Path,
        doctag_vec: bool = False,
        word_vec: bool = True,
        prefix: str = "*dt_",
        fvocab: None = None,
        binary: bool = False,
    ) -> None: ...
    def save(self, fname: _Path) -> None: ...
    @classmethod
    def load(cls, fname: _Path, mmap: Any = None) -> "Doc2Vec": ...
    vector_size: int
    epochs: int
    dm: int
    dbow: int
    dbow_words: int
    cbow_mean: int
    dm_concat: int
    dm_tag_count: int
    hs: int
    negative: int
    window: int
    min_count: int
    alpha: float
    min_alpha: float
    sample: float
    seed: int
    workers: int
    epochs_trained: int
    corpus_count: Optional[int]
