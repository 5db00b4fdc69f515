"""Loss curves of SGD, Momentum, AdaGrad and Adam training a 5-layer net on MNIST."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.experiments.common import load_data, smooth, train_iterations
from zerodl.nets import MultiLayerNet
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum

OPTIMIZERS = {"SGD": (SGD, 0.01), "Momentum": (Momentum, 0.01), "AdaGrad": (AdaGrad, 0.01),
              "Adam": (Adam, 0.001)}


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        iterations: int | None = None, **_) -> dict:
    from zerodl.figures.style import plt, save_figure

    (x, t), _ = load_data(dataset, data_dir)
    iterations = iterations or (2000 if full else 300)
    curves = {}
    for name, (cls, lr) in OPTIMIZERS.items():
        net = MultiLayerNet(784, [100, 100, 100, 100], 10, seed=seed)
        curves[name] = train_iterations(net, x, t, cls(lr=lr), iterations, 128,
                                        np.random.default_rng(seed))
    fig, ax = plt.subplots(figsize=(7, 5))
    for name, losses in curves.items():
        ax.plot(smooth(losses), label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss (moving average of 20)")
    ax.set_yscale("log")
    ax.legend()
    save_figure(fig, Path(out_dir) / "optimizers-mnist.png")
    return {name: {"mean_loss_last_50": float(np.mean(losses[-50:]))} for name, losses in curves.items()}
