"""Every network by its name, to build one from a config or rebuild one from a model file.

A model file says which network it holds (`model`) and how it was built (`config`);
build_model builds that network afresh and load_model then gives it the file's weights, within
a budget: a file of a few numbers cannot ask for gigabytes of weights.
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import to_numpy
from zerodl.errors import ModelFileError
from zerodl.io import (
    build_within_budget,
    excerpt,
    fill_model,
    load_state,
    read_model_file,
    state_dict,
)
from zerodl.nets.deep_conv_net import DeepConvNet
from zerodl.nets.multi_layer_net import MultiLayerNet
from zerodl.nets.multi_layer_net_extend import MultiLayerNetExtend
from zerodl.nets.simple_conv_net import SimpleConvNet
from zerodl.nets.three_layer_net import ThreeLayerNet
from zerodl.nets.two_layer_net import TwoLayerNet

MODELS = {cls.model_name: cls for cls in (ThreeLayerNet, TwoLayerNet, MultiLayerNet,
                                           MultiLayerNetExtend, SimpleConvNet, DeepConvNet)}


def build_model(name: str, config: dict, dtype=None, seed: int | None = None):
    """Build a network from its registry name and config, its weights freshly initialised
    (from `seed`); a model file's name and config rebuild the network it was saved from."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model '{name}': use one of {', '.join(MODELS)}") from None
    kwargs = {} if dtype is None else {"dtype": dtype}
    if hasattr(cls, "from_config"):
        return cls.from_config(config, **kwargs)
    return cls(**config, **kwargs, seed=seed)


def load_model(path):
    """Rebuild a network from a model file (or from the model part of a checkpoint).

    The returned network has a `meta` dict with the extra metadata saved beside it (e.g. dataset).
    """
    name, config, dtype, tensors, meta = read_model_file(path)
    if name not in MODELS:
        raise ModelFileError(f"{path}: unknown model {excerpt(name)}: zerodl has"
                             f" {', '.join(MODELS)}")
    model = build_within_budget(path, tensors, f"config does not describe a valid {name!r} model",
                                lambda: build_model(name, config, dtype=dtype))
    return fill_model(model, path, tensors, meta)


def convert_dtype(model, dtype):
    """A copy of `model` with its weights (and buffers) cast to `dtype`, e.g. np.float16."""
    copy = build_model(model.model_name, model.config(), dtype=np.dtype(dtype))
    load_state(copy, {k: to_numpy(v) for k, v in state_dict(model).items()})
    copy.meta = dict(getattr(model, "meta", {}))
    return copy
