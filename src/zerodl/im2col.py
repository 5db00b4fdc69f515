"""im2col / col2im (chapter 7): convolution as one matrix product.

im2col lays every filter-sized patch of the input out as one row, so that a convolution becomes
`col @ W.reshape(FN, -1).T`. col2im is its exact adjoint: it adds each row back onto the pixels
it came from (where patches overlap, contributions add up).

Shapes: input (N, C, H, W) <-> col (N*OH*OW, C*FH*FW), with OH = (H + 2*pad - FH)//stride + 1.
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module


def output_size(size: int, filter_size: int, stride: int, pad: int) -> int:
    """Output length along one axis; raises ValueError when the filter does not fit."""
    out = (size + 2 * pad - filter_size) // stride + 1
    if out < 1 or filter_size < 1 or stride < 1 or pad < 0:
        raise ValueError(f"a filter of {filter_size} with stride {stride} and pad {pad} does not fit"
                         f" an input of {size}")
    return out


def im2col(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
           *, pad_value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> (N*OH*OW, C*filter_h*filter_w), keeping the input's dtype.

    The book's layout: one row per output pixel, one column per (channel, filter row, filter
    column). It is returned as the transposed view of im2col_t, which builds the same matrix
    column by column.
    """
    return im2col_t(input_data, filter_h, filter_w, stride, pad, pad_value=pad_value).T


def col2im(col: np.ndarray, input_shape: tuple[int, int, int, int], filter_h: int, filter_w: int,
           stride: int = 1, pad: int = 0) -> np.ndarray:
    """(N*OH*OW, C*filter_h*filter_w) -> (N, C, H, W): the adjoint of im2col (overlaps add up)."""
    return col2im_t(col.T, input_shape, filter_h, filter_w, stride, pad)


def im2col_t(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
             *, pad_value: float = 0.0) -> np.ndarray:
    """The transpose of im2col, (C*filter_h*filter_w, N*OH*OW), as a C-contiguous array.

    Why transposed: building it copies whole runs of output pixels (rows of the image) at a
    time, where the book's row-per-pixel layout copies runs of filter_w values. The convolution
    is then W (FN, C*FH*FW) @ col_t instead of col @ W.T: the same product, faster to build.
    """
    view = patches(input_data, filter_h, filter_w, stride, pad, pad_value=pad_value)
    C, _, _, N, out_h, out_w = view.shape
    # the one copy happens here
    return view.reshape(C * filter_h * filter_w, N * out_h * out_w)


def patches(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
            *, pad_value: float = 0.0) -> np.ndarray:
    """Every patch of the (padded) input, as a view: (N, C, H, W) -> (C, FH, FW, N, OH, OW).

    view[c, y, x, n, i, j] is input pixel (n, c, i*stride + y - pad, j*stride + x - pad); the
    only copy made is the padded input. Reshaped to (C*FH*FW, N*OH*OW) it is im2col_t, and a
    slice of its N axis gives the patch matrix of some of the images.
    """
    if input_data.ndim != 4:
        raise ValueError(f"im2col expects (N, C, H, W) input, got shape {input_data.shape}")
    N, C, H, W = input_data.shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    img = input_data if not pad else padded(input_data, pad, pad_value)
    sn, sc, sh, sw = img.strides
    return get_array_module(img).lib.stride_tricks.as_strided(
        img, shape=(C, filter_h, filter_w, N, out_h, out_w),
        strides=(sc, sh, sw, sn, sh * stride, sw * stride))


def padded(images: np.ndarray, pad: int, value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad), bordered with `value`.

    The copy is laid out channel by channel, (C, N, H, W) in memory, which is how the
    convolutions here produce their outputs: copying one of them is then a straight run through
    memory (np.pad would lay the copy out image by image, a scattered copy).
    """
    N, C, H, W = images.shape
    xp = get_array_module(images)
    out = xp.empty((C, N, H + 2 * pad, W + 2 * pad), dtype=images.dtype).transpose(1, 0, 2, 3)
    for border in (out[:, :, :pad], out[:, :, H + pad:], out[:, :, pad:H + pad, :pad],
                   out[:, :, pad:H + pad, W + pad:]):
        border[...] = value
    out[:, :, pad:H + pad, pad:W + pad] = images
    return out


def col2im_t(col_t: np.ndarray, input_shape: tuple[int, int, int, int], filter_h: int,
             filter_w: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """(C*filter_h*filter_w, N*OH*OW) -> (N, C, H, W): the adjoint of im2col_t."""
    N, C, H, W = input_shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    if col_t.shape != (C * filter_h * filter_w, N * out_h * out_w):
        raise ValueError(f"col2im: col has shape {col_t.T.shape}, expected"
                         f" {(N * out_h * out_w, C * filter_h * filter_w)} for input {input_shape}")
    patches = col_t.reshape(C, filter_h, filter_w, N, out_h, out_w)
    # Accumulate in (C, N, H, W) order so that every add below reads and writes whole image rows.
    img = get_array_module(col_t).zeros(
        (C, N, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col_t.dtype)
    # One vectorised add per filter tap (FH*FW of them), each covering every image and output pixel.
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += patches[:, y, x]
    return img[:, :, pad:H + pad, pad:W + pad].transpose(1, 0, 2, 3)
