"""Batch Normalization (chapter 6): each feature normalised over the batch.

It behaves differently in training and in inference, so its forward takes train_flg.
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.layers.basic import Layer

# style: (eps, the running variance before any batch). Today's libraries add 1e-5 under the
# square root and start the variance at one; the book's code adds 1e-6 (written 10e-7) and
# starts at zero. With tiny activations (initial weights of 1e-4, say) eps decides how far a
# batch is normalised at all, and until the averages have filled, how inference scales.
BATCHNORM_STYLES = {"standard": (1e-5, 1.0), "book": (1e-6, 0.0)}


class BatchSums:
    """The sums over a batch's rows that Batch Normalization takes: over the rows it was given.
    Data-parallel training replaces them by sums over the ranks' rows together
    (zerodl.distributed), so that each rank normalises with the statistics of the whole batch."""

    def rows(self, rows: int) -> int:
        return rows

    def of_data(self, values: np.ndarray) -> np.ndarray:
        return values.sum(axis=0)

    def of_gradients(self, values: np.ndarray) -> np.ndarray:
        return values.sum(axis=0)


class BatchNormalization(Layer):
    """Normalise each feature (N, D) or each channel (N, C, H, W) to zero mean, unit variance,
    then scale by gamma and shift by beta: shape in -> same shape out.

        mu = mean(x),  var = mean((x - mu)^2),  xn = (x - mu) / sqrt(var + eps),
        y = gamma * xn + beta

    Training uses the batch's statistics and updates running averages; inference uses those
    averages. Forward keeps the centred input xc, the std and xn: backward needs all three,
    because in training mu and var themselves depend on every x of the batch. In inference
    they are constants, and the gradient is only gamma / std.

    For 4-D input the statistics are per channel, over N, H and W (the book's code normalises
    every activation separately, which is not Batch Normalization for convolutions).
    style='standard' (default) or 'book' sets eps and the running variance's start (see
    BATCHNORM_STYLES); an explicit eps overrides the style's. Every sum over the batch goes
    through `self.sums` (a BatchSums), which data-parallel training replaces.
    """

    param_names = ("gamma", "beta")
    has_train_mode = True

    def __init__(self, gamma: np.ndarray, beta: np.ndarray, momentum: float = 0.9,
                 running_mean: np.ndarray | None = None, running_var: np.ndarray | None = None,
                 eps: float | None = None, *, style: str = "standard") -> None:
        if style not in BATCHNORM_STYLES:
            raise ValueError(f"BatchNormalization style must be 'standard' or 'book', got {style!r}")
        style_eps, start_var = BATCHNORM_STYLES[style]
        self.gamma, self.beta = gamma, beta
        self.momentum, self.eps, self.style = momentum, style_eps if eps is None else eps, style
        self.running_mean = np.zeros_like(gamma) if running_mean is None else running_mean
        self.running_var = np.full_like(gamma, start_var) if running_var is None else running_var
        self.dgamma = self.dbeta = None
        self.sums = BatchSums()

    @staticmethod
    def _to_2d(x: np.ndarray) -> np.ndarray:
        """(N, C, H, W) -> (N*H*W, C) so that each column is one channel; (N, D) unchanged."""
        return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1]) if x.ndim == 4 else x

    @staticmethod
    def _from_2d(x2: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        if len(shape) == 4:
            n, c, h, w = shape
            return x2.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return x2

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        if x.ndim not in (2, 4) or x.shape[1] != self.gamma.shape[0]:
            raise ValueError(f"BatchNormalization with {self.gamma.shape[0]} features/channels got"
                             f" input of shape {x.shape}; expected (N, D) or (N, C, H, W)")
        self.input_shape = x.shape
        x2 = self._to_2d(x)
        if train_flg:
            # two passes: the variance of the centred values, never E[x^2] - mu^2
            n = self.sums.rows(x2.shape[0])
            mu = self.sums.of_data(x2) / x2.dtype.type(n)
            xc = x2 - mu
            var = self.sums.of_data(xc**2) / x2.dtype.type(n)
            std = get_array_module(x).sqrt(var + self.eps)
            self.batch_size, self.xc, self.std = n, xc, std
            self.xn = xc / std
            self.running_mean[...] = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var[...] = self.momentum * self.running_var + (1 - self.momentum) * var
            xn = self.xn
        else:
            self.batch_size = None  # the statistics are the running ones: constants
            self.std = get_array_module(x).sqrt(self.running_var + self.eps)
            self.xn = xn = (x2 - self.running_mean) / self.std
        return self._from_2d(self.gamma * xn + self.beta, x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        d2 = self._to_2d(dout)
        # gamma's and beta's gradients are this batch's own (data-parallel training averages
        # them with the other gradients); the two sums that couple the samples go through sums
        self.dbeta = d2.sum(axis=0)
        self.dgamma = (self.xn * d2).sum(axis=0)
        dxn = self.gamma * d2
        dxc = dxn / self.std
        if self.batch_size is None:
            return self._from_2d(dxc, self.input_shape)
        dstd = -self.sums.of_gradients((dxn * self.xc) / (self.std * self.std))
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dmu = self.sums.of_gradients(dxc)
        dx = dxc - dmu / self.batch_size
        return self._from_2d(dx, self.input_shape)
