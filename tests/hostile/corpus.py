"""A corpus of hostile files, made on the spot (nothing large is committed), and a runner that
feeds each one to the `zerodl` command line in a fresh process and measures what it costs.

    python tests/hostile/corpus.py [--out DIR] [--only NAME]...

prints, for every case, the exit status, the peak memory (VmHWM, from wait4), the wall time and
the one line zerodl printed. Every case must end with exit 2 and one line, within seconds and a
few hundred MB; tests/test_hostile.py asserts exactly that.

The first part is a small pickle assembler: hostile pickles are written opcode by opcode, since
no pickler would write them, and so are the Python 2 pickles that NumPy 1.x users still have.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import pickletools
import re
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


# -- assembling pickles --------------------------------------------------------------------------
class Raw(bytes):
    """Opcodes spliced in as they are: a dtype, a global, a deliberately broken fragment."""


class Str2(bytes):
    """A Python 2 str: written as STRING (protocol 0) or (SHORT_)BINSTRING (protocol 2)."""


def ops(value, protocol: int = 3) -> bytes:
    """The opcodes that push `value`: None, bools, ints, str, bytes, Str2, tuples and Raw.

    protocol 0 writes text opcodes (INT, STRING, UNICODE), as Python 2 did; others binary ones.
    """
    if isinstance(value, Raw):
        return bytes(value)
    if value is None:
        return pickle.NONE
    if isinstance(value, bool):
        return (b"I01\n" if value else b"I00\n") if protocol == 0 else (
            pickle.NEWTRUE if value else pickle.NEWFALSE)
    if isinstance(value, int):
        if protocol == 0:
            return b"I%d\n" % value
        if 0 <= value < 256:
            return pickle.BININT1 + bytes([value])
        if -2**31 <= value < 2**31:
            return pickle.BININT + struct.pack("<i", value)
        raw = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
        return pickle.LONG1 + bytes([len(raw)]) + raw
    if isinstance(value, Str2):
        if protocol == 0:
            return b"S" + repr(bytes(value))[1:].encode("latin1") + b"\n"
        if len(value) < 256:
            return pickle.SHORT_BINSTRING + bytes([len(value)]) + value
        return pickle.BINSTRING + struct.pack("<i", len(value)) + value
    if isinstance(value, str):
        if protocol == 0:
            return b"V" + value.encode("raw_unicode_escape") + b"\n"
        raw = value.encode("utf-8")
        return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw
    if isinstance(value, bytes):
        return pickle.BINBYTES + struct.pack("<I", len(value)) + value
    if isinstance(value, tuple):
        return pickle.MARK + b"".join(ops(v, protocol) for v in value) + pickle.TUPLE
    raise TypeError(f"no opcodes for {type(value).__name__}")


def global_op(module: str, name: str) -> Raw:
    return Raw(pickle.GLOBAL + f"{module}\n{name}\n".encode())


def call(func: bytes, *args, protocol: int = 3) -> Raw:
    return Raw(func + ops(args, protocol) + pickle.REDUCE)


def numpy_dtype(name="f8", state=(3, "<", None, None, None, -1, -1, 0), args=(False, True),
                protocol: int = 3) -> Raw:
    """numpy.dtype(name, *args) given `state` by BUILD: what NumPy writes for a dtype."""
    return Raw(call(global_op("numpy", "dtype"), name, *args, protocol=protocol)
               + ops(state, protocol) + pickle.BUILD)


def reconstructed(shape, dtype: bytes, data, fortran=False, module="numpy._core.multiarray",
                  protocol: int = 3, typecode=b"b") -> Raw:
    """An array as protocols 0-4 write it: _reconstruct(ndarray, (0,), b'b'), BUILD its state."""
    return Raw(call(global_op(module, "_reconstruct"), global_op("numpy", "ndarray"), (0,),
                    typecode, protocol=protocol)
               + ops((1, tuple(shape), Raw(dtype), fortran, data), protocol) + pickle.BUILD)


def weight_file(entries: dict, protocol: int = 3) -> bytes:
    """A pickle of {key: value} (values as opcodes or plain values)."""
    items = b"".join(ops(k, protocol) + ops(v, protocol) for k, v in entries.items())
    head = pickle.PROTO + bytes([protocol]) if protocol >= 2 else b""
    return head + pickle.EMPTY_DICT + pickle.MARK + items + pickle.SETITEMS + pickle.STOP


def python2_pickle(params: dict[str, np.ndarray], protocol: int) -> bytes:
    """A dict of arrays as Python 2 with NumPy 1.x wrote it (protocol 0 or 2): keys and array
    data are Python 2 str, the dtype is dtype('f8', 0, 1), protocol 0 spells numbers as text."""
    entries = {}
    for key, array in params.items():
        order = "|" if array.dtype.itemsize == 1 else array.dtype.str[0]
        dtype = numpy_dtype(Str2(array.dtype.str[1:].encode()), (3, Str2(order.encode()), None, None,
                            None, -1, -1, 0), args=(0, 1), protocol=protocol)
        entries[Str2(key.encode())] = reconstructed(array.shape, dtype, Str2(array.tobytes()),
                                                    module="numpy.core.multiarray",
                                                    protocol=protocol, typecode=Str2(b"b"))
    return weight_file(entries, protocol)


NUMPY1_MODULES = {"numpy._core.multiarray": "numpy.core.multiarray",
                  "numpy._core.numeric": "numpy.core.numeric"}


def as_numpy1(data: bytes) -> bytes:
    """A NumPy 2 pickle as NumPy 1.x wrote it: numpy.core where NumPy 2 writes numpy._core
    (FRAMEs are dropped, since the lengths change)."""
    out = []
    opcodes = list(pickletools.genops(data))
    ends = [pos for _, _, pos in opcodes[1:]] + [len(data)]
    for (op, arg, pos), end in zip(opcodes, ends, strict=True):
        module = arg.split(" ", 1)[0] if isinstance(arg, str) else None
        if op.name == "FRAME":
            continue
        if op.name == "GLOBAL" and module in NUMPY1_MODULES:
            out.append(global_op(NUMPY1_MODULES[module], arg.split(" ", 1)[1]))
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE") and arg in NUMPY1_MODULES:
            out.append(ops(NUMPY1_MODULES[arg]))
        else:
            out.append(data[pos:end])
    return b"".join(out)


def every_writer(arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    """The same dict of arrays as every writer of the book's era and since pickles it: NumPy 2
    and NumPy 1.x in protocols 0 to 5 (with the C and the Python pickler), and Python 2."""
    files = {}
    for protocol in range(6):
        files[f"numpy2-p{protocol}"] = pickle.dumps(arrays, protocol=protocol)
        files[f"numpy2-python-pickler-p{protocol}"] = pickle._dumps(arrays, protocol=protocol)
        files[f"numpy1-p{protocol}"] = as_numpy1(files[f"numpy2-p{protocol}"])
    for protocol in (0, 2):
        files[f"python2-p{protocol}"] = python2_pickle(arrays, protocol)
    return files


def peak_bytes(fn) -> int:
    """The most memory that Python and NumPy allocated while fn() ran (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def expect(error: type[Exception], fn) -> None:
    """fn(), where raising `error` counts as an answer too."""
    try:
        fn()
    except error:
        pass


# -- the hostile cases ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One hostile input: `make` writes its files into a folder and returns zerodl's arguments;
    the one line zerodl prints must match `expect`."""

    name: str
    kind: str
    make: Callable[[Path], list[str]]
    expect: str


CASES: list[Case] = []


def case(kind: str, expect: str):
    def register(make):
        CASES.append(Case(make.__name__, kind, make, expect))
        return make
    return register


def f4(values) -> tuple[Raw, bytes]:
    array = np.asarray(values, "<f4")
    return numpy_dtype("f4"), array.tobytes()


def import_book(folder: Path, data: bytes, model: str = "three-layer") -> list[str]:
    (folder / "w.pkl").write_bytes(data)
    return ["import-book", str(folder / "w.pkl"), "--model", model, "--out", str(folder / "o.st")]


def one_array(array_ops: bytes, protocol: int = 3) -> bytes:
    return weight_file({"W1": Raw(array_ops)}, protocol)


def book_arrays(sizes=(784, 50, 100, 10), **replace) -> dict:
    rng = np.random.default_rng(0)
    arrays = {}
    for i in (1, 2, 3):
        arrays[f"W{i}"] = rng.standard_normal((sizes[i - 1], sizes[i])).astype("<f4")
        arrays[f"b{i}"] = rng.standard_normal(sizes[i]).astype("<f4")
    return {**arrays, **replace}


@case("pickle", r"dtype f8 has flags 63")
def dtype_with_lying_flags(folder):
    """The 214-byte crash: a float dtype whose state claims it holds Python objects."""
    dtype = numpy_dtype("f8", (3, "<", None, None, None, -1, -1, 63))
    return import_book(folder, one_array(reconstructed((2,), dtype, b"\x01" * 16)))


@case("pickle", r"dtype 'O8'; a weight file holds floats or integers")
def object_dtype(folder):
    return import_book(folder, one_array(reconstructed((2,), numpy_dtype("O8"), b"\x01" * 16)))


@case("pickle", r"dtype 'V0'; a weight file holds floats or integers")
def zero_itemsize_dtype(folder):
    """A void dtype of size 0: a billion elements cost no bytes in the file."""
    return import_book(folder, one_array(reconstructed((10**9,), numpy_dtype("V0"), b"")))


@case("pickle", r"dtype f8 has subarray a tuple of 2")
def subarray_dtype(folder):
    """f8 elements that are each a 10000x10000 sub-array: 800 MB per element once cast."""
    inner = numpy_dtype("f8")
    dtype = numpy_dtype("f8", (3, "<", (Raw(inner), (10000, 10000)), None, None, -1, -1, 0))
    return import_book(folder, one_array(reconstructed((4,), dtype, b"\x00" * 32)))


@case("pickle", r"dtype f8 has names a tuple of 1")
def structured_dtype(folder):
    dtype = numpy_dtype("f8", (3, "<", None, ("x",), None, 8, 1, 16))
    return import_book(folder, one_array(reconstructed((1,), dtype, b"\x00" * 8)))


@case("pickle", r"dtype f4 has byte order '='")
def native_byte_order_dtype(folder):
    return import_book(folder, one_array(reconstructed((1,), numpy_dtype("f4", (3, "=", None, None,
                                                       None, -1, -1, 0)), b"\x00" * 4)))


@case("pickle", r"shape \(1000000000, 1000000000\) and dtype <f8 needs 8000000000000000000 bytes,"
                r" and the file holds 8")
def count_times_itemsize_is_not_the_data(folder):
    return import_book(folder, one_array(reconstructed((10**9, 10**9), numpy_dtype("f8"), b"\0" * 8)))


@case("pickle", r"shape is a tuple of 2; a shape is a tuple of at most 32 sizes >= 0")
def negative_dimension(folder):
    return import_book(folder, one_array(reconstructed((-1, 4), numpy_dtype("f8"), b"")))


@case("pickle", r"a tuple of 40")
def too_many_dimensions(folder):
    return import_book(folder, one_array(reconstructed((1,) * 40, numpy_dtype("f8"), b"\0" * 8)))


@case("pickle", r"asks for posix\.system")
def runs_a_command(folder):
    marker = folder / "pwned"
    return import_book(folder, weight_file({"W1": call(global_op("posix", "system"),
                                                       f"touch {marker}")}))


@case("pickle", r"asks for builtins\.getattr")
def getattr_gadget(folder):
    return import_book(folder, weight_file({"W1": call(global_op("builtins", "getattr"),
                                                       Raw(global_op("numpy", "ndarray")), "dump")}))


@case("pickle", r"asks for numpy\._core\.multiarray\.scalar")
def numpy_scalar(folder):
    return import_book(folder, weight_file({"W1": call(global_op("numpy._core.multiarray", "scalar"),
                                                       Raw(numpy_dtype("f8")), b"\0" * 8)}))


@case("pickle", r"calls the global numpy\.ndarray")
def ndarray_called_directly(folder):
    return import_book(folder, weight_file({"W1": call(global_op("numpy", "ndarray"), (10**12,))}))


@case("pickle", r"_reconstruct with arguments other than")
def reconstruct_of_another_class(folder):
    """_reconstruct of another class than ndarray (NumPy's matrix or a subclass would be named)."""
    reduce = call(global_op("numpy.core.multiarray", "_reconstruct"),
                  global_op("numpy", "dtype"), (0,), b"b")
    return import_book(folder, weight_file({"W1": reduce}))


@case("pickle", r"asks for numpy\.matrix")
def matrix_global(folder):
    return import_book(folder, weight_file({"W1": Raw(global_op("numpy", "matrix"))}))


@case("pickle", r"gives a state to an array; only a new dtype or array takes one, once")
def second_build_on_an_array(folder):
    dtype, data = f4([1.0])
    array = reconstructed((1,), dtype, data)
    state = ops((1, (1,), Raw(numpy_dtype("f8")), False, b"\0" * 8))
    return import_book(folder, weight_file({"W1": Raw(array + state + pickle.BUILD)}))


@case("pickle", r"array data is a tuple of 2, not bytes")
def object_array_data(folder):
    return import_book(folder, one_array(reconstructed((2,), numpy_dtype("f8"), ("a", "b"))))


@case("pickle", r"_codecs\.encode with arguments other than \(text, 'latin1'\)")
def encode_to_utf8(folder):
    data = call(global_op("_codecs", "encode"), "\u0101" * 4, "utf-8", protocol=2)
    return import_book(folder, one_array(reconstructed((1,), numpy_dtype("f8"), data), 2))


@case("pickle", r"a text of 16777220 bytes holds characters beyond latin-1")
def astral_text_bomb(folder):
    """16 MB of UTF-8 with one astral character: 64 MB as a str, and more in bigger files."""
    text = "\U0001f600" + "a" * (16 << 20)
    data = call(global_op("_codecs", "encode"), text, "latin1", protocol=2)
    return import_book(folder, one_array(reconstructed((1,), numpy_dtype("f8"), data), 2))


@case("pickle", r"the value of 'W1' is a dict|a dict inside")
def nested_dict(folder):
    return import_book(folder, weight_file({"W1": Raw(pickle.EMPTY_DICT)}))


@case("pickle", r"a key is 7; the keys of a weight file are names")
def integer_key(folder):
    dtype, data = f4([1.0])
    return import_book(folder, weight_file({7: reconstructed((1,), dtype, data)}))


@case("pickle", r"the key 'W1' appears twice")
def duplicate_key(folder):
    dtype, data = f4([1.0])
    item = ops("W1") + reconstructed((1,), dtype, data)
    return import_book(folder, pickle.PROTO + b"\x03" + pickle.EMPTY_DICT + pickle.MARK + item * 2
                       + pickle.SETITEMS + pickle.STOP)


@case("pickle", r"persistent references")
def persistent_reference(folder):
    return import_book(folder, weight_file({"W1": Raw(ops("outside") + pickle.BINPERSID)}))


@case("pickle", r"out-of-band buffers")
def out_of_band_buffer(folder):
    return import_book(folder, pickle.PROTO + b"\x05" + pickle.NEXT_BUFFER + pickle.STOP)


@case("pickle", r"more than 10000 memo entries")
def memo_bomb(folder):
    return import_book(folder, pickle.PROTO + b"\x04" + pickle.NONE + pickle.MEMOIZE * 10**6)


@case("pickle", r"more than 10000 values on the stack")
def stack_bomb(folder):
    return import_book(folder, pickle.PROTO + b"\x04" + pickle.NONE * 10**6)


@case("pickle", r"MARKs nested more than 16 deep")
def mark_bomb(folder):
    return import_book(folder, pickle.MARK * 10**6)


@case("pickle", r"tuples nested more than 4 deep")
def nesting_bomb(folder):
    """A million nested tuples: a naive reader's repr or walk would blow the C stack."""
    return import_book(folder, pickle.NONE + pickle.TUPLE1 * 10**6)


@case("pickle", r"more than 100000 opcodes")
def opcode_bomb(folder):
    return import_book(folder, (pickle.PROTO + b"\x04") * 10**6)


@case("pickle", r"truncated: 4611686018427387904 bytes needed")
def huge_declared_bytes(folder):
    return import_book(folder, pickle.PROTO + b"\x05" + pickle.BINBYTES8 + struct.pack("<Q", 1 << 62))


@case("pickle", r"an integer of 2147483647 bytes")
def huge_long(folder):
    return import_book(folder, pickle.PROTO + b"\x02" + pickle.LONG4 + struct.pack("<i", 2**31 - 1))


@case("pickle", r"INT\): a text argument does not end with a newline within 256 bytes")
def long_text_integer(folder):
    return import_book(folder, b"I" + b"9" * 100_000 + b"\n")


@case("pickle", r"is not an integer of at most 19 digits")
def integer_of_thirty_digits(folder):
    return import_book(folder, b"I" + b"9" * 30 + b"\n")


@case("pickle", r"does not end with a newline within 256 bytes")
def long_global_name(folder):
    return import_book(folder, b"c" + b"a" * (8 << 20) + b"\n")


@case("pickle", r"more than a weight file may have")
def huge_sparse_file(folder):
    with open(folder / "w.pkl", "wb") as f:
        f.truncate(1 << 40)  # a terabyte that takes no disk
    return ["import-book", str(folder / "w.pkl"), "--model", "three-layer", "--out",
            str(folder / "o.st")]


@case("pickle", r"ends before STOP")
def truncated_book_file(folder):
    data = pickle.dumps({k: v for k, v in book_arrays().items()}, protocol=4)
    return import_book(folder, data[:len(data) // 2])


@case("pickle", r"3 bytes follow the end of the pickle")
def bytes_after_stop(folder):
    return import_book(folder, pickle.dumps(book_arrays(), protocol=2) + b"abc")


@case("pickle", r"opcode 0x|is not one that a dict of NumPy arrays")
def not_a_pickle(folder):
    return import_book(folder, idx_header(8, (10,)) + bytes(10))


@case("pickle", r"array W1 has dtype int32, expected floats")
def integer_weights(folder):
    return import_book(folder, pickle.dumps(book_arrays(W1=np.zeros((784, 50), np.int32))))


@case("pickle", r"W1 has shape \(784, 50\); simple-conv needs 4 dimensions")
def wrong_rank_for_simple_conv(folder):
    return import_book(folder, pickle.dumps(book_arrays()), "simple-conv")


@case("pickle", r"w\.pkl: (the config asks for )?a parameter of shape \(4320, 10000000\)")
def network_allocation_bomb(folder):
    """40 MB of weights whose shapes make SimpleConvNet allocate a 4320 x 10^7 matrix (173 GB)."""
    arrays = {"W1": np.zeros((30, 1, 5, 5), "f4"), "b1": np.zeros(30, "f4"),
              "W2": np.zeros((1, 10**7), "f4"), "b2": np.zeros(1, "f4"),
              "W3": np.zeros((1, 10), "f4"), "b3": np.zeros(10, "f4")}
    return import_book(folder, pickle.dumps(arrays, protocol=4), "simple-conv")


@case("pickle", r"tensor W1 holds NaN")
def nan_weights(folder):
    return import_book(folder, pickle.dumps(book_arrays(W1=np.full((784, 50), np.nan, "f4"))))


@case("pickle", r"missing tensor\(s\) b1, W2")
def wrong_tensors(folder):
    return import_book(folder, pickle.dumps({"W1": np.zeros((2, 2))}))


# -- IDX files -----------------------------------------------------------------------------------
def idx_header(type_code: int, shape) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def zeros_gzip(header: bytes, nbytes: int) -> bytes:
    """A gzip file of `header` and `nbytes` zeros, made of repeated members: a gigabyte in a few
    MB, produced in milliseconds (a gzip file may hold many members, read one after another)."""
    block = 1 << 24
    member = gzip.compress(b"\0" * block, compresslevel=9, mtime=0)
    first = gzip.compress(header, mtime=0)
    full, rest = divmod(nbytes, block)
    return first + member * full + gzip.compress(b"\0" * rest, mtime=0)


def small_dataset(folder: Path, n_train: int = 20, n_test: int = 10) -> Path:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for (images_file, labels_file), n in zip((FILES[:2], FILES[2:]), (n_train, n_test), strict=True):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        (data / images_file).write_bytes(gzip.compress(idx_header(8, images.shape) + images.tobytes()))
        (data / labels_file).write_bytes(gzip.compress(idx_header(8, (n,)) + bytes(i % 10 for i in range(n))))
    return data


def train_on(data: Path, folder: Path) -> list[str]:
    return ["train", "--dataset", str(data), "--epochs", "1", "--out", str(folder / "run")]


@case("idx", r"holds 2000000 images but train-labels-idx1-ubyte\.gz holds 10000 labels")
def images_outnumber_labels(folder):
    """The issue's bomb: 2,000,000 images in a few MB of gzip, with 10,000 labels."""
    data = small_dataset(folder)
    (data / FILES[0]).write_bytes(zeros_gzip(idx_header(8, (2_000_000, 28, 28)), 2_000_000 * 784))
    (data / FILES[1]).write_bytes(gzip.compress(idx_header(8, (10_000,)) + b"\0" * 10_000))
    return train_on(data, folder)


@case("idx", r"bytes of gzip, more than 100 times its size: refused as a decompression bomb")
def matching_counts_bomb(folder):
    """Images and labels agree on 2,000,000: 1.5 GB of zeros in a few MB."""
    data = small_dataset(folder)
    (data / FILES[0]).write_bytes(zeros_gzip(idx_header(8, (2_000_000, 28, 28)), 2_000_000 * 784))
    (data / FILES[1]).write_bytes(zeros_gzip(idx_header(8, (2_000_000,)), 2_000_000))
    return train_on(data, folder)


@case("idx", r"more than the limit of 2147483648")
def over_the_limit(folder):
    data = small_dataset(folder)
    header = idx_header(8, (2**31, 2**20, 2**10))
    (data / FILES[0]).write_bytes(gzip.compress(header))
    (data / FILES[1]).write_bytes(gzip.compress(idx_header(8, (2**31,))))
    return train_on(data, folder)


@case("idx", r"truncated: header declares shape \(100000000, 28, 28\).*found 784")
def plain_file_declares_more_than_it_holds(folder):
    data = small_dataset(folder)
    (data / FILES[2]).write_bytes(idx_header(8, (10**8, 28, 28)) + b"\0" * 784)
    (data / FILES[3]).write_bytes(idx_header(8, (10**8,)) + b"\0")
    return train_on(data, folder)


@case("idx", r"label 200 is outside 0\.\.9")
def label_out_of_range(folder):
    data = small_dataset(folder)
    (data / FILES[1]).write_bytes(gzip.compress(idx_header(8, (20,)) + bytes([200] * 20)))
    return train_on(data, folder)


@case("idx", r"element type is float32, expected uint8")
def float_images(folder):
    data = small_dataset(folder)
    (data / FILES[0]).write_bytes(gzip.compress(idx_header(0x0D, (20, 28, 28)) + b"\0" * 62720))
    return train_on(data, folder)


@case("idx", r"corrupt gzip data")
def corrupt_gzip(folder):
    data = small_dataset(folder)
    good = (data / FILES[0]).read_bytes()  # its CRC, in the last 8 bytes, no longer matches
    (data / FILES[0]).write_bytes(good[:-8] + bytes(b ^ 0x55 for b in good[-8:-4]) + good[-4:])
    return train_on(data, folder)


@case("idx", r"longer than its header says")
def labels_with_a_gigabyte_of_trailing_zeros(folder):
    data = small_dataset(folder)
    (data / FILES[1]).write_bytes(zeros_gzip(idx_header(8, (20,)) + bytes(20), 1 << 30))
    return train_on(data, folder)


# -- images --------------------------------------------------------------------------------------
def png(width: int, height: int, rows: int | None = None) -> bytes:
    """A grey PNG of width x height, with `rows` rows of zero pixels in its data (all by default)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compress, row = zlib.compressobj(9), b"\0" * (width + 1)
    idat = b"".join(compress.compress(row) for _ in range(height if rows is None else rows))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat + compress.flush())
            + chunk(b"IEND", b""))


def small_model(folder: Path) -> Path:
    from zerodl.nets import TwoLayerNet

    path = folder / "model.safetensors"
    TwoLayerNet(784, 10, 10, seed=0).save(path, dataset="mnist", classes=[str(i) for i in range(10)],
                                          framing="digit")
    return path


def predict(folder: Path, image: bytes, name: str = "x.png") -> list[str]:
    (folder / name).write_bytes(image)
    return ["predict", str(small_model(folder)), str(folder / name)]


@case("image", r"12000x10000 is 120,000,000 pixels, more than the limit of 16,777,216")
def png_of_120_megapixels(folder):
    return predict(folder, png(12000, 10000))


@case("image", r"refused by Pillow: Image size \(900000000 pixels\)")
def png_of_900_megapixels(folder):
    return predict(folder, png(30000, 30000, rows=10))


@case("image", r"not a readable image \(image file is truncated")
def truncated_png(folder):
    from PIL import Image

    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)).save(folder / "t.png")
    whole = (folder / "t.png").read_bytes()
    return predict(folder, whole[:len(whole) // 2])


@case("image", r"not a readable image \(cannot identify image file")
def png_with_a_broken_header_checksum(folder):
    whole = png(64, 64)
    return predict(folder, whole[:29] + bytes(b ^ 0xFF for b in whole[29:33]) + whole[33:])


@case("image", r"not a readable image")
def png_with_corrupt_pixel_data(folder):
    from PIL import Image

    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)).save(folder / "t.png")
    whole = bytearray((folder / "t.png").read_bytes())
    whole[100:2000] = bytes(b ^ 0x5A for b in whole[100:2000])
    return predict(folder, bytes(whole))


@case("image", r"not a readable image \(cannot identify image file")
def text_named_png(folder):
    return predict(folder, b"<html>not an image</html>")


@case("image", r"refused by Pillow: Image size \(4294836225 pixels\)")
def gif_of_4_gigapixels(folder):
    header = b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00"
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00\x02\x02\x44\x01\x00\x3b"
    return predict(folder, header + image, "x.gif")


# -- model files ---------------------------------------------------------------------------------
def model_with(folder: Path, metadata: dict | None = None, drop=(), tensors=None, raw=None) -> Path:
    """A small valid model file whose metadata (or whole contents) is then replaced."""
    from safetensors.numpy import save

    from zerodl.io import model_metadata, state_dict
    from zerodl.nets import TwoLayerNet

    path = folder / "m.safetensors"
    if raw is not None:
        path.write_bytes(raw)
        return path
    net = TwoLayerNet(784, 10, 10, seed=0)
    meta = {**model_metadata(net), "dataset": json.dumps("mnist")}
    meta.update(metadata or {})
    for key in drop:
        meta.pop(key)
    path.write_bytes(save(tensors if tensors is not None else dict(state_dict(net)), metadata=meta))
    return path


def evaluate(folder: Path, **kw) -> list[str]:
    return ["eval", str(model_with(folder, **kw)), "--dataset", str(small_dataset(folder))]


@case("model", r"metadata 'config' is nested too deeply")
def deeply_nested_config(folder):
    return evaluate(folder, metadata={"config": "[" * 100_000 + "]" * 100_000})


@case("model", r"metadata 'notes' is nested too deeply")
def deeply_nested_extra_metadata(folder):
    return evaluate(folder, metadata={"notes": "[" * 100_000 + "]" * 100_000})


@case("model", r"metadata 'classes' is a list of 3, and must be a list of 10 names")
def classes_do_not_match_the_outputs(folder):
    return evaluate(folder, metadata={"classes": json.dumps(["a", "b", "c"])})


@case("model", r"metadata 'classes' is a list of 12000")
def twelve_thousand_long_class_names(folder):
    return evaluate(folder, metadata={"classes": json.dumps(["x" * 60] * 12_000)})


@case("model", r"metadata 'classes' .* must be printable names of 1 to 64 characters")
def class_name_with_a_newline(folder):
    return evaluate(folder, metadata={"classes": json.dumps(["a\nzerodl: fake"] + ["b"] * 9)})


@case("model", r"metadata 'framing' is 'bogus', and must be 'digit' or 'fit'")
def bogus_framing(folder):
    return evaluate(folder, metadata={"framing": json.dumps("bogus")})


@case("model", r"metadata 'dataset' is a dict")
def dataset_is_not_a_name(folder):
    return evaluate(folder, metadata={"dataset": json.dumps({"path": "/"})})


@case("model", r"metadata 'config' is not valid JSON \(Exceeds the limit")
def integer_of_a_million_digits(folder):
    return evaluate(folder, metadata={"config": "9" * 1_000_000})


@case("model", r"format version '2'; this zerodl reads version 1")
def future_format_version(folder):
    return evaluate(folder, metadata={"format_version": "2"})


@case("model", r"unknown model 'resnet\\nxx*'\.\.\. \(10007 characters\): zerodl has")
def unknown_model_with_a_newline(folder):
    return evaluate(folder, metadata={"model": "resnet\n" + "x" * 10_000})


@case("model", r"a header of 100000000 bytes, more than a model file's 1048576")
def huge_header(folder):
    header = json.dumps({"__metadata__": {"pad": "x" * (100_000_000 - 30)}}).encode()
    header += b" " * (100_000_000 - len(header))
    return evaluate(folder, raw=struct.pack("<Q", len(header)) + header)


@case("model", r"a header of 9223372036854775807 bytes declared in a file of 16")
def header_length_beyond_the_file(folder):
    return evaluate(folder, raw=struct.pack("<Q", 2**63 - 1) + b"{}      ")


@case("model", r"unexpected tensor\(s\) junk0, junk1, junk10, junk100, junk1000 and 9995 more")
def ten_thousand_tensors(folder):
    from zerodl.io import state_dict
    from zerodl.nets import TwoLayerNet

    tensors = dict(state_dict(TwoLayerNet(784, 10, 10, seed=0)))
    tensors.update({f"junk{i}": np.zeros(0, np.float32) for i in range(10_000)})
    return evaluate(folder, tensors=tensors)


@case("model", r"m\.safetensors: (the config asks for )?a parameter of shape \(1000000, 1000000\)")
def config_allocation_bomb(folder):
    config = {"input_size": 10**6, "hidden_size": 10**6, "output_size": 10, "weight_init_std": 0.01}
    return evaluate(folder, metadata={"config": json.dumps(config)})


# -- running a case ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What one zerodl process did: exit status (or the signal that killed it), output, cost."""

    returncode: int
    signal: int | None
    stdout: str
    stderr: str
    peak_mib: float
    seconds: float


# Linux counts in a child's ru_maxrss the memory it had before exec, which a fork copies from
# its parent: a small launcher forks zerodl, so that a big test process does not inflate it.
_LAUNCHER = """
import os, sys
pid = os.spawnv(os.P_NOWAIT, sys.executable, [sys.executable, "-m", "zerodl", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{status} {usage.ru_maxrss}")
"""


def run_zerodl(args: list[str], env: dict[str, str], timeout: float = 120) -> Outcome:
    """Run `python -m zerodl ARGS`; measure its wall time, and its peak resident memory with
    wait4 (that process's alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report"
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), *args], env=env,
                                  capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout,
                                  start_new_session=True)
        except subprocess.TimeoutExpired as e:
            return Outcome(-9, 9, (e.stdout or b"").decode(errors="replace"),
                           (e.stderr or b"").decode(errors="replace"), float("nan"), timeout)
        seconds = time.perf_counter() - start
        status, maxrss = map(int, report.read_text().split())
    return Outcome(os.waitstatus_to_exitcode(status),
                   os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                   done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"),
                   maxrss / 1024, seconds)


def isolated_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZERODL_")}
    env.update(ZERODL_CACHE_DIR=str(folder / "cache"), PYTHONWARNINGS="default")
    return env


def run_case(c: Case, folder: Path) -> Outcome:
    args = c.make(folder)
    return run_zerodl(["-q", *args], isolated_env(folder))


def check(c: Case, outcome: Outcome) -> list[str]:
    """What is wrong with an outcome: not exit 2, not exactly one line, not the expected line."""
    problems = []
    if outcome.signal is not None:
        problems.append(f"killed by signal {outcome.signal}")
    elif outcome.returncode != 2:
        problems.append(f"exit status {outcome.returncode}")
    lines = outcome.stderr.splitlines()
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    elif not (lines[0].startswith("zerodl: ") and re.search(c.expect, lines[0])):
        problems.append(f"the line does not match {c.expect!r}")
    if len(outcome.stdout) > 1000:
        problems.append(f"{len(outcome.stdout)} characters on stdout")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="keep the hostile files in this folder")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    args = parser.parse_args(argv)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        for c in CASES:
            if args.only and c.name not in args.only:
                continue
            folder = root / c.name
            folder.mkdir(parents=True, exist_ok=True)
            outcome = run_case(c, folder)
            problems = check(c, outcome)
            failures += bool(problems)
            line = outcome.stderr.strip().splitlines()[-1] if outcome.stderr.strip() else ""
            print(f"{c.kind:6} {c.name:44} exit {outcome.returncode:3} {outcome.peak_mib:6.0f} MiB"
                  f" {outcome.seconds:5.2f} s  {'; '.join(problems) or 'ok'}\n       {line[:150]}")
    print(f"{len(CASES) - failures} of {len(CASES)} held" if not args.only else "")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
