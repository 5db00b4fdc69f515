"""The three benchmarked networks in zerodl and in PyTorch, their input batch, and the
floating-point operations of one training step and of one inference pass."""

from __future__ import annotations

import numpy as np

from zerodl.layers import Affine, Convolution
from zerodl.nets import DeepConvNet, MultiLayerNet, SimpleConvNet

BATCH = 100
MODELS = ("mlp", "simple-conv", "deep-conv")
CONVOLUTIONAL = ("simple-conv", "deep-conv")


def make_zerodl_model(name: str, seed: int = 0):
    if name == "mlp":
        return MultiLayerNet(784, [100], 10, seed=seed)
    if name == "simple-conv":
        return SimpleConvNet(seed=seed)
    if name == "deep-conv":
        return DeepConvNet(seed=seed)
    raise ValueError(f"unknown benchmark model '{name}': use one of {', '.join(MODELS)}")


def make_torch_model(name: str):
    """The same architectures in PyTorch."""
    # optional: pip install 'zerodl[bench]'
    import torch.nn as nn

    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
    if name == "simple-conv":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    if name != "deep-conv":
        raise ValueError(f"unknown benchmark model '{name}': use one of {', '.join(MODELS)}")
    layers, channels = [], 1
    for i, (fn, pad) in enumerate(((16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)), 1):
        layers += [nn.Conv2d(channels, fn, 3, padding=pad), nn.ReLU()]
        channels = fn
        if i % 2 == 0:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(64 * 4 * 4, 50), nn.ReLU(), nn.Dropout(0.5),
               nn.Linear(50, 10), nn.Dropout(0.5)]
    return nn.Sequential(*layers)


def batch(name: str, rng: np.random.Generator):
    shape = (BATCH, 784) if name == "mlp" else (BATCH, 1, 28, 28)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, BATCH)


def _products(net, name: str) -> list[float]:
    """The FLOPs of each Affine and Convolution's forward product, in the network's order,
    counted as the direct method does: 2 N M K for an (N, K) @ (K, M) product, and
    2 N OH OW FN C FH FW for a convolution (each output value a dot product of C FH FW terms)."""
    x, _ = batch(name, np.random.default_rng(0))
    flops = []
    for row in net.summary(x):
        layer = net.layers[row["name"]]
        if isinstance(layer, Affine):
            flops.append(2.0 * BATCH * layer.W.shape[0] * layer.W.shape[1])
        elif isinstance(layer, Convolution):
            _, out_h, out_w = row["output_shape"]
            flops.append(2.0 * layer.W.size * BATCH * out_h * out_w)  # W.size = FN C FH FW
    return flops


def infer_flops(net, name: str) -> float:
    """FLOPs of one inference pass of a batch: every layer's forward product (see train_flops)."""
    return sum(_products(net, name))


def train_flops(net, name: str) -> float:
    """FLOPs of one training step of a batch, counted the same way for every framework.

    Each Affine and Convolution counts its forward product and the two products of backward,
    the weight gradient and the input gradient, each at the direct method's cost: for a
    convolution 2 N OH OW FN C FH FW, whether im2col, a turned-filter convolution, Winograd or
    an FFT does the work (the backward products have the same count as forward). The first
    layer's input gradient is not counted: nothing needs the gradient with respect to the
    network's input, and neither zerodl's conv nets nor PyTorch (whose input does not require a
    gradient) compute it; a framework that does (zerodl's MLP) does work that is not counted.
    Biases, activations, pooling, the loss and the optimizer's update are not counted (they are
    a few elementwise operations per value, next to the products' C FH FW multiply-adds).
    """
    flops = _products(net, name)
    return 3 * sum(flops) - (flops[0] if flops else 0.0)
