"""common.util: the helpers of the book's chapters 6 and 7."""

import numpy as np

from zerodl.im2col import col2im, im2col, output_size

__all__ = ["col2im", "conv_output_size", "im2col", "np", "shuffle_dataset", "smooth_curve"]


def smooth_curve(x, window: int = 11, beta: float = 2.0) -> np.ndarray:
    """A noisy curve (a loss per iteration) smoothed for plotting, with x's length.

    Each point becomes an average of the `window` points around it, weighted by a Kaiser window:
    with beta = 2 it is bell-shaped but gives the outer neighbours more weight than a Hann window
    would. At both ends the curve is mirrored, so that every point has its full window.
    """
    values = np.asarray(x, dtype=np.float64)
    weights = np.kaiser(window, beta)
    mirrored = np.pad(values, window // 2, mode="reflect")
    return np.convolve(mirrored, weights / weights.sum(), mode="valid")


def shuffle_dataset(x, t):
    """x and t in one random order (drawn from NumPy's global generator, as the book's code is)."""
    order = np.random.permutation(x.shape[0])  # noqa: NPY002 - the generator scripts seed
    return x[order], t[order]


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """How many positions a filter takes along one axis: (input + 2 pad - filter) // stride + 1.

    The book's helper divides with /, giving a float that is whole only when the filter fits
    exactly; this one counts the positions that fit, and raises ValueError when none does.
    """
    return output_size(input_size, filter_size, stride, pad)
