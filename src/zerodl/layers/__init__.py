"""Layers with forward and backward, as in chapters 5 to 7 of the book."""

from zerodl.layers.basic import (
    AddLayer,
    Affine,
    Layer,
    MulLayer,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)
from zerodl.layers.conv import AvgPooling, Convolution, Flatten, Pooling
from zerodl.layers.dropout import Dropout
from zerodl.layers.norm import BatchNormalization

__all__ = [
    "AddLayer",
    "Affine",
    "AvgPooling",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "Flatten",
    "Layer",
    "MulLayer",
    "Pooling",
    "Relu",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Tanh",
]
