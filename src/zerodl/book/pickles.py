"""pickle.load and pickle.loads for the book's scripts: dicts of arrays, read as data, no code run.

The book pickles only dicts of NumPy arrays, its weights (ch03's sample_weight.pkl, the
save_params of ch07 and ch08). pickle.load could run anything that a downloaded weight file
asks for; while a script runs under `zerodl book run` these two functions take its place and
read the pickle with zerodl's own interpreter (zerodl.book_weights), which builds arrays from
the file's bytes and calls nothing it names. pickle.dump is left as it is.
"""

from __future__ import annotations

import contextlib
import pickle
import tempfile
from pathlib import Path

import numpy as np

from zerodl.book_weights import load_book_params
from zerodl.errors import ModelFileError


def loads(data, **options) -> dict[str, np.ndarray]:
    """The dict of arrays pickled in `data` (bytes), read without running anything.

    Raises ModelFileError for a pickle of anything else. The options of pickle.loads (encoding
    and the like) are accepted and ignored: they steer object reconstruction, which never
    happens here.
    """
    return _read(bytes(data), "the pickled bytes")


def load(file, **options) -> dict[str, np.ndarray]:
    """The dict of arrays pickled in the rest of binary `file`, read without running anything."""
    return _read(file.read(), getattr(file, "name", "the pickle file"))


def _read(data: bytes, name) -> dict[str, np.ndarray]:
    # load_book_params reads a file by its path, so the bytes get a file of their own
    with tempfile.TemporaryDirectory(prefix="zerodl-pickle-") as folder:
        path = Path(folder) / "data.pkl"
        path.write_bytes(data)
        try:
            return load_book_params(path)
        except ModelFileError as e:
            raise ModelFileError(str(e).replace(str(path), str(name))) from None


@contextlib.contextmanager
def reading_pickles_safely():
    """pickle.load and pickle.loads read only dicts of arrays until the block ends."""
    saved = pickle.load, pickle.loads
    pickle.load, pickle.loads = load, loads
    try:
        yield
    finally:
        pickle.load, pickle.loads = saved
