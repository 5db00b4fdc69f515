"""Chapter 6 figures: drawn by the experiments of `zerodl experiment`, which print their numbers."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from zerodl.experiments import EXPERIMENTS
from zerodl.figures.group import Group
from zerodl.plotting import blank, plt, save_figure

# name, fill colour: a net with Batch Normalization, as the book's figure 6-17 draws it
BATCHNORM_LAYERS = (("Affine", "#cfe3f7"), ("Batch\nNorm", "#fde2c8"), ("ReLU", "#eeeeee"),
                    ("Affine", "#cfe3f7"), ("Batch\nNorm", "#fde2c8"), ("ReLU", "#eeeeee"),
                    ("Affine", "#cfe3f7"), ("Softmax", "#eeeeee"))


def _experiment(name: str, quick_options: dict) -> Callable[..., object]:
    def draw(out: Path, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
        options = quick_options if quick else {}
        return EXPERIMENTS[name](out, seed=seed, dataset=dataset, data_dir=data_dir,
                                 download=download, **options)
    return draw


def batchnorm_layers(path) -> None:
    """The layers of a net with Batch Normalization: Affine -> Batch Norm -> ReLU, repeated."""
    fig, ax = plt.subplots(figsize=(9, 1.2))
    fig.subplots_adjust(0, 0, 1, 1)
    step, width, height = 1.45, 1.15, 0.9
    blank(ax, (-1.1, step * (len(BATCHNORM_LAYERS) - 1) + 0.7), (-0.55, 0.55))
    ax.annotate("", xy=(-width / 2, 0), xytext=(-1.05, 0), arrowprops={"arrowstyle": "->", "lw": 1.3})
    for i, (name, color) in enumerate(BATCHNORM_LAYERS):
        x = i * step
        ax.add_patch(plt.Rectangle((x - width / 2, -height / 2), width, height, facecolor=color,
                                   edgecolor="black", lw=1.3))
        ax.text(x, 0, name, ha="center", va="center", fontsize=12)
        if i + 1 < len(BATCHNORM_LAYERS):
            ax.annotate("", xy=(x + step - width / 2, 0), xytext=(x + width / 2, 0),
                        arrowprops={"arrowstyle": "->", "lw": 1.3})
    save_figure(fig, path)


def _batchnorm_layers(out: Path, **_) -> None:
    batchnorm_layers(Path(out) / "batchnorm-layers.png")


def _search(out: Path, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
    options = {"trials": 3, "epochs": 2} if quick else {}
    # a fresh study every time: one kept beside the figures would be resumed (and grow) by the
    # next drawing, and would end up in the committed figures folder
    with tempfile.TemporaryDirectory(prefix="zerodl-search-") as study_dir:
        return EXPERIMENTS["hyperparameter-search"](out, seed=seed, dataset=dataset,
                                                    data_dir=data_dir, download=download,
                                                    study_dir=study_dir, **options)


GROUPS = (
    Group("optimizers-2d", 6, {"optimizers-2d.png": "05_techniques/optimizers_2d.png",
                               "optimizers-2d-gradients.png": "05_techniques/gradient_2d.png"},
          False, _experiment("optimizers-2d", {})),
    Group("optimizers-mnist", 6, {"optimizers-mnist.png": "05_techniques/optimizers_mnist.png"},
          True, _experiment("optimizers-mnist", {"iterations": 40})),
    Group("weight-init", 6, {"weight-init-sigmoid.png": "05_techniques/weight_init_sigmoid.png",
                             "weight-init-relu.png": "05_techniques/weight_init_relu.png",
                             "weight-init-training.png": "05_techniques/weight_init_training.png"},
          True, _experiment("weight-init", {"iterations": 40})),
    Group("batchnorm-layers", 6, {"batchnorm-layers.png": "05_techniques/batchnorm_layers.png"},
          False, _batchnorm_layers),
    Group("batchnorm", 6, {"batchnorm.png": "05_techniques/batchnorm.png"}, True,
          _experiment("batchnorm", {"epochs": 2})),
    Group("overfit", 6, {"overfit.png": "05_techniques/overfit.png",
                         "overfit-weight-decay.png": "05_techniques/weight_decay.png",
                         "overfit-dropout.png": "05_techniques/dropout.png"}, True,
          _experiment("overfit", {"epochs": 5})),
    Group("hyperparameter-search", 6,
          {"hyperparameter-search.png": "05_techniques/hyperparameter_search.png"}, True, _search),
)
