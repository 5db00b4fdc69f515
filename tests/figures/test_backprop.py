"""Chapter 5's figures: the numbers on their graphs against hand computation, and their files."""

import hashlib
import math

import numpy as np
import pytest
from PIL import Image

from zerodl.figures import backprop, graph
from zerodl.layers import AddLayer, MulLayer
from zerodl.plotting import language


def test_the_shopping_graph_forward_and_backward():
    v = backprop.shopping_values()
    assert v["price"] == pytest.approx(715)
    assert (v["apple_price"], v["orange_price"], v["total"]) == (200, 450, 650)
    # d price / d edge: tax times the other factor for the inputs, the total for the tax
    assert v["dapple"] == pytest.approx(2 * 1.1) and v["dapple_num"] == pytest.approx(110)
    assert v["dorange"] == pytest.approx(3 * 1.1) and v["dorange_num"] == pytest.approx(165)
    assert v["dtax"] == 650 and v["dtotal"] == v["dapple_price"] == v["dorange_price"] == 1.1


def test_the_apple_graph():
    v = backprop.apple_values()
    assert v["price"] == pytest.approx(220)
    assert (v["dapple"], v["dapple_num"], v["dtax"]) == pytest.approx((2.2, 110, 200))


def test_add_and_mul_nodes_send_back_what_the_figures_show():
    add, mul = backprop.node_example(AddLayer()), backprop.node_example(MulLayer())
    assert (add["z"], add["dx"], add["dy"]) == pytest.approx((15, 1.3, 1.3))
    assert (mul["z"], mul["dx"], mul["dy"]) == pytest.approx((50, 6.5, 13))


def test_the_four_sigmoid_nodes_give_the_sigmoid_layers_gradient():
    v = backprop.sigmoid_steps(1.0)
    y = 1 / (1 + math.exp(-1))
    assert v["y"] == pytest.approx(y) and v["layer_y"] == pytest.approx(y)
    assert v["ds"] == pytest.approx(-(y**2))
    assert v["dx"] == pytest.approx(y * (1 - y)) and v["layer_dx"] == pytest.approx(v["dx"])


def test_affine_shapes_forward_and_backward():
    s = backprop.affine_shapes(batch=4, inputs=2, outputs=3)
    assert s == {"X": (4, 2), "W": (2, 3), "b": (3,), "Y": (4, 3), "dX": (4, 2), "dW": (2, 3),
                 "db": (3,)}
    assert backprop._shape(s["X"], batched=True) == "(N, 2)"
    assert backprop._shape(s["b"], batched=False) == "(3,)"


def test_softmax_with_loss_sends_back_y_minus_t():
    v = backprop.softmax_with_loss_values((1.0, 3.0, 0.5), label=1)
    e = np.exp([1.0, 3.0, 0.5])
    y = e / e.sum()
    np.testing.assert_allclose(v["y"], y)
    assert v["loss"] == pytest.approx(-math.log(y[1]))
    np.testing.assert_allclose(v["da"], y - [0, 1, 0])
    np.testing.assert_allclose(v["dy"], [0, -1 / y[1], 0])


def test_numbers_are_printed_short_with_a_true_minus():
    assert graph.number(110.00000000000001) == "110"
    assert graph.number(-0.19661193) == "−0.197"
    assert graph.number(-0.0) == "0"


def test_gradient_check_is_tiny_in_float64_and_not_in_float32():
    rng = np.random.default_rng(0)
    x, t = rng.random((3, 20)), np.array([0, 3, 7])
    errors = backprop.gradient_check_errors(x, t, hidden_size=5)
    assert set(errors) == {"float64", "float32"}
    assert set(errors["float64"]) == {"W1", "b1", "W2", "b2"}
    assert max(errors["float64"].values()) < 1e-6
    assert max(errors["float32"].values()) > 100 * max(errors["float64"].values())


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.png")}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_diagrams_are_written_and_deterministic(tmp_path, lang):
    group = backprop.GROUPS[0]
    a, b = tmp_path / "a", tmp_path / "b"
    with language(lang):
        for out in (a, b):
            out.mkdir()
            group.draw(out)
    assert set(digests(a)) == set(group.files) == set(backprop.DIAGRAMS)
    assert digests(a) == digests(b)
    for name in group.files:
        width, height = Image.open(a / name).size
        assert 700 <= width <= 1000 and 200 <= height <= 600, name


def test_the_gradient_check_chart_reports_its_numbers(tmp_path):
    rng = np.random.default_rng(0)
    data = ((rng.random((5, 20)), np.array([1, 2, 3, 4, 5])), (None, None))
    results = backprop.GROUPS[1].draw(tmp_path, data=lambda: data, seed=0)
    assert (tmp_path / "gradient-check.png").is_file()
    assert set(results) == {f"{d} {k}" for d in ("float64", "float32")
                            for k in ("W1", "b1", "W2", "b2")}
    assert results["float64 W1"] < 1e-6
