"""Chapter 8 figures: what a deep network still gets wrong."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.figures.style import Group, plt, save_figure, tr


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
    fig.suptitle(tr(f"{len(wrong)} of {len(labels)} test images misclassified (first {len(shown)})",
                    f"テスト画像 {len(labels)} 枚のうち {len(wrong)} 枚を誤認識（最初の {len(shown)} 枚）"),
                 fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
    return len(wrong)


def misclassified_figure(out_dir, dataset: str = "mnist", data_dir=None, download: bool = True,
                         seed: int = 0, epochs: int = 2) -> dict:
    """Train the book's DeepConvNet for a few epochs and draw the test images it gets wrong."""
    from zerodl.datasets import find_dataset, load_mnist
    from zerodl.nets import DeepConvNet
    from zerodl.trainer import Trainer

    (x, t), (x_test, t_test) = load_mnist(flatten=False, dataset=dataset, data_dir=data_dir,
                                          download=download)
    net = DeepConvNet(input_dim=x.shape[1:], seed=seed)
    Trainer(net, x, t, x_test[:1000], t_test[:1000], epochs=epochs, optimizer="adam",
            optimizer_param={"lr": 0.001}, verbose=False, seed=seed).train()
    classes = find_dataset(dataset, data_dir, download=False).metadata()["classes"]
    wrong = plot_misclassified(x_test, t_test, net.predict_classes(x_test), classes,
                               Path(out_dir) / "misclassified.png")
    return {"test_accuracy": round(1 - wrong / len(t_test), 4), "misclassified": wrong}


def _misclassified(out, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
    return misclassified_figure(out, dataset=dataset, data_dir=data_dir, download=download,
                                seed=seed, epochs=1 if quick else 2)


GROUPS = (
    Group("misclassified", 8, {"misclassified.png": "07_deep_learning/misclassified.png"}, True,
          _misclassified),
)
