import numpy as np
import pytest

from zerodl.gradient import gradient_check
from zerodl.nets import TwoLayerNet


def test_params_use_books_keys_and_shapes():
    net = TwoLayerNet(784, 50, 10)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 50), "b1": (50,), "W2": (50, 10), "b2": (10,)}
    assert net.params["W1"].dtype == np.float32
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.05)


def test_backprop_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    net = TwoLayerNet(8, 6, 4, weight_init_std=0.5, seed=1, dtype=np.float64)
    x, t = rng.standard_normal((5, 8)), rng.integers(0, 4, 5)
    errors = gradient_check(net, x, t)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6


def test_same_seed_same_weights():
    a, b = TwoLayerNet(10, 5, 3, seed=4), TwoLayerNet(10, 5, 3, seed=4)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])


def test_sgd_steps_reduce_loss():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 8)).astype(np.float32)
    t = (x[:, 0] > 0).astype(np.int64)
    net = TwoLayerNet(8, 16, 2, weight_init_std=0.3, seed=0)
    before = net.loss(x, t)
    for _ in range(100):
        grads = net.gradient(x, t)
        for key in net.params:
            net.params[key] -= 0.5 * grads[key]
    assert net.loss(x, t) < before / 3
    assert net.accuracy(x, t) > 0.9
