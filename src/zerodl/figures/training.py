"""Learning curves of a training run: the curves.png of every run folder."""

from __future__ import annotations

import numpy as np

from zerodl.figures.style import plt, save_figure, tr


def smooth(values, window: int = 20) -> np.ndarray:
    """Moving average over `window` values, for loss curves that are readable at a glance."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < window:
        return values
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_learning_curves(history: dict, path, title: str | None = None) -> None:
    """The training loss per iteration, raw and smoothed (left), and the accuracy per epoch on
    each split (right), as one PNG."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    loss = np.asarray(history["train_loss"])
    steps = np.arange(1, loss.size + 1)
    window = max(1, min(50, loss.size // 10))
    ax_loss.plot(steps, loss, lw=0.5, color="tab:blue", alpha=0.3, label=tr("each step", "各ステップ"))
    if loss.size >= window > 1:
        ax_loss.plot(steps[window - 1:], smooth(loss, window), lw=1.8, color="tab:blue",
                     label=tr(f"mean of {window} steps", f"{window} ステップの平均"))
    ax_loss.set_title(tr("training loss", "訓練データの損失"))
    ax_loss.set_xlabel(tr("iteration", "イテレーション"))
    ax_loss.set_ylabel(tr("loss (cross-entropy)", "損失（交差エントロピー誤差）"))
    if loss.size and loss.min() > 0:
        ax_loss.set_yscale("log")
    epochs = np.arange(1, len(history["train_acc"]) + 1)
    for key, label in (("train_acc", tr("train", "訓練")), ("test_acc", tr("test", "テスト")),
                       ("val_acc", tr("validation", "検証"))):
        if history.get(key):
            ax_acc.plot(epochs, history[key], marker="o", label=label)
    ax_acc.set_title(tr("accuracy per epoch", "エポックごとの認識精度"))
    ax_acc.set_xlabel(tr("epoch", "エポック"))
    ax_acc.set_ylabel(tr("accuracy", "認識精度"))
    if epochs.size:
        ax_acc.set_xticks(epochs if epochs.size <= 20 else np.linspace(1, epochs.size, 11).round())
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
