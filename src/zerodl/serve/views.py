"""What the page shows of a network: its layers, what each of them computes for one picture, and
its weights as pictures.

Every zerodl network is a chain of layers (`network.layers`), and passing a picture through the
chain one layer at a time gives each layer's activations: an Affine layer's units, a
convolution's feature maps. The book's ThreeLayerNet computes its three layers inline, so the
chain is built for it here, over the very same arrays.
"""

from __future__ import annotations

import base64

import numpy as np

from zerodl.backend import to_numpy
from zerodl.layers import Affine, Convolution, Sigmoid
from zerodl.nets import Network
from zerodl.prediction import model_input

IMAGE_SIDE = 28  # what zerodl.datasets.picture makes of every picture
DECIMALS = 4  # of the activations sent to the page: more than a colour or a tooltip can show


def as_network(model) -> Network:
    """The model as a chain of layers: zerodl's networks are one already; for the book's
    ThreeLayerNet (sigmoid, sigmoid, softmax) it is Affine1, Sigmoid1, ..., Affine3, whose
    scores the softmax turns into the probabilities."""
    if isinstance(model, Network):
        return model
    network = Network(dtype=model.params["W1"].dtype)
    for i in (1, 2, 3):
        network.add_layer(f"Affine{i}", Affine(model.params[f"W{i}"], model.params[f"b{i}"]),
                          W=f"W{i}", b=f"b{i}")
        if i < 3:
            network.add_layer(f"Sigmoid{i}", Sigmoid())
    return network


def blank_input(model) -> np.ndarray:
    """One empty picture in the shape the model takes."""
    return model_input(model, np.zeros((1, IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32))


def pictures(weights: np.ndarray) -> dict:
    """Arrays (K, ..., h, w) as K pictures for the page, compactly: each scaled by its own
    largest |value| into whole numbers from -127 to 127 (the page shows each filter with its own
    contrast anyway), sent as base64 bytes with the scales that turn them back into weights."""
    w = to_numpy(weights).astype(np.float32)
    scale = np.abs(w.reshape(len(w), -1)).max(axis=1)
    divisor = np.where(scale > 0, scale, 1).reshape(-1, *[1] * (w.ndim - 1))
    q = np.round(w / divisor * 127).astype(np.int8)
    return {"shape": list(w.shape), "scale": [float(s) for s in scale],
            "data": base64.b64encode(q.tobytes()).decode("ascii")}


def first_weights(network: Network) -> tuple[str, dict] | None:
    """The first layer's weights as pictures: a convolution's filters, or for an Affine layer
    on the 784 pixels each unit's weights laid out as a 28x28 picture. None for other layers."""
    name, layer = next(iter(network.layers.items()))
    if isinstance(layer, Convolution):
        return name, pictures(layer.W)
    if isinstance(layer, Affine) and layer.W.shape[0] == IMAGE_SIDE * IMAGE_SIDE:
        return name, pictures(to_numpy(layer.W).T.reshape(-1, IMAGE_SIDE, IMAGE_SIDE))
    return None


def describe(model, network: Network) -> list[dict]:
    """Each layer's name, type, output shape and parameter count (Network.summary), and for a
    convolution its filters as pictures."""
    rows = network.summary(blank_input(model))
    for row in rows:
        layer = network.layers[row["name"]]
        if isinstance(layer, Convolution):
            row["filters"] = pictures(layer.W)
    return rows


def activations(network: Network, x: np.ndarray) -> dict[str, list]:
    """What every layer outputs for one input x (batch axis included), in inference mode:
    {layer name: nested lists in the layer's output shape, without the batch axis}."""
    out = {}
    x = network.xp.asarray(x, dtype=network.dtype)
    for name, layer in network.layers.items():
        x = layer.forward(x, False) if layer.has_train_mode else layer.forward(x)
        out[name] = np.round(to_numpy(x[0]).astype(np.float64), DECIMALS).tolist()
    return out
