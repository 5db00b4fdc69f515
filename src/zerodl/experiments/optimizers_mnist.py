"""Loss curves of SGD, Momentum, AdaGrad, RMSprop and Adam training a 5-layer net on MNIST."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.experiments.common import load_data, train_iterations
from zerodl.nets import MultiLayerNet
from zerodl.optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop
from zerodl.plotting import plt, save_figure, smooth, tr

# The book's learning rates; RMSprop's, like Adam's, is the usual 0.001.
OPTIMIZERS = {"SGD": (SGD, 0.01), "Momentum": (Momentum, 0.01), "AdaGrad": (AdaGrad, 0.01),
              "RMSprop": (RMSprop, 0.001), "Adam": (Adam, 0.001)}


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, iterations: int | None = None, **_) -> dict:
    (x, t), _ = load_data(dataset, data_dir, download)
    iterations = iterations or (2000 if full else 300)
    curves = {}
    for name, (cls, lr) in OPTIMIZERS.items():
        net = MultiLayerNet(784, [100, 100, 100, 100], 10, seed=seed)
        curves[name] = train_iterations(net, x, t, cls(lr=lr), iterations, 128,
                                        np.random.default_rng(seed))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, losses in curves.items():
        ax.plot(smooth(losses), label=name)
    ax.set_xlabel(tr("iteration", "イテレーション"))
    ax.set_ylabel(tr("training loss (moving average of 20)", "訓練データの損失（20 回の移動平均）"))
    ax.set_title(tr("MNIST, 5-layer ReLU net, mini-batches of 128",
                    "MNIST、5 層の ReLU ネット、ミニバッチ 128"), fontsize=12)
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    save_figure(fig, Path(out_dir) / "optimizers-mnist.png")
    return {name: {"mean_loss_last_50": round(float(np.mean(losses[-50:])), 4)}
            for name, losses in curves.items()}
