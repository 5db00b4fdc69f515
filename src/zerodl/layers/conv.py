"""Chapter 7's layers: Convolution, max and average Pooling, and Flatten."""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.im2col import col2im, im2col, im2col_t, output_size
from zerodl.layers.basic import Layer, matmul


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
        # The book computes im2col(x) @ W.reshape(FN, -1).T; this is the same product transposed,
        # W_mat @ im2col_t(x), whose (FN, N*OH*OW) result is the output with N and FN swapped.
        # The patch matrix is FH*FW times the size of x; refilling last call's array instead of
        # allocating a new one saves the operating system mapping fresh pages every step.
        shape = (C * FH * FW, N * out_h * out_w)
        reuse = getattr(self, "col_t", None)
        if reuse is None or reuse.shape != shape or reuse.dtype != x.dtype or \
                get_array_module(reuse) is not get_array_module(x):
            reuse = None
        self.col_t = im2col_t(x, FH, FW, self.stride, self.pad, out=reuse)
        self.W_mat = self.W.reshape(FN, -1)
        out = matmul(self.W_mat, self.col_t)
        out += self.b[:, None]
        return out.reshape(FN, N, out_h, out_w).transpose(1, 0, 2, 3)

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        FN = self.W.shape[0]
        dout_t = dout.transpose(1, 0, 2, 3).reshape(FN, -1)
        self.db = dout_t.sum(axis=1)
        self.dW = (dout_t @ self.col_t.T).reshape(self.W.shape)
        if not self.needs_input_grad:
            return None
        return self._input_gradient(dout_t, dout.shape[2:])

    def _input_gradient(self, dout_t: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
        """dx = col2im(W_mat.T @ dout_t), one filter position at a time.

        The book forms the whole dcol (FH*FW times the size of x) and then folds it back with
        col2im. Here each filter position's slice of that product, W[:, :, y, x].T @ dout_t, is
        added straight onto the pixels it belongs to: the same sums, without the large dcol.
        """
        _, C, FH, FW = self.W.shape
        N, _, H, W = self.x_shape
        s, pad = self.stride, self.pad
        out_h, out_w = out_hw
        xp = get_array_module(dout_t)
        img = xp.zeros((C, N, H + 2 * pad + s - 1, W + 2 * pad + s - 1), dtype=dout_t.dtype)
        for y in range(FH):
            for x in range(FW):
                part = (self.W[:, :, y, x].T @ dout_t).reshape(C, N, out_h, out_w)
                img[:, :, y:y + s * out_h:s, x:x + s * out_w:s] += part
        return img[:, :, pad:H + pad, pad:W + pad].transpose(1, 0, 2, 3)


class Pooling(Layer):
    """Max pooling over pool_h x pool_w windows: (N, C, H, W) -> (N, C, OH, OW).

    The book's way, which works for any stride and padding: im2col lays each window out as a
    row, and the max is taken along rows. Padding is filled with -inf, so a padded border never
    wins the max (the book pads with 0, which is wrong for negative inputs).
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0) -> None:
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def _tiles(self, shape: tuple[int, ...]) -> bool:
        """True when windows tile the input exactly (no overlap, no padding, no remainder)."""
        return (self.pad == 0 and self.stride == self.pool_h == self.pool_w
                and shape[2] % self.stride == 0 and shape[3] % self.stride == 0)

    def _taps(self):
        """(row, col) of each position in a window; x[:, :, i::p, j::p] holds that position of
        every window when windows tile the input."""
        return [(i, j) for i in range(self.pool_h) for j in range(self.pool_w)]

    def _output_shape(self, x: np.ndarray) -> tuple[int, int, int, int]:
        """Check x and remember its shape; returns (N, C, OH, OW)."""
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__} expects (N, C, H, W) input, got shape {x.shape}")
        self.x_shape = x.shape
        N, C, H, W = x.shape
        return (N, C, output_size(H, self.pool_h, self.stride, self.pad),
                output_size(W, self.pool_w, self.stride, self.pad))

    def forward(self, x: np.ndarray) -> np.ndarray:
        out_shape = self._output_shape(x)
        N, C, H, W = x.shape
        if self._tiles(x.shape):
            # Fast path, same result: a running max over the window's positions, each position a
            # strided view of the input, so no window is ever copied out.
            p = self.stride
            out = x[:, :, 0::p, 0::p].copy()
            for i, j in self._taps()[1:]:
                get_array_module(x).maximum(out, x[:, :, i::p, j::p], out=out)
            self.x, self.out = x, out
            return out
        windows = im2col(x.reshape(N * C, 1, H, W), self.pool_h, self.pool_w, self.stride,
                         self.pad, pad_value=-np.inf)
        self.arg_max = windows.argmax(axis=1)
        out = windows[get_array_module(x).arange(windows.shape[0]), self.arg_max]
        return out.reshape(out_shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        xp = get_array_module(dout)
        N, C, H, W = self.x_shape
        if self._tiles(self.x_shape):
            # Each window's gradient goes to the first position that holds its max (as argmax):
            # `remaining` is what no earlier position has taken (multiplying by a boolean mask is
            # exact, and cheaper than where()).
            p = self.stride
            dx = xp.empty(self.x_shape, dtype=dout.dtype)
            remaining = dout.copy()
            for i, j in self._taps():
                hit = self.x[:, :, i::p, j::p] == self.out
                dx[:, :, i::p, j::p] = remaining * hit
                remaining *= ~hit
            return dx
        dwin = xp.zeros((dout.size, self.pool_h * self.pool_w), dtype=dout.dtype)
        dwin[xp.arange(dout.size), self.arg_max] = dout.reshape(-1)
        dx = col2im(dwin, (N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return dx.reshape(N, C, H, W)


class AvgPooling(Pooling):
    """Average pooling: (N, C, H, W) -> (N, C, OH, OW); padding counts as zeros."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        out_shape = self._output_shape(x)
        N, C, H, W = x.shape
        windows = im2col(x.reshape(N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return windows.mean(axis=1).reshape(out_shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        N, C, H, W = self.x_shape
        size = self.pool_h * self.pool_w
        dwin = get_array_module(dout).repeat(dout.reshape(-1, 1) / size, size, axis=1)
        dwin = dwin.astype(dout.dtype, copy=False)
        dx = col2im(dwin, (N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return dx.reshape(N, C, H, W)


class Flatten(Layer):
    """(N, ...) -> (N, D)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self.x_shape)
