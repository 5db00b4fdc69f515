"""Importing the book's published weight files (pickles) without ever running code from them.

The book ships its trained parameters as pickled dicts of NumPy arrays. Plain pickle.load can
execute anything a file asks for, so zerodl reads the pickle as data with its own interpreter
(zerodl.book_pickle), which recognises the few shapes NumPy arrays are written in and never
imports or calls what the file names. The arrays are then checked against the network they are
for, which is built under a budget: a file of a few numbers cannot ask for gigabytes of weights.
"""

from __future__ import annotations

import numpy as np

from zerodl.book_pickle import read_book_pickle
from zerodl.errors import ModelFileError
from zerodl.io import build_within_budget, check_names, check_state, load_state
from zerodl.nets import DeepConvNet, SimpleConvNet, ThreeLayerNet

BOOK_TENSORS = {
    "three-layer": ("W1", "b1", "W2", "b2", "W3", "b3"),
    "simple-conv": ("W1", "b1", "W2", "b2", "W3", "b3"),
    "deep-conv": tuple(f"{p}{i}" for i in range(1, 9) for p in ("W", "b")),
}


def load_book_params(path) -> dict[str, np.ndarray]:
    """The {name: array} dict of a book weight file, read safely, as floats in native byte order."""
    params = read_book_pickle(path)
    if not params:
        raise ModelFileError(f"{path}: the pickle holds an empty dict, no arrays")
    for key, value in params.items():
        if value.dtype.kind != "f":
            raise ModelFileError(f"{path}: array {key} has dtype {value.dtype}, expected floats")
    return {k: v.astype(v.dtype.newbyteorder("="), copy=False) for k, v in params.items()}


def _shape(params, key: str, ndim: int, model: str) -> tuple[int, ...]:
    shape = params[key].shape
    if len(shape) != ndim:
        raise ModelFileError(f"{key} has shape {shape}; {model} needs {ndim} dimensions")
    return shape


def _book_network(params, model: str, dtype):
    if model == "three-layer":
        return ThreeLayerNet({k: v.astype(dtype) for k, v in params.items()})
    if model == "simple-conv":
        fn, channels, fs, _ = _shape(params, "W1", 4, model)
        return SimpleConvNet(input_dim=(channels, 28, 28),
                             conv_param={"filter_num": fn, "filter_size": fs, "pad": 0, "stride": 1},
                             hidden_size=_shape(params, "W2", 2, model)[1],
                             output_size=_shape(params, "W3", 2, model)[1], dtype=dtype)
    return DeepConvNet(hidden_size=_shape(params, "W7", 2, model)[1],
                       output_size=_shape(params, "W8", 2, model)[1], dtype=dtype)


def import_book_model(path, model: str, dtype=np.float32):
    """A zerodl network holding the weights of a book file, computing the book's predictions."""
    if model not in BOOK_TENSORS:
        raise ValueError(f"unknown book model '{model}': use three-layer, simple-conv or deep-conv")
    params = load_book_params(path)
    check_names(BOOK_TENSORS[model], params, path, model)
    net = build_within_budget(path, params, f"the arrays do not describe a {model} network",
                              lambda: _book_network(params, model, dtype))
    if model == "deep-conv":
        params = dict(params)
        # The book's Dropout scales by (1 - p) = 0.5 at inference, zerodl's (inverted) Dropout
        # does not: fold the two factors of 0.5 (after Affine1's ReLU and after Affine2) into
        # Affine2's weights and bias. Powers of two: the predictions are the book's, bit for bit.
        params["W8"] = params["W8"] * 0.25
        params["b8"] = params["b8"] * 0.5
    check_state(net, params, path)
    load_state(net, params)
    return net
