import numpy as np
import pytest

from zerodl.gradient import gradient_descent, numerical_diff, numerical_gradient, relative_error


def test_numerical_diff_of_books_function():
    def f(x):
        return 0.01 * x**2 + 0.1 * x

    assert numerical_diff(f, 5) == pytest.approx(0.2, abs=1e-8)
    assert numerical_diff(f, 10) == pytest.approx(0.3, abs=1e-8)


def test_numerical_gradient_any_shape_and_restores_input():
    x = np.array([[3.0, 4.0], [0.0, 2.0]])
    before = x.copy()
    grad = numerical_gradient(lambda a: float(np.sum(a**2)), x)
    np.testing.assert_allclose(grad, 2 * before, atol=1e-6)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(numerical_gradient(lambda a: float(np.sum(a**3)), np.array([1.0, 2.0])),
                               [3.0, 12.0], atol=1e-6)


def test_numerical_gradient_rejects_integers():
    with pytest.raises(TypeError, match="floating-point"):
        numerical_gradient(lambda a: 0.0, np.array([1, 2]))


def test_gradient_descent_reaches_minimum_and_records_path():
    x, path = gradient_descent(lambda a: float(np.sum(a**2)), [-3.0, 4.0], lr=0.1, step_num=100,
                               return_history=True)
    np.testing.assert_allclose(x, [0.0, 0.0], atol=1e-8)
    assert path.shape == (100, 2) and tuple(path[0]) == (-3.0, 4.0)
    far = gradient_descent(lambda a: float(np.sum(a**2)), [-3.0, 4.0], lr=1e-10, step_num=100)
    np.testing.assert_allclose(far, [-3.0, 4.0], atol=1e-6)


def test_relative_error():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 2.2)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([0.0]), np.array([3e-10])) == pytest.approx(3e-10)
    assert relative_error(np.array([0.0]), np.array([1e-3])) == 1.0


def test_sampled_gradient_check_finds_a_broken_backward():
    from zerodl.gradient import gradient_check
    from zerodl.nets import MultiLayerNet

    rng = np.random.default_rng(0)
    net = MultiLayerNet(5, [4], 3, activation="tanh", seed=0, dtype=np.float64)
    x, t = rng.standard_normal((3, 5)), rng.integers(0, 3, 3)
    assert max(gradient_check(net, x, t, samples=6).values()) < 1e-6
    tanh = net.layers["Activation_function1"]
    original = tanh.backward
    tanh.backward = lambda dout: original(dout) * 1.01
    errors = gradient_check(net, x, t, samples=6)
    assert errors["W1"] > 1e-3 and errors["W2"] < 1e-6
