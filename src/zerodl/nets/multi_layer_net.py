"""Chapter 6's fully connected net of any depth, with a choice of activation and init."""

from __future__ import annotations

import numpy as np

from zerodl.init import constant, gaussian, weight_scale
from zerodl.layers import Affine, Relu, Sigmoid, Tanh
from zerodl.nets.base import Network

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid, "tanh": Tanh}


class MultiLayerNet(Network):
    """(N, input_size) -> (N, output_size) through Affine + activation per hidden size."""

    model_name = "mlp"

    def __init__(self, input_size: int, hidden_size_list: list[int], output_size: int,
                 activation: str = "relu", weight_init_std: str | float = "relu",
                 weight_decay_lambda: float = 0.0, *, seed: int | None = None,
                 dtype=np.float32) -> None:
        super().__init__(seed=seed, dtype=dtype, weight_decay_lambda=weight_decay_lambda)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation '{activation}': use one of {', '.join(ACTIVATIONS)}")
        self.input_size, self.hidden_size_list = input_size, list(hidden_size_list)
        self._output_size, self.activation = output_size, activation
        self.weight_init_std = weight_init_std
        self.build()

    def build(self) -> None:
        sizes = [self.input_size, *self.hidden_size_list, self._output_size]
        for i in range(1, len(sizes)):
            std = weight_scale(self.weight_init_std, sizes[i - 1])
            W = gaussian(self.rng, (sizes[i - 1], sizes[i]), std, self.dtype)
            self.add_layer(f"Affine{i}", Affine(W, constant(sizes[i], 0, self.dtype)),
                           W=f"W{i}", b=f"b{i}")
            if i < len(sizes) - 1:
                self.add_hidden_layers(i)

    def add_hidden_layers(self, i: int) -> None:
        """What follows the i-th Affine layer of a hidden layer: here just the activation."""
        self.add_layer(f"Activation_function{i}", ACTIVATIONS[self.activation]())

    def config(self) -> dict:
        return {"input_size": self.input_size, "hidden_size_list": self.hidden_size_list,
                "output_size": self._output_size, "activation": self.activation,
                "weight_init_std": self.weight_init_std,
                "weight_decay_lambda": self.weight_decay_lambda}
