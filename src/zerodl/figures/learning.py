"""Chapter 4 figures: a numerical derivative, a gradient field, gradient descent, learning curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.figures.style import Group, plt, save_figure
from zerodl.gradient import gradient_descent, numerical_diff, numerical_gradient


def function_1(x):
    """The book's example: y = 0.01 x^2 + 0.1 x."""
    return 0.01 * x**2 + 0.1 * x


def numerical_derivative(path) -> None:
    x = np.linspace(0, 20, 201)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x, function_1(x), label="$y = 0.01x^2 + 0.1x$")
    for x0 in (5.0, 10.0):
        slope = numerical_diff(function_1, x0)
        ax.plot(x, slope * (x - x0) + function_1(x0), "--",
                label=f"tangent at x = {x0:g} (slope {slope:.4f})")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend()
    save_figure(fig, path)


def gradient_field(path) -> None:
    grid = np.arange(-2, 2.5, 0.25)
    x0, x1 = np.meshgrid(grid, grid)
    points = np.stack([x0.ravel(), x1.ravel()]).astype(np.float64)
    grads = np.array([numerical_gradient(lambda p: float(np.sum(p**2)), points[:, i].copy())
                      for i in range(points.shape[1])]).T
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.quiver(points[0], points[1], -grads[0], -grads[1], angles="xy", color="#666666")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title(r"$-\nabla f$ for $f = x_0^2 + x_1^2$: every arrow points to the minimum")
    ax.set_aspect("equal")
    save_figure(fig, path)


def gradient_descent_path(path) -> None:
    _, history = gradient_descent(lambda p: float(np.sum(p**2)), np.array([-3.0, 4.0]), lr=0.1,
                                  step_num=20, return_history=True)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    t = np.linspace(0, 2 * np.pi, 200)
    for r in (1, 2, 3, 4, 5):
        ax.plot(r * np.cos(t), r * np.sin(t), color="0.85", lw=0.8)
    ax.plot(history[:, 0], history[:, 1], "o-", color="tab:blue", markersize=4)
    ax.set_xlim(-3.5, 3.5)
    ax.set_ylim(-4.5, 4.5)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title("gradient descent from (-3, 4), lr 0.1, 20 steps")
    ax.set_aspect("equal")
    save_figure(fig, path)


def two_layer_learning_curves(path, data, epochs: int = 10, seed: int = 0) -> dict:
    """Train the book's TwoLayerNet (50 hidden, SGD lr 0.1) and plot its curves."""
    from zerodl.figures.training import plot_learning_curves
    from zerodl.nets import TwoLayerNet
    from zerodl.trainer import Trainer

    (x, t), (x_test, t_test) = data
    trainer = Trainer(TwoLayerNet(784, 50, 10, seed=seed), x, t, x_test, t_test, epochs=epochs,
                      optimizer="sgd", optimizer_param={"lr": 0.1}, verbose=False, seed=seed)
    trainer.train()
    plot_learning_curves(trainer.history(), path)
    return {"test_accuracy": round(trainer.final_test_acc, 4)}


DIAGRAMS = {"numerical-derivative.png": numerical_derivative, "gradient-field.png": gradient_field,
            "gradient-descent.png": gradient_descent_path}


def draw(out_dir, **_) -> None:
    for name, fn in DIAGRAMS.items():
        fn(Path(out_dir) / name)


def _two_layer_curves(out: Path, data, quick: bool, seed: int, **_) -> dict:
    return two_layer_learning_curves(out / "two-layer-learning-curves.png", data(),
                                     epochs=2 if quick else 10, seed=seed)


GROUPS = (
    Group("learning", 4, {"numerical-derivative.png": "03_learning/numerical_derivative.png",
                          "gradient-field.png": "03_learning/gradient_field.png",
                          "gradient-descent.png": "03_learning/gradient_descent.png"}, False, draw),
    Group("two-layer-learning-curves", 4,
          {"two-layer-learning-curves.png": "03_learning/two_layer_learning_curves.png"}, True,
          _two_layer_curves),
)
