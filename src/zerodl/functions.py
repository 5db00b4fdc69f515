"""Activation and loss functions of chapters 3 and 4, safe on extreme inputs.

Every function accepts a scalar, a 1-D array (one sample) or a 2-D batch (N, D) and keeps the
floating dtype of its input (float32 stays float32).
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module, to_numpy

# Added inside log() so that a predicted probability of exactly 0 gives a large finite loss.
LOG_EPSILON = 1e-7


def _float_array(x):
    x = get_array_module(x).asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def step_function(x) -> np.ndarray:
    """1 where x > 0, else 0 (integer array of x's shape)."""
    return (np.asarray(x) > 0).astype(np.int64)


def sigmoid(x) -> np.ndarray:
    """1 / (1 + exp(-x)), computed without overflow: exp is only ever taken of -|x|."""
    x = _float_array(x)
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x) -> np.ndarray:
    """Derivative of the sigmoid at x: s(x) (1 - s(x))."""
    s = sigmoid(x)
    return (1 - s) * s


def relu(x) -> np.ndarray:
    """max(0, x), elementwise."""
    xp = get_array_module(x)
    x = xp.asarray(x)
    return xp.maximum(x, 0).astype(x.dtype, copy=False)


def relu_grad(x) -> np.ndarray:
    """Derivative of ReLU: 1 where x > 0, else 0 (x's dtype)."""
    x = _float_array(x)
    return (x > 0).astype(x.dtype)


def tanh(x) -> np.ndarray:
    """Hyperbolic tangent, elementwise."""
    x = _float_array(x)
    return get_array_module(x).tanh(x)


def identity_function(x):
    """The output layer's activation for regression: returns x unchanged."""
    return x


def softmax(x) -> np.ndarray:
    """Softmax over the last axis: (D,) -> (D,) or (N, D) -> (N, D); each row sums to 1.

    The row maximum is subtracted before exp: softmax is unchanged by a constant shift, and
    exp(1000) would overflow where exp(0) does not.
    """
    x = _float_array(x)
    if x.ndim == 0:
        raise ValueError("softmax needs at least one dimension, got a scalar")
    shifted = x - x.max(axis=-1, keepdims=True)
    e = get_array_module(x).exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _check_same_shape(name: str, y: np.ndarray, t: np.ndarray) -> None:
    if y.shape != t.shape:
        raise ValueError(f"{name}: y has shape {y.shape} but t has shape {t.shape}; they must match")


def sum_squared_error(y, t) -> float:
    """The book's squared error 0.5 * sum((y - t)^2), averaged over the batch for (N, D) input."""
    y, t = _float_array(y), _float_array(t)
    _check_same_shape("sum_squared_error", y, t)
    batch_size = y.shape[0] if y.ndim == 2 else 1
    return float(0.5 * np.sum((y - t) ** 2) / batch_size)


def mean_squared_error(y, t) -> float:
    """Mean of (y - t)^2 over every element (the usual MSE; the book's variant is sum_squared_error)."""
    y, t = _float_array(y), _float_array(t)
    _check_same_shape("mean_squared_error", y, t)
    return float(np.mean((y - t) ** 2))


def labels_to_indices(t, num_classes: int, batch_size: int) -> np.ndarray:
    """Accepts integer labels (N,) or (N, 1), or one-hot labels (N, C); returns integer labels
    (N,) on the host."""
    t = to_numpy(t)
    if t.ndim == 2 and t.shape == (batch_size, num_classes):
        return t.argmax(axis=1)
    if t.ndim == 2 and t.shape == (batch_size, 1):
        t = t.reshape(batch_size)  # a column of labels (the book's CNN gradient check uses one)
    if t.ndim == 1 and t.shape[0] == batch_size:
        if not np.issubdtype(t.dtype, np.integer):
            if not np.all(np.mod(t, 1) == 0):
                raise ValueError("integer labels expected, got non-integer values")
            t = t.astype(np.int64)
        if t.size and (t.min() < 0 or t.max() >= num_classes):
            raise ValueError(
                f"labels must lie in [0, {num_classes - 1}], found values from {t.min()} to {t.max()}"
            )
        return t
    raise ValueError(
        f"labels of shape {t.shape} do not fit predictions of shape ({batch_size}, {num_classes}):"
        f" expected integer labels ({batch_size},) or ({batch_size}, 1), or one-hot labels"
        f" ({batch_size}, {num_classes})"
    )


def cross_entropy_error(y, t) -> float:
    """-mean over the batch of log(y[true class] + 1e-7); t is one-hot (N, C) or integer (N,)."""
    y = _float_array(y)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = to_numpy(t)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if y.ndim != 2:
        raise ValueError(f"cross_entropy_error expects y of shape (N, C) or (C,), got {y.shape}")
    batch_size, num_classes = y.shape
    xp = get_array_module(y)
    labels = xp.asarray(labels_to_indices(t, num_classes, batch_size))
    picked = y[xp.arange(batch_size), labels]
    return float(-xp.log(picked + LOG_EPSILON).sum() / batch_size)


def softmax_loss(x, t) -> float:
    """Cross-entropy of softmax(x) against t: the loss of scores before softmax."""
    return cross_entropy_error(softmax(x), t)
