"""Reader for the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file is: two zero bytes, one byte naming the element type, one byte giving the number of
dimensions, each dimension as a big-endian uint32, then the elements in C order. Every field is
checked, and the declared size is compared with what the file really holds *before* the data is
read, so a damaged header cannot make the reader allocate more than the file justifies.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

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
_CHUNK = 1 << 20


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


def parse_idx(raw_stream, name: str, expected_ndim: int | None = None,
              expected_dtype: np.dtype | None = None) -> np.ndarray:
    """Parse an IDX stream (already decompressed); `name` is used in error messages."""
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
    expected_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    # One byte more than expected tells a file with trailing garbage from an exact one.
    data = _read_up_to(raw_stream, expected_bytes + 1)
    if len(data) != expected_bytes:
        what = "truncated" if len(data) < expected_bytes else "longer than its header says"
        raise DataError(
            f"{name}: {what}: header declares shape {shape} ({expected_bytes} bytes of data),"
            f" found {len(data) if len(data) <= expected_bytes else 'more'}"
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path, expected_ndim: int | None = None,
             expected_dtype: np.dtype | None = None) -> np.ndarray:
    """Read an IDX file (gzip or plain) into an array, checking magic, type, dimensions and size."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
            f.seek(0)
            if magic == GZIP_MAGIC:
                with gzip.GzipFile(fileobj=f) as gz:
                    return parse_idx(gz, str(path), expected_ndim, expected_dtype)
            return parse_idx(f, str(path), expected_ndim, expected_dtype)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: corrupt gzip data ({e})") from None
