"""Chapter 3's figures: the numbers they are drawn from, their files, and labels that stay clear
of the arrows and of each other."""

import hashlib

import numpy as np
import pytest

from zerodl.figures import networks
from zerodl.plotting import language

DIAGRAMS = [networks.perceptron_with_bias, networks.neuron, networks.three_layer_network,
            networks.three_layer_matrices, networks.dot_product_shapes, networks.mnist_shapes]
NO_DATA = [g for g in networks.GROUPS if not g.needs_data]


@pytest.fixture
def drawn(monkeypatch):
    """Calls a figure function and returns its matplotlib figure, drawn, instead of a file."""
    figures = []
    monkeypatch.setattr(networks, "save_figure", lambda fig, path: figures.append(fig))

    def draw(fn, *args):
        fn("unused.png", *args)
        figures[-1].canvas.draw()
        return figures[-1]
    return draw


def arrows(ax):
    return [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]


def labels(ax):
    return [t for t in ax.texts if t.get_text()]


def test_softmax_group_returns_probabilities(tmp_path):
    group = next(g for g in networks.GROUPS if g.name == "softmax")
    results = group.draw(tmp_path)
    e = np.exp(networks.SOFTMAX_SCORES)
    expected = e / e.sum()
    assert list(results) == ["y1", "y2", "y3", "y4"]
    np.testing.assert_allclose(list(results.values()), expected, atol=5e-5)
    assert sum(results.values()) == pytest.approx(1, abs=1e-3)


def test_activation_specs_are_the_functions_they_name():
    specs = networks.activation_specs()
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(specs["step"][0](x), [0, 0, 1])
    np.testing.assert_allclose(specs["sigmoid"][0](x), 1 / (1 + np.exp(-x)))
    np.testing.assert_array_equal(specs["relu"][0](x), [0, 0, 3])
    with language("ja"):
        assert networks.activation_specs()["sigmoid"][1] == "シグモイド関数"


@pytest.mark.parametrize("group", NO_DATA, ids=lambda g: g.name)
def test_each_group_writes_its_files_in_both_languages_and_twice_the_same(group, tmp_path):
    digests = {}
    for lang, run in (("en", 1), ("en", 2), ("ja", 1)):
        out = tmp_path / f"{lang}{run}"
        with language(lang):
            group.draw(out)
        assert {p.name for p in out.iterdir()} == set(group.files)
        digests[lang, run] = {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
                              for name in group.files}
    assert digests["en", 1] == digests["en", 2]
    assert digests["en", 1] != digests["ja", 1], "no label of the group is translated"
    assert all(seed.startswith("02_neural_network/") for seed in group.files.values())


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("fn", DIAGRAMS, ids=lambda f: f.__name__)
def test_labels_sit_beside_the_arrows_and_apart(fn, lang, drawn):
    with language(lang):
        fig = drawn(fn)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    # a pixel of slack: touching glyph boxes are not yet overlapping text
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(1, 1).padded(-1))
             for t in labels(ax)]
    for text, box in boxes:
        assert fig.bbox.fully_contains(box.x0, box.y0) and fig.bbox.fully_contains(box.x1, box.y1), \
            f"{text!r} is cut off by the edge of the figure"
        for a in arrows(ax):
            assert not a.arrow_patch.get_path().intersects_bbox(box, filled=False), \
                f"{text!r} lies on an arrow"
    for i, (text, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1:]:
            assert not box.overlaps(other_box), f"{text!r} overlaps {other!r}"


def test_three_layer_network_highlights_the_weights_it_names(drawn):
    fig = drawn(networks.three_layer_network)
    ax = fig.axes[0]
    red = [a for a in arrows(ax) if a.arrow_patch.get_edgecolor()[0] > 0.5]
    assert len(red) == 3
    pos = networks._positions(networks.LAYER_X)

    def joins(a, src, dst):
        # the arrow stops at the circles' edges: its ends lie on the segment between the centres
        start, end = np.array(a.xyann), np.array(a.xy)
        d = np.subtract(dst, src) / np.linalg.norm(np.subtract(dst, src))
        return (np.allclose(start, np.add(src, d * networks.RADIUS))
                and np.allclose(end, np.subtract(dst, d * networks.RADIUS)))
    # w^(1)_12: from x_2 to a^(1)_1; w^(2)_11 and w^(3)_11: between the first units
    assert joins(red[0], pos[0][1], pos[1][0])
    assert joins(red[1], pos[1][0], pos[2][0])
    assert joins(red[2], pos[2][0], pos[3][0])
    texts = [t.get_text() for t in labels(ax)]
    assert {"$w^{(1)}_{12}$", "$w^{(2)}_{11}$", "$w^{(3)}_{11}$"} <= set(texts)
    assert len(arrows(ax)) == 2 * 3 + 3 * 2 + 2 * 2


def test_mnist_digits_titles_are_the_labels(drawn):
    x = np.zeros((10, 784), np.float32)
    t = np.arange(9, -1, -1)
    fig = drawn(networks.mnist_digits, x, t)
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in t]


def test_mnist_digits_group_shows_the_test_digits(monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(networks, "mnist_digits", lambda path, x, t: shown.append(t))
    train, test = (np.zeros((3, 784)), np.array([1, 1, 1])), (np.zeros((3, 784)), np.array([7, 2, 1]))
    group = next(g for g in networks.GROUPS if g.name == "mnist-digits")
    group.draw(tmp_path, data=lambda: (train, test))
    np.testing.assert_array_equal(shown[0], [7, 2, 1])
