"""Chapter 2 figures: the perceptron, the decision regions of the gates, XOR from two layers, and
the perceptron learning rule at work.

A perceptron with weights w and bias b outputs 1 on one side of the line w . x + b = 0 and 0 on
the other: its decision region is a half-plane. Every plot here shades the side where the output
is 1, draws that line, and marks the four inputs of the truth table with the book's symbols,
a circle for output 0 and a triangle for output 1.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from zerodl.errors import ConvergenceError
from zerodl.figures.group import Group
from zerodl.perceptron import AND_GATE, NAND_GATE, OR_GATE, TRUTH_TABLE_INPUTS, XOR, Perceptron
from zerodl.plotting import arrow, blank, node, plt, save_figure, tr

GATES = {"AND": AND_GATE, "OR": OR_GATE, "NAND": NAND_GATE}
TARGETS = {**{name: gate.predict(TRUTH_TABLE_INPUTS) for name, gate in GATES.items()},
           "XOR": np.array([XOR(a, b) for a, b in TRUTH_TABLE_INPUTS])}
ONE, ZERO, LINE, WRONG = "#cfe3f7", "#f2f2f2", "tab:blue", "tab:red"
LIMITS = (-0.5, 1.5)
_GRID = np.linspace(*LIMITS, 201)
_XX, _YY = np.meshgrid(_GRID, _GRID)
_PLANE = np.c_[_XX.ravel(), _YY.ravel()]


# -- diagrams -------------------------------------------------------------------------------------
def perceptron_diagram(path) -> None:
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    node(ax, (0, 2), "$x_1$", radius=0.4, fontsize=17)
    node(ax, (0, 0), "$x_2$", radius=0.4, fontsize=17)
    node(ax, (3.6, 1), "$y$", radius=0.4, color=ONE, fontsize=17)
    arrow(ax, (0, 2), (3.6, 1), "$w_1$", radius=0.4, offset=(0, 0.3), fontsize=17)
    arrow(ax, (0, 0), (3.6, 1), "$w_2$", radius=0.4, offset=(0, -0.3), fontsize=17)
    ax.text(0, 2.65, tr("inputs", "入力信号"), ha="center", fontsize=15)
    ax.text(3.6, 1.65, tr("output", "出力信号"), ha="center", fontsize=15)
    # as the book writes it: a formula in no language, where any other text would need one
    ax.text(1.8, -0.75, r"$y = 1 \quad (w_1x_1 + w_2x_2 + b > 0)$", ha="center", fontsize=17)
    ax.text(1.8, -1.35, r"$y = 0 \quad (w_1x_1 + w_2x_2 + b \leq 0)$", ha="center", fontsize=17)
    blank(ax, (-1.0, 4.6), (-1.7, 3.1))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    save_figure(fig, path)


def xor_circuit(path) -> None:
    fig, ax = plt.subplots(figsize=(7.6, 5.0))
    node(ax, (0, 2), "$x_1$", radius=0.4, fontsize=17)
    node(ax, (0, 0), "$x_2$", radius=0.4, fontsize=17)
    node(ax, (2.6, 2), "$s_1$", radius=0.4, color="#fde2c8", fontsize=17)
    node(ax, (2.6, 0), "$s_2$", radius=0.4, color="#fde2c8", fontsize=17)
    node(ax, (5.2, 1), "$y$", radius=0.4, color=ONE, fontsize=17)
    for src in ((0, 2), (0, 0)):
        arrow(ax, src, (2.6, 2), radius=0.4)
        arrow(ax, src, (2.6, 0), radius=0.4)
    arrow(ax, (2.6, 2), (5.2, 1), radius=0.4)
    arrow(ax, (2.6, 0), (5.2, 1), radius=0.4)
    for xy, gate in (((2.6, 2.6), "NAND"), ((2.6, -0.85), "OR"), ((5.2, 1.6), "AND")):
        ax.text(*xy, gate, ha="center", fontsize=15, fontweight="bold")
    for x, layer in enumerate((tr("layer 0 (inputs)", "第0層（入力）"), tr("layer 1", "第1層"),
                               tr("layer 2 (output)", "第2層（出力）"))):
        ax.text(2.6 * x, -1.45, layer, ha="center", fontsize=15)
    blank(ax, (-1.0, 6.3), (-1.75, 3.0))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    save_figure(fig, path)


# -- decision regions -----------------------------------------------------------------------------
def equation(p: Perceptron) -> str:
    """The perceptron's boundary as mathtext, e.g. "$0.5x_1 + 0.5x_2 - 0.7 = 0$"."""
    text = f"{p.weights[0]:g}x_1"
    for coef, symbol in ((p.weights[1], "x_2"), (p.bias, "")):
        text += f" {'-' if coef < 0 else '+'} {abs(coef):g}{symbol}"
    return f"${text} = 0$"


