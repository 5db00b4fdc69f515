"""Training with and without Batch Normalization across initial weight scales (the book's 6-19).

A 6-layer ReLU net learns 1,000 digits with SGD at each initial weight std, once with a
BatchNormalization layer after every hidden Affine layer and once without. Without it, most
scales barely move from chance (or blow up); with it, training starts at once at every scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.errors import DivergenceError
from zerodl.experiments.common import load_data
from zerodl.nets import MultiLayerNetExtend
from zerodl.plotting import plt, save_figure, tr
from zerodl.trainer import Trainer

SCALES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.001)


def train_accuracy(scale: float, use_batchnorm: bool, x, t, epochs: int, seed: int):
    """The training accuracy after each epoch, and the epoch in which the loss blew up (or None)."""
    net = MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=scale,
                              use_batchnorm=use_batchnorm, seed=seed)
    trainer = Trainer(net, x, t, x, t, epochs=epochs, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": 0.01}, verbose=False, seed=seed)
    try:
        trainer.train()
    except DivergenceError:
        # a large initial scale without BN can blow up: that is part of the figure
        return trainer.train_acc_list, trainer.epoch + 1
    return trainer.train_acc_list, None


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, epochs: int | None = None, **_) -> dict:
    (x, t), _ = load_data(dataset, data_dir, download)
    x, t = x[:1000], t[:1000]
    scales = np.logspace(0, -4, 16) if full else np.array(SCALES)
    epochs = epochs or 20
    cols = 4 if full else 3
    rows = int(np.ceil(len(scales) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(9, 2.1 * rows + 0.8), sharex=True, sharey=True,
                             squeeze=False)
    lines = {"Batch Normalization": (True, "-", "tab:blue"),
             tr("without", "なし"): (False, "--", "tab:orange")}
    results = {}
    for ax, scale in zip(axes.ravel(), scales, strict=False):
        curves = {}
        for label, (use_bn, style, color) in lines.items():
            accuracy, diverged = train_accuracy(float(scale), use_bn, x, t, epochs, seed)
            name = "Batch Normalization" if use_bn else "without"
            curves[name] = f"diverged in epoch {diverged}" if diverged else round(accuracy[-1], 4)
            ax.plot(np.arange(1, len(accuracy) + 1), accuracy, style, color=color, label=label)
            if diverged:
                ax.text(0.5, 0.5, tr(f"{label}: diverged", f"{label}：発散"), color=color,
                        transform=ax.transAxes, ha="center", fontsize=10)
        results[f"w = {scale:.4g}"] = curves
        ax.set_title(tr(f"weight std {scale:.4g}", f"重みの標準偏差 {scale:.4g}"), fontsize=11)
        ax.set_ylim(0, 1)
    for ax in axes.ravel()[len(scales):]:
        ax.set_axis_off()
    axes[0, 0].legend(fontsize=9, loc="upper left")
    fig.supxlabel(tr("epoch", "エポック"))
    fig.supylabel(tr("training accuracy (1,000 digits)", "訓練データの認識精度（1,000 枚）"))
    fig.tight_layout()
    save_figure(fig, Path(out_dir) / "batchnorm.png")
    return results
