import hashlib
import math

import numpy as np
import pytest
from PIL import Image

from zerodl.figures import learning
from zerodl.nets import TwoLayerNet
from zerodl.plotting import language


def test_the_books_functions():
    assert learning.function_1(5.0) == pytest.approx(0.75)
    assert learning.function_2(np.array([3.0, 4.0])) == 25.0
    # a tuple of grids is evaluated point by point, as the surface plot needs
    grid = learning.function_2((np.array([1.0, 2.0]), 3.0))
    np.testing.assert_allclose(grid, [10.0, 13.0])


def test_difference_errors_show_truncation_and_rounding():
    forward, central = learning.difference_errors(np.sin, np.cos, 1.0, np.array([1e-4, 1e-50]))
    # forward difference: f'' h / 2 = sin(1) / 2 * 1e-4; central: of order h^2
    assert forward[0] == pytest.approx(math.sin(1) / 2 * 1e-4, rel=1e-3)
    assert central[0] < 1e-8
    # with h = 1e-50, x + h == x: both differences are 0, the error is the whole derivative
    assert forward[1] == pytest.approx(math.cos(1)) and central[1] == pytest.approx(math.cos(1))


def test_descent_paths_on_a_parabola():
    # on f = x^2 one step multiplies x by (1 - 2 lr)
    paths = learning.descent_paths(start=-4.0, steps=20)
    assert set(paths) == {lr for lr, _, _ in learning.LEARNING_RATES}
    for lr, xs in paths.items():
        assert xs.shape == (21,) and xs[0] == -4.0
        assert xs[-1] == pytest.approx(-4.0 * (1 - 2 * lr) ** 20, rel=1e-6)
    assert abs(paths[1.02][-1]) > 4 > abs(paths[0.01][-1]) > abs(paths[0.1][-1])


def test_minibatch_sgd_is_the_books_loop():
    rng = np.random.default_rng(1)
    x, t = rng.random((30, 4)), rng.integers(0, 3, 30)
    net = TwoLayerNet(4, 5, 3, seed=0, dtype=np.float64)
    twin = TwoLayerNet(4, 5, 3, seed=0, dtype=np.float64)
    losses = learning.minibatch_sgd(net, x, t, iters=3, batch_size=10, lr=0.5, seed=7)
    # the same steps, written out
    draw = np.random.default_rng(7)
    expected = []
    for _ in range(3):
        batch = draw.choice(30, 10)
        loss, grads = twin.loss_and_gradient(x[batch], t[batch])
        for key in twin.params:
            twin.params[key] -= 0.5 * grads[key]
        expected.append(loss)
    assert losses == expected
    for key in net.params:
        np.testing.assert_array_equal(net.params[key], twin.params[key])


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_diagrams_are_written_and_deterministic(tmp_path, lang):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        out.mkdir()
        with language(lang):
            learning.draw(out)
    assert set(digests(a)) == set(learning.DIAGRAMS) == set(learning.GROUPS[0].files)
    assert digests(a) == digests(b)
    for name in learning.DIAGRAMS:
        width, height = Image.open(a / name).size
        assert 600 <= width <= 1000 and 350 <= height <= 600, name


def test_every_file_has_a_seed_path_in_the_chapter_folder():
    for group in learning.GROUPS:
        assert group.chapter == 4
        assert all(seed.startswith("03_learning/") for seed in group.files.values())


def test_training_figures_from_real_digits(mnist10k, tmp_path):
    from zerodl.datasets import load_mnist

    data = load_mnist(dataset=str(mnist10k))
    loss = learning.minibatch_loss(tmp_path / "loss.png", data, iters=100)
    assert learning.minibatch_loss(tmp_path / "again.png", data, iters=100) == loss
    assert (tmp_path / "loss.png").read_bytes() == (tmp_path / "again.png").read_bytes()
    # an untrained network guesses: about -log(1/10) = 2.30
    assert loss["first_loss"] == pytest.approx(math.log(10), abs=0.01)
    assert loss["last_loss"] < 1.5
    curves = learning.two_layer_learning_curves(tmp_path / "curves.png", data, epochs=2)
    assert curves["train_accuracy"] > 0.8 and curves["test_accuracy"] > 0.8
    assert Image.open(tmp_path / "curves.png").size[0] > 600
