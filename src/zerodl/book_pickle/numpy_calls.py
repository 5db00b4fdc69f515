"""What the recognised calls of a NumPy pickle mean, done by zerodl with checked values: bytes
made from text, a dtype made from its kind, byte order and item size, and an array made by
np.frombuffer over bytes whose length equals what its shape and dtype need."""

from __future__ import annotations

import math
import re

import numpy as np

from zerodl.book_pickle.values import (
    MAX_DIMS,
    NUMERIC,
    PLAIN_DTYPE_STATE,
    Global,
    Latin1Text,
    Pending,
    Py2Str,
    as_name,
    describe,
    same,
)
from zerodl.errors import ModelFileError


def encode(args: tuple) -> bytearray:
    """_codecs.encode(text, 'latin1'): how protocols 0-2 spell bytes."""
    if len(args) != 2 or not same(args[1], "latin1"):
        raise ModelFileError("_codecs.encode with arguments other than (text, 'latin1')")
    text = args[0]
    if isinstance(text, Latin1Text):
        return text.data
    if not isinstance(text, str):
        raise ModelFileError(f"_codecs.encode of {describe(text)}, not a text")
    try:
        return bytearray(text.encode("latin1"))
    except UnicodeEncodeError:
        raise ModelFileError("_codecs.encode of a text beyond latin-1") from None


def empty_bytes(args: tuple) -> bytearray:
    """bytes(): how protocols 0-2 spell empty bytes."""
    if args:
        raise ModelFileError(f"bytes() with {len(args)} arguments; NumPy pickles pass none")
    return bytearray()


def new_dtype(args: tuple) -> Pending:
    if len(args) != 3:
        raise ModelFileError(f"dtype with {len(args)} arguments; NumPy writes (name, False, True)")
    name, align, copy = args
    text = as_name(name)
    match = re.fullmatch(r"([fiu])([0-9]{1,2})", text or "")
    if not match or int(match[2]) not in NUMERIC[match[1]]:
        raise ModelFileError(f"dtype {describe(name)}; a weight file holds floats or integers"
                             " (f2 f4 f8, i1 to i8, u1 to u8)")
    if not (same(align, 0) and same(copy, 1)):
        raise ModelFileError(f"dtype {text} with align={describe(align)}, copy={describe(copy)};"
                             " NumPy writes False, True")
    return Pending("dtype", (match[1], int(match[2])))


def reconstruct(args: tuple) -> Pending:
    if (len(args) != 3 or not isinstance(args[0], Global) or args[0].role != "ndarray"
            or not same(args[1], (0,)) or checked_bytes(args[2], "the type code") != b"b"):
        raise ModelFileError("_reconstruct with arguments other than (ndarray, (0,), b'b'),"
                             " the only ones NumPy writes")
    return Pending("array")


def frombuffer(args: tuple) -> np.ndarray:
    if len(args) != 4 or not (same(args[3], "C") or same(args[3], "F")):
        raise ModelFileError("_frombuffer with arguments other than (data, dtype, shape, 'C' or"
                             " 'F')")
    data, dtype, shape, order = args
    return checked_array(checked_shape(shape), built_dtype(dtype),
                       checked_bytes(data, "array data"), order)


def dtype_state(spec: tuple[str, int], state) -> np.dtype:
    kind, size = spec
    if not isinstance(state, tuple) or len(state) != 8 or not same(state[0], 3):
        raise ModelFileError(f"the state of dtype {kind}{size} is {describe(state)}; NumPy"
                             " writes a tuple of 8 that starts with version 3")
    for (field, expected), value in zip(PLAIN_DTYPE_STATE, state[2:], strict=True):
        if not same(value, expected):
            raise ModelFileError(f"the state of dtype {kind}{size} has {field} {describe(value)};"
                                 f" a plain number has {expected} (no sub-arrays, fields or flags)")
    order = as_name(state[1])
    if order not in (("|",) if size == 1 else ("<", ">")):
        raise ModelFileError(f"the state of dtype {kind}{size} has byte order {describe(state[1])}")
    return np.dtype(f"{order}{kind}{size}")


def array_state(state) -> np.ndarray:
    if not isinstance(state, tuple) or len(state) != 5 or not same(state[0], 1):
        raise ModelFileError(f"the state of an array is {describe(state)}; NumPy writes (1,"
                             " shape, dtype, fortran, data)")
    _, shape, dtype, fortran, data = state
    if not (same(fortran, 0) or same(fortran, 1)):
        raise ModelFileError(f"an array's Fortran flag is {describe(fortran)}")
    return checked_array(checked_shape(shape), built_dtype(dtype),
                       checked_bytes(data, "array data"), "F" if fortran else "C")


def checked_bytes(value, what: str) -> memoryview | bytes | bytearray:
    if isinstance(value, (memoryview, bytearray)):
        return value
    if isinstance(value, Py2Str):
        return value.raw
    raise ModelFileError(f"{what} is {describe(value)}, not bytes")


def checked_shape(value) -> tuple[int, ...]:
    if (not isinstance(value, tuple) or len(value) > MAX_DIMS
            or not all(type(d) is int and d >= 0 for d in value)):
        raise ModelFileError(f"an array's shape is {describe(value)}; a shape is a tuple of at"
                             f" most {MAX_DIMS} sizes >= 0")
    return tuple(value)


def built_dtype(value) -> np.dtype:
    if not isinstance(value, Pending) or value.kind != "dtype" or value.value is None:
        raise ModelFileError(f"an array's dtype is {describe(value)}")
    return value.value


def checked_array(shape: tuple[int, ...], dtype: np.dtype, data, order: str) -> np.ndarray:
    count = math.prod(shape)
    if count * dtype.itemsize != len(data):
        raise ModelFileError(f"an array of shape {shape} and dtype {dtype.str} needs"
                             f" {count * dtype.itemsize} bytes, and the file holds {len(data)}")
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order=order)


# a global's role -> what calling it means
CALLS = {"encode": encode, "bytes": empty_bytes, "dtype": new_dtype, "reconstruct": reconstruct,
         "frombuffer": frombuffer}
