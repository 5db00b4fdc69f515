"""Chapter 4: numerical differentiation, gradient descent, and checking backprop against both."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

H = 1e-4


def numerical_diff(f: Callable[[float], float], x: float) -> float:
    """Central difference (f(x + h) - f(x - h)) / 2h with h = 1e-4."""
    return (f(x + H) - f(x - H)) / (2 * H)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Gradient of f at x (any shape) by central differences, one element at a time.

    x is probed in place, as the book does, so that f may close over the very array that a
    network uses as a parameter; every element is restored after its probe.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs a floating-point array, got {x.dtype}")
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array it can probe in place")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + H
        f_plus = f(x)
        flat_x[i] = original - H
        f_minus = f(x)
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * H)
    return grad


def gradient_descent(f: Callable[[np.ndarray], float], init_x, lr: float = 0.01,
                     step_num: int = 100, return_history: bool = False):
    """Take step_num steps x -= lr * grad f(x) from init_x; optionally also the path (steps, D)."""
    x = np.array(init_x, dtype=np.float64)
    history = []
    for _ in range(step_num):
        history.append(x.copy())
        x -= lr * numerical_gradient(f, x)
    return (x, np.array(history)) if return_history else x


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| divided by the larger of max |a| and max |b| (0 when both are all zero)."""
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b), initial=0)) / scale


def gradient_check(network, x: np.ndarray, t: np.ndarray) -> dict[str, float]:
    """Relative error between backprop and numerical gradients, per parameter name."""
    backprop = network.gradient(x, t)
    numerical = network.numerical_gradient(x, t)
    return {key: relative_error(backprop[key], numerical[key]) for key in network.params}
