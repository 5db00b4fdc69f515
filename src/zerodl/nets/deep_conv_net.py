"""Chapter 8's DeepConvNet: six 3x3 convolutions, three max-pools, two Affine layers, Dropout.

conv-relu-conv-relu-pool, conv-relu-conv-relu-pool, conv-relu-conv-relu-pool,
affine-relu-dropout, affine-dropout-softmax; He initialisation throughout.
"""

from __future__ import annotations

import numpy as np

from zerodl.im2col import output_size as conv_output_size
from zerodl.init import constant, gaussian, weight_scale
from zerodl.layers import Affine, Convolution, Dropout, Pooling, Relu
from zerodl.nets.base import Network

# (filter_num, pad) of the six convolutions; all 3x3, stride 1. conv4's pad of 2 is the book's.
CONV_PARAMS = ((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1))


class DeepConvNet(Network):
    """(N, 1, 28, 28) -> (N, 10) with the book's architecture and parameter names W1..W8."""

    model_name = "deep-conv"

    def __init__(self, input_dim=(1, 28, 28), hidden_size: int = 50, output_size: int = 10,
                 dropout_ratio: float = 0.5, *, dropout_scale: str = "inverted",
                 seed: int | None = None, dtype=np.float32) -> None:
        super().__init__(seed=seed, dtype=dtype)
        self.input_shape = tuple(input_dim)
        self.hidden_size, self._output_size = hidden_size, output_size
        self.dropout_ratio, self.dropout_scale = dropout_ratio, dropout_scale
        channels, h, w = self.input_shape
        for i, (fn, pad) in enumerate(CONV_PARAMS, start=1):
            fan_in = channels * 3 * 3
            W = gaussian(self.rng, (fn, channels, 3, 3), weight_scale("he", fan_in), self.dtype)
            conv = Convolution(W, constant(fn, 0, self.dtype), stride=1, pad=pad)
            conv.needs_input_grad = i > 1
            self.add_layer(f"Conv{i}", conv, W=f"W{i}", b=f"b{i}")
            self.add_layer(f"Relu{i}", Relu())
            h, w, channels = conv_output_size(h, 3, 1, pad), conv_output_size(w, 3, 1, pad), fn
            if i % 2 == 0:
                self.add_layer(f"Pool{i // 2}", Pooling(pool_h=2, pool_w=2, stride=2))
                h, w = conv_output_size(h, 2, 2, 0), conv_output_size(w, 2, 2, 0)
        flat = channels * h * w
        W7 = gaussian(self.rng, (flat, hidden_size), weight_scale("he", flat), self.dtype)
        self.add_layer("Affine1", Affine(W7, constant(hidden_size, 0, self.dtype)), W="W7", b="b7")
        self.add_layer("Relu7", Relu())
        self.add_layer("Dropout1", Dropout(dropout_ratio, scale=dropout_scale, rng=self.rng))
        W8 = gaussian(self.rng, (hidden_size, output_size), weight_scale("he", hidden_size),
                      self.dtype)
        self.add_layer("Affine2", Affine(W8, constant(output_size, 0, self.dtype)), W="W8", b="b8")
        self.add_layer("Dropout2", Dropout(dropout_ratio, scale=dropout_scale, rng=self.rng))

    def config(self) -> dict:
        return {"input_dim": list(self.input_shape), "hidden_size": self.hidden_size,
                "output_size": self._output_size, "dropout_ratio": self.dropout_ratio,
                "dropout_scale": self.dropout_scale}
