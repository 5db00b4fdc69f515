"""How the initial weight scale shapes activations (histograms) and training (loss curves)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zerodl.experiments.common import load_data, smooth, train_iterations
from zerodl.functions import relu, sigmoid
from zerodl.init import weight_scale
from zerodl.nets import MultiLayerNet
from zerodl.optimizers import SGD

SCALES = {"std 1": 1.0, "std 0.01": 0.01, "Xavier": "xavier", "He": "he"}


def activations(activation, scale, rng, layers: int = 5, units: int = 100, samples: int = 1000):
    """The outputs of each of `layers` layers of `units` for random inputs (the book's figure)."""
    z = rng.standard_normal((samples, units))
    out = []
    for _ in range(layers):
        W = rng.standard_normal((units, units)) * weight_scale(scale, units)
        z = activation(z @ W)
        out.append(z)
    return out


def run(out_dir, full: bool = False, seed: int = 0, dataset: str = "mnist", data_dir=None,
        iterations: int | None = None, **_) -> dict:
    from zerodl.figures.style import plt, save_figure

    results = {}
    for act_name, act in (("sigmoid", sigmoid), ("relu", relu)):
        fig, axes = plt.subplots(len(SCALES), 5, figsize=(12, 2.2 * len(SCALES)), sharey="row")
        for row, (label, scale) in enumerate(SCALES.items()):
            outs = activations(act, scale, np.random.default_rng(seed))
            results[f"{act_name}, {label}"] = {"std per layer": [round(float(a.std()), 4) for a in outs]}
            for col, a in enumerate(outs):
                axes[row, col].hist(a.ravel(), bins=30, range=(0, 1) if act_name == "sigmoid" else None)
                axes[row, col].set_title(f"{label}: layer {col + 1}", fontsize=8)
        fig.suptitle(f"{act_name} activations by initial weight scale")
        fig.tight_layout()
        save_figure(fig, Path(out_dir) / f"weight-init-{act_name}.png")

    (x, t), _ = load_data(dataset, data_dir)
    iterations = iterations or (2000 if full else 300)
    fig, ax = plt.subplots(figsize=(7, 5))
    for label, scale in (("std 0.01", 0.01), ("Xavier", "xavier"), ("He", "he")):
        net = MultiLayerNet(784, [100, 100, 100, 100], 10, weight_init_std=scale, seed=seed)
        losses = train_iterations(net, x, t, SGD(lr=0.01), iterations, 128,
                                  np.random.default_rng(seed))
        results[f"training, {label}"] = {"mean_loss_last_50": float(np.mean(losses[-50:]))}
        ax.plot(smooth(losses), label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss (moving average of 20)")
    ax.legend()
    save_figure(fig, Path(out_dir) / "weight-init-training.png")
    return results
