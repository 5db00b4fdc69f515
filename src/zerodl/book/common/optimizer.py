"""common.optimizer: zerodl's optimizers, which take the book's arguments and defaults.

Their update(params, grads) moves arrays in place and numbers by replacing them, so the book's
two-variable example (a dict of floats) moves too.
"""

import numpy as np

from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Nesterov", "RMSprop", "np"]
