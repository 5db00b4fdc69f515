"""zerodl's layers, functions and optimizers against PyTorch's, on the same numbers."""

import numpy as np
import pytest

from reference import compare_layer, compare_optimizer, torch
from zerodl.layers import (
    Affine,
    AvgPooling,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    Tanh,
)
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

F = torch.nn.functional
DTYPES = [np.float64, np.float32]


def rand(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 5), (7, 3), (32, 20)])
def test_affine(dtype, shape):
    n, d = shape
    W, b = rand(d, 4, dtype=dtype, seed=1), rand(4, dtype=dtype, seed=2)
    compare_layer(Affine(W, b), lambda x, W, b: x @ W + b, rand(n, d, dtype=dtype))


def test_affine_flattens_images_as_torch_does():
    W, b = rand(2 * 3 * 3, 5, seed=1), rand(5, seed=2)
    compare_layer(Affine(W, b), lambda x, W, b: x.flatten(1) @ W + b, rand(4, 2, 3, 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layer, fn", [(Relu, torch.relu), (Sigmoid, torch.sigmoid),
                                       (Tanh, torch.tanh)])
def test_activations(dtype, layer, fn):
    x = rand(6, 9, dtype=dtype) * 3
    compare_layer(layer(), fn, x)
    compare_layer(layer(), fn, rand(2, 3, 4, 5, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", ["indices", "one-hot"])
def test_softmax_with_cross_entropy(dtype, labels):
    x = rand(8, 10, dtype=dtype) * 4
    t = np.random.default_rng(3).integers(0, 10, 8)
    target = t if labels == "indices" else np.eye(10, dtype=dtype)[t]
    compare_layer(SoftmaxWithLoss(), lambda x, t: F.cross_entropy(x, t), x, target)


def test_softmax_of_large_scores_matches_torch():
    from zerodl.functions import softmax

    x = rand(5, 10) * 300  # exp overflows unless the maximum is subtracted first
    np.testing.assert_allclose(softmax(x), torch.softmax(torch.from_numpy(x), dim=1).numpy(),
                               rtol=1e-12, atol=1e-300)


CONVOLUTIONS = [  # (N, C, H, W), (FN, FH, FW), stride, pad
    ((2, 1, 7, 7), (3, 3, 3), 1, 0), ((2, 3, 8, 8), (4, 3, 3), 1, 1),
    ((1, 2, 9, 7), (5, 5, 5), 1, 2), ((3, 4, 8, 8), (2, 3, 3), 2, 1),
    ((2, 3, 10, 10), (6, 2, 2), 2, 0), ((1, 16, 6, 6), (8, 3, 3), 1, 1),
    ((2, 2, 11, 11), (3, 4, 4), 3, 1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, filters, stride, pad", CONVOLUTIONS)
def test_convolution(dtype, x_shape, filters, stride, pad):
    fn, fh, fw = filters
    W = rand(fn, x_shape[1], fh, fw, dtype=dtype, seed=1)
    b = rand(fn, dtype=dtype, seed=2)
    compare_layer(Convolution(W, b, stride=stride, pad=pad),
                  lambda x, W, b: F.conv2d(x, W, b, stride=stride, padding=pad),
                  rand(*x_shape, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size, stride, pad", [(2, 2, 0), (3, 1, 1), (3, 2, 1), (2, 1, 0)])
def test_max_pooling(dtype, size, stride, pad):
    x = rand(2, 3, 8, 8, dtype=dtype)
    compare_layer(Pooling(size, size, stride, pad),
                  lambda x: F.max_pool2d(x, size, stride, pad), x)


@pytest.mark.parametrize("size, stride, pad", [(2, 2, 0), (3, 1, 1), (3, 2, 1)])
def test_average_pooling(size, stride, pad):
    # zerodl counts padding as zeros, as PyTorch does by default
    compare_layer(AvgPooling(size, size, stride, pad),
                  lambda x: F.avg_pool2d(x, size, stride, pad, count_include_pad=True),
                  rand(2, 3, 8, 8))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(16, 6), (4, 3, 5, 5)])
def test_batch_normalization_training(dtype, shape):
    channels = shape[1]
    gamma, beta = 1 + rand(channels, dtype=dtype, seed=1) * 0.1, rand(channels, dtype=dtype, seed=2)
    layer = BatchNormalization(gamma, beta, momentum=0.9)
    running_mean = torch.zeros(channels, dtype=torch.from_numpy(gamma).dtype)
    running_var = torch.ones_like(running_mean)

    def fn(x, gamma, beta):
        return F.batch_norm(x, running_mean, running_var, gamma, beta, training=True,
                            momentum=0.1, eps=layer.eps)

    x = rand(*shape, dtype=dtype) * 2 + 1
    compare_layer(layer, fn, x, train=True)
    # the running mean moves alike; the running variance does not: PyTorch keeps the unbiased
    # estimate, zerodl (as the book) the batch's own variance
    np.testing.assert_allclose(layer.running_mean, running_mean.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_normalization_inference():
    gamma, beta = 1 + rand(4, seed=1) * 0.1, rand(4, seed=2)
    mean, var = rand(4, seed=3), np.abs(rand(4, seed=4)) + 0.5
    layer = BatchNormalization(gamma, beta, running_mean=mean.copy(), running_var=var.copy())

    def fn(x, gamma, beta):
        return F.batch_norm(x, torch.from_numpy(mean), torch.from_numpy(var), gamma, beta,
                            training=False, eps=layer.eps)

    compare_layer(layer, fn, rand(5, 4, 3, 3), train=False)


def test_dropout_in_inference_is_the_identity_as_in_torch():
    x = rand(6, 7)
    compare_layer(Dropout(0.5), lambda x: F.dropout(x, 0.5, training=False), x, train=False)


OPTIMIZERS = [
    (SGD(lr=0.01), torch.optim.SGD, {"lr": 0.01}),
    (Momentum(lr=0.01, momentum=0.9), torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}),
    (Nesterov(lr=0.01, momentum=0.9), torch.optim.SGD,
     {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    (AdaGrad(lr=0.1), torch.optim.Adagrad, {"lr": 0.1, "eps": 1e-7}),
    (RMSprop(lr=0.01, decay_rate=0.99), torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.99,
                                                               "eps": 1e-7}),
    (Adam(lr=0.01), torch.optim.Adam, {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8}),
]


@pytest.mark.parametrize("ours, theirs, options", OPTIMIZERS,
                         ids=[type(o).__name__ for o, _, _ in OPTIMIZERS])
def test_optimizers_follow_torch_optim_for_200_steps(ours, theirs, options):
    compare_optimizer(ours, theirs, steps=200, **options)
