import numpy as np
import pytest

from zerodl.layers import AvgPooling, Convolution, Flatten, Pooling


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 1), (2, 0), (1, 2)])
def test_convolution_gradients(layer_check, stride, pad):
    rng = np.random.default_rng(0)
    layer = Convolution(rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4), stride, pad)
    errors = layer_check(layer, rng.standard_normal((2, 2, 6, 5)))
    assert max(errors.values()) < 1e-6, errors


def test_convolution_matches_direct_sum():
    rng = np.random.default_rng(1)
    W, b, x = rng.standard_normal((2, 3, 3, 3)), rng.standard_normal(2), rng.standard_normal((1, 3, 5, 5))
    out = Convolution(W, b, stride=1, pad=1).forward(x)
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    expected = np.empty((1, 2, 5, 5))
    for f in range(2):
        for i in range(5):
            for j in range(5):
                expected[0, f, i, j] = np.sum(xp[0, :, i:i + 3, j:j + 3] * W[f]) + b[f]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_convolution_can_skip_input_gradient():
    rng = np.random.default_rng(2)
    layer = Convolution(rng.standard_normal((2, 1, 3, 3)), np.zeros(2))
    layer.needs_input_grad = False
    out = layer.forward(rng.standard_normal((2, 1, 5, 5)))
    assert layer.backward(np.ones_like(out)) is None and layer.dW.shape == (2, 1, 3, 3)


@pytest.mark.parametrize("cls", [Pooling, AvgPooling])
@pytest.mark.parametrize(("size", "stride", "pad"), [(2, 2, 0), (3, 2, 1), (2, 1, 0), (3, 3, 1)])
def test_pooling_gradients(layer_check, cls, size, stride, pad):
    x = np.random.default_rng(3).permutation(2 * 3 * 6 * 6).reshape(2, 3, 6, 6) / 10.0
    errors = layer_check(cls(size, size, stride, pad), x)
    assert errors["x"] < 1e-6


def test_max_pooling_values_and_negative_padding():
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]]) - 10
    np.testing.assert_array_equal(Pooling(2, 2, 2).forward(x), [[[[-6.0]]]])
    # With pad 1 every 2x2 window holds one real pixel and three pad cells: the pixel must win.
    np.testing.assert_array_equal(Pooling(2, 2, stride=2, pad=1).forward(x),
                                  [[[[-9.0, -8.0], [-7.0, -6.0]]]])


def test_average_pooling_values():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(AvgPooling(2, 2, 2).forward(x), [[[[2.5, 4.5], [10.5, 12.5]]]])


def test_flatten_round_trip():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    layer = Flatten()
    assert layer.forward(x).shape == (2, 12)
    np.testing.assert_array_equal(layer.backward(np.ones((2, 12))), np.ones_like(x))


def test_conv_layers_keep_float32():
    x = np.ones((2, 1, 6, 6), np.float32)
    conv = Convolution(np.ones((2, 1, 3, 3), np.float32), np.zeros(2, np.float32), pad=1)
    y = conv.forward(x)
    assert y.dtype == np.float32 and conv.backward(y).dtype == np.float32
    pool = Pooling(2, 2, 2)
    p = pool.forward(y)
    assert p.dtype == np.float32 and pool.backward(p).dtype == np.float32


def test_bad_input_shapes():
    with pytest.raises(ValueError, match=r"expects \(N, 3, H, W\)"):
        Convolution(np.zeros((2, 3, 3, 3)), np.zeros(2)).forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        Pooling(2, 2).forward(np.zeros((4, 4)))


def test_max_pooling_ties_send_gradient_to_one_position():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1.0, 3.0], [3.0, 2.0]]
    for layer in (Pooling(2, 2, 2), Pooling(2, 2, 2, pad=1)):
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(out))
        assert dx.sum() == out.size, "each window passes its gradient on exactly once"
    layer = Pooling(2, 2, 2)
    layer.forward(x)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0]])


@pytest.mark.parametrize(("stride", "pad"), [(1, 1), (2, 1), (1, 3)])
def test_convolution_in_chunks_matches_one_chunk(stride, pad):
    rng = np.random.default_rng(4)
    W, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    x = rng.standard_normal((5, 3, 7, 6))
    results = []
    for chunk_bytes in (1, 10**9):  # one image per chunk; the whole batch in one
        layer = Convolution(W, b, stride, pad)
        layer.chunk_bytes = chunk_bytes
        out = layer.forward(x)
        dout = np.random.default_rng(5).standard_normal(out.shape)
        results.append((out, layer.backward(dout), layer.dW, layer.db))
    for one, many in zip(*results, strict=True):
        np.testing.assert_allclose(one, many, rtol=1e-12, atol=1e-12)


def test_convolution_gradients_over_several_chunks(layer_check):
    rng = np.random.default_rng(6)
    layer = Convolution(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), 1, 1)
    layer.chunk_bytes = 1
    errors = layer_check(layer, rng.standard_normal((3, 2, 5, 5)))
    assert max(errors.values()) < 1e-6, errors


def test_max_pooling_in_chunks_matches_one_chunk():
    rng = np.random.default_rng(7)
    x = np.round(rng.standard_normal((6, 2, 4, 6)), 1)  # rounding makes ties
    results = []
    for chunk_bytes in (1, 10**9):
        layer = Pooling(2, 2, 2)
        layer.chunk_bytes = chunk_bytes
        out = layer.forward(x)
        results.append((out, layer.backward(np.arange(out.size, dtype=float).reshape(out.shape))))
    for one, many in zip(*results, strict=True):
        np.testing.assert_array_equal(one, many)


