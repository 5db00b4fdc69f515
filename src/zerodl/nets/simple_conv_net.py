"""Chapter 7's SimpleConvNet: conv - relu - pool - affine - relu - affine - softmax."""

from __future__ import annotations

import numpy as np

from zerodl.im2col import output_size as conv_output_size
from zerodl.init import constant, gaussian, weight_scale
from zerodl.layers import Affine, Convolution, Pooling, Relu
from zerodl.nets.base import Network

DEFAULT_CONV = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}


class SimpleConvNet(Network):
    """(N, C, H, W) -> (N, output_size); W1 (filter_num, C, k, k), W2 and W3 are Affine weights."""

    model_name = "simple-conv"

    def __init__(self, input_dim=(1, 28, 28), conv_param: dict | None = None, hidden_size: int = 100,
                 output_size: int = 10, weight_init_std: str | float = 0.01, *,
                 seed: int | None = None, dtype=np.float32) -> None:
        super().__init__(seed=seed, dtype=dtype)
        self.input_shape = tuple(input_dim)
        self.conv_param = {**DEFAULT_CONV, **(conv_param or {})}
        self.hidden_size, self._output_size = hidden_size, output_size
        self.weight_init_std = weight_init_std
        fn, fs = self.conv_param["filter_num"], self.conv_param["filter_size"]
        pad, stride = self.conv_param["pad"], self.conv_param["stride"]
        c, h, w = self.input_shape
        conv_h, conv_w = conv_output_size(h, fs, stride, pad), conv_output_size(w, fs, stride, pad)
        pool_out = fn * (conv_h // 2) * (conv_w // 2)

        def weights(shape, fan_in):
            return gaussian(self.rng, shape, weight_scale(weight_init_std, fan_in), self.dtype)

        conv = Convolution(weights((fn, c, fs, fs), c * fs * fs), constant(fn, 0, self.dtype),
                           stride, pad)
        conv.needs_input_grad = False
        self.add_layer("Conv1", conv, W="W1", b="b1")
        self.add_layer("Relu1", Relu())
        self.add_layer("Pool1", Pooling(pool_h=2, pool_w=2, stride=2))
        self.add_layer("Affine1", Affine(weights((pool_out, hidden_size), pool_out),
                                         constant(hidden_size, 0, self.dtype)), W="W2", b="b2")
        self.add_layer("Relu2", Relu())
        self.add_layer("Affine2", Affine(weights((hidden_size, output_size), hidden_size),
                                         constant(output_size, 0, self.dtype)), W="W3", b="b3")

    def config(self) -> dict:
        return {"input_dim": list(self.input_shape), "conv_param": self.conv_param,
                "hidden_size": self.hidden_size, "output_size": self._output_size,
                "weight_init_std": self.weight_init_std}
