"""Chapter 8 figures: the book's DeepConvNet, what its depth buys, what it still gets wrong, its
digits shifted, turned and cropped (data augmentation), and its weights in half precision.

The architecture, the receptive fields and the costs per layer are computed by zerodl's own
layers (a forward pass gives every output shape; a backward pass through stacked convolutions
gives what one output pixel sees), so the figures cannot drift from the code they describe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from zerodl.datasets import find_dataset, load_mnist
from zerodl.figures.group import Group
from zerodl.io import state_dict
from zerodl.layers import Affine, Convolution
from zerodl.nets import DeepConvNet, convert_dtype
from zerodl.plotting import blank, plt, save_figure, tr
from zerodl.trainer import Trainer

CONV_COLOR, POOL_COLOR, AFFINE_COLOR = "#fde2c8", "#cfe3f7", "#e3e3e3"


# -- the architecture ------------------------------------------------------------------------------
def layer_outputs(net, image: np.ndarray) -> dict[str, np.ndarray]:
    """Each layer's output for one image (inference mode), by layer name, without the batch axis."""
    x = image.reshape(1, *net.input_shape).astype(net.dtype)
    outputs = {}
    for name, layer in net.layers.items():
        x = layer.forward(x, False) if layer.has_train_mode else layer.forward(x)
        outputs[name] = x[0]
    return outputs


def layer_table(net) -> list[dict]:
    """Every layer of `net` in order: its name, the shape of its output for one image, its number
    of parameters and the multiply-adds it spends on one image."""
    outputs = layer_outputs(net, np.zeros(net.input_shape))
    return [{"name": name, "shape": outputs[name].shape,
             "params": sum(getattr(layer, p).size for p in layer.param_names),
             "multiply_adds": multiply_adds(layer, outputs[name])}
            for name, layer in net.layers.items()]


def multiply_adds(layer, out: np.ndarray) -> int:
    """Products (each added into a sum) that `layer` computes for one image whose output is `out`:
    every output value of a convolution is one filter (C x FH x FW weights) laid on a patch, and
    an Affine layer multiplies every input by every column of W."""
    if isinstance(layer, Convolution):
        return out.size * layer.W[0].size
    if isinstance(layer, Affine):
        return layer.W.size
    return 0


def _shape_text(shape) -> str:
    return "×".join(str(n) for n in shape)


STAGE_COLORS = {"Conv": CONV_COLOR, "Pool": POOL_COLOR, "Affine": AFFINE_COLOR}


def plot_architecture(net, path) -> list[dict]:
    """The network's tensors left to right, each box as tall as the image is high and as wide as
    it has channels (vectors as thin bars), with the layer that made it above and its shape below.
    Returns the layer table it was drawn from."""
    rows = layer_table(net)
    # ReLU and Dropout keep the shape: a convolution's box stands for it and its ReLU
    stages = [(tr("input", "入力"), net.input_shape, "white")]
    stages += [(r["name"].lower(), r["shape"], STAGE_COLORS[r["name"].rstrip("0123456789")])
               for r in rows if r["name"].rstrip("0123456789") in STAGE_COLORS]
    widths = [0.1 + 0.09 * np.log2(shape[0]) if len(shape) == 3 else 0.12 for _, shape, _ in stages]
    fig, ax = plt.subplots(figsize=(9, 4.2))
    for x, ((label, shape, color), width) in enumerate(zip(stages, widths, strict=True)):
        height = 3.2 * shape[1] / 28 if len(shape) == 3 else 3.2 * np.sqrt(shape[0] / 64)
        ax.add_patch(plt.Rectangle((x - width / 2, -height / 2), width, height,
                                   facecolor=color, edgecolor="black", lw=1.2))
        ax.text(x, 1.95, label, ha="center", va="bottom", fontsize=10)
        text = f"{shape[0]}×\n{_shape_text(shape[1:])}" if len(shape) == 3 else str(shape[0])
        ax.text(x, -1.95, text, ha="center", va="top", fontsize=9.5)
        if x:
            ax.annotate("", xy=(x - width / 2 - 0.03, 0), xytext=(x - 1 + widths[x - 1] / 2 + 0.03, 0),
                        arrowprops={"arrowstyle": "->", "lw": 1})
    for first, text in ((1, tr("block 1", "ブロック1")), (4, tr("block 2", "ブロック2")),
                        (7, tr("block 3", "ブロック3"))):
        ax.plot([first - 0.35, first + 2.35], [-2.75, -2.75], color="0.4", lw=1)
        ax.text(first + 1, -2.85, text, ha="center", va="top", fontsize=9.5, color="0.3")
    legend = [(CONV_COLOR, tr("3×3 convolution + ReLU", "3×3 畳み込み + ReLU")),
              (POOL_COLOR, tr("2×2 max pooling", "2×2 Maxプーリング")),
              (AFFINE_COLOR, tr("Affine (+ReLU) + Dropout 0.5", "Affine（+ReLU）+ Dropout 0.5"))]
    for k, (color, text) in enumerate(legend):
        x = -0.4 + k * 3.9
        ax.add_patch(plt.Rectangle((x, -3.75), 0.3, 0.3, facecolor=color, edgecolor="black"))
        ax.text(x + 0.45, -3.6, text, va="center", fontsize=9.5)
    ax.text(len(stages) - 1, 0.75, "softmax", ha="center", fontsize=9, color="0.3")
    blank(ax, (-0.6, len(stages) - 0.4), (-4.0, 2.5))
    ax.set_aspect("auto")
    fig.tight_layout()
    save_figure(fig, path)
    return rows


