"""Chapter 6's MultiLayerNet with Batch Normalization and Dropout in every hidden layer."""

from __future__ import annotations

import numpy as np

from zerodl.init import constant
from zerodl.layers import BatchNormalization, Dropout
from zerodl.nets.multi_layer_net import MultiLayerNet


class MultiLayerNetExtend(MultiLayerNet):
    """Affine -> [BatchNorm] -> activation -> [Dropout] per hidden layer: (N, D) -> (N, classes).

    dropout_scale ('inverted' or 'book', see Dropout) and batchnorm_style ('standard' or 'book',
    see BatchNormalization) choose between today's conventions and the book's code.
    """

    model_name = "mlp-extend"

    def __init__(self, input_size: int, hidden_size_list: list[int], output_size: int,
                 activation: str = "relu", weight_init_std: str | float = "relu",
                 weight_decay_lambda: float = 0.0, use_dropout: bool = False,
                 dropout_ration: float = 0.5, use_batchnorm: bool = False, *,
                 dropout_scale: str = "inverted", batchnorm_style: str = "standard",
                 seed: int | None = None, dtype=np.float32) -> None:
        # `dropout_ration` keeps the book's spelling so that its code runs unchanged.
        self.use_dropout, self.dropout_ration = use_dropout, dropout_ration
        self.use_batchnorm, self.dropout_scale = use_batchnorm, dropout_scale
        self.batchnorm_style = batchnorm_style
        super().__init__(input_size, hidden_size_list, output_size, activation, weight_init_std,
                         weight_decay_lambda, seed=seed, dtype=dtype)

    def add_hidden_layers(self, i: int) -> None:
        if self.use_batchnorm:
            size = self.hidden_size_list[i - 1]
            bn = BatchNormalization(constant(size, 1, self.dtype), constant(size, 0, self.dtype),
                                    style=self.batchnorm_style)
            self.add_layer(f"BatchNorm{i}", bn, gamma=f"gamma{i}", beta=f"beta{i}",
                           buffers={"running_mean": f"running_mean{i}",
                                    "running_var": f"running_var{i}"})
        super().add_hidden_layers(i)
        if self.use_dropout:
            self.add_layer(f"Dropout{i}", Dropout(self.dropout_ration, scale=self.dropout_scale,
                                                  rng=self.rng))

    def config(self) -> dict:
        return {**super().config(), "use_dropout": self.use_dropout,
                "dropout_ration": self.dropout_ration, "use_batchnorm": self.use_batchnorm,
                "dropout_scale": self.dropout_scale, "batchnorm_style": self.batchnorm_style}
