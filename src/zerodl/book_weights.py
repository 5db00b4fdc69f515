"""Importing the book's published weight files (pickles) without ever running code from them.

The book ships its trained parameters as pickled dicts of NumPy arrays. Plain pickle.load can
execute anything a file asks for, so zerodl unpickles with a loader that admits only what an
array needs (ndarray, dtype and NumPy's array reconstructor) and refuses every other global
before it is looked up, let alone called.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np

from zerodl.errors import ModelFileError

# (module, name) pairs that rebuild plain arrays; NumPy 2 moved numpy.core to numpy._core.
ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
}
MAX_PICKLE_BYTES = 512 * 1024 * 1024


class ArraysOnlyUnpickler(pickle.Unpickler):
    """An Unpickler that can build NumPy arrays and plain containers, and nothing else."""

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise ModelFileError(f"refused to load: the pickle asks for {module}.{name}, and only NumPy"
                             " arrays are allowed (a weight file has no reason to ask for more)")

    def persistent_load(self, pid):
        raise ModelFileError("refused to load: the pickle uses persistent references")


def load_book_params(path) -> dict[str, np.ndarray]:
    """The {name: array} dict of a book weight file, loaded safely and checked."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    if path.stat().st_size > MAX_PICKLE_BYTES:
        raise ModelFileError(f"{path}: {path.stat().st_size} bytes is too large for a weight file")
    try:
        params = ArraysOnlyUnpickler(io.BytesIO(path.read_bytes())).load()
    except ModelFileError as e:
        raise ModelFileError(f"{path}: {e}") from None
    except Exception as e:  # any malformed pickle: truncated, wrong opcodes, bad array state
        raise ModelFileError(f"{path}: not a readable weight pickle ({type(e).__name__}: {e})") from None
    if not isinstance(params, dict) or not params:
        raise ModelFileError(f"{path}: expected a dict of arrays, found {type(params).__name__}")
    for key, value in params.items():
        if not isinstance(key, str) or not isinstance(value, np.ndarray):
            raise ModelFileError(f"{path}: entry {key!r} is not a named array")
        if value.dtype.kind != "f":
            raise ModelFileError(f"{path}: array {key} has dtype {value.dtype}, expected floats")
    return params


def import_book_model(path, model: str, dtype=np.float32):
    """A zerodl network holding the weights of a book file, computing the book's predictions."""
    from zerodl.io import check_names, check_state, load_state
    from zerodl.nets import DeepConvNet, SimpleConvNet, ThreeLayerNet

    params = load_book_params(path)
    if model == "three-layer":
        check_names(("W1", "b1", "W2", "b2", "W3", "b3"), params, path, model)
        return ThreeLayerNet({k: v.astype(dtype) for k, v in params.items()})
    if model == "simple-conv":
        check_names(("W1", "b1", "W2", "b2", "W3", "b3"), params, path, model)
        fn, channels, fs, _ = params["W1"].shape
        net = SimpleConvNet(input_dim=(channels, 28, 28),
                            conv_param={"filter_num": fn, "filter_size": fs, "pad": 0, "stride": 1},
                            hidden_size=params["W2"].shape[1], output_size=params["W3"].shape[1],
                            dtype=dtype)
    elif model == "deep-conv":
        check_names([f"{p}{i}" for i in range(1, 9) for p in ("W", "b")], params, path, model)
        params = dict(params)
        # The book's Dropout scales by (1 - p) = 0.5 at inference, zerodl's (inverted) Dropout
        # does not: fold the two factors of 0.5 (after Affine1's ReLU and after Affine2) into
        # Affine2's weights and bias. Powers of two: the predictions are the book's, bit for bit.
        params["W8"] = params["W8"] * 0.25
        params["b8"] = params["b8"] * 0.5
        net = DeepConvNet(hidden_size=params["W7"].shape[1], output_size=params["W8"].shape[1],
                          dtype=dtype)
    else:
        raise ValueError(f"unknown book model '{model}': use three-layer, simple-conv or deep-conv")
    check_state(net, params, path)
    load_state(net, params)
    return net
