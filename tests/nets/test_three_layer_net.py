import numpy as np
import pytest

from zerodl.errors import ModelFileError
from zerodl.nets import ThreeLayerNet


def random_params(rng, sizes=(784, 50, 100, 10)):
    params = {}
    for i in (1, 2, 3):
        params[f"W{i}"] = rng.standard_normal((sizes[i - 1], sizes[i])) * 0.1
        params[f"b{i}"] = rng.standard_normal(sizes[i]) * 0.1
    return params


def test_predict_equals_direct_numpy_computation():
    rng = np.random.default_rng(0)
    p = random_params(rng)
    x = rng.random((5, 784))
    z1 = 1 / (1 + np.exp(-(x @ p["W1"] + p["b1"])))
    z2 = 1 / (1 + np.exp(-(z1 @ p["W2"] + p["b2"])))
    a3 = z2 @ p["W3"] + p["b3"]
    expected = np.exp(a3) / np.exp(a3).sum(axis=1, keepdims=True)
    y = ThreeLayerNet(p).predict(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_allclose(ThreeLayerNet(p).predict(x[0]), expected[0], rtol=1e-12)


def test_books_small_network_example():
    p = {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]), "b1": np.array([0.1, 0.2, 0.3]),
         "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]), "b2": np.array([0.1, 0.2]),
         "W3": np.array([[0.1, 0.3], [0.2, 0.4]]), "b3": np.array([0.1, 0.2])}
    # The book's identity output is [0.31682708, 0.69627909]; ThreeLayerNet applies softmax.
    expected = np.exp([0.31682708, 0.69627909]) / np.exp([0.31682708, 0.69627909]).sum()
    np.testing.assert_allclose(ThreeLayerNet(p).predict(np.array([1.0, 0.5])), expected, rtol=1e-7)


def test_accuracy_with_integer_and_one_hot_labels():
    rng = np.random.default_rng(1)
    net = ThreeLayerNet(random_params(rng))
    x = rng.random((30, 784))
    predicted = net.predict(x).argmax(axis=1)
    t = predicted.copy()
    t[:10] = (t[:10] + 1) % 10
    assert net.accuracy(x, t) == pytest.approx(20 / 30)
    assert net.accuracy(x, np.eye(10)[t], batch_size=7) == pytest.approx(20 / 30)


def test_missing_or_mismatched_weights_are_named():
    p = random_params(np.random.default_rng(2))
    del p["b2"]
    with pytest.raises(ModelFileError, match="b2"):
        ThreeLayerNet(p)
    p = random_params(np.random.default_rng(2))
    p["W2"] = np.zeros((49, 100))
    with pytest.raises(ModelFileError, match=r"W2 \(49, 100\)"):
        ThreeLayerNet(p)
