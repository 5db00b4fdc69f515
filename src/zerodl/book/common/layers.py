"""common.layers: zerodl's layers under the book's names and constructor arguments.

Dropout and BatchNormalization follow the conventions of the run (zerodl.book.settings): with
the book's, Dropout keeps units unscaled in training and scales by 1 - p at inference, and
BatchNormalization adds 1e-6 under the square root and starts its running averages at zero.
Like the book's module, this one also exports the functions of common.functions, im2col and
col2im.
"""

import numpy as np

from zerodl import layers
from zerodl.book.common import functions
from zerodl.book.common.functions import *  # noqa: F403 - the book's layers module exports them
from zerodl.book.common.util import col2im, im2col
from zerodl.book.settings import current, numpy_seed
from zerodl.layers import Affine, Convolution, Pooling, Relu, Sigmoid, SoftmaxWithLoss

__all__ = ["Affine", "BatchNormalization", "Convolution", "Dropout", "Pooling", "Relu", "Sigmoid",
           "SoftmaxWithLoss", "col2im", "im2col", *functions.__all__]


class Dropout(layers.Dropout):
    """The book's Dropout(dropout_ratio): its masks drawn from a generator that NumPy's global
    one seeds, scaled as the run's conventions say."""

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        super().__init__(dropout_ratio, scale=current().conventions.dropout_scale,
                         rng=np.random.default_rng(numpy_seed()))


class BatchNormalization(layers.BatchNormalization):
    """The book's BatchNormalization(gamma, beta, momentum, running_mean, running_var), with the
    eps and the starting running variance of the run's conventions."""

    def __init__(self, gamma, beta, momentum: float = 0.9, running_mean=None,
                 running_var=None) -> None:
        super().__init__(gamma, beta, momentum, running_mean, running_var,
                         style=current().conventions.batchnorm_style)