def test_convolution_output_and_input_gradient_are_laid_out_pixel_by_pixel():
    rng = np.random.default_rng(8)
    layer = Convolution(rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4), 1, 1)
    out = layer.forward(rng.standard_normal((2, 3, 5, 5)))
    dx = layer.backward(np.ones_like(out))
    assert out.transpose(0, 2, 3, 1).flags.c_contiguous
    assert dx.transpose(0, 2, 3, 1).flags.c_contiguous


def test_max_pooling_backward_takes_a_gradient_in_another_layout():
    x = np.round(np.random.default_rng(9).standard_normal((3, 4, 6, 6)), 1)  # with ties
    x_pixels = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    dout = np.arange(3 * 4 * 3 * 3, dtype=float).reshape(3, 4, 3, 3)
    expected = Pooling(2, 2, 2)
    expected.forward(x)
    layer = Pooling(2, 2, 2)
    layer.forward(x_pixels)
    np.testing.assert_array_equal(layer.backward(dout), expected.backward(dout))


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (1, 2), (2, 1), (3, 0)])
@pytest.mark.parametrize(("filters", "channels"), [(5, 3), (12, 1)])
def test_convolution_matches_the_books_plain_im2col_version(stride, pad, filters, channels):
    """The book's Convolution, written out with im2col/col2im, is the reference for the layer's
    chunked, transposed, input-gradient-as-convolution implementation (and, with many more
    filters than channels, its input gradient one filter position at a time)."""
    from zerodl.im2col import col2im, im2col

    rng = np.random.default_rng(8)
    W, b = rng.standard_normal((filters, channels, 3, 3)), rng.standard_normal(filters)
    x = rng.standard_normal((4, channels, 9, 8))
    layer = Convolution(W, b, stride, pad)
    layer.chunk_bytes = 2000  # several chunks
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)

    N, FN, OH, OW = out.shape
    col = im2col(x, 3, 3, stride, pad)
    expected = (col @ W.reshape(FN, -1).T + b).reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.dW, (col.T @ dout_rows).T.reshape(W.shape), rtol=1e-10)
    np.testing.assert_allclose(layer.db, dout_rows.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(dx, col2im(dout_rows @ W.reshape(FN, -1), x.shape, 3, 3, stride, pad),
                               rtol=1e-10, atol=1e-12)


def test_empty_batches_pass_through_convolution_and_pooling():
    conv = Convolution(np.ones((2, 3, 3, 3)), np.zeros(2), 1, 1)
    out = conv.forward(np.zeros((0, 3, 5, 5)))
    assert out.shape == (0, 2, 5, 5)
    assert conv.backward(out).shape == (0, 3, 5, 5)
    np.testing.assert_array_equal(conv.dW, np.zeros((2, 3, 3, 3)))
    np.testing.assert_array_equal(conv.db, np.zeros(2))
    pool = Pooling(2, 2, 2)
    pooled = pool.forward(np.zeros((0, 3, 4, 4)))
    assert pooled.shape == (0, 3, 2, 2) and pool.backward(pooled).shape == (0, 3, 4, 4)


def test_float32_images_through_float64_filters_come_out_float64_as_in_the_book():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((4, 1, 3, 3))
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    conv = Convolution(W, np.zeros(4), 1, 1)
    out = conv.forward(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, Convolution(W, np.zeros(4), 1, 1).forward(x.astype(np.float64)))
    assert conv.backward(np.ones_like(out)).dtype == conv.dW.dtype == np.float64


def layer_by_layer(conv, relu, pool, x):
    out = relu.forward(conv.forward(x))
    return out if pool is None else pool.forward(out)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize(("shape", "size"), [((5, 3, 8, 6), 2), ((3, 3, 9, 9), 3), ((4, 3, 7, 6), 2)])
def test_inference_through_convolution_relu_and_pooling_gives_the_layers_numbers(dtype, shape,
                                                                                 size):
    """Convolution.infer runs a chunk through the ReLU and the pooling while it is in cache:
    the same bits as the three layers one after another, whether the windows tile the
    output (8x6 and 9x9) or not (7x6: the pooling's own way); the layers are left as they were."""
    from zerodl.layers import Relu

    rng = np.random.default_rng(10)
    W, b = rng.standard_normal((4, 3, 3, 3)).astype(dtype), rng.standard_normal(4).astype(dtype)
    x = rng.standard_normal(shape).astype(dtype)
    for pool in (None, Pooling(size, size, size)):
        conv = Convolution(W, b, 1, 1)
        conv.chunk_bytes = 2000  # several chunks
        expected = layer_by_layer(Convolution(W, b, 1, 1), Relu(), pool, x)
        fused = conv.infer(x, relu=True, pool=pool)
        assert fused.dtype == expected.dtype == dtype
        np.testing.assert_array_equal(fused, expected)
        assert not hasattr(conv, "x") and not hasattr(conv, "x_patches")
        # without the ReLU, negative values come through
        plain = Convolution(W, b, 1, 1).infer(x)
        np.testing.assert_array_equal(plain, Convolution(W, b, 1, 1).forward(x))
        assert plain.min() < 0


def test_max_pooling_of_larger_windows_matches_the_books_way():
    """The fast path (a max over each window's rows, then over its columns) against the book's
    im2col path, on a 3x3, stride-3 pooling with ties, in both memory layouts."""
    x = np.round(np.random.default_rng(11).standard_normal((2, 3, 9, 6)), 1)
    expected = Pooling(3, 3, 3)._windows(x).max(axis=1).reshape(2, 3, 3, 2)
    for images in (x, np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)):
        np.testing.assert_array_equal(Pooling(3, 3, 3).forward(images), expected)
