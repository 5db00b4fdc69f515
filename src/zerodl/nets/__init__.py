"""The book's networks, one file each, and a registry to rebuild them by name from a model file."""

from zerodl.nets.base import Network
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


__all__ = [
    "MODELS",
    "DeepConvNet",
    "MultiLayerNet",
    "MultiLayerNetExtend",
    "Network",
    "SimpleConvNet",
    "ThreeLayerNet",
    "TwoLayerNet",
    "build_model",
]
