"""Six optimizers on f(x, y) = x^2 / 20 + y^2 from (-7, 2): the book's picture of why SGD struggles.

The bowl is twenty times steeper along y than along x, so the gradient points mostly across the
valley rather than towards the minimum at (0, 0): SGD zig-zags, the others straighten the path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from zerodl.plotting import plt, save_figure, tr

START = (-7.0, 2.0)
STEPS = 30
# The book's learning rates (RMSprop's and Nesterov's are ours): each optimizer at a rate that
# shows its character.
OPTIMIZERS = {"SGD": (SGD, 0.95), "Momentum": (Momentum, 0.1), "Nesterov": (Nesterov, 0.1),
              "AdaGrad": (AdaGrad, 1.5), "RMSprop": (RMSprop, 0.15), "Adam": (Adam, 0.3)}


def f(x, y):
    return x**2 / 20.0 + y**2


def df(x, y):
    return x / 10.0, 2.0 * y


def optimize_path(optimizer, steps: int = STEPS) -> np.ndarray:
    """The (steps + 1, 2) sequence of points that `optimizer` visits from START."""
    params = {"x": np.array(START[0]), "y": np.array(START[1])}
    path = [START]
    for _ in range(steps):
        gx, gy = df(params["x"], params["y"])
        optimizer.update(params, {"x": np.array(gx), "y": np.array(gy)})
        path.append((float(params["x"]), float(params["y"])))
    return np.array(path)


def path_summary(path: np.ndarray) -> dict:
    """What a path shows: where it ends (f there), how far it travelled, when f first fell below
    0.1 (None if never)."""
    values = f(path[:, 0], path[:, 1])
    below = np.flatnonzero(values < 0.1)
    return {"final_f": float(f"{values[-1]:.3g}"),
            "path_length": round(float(np.sum(np.hypot(*np.diff(path, axis=0).T))), 2),
            "steps_to_f_below_0.1": int(below[0]) if below.size else None}


def _contours(ax, xlim, ylim):
    xs, ys = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    ax.contour(xs, ys, f(xs, ys), levels=np.geomspace(0.05, 30, 12), colors="0.75",
               linewidths=0.8)
    ax.plot(0, 0, "+", color="k", markersize=12)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")


def plot_gradients(path) -> None:
    """The book's figure 6-2: the arrows of -grad f, which point across the valley, not to (0, 0)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    _contours(ax, (-10, 10), (-5, 5))
    gx, gy = np.meshgrid(np.linspace(-9, 9, 13), np.linspace(-3.75, 3.75, 7))
    dx, dy = df(gx, gy)
    # true lengths, scaled so that the longest arrow just fits between two rows
    ax.quiver(gx, gy, -dx, -dy, angles="xy", scale_units="xy", scale=6.5, width=0.004,
              color="#666666")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    # plain text, not mathtext: mathtext would draw the kana without the CJK font
    ax.set_title(tr("−∇f for f = x²/20 + y²: the arrows point across the valley, not at (0, 0)",
                    "f = x²/20 + y² の −∇f：矢印は (0, 0) ではなく谷を横切る向き"))
    fig.tight_layout()
    save_figure(fig, path)


def plot_paths(paths: dict[str, np.ndarray], results: dict, path) -> None:
    """One panel per optimizer: its path over the contours of f."""
    fig, axes = plt.subplots(2, 3, figsize=(10, 4.8))
    for ax, (name, points) in zip(axes.ravel(), paths.items(), strict=True):
        _contours(ax, (-8, 3), (-2.5, 2.5))
        ax.plot(points[:, 0], points[:, 1], "o-", color="tab:red", markersize=2.5, lw=1.2)
        final = results[name]["final_f"]
        ax.set_title(f"{name}: f = {final:.3g}", fontsize=11)
        ax.tick_params(labelsize=8)
    fig.suptitle(tr(f"{STEPS} steps from (-7, 2) on f = x²/20 + y² (f: its value after them)",
                    f"f = x²/20 + y² を (-7, 2) から {STEPS} ステップ（f は最後の点での値）"),
                 fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def run(out_dir, full: bool = False, seed: int = 0, **_) -> dict:
    paths = {name: optimize_path(cls(lr=lr)) for name, (cls, lr) in OPTIMIZERS.items()}
    results = {name: path_summary(points) for name, points in paths.items()}
    plot_paths(paths, results, Path(out_dir) / "optimizers-2d.png")
    plot_gradients(Path(out_dir) / "optimizers-2d-gradients.png")
    return results
