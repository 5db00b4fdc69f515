import hashlib

import numpy as np
import pytest
from PIL import Image

from zerodl.figures import deep
from zerodl.figures.deep import (
    crop,
    deep_conv_figures,
    layer_table,
    plot_misclassified,
    receptive_field,
    rotate,
    shift,
)
from zerodl.nets import DeepConvNet


def test_layer_table_gives_the_books_shapes_parameters_and_multiply_adds():
    rows = {r["name"]: r for r in layer_table(DeepConvNet(seed=0))}
    assert rows["Pool1"]["shape"] == (16, 14, 14)
    assert rows["Conv4"]["shape"] == (32, 16, 16)  # its padding of 2 grows the image
    assert rows["Pool3"]["shape"] == (64, 4, 4)
    assert rows["Affine2"]["shape"] == (10,)
    # conv2: 28*28 positions x 16 filters, each 16 channels x 3 x 3
    assert rows["Conv2"]["multiply_adds"] == 28 * 28 * 16 * 16 * 9
    assert rows["Conv2"]["params"] == 16 * 16 * 9 + 16
    assert rows["Affine1"]["multiply_adds"] == 64 * 4 * 4 * 50
    assert rows["Relu1"]["params"] == rows["Pool1"]["multiply_adds"] == 0
    assert sum(r["params"] for r in rows.values()) == 123552


def test_receptive_fields_of_stacked_convolutions():
    two = receptive_field(2, 3)
    ramp = np.array([1, 2, 3, 2, 1])
    np.testing.assert_array_equal(two[2:7, 2:7], np.outer(ramp, ramp))
    assert np.count_nonzero(two) == 25
    np.testing.assert_array_equal(receptive_field(1, 5)[2:7, 2:7], np.ones((5, 5)))
    assert np.count_nonzero(receptive_field(3, 3)) == 49


def test_shift_rotate_and_crop_keep_the_size_and_move_the_pixels():
    image = np.arange(28 * 28, dtype=np.float32).reshape(28, 28)
    right = shift(image, 0, 3)
    np.testing.assert_array_equal(right[:, 3:], image[:, :-3])
    assert not right[:, :3].any()
    up = shift(image, -2, 0)
    np.testing.assert_array_equal(up[:-2], image[2:])
    assert not up[-2:].any()
    np.testing.assert_array_equal(shift(image, 0, 0), image)
    np.testing.assert_allclose(rotate(image, 0), image)
    np.testing.assert_allclose(rotate(image, 90), np.rot90(image), atol=1e-3)
    np.testing.assert_allclose(crop(image, 0, 0, 28), image)
    assert crop(image, 3, 3, 22).shape == (28, 28)


def test_misclassified_grid_counts_the_mistakes(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((30, 1, 28, 28))
    labels = np.arange(30) % 10
    predicted = labels.copy()
    predicted[[3, 7, 11]] = 0
    assert plot_misclassified(images, labels, predicted, [str(i) for i in range(10)],
                              tmp_path / "m.png") == 3


def test_diagrams_are_written_and_deterministic(tmp_path):
    group = next(g for g in deep.GROUPS if g.name == "deep-architecture")
    digests = []
    for out in (tmp_path / "a", tmp_path / "b"):
        out.mkdir()
        results = group.draw(out)
        digests.append({f: hashlib.sha256((out / f).read_bytes()).hexdigest() for f in group.files})
    assert digests[0] == digests[1]
    assert results["params"] == 123552
    assert results["conv_share_of_multiply_adds"] > 0.99
    assert results["receptive_field_width"] == {"3x3x1": 3, "3x3x2": 5, "3x3x3": 7, "5x5x1": 5}


def test_trained_figures_from_real_digits(mnist10k, tmp_path):
    results = deep_conv_figures(tmp_path, dataset=str(mnist10k), epochs=1, train_size=300,
                                test_size=200)
    for name in ("misclassified.png", "deep-feature-maps.png", "half-precision.png"):
        assert Image.open(tmp_path / name).size[0] > 500
    assert results["misclassified"] == round((1 - results["test_accuracy"]) * 200)
    assert results["float32_accuracy"] == pytest.approx(results["test_accuracy"])
    # half precision halves the memory and changes few predictions
    assert results["weights_kib"][1] == pytest.approx(results["weights_kib"][0] / 2)
    assert results["predictions_changed"] <= 4


def test_augmentation_figure_from_real_digits(mnist10k, tmp_path):
    from zerodl.datasets import load_mnist

    group = next(g for g in deep.GROUPS if g.name == "data-augmentation")
    group.draw(tmp_path, data=lambda: load_mnist(dataset=str(mnist10k)))
    assert Image.open(tmp_path / "data-augmentation.png").size[0] > 500
