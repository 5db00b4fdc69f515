"""Chapter 3 figures: activation functions, softmax, a neuron, the 3-layer network in both
notations, the shape rule of the matrix product, and the MNIST network's shapes.

Every diagram is drawn on a `blank` canvas in data units; labels are placed in the free space
beside arrows (never on them), which tests/figures/test_networks.py checks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from zerodl.figures.group import Group
from zerodl.functions import relu, sigmoid, softmax, step_function
from zerodl.plotting import arrow, blank, node, plt, save_figure, tr

HIDDEN = "#fde2c8"   # units that compute a weighted sum and an activation
OUTPUT = "#cfe3f7"
BIAS = "#eeeeee"
HIGHLIGHT = "tab:red"
# The scores of the softmax figure (and of the deck's example that it illustrates).
SOFTMAX_SCORES = np.array([0.5, 2.0, 3.5, 1.0])


# -- activation functions -------------------------------------------------------------------------
def activation_specs() -> dict[str, tuple[Callable, str, str, tuple[float, float]]]:
    """name -> (function, title in the active language, formula, y-limits)."""
    return {
        "step": (step_function, tr("step function", "ステップ関数"),
                 r"$h(x) = 1 \ (x > 0), \quad 0 \ (x \leq 0)$", (-0.1, 1.1)),
        "sigmoid": (sigmoid, tr("sigmoid function", "シグモイド関数"),
                    r"$h(x) = \dfrac{1}{1 + \exp(-x)}$", (-0.1, 1.1)),
        "relu": (relu, tr("ReLU function", "ReLU関数"), r"$h(x) = \max(0, x)$", (-0.5, 5.2)),
    }


def _plot_function(ax, name: str, formula: bool = True) -> None:
    f, title, text, ylim = activation_specs()[name]
    x = np.linspace(-5, 5, 1001)
    ax.plot(x, f(x), lw=2.2, color="tab:blue")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x$", fontsize=13)
    ax.set_ylabel("$h(x)$", fontsize=13)
    ax.set_title(title, fontsize=14)
    if formula:
        ax.text(0.04, 0.93, text, transform=ax.transAxes, fontsize=14, va="top")


def activation_function(path, name: str) -> None:
    """One activation function with its formula, large enough for a slide of its own."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _plot_function(ax, name)
    ax.tick_params(labelsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def activations(path) -> None:
    """The three activation functions side by side."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, name in zip(axes, ("step", "sigmoid", "relu"), strict=True):
        _plot_function(ax, name, formula=False)
    fig.tight_layout()
    save_figure(fig, path)


def step_vs_sigmoid(path) -> None:
    x = np.linspace(-5, 5, 1001)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(x, step_function(x), "--", lw=2, label=tr("step function", "ステップ関数"))
    ax.plot(x, sigmoid(x), lw=2, label=tr("sigmoid function", "シグモイド関数"))
    ax.set_ylim(-0.1, 1.1)
    ax.set_xlabel("$x$", fontsize=13)
    ax.set_ylabel("$h(x)$", fontsize=13)
    ax.tick_params(labelsize=12)
    ax.legend(loc="upper left", fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def softmax_bars(path, scores=SOFTMAX_SCORES) -> dict[str, float]:
    """Scores a_k and their softmax y_k: the order is kept, the outputs sum to 1."""
    y = softmax(scores)
    ks = np.arange(1, len(scores) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.8))
    for ax, values, color, title in (
            (left, scores, "0.6", tr("inputs (scores)", "入力（スコア）")),
            (right, y, "tab:blue", tr("outputs of softmax (sum 1)", "ソフトマックス関数の出力（和は1）"))):
        ax.bar(ks, values, color=color, width=0.6)
        for k, v in zip(ks, values, strict=True):
            ax.text(k, v, f"{v:.2f}", ha="center", va="bottom", fontsize=12)
        ax.set_xticks(ks, [f"$k={k}$" for k in ks], fontsize=12)
        ax.set_ylim(0, values.max() * 1.18)
        ax.set_title(title, fontsize=14)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)
    return {f"y{k}": round(float(v), 4) for k, v in zip(ks, y, strict=True)}


# -- diagrams of units ----------------------------------------------------------------------------
def _weighted_inputs(ax, target) -> None:
    """The inputs 1, x1, x2 and their weights b, w1, w2, arriving at `target`."""
    node(ax, (0, 3), "1", color=BIAS)
    node(ax, (0, 1.5), "$x_1$")
    node(ax, (0, 0), "$x_2$")
    arrow(ax, (0, 3), target, "$b$")
    arrow(ax, (0, 1.5), target, "$w_1$")
    arrow(ax, (0, 0), target, "$w_2$", offset=(0, -0.25))


def perceptron_with_bias(path) -> None:
    """The perceptron of chapter 2 with its bias drawn as the weight of an input fixed at 1."""
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    _weighted_inputs(ax, (3.4, 1.5))
    node(ax, (3.4, 1.5), "$y$", color=OUTPUT)
    blank(ax, (-0.6, 4.2), (-0.6, 3.6))
    save_figure(fig, path)


def neuron(path) -> None:
    """A perceptron with its activation made explicit: the sum a, then y = h(a)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    _weighted_inputs(ax, (3.2, 1.5))
    node(ax, (3.2, 1.5), "$a$", color=HIDDEN)
    node(ax, (5.4, 1.5), "$y$", color=OUTPUT)
    arrow(ax, (3.2, 1.5), (5.4, 1.5), "$h()$", label_at=0.5)
    ax.add_patch(plt.Rectangle((2.6, 0.8), 3.4, 1.4, fill=False, ls="--", lw=1))
    ax.text(4.3, 2.45, tr("activation function", "活性化関数"), ha="center", fontsize=12)
    ax.text(3.2, 0.35, "$a = b + w_1x_1 + w_2x_2$", ha="center", fontsize=11)
    ax.text(5.4, 0.35, "$y = h(a)$", ha="center", fontsize=11)
    blank(ax, (-0.6, 6.4), (-0.6, 3.6))
    save_figure(fig, path)


# -- the 3-layer network ----------------------------------------------------------------------------
LAYER_SIZES = (2, 3, 2, 2)
LAYER_X = (0, 3, 6, 9)
SPACING = 1.6
RADIUS = 0.38


def _positions(xs) -> list[list[tuple[float, float]]]:
    """Centre of every unit, layer by layer at the abscissas xs, each layer centred on y = 0."""
    return [[(x, ((n - 1) / 2 - i) * SPACING) for i in range(n)]
            for x, n in zip(xs, LAYER_SIZES, strict=True)]


def _network(ax, highlighted=(), xs=LAYER_X) -> None:
    """Every unit and connection of the 2-3-2-2 network; `highlighted` holds (layer, to, from)
    of the weights drawn in red (layer 1 connects the inputs to the first hidden layer)."""
    pos = _positions(xs)
    for layer in range(1, 4):
        for to, dst in enumerate(pos[layer]):
            for frm, src in enumerate(pos[layer - 1]):
                red = (layer, to, frm) in highlighted
                arrow(ax, src, dst, radius=RADIUS, color=HIGHLIGHT if red else "black")
    for layer, column in enumerate(pos):
        for i, xy in enumerate(column):
            if layer == 0:
                symbol, color = f"$x_{i + 1}$", "white"
            elif layer == 3:
                symbol, color = f"$y_{i + 1}$", OUTPUT
            else:
                symbol, color = f"$a^{{({layer})}}_{i + 1}$", HIDDEN
            node(ax, xy, symbol, radius=RADIUS, color=color)


def layer_names() -> list[str]:
    return [tr("input layer\n(layer 0)", "入力層\n（第0層）"),
            tr("hidden layer 1\n(layer 1)", "隠れ層1\n（第1層）"),
            tr("hidden layer 2\n(layer 2)", "隠れ層2\n（第2層）"),
            tr("output layer\n(layer 3)", "出力層\n（第3層）")]


def three_layer_network(path) -> None:
    """2 inputs, hidden layers of 3 and 2 units, 2 outputs, and one weight per layer in the
    book's notation w^(layer)_(to, from): w^(1)_12 goes from x_2 to a^(1)_1."""
    fig, ax = plt.subplots(figsize=(9, 5))
    _network(ax, highlighted={(1, 0, 1), (2, 0, 0), (3, 0, 0)})
    label = {"fontsize": 15, "color": HIGHLIGHT, "ha": "center", "va": "center"}
    # w^(1)_12 crosses the other arrows of its layer: its label sits in the free space under
    # the head of its arrow; the other two are the top arrows, with nothing above them
    ax.text(2.62, 0.78, "$w^{(1)}_{12}$", **label)
    ax.text(4.45, 1.68, "$w^{(2)}_{11}$", **label)
    ax.text(7.5, 1.22, "$w^{(3)}_{11}$", **label)
    for x, name in zip(LAYER_X, layer_names(), strict=True):
        ax.text(x, -2.55, name, ha="center", va="top", fontsize=12)
    blank(ax, (-0.9, 9.9), (-3.4, 2.3))
    save_figure(fig, path)


def three_layer_matrices(path) -> None:
    """The same network as matrices: what each layer computes and the shape of every array."""
    xs = (0, 3.8, 7.6, 11.4)
    fig, ax = plt.subplots(figsize=(9, 5))
    _network(ax, xs=xs)
    sizes = LAYER_SIZES
    names = ("$X$", "$A^{(1)}, Z^{(1)}$", "$A^{(2)}, Z^{(2)}$", "$A^{(3)}, Y$")
    for x, name, size in zip(xs, names, sizes, strict=True):
        ax.text(x, 2.75, name, ha="center", fontsize=14)
        ax.text(x, 2.3, f"({size},)", ha="center", fontsize=12, color="0.3")
    for layer in (1, 2, 3):
        x = (xs[layer - 1] + xs[layer]) / 2
        ax.text(x, 2.75, f"$W^{{({layer})}}, B^{{({layer})}}$", ha="center", fontsize=14,
                color=HIGHLIGHT)
        ax.text(x, 2.3, f"({sizes[layer - 1]}, {sizes[layer]}), ({sizes[layer]},)", ha="center",
                fontsize=12, color=HIGHLIGHT)
        source = "X" if layer == 1 else f"Z^{{({layer - 1})}}"
        output = (f"Z^{{({layer})}} = h(A^{{({layer})}})" if layer < 3
                  else r"Y = \sigma(A^{(3)})")
        ax.text(x, -2.55, f"$A^{{({layer})}} = {source}W^{{({layer})}} + B^{{({layer})}}$",
                ha="center", va="top", fontsize=13)
        ax.text(x, -3.2, f"${output}$", ha="center", va="top", fontsize=13)
    blank(ax, (-0.9, 12.3), (-3.8, 3.3))
    save_figure(fig, path)


# -- shapes of matrix products ---------------------------------------------------------------------
def _cells(ax, centre, y, dims, colors, width=1.25, height=0.7) -> None:
    """One array's shape as a row of boxes centred on `centre`, one box per dimension."""
    left = centre - len(dims) * width / 2
    for i, (dim, color) in enumerate(zip(dims, colors, strict=True)):
        ax.add_patch(plt.Rectangle((left + i * width, y), width, height, facecolor=color,
                                   edgecolor="black", lw=1.2))
        ax.text(left + (i + 0.5) * width, y + height / 2, str(dim), ha="center", va="center",
                fontsize=14)


def _grid(ax, x, y, rows, cols, name, highlight=None, size=0.5) -> None:
    """A matrix of rows x cols cells; `highlight` is (row or None, column or None) to colour."""
    for i in range(rows):
        for j in range(cols):
            on = highlight is not None and highlight[0] in (i, None) and highlight[1] in (j, None)
            ax.add_patch(plt.Rectangle((x + j * size, y - (i + 1) * size), size, size, lw=1,
                                       edgecolor="black", facecolor="#f4b6a8" if on else "white"))
    ax.text(x + cols * size / 2, y + 0.2, name, ha="center", fontsize=14)
    ax.text(x + cols * size / 2, y - rows * size - 0.25, f"({rows}, {cols})", ha="center",
            va="top", fontsize=13)


def dot_product_shapes(path) -> None:
    """(2, 3) @ (3, 4) -> (2, 4): element (1, 2) is row 1 of A times column 2 of B."""
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    _grid(ax, 0, 1.5, 2, 3, "$A$", highlight=(0, None))
    ax.text(1.95, 0.75, "·", ha="center", va="center", fontsize=24)
    _grid(ax, 2.4, 1.5, 3, 4, "$B$", highlight=(None, 1))
    ax.text(4.8, 0.75, "=", ha="center", va="center", fontsize=20)
    _grid(ax, 5.25, 1.5, 2, 4, "$AB$", highlight=(0, 1))
    ax.text(2.6, -0.75, tr("the columns of A must equal the rows of B: (2, 3) · (3, 4) → (2, 4)",
                           "Aの列数とBの行数をそろえる：(2, 3)・(3, 4) → (2, 4)"),
            ha="center", va="top", fontsize=13)
    blank(ax, (-0.4, 7.6), (-1.3, 2.1))
    save_figure(fig, path)


def mnist_shapes(path) -> None:
    """The shapes through the 784-50-100-10 network, for one image and for a batch of 100:
    each dimension is a box, and the sizes that a product joins share a colour."""
    fig, ax = plt.subplots(figsize=(9, 2.6))
    colors = {784: "#cfe3f7", 50: "#fde2c8", 100: "#d8ecd0", 10: "#e5d5ef"}
    batch = "#f4b6a8"
    centres = (0, 2.8, 5.6, 8.4, 11.8)
    for x, name in zip(centres, ("X", "W1", "W2", "W3", "Y"), strict=True):
        ax.text(x, 2.7, name, ha="center", fontsize=15)
    rows = ((1.6, tr("one image", "1枚"), ()), (0, tr("a batch of 100", "100枚のバッチ"), (100,)))
    for y, title, lead in rows:
        ax.text(-1.5, y + 0.35, title, ha="right", va="center", fontsize=14)
        ax.text(10.15, y + 0.35, "→", ha="center", va="center", fontsize=18)
        # the batch size has a colour of its own: no product joins it, it passes through
        shapes = ((*lead, 784), (784, 50), (50, 100), (100, 10), (*lead, 10))
        fills = ((*[batch] * len(lead), colors[784]), (colors[784], colors[50]),
                 (colors[50], colors[100]), (colors[100], colors[10]),
                 (*[batch] * len(lead), colors[10]))
        for x, dims, fill in zip(centres, shapes, fills, strict=True):
            _cells(ax, x, y, dims, fill)
    ax.text(5.0, -0.5, tr("neighbouring sizes match; the batch size stays in the first axis",
                          "隣り合う次元がそろう。バッチの枚数は先頭の次元に残る"),
            ha="center", va="top", fontsize=14)
    blank(ax, (-4.4, 13.3), (-1.2, 3.2))
    save_figure(fig, path)


def mnist_digits(path, x: np.ndarray, t: np.ndarray, count: int = 10) -> None:
    """The first `count` images of x, each titled with its label."""
    fig, axes = plt.subplots(1, count, figsize=(count * 1.1, 1.5))
    for ax, image, label in zip(axes, x[:count], t[:count], strict=True):
        ax.imshow(image.reshape(28, 28), cmap="gray")
        ax.set_title(str(label), fontsize=16)
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)


