"""Dropout (chapter 6): units dropped at random while training, against overfitting."""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.layers.basic import Layer


class Dropout(Layer):
    """Drop each unit with probability dropout_ratio while training: any shape -> same shape.

        training:  y = x * mask * s,  mask ~ Bernoulli(1 - p)    inference:  y = x * s'

    Forward keeps the mask (and the scale), since the gradient flows only through the units
    that were kept: dx = dout * mask * s.

    scale='inverted' (default) multiplies kept units by s = 1 / (1 - p) in training, so that
    inference is the identity (s' = 1). scale='book' keeps the book's variant: no scaling in
    training (s = 1), times s' = 1 - p in inference. Both give the same expected output.
    """

    has_train_mode = True

    def __init__(self, dropout_ratio: float = 0.5, *, scale: str = "inverted",
                 rng: np.random.Generator | None = None) -> None:
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"dropout_ratio must lie in [0, 1), got {dropout_ratio}")
        if scale not in ("inverted", "book"):
            raise ValueError(f"Dropout scale must be 'inverted' or 'book', got {scale!r}")
        self.dropout_ratio, self.scale = dropout_ratio, scale
        self.rng = rng if rng is not None else np.random.default_rng()

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        keep = 1.0 - self.dropout_ratio
        if train_flg:
            # drawn from the network's NumPy generator even for a GPU network, so that a run is
            # reproducible and a checkpoint restores it, wherever it runs
            mask = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
            self.mask = get_array_module(x).asarray(mask)
            self.mask_scale = (1.0 / keep) if self.scale == "inverted" else 1.0
            return x * self.mask * x.dtype.type(self.mask_scale)
        self.mask, self.mask_scale = None, 1.0 if self.scale == "inverted" else keep
        return x if self.scale == "inverted" else x * x.dtype.type(keep)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        scaled = dout * dout.dtype.type(self.mask_scale)
        return scaled if self.mask is None else scaled * self.mask
