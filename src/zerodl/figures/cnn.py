"""Chapter 7 figures: every diagram of the chapter (drawn by zerodl.figures.convolution and
cnn_shapes), and what SimpleConvNet's first layer learns, what its filters respond to and how
it learns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from zerodl.figures.cnn_shapes import (
    batch_figure,
    channels_figure,
    filters_figure,
    simple_convnet_figure,
)
from zerodl.figures.convolution import (
    convolution_bias_figure,
    convolution_figure,
    convolution_steps_figure,
    flatten_figure,
    im2col_figure,
    max_pooling_figure,
    padding_figure,
    stride_figure,
)
from zerodl.figures.group import Group
from zerodl.layers import Convolution
from zerodl.nets import SimpleConvNet
from zerodl.plotting import plt, save_figure, tr
from zerodl.trainer import Trainer


def filter_mosaic(W: np.ndarray, columns: int) -> np.ndarray:
    """(FN, 1, FH, FW) filters -> one image of `columns` tiles a row, each tile scaled to its
    own range [0, 1] (as the book shows them), with NaN gaps between the tiles."""
    FN, _, FH, FW = W.shape
    rows = int(np.ceil(FN / columns))
    mosaic = np.full((rows * (FH + 1) - 1, columns * (FW + 1) - 1), np.nan)
    for k, f in enumerate(W[:, 0]):
        r, c = divmod(k, columns)
        span = f.max() - f.min()
        mosaic[r * (FH + 1):r * (FH + 1) + FH, c * (FW + 1):c * (FW + 1) + FW] = (
            (f - f.min()) / span if span else 0.5)
    return mosaic


def plot_filters(filters_by_title: dict[str, np.ndarray], path, columns: int = 15) -> None:
    """Each (FN, 1, FH, FW) filter bank as a mosaic of tiles, dark for large weights (as in
    the book), one bank under the other."""
    mosaics = {title: filter_mosaic(W, columns) for title, W in filters_by_title.items()}
    heights = [m.shape[0] for m in mosaics.values()]
    width = next(iter(mosaics.values())).shape[1]
    fig, axes = plt.subplots(len(mosaics), 1, figsize=(9, 9 * sum(heights) / width + 0.45 * len(mosaics)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    cmap = plt.get_cmap("gray_r").with_extremes(bad="white")
    for ax, (title, mosaic) in zip(axes[:, 0], mosaics.items(), strict=True):
        ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, loc="left", fontsize=12)
        ax.set_axis_off()
    fig.tight_layout()
    save_figure(fig, path)


def filter_responses(W: np.ndarray, b: np.ndarray, image: np.ndarray) -> np.ndarray:
    """The first layer's output for one image, before ReLU: (FN, OH, OW)."""
    image = image.reshape(1, 1, *image.shape[-2:]).astype(np.float64)
    return Convolution(W.astype(np.float64), b.astype(np.float64)).forward(image)[0]