# -- groups -----------------------------------------------------------------------------------------
def _group(name: str, figures: dict[str, tuple[str, Callable]]) -> Group:
    """A group of figures that need no data: flat name -> (seed path, function(path)).
    Its draw returns the numbers that its figures return, if any."""
    def draw(out, **_):
        results = {}
        for flat, (_, fn) in figures.items():
            results.update(fn(Path(out) / flat) or {})
        return results or None
    return Group(name, 3, {flat: seed for flat, (seed, _) in figures.items()}, False, draw)


def _mnist_digits(out: Path, data, **_) -> None:
    # the official test digits: the same whichever training set (full MNIST or a subset) is found
    _, (x, t) = data()
    mnist_digits(out / "mnist-digits.png", x, t)


CHAPTER = "02_neural_network/"
GROUPS = (
    _group("activation-functions", {
        **{f"{name}-function.png": (CHAPTER + f"{name}_function.png",
                                    partial(activation_function, name=name))
           for name in ("step", "sigmoid", "relu")},
        "activations.png": (CHAPTER + "activations.png", activations),
        "step-vs-sigmoid.png": (CHAPTER + "step_vs_sigmoid.png", step_vs_sigmoid),
    }),
    _group("softmax", {"softmax.png": (CHAPTER + "softmax.png", softmax_bars)}),
    _group("networks", {
        "perceptron-bias.png": (CHAPTER + "perceptron.png", perceptron_with_bias),
        "neuron.png": (CHAPTER + "activation_function.png", neuron),
        "three-layer-network.png": (CHAPTER + "neural_network.png", three_layer_network),
        "three-layer-matrices.png": (CHAPTER + "neural_network2.png", three_layer_matrices),
        "dot-product-shapes.png": (CHAPTER + "dot_product_shapes.png", dot_product_shapes),
        "mnist-shapes.png": (CHAPTER + "mnist_shapes.png", mnist_shapes),
    }),
    Group("mnist-digits", 3, {"mnist-digits.png": CHAPTER + "mnist_digits.png"}, True,
          _mnist_digits),
)