def _plane(ax, fontsize=12) -> None:
    ax.set_xlim(*LIMITS)
    ax.set_ylim(*LIMITS)
    ax.set_xticks([0, 1])
    ax.set_yticks([0, 1])
    ax.tick_params(labelsize=fontsize - 1)
    ax.set_xlabel("$x_1$", fontsize=fontsize)
    ax.set_ylabel("$x_2$", fontsize=fontsize, rotation=0, labelpad=10)
    ax.set_aspect("equal")


def _shade(ax, outputs) -> None:
    """Shade the plane by the 0/1 output computed at each of its grid points."""
    ax.contourf(_XX, _YY, np.reshape(outputs, _XX.shape), levels=[-0.5, 0.5, 1.5],
                colors=[ZERO, ONE])


def _boundary(ax, p: Perceptron, color=LINE, style="solid") -> None:
    """Draw the line w . x + b = 0 (there is none while all the weights are zero)."""
    if np.any(p.weights):
        ax.contour(_XX, _YY, p.weighted_sum(_PLANE).reshape(_XX.shape), levels=[0],
                   colors=[color], linewidths=2, linestyles=style)


def _region(ax, p: Perceptron) -> None:
    """Shade where p outputs 1 and draw its boundary."""
    _shade(ax, p.predict(_PLANE))
    _boundary(ax, p)


def _points(ax, outputs, size=160) -> None:
    for (a, b), y in zip(TRUTH_TABLE_INPUTS, outputs, strict=True):
        ax.scatter(a, b, s=size, marker="^" if y else "o", facecolor=LINE if y else "white",
                   edgecolor="black", linewidths=1.3, zorder=3)


def _ring(ax, where, size=520) -> None:
    """Circle the inputs at `where` (a boolean mask over the truth table) in red."""
    for a, b in TRUTH_TABLE_INPUTS[where]:
        ax.scatter(a, b, s=size, marker="o", facecolor="none", edgecolor=WRONG, linewidths=2,
                   zorder=4)


def _marker_handles(with_region=True) -> list:
    handles = [Line2D([], [], ls="", marker="o", ms=11, mfc="white", mec="black",
                      label=tr("output 0", "出力 0")),
               Line2D([], [], ls="", marker="^", ms=11, mfc=LINE, mec="black",
                      label=tr("output 1", "出力 1"))]
    if with_region:
        handles.append(Patch(facecolor=ONE, edgecolor="0.6",
                             label=tr("where the output is 1", "出力が 1 になる領域")))
    return handles


