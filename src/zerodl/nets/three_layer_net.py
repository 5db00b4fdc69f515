"""Chapter 3: the book's 3-layer forward network in matrix form, A = XW + B, Z = h(A)."""

from __future__ import annotations

import numpy as np

from zerodl.backend import array_module, get_array_module, to_numpy
from zerodl.errors import ModelFileError
from zerodl.functions import labels_to_indices, sigmoid, softmax
from zerodl.init import constant

PARAM_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


class ThreeLayerNet:
    """784-50-100-10 (or any sizes its weights give): sigmoid, sigmoid, softmax. Inference only."""

    model_name = "three-layer"

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        missing = [k for k in PARAM_KEYS if k not in params]
        if missing:
            raise ModelFileError(f"ThreeLayerNet needs weights {', '.join(missing)}; they are missing")
        self.params = {k: np.asarray(params[k]) for k in PARAM_KEYS}
        p = self.params
        sizes = [p["W1"].shape[0]]
        for i in (1, 2, 3):
            W, b = p[f"W{i}"], p[f"b{i}"]
            if W.ndim != 2 or W.shape[0] != sizes[-1] or b.shape != (W.shape[1],):
                raise ModelFileError(
                    f"ThreeLayerNet: W{i} {W.shape} and b{i} {b.shape} do not chain after a layer of"
                    f" {sizes[-1]} units"
                )
            sizes.append(W.shape[1])
        self.sizes = sizes

    @classmethod
    def from_config(cls, config: dict, dtype=np.float32) -> ThreeLayerNet:
        """Zero weights of the sizes in config['sizes'], e.g. [784, 50, 100, 10]."""
        s = config["sizes"]
        params = {}
        for i in (1, 2, 3):
            params[f"W{i}"] = constant((s[i - 1], s[i]), 0, dtype)
            params[f"b{i}"] = constant(s[i], 0, dtype)
        return cls(params)

    def config(self) -> dict:
        return {"sizes": self.sizes}

    @property
    def output_size(self) -> int:
        return self.sizes[-1]

    def to(self, device: str) -> ThreeLayerNet:
        """Move the weights to 'cpu' (NumPy) or 'cuda' (CuPy)."""
        xp = array_module(device)
        convert = to_numpy if xp is np else xp.asarray
        self.params = {k: convert(v) for k, v in self.params.items()}
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities: (N, 784) -> (N, 10), or (784,) -> (10,)."""
        p = self.params
        x = get_array_module(p["W1"]).asarray(x)
        a1 = x @ p["W1"] + p["b1"]
        z1 = sigmoid(a1)
        a2 = z1 @ p["W2"] + p["b2"]
        z2 = sigmoid(a2)
        a3 = z2 @ p["W3"] + p["b3"]
        return softmax(a3)

    def predict_classes(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """argmax of predict, in batches: (N, 784) -> (N,)."""
        x = np.asarray(x).reshape(np.shape(x)[0], -1)
        out = [to_numpy(self.predict(x[i:i + batch_size]).argmax(axis=1))
               for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def accuracy(self, x: np.ndarray, t, batch_size: int = 1000) -> float:
        """Fraction of samples classified correctly (t integer or one-hot)."""
        labels = labels_to_indices(t, self.output_size, np.shape(x)[0])
        return float(np.mean(self.predict_classes(x, batch_size) == labels))
