import warnings

import numpy as np
import pytest

from zerodl.functions import (
    cross_entropy_error,
    identity_function,
    mean_squared_error,
    relu,
    sigmoid,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
    tanh,
)


def test_step_is_one_only_for_positive_inputs():
    np.testing.assert_array_equal(step_function([-1.0, 0.0, 0.5, 1.0, 2.0]), [0, 0, 1, 1, 1])


def test_sigmoid_values_and_no_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0]))
    np.testing.assert_allclose(y, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1.0])
    assert np.all(np.isfinite(y))


def test_sigmoid_keeps_float32():
    assert sigmoid(np.ones(3, np.float32)).dtype == np.float32


def test_relu_tanh_identity():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(tanh(x), np.tanh(x))
    assert identity_function(x) is x


def test_softmax_matches_definition_and_sums_to_one():
    a = np.array([0.3, 2.9, 4.0])
    expected = np.exp(a) / np.exp(a).sum()
    np.testing.assert_allclose(softmax(a), expected)
    batch = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, 1.0]])
    y = softmax(batch)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[1], 1 / 3)


def test_softmax_is_finite_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(np.array([[1000.0, 1010.0, 990.0], [-1000.0, 1000.0, 0.0]]))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    np.testing.assert_allclose(y[1], [0.0, 1.0, 0.0])


def test_books_loss_examples():
    t = np.zeros(10)
    t[2] = 1
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert sum_squared_error(y, t) == pytest.approx(0.0975)
    assert cross_entropy_error(y, t) == pytest.approx(0.510825457099338)
    assert cross_entropy_error(y, 2) == pytest.approx(0.510825457099338)
    assert mean_squared_error(y, t) == pytest.approx(0.0195)


def test_cross_entropy_averages_over_batch_for_both_label_kinds():
    y = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = -(np.log(0.7 + 1e-7) + np.log(0.8 + 1e-7)) / 2
    assert cross_entropy_error(y, np.array([0, 2])) == pytest.approx(expected)
    assert cross_entropy_error(y, np.eye(3)[[0, 2]]) == pytest.approx(expected)


def test_cross_entropy_is_finite_for_zero_probability():
    assert np.isfinite(cross_entropy_error(np.array([[0.0, 1.0]]), np.array([0])))


def test_losses_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        mean_squared_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="do not fit"):
        cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 5]))


def test_gradients_of_sigmoid_and_relu_match_numerical_derivatives():
    from zerodl.functions import relu_grad, sigmoid_grad
    from zerodl.gradient import numerical_diff

    for x in (-3.0, -0.5, 0.7, 2.0):
        assert sigmoid_grad(x) == pytest.approx(numerical_diff(sigmoid, x), rel=1e-7)
        assert relu_grad(x) == pytest.approx(numerical_diff(relu, x))


def test_labels_may_be_a_column_and_softmax_loss_is_the_loss_of_scores():
    scores = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    y = softmax(scores)
    assert cross_entropy_error(y, np.array([[0], [1]])) == cross_entropy_error(y, np.array([0, 1]))
    assert softmax_loss(scores, np.array([0, 1])) == cross_entropy_error(y, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"\(2,\) or \(2, 1\)"):
        cross_entropy_error(y, np.array([[0, 1]]))