def filter_kinds(W: np.ndarray, per_kind: int = 2) -> list[tuple[int, str]]:
    """The filters most like a horizontal edge, a vertical edge and a blob, `per_kind` of each:
    [(index, kind), ...]. A filter's likeness to a pattern is the correlation of its weights
    with it, either sign (an edge from dark to bright or from bright to dark)."""
    FH, FW = W.shape[2:]
    i, j = np.mgrid[0:FH, 0:FW]
    i, j = i - (FH - 1) / 2, j - (FW - 1) / 2
    patterns = {"horizontal": i, "vertical": j, "blob": -(i**2 + j**2)}
    flat = W[:, 0].reshape(len(W), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    picked: list[tuple[int, str]] = []
    for kind, pattern in patterns.items():
        p = pattern.ravel() - pattern.mean()
        likeness = np.abs(flat @ (p / np.linalg.norm(p)))
        best = [k for k in np.argsort(-likeness, kind="stable") if k not in {n for n, _ in picked}]
        picked += [(int(k), kind) for k in best[:per_kind]]
    return picked


def plot_filter_responses(W: np.ndarray, b: np.ndarray, image: np.ndarray, path) -> list[int]:
    """The image, then the filters most like edges and blobs above the image convolved with
    each; returns their indices."""
    names = {"horizontal": tr("horizontal edge", "横のエッジ"),
             "vertical": tr("vertical edge", "縦のエッジ"), "blob": tr("blob", "点（ブロブ）")}
    picked = filter_kinds(W)
    responses = filter_responses(W, b, image)
    fig, axes = plt.subplots(2, len(picked) + 1, figsize=(1.3 * (len(picked) + 1), 3.3))
    axes[0, 0].imshow(image.reshape(image.shape[-2:]), cmap="gray")
    axes[0, 0].set_title(tr("input", "入力"), fontsize=11)
    axes[1, 0].set_axis_off()
    axes[1, 0].text(0.95, 0.5, tr("response", "反応"), ha="right", va="center", fontsize=11,
                    transform=axes[1, 0].transAxes)
    for col, (k, kind) in enumerate(picked, start=1):
        axes[0, col].imshow(W[k, 0], cmap="gray_r", interpolation="nearest")
        axes[0, col].set_title(f"{tr('filter', 'フィルター')} {k + 1}\n{names[kind]}", fontsize=10)
        axes[1, col].imshow(responses[k], cmap="gray")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.text(0.5, 0.01, tr("filters: darker = larger weight    responses: brighter = stronger",
                           "フィルター：黒いほど重みが大きい　　反応：白いほど強い"),
             ha="center", va="bottom", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    save_figure(fig, path)
    return [k for k, _ in picked]


def plot_accuracy(history: dict, path, title: str) -> None:
    """Training and test accuracy per epoch."""
    epochs = np.arange(1, len(history["train_acc"]) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(epochs, history["train_acc"], marker="o", label=tr("train", "訓練データ"))
    ax.plot(epochs, history["test_acc"], marker="s", label=tr("test", "テストデータ"))
    ax.set_xlabel(tr("epoch", "エポック"))
    ax.set_ylabel(tr("accuracy", "認識精度"))
    ax.set_ylim(0, 1)
    ax.set_xticks(epochs)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def cnn_figures(out_dir, data, seed: int = 0, epochs: int = 10) -> dict:
    """Train the book's SimpleConvNet with SGD and draw its first layer's filters before and
    after, what they pick out of a test digit, and its accuracy per epoch.

    SGD (lr 0.1) rather than the book's Adam: Adam moves every weight by about the same step,
    so weights the data says little about stay as noisy as they started, while SGD moves each
    weight in proportion to its gradient and lets the filters' structure show.
    """
    out = Path(out_dir)
    (x, t), (x_test, t_test) = data
    x, x_test = x.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)
    net = SimpleConvNet(seed=seed)
    before = net.params["W1"].copy()
    trainer = Trainer(net, x, t, x_test, t_test, epochs=epochs, optimizer="sgd",
                      optimizer_param={"lr": 0.1}, verbose=False, seed=seed)
    history = trainer.train()
    W, b = net.params["W1"], net.params["b1"]
    plot_filters({tr("before training", "学習前"): before,
                  tr(f"after {epochs} epochs", f"学習後（{epochs} エポック）"): W},
                 out / "cnn-filters.png")
    shown = plot_filter_responses(W, b, x_test[0], out / "cnn-filter-responses.png")
    plot_accuracy(history, out / "cnn-learning-curves.png",
                  tr(f"SimpleConvNet, SGD lr 0.1, {len(x):,} training images",
                     f"SimpleConvNet（SGD、学習率 0.1、訓練データ {len(x):,} 枚）"))
    return {"test_accuracy": round(trainer.final_test_acc, 4),
            "filters_shown": [k + 1 for k in shown]}


# -- groups -----------------------------------------------------------------------------------
DIAGRAMS: dict[str, tuple[str, Callable[[Path], dict]]] = {
    "cnn-flatten.png": ("06_cnn/flatten.png", flatten_figure),
    "cnn-convolution.png": ("06_cnn/convolution.png", convolution_figure),
    "cnn-convolution-steps.png": ("06_cnn/convolution_steps.png", convolution_steps_figure),
    "cnn-convolution-bias.png": ("06_cnn/convolution_bias.png", convolution_bias_figure),
    "cnn-padding.png": ("06_cnn/padding.png", padding_figure),
    "cnn-stride.png": ("06_cnn/stride.png", stride_figure),
    "cnn-channels.png": ("06_cnn/channels.png", channels_figure),
    "cnn-multiple-filters.png": ("06_cnn/multiple_filters.png", filters_figure),
    "cnn-batch.png": ("06_cnn/batch.png", batch_figure),
    "cnn-max-pooling.png": ("06_cnn/max_pooling.png", max_pooling_figure),
    "cnn-im2col.png": ("06_cnn/im2col.png", im2col_figure),
    "cnn-simple-convnet.png": ("06_cnn/simple_convnet.png", simple_convnet_figure),
}


def draw_diagrams(out, **_) -> dict:
    results = {}
    for name, (_, draw) in DIAGRAMS.items():
        results.update(draw(Path(out) / name))
    return results


def _cnn(out, data, quick: bool, seed: int, **_) -> dict:
    return cnn_figures(out, data(), seed=seed, epochs=2 if quick else 10)


GROUPS = (
    Group("cnn-diagrams", 7, {name: seed for name, (seed, _) in DIAGRAMS.items()}, False,
          draw_diagrams),
    Group("cnn", 7, {"cnn-filters.png": "06_cnn/filters.png",
                     "cnn-filter-responses.png": "06_cnn/filter_responses.png",
                     "cnn-learning-curves.png": "06_cnn/learning_curves.png"}, True, _cnn),
)
