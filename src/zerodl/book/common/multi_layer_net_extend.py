"""common.multi_layer_net_extend: zerodl's MultiLayerNetExtend, with the run's conventions."""

import numpy as np

from zerodl import nets
from zerodl.book.settings import current, network_options

__all__ = ["MultiLayerNetExtend", "np"]


class MultiLayerNetExtend(nets.MultiLayerNetExtend):
    """The book's MultiLayerNetExtend(input_size, hidden_size_list, output_size, activation,
    weight_init_std, weight_decay_lambda, use_dropout, dropout_ration, use_batchnorm):
    zerodl's, with the precision, Dropout and Batch Normalization of the run's conventions."""

    def __init__(self, *args, **kwargs) -> None:
        conventions = current().conventions
        super().__init__(*args, **{**network_options(), "dropout_scale": conventions.dropout_scale,
                                   "batchnorm_style": conventions.batchnorm_style, **kwargs})
