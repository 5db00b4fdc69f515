import numpy as np
import pytest

from zerodl.gradient import gradient_check
from zerodl.nets import MultiLayerNet


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_backprop_matches_numerical_gradient_with_weight_decay(activation):
    rng = np.random.default_rng(0)
    net = MultiLayerNet(6, [5, 4], 3, activation=activation, weight_init_std=0.8,
                        weight_decay_lambda=0.3, seed=2, dtype=np.float64)
    x, t = rng.standard_normal((4, 6)), rng.integers(0, 3, 4)
    errors = gradient_check(net, x, t)
    assert sorted(errors) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert max(errors.values()) < 1e-6


def test_weight_decay_adds_l2_penalty_to_loss():
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 6)), rng.integers(0, 3, 4)
    plain = MultiLayerNet(6, [5], 3, seed=0, dtype=np.float64)
    decayed = MultiLayerNet(6, [5], 3, weight_decay_lambda=0.1, seed=0, dtype=np.float64)
    squares = sum(np.sum(plain.params[k] ** 2) for k in ("W1", "W2"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + 0.05 * squares)


@pytest.mark.parametrize(("spec", "fan_in", "expected"),
                         [("he", 400, np.sqrt(2 / 400)), ("relu", 400, np.sqrt(2 / 400)),
                          ("xavier", 400, np.sqrt(1 / 400)), ("sigmoid", 400, np.sqrt(1 / 400)),
                          (0.01, 400, 0.01)])
def test_init_scales(spec, fan_in, expected):
    net = MultiLayerNet(fan_in, [300], 10, weight_init_std=spec, seed=0)
    assert net.params["W1"].std() == pytest.approx(expected, rel=0.02)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        MultiLayerNet(4, [3], 2, activation="gelu")
    with pytest.raises(ValueError, match="unknown weight_init_std 'lecun'"):
        MultiLayerNet(4, [3], 2, weight_init_std="lecun")
