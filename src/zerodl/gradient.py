"""Chapter 4: numerical differentiation, gradient descent, and checking backprop against both."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

H = 1e-4


def numerical_diff(f: Callable[[float], float], x: float) -> float:
    """Central difference (f(x + h) - f(x - h)) / 2h with h = 1e-4."""
    return (f(x + H) - f(x - H)) / (2 * H)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H) -> np.ndarray:
    """Gradient of f at x (any shape) by central differences of step h, one element at a time.

    x is probed in place, as the book does, so that f may close over the very array that a
    network uses as a parameter; every element is restored after its probe.
    """
    return central_differences(f, x, range(x.size), h).reshape(x.shape)


def central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, flat_indices,
                        h: float = H) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for each flat index i, probing x in place."""
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs a floating-point array, got {x.dtype}")
    flat_x = x.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array it can probe in place")
    out = np.empty(len(flat_indices), dtype=x.dtype)
    for j, i in enumerate(flat_indices):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = f(x)
        flat_x[i] = original - h
        f_minus = f(x)
        flat_x[i] = original
        out[j] = (f_plus - f_minus) / (2 * h)
    return out


def gradient_descent(f: Callable[[np.ndarray], float], init_x, lr: float = 0.01,
                     step_num: int = 100, return_history: bool = False):
    """Take step_num steps x -= lr * grad f(x) from init_x; optionally also the path (steps, D)."""
    x = np.array(init_x, dtype=np.float64)
    history = []
    for _ in range(step_num):
        history.append(x.copy())
        x -= lr * numerical_gradient(f, x)
    return (x, np.array(history)) if return_history else x


# Below this magnitude a gradient is zero up to the noise of central differences; a relative
# error there would compare noise with noise (e.g. an Affine bias followed by BatchNorm).
ZERO_GRADIENT = 1e-7


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| divided by the larger of max |a| and max |b|.

    When both gradients are below ZERO_GRADIENT everywhere, the absolute difference is returned.
    """
    diff = float(np.max(np.abs(a - b), initial=0))
    scale = max(float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    return diff if scale < ZERO_GRADIENT else diff / scale


def gradient_check(network, x: np.ndarray, t: np.ndarray, h: float = H,
                   samples: int | None = None, seed: int = 0) -> dict[str, float]:
    """Relative error between backprop and numerical gradients, per parameter name.

    With `samples`, each parameter is probed at that many randomly chosen elements instead of
    all of them (a deep network has tens of thousands; each probe is two forward passes).
    Max-pooling and ReLU have kinks: a probe of size h that crosses one (two window entries
    within h of each other) gives a wrong numerical gradient, so deep networks check with a
    smaller h in float64.
    """
    backprop = network.gradient(x, t)
    if samples is None:
        numerical = network.numerical_gradient(x, t, h)
        return {key: relative_error(backprop[key], numerical[key]) for key in network.params}
    rng = np.random.default_rng(seed)
    errors = {}
    for key, param in network.params.items():
        picked = rng.choice(param.size, size=min(samples, param.size), replace=False)
        numerical = central_differences(lambda _: network.loss(x, t, train_flg=True), param,
                                        picked, h)
        errors[key] = relative_error(backprop[key].reshape(-1)[picked], numerical)
    return errors