def plot_layer_costs(rows: list[dict], path) -> dict:
    """Two bar charts over the layers with weights: parameters, and multiply-adds per image.
    Returns both totals and the convolutions' shares of them."""
    weighted = [r for r in rows if r["params"]]
    is_conv = np.array([r["name"].startswith("Conv") for r in weighted])
    colors = [CONV_COLOR if conv else AFFINE_COLOR for conv in is_conv]
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), sharey=True)
    results = {}
    for ax, key, title in ((axes[0], "params", tr("parameters", "パラメータ数")),
                           (axes[1], "multiply_adds", tr("multiply-adds per image", "1枚あたりの積和"))):
        values = np.array([r[key] for r in weighted])
        total, conv_share = int(values.sum()), float(values[is_conv].sum() / values.sum())
        results[key], results[f"conv_share_of_{key}"] = total, round(conv_share, 3)
        ax.barh(range(len(values)), values, color=colors, edgecolor="black")
        for i, v in enumerate(values):
            ax.text(v + total * 0.01, i, f"{v:,} ({v / total:.0%})", va="center", fontsize=9)
        ax.set_xlim(0, values.max() * 1.75)
        ax.set_title(f"{title}: {tr('total', '合計')} {total:,}\n"
                     + tr(f"convolutions {conv_share:.0%}", f"うち畳み込み層 {conv_share:.0%}"),
                     fontsize=11)
        ax.set_xticks([])
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
    axes[0].set_yticks(range(len(weighted)), [r["name"].lower() for r in weighted])
    axes[0].invert_yaxis()
    fig.tight_layout()
    save_figure(fig, path)
    return results


