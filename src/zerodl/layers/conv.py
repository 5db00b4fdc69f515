"""Chapter 7's layers: Convolution, max and average Pooling, and Flatten."""

from __future__ import annotations

import numpy as np

from zerodl.im2col import col2im, im2col, output_size
from zerodl.layers.basic import Layer


class Convolution(Layer):
    """Filters W (FN, C, FH, FW) and biases b (FN,): (N, C, H, W) -> (N, FN, OH, OW)."""

    param_names = ("W", "b")

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.dW = self.db = None
        # The first layer's input gradient is never used; a network can switch it off to save
        # the col2im that computing it costs.
        self.needs_input_grad = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        FN, C, FH, FW = self.W.shape
        if x.ndim != 4 or x.shape[1] != C:
            raise ValueError(f"Convolution with {C}-channel filters expects (N, {C}, H, W) input,"
                             f" got {x.shape}")
        N, _, H, W = x.shape
        out_h = output_size(H, FH, self.stride, self.pad)
        out_w = output_size(W, FW, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, FH, FW, self.stride, self.pad)
        self.col_W = self.W.reshape(FN, -1).T
        out = self.col @ self.col_W + self.b
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(FN, C, FH, FW)
        if not self.needs_input_grad:
            return None
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x_shape, FH, FW, self.stride, self.pad)


class Pooling(Layer):
    """Max pooling over pool_h x pool_w windows: (N, C, H, W) -> (N, C, OH, OW).

    Padding is filled with -inf, so a padded border never wins the max (the book pads with 0,
    which is wrong for negative inputs).
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0) -> None:
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def _tiles(self, shape: tuple[int, ...]) -> bool:
        """True when windows tile the input exactly (no overlap, no padding, no remainder)."""
        return (self.pad == 0 and self.stride == self.pool_h == self.pool_w
                and shape[2] % self.stride == 0 and shape[3] % self.stride == 0)

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """Each window as a row: (N*C*OH*OW, pool_h*pool_w), windows ordered (N, C, OH, OW)."""
        N, C, H, W = x.shape
        p = self.stride
        if self._tiles(x.shape):
            # Non-overlapping windows are a reshape away: no im2col copy of the input needed.
            t = x.reshape(N, C, H // p, p, W // p, p).transpose(0, 1, 2, 4, 3, 5)
            return t.reshape(-1, p * p)
        col = im2col(x.reshape(N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad,
                     pad_value=-np.inf)
        return col

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4:
            raise ValueError(f"Pooling expects (N, C, H, W) input, got shape {x.shape}")
        N, C, H, W = x.shape
        out_h = output_size(H, self.pool_h, self.stride, self.pad)
        out_w = output_size(W, self.pool_w, self.stride, self.pad)
        self.x_shape = x.shape
        windows = self._windows(x)
        self.arg_max = np.argmax(windows, axis=1)
        out = windows[np.arange(windows.shape[0]), self.arg_max]
        return out.reshape(N, C, out_h, out_w)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dwin = np.zeros((dout.size, self.pool_h * self.pool_w), dtype=dout.dtype)
        dwin[np.arange(dout.size), self.arg_max] = dout.reshape(-1)
        return self._scatter(dwin)

    def _scatter(self, dwin: np.ndarray) -> np.ndarray:
        """Send each window row's gradients back to the input pixels (the adjoint of _windows)."""
        N, C, H, W = self.x_shape
        p = self.stride
        if self._tiles(self.x_shape):
            t = dwin.reshape(N, C, H // p, W // p, p, p).transpose(0, 1, 2, 4, 3, 5)
            return t.reshape(N, C, H, W)
        dx = col2im(dwin, (N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return dx.reshape(N, C, H, W)


class AvgPooling(Pooling):
    """Average pooling: (N, C, H, W) -> (N, C, OH, OW); padding counts as zeros."""

    def _windows(self, x):
        if self._tiles(x.shape):
            return super()._windows(x)
        N, C, H, W = x.shape
        return im2col(x.reshape(N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 4:
            raise ValueError(f"AvgPooling expects (N, C, H, W) input, got shape {x.shape}")
        N, C, H, W = x.shape
        out_h = output_size(H, self.pool_h, self.stride, self.pad)
        out_w = output_size(W, self.pool_w, self.stride, self.pad)
        self.x_shape = x.shape
        return self._windows(x).mean(axis=1).reshape(N, C, out_h, out_w)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        size = self.pool_h * self.pool_w
        dwin = np.repeat(dout.reshape(-1, 1) / size, size, axis=1).astype(dout.dtype, copy=False)
        return self._scatter(dwin)


class Flatten(Layer):
    """(N, ...) -> (N, D)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self.x_shape)
