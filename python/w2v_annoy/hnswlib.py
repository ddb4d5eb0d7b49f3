"""hnswlib's Python API: ``from w2v_annoy import hnswlib`` in place of
``import hnswlib``.

``Index(space, dim)`` has hnswlib's methods, defaults, return shapes and
exceptions (``RuntimeError`` with hnswlib's messages); ``save_index`` and
``load_index`` use hnswlib's file format, so files move both ways. I/O
errors are ``IndexFileError`` (``IndexFileNotFoundError`` for a missing
file): ``OSError`` subclasses that are also ``RuntimeError``, so code
written for hnswlib or for Python's conventions catches them.
"""

from ._w2v_annoy import Index, IndexFileError, IndexFileNotFoundError

__all__ = ["Index", "IndexFileError", "IndexFileNotFoundError"]
