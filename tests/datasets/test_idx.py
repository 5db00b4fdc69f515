import gzip
import struct

import numpy as np
import pytest

from hostile.corpus import expect, peak_bytes
from zerodl.datasets import read_idx
from zerodl.datasets.idx import MAX_GZIP_RATIO, check_budget, read_idx_header
from zerodl.errors import DataError


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def images():
    return np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path, images, compress):
    data = idx_bytes(images)
    path = tmp_path / ("x.gz" if compress else "x")
    path.write_bytes(gzip.compress(data) if compress else data)
    out = read_idx(path, expected_ndim=3, expected_dtype=np.uint8)
    np.testing.assert_array_equal(out, images)


def test_other_element_types(tmp_path):
    a = np.array([[1.5, -2.0]], dtype=np.float32)
    (tmp_path / "f").write_bytes(idx_bytes(a, 0x0D))
    np.testing.assert_array_equal(read_idx(tmp_path / "f"), a)


def test_wrong_magic(tmp_path, images):
    (tmp_path / "x").write_bytes(b"\x01\x02" + idx_bytes(images)[2:])
    with pytest.raises(DataError, match="magic number"):
        read_idx(tmp_path / "x")


def test_unknown_type(tmp_path, images):
    (tmp_path / "x").write_bytes(idx_bytes(images, 0x07))
    with pytest.raises(DataError, match="element type 0x07"):
        read_idx(tmp_path / "x")


def test_wrong_dimensions_and_dtype(tmp_path, images):
    (tmp_path / "x").write_bytes(idx_bytes(images))
    with pytest.raises(DataError, match="3 dimensions, expected 1"):
        read_idx(tmp_path / "x", expected_ndim=1)
    with pytest.raises(DataError, match="expected float32"):
        read_idx(tmp_path / "x", expected_dtype=np.float32)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_file_names_file_and_sizes(tmp_path, images, compress):
    data = idx_bytes(images)[:-5]
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(DataError, match=r"short\.gz: truncated.*\(2, 3, 4\).*24 bytes.*found 19"):
        read_idx(path)


def test_trailing_bytes(tmp_path, images):
    (tmp_path / "x").write_bytes(idx_bytes(images) + b"junk")
    with pytest.raises(DataError, match="longer than its header"):
        read_idx(tmp_path / "x")


def test_huge_declared_size_fails_without_allocating(tmp_path):
    header = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 2**20, 2**10)
    (tmp_path / "x.gz").write_bytes(gzip.compress(header + b"\x00" * 100))
    with pytest.raises(DataError, match=r"x\.gz: header declares shape .* more than the limit"):
        read_idx(tmp_path / "x.gz")
    (tmp_path / "x").write_bytes(header + b"\x00" * 100)
    with pytest.raises(DataError, match=r"x: truncated: .* found 100"):
        read_idx(tmp_path / "x")


def test_corrupt_gzip_and_missing_file(tmp_path):
    (tmp_path / "x.gz").write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(tmp_path / "x.gz")
    with pytest.raises(DataError, match="not found"):
        read_idx(tmp_path / "nope.gz")


def test_impossible_dimensions_with_a_zero(tmp_path):
    header = bytes([0, 0, 0x0C, 4]) + struct.pack(">4I", 0, 76641, 1708537, 17609385)
    (tmp_path / "x").write_bytes(header)
    with pytest.raises(DataError, match="impossible dimensions"):
        read_idx(tmp_path / "x")


def test_a_gzip_bomb_is_refused_from_its_header(tmp_path):
    """64 MiB of zeros compress to 64 KB: more than any image data, refused before decompressing."""
    images = np.zeros((1 << 16, 32, 32), np.uint8)
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(idx_bytes(images), compresslevel=9))
    assert (1 << 26) > MAX_GZIP_RATIO * (tmp_path / "bomb.gz").stat().st_size
    header = read_idx_header(tmp_path / "bomb.gz")
    assert header.nbytes == 1 << 26 and header.compressed
    with pytest.raises(DataError, match=r"bomb\.gz: header declares shape \(65536, 32, 32\).*"
                                        r"decompression bomb"):
        check_budget(header, "bomb.gz")
    assert peak_bytes(lambda: expect(DataError, lambda: read_idx(tmp_path / "bomb.gz"))) < 1 << 20


def test_small_files_compress_as_well_as_they_like(tmp_path):
    labels = np.zeros(60000, np.uint8)  # 60 KB of one class: a ratio of 600, but too small to hurt
    (tmp_path / "labels.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels.gz"), labels)


def test_declared_size_is_checked_against_the_memory_left(tmp_path, monkeypatch):
    import zerodl.budget

    (tmp_path / "x").write_bytes(idx_bytes(np.zeros((10, 28, 28), np.uint8)))
    monkeypatch.setattr(zerodl.budget, "available_memory", lambda: 1000)
    with pytest.raises(DataError, match=r"x: header declares shape \(10, 28, 28\).*needs 7,840 bytes,"
                                        r" and only 1,000 bytes of memory are available"):
        read_idx(tmp_path / "x")


def test_header_alone_gives_shape_and_type(tmp_path, images):
    (tmp_path / "x.gz").write_bytes(gzip.compress(idx_bytes(images)))
    header = read_idx_header(tmp_path / "x.gz", 3, np.uint8)
    assert header.shape == (2, 3, 4) and header.nbytes == 24 and header.length == 16
