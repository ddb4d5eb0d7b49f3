from ._w2v_annoy import Index as Index
from ._w2v_annoy import IndexFileError as IndexFileError
from ._w2v_annoy import IndexFileNotFoundError as IndexFileNotFoundError

__all__ = ["Index", "IndexFileError", "IndexFileNotFoundError"]
