"""common.gradient: zerodl's numerical gradient (central differences, h = 1e-4, in place)."""

import numpy as np

from zerodl.gradient import numerical_gradient

__all__ = ["np", "numerical_gradient", "numerical_gradient_2d"]


def numerical_gradient_2d(f, X) -> np.ndarray:
    """The gradient of f at each row of X (f takes one row), or at X itself when it is 1-D."""
    if X.ndim == 1:
        return numerical_gradient(f, X)
    return np.stack([numerical_gradient(f, row) for row in X])