def gate_region(path, name: str) -> None:
    """One gate's decision region; for XOR, a try with OR's line that leaves a point astray."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    outputs = TARGETS[name]
    if name == "XOR":
        _shade(ax, np.zeros(len(_PLANE)))
        _boundary(ax, OR_GATE, color="0.35", style="dashed")
        _ring(ax, OR_GATE.predict(TRUTH_TABLE_INPUTS) != outputs)
        title = tr("XOR gate: no single line separates 0 from 1",
                   "XORゲート：直線1本では 0 と 1 を分けられない")
        extra = [Line2D([], [], color="0.35", ls="--", lw=2,
                        label=tr("a try: OR's line", "試しに OR の直線")),
                 Line2D([], [], ls="", marker="o", ms=16, mfc="none", mec=WRONG, mew=2,
                        label=tr("on the wrong side", "直線の反対側に入ってしまう点"))]
        handles = _marker_handles(with_region=False) + extra
    else:
        _region(ax, GATES[name])
        title = tr(f"{name} gate", f"{name}ゲート")
        handles = [*_marker_handles(), Line2D([], [], color=LINE, lw=2,
                                              label=equation(GATES[name]))]
    _points(ax, outputs, size=220)
    _plane(ax, fontsize=15)
    ax.set_title(title, fontsize=17, loc="left")
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.04, 0.5), fontsize=15,
              frameon=False, labelspacing=1.1)
    fig.subplots_adjust(left=0.02, right=0.56, bottom=0.12, top=0.9)
    save_figure(fig, path)


def decision_regions(path) -> None:
    """The four gates side by side."""
    fig, axes = plt.subplots(1, 4, figsize=(13, 4.2))
    for ax, name in zip(axes, TARGETS, strict=True):
        if name in GATES:
            _region(ax, GATES[name])
            ax.set_title(f"{name}\n{equation(GATES[name])}", fontsize=13)
        else:
            _shade(ax, np.zeros(len(_PLANE)))
            ax.set_title("XOR\n" + tr("no line separates 0 from 1", "直線では分けられない"),
                         fontsize=13)
        _points(ax, TARGETS[name], size=120)
        _plane(ax, fontsize=13)
    fig.legend(handles=_marker_handles(), loc="lower center", ncol=3, fontsize=13, frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    save_figure(fig, path)


def xor_two_layer_regions(path) -> None:
    """XOR = AND(NAND, OR): the AND of two half-planes is the band between their lines."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 4.4))
    s1, s2 = NAND_GATE.predict(_PLANE), OR_GATE.predict(_PLANE)
    _region(axes[0], NAND_GATE)
    _region(axes[1], OR_GATE)
    _shade(axes[2], AND_GATE.predict(np.c_[s1, s2]))
    for gate in (NAND_GATE, OR_GATE):
        _boundary(axes[2], gate, color="0.35", style="dashed")
    for ax, outputs, title in ((axes[0], TARGETS["NAND"], "$s_1$ = NAND"),
                               (axes[1], TARGETS["OR"], "$s_2$ = OR"),
                               (axes[2], TARGETS["XOR"], "$y$ = AND($s_1$, $s_2$)")):
        _points(ax, outputs, size=150)
        _plane(ax, fontsize=14)
        ax.set_title(title, fontsize=16)
    fig.legend(handles=_marker_handles(), loc="lower center", ncol=3, fontsize=15, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    save_figure(fig, path)


# -- learning -------------------------------------------------------------------------------------
class Epoch(NamedTuple):
    """One epoch of the perceptron rule: the perceptron it starts with, the mistakes made in it."""

    start: Perceptron
    mistakes: int


def learning_history(x, t, lr: float = 0.1, max_epochs: int = 100) -> list[Epoch]:
    """What Perceptron.fit does, epoch by epoch. The last epoch has no mistake when the rule
    converged; when it did not (fit raised ConvergenceError), there are max_epochs of them.

    fit returns only its result. It predicts each sample once per epoch, with the weights of that
    moment, before correcting them; so a Perceptron that notes its parameters at each prediction
    sees every step of the rule without a second copy of it.
    """
    steps = []

    class Recording(Perceptron):
        def predict(self, x):
            y = super().predict(x)
            steps.append((self.weights.copy(), self.bias, y))
            return y

    with contextlib.suppress(ConvergenceError):
        Recording.fit(x, t, lr=lr, max_epochs=max_epochs)
    t = np.asarray(t).ravel()
    epochs = []
    for i in range(0, len(steps), len(t)):
        weights, bias, _ = steps[i]
        predicted = np.array([y for _, _, y in steps[i:i + len(t)]])
        epochs.append(Epoch(Perceptron(weights, bias), int(np.sum(predicted != t))))
    return epochs


def learning_lines(path, name: str = "AND") -> int:
    """The boundary that the rule has reached before each epoch until it converges; returns the
    number of epochs that fit ran (the last one without a mistake)."""
    epochs = learning_history(TRUTH_TABLE_INPUTS, TARGETS[name])
    fig, axes = plt.subplots(2, 3, figsize=(8.4, 6.2))
    for k, (ax, epoch) in enumerate(zip(axes.flat, epochs, strict=True)):
        p = epoch.start
        _region(ax, p)
        _points(ax, TARGETS[name], size=110)
        _ring(ax, p.predict(TRUTH_TABLE_INPUTS) != TARGETS[name], size=380)
        _plane(ax, fontsize=12)
        ax.set_xlabel("")
        ax.set_ylabel("")
        when = tr("start", "初期値") if k == 0 else tr(f"after epoch {k}", f"{k}エポック後")
        # matplotlib draws a label holding $...$ all in its math font, which has no kana: the
        # parameters go on a line of their own
        ax.set_title(when, fontsize=14)
        ax.text(0.5, -0.25, f"$w = ({p.weights[0]:g}, {p.weights[1]:g}),\\ b = {p.bias:g}$",
                transform=ax.transAxes, ha="center", fontsize=12)
    fig.suptitle(tr(f"{name} learned by the perceptron rule (η = 0.1)",
                    f"パーセプトロンの学習規則で {name} を学ぶ（η = 0.1）"), fontsize=16)
    wrong = Line2D([], [], ls="", marker="o", ms=14, mfc="none", mec=WRONG, mew=2,
                   label=tr("misclassified", "誤って分類される点"))
    fig.legend(handles=[*_marker_handles(with_region=False), wrong], loc="lower center", ncol=3,
               fontsize=14, frameon=False, borderaxespad=0.2)
    fig.subplots_adjust(left=0.07, right=0.95, top=0.88, bottom=0.15, hspace=0.62, wspace=0.25)
    save_figure(fig, path)
    return len(epochs)


def learning_mistakes(path, max_epochs: int = 20) -> dict[str, int]:
    """The mistakes in each epoch of the rule on each gate's truth table, one row per gate;
    returns the epochs that fit ran on each (max_epochs where it did not converge)."""
    fig, axes = plt.subplots(len(TARGETS), 1, figsize=(8, 5.4), sharex=True)
    colors = {"AND": "tab:blue", "OR": "tab:green", "NAND": "tab:orange", "XOR": "tab:red"}
    ran = {}
    for ax, name in zip(axes, TARGETS, strict=True):
        mistakes = [e.mistakes for e in learning_history(TRUTH_TABLE_INPUTS, TARGETS[name],
                                                         max_epochs=max_epochs)]
        n = ran[name] = len(mistakes)
        ax.bar(range(1, n + 1), mistakes, width=0.7, color=colors[name])
        if mistakes[-1] == 0:
            ax.text(n, 0.25, "0", ha="center", fontsize=13)
            note = tr(f"no mistake in epoch {n}: fit stops", f"{n}エポック目で誤り 0 → 学習終了")
            ax.text(n + 0.9, 2.2, note, va="center", fontsize=15)
        else:
            note = tr(f"still {mistakes[-1]} mistakes after {n} epochs → ConvergenceError",
                      f"{n}エポック後も誤り {mistakes[-1]} → ConvergenceError")
            ax.text((n + 1) / 2, 5.6, note, ha="center", va="center", fontsize=15)
        ax.set_ylim(0, 7)
        ax.set_yticks([0, 2, 4])
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=15, labelpad=14)
        ax.tick_params(labelsize=12)
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xlim(0.3, max_epochs + 0.7)
    axes[-1].set_xticks(range(1, max_epochs + 1))
    axes[-1].set_xlabel(tr("epoch", "エポック"), fontsize=15)
    fig.suptitle(tr("Mistakes in each epoch of the perceptron rule",
                    "学習規則の各エポックでの誤りの数"), fontsize=16)
    fig.tight_layout()
    save_figure(fig, path)
    return ran


