import numpy as np
import pytest

from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop, make_optimizer

GRADS = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1])]
W0 = np.array([1.0, 2.0])


def run(optimizer, steps=3):
    params = {"W": W0.copy()}
    array = params["W"]
    for g in GRADS[:steps]:
        optimizer.update(params, {"W": g})
    assert params["W"] is array, "update must change the parameter array in place"
    return params["W"]


def reference(rule, steps=3):
    w, state = W0.copy(), {}
    for i, g in enumerate(GRADS[:steps], start=1):
        w = rule(w, g, state, i)
    return w


def test_sgd():
    np.testing.assert_allclose(run(SGD(lr=0.1)), W0 - 0.1 * sum(GRADS))


def test_momentum():
    def rule(w, g, s, i):
        s["v"] = 0.9 * s.get("v", 0) - 0.1 * g
        return w + s["v"]
    np.testing.assert_allclose(run(Momentum(lr=0.1, momentum=0.9)), reference(rule))


def test_nesterov_look_ahead_form():
    # Sutskever et al.: v' = mu v - lr g(w + mu v); with the look-ahead variable u = w + mu v
    # this is u' = u + mu^2 v - (1 + mu) lr g(u), the form the book implements.
    def rule(w, g, s, i):
        v = s.get("v", 0)
        v_new = 0.9 * v - 0.1 * g
        s["v"] = v_new
        return w - 0.9 * v + (1 + 0.9) * v_new
    np.testing.assert_allclose(run(Nesterov(lr=0.1, momentum=0.9)), reference(rule))


def test_adagrad():
    def rule(w, g, s, i):
        s["h"] = s.get("h", 0) + g**2
        return w - 0.1 * g / (np.sqrt(s["h"]) + 1e-7)
    np.testing.assert_allclose(run(AdaGrad(lr=0.1)), reference(rule))


def test_rmsprop():
    def rule(w, g, s, i):
        s["h"] = 0.9 * s.get("h", 0) + 0.1 * g**2
        return w - 0.01 * g / (np.sqrt(s["h"]) + 1e-7)
    np.testing.assert_allclose(run(RMSprop(lr=0.01, decay_rate=0.9)), reference(rule))


def test_adam_with_bias_correction():
    def rule(w, g, s, i):
        s["m"] = 0.9 * s.get("m", 0) + 0.1 * g
        s["v"] = 0.999 * s.get("v", 0) + 0.001 * g**2
        m_hat = s["m"] / (1 - 0.9**i)
        v_hat = s["v"] / (1 - 0.999**i)
        return w - 0.001 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(run(Adam(lr=0.001)), reference(rule), rtol=1e-12)
    # The first Adam step moves each weight by about lr, whatever the gradient's scale.
    np.testing.assert_allclose(run(Adam(lr=0.001), steps=1), W0 - 0.001 * np.sign(GRADS[0]), rtol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_state_dict_resumes_exactly(name):
    straight = make_optimizer(name, lr=0.01)
    expected = run(straight)
    first = make_optimizer(name, lr=0.01)
    params = {"W": W0.copy()}
    for g in GRADS[:2]:
        first.update(params, {"W": g})
    resumed = make_optimizer(name, lr=0.5)
    resumed.load_state_dict(first.state_dict())
    resumed.update(params, {"W": GRADS[2]})
    np.testing.assert_array_equal(params["W"], expected)


def test_float32_parameters_stay_float32():
    params = {"W": np.ones(3, np.float32)}
    for name in ("momentum", "adam", "rmsprop"):
        make_optimizer(name).update(params, {"W": np.ones(3, np.float32)})
    assert params["W"].dtype == np.float32


def test_bad_optimizer_arguments():
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="learning rate must be positive"):
        SGD(lr=-1)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_numbers_move_as_0d_arrays_would(name):
    """The book's two-variable example keeps plain floats in params: they cannot change in
    place, so update() puts the new values back, the very ones an array would take."""
    numbers, arrays = {"x": -7.0, "y": 2.0}, {"x": np.array([-7.0]), "y": np.array([2.0])}
    by_numbers, by_arrays = make_optimizer(name, lr=0.1), make_optimizer(name, lr=0.1)
    for _ in range(5):
        by_numbers.update(numbers, {"x": numbers["x"] / 10, "y": 2 * numbers["y"]})
        by_arrays.update(arrays, {"x": arrays["x"] / 10, "y": 2 * arrays["y"]})
    assert type(numbers["x"]) is float and numbers["x"] != -7.0
    assert numbers == {key: float(value[0]) for key, value in arrays.items()}
