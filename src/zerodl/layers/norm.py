"""Chapter 6's regularising layers: Batch Normalization and Dropout.

Both behave differently in training and in inference, so their forward takes train_flg.
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


class BatchNormalization(Layer):
    """Normalise each feature (N, D) or each channel (N, C, H, W) to zero mean, unit variance,
    then scale by gamma and shift by beta: shape in -> same shape out.

    Training uses the batch's statistics and updates running averages; inference uses those
    averages. For 4-D input the statistics are per channel, over N, H and W (the book's code
    normalises every activation separately, which is not Batch Normalization for convolutions).
    style='standard' (default) or 'book' sets eps and the running variance's start (see
    BATCHNORM_STYLES); an explicit eps overrides the style's.
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
            mu = x2.mean(axis=0)
            xc = x2 - mu
            var = (xc**2).mean(axis=0)
            std = get_array_module(x).sqrt(var + self.eps)
            self.batch_size, self.xc, self.std = x2.shape[0], xc, std
            self.xn = xc / std
            self.running_mean[...] = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var[...] = self.momentum * self.running_var + (1 - self.momentum) * var
            xn = self.xn
        else:
            xn = (x2 - self.running_mean) / get_array_module(x).sqrt(self.running_var + self.eps)
        return self._from_2d(self.gamma * xn + self.beta, x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        d2 = self._to_2d(dout)
        self.dbeta = d2.sum(axis=0)
        self.dgamma = (self.xn * d2).sum(axis=0)
        dxn = self.gamma * d2
        dxc = dxn / self.std
        dstd = -((dxn * self.xc) / (self.std * self.std)).sum(axis=0)
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dmu = dxc.sum(axis=0)
        dx = dxc - dmu / self.batch_size
        return self._from_2d(dx, self.input_shape)


class Dropout(Layer):
    """Drop each unit with probability dropout_ratio while training: any shape -> same shape.

    scale='inverted' (default) multiplies kept units by 1 / (1 - p) in training, so inference is
    the identity. scale='book' keeps the book's variant: no scaling in training, times (1 - p)
    in inference. Both give the same expected output.
    """

    has_train_mode = True

    def __init__(self, dropout_ratio: float = 0.5, *, scale: str = "inverted",
                 rng: np.random.Generator | None = None) -> None:
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"dropout_ratio must lie in [0, 1), got {dropout_ratio}")
        if scale not in ("inverted", "book"):
            raise ValueError(f"Dropout scale must be 'inverted' or 'book', got {scale!r}")
        self.dropout_ratio, self.scale = dropout_ratio, scale
        self.rng = rng if rng is not None else np.random.default_rng()

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        keep = 1.0 - self.dropout_ratio
        if train_flg:
            # drawn from the network's NumPy generator even for a GPU network, so that a run is
            # reproducible and a checkpoint restores it, wherever it runs
            mask = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
            self.mask = get_array_module(x).asarray(mask)
            self.mask_scale = (1.0 / keep) if self.scale == "inverted" else 1.0
            return x * self.mask * x.dtype.type(self.mask_scale)
        return x if self.scale == "inverted" else x * x.dtype.type(keep)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.mask * dout.dtype.type(self.mask_scale)
