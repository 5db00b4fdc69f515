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

__all__ = ["AddLayer", "Affine", "Layer", "MulLayer", "Relu", "Sigmoid", "SoftmaxWithLoss", "Tanh"]
