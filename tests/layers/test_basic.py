import numpy as np
import pytest

from zerodl.layers import AddLayer, Affine, MulLayer, Relu, Sigmoid, SoftmaxWithLoss, Tanh


def test_books_shopping_example():
    apple, apple_num, orange, orange_num, tax = 100, 2, 150, 3, 1.1
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    apple_price = mul_apple.forward(apple, apple_num)
    orange_price = mul_orange.forward(orange, orange_num)
    total = add.forward(apple_price, orange_price)
    price = mul_tax.forward(total, tax)
    assert price == pytest.approx(715)

    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert (dapple_num, dapple, dorange, dorange_num, dtax) == pytest.approx((110, 2.2, 3.3, 165, 650))


def test_relu_forward_backward_values():
    layer = Relu()
    np.testing.assert_array_equal(layer.forward(np.array([[1.0, -0.5], [-2.0, 3.0]])),
                                  [[1.0, 0.0], [0.0, 3.0]])
    dout = np.array([[5.0, 6.0], [7.0, 8.0]])
    np.testing.assert_array_equal(layer.backward(dout), [[5.0, 0.0], [0.0, 8.0]])
    np.testing.assert_array_equal(dout, [[5.0, 6.0], [7.0, 8.0]])  # the book's version zeroes it


@pytest.mark.parametrize("layer_cls", [Relu, Sigmoid, Tanh])
def test_activation_gradients(layer_cls, layer_check):
    x = np.random.default_rng(1).standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU away from its kink
    assert max(layer_check(layer_cls(), x).values()) < 1e-6


def test_affine_gradients_and_shape_restore(layer_check):
    rng = np.random.default_rng(2)
    layer = Affine(rng.standard_normal((12, 5)), rng.standard_normal(5))
    x = rng.standard_normal((3, 3, 2, 2))
    errors = layer_check(layer, x)
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) < 1e-6
    assert layer.backward(np.ones((3, 5))).shape == (3, 3, 2, 2)


def test_affine_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match="expects 4 input features per sample, got 6"):
        Affine(np.zeros((4, 2)), np.zeros(2)).forward(np.zeros((1, 6)))


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_gradient(one_hot):
    from zerodl.gradient import numerical_gradient, relative_error

    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    labels = np.eye(3)[t] if one_hot else t
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, labels)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(y[np.arange(4), t])))
    dx = layer.backward()
    numerical = numerical_gradient(lambda _: SoftmaxWithLoss().forward(x, labels), x)
    assert relative_error(dx, numerical) < 1e-6


def test_softmax_with_loss_is_finite_for_extreme_scores():
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([[1000.0, -1000.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0)
    assert np.all(np.isfinite(layer.backward()))


def test_float32_stays_float32():
    x = np.ones((2, 3), np.float32)
    for layer in (Relu(), Sigmoid(), Tanh()):
        assert layer.forward(x).dtype == np.float32
        assert layer.backward(x).dtype == np.float32
    affine = Affine(np.ones((3, 2), np.float32), np.zeros(2, np.float32))
    assert affine.forward(x).dtype == np.float32


def test_matmul_accumulates_float16_in_float32_with_or_without_out():
    from zerodl.layers.basic import matmul

    # 4096 products of 1.0 * 1.0: float16 accumulation would stall at 2048
    a, b = np.ones((2, 4096), np.float16), np.ones((4096, 3), np.float16)
    expected = np.full((2, 3), 4096, np.float16)
    result = matmul(a, b)
    assert result.dtype == np.float16
    np.testing.assert_array_equal(result, expected)
    out = np.empty((3, 2), np.float16).T  # a non-contiguous destination
    assert matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, expected)
    x, y = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    out64 = np.empty((2, 4))
    np.testing.assert_array_equal(matmul(x, y, out=out64), x @ y)


def test_matmul_of_float16_with_float64_is_float64_as_numpy_gives():
    from zerodl.layers.basic import matmul

    a = np.array([[1 / 3]], dtype=np.float16)
    b = np.array([[1 / 3]])
    assert matmul(a, b).dtype == np.float64 and matmul(a, b)[0, 0] == np.float64(a[0, 0]) / 3


def test_softmax_with_loss_takes_a_column_of_labels():
    x = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    column, flat = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert column.forward(x, np.array([[1], [2]])) == flat.forward(x, np.array([1, 2]))
    np.testing.assert_array_equal(column.backward(), flat.backward())


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_relu_shares_a_large_input_among_the_cores_with_the_same_numbers(monkeypatch, dtype):
    """Above chunk_bytes, Relu works a few samples at a time on every core: the same values,
    type and memory layout (a convolution's pixel-by-pixel output) as one pass, both ways."""
    from zerodl.layers import basic

    shared = []

    def map_chunks(fn, chunks):
        shared.append(len(chunks))
        return [fn(chunk) for chunk in chunks]

    monkeypatch.setattr(basic, "map_chunks", map_chunks)
    monkeypatch.setattr(Relu, "chunk_bytes", 2000)
    rng = np.random.default_rng(14)
    x = rng.standard_normal((6, 5, 8, 8)).astype(dtype)
    x = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    dout = rng.standard_normal(x.shape).astype(dtype)
    relu = Relu()
    out, dx = relu.forward(x), relu.backward(dout)
    assert len(shared) == 2 and min(shared) > 1
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    np.testing.assert_array_equal(dx, dout * (x > 0))
    assert out.dtype == dx.dtype == dtype and out.strides == x.strides
    shared.clear()
    Relu().forward(x[:1])  # small enough for one pass
    assert shared == []
