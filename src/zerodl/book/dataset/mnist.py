"""dataset.mnist: the book's load_mnist over zerodl's datasets.

The book's loader downloads from a host that no longer serves the files. This one reads the
dataset that the run chose (`zerodl book run --dataset`, MNIST by default), found, verified by
checksum and cached by zerodl.datasets.
"""

import numpy as np

from zerodl import datasets
from zerodl.book.settings import current

__all__ = ["load_mnist", "np"]


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False):
    """(x_train, t_train), (x_test, t_test), in the types the book's loader gives them.

    Images are float32 in [0, 1] with normalize, else uint8, shaped (N, 784) with flatten, else
    (N, 1, 28, 28). Labels are uint8 (N,), or float64 one-hot (N, 10) with one_hot_label: a
    script that prints a label prints np.uint8(7), as it does on the book's code.
    """
    s = current()
    (x_train, t_train), (x_test, t_test) = datasets.load_mnist(
        normalize, flatten, dataset=s.dataset, data_dir=s.data_dir, download=s.download)
    return (x_train, _labels(t_train, one_hot_label)), (x_test, _labels(t_test, one_hot_label))


def _labels(t: np.ndarray, one_hot_label: bool) -> np.ndarray:
    return datasets.one_hot(t).astype(np.float64) if one_hot_label else t.astype(np.uint8)
