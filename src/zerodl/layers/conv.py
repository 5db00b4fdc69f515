"""Chapter 7's layers: Convolution, max and average Pooling, and Flatten."""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.im2col import col2im, im2col, output_size, patch_matrix, patches
from zerodl.layers.basic import Layer, matmul
from zerodl.parallel import batch_slices, map_chunks


class Convolution(Layer):
    """Filters W (FN, C, FH, FW) and biases b (FN,): (N, C, H, W) -> (N, FN, OH, OW), with
    OH = (H + 2 pad - FH) / stride + 1 (and OW likewise).

        out[n, f, i, j] = b[f] + sum over c, y, x of W[f, c, y, x] * x[n, c, i*s + y, j*s + x]

    (x padded by `pad` zeros). As in the book, im2col lays every FH x FW x C patch out as a
    row of a matrix, and one product with the filters as columns computes all of them:
    (N*OH*OW, C*FH*FW) @ (C*FH*FW, FN). Backward turns the same product around: dW is
    patches^T @ dout, db the sum of dout over every pixel, dx col2im(dout @ W^T). Forward keeps
    the input (its padded patches), which dW needs.

    Speed. What differs from the book changes no result beyond rounding:

    * Arrays are laid out pixel by pixel, (N, H, W, C) in memory, and passed on as (N, C, H, W)
      views. A patch row is then a run of FW*C neighbouring values, where the book's layout has
      runs of FW; copying the patch matrix is several times faster, and the output of the
      product is already in place.
    * The patch matrix is FH*FW times the size of the input (45 MB for DeepConvNet's second
      convolution at batch 100), far more than the processor's caches, so building it and reading
      it back ran at memory speed. It is built for a few images at a time instead, small enough to
      stay in cache, and rebuilt in backward rather than kept. The chunks are shared among the
      CPU's cores (zerodl.parallel); `chunk_bytes` sets their size.
    * The input gradient of a stride-1 convolution is computed as a convolution (see
      _turned_filters).
    * In inference, a network hands each Convolution that a Relu (and a max Pooling) follows
      to infer(), which takes every chunk on through them while it is still in cache.

    The output has NumPy's type for input and filters together, as the book's product gives:
    float32 images through float64 filters come out float64.
    """

    param_names = ("W", "b")
    shares_cores = True
    chunk_bytes = 2**20

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.dW = self.db = None
        # The first layer's input gradient is never used; a network can switch it off to save
        # the work of computing it.
        self.needs_input_grad = True

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, C, H, W) -> (N, FN, OH, OW); ValueError for an input that the filters do not fit."""
        FN, C, FH, FW = self.W.shape
        if len(input_shape) != 4 or input_shape[1] != C:
            raise ValueError(f"Convolution with {C}-channel filters expects (N, {C}, H, W) input,"
                             f" got {tuple(input_shape)}")
        N, _, H, W = input_shape
        return (N, FN, output_size(H, FH, self.stride, self.pad),
                output_size(W, FW, self.stride, self.pad))

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x = self._checked(x)
        # One padded copy of x, and a view of all its patches, for forward and backward
        self.x_patches = patches(x, *self.W.shape[2:], self.stride, self.pad)
        return self._convolve(x, self.x_patches)

    def infer(self, x: np.ndarray, relu: bool = False, pool: Pooling | None = None) -> np.ndarray:
        """forward() for inference, followed by max(0, .) with `relu` and by `pool` (a max
        Pooling layer) when given: the same numbers as those layers one after another, with
        nothing kept for backward.

        Each chunk of images goes through all three while it is in cache. Done layer by layer,
        the convolution's whole output is written to memory, then read back and written again
        by the ReLU, and read once more by the pooling; here only the pooled output is written.
        """
        x = self._checked(x)
        view = patches(x, *self.W.shape[2:], self.stride, self.pad)
        if pool is not None and not pool._tiles(self.output_shape(x.shape)):
            return pool.forward(self._convolve(x, view, relu))
        return self._convolve(x, view, relu, pool)

    def _checked(self, x: np.ndarray) -> np.ndarray:
        """x, its shape checked, in NumPy's type for x and the filters together."""
        self.output_shape(x.shape)
        return x.astype(np.result_type(x.dtype, self.W.dtype), copy=False)

    def _convolve(self, x: np.ndarray, view: np.ndarray, relu: bool = False,
                  pool: Pooling | None = None) -> np.ndarray:
        """The convolution of x, whose patches() are `view`, chunk by chunk: see infer()."""
        FN = self.W.shape[0]
        N, out_h, out_w = view.shape[:3]
        xp = get_array_module(x)
        # the filters with their columns in the patch matrix's (row, column, channel) order
        W_col = self.W.transpose(2, 3, 1, 0).reshape(-1, FN)
        p = 1 if pool is None else pool.stride
        out = xp.empty((N, out_h // p, out_w // p, FN), dtype=x.dtype)

        def convolve(images: slice) -> None:
            n = images.stop - images.start
            full = out[images] if pool is None else xp.empty((n, out_h, out_w, FN), dtype=x.dtype)
            product = full.reshape(-1, FN)
            matmul(patch_matrix(view[images]), W_col, out=product)
            if pool is not None:
                # The max commutes with adding the bias and with the ReLU (both keep the order
                # of values, rounded or not), which then touch a quarter as many values.
                pool._running_max(full.transpose(0, 3, 1, 2), out[images].transpose(0, 3, 1, 2))
                product = out[images].reshape(-1, FN)
            product += self.b
            if relu:
                xp.maximum(product, 0, out=product)

        map_chunks(convolve, self._chunks(x))
        return out.transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        FN, C, FH, FW = self.W.shape
        H, W = self.x.shape[2:]
        xp = get_array_module(dout)
        dout_pixels = dout.transpose(0, 2, 3, 1)
        dx = xp.empty((len(dout), H, W, C), dtype=dout.dtype) if self.needs_input_grad else None
        turned = self._turned_filters() if dx is not None else None
        # With stride 1 the input gradient is a convolution of dout (see _turned_filters)
        dout_patches = None if turned is None else patches(dout, FH, FW, 1, FH - 1 - self.pad)

        def gradients(images: slice) -> tuple[np.ndarray, np.ndarray]:
            """This chunk's shares of dW (as (FH*FW*C, FN)) and db; fills its share of dx."""
            d = dout_pixels[images].reshape(-1, FN)
            dW_col = patch_matrix(self.x_patches[images]).T @ d
            if dout_patches is not None:
                matmul(patch_matrix(dout_patches[images]), turned, out=dx[images].reshape(-1, C))
            elif dx is not None:
                dx[images] = self._input_gradient(d, images.stop - images.start)
            # a product with ones sums the columns many times faster than sum(axis=0)
            return dW_col, matmul(xp.ones(len(d), dtype=d.dtype), d)

        # summed in chunk order, so the result does not depend on which thread finished first
        parts = map_chunks(gradients, self._chunks(self.x))
        self.dW = sum(dW for dW, _ in parts).reshape(FH, FW, C, FN).transpose(3, 2, 0, 1)
        self.db = sum(db for _, db in parts)
        return None if dx is None else dx.transpose(0, 3, 1, 2)

    def _chunks(self, x: np.ndarray) -> list[slice]:
        """Slices of the batch whose patch matrices take about chunk_bytes each."""
        return batch_slices(x, self.chunk_bytes, per_byte=self.W.shape[2] * self.W.shape[3])

    def _turned_filters(self) -> np.ndarray | None:
        """The filters that make a stride-1 input gradient a convolution, as an (FH*FW*FN, C)
        matrix; None where that does not apply.

        With stride 1, col2im(dout @ W_mat), the book's input gradient, is a convolution of
        dout, padded by FH-1-pad, with the filters turned by 180 degrees and their two channel
        axes swapped: each input pixel collects, through every filter position, the output
        pixels it fed. Computed that way it takes one im2col and one product, where the book's
        way forms a patch-sized dcol and adds it back with FH*FW scattered additions.

        The im2col of dout has FH*FW*FN columns per pixel, the products of _input_gradient
        FH*FW*C: with many more filters than input channels (a first layer on grey images, 1 in
        and 30 out, whose input gradient the book's networks compute too) the latter is the
        cheaper, ten times so at 1 to 30. Measured, they break even at twice as many filters.
        """
        FN, C, FH, FW = self.W.shape
        if self.stride != 1 or FH != FW or self.pad >= FH or FN > 2 * C:
            return None
        return self.W[:, :, ::-1, ::-1].transpose(2, 3, 0, 1).reshape(-1, C)

    def _input_gradient(self, d: np.ndarray, n: int) -> np.ndarray:
        """dout of n images as (n*OH*OW, FN) -> their (n, H, W, C) input gradient: the book's
        col2im(dout @ W_mat), one filter position at a time, for the convolutions that
        _turned_filters does not cover. Each position's dout @ W[:, :, y, x] goes straight onto
        the pixels it belongs to, so the patch-sized dcol is never formed."""
        C, FH, FW = self.W.shape[1:]
        H, W = self.x.shape[2:]
        pad, s = self.pad, self.stride
        out_h, out_w = output_size(H, FH, s, pad), output_size(W, FW, s, pad)
        img = get_array_module(d).zeros((n, H + 2 * pad + s - 1, W + 2 * pad + s - 1, C),
                                        dtype=d.dtype)
        for y in range(FH):
            for x in range(FW):
                part = (d @ self.W[:, :, y, x]).reshape(n, out_h, out_w, C)
                img[:, y:y + s * out_h:s, x:x + s * out_w:s] += part
        return img[:, pad:H + pad, pad:W + pad]


class Pooling(Layer):
    """Max pooling over pool_h x pool_w windows: (N, C, H, W) -> (N, C, OH, OW), each channel
    on its own: out[n, c, i, j] = the max of x[n, c] over window (i, j).

    The gradient of a max goes to the one input that won it, and to no other: forward keeps x
    and out, from which backward finds each window's winner (the first, where several tie).

    The book's way, which works for any stride and padding: im2col lays each window out as a
    row, and the max is taken along rows. Padding is filled with -inf, so a padded border never
    wins the max (the book pads with 0, which is wrong for negative inputs).

    Speed: when the windows tile the input (2x2, stride 2), the max is a running maximum over
    strided views of x, with no window copied out, a few images at a time on every core.
    """

    shares_cores = True
    chunk_bytes = 2**20

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0) -> None:
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad

    def _tiles(self, shape: tuple[int, ...]) -> bool:
        """True when windows of two or more pixels tile the input exactly (no overlap, no
        padding, no remainder)."""
        return (self.pad == 0 and self.stride == self.pool_h == self.pool_w > 1
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
        if self._tiles(x.shape):
            # Fast path, same result: maxima of strided views of the input (_running_max), so
            # no window is ever copied out; a few images at a time, shared among the cores.
            out = get_array_module(x).empty_like(x[:, :, ::self.stride, ::self.stride])
            map_chunks(lambda images: self._running_max(x[images], out[images]),
                       batch_slices(x, self.chunk_bytes))
            self.x, self.out = x, out
            return out
        self.x, self.out = x, self._windows(x).max(axis=1).reshape(out_shape)
        return self.out

    def _running_max(self, x: np.ndarray, out: np.ndarray) -> None:
        """out = the max of each window of x, for windows that tile x (see _tiles): first the
        max over each window's rows, then over its columns. Laid out pixel by pixel, a row of
        an image is one run of W*C values, and the first pass, the larger, reads whole rows."""
        p = self.stride
        xp = get_array_module(x)
        rows = xp.maximum(x[:, :, 0::p], x[:, :, 1::p])
        for i in range(2, p):
            xp.maximum(rows, x[:, :, i::p], out=rows)
        xp.maximum(rows[:, :, :, 0::p], rows[:, :, :, 1::p], out=out)
        for j in range(2, p):
            xp.maximum(out, rows[:, :, :, j::p], out=out)

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """Each channel's windows as rows: (N*C*OH*OW, pool_h*pool_w), padded with -inf."""
        N, C, H, W = x.shape
        return im2col(x.reshape(N * C, 1, H, W), self.pool_h, self.pool_w, self.stride,
                      self.pad, pad_value=-np.inf)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        xp = get_array_module(dout)
        N, C, H, W = self.x_shape
        if self._tiles(self.x_shape):
            # Each window's gradient goes to the first position that holds its max (as argmax):
            # `remaining` is what no earlier position has taken. Multiplying by a boolean mask
            # and subtracting what was taken are exact (x - x = 0, x - 0 = x), and cheaper than
            # where().
            p = self.stride
            dx = xp.empty_like(self.x, dtype=dout.dtype)
            if dout.strides != self.out.strides:
                # a gradient laid out otherwise than x and out (an Affine layer's comes image by
                # image) is copied into their layout once: cheaper than every step below
                # reading mixed layouts
                aligned = xp.empty_like(self.out, dtype=dout.dtype)
                aligned[...] = dout
                dout = aligned

            def unpool(images: slice) -> None:
                x, out, part_dx = self.x[images], self.out[images], dx[images]
                remaining = dout[images]
                taps = self._taps()
                for i, j in taps:
                    taken = part_dx[:, :, i::p, j::p]
                    xp.multiply(remaining, x[:, :, i::p, j::p] == out, out=taken)
                    if (i, j) != taps[-1]:
                        remaining = remaining - taken

            map_chunks(unpool, batch_slices(dx, self.chunk_bytes))
            return dx
        winners = self._windows(self.x).argmax(axis=1)
        dwin = xp.zeros((dout.size, self.pool_h * self.pool_w), dtype=dout.dtype)
        dwin[xp.arange(dout.size), winners] = dout.reshape(-1)
        dx = col2im(dwin, (N * C, 1, H, W), self.pool_h, self.pool_w, self.stride, self.pad)
        return dx.reshape(N, C, H, W)


class AvgPooling(Pooling):
    """Average pooling: (N, C, H, W) -> (N, C, OH, OW), out = the mean of each window (padding
    counts as zeros). Every input of a window gets dout / (pool_h * pool_w): backward needs only
    x's shape."""

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
    """(N, ...) -> (N, D), D the product of the trailing dimensions; backward reshapes dout
    back to the input's shape, which forward keeps."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout.reshape(self.x_shape)
