"""im2col / col2im (chapter 7): convolution as one matrix product.

im2col lays every filter-sized patch of the input out as one row, so that a convolution becomes
`col @ W.reshape(FN, -1).T`. col2im is its exact adjoint: it adds each row back onto the pixels
it came from (where patches overlap, contributions add up).

Shapes: input (N, C, H, W) <-> col (N*OH*OW, C*FH*FW), with OH = (H + 2*pad - FH)//stride + 1,
the columns in the book's (channel, filter row, filter column) order.

The Convolution layer builds the same matrix another way: patches() gives every patch as a
view of one padded copy, and patch_matrix() copies it with its columns in (filter row, filter
column, channel) order, in which a patch is a few long runs of memory (see padded()).
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.parallel import batch_slices, map_chunks

# padded() copies about this many bytes of input per task
PAD_CHUNK_BYTES = 2**20


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
    column).
    """
    view = patches(input_data, filter_h, filter_w, stride, pad, pad_value=pad_value)
    N, out_h, out_w = view.shape[:3]
    return view.transpose(0, 1, 2, 5, 3, 4).reshape(N * out_h * out_w, -1)


def col2im(col: np.ndarray, input_shape: tuple[int, int, int, int], filter_h: int, filter_w: int,
           stride: int = 1, pad: int = 0) -> np.ndarray:
    """(N*OH*OW, C*filter_h*filter_w) -> (N, C, H, W): the adjoint of im2col (overlaps add up)."""
    N, C, H, W = input_shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    if col.shape != (N * out_h * out_w, C * filter_h * filter_w):
        raise ValueError(f"col2im: col has shape {col.shape}, expected"
                         f" {(N * out_h * out_w, C * filter_h * filter_w)} for input {input_shape}")
    taps = col.T.reshape(C, filter_h, filter_w, N, out_h, out_w)
    # Accumulate in (C, N, H, W) order so that every add below reads and writes whole image rows.
    img = get_array_module(col).zeros(
        (C, N, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype)
    # One vectorised add per filter tap (FH*FW of them), each covering every image and output pixel.
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += taps[:, y, x]
    return img[:, :, pad:H + pad, pad:W + pad].transpose(1, 0, 2, 3)


def patches(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
            *, pad_value: float = 0.0) -> np.ndarray:
    """Every patch of the (padded) input, as a view: (N, C, H, W) -> (N, OH, OW, FH, FW, C).

    view[n, i, j, y, x, c] is input pixel (n, c, i*stride + y - pad, j*stride + x - pad); the
    only copy made is the padded input, laid out pixel by pixel (see padded). Reshaped to
    (N*OH*OW, FH*FW*C) it is im2col with its columns in (filter row, filter column, channel)
    order rather than the book's (channel, filter row, filter column), and a slice of its N axis
    gives the patch matrix of some of the images.
    """
    if input_data.ndim != 4:
        raise ValueError(f"im2col expects (N, C, H, W) input, got shape {input_data.shape}")
    N, C, H, W = input_data.shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    img = padded(input_data, pad, pad_value)
    sn, sc, sh, sw = img.strides
    return get_array_module(img).lib.stride_tricks.as_strided(
        img, shape=(N, out_h, out_w, filter_h, filter_w, C),
        strides=(sn, sh * stride, sw * stride, sh, sw, sc))


def patch_matrix(view: np.ndarray) -> np.ndarray:
    """A patches() view -> its (N*OH*OW, FH*FW*C) patch matrix, copied.

    NumPy copies in runs along the last axis of the layout it writes. A patch has runs of FW*C
    values, an image row of one channel has runs of OW; with few channels (a first layer on
    grey images) the latter are longer, and the matrix is then copied in transposed order and
    returned as a transposed view, which matrix products read just as well.
    """
    N, out_h, out_w, FH, FW, C = view.shape
    if FW * C >= out_w:
        return view.reshape(N * out_h * out_w, FH * FW * C)
    return view.transpose(3, 4, 5, 0, 1, 2).reshape(FH * FW * C, N * out_h * out_w).T


def padded(images: np.ndarray, pad: int, value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H + 2*pad, W + 2*pad), bordered with `value`.

    The copy is laid out pixel by pixel, (N, H, W, C) in memory, as the convolutions here lay
    out their outputs: a patch's filter_w pixels are then one run of filter_w*C values, which
    NumPy copies many times faster than runs of a few pixels of one channel. An input already laid
    out that way and not padded is returned as it is.
    """
    N, C, H, W = images.shape
    xp = get_array_module(images)
    if not pad and images.transpose(0, 2, 3, 1).flags.c_contiguous:
        return images
    out = xp.empty((N, H + 2 * pad, W + 2 * pad, C), dtype=images.dtype).transpose(0, 3, 1, 2)

    def fill(part: slice) -> None:
        o = out[part]
        for border in (o[:, :, :pad], o[:, :, H + pad:], o[:, :, pad:H + pad, :pad],
                       o[:, :, pad:H + pad, W + pad:]):
            border[...] = value
        o[:, :, pad:H + pad, pad:W + pad] = images[part]

    map_chunks(fill, batch_slices(images, PAD_CHUNK_BYTES))
    return out
