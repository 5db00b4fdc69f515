"""Chapter 7 and 8 figures: first-layer filters, what they pick out, and misclassified digits."""

from __future__ import annotations

import numpy as np

from zerodl.figures.style import Group, plt, save_figure


def plot_filters(filters_by_title: dict[str, np.ndarray], path, columns: int = 10) -> None:
    """Each (FN, 1, FH, FW) filter bank as a grid of grayscale tiles, one bank per block of rows."""
    banks = list(filters_by_title.items())
    rows_per_bank = [int(np.ceil(w.shape[0] / columns)) for _, w in banks]
    fig, axes = plt.subplots(sum(rows_per_bank), columns,
                             figsize=(columns * 0.9, sum(rows_per_bank) * 0.9 + 0.4 * len(banks)),
                             squeeze=False)
    row = 0
    for (title, W), n_rows in zip(banks, rows_per_bank, strict=True):
        for i in range(n_rows * columns):
            ax = axes[row + i // columns, i % columns]
            ax.set_axis_off()
            if i < W.shape[0]:
                ax.imshow(W[i, 0], cmap="gray_r", interpolation="nearest")
        axes[row, 0].set_title(title, loc="left", fontsize=9)
        row += n_rows
    fig.tight_layout()
    save_figure(fig, path)


def plot_filter_responses(W: np.ndarray, image: np.ndarray, path, count: int = 8) -> None:
    """The image, then each of the first `count` filters and the image convolved with it."""
    from zerodl.layers import Convolution

    responses = Convolution(W[:count].astype(np.float64), np.zeros(count)).forward(
        image.reshape(1, 1, *image.shape[-2:]).astype(np.float64))[0]
    fig, axes = plt.subplots(2, count + 1, figsize=(1.3 * (count + 1), 2.8))
    axes[0, 0].imshow(image.reshape(image.shape[-2:]), cmap="gray")
    axes[0, 0].set_title("input", fontsize=8)
    axes[1, 0].set_axis_off()
    for i in range(count):
        axes[0, i + 1].imshow(W[i, 0], cmap="gray_r", interpolation="nearest")
        axes[0, i + 1].set_title(f"filter {i + 1}", fontsize=8)
        axes[1, i + 1].imshow(responses[i], cmap="gray")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    save_figure(fig, path)


def cnn_figures(out_dir, dataset: str = "mnist", data_dir=None, download: bool = True,
                seed: int = 0, epochs: int = 1) -> dict:
    """Train a SimpleConvNet briefly and draw its filters before and after, and their responses
    to a test image."""
    from pathlib import Path

    from zerodl.datasets import load_mnist
    from zerodl.nets import SimpleConvNet
    from zerodl.trainer import Trainer

    out = Path(out_dir)
    (x, t), (x_test, t_test) = load_mnist(flatten=False, dataset=dataset, data_dir=data_dir,
                                          download=download)
    net = SimpleConvNet(input_dim=x.shape[1:], seed=seed)
    before = net.params["W1"].copy()
    trainer = Trainer(net, x, t, x_test[:1000], t_test[:1000], epochs=epochs, optimizer="adam",
                      optimizer_param={"lr": 0.001}, verbose=False, seed=seed)
    trainer.train()
    plot_filters({"before training": before, f"after {epochs} epoch(s)": net.params["W1"]},
                 out / "cnn-filters.png")
    plot_filter_responses(net.params["W1"], x_test[0], out / "cnn-filter-responses.png")
    return {"test_accuracy": round(trainer.final_test_acc, 4)}


def _cnn(out, seed: int, dataset: str, data_dir, download: bool, **_) -> dict:
    return cnn_figures(out, dataset=dataset, data_dir=data_dir, download=download, seed=seed)


GROUPS = (
    Group("cnn", 7, {"cnn-filters.png": "06_cnn/filters.png",
                     "cnn-filter-responses.png": "06_cnn/filter_responses.png"}, True, _cnn),
)
