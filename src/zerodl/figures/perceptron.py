"""Chapter 2 figures: the perceptron, the decision regions of the gates, the XOR circuit."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.figures.style import Group, arrow, blank, node, plt, save_figure
from zerodl.perceptron import AND_GATE, NAND_GATE, OR_GATE, TRUTH_TABLE_INPUTS, XOR


def perceptron_diagram(path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3))
    node(ax, (0, 2), "$x_1$")
    node(ax, (0, 0), "$x_2$")
    node(ax, (3, 1), "$y$")
    arrow(ax, (0, 2), (3, 1), "$w_1$", offset=(0, 0.25))
    arrow(ax, (0, 0), (3, 1), "$w_2$", offset=(0, -0.25))
    ax.text(3, 0.3, r"$y = 1$ if $w_1x_1 + w_2x_2 + b > 0$, else 0", ha="center", fontsize=10)
    blank(ax, (-0.6, 4.6), (-0.8, 2.6))
    save_figure(fig, path)


def decision_regions(path) -> None:
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
    grid = np.linspace(-0.5, 1.5, 201)
    xx, yy = np.meshgrid(grid, grid)
    points = np.c_[xx.ravel(), yy.ravel()]
    for ax, (name, gate) in zip(axes, (("AND", AND_GATE), ("OR", OR_GATE), ("NAND", NAND_GATE),
                                       ("XOR", None)), strict=True):
        if gate is not None:
            region = gate.predict(points).reshape(xx.shape)
            ax.contourf(xx, yy, region, levels=[-0.5, 0.5, 1.5], colors=["#f2f2f2", "#cfe3f7"])
            w1, w2 = gate.weights
            ax.plot(grid, -(w1 * grid + gate.bias) / w2, color="tab:blue", lw=1.5)
            outputs = gate.predict(TRUTH_TABLE_INPUTS)
            ax.set_title(f"{name}\n{w1:g}·x1 {w2:+g}·x2 {gate.bias:+g} = 0", fontsize=10)
        else:
            outputs = np.array([XOR(a, b) for a, b in TRUTH_TABLE_INPUTS])
            ax.set_title("XOR\nno line separates the two classes", fontsize=10)
        for (a, b), y in zip(TRUTH_TABLE_INPUTS, outputs, strict=True):
            ax.scatter(a, b, s=110, marker="o" if y else "^", facecolor="white" if y == 0 else
                       "tab:blue", edgecolor="black", zorder=3)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
    fig.tight_layout()
    save_figure(fig, path)


def xor_circuit(path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.2))
    node(ax, (0, 2), "$x_1$")
    node(ax, (0, 0), "$x_2$")
    node(ax, (2.5, 2), "$s_1$", color="#fde2c8")
    node(ax, (2.5, 0), "$s_2$", color="#fde2c8")
    node(ax, (5, 1), "$y$", color="#cfe3f7")
    for src in ((0, 2), (0, 0)):
        arrow(ax, src, (2.5, 2))
        arrow(ax, src, (2.5, 0))
    arrow(ax, (2.5, 2), (5, 1))
    arrow(ax, (2.5, 0), (5, 1))
    ax.text(2.5, 2.55, "NAND", ha="center")
    ax.text(2.5, -0.7, "OR", ha="center")
    ax.text(5, 1.55, "AND", ha="center")
    ax.text(-0.1, -1.1, "layer 0", ha="center", fontsize=9)
    ax.text(2.5, -1.1, "layer 1", ha="center", fontsize=9)
    ax.text(5, -1.1, "layer 2", ha="center", fontsize=9)
    blank(ax, (-0.6, 5.6), (-1.3, 2.8))
    save_figure(fig, path)


def draw(out_dir, **_) -> None:
    out = Path(out_dir)
    perceptron_diagram(out / "perceptron.png")
    decision_regions(out / "gates-decision-regions.png")
    xor_circuit(out / "xor-circuit.png")


GROUPS = (
    Group("perceptron", 2, {"perceptron.png": "01_perceptron/perceptron.png",
                            "gates-decision-regions.png": "01_perceptron/decision_regions.png",
                            "xor-circuit.png": "01_perceptron/xor_gate.png"}, False, draw),
)
