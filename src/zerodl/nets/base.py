"""What the book's layered networks share: a chain of layers, a loss layer, and their parameters.

A subclass builds its layers in __init__ with add_layer(), naming which layer attribute holds
which entry of `params` (the book's keys: W1, b1, ...). Everything else — prediction, loss with
weight decay, backprop, accuracy, train/eval modes, saving — is here once.
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np

from zerodl.backend import array_module, get_array_module, to_numpy
from zerodl.errors import ModelFileError
from zerodl.functions import labels_to_indices
from zerodl.gradient import numerical_gradient
from zerodl.io import (
    build_within_budget,
    excerpt,
    fill_model,
    load_weights_into,
    read_model_file,
    save_model,
)
from zerodl.layers import Convolution, Layer, Pooling, Relu, SoftmaxWithLoss
from zerodl.parallel import one_blas_thread


class Network:
    """A sequence of layers ending in SoftmaxWithLoss, with its parameters in `params`."""

    model_name: ClassVar[str] = ""

    def __init__(self, *, seed: int | None = None, dtype=np.float32,
                 weight_decay_lambda: float = 0.0) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.layers: OrderedDict[str, Layer] = OrderedDict()
        self.last_layer = SoftmaxWithLoss()
        self.dtype = np.dtype(dtype)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.weight_decay_lambda = weight_decay_lambda
        self.training = False
        # params key -> (layer, attribute name) for every parameter, and likewise for buffers:
        # state that is saved but not trained (BatchNormalization's running averages)
        self._owners: dict[str, tuple[Layer, str]] = {}
        self._buffer_owners: dict[str, tuple[Layer, str]] = {}

    def add_layer(self, name: str, layer: Layer, buffers: dict[str, str] | None = None,
                  **param_keys: str) -> Layer:
        """Append a layer; param_keys maps its attributes to params keys, e.g. W='W1', b='b1',
        and buffers its saved non-trained attributes, e.g. {'running_mean': 'running_mean1'}."""
        self.layers[name] = layer
        for attr, key in param_keys.items():
            self.params[key] = getattr(layer, attr)
            self._owners[key] = (layer, attr)
        for attr, key in (buffers or {}).items():
            self._buffer_owners[key] = (layer, attr)
        return layer

    def buffers(self) -> dict[str, np.ndarray]:
        """Saved state that is not trained by gradients, keyed like params."""
        return {key: getattr(layer, attr) for key, (layer, attr) in self._buffer_owners.items()}

    # -- modes ---------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Network:
        """Training mode: Dropout drops units and BatchNormalization uses batch statistics."""
        self.training = mode
        return self

    def eval(self) -> Network:
        """Inference mode (the default)."""
        return self.train(False)

    # -- device --------------------------------------------------------------------------------
    @property
    def xp(self):
        """The array module of the parameters: numpy, or cupy on a GPU."""
        return get_array_module(next(iter(self.params.values())))

    def to(self, device: str) -> Network:
        """Move parameters and buffers to 'cpu' (NumPy) or 'cuda' (CuPy), in place."""
        xp = array_module(device)
        convert = to_numpy if xp is np else xp.asarray
        for owners in (self._owners, self._buffer_owners):
            for key, (layer, attr) in owners.items():
                moved = convert(getattr(layer, attr))
                setattr(layer, attr, moved)
                if key in self.params:
                    self.params[key] = moved
        return self

    # -- the book's interface ------------------------------------------------------------------
    def predict(self, x: np.ndarray, train_flg: bool | None = None) -> np.ndarray:
        """Scores before softmax: (N, ...) -> (N, classes)."""
        train_flg = self.training if train_flg is None else train_flg
        x = self.xp.asarray(x, dtype=self.dtype)
        with self._cores():
            if train_flg:
                for layer in self.layers.values():
                    x = layer.forward(x, True) if layer.has_train_mode else layer.forward(x)
            else:
                for step in self._inference_steps():
                    x = step(x)
        return x

    def _inference_steps(self) -> list[Callable[[np.ndarray], np.ndarray]]:
        """The layers as inference runs them. A Convolution followed by a Relu, and by a max
        Pooling after that, is one step (Convolution.infer): the same numbers as the layers one
        by one, with a few images at a time going through all of them. Every other layer is a
        step of its own."""
        layers, steps = list(self.layers.values()), []
        while layers:
            layer = layers.pop(0)
            if type(layer) is Convolution and layers and type(layers[0]) is Relu:
                layers.pop(0)
                pool = layers.pop(0) if layers and type(layers[0]) is Pooling else None
                steps.append(functools.partial(layer.infer, relu=True, pool=pool))
            elif layer.has_train_mode:
                steps.append(functools.partial(layer.forward, train_flg=False))
            else:
                steps.append(layer.forward)
        return steps

    def _cores(self):
        """one_blas_thread() for a network with layers that share the cores among their own
        threads (see zerodl.parallel); nothing for the others, whose products are better left
        to BLAS's threads."""
        if any(getattr(layer, "shares_cores", False) for layer in self.layers.values()):
            return one_blas_thread()
        return contextlib.nullcontext()

    def weight_decay(self) -> float:
        """0.5 * lambda * sum of squared weights (the L2 penalty), over the W parameters."""
        if not self.weight_decay_lambda:
            return 0.0
        return 0.5 * self.weight_decay_lambda * sum(
            float((self.params[key] ** 2).sum()) for key in self._decayed_keys())

    def _decayed_keys(self) -> list[str]:
        return [key for key, (_, attr) in self._owners.items() if attr == "W"]

    def loss(self, x: np.ndarray, t, train_flg: bool | None = None) -> float:
        """Cross-entropy of softmax(predict(x)) against t, plus the weight-decay penalty."""
        return self.last_layer.forward(self.predict(x, train_flg), t) + self.weight_decay()

    def loss_and_gradient(self, x: np.ndarray, t) -> tuple[float, dict[str, np.ndarray]]:
        """One forward pass in training mode and one backward pass: (loss, grads keyed like params)."""
        with self._cores():
            loss = self.loss(x, t, train_flg=True)
            dout = self.last_layer.backward(1.0)
            for layer in reversed(self.layers.values()):
                dout = layer.backward(dout)
                if dout is None:  # a first layer that skips its unused input gradient
                    break
        grads = {key: getattr(layer, "d" + attr) for key, (layer, attr) in self._owners.items()}
        if self.weight_decay_lambda:
            for key in self._decayed_keys():
                grads[key] = grads[key] + self.weight_decay_lambda * self.params[key]
        return loss, grads

    def gradient(self, x: np.ndarray, t) -> dict[str, np.ndarray]:
        """Gradients of the loss by backpropagation, keyed like params."""
        return self.loss_and_gradient(x, t)[1]

    def numerical_gradient(self, x: np.ndarray, t, h: float = 1e-4) -> dict[str, np.ndarray]:
        """Gradients by central differences (slow: for checking backprop on small inputs)."""
        def f(_):
            return self.loss(x, t, train_flg=True)
        return {key: numerical_gradient(f, param, h) for key, param in self.params.items()}

    def accuracy(self, x: np.ndarray, t, batch_size: int = 256) -> float:
        """Fraction of samples whose highest score is the true class (t integer or one-hot)."""
        return float(np.mean(self.predict_classes(x, batch_size) == self._labels(x, t)))

    def predict_classes(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """argmax of the scores, computed in batches to bound memory: (N, ...) -> (N,) on the host.

        (Batches of 1,000 images made a DeepConvNet hold 730 MB of activations, and ran slower.)
        """
        out = [to_numpy(self.predict(x[i:i + batch_size], train_flg=False).argmax(axis=1))
               for i in range(0, x.shape[0], batch_size)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def _labels(self, x, t) -> np.ndarray:
        return labels_to_indices(t, self.output_size, x.shape[0])

    def summary(self, sample: np.ndarray) -> list[dict]:
        """Each layer's name, type, output shape (for one sample, without the batch axis) and
        number of parameters, found by passing `sample` (one input, batch axis included)
        through the layers in inference mode."""
        counts: dict[int, int] = {}
        for key, (layer, _) in self._owners.items():
            counts[id(layer)] = counts.get(id(layer), 0) + int(self.params[key].size)
        x = self.xp.asarray(sample[:1], dtype=self.dtype)
        rows = []
        with self._cores():
            for name, layer in self.layers.items():
                x = layer.forward(x, False) if layer.has_train_mode else layer.forward(x)
                rows.append({"name": name, "type": type(layer).__name__,
                             "output_shape": list(x.shape[1:]),
                             "parameters": counts.get(id(layer), 0)})
        return rows

    # -- files ---------------------------------------------------------------------------------
    def config(self) -> dict:
        """The constructor arguments that rebuild this architecture (JSON-serialisable)."""
        raise NotImplementedError

    @property
    def output_size(self) -> int:
        return int(self.config()["output_size"])

    def save(self, path, **metadata) -> None:
        """Write weights and config to a safetensors file (no pickle, nothing to execute).

        The book's save_params("params.pkl") wrote a pickle; a .pkl name would now hold a
        safetensors file under a pickle's name, so it is refused."""
        if Path(path).suffix.lower() in (".pkl", ".pickle"):
            raise ModelFileError(f"{path}: zerodl writes model files as safetensors, never as"
                                 f" pickles: name it {Path(path).with_suffix('.safetensors')}")
        save_model(self, path, **metadata)

    save_params = save

    @classmethod
    def load(cls, path) -> Network:
        """The network saved in a model file, rebuilt from its config (e.g. TwoLayerNet.load(p))."""
        name, config, dtype, tensors, meta = read_model_file(path)
        # the class itself or one of its own subclasses (Network.load reads any network)
        found = next((c for c in (cls, *_networks(cls)) if c.model_name == name), None)
        if found is None:
            held = next((c.__name__ for c in _networks(Network) if c.model_name == name),
                        f"model {excerpt(name)}")
            raise ModelFileError(f"{path} holds a {held}, not a {cls.__name__}")
        model = build_within_budget(path, tensors, f"config does not describe a valid {name!r}"
                                    " model", lambda: found(**config, dtype=dtype))
        return fill_model(model, path, tensors, meta)

    def load_params(self, path) -> None:
        """Load weights from a model file into this network (the architecture must match)."""
        load_weights_into(self, path)


def _networks(cls) -> list[type]:
    """Every subclass of `cls`, however deep: the networks that this module need not import."""
    return [c for sub in cls.__subclasses__() for c in (sub, *_networks(sub))]
