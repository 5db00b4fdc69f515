"""Chapter 6 figures: drawn by the experiments of `zerodl experiment`, which print their numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zerodl.figures.style import Group


def _experiment(name: str, quick_options: dict) -> Callable[..., object]:
    def draw(out: Path, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
        from zerodl.experiments import EXPERIMENTS

        options = quick_options if quick else {}
        return EXPERIMENTS[name](out, seed=seed, dataset=dataset, data_dir=data_dir,
                                 download=download, **options)
    return draw


GROUPS = (
    Group("optimizers-2d", 6, {"optimizers-2d.png": "05_techniques/optimizers_2d.png"}, False,
          _experiment("optimizers-2d", {})),
    Group("optimizers-mnist", 6, {"optimizers-mnist.png": "05_techniques/optimizers_mnist.png"},
          True, _experiment("optimizers-mnist", {"iterations": 40})),
    Group("weight-init", 6, {"weight-init-sigmoid.png": "05_techniques/weight_init_sigmoid.png",
                             "weight-init-relu.png": "05_techniques/weight_init_relu.png",
                             "weight-init-training.png": "05_techniques/weight_init_training.png"},
          True, _experiment("weight-init", {"iterations": 40})),
    Group("batchnorm", 6, {"batchnorm.png": "05_techniques/batchnorm.png"}, True,
          _experiment("batchnorm", {"epochs": 2})),
    Group("overfit", 6, {"overfit.png": "05_techniques/overfit.png"}, True,
          _experiment("overfit", {"epochs": 5})),
)
