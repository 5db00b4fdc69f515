"""The parsed-array cache: keyed by the SHA-256 of each file, it can only ever stand for the
bytes it was made from, and a named dataset is verified against its checksums on every load."""

import os

import numpy as np
import pytest
from test_mnist import make_files, spec_for, write

from zerodl.datasets import DATASETS, find_dataset, load_mnist
from zerodl.datasets.mnist import _parsed_cache_path
from zerodl.datasets.sources import FILES
from zerodl.errors import DataError


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """A named dataset 'tiny' with known checksums, an empty cache and no data folder."""
    files = make_files()
    monkeypatch.setitem(DATASETS, "tiny", spec_for(files))
    monkeypatch.setenv("ZERODL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ZERODL_DATA_DIR", raising=False)
    return files


def test_a_named_dataset_is_never_served_from_a_cache_of_unverified_files(tiny, tmp_path):
    """The issue's attack: other files, loaded once by path, later found as the named dataset."""
    write(tmp_path / "mine", make_files(seed=1))
    load_mnist(dataset=str(tmp_path / "mine"))  # cached now
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tiny").symlink_to(tmp_path / "mine")
    with pytest.raises(DataError, match=r"data/tiny/train-images-idx3-ubyte\.gz: checksum mismatch"
                                        r" .*; not used"):
        find_dataset("tiny", data_dir=tmp_path / "data", download=False)
    location = find_dataset(str(tmp_path / "mine"))
    assert location.spec is None and location.name == str((tmp_path / "mine").resolve())


def test_the_cache_follows_the_content_not_the_name_size_or_time(tiny, tmp_path):
    write(tmp_path / "d", make_files(seed=1))
    (first, _), _ = load_mnist(dataset=str(tmp_path / "d"), normalize=False)
    target = tmp_path / "d" / FILES[0]
    stat = target.stat()
    target.write_bytes(make_files(seed=2)[FILES[0]])  # same size: 20 random images either way
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    (second, _), _ = load_mnist(dataset=str(tmp_path / "d"), normalize=False)
    assert not np.array_equal(first, second)


def test_a_cache_entry_that_disagrees_with_the_header_is_not_used(tiny, tmp_path):
    write(tmp_path / "d", make_files())
    entry = _parsed_cache_path(tmp_path / "d" / FILES[0])
    entry.parent.mkdir(parents=True)
    np.save(entry, np.zeros((10**4, 28, 28), np.uint8))  # not the 20 images the file holds
    (x, _), _ = load_mnist(dataset=str(tmp_path / "d"), normalize=False)
    assert x.shape == (20, 784) and x.any()


def test_a_verified_dataset_changed_after_caching_is_refused(tiny, tmp_path):
    write(tmp_path / "tiny", tiny)
    load_mnist(dataset="tiny", data_dir=tmp_path, download=False)
    (tmp_path / "tiny" / FILES[2]).write_bytes(make_files(seed=3)[FILES[2]])
    with pytest.raises(DataError, match="checksum mismatch"):
        load_mnist(dataset="tiny", data_dir=tmp_path, download=False)
