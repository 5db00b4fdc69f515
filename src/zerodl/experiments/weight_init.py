"""How the initial weight scale shapes activations (histograms) and training (loss curves).

The book's experiment: 1,000 random inputs through 5 layers of 100 units, each layer's weights
drawn with a given std. With sigmoid, std 1 pushes the outputs to 0 and 1 (where the gradient
vanishes), std 0.01 collapses them to 0.5 (every unit says the same), Xavier keeps them spread.
With ReLU, std 0.01 and Xavier shrink the outputs layer by layer, He keeps them the same size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.experiments.common import load_data, train_iterations
from zerodl.functions import relu, sigmoid
from zerodl.init import weight_scale
from zerodl.nets import MultiLayerNet
from zerodl.optimizers import SGD
from zerodl.plotting import plt, save_figure, smooth, tr

# activation -> (function, the scales the book compares, the histograms' range)
HISTOGRAMS = {"sigmoid": (sigmoid, {"std 1": 1.0, "std 0.01": 0.01, "Xavier": "xavier"}, (0, 1)),
              "relu": (relu, {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}, (0, 4))}
TRAINING_SCALES = {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}


def activations(activation, scale, rng, layers: int = 5, units: int = 100, samples: int = 1000):
    """The outputs of each of `layers` layers of `units` for random inputs (the book's figure)."""
    z = rng.standard_normal((samples, units))
    out = []
    for _ in range(layers):
        W = rng.standard_normal((units, units)) * weight_scale(scale, units)
        z = activation(z @ W)
        out.append(z)
    return out


def plot_histograms(title: str, rows: dict[str, list[np.ndarray]], value_range, path,
                    skip_zeros: bool = False) -> None:
    """One row of per-layer histograms per initial scale (counts shared along a row)."""
    layers = len(next(iter(rows.values())))
    fig, axes = plt.subplots(len(rows), layers, figsize=(9, 1.5 * len(rows) + 0.9),
                             sharex=True, sharey="row", squeeze=False)
    for row, (label, outs) in enumerate(rows.items()):
        for col, a in enumerate(outs):
            values = a[a != 0] if skip_zeros else a.ravel()
            axes[row, col].hist(values, bins=30, range=value_range, color="tab:blue")
            axes[row, col].set_yticks([])
        axes[row, 0].set_ylabel(label, fontsize=11)
    for col in range(layers):
        axes[0, col].set_title(tr(f"layer {col + 1}", f"{col + 1} 層目"), fontsize=11)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    save_figure(fig, path)


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        download: bool = True, iterations: int | None = None, **_) -> dict:
    out_dir = Path(out_dir)
    results = {}
    titles = {"sigmoid": tr("sigmoid: outputs of 5 layers by initial weight std",
                            "シグモイド関数：重みの初期値ごとの各層の出力"),
              "relu": tr("ReLU: outputs of 5 layers by initial weight std (the zeros, half of"
                         " them, not counted)",
                         "ReLU：重みの初期値ごとの各層の出力（半分を占める 0 は除く）")}
    for act_name, (act, scales, value_range) in HISTOGRAMS.items():
        rows = {label: activations(act, scale, np.random.default_rng(seed))
                for label, scale in scales.items()}
        for label, outs in rows.items():
            results[f"{act_name}, {label}"] = {
                "std per layer": [round(float(a.std()), 4) for a in outs]}
        plot_histograms(titles[act_name], rows, value_range,
                        out_dir / f"weight-init-{act_name}.png", skip_zeros=act_name == "relu")

    (x, t), _ = load_data(dataset, data_dir, download)
    iterations = iterations or (2000 if full else 300)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, scale in TRAINING_SCALES.items():
        net = MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std=scale, seed=seed)
        losses = train_iterations(net, x, t, SGD(lr=0.01), iterations, 128,
                                  np.random.default_rng(seed))
        results[f"training, {label}"] = {"mean_loss_last_50": round(float(np.mean(losses[-50:])), 4)}
        ax.plot(smooth(losses), label=label)
    ax.set_xlabel(tr("iteration", "イテレーション"))
    ax.set_ylabel(tr("training loss (moving average of 20)", "訓練データの損失（20 回の移動平均）"))
    ax.set_title(tr("MNIST, 5-layer ReLU net, SGD lr 0.01: loss by initial weights",
                    "MNIST、5 層の ReLU ネット、SGD 学習率 0.01：初期値ごとの損失"), fontsize=12)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, out_dir / "weight-init-training.png")
    return results
