"""Reader for the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file is: two zero bytes, one byte naming the element type, one byte giving the number of
dimensions, each dimension as a big-endian uint32, then the elements in C order. Every field is
checked, and the size the header declares is budgeted *before* any data is read: it must fit a
limit (MAX_IDX_BYTES) and the memory left; an uncompressed file must hold exactly that many
bytes; a gzip file may not declare more than MAX_GZIP_RATIO times its own size, since image data
never compresses that well and a stream of zeros (a decompression bomb) does.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zerodl.budget import require_memory
from zerodl.errors import DataError

IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
MAX_IDX_BYTES = 2 << 30  # EMNIST, the largest MNIST-like set, is 0.7 GB
MAX_GZIP_RATIO = 100  # MNIST's images compress 5 to 1, its labels 2 to 1
RATIO_FREE_BYTES = 1 << 20  # below this, no ratio can hurt
_CHUNK = 1 << 20


@dataclass(frozen=True)
class IdxHeader:
    """What an IDX header declares (the element type, the shape, its own length in bytes), and
    the file it came from: its size on disk, and whether that is gzip."""

    dtype: np.dtype
    shape: tuple[int, ...]
    length: int
    stored: int
    compressed: bool

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def size_text(self) -> str:
        return f"header declares shape {self.shape} ({self.nbytes} bytes of data)"


def _read_up_to(stream, limit: int) -> bytes:
    """Read at most `limit` bytes in chunks, so memory follows the data, not the request."""
    parts, total = [], 0
    while total < limit:
        chunk = stream.read(min(_CHUNK, limit - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def parse_header(raw_stream, name: str, stored: int, compressed: bool,
                 expected_ndim: int | None = None, expected_dtype: np.dtype | None = None) -> IdxHeader:
    """Read and check an IDX header from a (decompressed) stream of a file of `stored` bytes;
    `name` is used in errors."""
    header = _read_up_to(raw_stream, 4)
    if len(header) < 4:
        raise DataError(f"{name}: not an IDX file: only {len(header)} bytes, a header needs 4")
    if header[:2] != b"\x00\x00":
        raise DataError(
            f"{name}: not an IDX file: magic number starts with {header[:2].hex()}, expected 0000"
        )
    type_code, ndim = header[2], header[3]
    if type_code not in IDX_DTYPES:
        raise DataError(f"{name}: unknown IDX element type 0x{type_code:02x}")
    dtype = IDX_DTYPES[type_code]
    if expected_dtype is not None and dtype.kind + str(dtype.itemsize) != (
        np.dtype(expected_dtype).kind + str(np.dtype(expected_dtype).itemsize)
    ):
        raise DataError(f"{name}: element type is {dtype.name}, expected {np.dtype(expected_dtype).name}")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DataError(f"{name}: has {ndim} dimensions, expected {expected_ndim}")
    dims_raw = _read_up_to(raw_stream, 4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DataError(f"{name}: truncated header: {ndim} dimensions declared, file ends before them")
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
    # NumPy refuses shapes whose extent overflows even when one dimension is 0 (no data at all)
    if math.prod(d for d in shape if d) * dtype.itemsize > np.iinfo(np.intp).max:
        raise DataError(f"{name}: header declares impossible dimensions {shape}")
    return IdxHeader(dtype, shape, 4 + 4 * ndim, stored, compressed)


def check_budget(header: IdxHeader, name: str) -> None:
    """Refuse a declared size before it is allocated: over the limit, over the memory left, not
    what an uncompressed file holds, or too much for a gzip file of its size."""
    nbytes, stored = header.nbytes, header.stored
    if not header.compressed and stored - header.length != nbytes:
        found = stored - header.length
        what = "truncated" if found < nbytes else "longer than its header says"
        raise DataError(f"{name}: {what}: {header.size_text}, found {found}")
    if nbytes > MAX_IDX_BYTES:
        raise DataError(f"{name}: {header.size_text}, more than the limit of {MAX_IDX_BYTES}")
    if header.compressed and nbytes > RATIO_FREE_BYTES and nbytes > MAX_GZIP_RATIO * stored:
        raise DataError(f"{name}: {header.size_text} in {stored} bytes of gzip, more than"
                        f" {MAX_GZIP_RATIO} times its size: refused as a decompression bomb")
    require_memory(nbytes, f"{name}: {header.size_text}", DataError)


def _read_data(stream, header: IdxHeader, name: str) -> np.ndarray:
    """The elements, read straight into one array of the budgeted size."""
    data = np.empty(header.nbytes, np.uint8)
    view, got = memoryview(data), 0
    while got < header.nbytes and (n := stream.readinto(view[got:got + _CHUNK])):
        got += n
    # One byte more than declared tells a file with trailing garbage from an exact one.
    if got < header.nbytes or stream.read(1):
        what = "truncated" if got < header.nbytes else "longer than its header says"
        raise DataError(f"{name}: {what}: {header.size_text}, found"
                        f" {got if got < header.nbytes else 'more'}")
    return data.view(header.dtype).reshape(header.shape).astype(header.dtype.newbyteorder("="),
                                                               copy=False)


@contextmanager
def _open_idx(path: Path, expected_ndim, expected_dtype) -> Iterator[tuple[IdxHeader, object]]:
    """The checked header of an IDX file, and the stream positioned after it."""
    try:
        with open(path, "rb") as f:
            stored = os.fstat(f.fileno()).st_size
            compressed = f.read(2) == GZIP_MAGIC
            f.seek(0)
            stream = gzip.GzipFile(fileobj=f) if compressed else f
            with stream:
                yield parse_header(stream, str(path), stored, compressed, expected_ndim,
                                   expected_dtype), stream
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: corrupt gzip data ({e})") from None


def read_idx_header(path, expected_ndim: int | None = None,
                    expected_dtype: np.dtype | None = None) -> IdxHeader:
    """Read and check an IDX file's header, decompressing only the header (check_budget then
    says whether what it declares may be read)."""
    with _open_idx(Path(path), expected_ndim, expected_dtype) as (header, _):
        return header


def read_idx(path, expected_ndim: int | None = None,
             expected_dtype: np.dtype | None = None) -> np.ndarray:
    """Read an IDX file (gzip or plain) into an array, checking magic, type, dimensions and size."""
    path = Path(path)
    with _open_idx(path, expected_ndim, expected_dtype) as (header, stream):
        check_budget(header, str(path))
        return _read_data(stream, header, str(path))
