"""im2col / col2im (chapter 7): convolution as one matrix product.

im2col lays every filter-sized patch of the input out as one row, so that a convolution becomes
`col @ W.reshape(FN, -1).T`. col2im is its exact adjoint: it adds each row back onto the pixels
it came from (where patches overlap, contributions add up).

Shapes: input (N, C, H, W) <-> col (N*OH*OW, C*FH*FW), with OH = (H + 2*pad - FH)//stride + 1.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size: int, filter_size: int, stride: int, pad: int) -> int:
    """Output length along one axis; raises ValueError when the filter does not fit."""
    out = (size + 2 * pad - filter_size) // stride + 1
    if out < 1 or filter_size < 1 or stride < 1 or pad < 0:
        raise ValueError(f"a filter of {filter_size} with stride {stride} and pad {pad} does not fit"
                         f" an input of {size}")
    return out


def im2col(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
           *, pad_value: float = 0.0) -> np.ndarray:
    """(N, C, H, W) -> (N*OH*OW, C*filter_h*filter_w), keeping the input's dtype."""
    if input_data.ndim != 4:
        raise ValueError(f"im2col expects (N, C, H, W) input, got shape {input_data.shape}")
    N, C, H, W = input_data.shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    img = input_data
    if pad:
        img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)],
                     constant_values=pad_value)
    img = np.ascontiguousarray(img)
    sn, sc, sh, sw = img.strides
    # A view of every patch without copying: patches[n, oh, ow, c, fh, fw]. The one copy happens
    # in the reshape below, which lays the patches out as rows.
    patches = as_strided(img, shape=(N, out_h, out_w, C, filter_h, filter_w),
                         strides=(sn, sh * stride, sw * stride, sc, sh, sw), writeable=False)
    return patches.reshape(N * out_h * out_w, C * filter_h * filter_w)


def col2im(col: np.ndarray, input_shape: tuple[int, int, int, int], filter_h: int, filter_w: int,
           stride: int = 1, pad: int = 0) -> np.ndarray:
    """(N*OH*OW, C*filter_h*filter_w) -> (N, C, H, W): the adjoint of im2col (overlaps add up)."""
    N, C, H, W = input_shape
    out_h = output_size(H, filter_h, stride, pad)
    out_w = output_size(W, filter_w, stride, pad)
    if col.shape != (N * out_h * out_w, C * filter_h * filter_w):
        raise ValueError(f"col2im: col has shape {col.shape}, expected"
                         f" {(N * out_h * out_w, C * filter_h * filter_w)} for input {input_shape}")
    patches = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype)
    # One vectorised add per filter tap (FH*FW of them), each covering every image and output pixel.
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += patches[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]
