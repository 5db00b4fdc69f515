"""common.multi_layer_net: zerodl's MultiLayerNet, in the precision of the run's conventions."""

import numpy as np

from zerodl import nets
from zerodl.book.settings import network_options

__all__ = ["MultiLayerNet", "np"]


class MultiLayerNet(nets.MultiLayerNet):
    """The book's MultiLayerNet(input_size, hidden_size_list, output_size, activation,
    weight_init_std, weight_decay_lambda): zerodl's, its weights drawn from a generator that
    NumPy's global one seeds, float64 under the book's conventions."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{**network_options(), **kwargs})
