"""The book's networks, one file each, and the registry that rebuilds them by name from a model
file (zerodl.nets.registry)."""

from zerodl.nets.base import Network
from zerodl.nets.deep_conv_net import DeepConvNet
from zerodl.nets.multi_layer_net import MultiLayerNet
from zerodl.nets.multi_layer_net_extend import MultiLayerNetExtend
from zerodl.nets.registry import MODELS, build_model, convert_dtype, load_model
from zerodl.nets.simple_conv_net import SimpleConvNet
from zerodl.nets.three_layer_net import ThreeLayerNet
from zerodl.nets.two_layer_net import TwoLayerNet

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
    "convert_dtype",
    "load_model",
]