# -- what stacked convolutions see -----------------------------------------------------------------
def receptive_field(depth: int, size: int = 3, canvas: int = 9) -> np.ndarray:
    """(canvas, canvas) counts of the paths from each input pixel to the centre output pixel of
    `depth` stacked size x size convolutions (all weights 1, no padding).

    Backpropagating a 1 from that output pixel through the layers gives exactly these counts:
    the nonzero square is what the pixel sees, its receptive field, depth * (size - 1) + 1 wide.
    """
    layers = [Convolution(np.ones((1, 1, size, size)), np.zeros(1)) for _ in range(depth)]
    x = np.zeros((1, 1, canvas, canvas))
    for layer in layers:
        x = layer.forward(x)
    dout = np.zeros_like(x)
    dout[0, 0, x.shape[2] // 2, x.shape[3] // 2] = 1
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return dout[0, 0]


def plot_receptive_fields(path) -> dict:
    """What one output pixel sees after one, two and three 3x3 convolutions, and after one 5x5:
    two 3x3 layers see as far as one 5x5 with 18 weights per channel pair instead of 25."""
    cases = [(1, 3), (2, 3), (3, 3), (1, 5)]
    fig, axes = plt.subplots(1, len(cases), figsize=(8.4, 2.9))
    seen = {}
    for ax, (depth, size) in zip(axes, cases, strict=True):
        field = receptive_field(depth, size)
        width = int(np.count_nonzero(field.any(axis=0)))
        seen[f"{size}x{size}x{depth}"] = width
        # zero (unseen) is white; the faintest seen pixel still gets a visible colour
        cmap = plt.get_cmap("Blues" if size > 3 else "Oranges").with_extremes(bad="white")
        ax.imshow(np.ma.masked_equal(field, 0), cmap=cmap, vmin=-0.35 * field.max(),
                  vmax=1.3 * field.max())
        low = (field.shape[0] - width) / 2 - 0.5
        ax.add_patch(plt.Rectangle((low, low), width, width, fill=False, lw=1.8, zorder=3))
        ax.set_xticks(np.arange(-0.5, field.shape[1]), minor=True)
        ax.set_yticks(np.arange(-0.5, field.shape[0]), minor=True)
        ax.grid(which="minor", color="0.75", lw=0.6)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        layers = tr(f"{depth} layer{'s' if depth > 1 else ''} of {size}×{size}",
                    f"{size}×{size} を {depth} 層")
        ax.set_title(f"{layers}\n" + tr(f"sees {width}×{width}, {depth * size * size} weights",
                                        f"{width}×{width} を見る・重み {depth * size * size}"),
                     fontsize=10)
    fig.text(0.5, 0.02, tr("shading: how many paths lead from the input pixel to one output pixel"
                           " (weights per pair of channels)",
                           "濃さ：入力の画素から出力の1画素へ至る経路の数（重みはチャンネル1組あたり）"),
             ha="center", fontsize=9, color="0.3")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save_figure(fig, path)
    return {"receptive_field_width": seen}


# -- data augmentation -----------------------------------------------------------------------------
def shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The image moved dy pixels down and dx right; what comes in at the edges is black (0)."""
    h, w = image.shape
    padded = np.pad(image, ((abs(dy), abs(dy)), (abs(dx), abs(dx))))
    top, left = abs(dy) - dy, abs(dx) - dx
    return padded[top:top + h, left:left + w]


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned counter-clockwise about its centre (bilinear), same size, black corners."""
    turned = Image.fromarray(image.astype(np.float32)).rotate(degrees, Image.Resampling.BILINEAR)
    return np.asarray(turned)


def crop(image: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    """A size x size window of the image, enlarged back to the image's size (bilinear)."""
    window = Image.fromarray(image[top:top + size, left:left + size].astype(np.float32))
    return np.asarray(window.resize(image.shape[::-1], Image.Resampling.BILINEAR))


AUGMENTATIONS = (
    (("original", "元の画像"), lambda im: im),
    (("shift right 3", "右へ3画素"), lambda im: shift(im, 0, 3)),
    (("shift up 3", "上へ3画素"), lambda im: shift(im, -3, 0)),
    (("turn 15° left", "左へ15°回転"), lambda im: rotate(im, 15)),
    (("turn 15° right", "右へ15°回転"), lambda im: rotate(im, -15)),
    (("crop and enlarge", "切り出し・拡大"), lambda im: crop(im, 3, 3, 22)),
)


def plot_augmentation(images: np.ndarray, path) -> None:
    """Each image (a row) beside its augmented copies: the label stays, the pixels change."""
    fig, axes = plt.subplots(len(images), len(AUGMENTATIONS),
                             figsize=(1.35 * len(AUGMENTATIONS), 1.35 * len(images) + 0.35),
                             squeeze=False)
    for row, image in zip(axes, images, strict=True):
        for ax, (_, transform) in zip(row, AUGMENTATIONS, strict=True):
            ax.imshow(transform(image.reshape(28, 28)), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, ((en, ja), _) in zip(axes[0], AUGMENTATIONS, strict=True):
        ax.set_title(tr(en, ja), fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def _augmentation(out, data, **_) -> None:
    (x, t), _ = data()
    # the first training digit of three classes, as they come in the file
    picks = [int(np.flatnonzero(t == digit)[0]) for digit in (5, 2, 7)]
    plot_augmentation(x[picks], Path(out) / "data-augmentation.png")


# -- a trained DeepConvNet: mistakes, features, half precision --------------------------------------
def plot_misclassified(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
                       classes: list[str], path, limit: int = 16, columns: int = 8) -> int:
    """A grid of misclassified images titled 'true -> predicted'; returns how many were wrong."""
    wrong = np.flatnonzero(labels != predicted)
    shown = wrong[:limit]
    rows = max(1, int(np.ceil(len(shown) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.0, rows * 1.25 + 0.45), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), shown, strict=False):
        ax.imshow(images[i].reshape(images.shape[-2:]), cmap="gray")
        ax.set_title(f"{classes[labels[i]]} → {classes[predicted[i]]}", fontsize=11)
    fig.suptitle(tr(f"{len(wrong)} of {len(labels)} test images misclassified"
                    f" (first {len(shown)}, true → predicted)",
                    f"テスト画像 {len(labels)} 枚のうち {len(wrong)} 枚を誤認識"
                    f"（最初の {len(shown)} 枚、正解 → 予測）"), fontsize=11)
    fig.tight_layout()
    save_figure(fig, path)
    return len(wrong)


def plot_feature_maps(net, image: np.ndarray, path, count: int = 6) -> None:
    """One digit through the trained network: the first `count` channels after the second, fourth
    and sixth convolution (each after its ReLU), smaller and more abstract layer by layer."""
    outputs = layer_outputs(net, image)
    names = ("Relu2", "Relu4", "Relu6")
    fig, axes = plt.subplots(len(names), count + 1, figsize=(1.2 * (count + 1), 1.25 * len(names) + 0.2))
    for row, name in zip(axes, names, strict=True):
        maps = outputs[name]
        row[0].imshow(image.reshape(net.input_shape[1:]), cmap="gray")
        for ax, channel in zip(row[1:], maps, strict=False):
            ax.imshow(channel, cmap="viridis")
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
        size = _shape_text(maps.shape[1:])
        row[0].set_ylabel(f"conv{name[4:]}\n{size}", fontsize=10, rotation=0, ha="right",
                          va="center", labelpad=8)
    axes[0, 0].set_title(tr("input", "入力"), fontsize=10)
    for k, ax in enumerate(axes[0, 1:], start=1):
        ax.set_title(tr(f"channel {k}", f"チャンネル{k}"), fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)


def plot_half_precision(net, half, x_test: np.ndarray, t_test: np.ndarray, path) -> dict:
    """float32 against float16: the memory the weights take, the test accuracy, and the scores of
    the first 300 test images under both (on the diagonal where the halves agree)."""
    kib = [sum(v.nbytes for v in state_dict(m).values()) / 1024 for m in (net, half)]
    predicted = [m.predict_classes(x_test.astype(m.dtype)) for m in (net, half)]
    accuracy = [float(np.mean(p == t_test)) for p in predicted]
    changed = int(np.count_nonzero(predicted[0] != predicted[1]))
    scores = [np.asarray(m.predict(x_test[:300].astype(m.dtype)), dtype=np.float32)
              for m in (net, half)]
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.4), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    labels, colors = ["float32", "float16"], ["#cfe3f7", "#fde2c8"]
    for ax, values, title, text in ((axes[0], kib, tr("weights (KiB)", "重みのメモリ（KiB）"), "{:.0f}"),
                                    (axes[1], accuracy, tr("test accuracy", "テスト精度"), "{:.4f}")):
        ax.bar(labels, values, color=colors, edgecolor="black", width=0.6)
        for i, v in enumerate(values):
            ax.text(i, v * 1.02, text.format(v), ha="center", va="bottom", fontsize=10)
        ax.set_ylim(0, max(values) * 1.25)
        ax.set_yticks([])
        ax.set_title(title, fontsize=11)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    ax = axes[2]
    ax.scatter(scores[0].ravel(), scores[1].ravel(), s=4, color="tab:blue", alpha=0.5)
    low, high = float(scores[0].min()), float(scores[0].max())
    ax.plot([low, high], [low, high], color="0.6", lw=0.8)
    gap = float(np.abs(scores[0] - scores[1]).max())
    # bottom right: the points lie on the diagonal, so that corner is empty
    ax.text(0.96, 0.05, tr(f"{len(scores[0])} images\nlargest difference {gap:.3f}",
                           f"{len(scores[0])} 枚\n最大の差 {gap:.3f}"),
            transform=ax.transAxes, ha="right", va="bottom", fontsize=10)
    ax.set_xlabel(tr("score in float32", "float32 のスコア"), fontsize=10)
    ax.set_ylabel(tr("score in float16", "float16 のスコア"), fontsize=10)
    ax.set_title(tr(f"{changed} of {len(t_test)} predictions change",
                    f"{len(t_test)} 枚中 {changed} 枚の予測が変わる"), fontsize=11)
    fig.tight_layout()
    save_figure(fig, path)
    return {"float32_accuracy": round(accuracy[0], 4), "float16_accuracy": round(accuracy[1], 4),
            "predictions_changed": changed, "largest_score_difference": round(gap, 4),
            "weights_kib": [round(k, 1) for k in kib]}


def deep_conv_figures(out_dir, dataset: str = "mnist", data_dir=None, download: bool = True,
                      seed: int = 0, epochs: int = 5, train_size: int | None = None,
                      test_size: int | None = None) -> dict:
    """Train the book's DeepConvNet (Adam, lr 0.001) and draw what it gets wrong, what its layers
    make of a digit, and how it fares in half precision."""
    out = Path(out_dir)
    (x, t), (x_test, t_test) = load_mnist(flatten=False, dataset=dataset, data_dir=data_dir,
                                          download=download)
    x, t, x_test, t_test = x[:train_size], t[:train_size], x_test[:test_size], t_test[:test_size]
    net = DeepConvNet(input_dim=x.shape[1:], seed=seed)
    # per-epoch accuracies on 1,000 images only: the figures measure on the whole test set
    Trainer(net, x, t, x_test[:1000], t_test[:1000], epochs=epochs, optimizer="adam",
            optimizer_param={"lr": 0.001}, evaluate_sample_num_per_epoch=1000, verbose=False,
            seed=seed).train()
    classes = find_dataset(dataset, data_dir, download=False).metadata()["classes"]
    wrong = plot_misclassified(x_test, t_test, net.predict_classes(x_test), classes,
                               out / "misclassified.png")
    plot_feature_maps(net, x_test[0], out / "deep-feature-maps.png")
    half = plot_half_precision(net, convert_dtype(net, np.float16), x_test, t_test,
                               out / "half-precision.png")
    return {"test_accuracy": round(1 - wrong / len(t_test), 4), "misclassified": wrong, **half}


def _deep_conv(out, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
    options = {"epochs": 1, "train_size": 1000, "test_size": 1000} if quick else {}
    return deep_conv_figures(out, dataset=dataset, data_dir=data_dir, download=download,
                             seed=seed, **options)


def _architecture(out, **_) -> dict:
    out = Path(out)
    rows = plot_architecture(DeepConvNet(seed=0), out / "deep-architecture.png")
    costs = plot_layer_costs(rows, out / "deep-layer-costs.png")
    return {**costs, **plot_receptive_fields(out / "deep-receptive-field.png")}


GROUPS = (
    Group("deep-architecture", 8, {"deep-architecture.png": "07_deep_learning/architecture.png",
                                   "deep-layer-costs.png": "07_deep_learning/layer_costs.png",
                                   "deep-receptive-field.png": "07_deep_learning/receptive_field.png"},
          False, _architecture),
    Group("data-augmentation", 8, {"data-augmentation.png": "07_deep_learning/augmentation.png"}, True,
          _augmentation),
    Group("misclassified", 8, {"misclassified.png": "07_deep_learning/misclassified.png",
                               "deep-feature-maps.png": "07_deep_learning/feature_maps.png",
                               "half-precision.png": "07_deep_learning/half_precision.png"},
          True, _deep_conv),
)
