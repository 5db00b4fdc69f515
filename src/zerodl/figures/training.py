"""Learning curves of a training run."""

from __future__ import annotations

import numpy as np

from zerodl.figures.style import plt, save_figure


def plot_learning_curves(history: dict, path) -> None:
    """Loss per iteration (left) and accuracy per epoch (right) as one PNG."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    loss = np.asarray(history["train_loss"])
    ax_loss.plot(np.arange(1, loss.size + 1), loss, lw=0.6)
    ax_loss.set_xlabel("iteration")
    ax_loss.set_ylabel("training loss")
    ax_loss.set_yscale("log")
    epochs = np.arange(1, len(history["train_acc"]) + 1)
    for key, label in (("train_acc", "train"), ("test_acc", "test"), ("val_acc", "validation")):
        if history.get(key):
            ax_acc.plot(epochs, history[key], marker="o", label=label)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    if epochs.size:
        ax_acc.legend()
    fig.tight_layout()
    save_figure(fig, path)
