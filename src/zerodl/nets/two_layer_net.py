"""Chapters 4 and 5: the two-layer net, Affine -> ReLU -> Affine -> SoftmaxWithLoss."""

from __future__ import annotations

import numpy as np

from zerodl.init import constant, gaussian
from zerodl.layers import Affine, Relu
from zerodl.nets.base import Network


class TwoLayerNet(Network):
    """(N, input_size) -> (N, output_size) through one hidden ReLU layer of hidden_size units."""

    model_name = "two-layer"

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_init_std: float = 0.01, *, seed: int | None = None, dtype=np.float32) -> None:
        super().__init__(seed=seed, dtype=dtype)
        self.input_size, self.hidden_size = input_size, hidden_size
        self._output_size, self.weight_init_std = output_size, weight_init_std
        W1 = gaussian(self.rng, (input_size, hidden_size), weight_init_std, self.dtype)
        W2 = gaussian(self.rng, (hidden_size, output_size), weight_init_std, self.dtype)
        self.add_layer("Affine1", Affine(W1, constant(hidden_size, 0, self.dtype)), W="W1", b="b1")
        self.add_layer("Relu1", Relu())
        self.add_layer("Affine2", Affine(W2, constant(output_size, 0, self.dtype)), W="W2", b="b2")

    def config(self) -> dict:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size,
                "output_size": self._output_size, "weight_init_std": self.weight_init_std}
