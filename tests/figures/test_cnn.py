import hashlib

import numpy as np
from PIL import Image

from zerodl.figures import cnn, cnn_shapes, convolution
from zerodl.figures.catalog import draw_group
from zerodl.nets import SimpleConvNet
from zerodl.plotting import language


def test_the_books_convolution_examples():
    x, w = convolution.BOOK_INPUT, convolution.BOOK_FILTER
    np.testing.assert_array_equal(convolution.convolve(x, w), [[15, 16], [6, 15]])
    np.testing.assert_array_equal(convolution.convolve(x, w, convolution.BOOK_BIAS),
                                  [[18, 19], [9, 18]])
    np.testing.assert_array_equal(convolution.convolve(x, w, pad=1),
                                  [[7, 12, 10, 2], [4, 15, 16, 10], [10, 6, 15, 6], [8, 10, 4, 3]])
    assert convolution.product_sum(convolution.BOOK_INPUT, convolution.BOOK_FILTER, 0, 0) == (
        "1×2 + 2×0 + 3×1 + 0×0 + 1×1 + 2×2 + 3×1 + 0×0 + 1×2 = 15")
    np.testing.assert_array_equal(convolution.max_pool(convolution.POOL_INPUT), [[2, 3], [4, 2]])


def test_stride_2_against_a_loop():
    image, f = convolution.STRIDE_INPUT, convolution.BOOK_FILTER
    expected = [[(image[2 * i:2 * i + 3, 2 * j:2 * j + 3] * f).sum() for j in range(3)]
                for i in range(3)]
    np.testing.assert_array_equal(convolution.convolve(image, f, stride=2), expected)


def test_im2col_rows_are_the_windows():
    col = convolution.windows(convolution.BOOK_INPUT, 3)
    assert col.shape == (4, 9)
    np.testing.assert_array_equal(col[1], convolution.BOOK_INPUT[0:3, 1:4].ravel())
    np.testing.assert_array_equal(col[2], convolution.BOOK_INPUT[1:4, 0:3].ravel())
    np.testing.assert_array_equal(col @ convolution.BOOK_FILTER.ravel(), [15, 16, 6, 15])


def test_shapes_of_the_block_diagrams_and_of_simple_convnet():
    assert cnn_shapes.block_shapes() == {"input": (2, 3, 6, 6), "filters": (5, 3, 3, 3),
                                  "bias": (5, 1, 1), "output": (2, 5, 4, 4)}
    assert cnn_shapes.layer_shapes(SimpleConvNet(seed=0)) == [
        ("Conv1", (30, 24, 24)), ("Relu1", (30, 24, 24)), ("Pool1", (30, 12, 12)),
        ("Affine1", (100,)), ("Relu2", (100,)), ("Affine2", (10,))]


def test_filter_mosaic_scales_each_tile_and_leaves_gaps():
    W = np.stack([np.full((1, 2, 2), 5.0), np.arange(4.0).reshape(1, 2, 2),
                  -np.arange(4.0).reshape(1, 2, 2)])
    mosaic = cnn.filter_mosaic(W, columns=2)
    assert mosaic.shape == (5, 5)  # two rows and two columns of 2x2 tiles, 1-pixel gaps
    np.testing.assert_array_equal(mosaic[:2, :2], 0.5)  # a constant filter: mid-grey
    np.testing.assert_array_equal(mosaic[:2, 3:], [[0, 1 / 3], [2 / 3, 1]])
    np.testing.assert_array_equal(mosaic[3:, :2], [[1, 2 / 3], [1 / 3, 0]])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 2]).all()
    assert np.isnan(mosaic[3:, 3:]).all()  # no fourth filter


def test_filter_kinds_finds_edges_and_blobs_of_either_sign():
    rng = np.random.default_rng(0)
    i, j = np.mgrid[0:5, 0:5] - 2.0
    noise = 0.1 * rng.standard_normal((6, 5, 5))
    W = np.stack([noise[0], -i + noise[1], noise[2], j + noise[3], -(i**2 + j**2) + noise[4],
                  noise[5]])[:, None]
    assert cnn.filter_kinds(W, per_kind=1) == [(1, "horizontal"), (3, "vertical"), (4, "blob")]
    assert len({k for k, _ in cnn.filter_kinds(W, per_kind=2)}) == 6


def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_diagrams_in_japanese_in_the_decks_folders_and_deterministic(tmp_path):
    group = next(g for g in cnn.GROUPS if g.name == "cnn-diagrams")
    results = {}
    for run in ("a", "b"):
        with language("ja"):
            results = draw_group(group, tmp_path / run, "seed")
    for seed in group.files.values():
        width, height = Image.open(tmp_path / "a" / seed).size
        assert 400 <= width <= 1000 and 150 <= height <= 600, seed
    assert digests(tmp_path / "a" / "06_cnn") == digests(tmp_path / "b" / "06_cnn")
    assert len(digests(tmp_path / "a" / "06_cnn")) == len(group.files)
    assert results["convolution_bias"] == [[18, 19], [9, 18]]
    assert results["flattened_positions"] == [8, 13]
    assert results["simple_convnet"][2] == (30, 12, 12)


def test_cnn_figures_from_real_digits(mnist10k, tmp_path):
    from zerodl.datasets import load_mnist

    results = cnn.cnn_figures(tmp_path, load_mnist(dataset=str(mnist10k)), epochs=2)
    for name in ("cnn-filters.png", "cnn-filter-responses.png", "cnn-learning-curves.png"):
        assert Image.open(tmp_path / name).size[0] > 600
    assert results["test_accuracy"] > 0.7
    assert len(set(results["filters_shown"])) == 6


def test_cnn_figures_are_deterministic(mnist10k, tmp_path):
    from zerodl.datasets import load_mnist

    (x, t), (x_test, t_test) = load_mnist(dataset=str(mnist10k))
    subset = (x[:500], t[:500]), (x_test[:200], t_test[:200])
    for run in ("a", "b"):
        cnn.cnn_figures(tmp_path / run, subset, epochs=1)
    assert len(digests(tmp_path / "a")) == 3
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
