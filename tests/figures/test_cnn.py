import numpy as np
from PIL import Image

from zerodl.figures.cnn import cnn_figures, plot_filters
from zerodl.figures.deep import plot_misclassified


def test_filter_grid_and_misclassified_grid(tmp_path):
    rng = np.random.default_rng(0)
    plot_filters({"a": rng.standard_normal((12, 1, 5, 5))}, tmp_path / "f.png", columns=5)
    assert Image.open(tmp_path / "f.png").size[0] > 200
    images = rng.random((30, 1, 28, 28))
    labels = np.arange(30) % 10
    predicted = labels.copy()
    predicted[[3, 7, 11]] = 0
    assert plot_misclassified(images, labels, predicted, [str(i) for i in range(10)],
                              tmp_path / "m.png") == 3


def test_cnn_figures_from_real_digits(mnist10k, tmp_path):
    results = cnn_figures(tmp_path, dataset=str(mnist10k))
    for name in ("cnn-filters.png", "cnn-filter-responses.png"):
        assert Image.open(tmp_path / name).size[0] > 300
    assert results["test_accuracy"] > 0.8
