"""What a weight pickle's program handles: its values as data, and the few globals it may name.

A global stays its two strings; a call's result waits as Pending until BUILD gives its state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DIMS = 32
MAX_NAME_CHARS = 256  # dict keys and global names

# The globals a NumPy weight pickle names, with the role each plays here. None is imported.
GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("_codecs", "encode"): "encode",
    ("__builtin__", "bytes"): "bytes",
    ("builtins", "bytes"): "bytes",
}
# Element kinds and item sizes of the arrays a weight file may hold.
NUMERIC = {"f": (2, 4, 8), "i": (1, 2, 4, 8), "u": (1, 2, 4, 8)}
# A plain numeric dtype's state after its byte order: (field name, the one value it may have).
PLAIN_DTYPE_STATE = (("subarray", None), ("names", None), ("fields", None), ("elsize", -1),
                     ("alignment", -1), ("flags", 0))


@dataclass(frozen=True)
class Global:
    """A global the file names, as its two strings (only those of GLOBALS are ever made)."""

    module: str
    name: str

    @property
    def role(self) -> str:
        return GLOBALS[(self.module, self.name)]


@dataclass(frozen=True)
class Py2Str:
    """A Python 2 str (STRING, BINSTRING, SHORT_BINSTRING): bytes that also served as text."""

    raw: memoryview | bytes


@dataclass(frozen=True)
class Latin1Text:
    """A text too long to be a name, kept as its latin-1 bytes: protocol 0-2 array data."""

    data: bytearray


class FileTuple(tuple):
    """A tuple from the file that knows how deeply it nests."""

    depth: int


@dataclass(eq=False)
class Pending:
    """What a REDUCE of dtype or _reconstruct made, waiting for BUILD to give it its value."""

    kind: str  # "dtype" or "array"
    spec: tuple[str, int] | None = None  # a dtype's kind and item size, read from its name
    value: np.dtype | np.ndarray | None = None


def is_int(value) -> bool:
    return type(value) in (int, bool)


def same(value, expected) -> bool:
    """value == expected, compared only between values of the same kind (an array from the file
    would compare elementwise, and True == 1 is fine where NumPy itself writes either)."""
    if isinstance(expected, tuple):
        return (isinstance(value, tuple) and len(value) == len(expected)
                and all(map(same, value, expected)))
    if is_int(expected):
        return is_int(value) and value == expected
    return type(value) is type(expected) and value == expected


def describe(value) -> str:
    """A short, one-line account of a value from the file, for error messages."""
    if value is None or is_int(value):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"a text of {len(value)} characters"
    if isinstance(value, (memoryview, bytearray)):
        return f"{len(value)} bytes"
    if isinstance(value, Py2Str):
        return f"a Python 2 string of {len(value.raw)} bytes"
    if isinstance(value, Latin1Text):
        return f"a text of {len(value.data)} characters"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, Global):
        return f"the global {value.module}.{value.name}"
    if isinstance(value, Pending):
        kind = "a dtype" if value.kind == "dtype" else "an array"
        return kind + ("" if value.value is not None else " without its state")
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"



def as_name(value) -> str | None:
    """A str, or a Python 2 str read as latin-1 (what pickle.load(encoding='latin1') does);
    None for anything else, and for names longer than MAX_NAME_CHARS."""
    if isinstance(value, Py2Str):
        value = bytes(value.raw).decode("latin1") if len(value.raw) <= MAX_NAME_CHARS else None
    return value if isinstance(value, str) and len(value) <= MAX_NAME_CHARS else None
