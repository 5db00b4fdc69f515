"""The paths of SGD, Momentum, AdaGrad and Adam on f(x, y) = x^2 / 20 + y^2 from (-7, 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum

START = (-7.0, 2.0)
# The book's learning rates: each optimizer at a rate that shows its character.
OPTIMIZERS = {"SGD": (SGD, 0.95), "Momentum": (Momentum, 0.1), "AdaGrad": (AdaGrad, 1.5),
              "Adam": (Adam, 0.3)}


def f(x, y):
    return x**2 / 20.0 + y**2


def df(x, y):
    return x / 10.0, 2.0 * y


def optimize_path(optimizer, steps: int) -> np.ndarray:
    """The (steps + 1, 2) sequence of points that `optimizer` visits from START."""
    params = {"x": np.array(START[0]), "y": np.array(START[1])}
    path = [START]
    for _ in range(steps):
        gx, gy = df(params["x"], params["y"])
        optimizer.update(params, {"x": np.array(gx), "y": np.array(gy)})
        path.append((float(params["x"]), float(params["y"])))
    return np.array(path)


def run(out_dir, full: bool = False, seed: int = 0, **_) -> dict:
    from zerodl.figures.style import plt, save_figure

    steps = 30
    paths = {name: optimize_path(cls(lr=lr), steps) for name, (cls, lr) in OPTIMIZERS.items()}
    results = {name: {"final_f": float(f(*path[-1])),
                      "path_length": round(float(np.sum(np.hypot(*np.diff(path, axis=0).T))), 2),
                      "steps_to_f_below_0.1": int(np.argmax(f(path[:, 0], path[:, 1]) < 0.1))
                      if np.any(f(path[:, 0], path[:, 1]) < 0.1) else None}
               for name, path in paths.items()}
    xs, ys = np.meshgrid(np.linspace(-10, 10, 200), np.linspace(-5, 5, 200))
    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    for ax, (name, path) in zip(axes.ravel(), paths.items(), strict=True):
        ax.contour(xs, ys, f(xs, ys), levels=np.geomspace(0.05, 30, 12), colors="0.7")
        ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", markersize=3)
        ax.plot(0, 0, "+", color="k", markersize=12)
        ax.set_title(f"{name} (f = {results[name]['final_f']:.3g} after {steps} steps)")
        ax.set_xlim(-10, 10)
        ax.set_ylim(-5, 5)
    fig.tight_layout()
    save_figure(fig, Path(out_dir) / "optimizers-2d.png")
    return results
