"""Chapter 3 figures: activation functions, a neuron, the 3-layer network, MNIST digits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.figures.style import Group, arrow, blank, node, plt, save_figure
from zerodl.functions import relu, sigmoid, step_function


def activations(path) -> None:
    x = np.linspace(-5, 5, 1001)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for ax, (name, f, ylim) in zip(axes, (("step", step_function, (-0.1, 1.1)),
                                          ("sigmoid", sigmoid, (-0.1, 1.1)),
                                          ("ReLU", relu, (-0.5, 5.2))), strict=True):
        ax.plot(x, f(x), lw=2)
        ax.set_title(name)
        ax.set_ylim(*ylim)
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
    fig.tight_layout()
    save_figure(fig, path)


def step_vs_sigmoid(path) -> None:
    x = np.linspace(-5, 5, 1001)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(x, step_function(x), "--", label="step: 1 if x > 0")
    ax.plot(x, sigmoid(x), label="sigmoid: 1 / (1 + exp(-x))")
    ax.set_ylim(-0.1, 1.1)
    ax.legend(loc="upper left")
    save_figure(fig, path)


def neuron(path) -> None:
    fig, ax = plt.subplots(figsize=(7, 3.4))
    node(ax, (0, 3), "1", color="#eeeeee")
    node(ax, (0, 1.5), "$x_1$")
    node(ax, (0, 0), "$x_2$")
    node(ax, (3.2, 1.5), "$a$", color="#fde2c8")
    node(ax, (5.4, 1.5), "$y$", color="#cfe3f7")
    arrow(ax, (0, 3), (3.2, 1.5), "$b$")
    arrow(ax, (0, 1.5), (3.2, 1.5), "$w_1$")
    arrow(ax, (0, 0), (3.2, 1.5), "$w_2$", offset=(0, -0.25))
    arrow(ax, (3.2, 1.5), (5.4, 1.5), "$h()$", label_at=0.5)
    ax.add_patch(plt.Rectangle((2.6, 0.8), 3.4, 1.4, fill=False, ls="--", lw=1))
    ax.text(3.2, 0.35, "$a = b + w_1x_1 + w_2x_2$", ha="center", fontsize=10)
    ax.text(5.4, 0.35, "$y = h(a)$", ha="center", fontsize=10)
    blank(ax, (-0.6, 6.4), (-0.6, 3.6))
    save_figure(fig, path)


def three_layer_network(path) -> None:
    """2 inputs, hidden layers of 3 and 2, 2 outputs, with the book's w^(layer)_(to, from)."""
    layers = [2, 3, 2, 2]
    xs = [0, 3, 6, 9]
    pos = [[(x, (n - 1) / 2 * 1.6 - i * 1.6) for i in range(n)] for x, n in zip(xs, layers, strict=True)]
    fig, ax = plt.subplots(figsize=(9, 4.6))
    for layer in range(3):
        for dst in pos[layer + 1]:
            for src in pos[layer]:
                arrow(ax, src, dst, radius=0.38)
    # label one weight per layer, as the book does: w^(1)_12 goes from x_2 to a^(1)_1
    for layer, (to, frm) in enumerate(((0, 1), (0, 0), (1, 0))):
        src, dst = np.array(pos[layer][frm]), np.array(pos[layer + 1][to])
        mid = src + (dst - src) * 0.3
        ax.text(mid[0], mid[1] + 0.25, f"$w^{{({layer + 1})}}_{{{to + 1}{frm + 1}}}$", fontsize=12,
                ha="center", color="tab:red")
    for layer, column in enumerate(pos):
        for i, xy in enumerate(column):
            if layer in (0, 3):
                symbol, color = f"${'xy'[layer // 3]}_{i + 1}$", "white"
            else:
                symbol, color = f"$a^{{({layer})}}_{i + 1}$", "#fde2c8"
            node(ax, xy, symbol, radius=0.38, color=color)
    for x, label in zip(xs, ("input layer", "1st hidden", "2nd hidden", "output layer"), strict=True):
        ax.text(x, -3.3, label, ha="center", fontsize=9)
    blank(ax, (-0.8, 9.8), (-3.6, 2.6))
    save_figure(fig, path)


def mnist_digits(path, x: np.ndarray, t: np.ndarray, count: int = 10) -> None:
    fig, axes = plt.subplots(1, count, figsize=(count * 1.1, 1.5))
    for ax, image, label in zip(axes, x[:count], t[:count], strict=True):
        ax.imshow(image.reshape(28, 28), cmap="gray")
        ax.set_title(str(label), fontsize=10)
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)


DIAGRAMS = {"activations.png": activations, "step-vs-sigmoid.png": step_vs_sigmoid,
            "neuron.png": neuron, "three-layer-network.png": three_layer_network}


def draw(out_dir, **_) -> None:
    for name, fn in DIAGRAMS.items():
        fn(Path(out_dir) / name)


def _mnist_digits(out: Path, data, **_) -> None:
    (x, t), _ = data()
    mnist_digits(out / "mnist-digits.png", x, t)


GROUPS = (
    Group("networks", 3, {"activations.png": "02_neural_network/activations.png",
                          "step-vs-sigmoid.png": "02_neural_network/step_vs_sigmoid.png",
                          "neuron.png": "02_neural_network/activation_function.png",
                          "three-layer-network.png": "02_neural_network/neural_network.png"},
          False, draw),
    Group("mnist-digits", 3, {"mnist-digits.png": "02_neural_network/mnist_digits.png"}, True,
          _mnist_digits),
)
