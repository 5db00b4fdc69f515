"""Chapter 7 and 8 figures: first-layer filters, what they pick out, and misclassified digits."""

from __future__ import annotations

import numpy as np

from zerodl.figures.training import plt, save_figure


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


def plot_misclassified(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                       classes: list[str], path, limit: int = 20, columns: int = 10) -> int:
    """A grid of misclassified images titled 'true -> predicted'; returns how many were wrong."""
    wrong = np.flatnonzero(labels != predicted)
    shown = wrong[:limit]
    rows = max(1, int(np.ceil(len(shown) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.5 + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), shown, strict=False):
        ax.imshow(images[i].reshape(images.shape[-2:]), cmap="gray")
        ax.set_title(f"{classes[labels[i]]} → {classes[predicted[i]]}", fontsize=7)
    fig.suptitle(f"{len(wrong)} of {len(labels)} test images misclassified (first {len(shown)})",
                 fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
    return len(wrong)


def cnn_figures(out_dir, dataset: str = "mnist", data_dir=None, download: bool = True,
                seed: int = 0, epochs: int = 1) -> dict:
    """Train a SimpleConvNet briefly and draw its filters before and after, their responses to
    a test image, and the test images it gets wrong."""
    from pathlib import Path

    from zerodl.datasets import find_dataset, load_mnist
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
    classes = find_dataset(dataset, data_dir, download=False).metadata()["classes"]
    wrong = plot_misclassified(x_test, t_test, net.predict_classes(x_test), classes,
                               out / "misclassified.png")
    return {"test_accuracy": round(1 - wrong / len(t_test), 4), "misclassified": wrong}
