"""Chapter 2: perceptrons, the logic gates they compute, and the perceptron learning rule."""

from __future__ import annotations

import numpy as np

from zerodl.errors import ConvergenceError

TRUTH_TABLE_INPUTS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])


class Perceptron:
    """y = 1 if w . x + b > 0 else 0, for one input (D,) or a batch (N, D)."""

    def __init__(self, weights, bias: float) -> None:
        self.weights = np.asarray(weights, dtype=np.float64).ravel()
        self.bias = float(bias)

    def weighted_sum(self, x) -> np.ndarray | float:
        """w . x + b: a float for one input (D,), an array (N,) for a batch (N, D)."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1] != self.weights.size:
            raise ValueError(
                f"input has {x.shape[-1]} features but the perceptron has {self.weights.size} weights"
            )
        s = x @ self.weights + self.bias
        return float(s) if np.ndim(s) == 0 else s

    def predict(self, x) -> int | np.ndarray:
        """0 or 1 for one input, an integer array (N,) for a batch."""
        s = np.asarray(self.weighted_sum(x))
        y = (s > 0).astype(np.int64)
        return int(y) if y.ndim == 0 else y

    @classmethod
    def fit(cls, x, t, lr: float = 0.1, max_epochs: int = 100) -> Perceptron:
        """Learn weights with the perceptron rule w += lr (t - y) x, starting from zero.

        Stops after the first epoch without a mistake. Raises ConvergenceError when mistakes remain
        after max_epochs: the rule only converges when a line separates the two classes.
        """
        x = np.asarray(x, dtype=np.float64)
        t = np.asarray(t).ravel()
        if x.ndim != 2 or x.shape[0] != t.shape[0]:
            raise ValueError(f"fit expects x (N, D) and t (N,), got {x.shape} and {t.shape}")
        if not np.isin(t, (0, 1)).all():
            raise ValueError("perceptron targets must be 0 or 1")
        p = cls(np.zeros(x.shape[1]), 0.0)
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for xi, ti in zip(x, t, strict=True):
                error = ti - p.predict(xi)
                if error:
                    mistakes += 1
                    p.weights += lr * error * xi
                    p.bias += lr * error
            if mistakes == 0:
                p.epochs_ = epoch
                return p
        raise ConvergenceError(
            f"the perceptron rule did not converge in {max_epochs} epochs ({mistakes} mistakes in"
            " the last): the data is not linearly separable, so no single perceptron can fit it"
        )


AND_GATE = Perceptron([0.5, 0.5], -0.7)
OR_GATE = Perceptron([0.5, 0.5], -0.2)
NAND_GATE = Perceptron([-0.5, -0.5], 0.7)


def AND(x1, x2) -> int:
    """1 only when both inputs are 1 (w = 0.5, 0.5; b = -0.7)."""
    return AND_GATE.predict([x1, x2])


def OR(x1, x2) -> int:
    """1 when either input is 1 (w = 0.5, 0.5; b = -0.2)."""
    return OR_GATE.predict([x1, x2])


def NAND(x1, x2) -> int:
    """0 only when both inputs are 1 (w = -0.5, -0.5; b = 0.7)."""
    return NAND_GATE.predict([x1, x2])


def XOR(x1, x2) -> int:
    """A two-layer perceptron: AND(NAND(x1, x2), OR(x1, x2))."""
    return AND(NAND(x1, x2), OR(x1, x2))
