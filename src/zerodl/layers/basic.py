"""Chapter 5's layers: each a small class whose forward caches what its backward needs.

Parameters and their gradients sit side by side (W and dW, b and db). No backward modifies the
gradient it is given.
"""

from __future__ import annotations

import numpy as np

from zerodl.backend import get_array_module
from zerodl.functions import labels_to_indices, sigmoid
from zerodl.parallel import batch_slices, map_chunks


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b, into `out` if given, in NumPy's type for the pair (float16 with float64 is float64).
    A float16 product is computed with float32 accumulation, the result rounded back to float16
    (what half-precision hardware does, and NumPy has no fast float16 product)."""
    xp = get_array_module(a)
    if np.result_type(a.dtype, b.dtype) == np.float16 and xp is np:
        product = np.matmul(a, b, dtype=np.float32)
        if out is None:
            return product.astype(np.float16)
        np.copyto(out, product, casting="same_kind")
        return out
    return xp.matmul(a, b, out=out)


class Layer:
    """What every layer shares: the names of its parameters (gradients are 'd' + name)."""

    param_names: tuple[str, ...] = ()
    # Dropout and BatchNormalization behave differently when training; they take train_flg.
    has_train_mode = False
    # Convolution and Pooling share chunks of the batch among the cores (zerodl.parallel).
    shares_cores = False


class MulLayer(Layer):
    """The multiplication node of a computational graph: out = x * y.

    d(out)/dx = y and d(out)/dy = x, so backward swaps the inputs: forward keeps x and y.
    """

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        """Returns (dx, dy): each input's gradient is dout times the other input."""
        return dout * self.y, dout * self.x


class AddLayer(Layer):
    """The addition node of a computational graph: out = x + y.

    d(out)/dx = d(out)/dy = 1, so backward passes dout on unchanged and forward keeps nothing.
    """

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        """Returns (dx, dy): addition passes the gradient on unchanged."""
        return dout * 1, dout * 1


class Relu(Layer):
    """y = max(0, x): any shape -> same shape.

    dy/dx is 1 where x > 0 and 0 elsewhere: the gradient passes where the unit was on, and
    stops where it was off. Forward keeps its output y, since y > 0 exactly where x > 0.

    Speed: the book keeps the mask x <= 0 and zeroes through it with where(); multiplying by
    y > 0 gives the same numbers several times faster, and keeping y, which the next layer holds
    anyway, saves a pass over x and the mask's memory. An input of more than `chunk_bytes` (a
    convolution's output) is done a few samples at a time, the chunks shared among the cores
    (zerodl.parallel).
    """

    chunk_bytes = 2**20

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self._shared(x):
            self.out = get_array_module(x).maximum(x, 0).astype(x.dtype, copy=False)
            return self.out
        self.out = out = np.empty_like(x)
        map_chunks(lambda part: np.maximum(x[part], 0, out=out[part]),
                   batch_slices(x, self.chunk_bytes))
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if not self._shared(dout):
            return (dout * (self.out > 0)).astype(dout.dtype, copy=False)
        dx = np.empty_like(dout)
        map_chunks(lambda part: np.multiply(dout[part], self.out[part] > 0, out=dx[part]),
                   batch_slices(dout, self.chunk_bytes))
        return dx

    def _shared(self, x: np.ndarray) -> bool:
        """Whether x is worth sharing among the cores: a large NumPy array of samples."""
        return x.ndim > 0 and x.nbytes > self.chunk_bytes and get_array_module(x) is np


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)): any shape -> same shape.

    dy/dx = y (1 - y): the derivative is written with the output alone, so forward keeps y.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out) * self.out


class Tanh(Layer):
    """y = tanh(x): any shape -> same shape.

    dy/dx = 1 - y^2, written with the output alone, so forward keeps y.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = get_array_module(x).tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out**2)


class Affine(Layer):
    """Y = X W + B: (N, D) -> (N, M), with W (D, M) and b (M,); an input (N, C, H, W) is
    flattened to (N, C*H*W) first.

    dX = dY W^T (N, D), dW = X^T dY (D, M), db = the sum of dY over the batch (M,): the
    gradient of W needs the input, so forward keeps X (and its shape, to give dX the same).
    """

    param_names = ("W", "b")

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        if self.x.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"Affine expects {self.W.shape[0]} input features per sample, got"
                f" {self.x.shape[1]} (input shape {x.shape})"
            )
        return matmul(self.x, self.W) + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss(Layer):
    """Softmax then cross-entropy: scores (N, C) and labels t, (N,) or one-hot (N, C) -> the
    mean loss L = -(1/N) sum_n log y[n, t_n], where y = softmax(scores).

    dL/d(scores) = (y - t) / N: the two functions together have the simplest gradient of all,
    which is why they are one layer. Forward keeps y and the labels.
    """

    def forward(self, x: np.ndarray, t) -> float:
        xp = get_array_module(x)
        n = x.shape[0]
        self.labels = xp.asarray(labels_to_indices(t, x.shape[1], n))
        # log softmax via log-sum-exp: finite for any scores, and exactly the loss whose gradient
        # backward returns (the book's log(y + 1e-7) is off by about 1e-7 / y).
        shifted = x - x.max(axis=1, keepdims=True)
        log_y = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        self.y = xp.exp(log_y)
        self.loss = float(-log_y[xp.arange(n), self.labels].sum() / n)
        return self.loss

    def backward(self, dout=1.0) -> np.ndarray:
        """(y - t) / N: the gradient of the mean loss with respect to the scores."""
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[get_array_module(dx).arange(n), self.labels] -= 1
        return dx * (dout / n)
