"""Datasets: MNIST and Fashion-MNIST from IDX files, found, verified, downloaded and cached."""

from zerodl.datasets.idx import read_idx
from zerodl.datasets.mnist import (
    cache_dir,
    dataset_aliases,
    find_dataset,
    load_mnist,
    load_raw,
    one_hot,
    split_validation,
)
from zerodl.datasets.sources import DATASETS

__all__ = [
    "DATASETS",
    "cache_dir",
    "dataset_aliases",
    "find_dataset",
    "load_mnist",
    "load_raw",
    "one_hot",
    "read_idx",
    "split_validation",
]
