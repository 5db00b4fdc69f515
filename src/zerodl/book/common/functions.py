"""common.functions: zerodl's activation and loss functions."""

import numpy as np

from zerodl.functions import (
    cross_entropy_error,
    identity_function,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)

__all__ = ["cross_entropy_error", "identity_function", "np", "relu", "relu_grad", "sigmoid",
           "sigmoid_grad", "softmax", "softmax_loss", "step_function", "sum_squared_error"]