# -- groups ---------------------------------------------------------------------------------------
def draw(out_dir, **_) -> None:
    out = Path(out_dir)
    perceptron_diagram(out / "perceptron.png")
    xor_circuit(out / "xor-circuit.png")


def draw_regions(out_dir, **_) -> None:
    out = Path(out_dir)
    decision_regions(out / "gates-decision-regions.png")
    for name in TARGETS:
        gate_region(out / f"{name.lower()}-decision-region.png", name)
    xor_two_layer_regions(out / "xor-two-layer-regions.png")


def draw_learning(out_dir, **_) -> dict[str, int]:
    out = Path(out_dir)
    learning_lines(out / "perceptron-learning.png")
    ran = learning_mistakes(out / "perceptron-mistakes.png")
    return {f"{name.lower()}_epochs": n for name, n in ran.items()}


GROUPS = (
    Group("perceptron", 2, {"perceptron.png": "01_perceptron/perceptron.png",
                            "xor-circuit.png": "01_perceptron/xor_gate.png"}, False, draw),
    Group("decision-regions", 2, {
        "gates-decision-regions.png": "01_perceptron/decision_regions.png",
        **{f"{name.lower()}-decision-region.png": f"02_neural_network/graph_{name.lower()}.png"
           for name in TARGETS},
        "xor-two-layer-regions.png": "01_perceptron/xor_regions.png"}, False, draw_regions),
    Group("perceptron-learning", 2, {"perceptron-learning.png": "01_perceptron/learning_and.png",
                                     "perceptron-mistakes.png": "01_perceptron/learning_mistakes.png"},
          False, draw_learning),
)
