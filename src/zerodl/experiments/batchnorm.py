"""Training with and without Batch Normalization across initial weight scales."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.errors import DivergenceError
from zerodl.experiments.common import load_data
from zerodl.nets import MultiLayerNetExtend
from zerodl.trainer import Trainer


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        epochs: int | None = None, **_) -> dict:
    from zerodl.figures.style import plt, save_figure

    (x, t), _ = load_data(dataset, data_dir)
    x, t = x[:1000], t[:1000]
    scales = np.logspace(0, -4, 16) if full else np.array([1.0, 0.1, 0.01, 0.001])
    epochs = epochs or (20 if full else 10)
    cols = 4
    rows = int(np.ceil(len(scales) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    results = {}
    for ax, scale in zip(axes.ravel(), scales, strict=False):
        curves = {}
        for label, use_bn in (("Batch Normalization", True), ("without", False)):
            net = MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=float(scale),
                                      use_batchnorm=use_bn, seed=seed)
            trainer = Trainer(net, x, t, x, t, epochs=epochs, mini_batch_size=100,
                              optimizer="sgd", optimizer_param={"lr": 0.01}, verbose=False,
                              seed=seed)
            try:
                trainer.train()
                curves[label] = round(trainer.train_acc_list[-1], 4)
            except DivergenceError:
                # a large initial scale without BN can blow up: that is the point of the figure
                curves[label] = f"diverged in epoch {trainer.epoch + 1}"
            ax.plot(np.arange(1, len(trainer.train_acc_list) + 1), trainer.train_acc_list,
                    label=label, linestyle="-" if use_bn else "--")
        results[f"w = {scale:.4g}"] = curves
        ax.set_title(f"weight std {scale:.4g}", fontsize=9)
        ax.set_ylim(0, 1)
    axes[0, 0].legend(fontsize=7)
    fig.supxlabel("epoch")
    fig.supylabel("training accuracy")
    fig.tight_layout()
    save_figure(fig, Path(out_dir) / "batchnorm.png")
    return results
