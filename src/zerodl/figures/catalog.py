"""Every figure of the notes, by chapter: what `zerodl figures` draws.

A group is drawn by one function and writes one or more PNG files; groups that need a dataset
say so, and the chapter 6 to 8 groups reuse the experiment and CNN code rather than redraw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zerodl.figures import backprop, learning, networks, perceptron


@dataclass(frozen=True)
class Group:
    name: str
    chapter: int
    files: tuple[str, ...]
    needs_data: bool
    draw: Callable[..., object]


def _mnist_digits(out: Path, data, **_) -> None:
    (x, t), _ = data()
    networks.mnist_digits(out / "mnist-digits.png", x, t)


def _two_layer_curves(out: Path, data, quick: bool, seed: int, **_) -> dict:
    return learning.two_layer_learning_curves(out / "two-layer-learning-curves.png", data(),
                                              epochs=2 if quick else 10, seed=seed)


def _experiment(name: str, quick_options: dict) -> Callable[..., object]:
    def draw(out: Path, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
        from zerodl.experiments import EXPERIMENTS

        options = quick_options if quick else {}
        return EXPERIMENTS[name](out, seed=seed, dataset=dataset, data_dir=data_dir,
                                 download=download, **options)
    return draw


def _cnn(out: Path, quick: bool, seed: int, dataset: str, data_dir, download: bool, **_):
    from zerodl.figures.cnn import cnn_figures

    return cnn_figures(out, dataset=dataset, data_dir=data_dir, download=download, seed=seed)


GROUPS = (
    Group("perceptron", 2, ("perceptron.png", "gates-decision-regions.png", "xor-circuit.png"),
          False, lambda out, **_: perceptron.draw(out)),
    Group("networks", 3, ("activations.png", "step-vs-sigmoid.png", "neuron.png",
                          "three-layer-network.png"), False, lambda out, **_: networks.draw(out)),
    Group("mnist-digits", 3, ("mnist-digits.png",), True, _mnist_digits),
    Group("learning", 4, ("numerical-derivative.png", "gradient-field.png", "gradient-descent.png"),
          False, lambda out, **_: learning.draw(out)),
    Group("two-layer-learning-curves", 4, ("two-layer-learning-curves.png",), True,
          _two_layer_curves),
    Group("backprop", 5, ("shopping-graph.png",), False, lambda out, **_: backprop.draw(out)),
    Group("optimizers-2d", 6, ("optimizers-2d.png",), False, _experiment("optimizers-2d", {})),
    Group("optimizers-mnist", 6, ("optimizers-mnist.png",), True,
          _experiment("optimizers-mnist", {"iterations": 40})),
    Group("weight-init", 6, ("weight-init-sigmoid.png", "weight-init-relu.png",
                             "weight-init-training.png"), True,
          _experiment("weight-init", {"iterations": 40})),
    Group("batchnorm", 6, ("batchnorm.png",), True, _experiment("batchnorm", {"epochs": 2})),
    Group("overfit", 6, ("overfit.png",), True, _experiment("overfit", {"epochs": 5})),
    Group("cnn", 7, ("cnn-filters.png", "cnn-filter-responses.png", "misclassified.png"), True,
          _cnn),
)


def select(only) -> list[Group]:
    """The groups named in `only` (group names or file names, with or without .png)."""
    if not only:
        return list(GROUPS)
    wanted = {name.removesuffix(".png") for name in only}
    known = {g.name for g in GROUPS} | {f.removesuffix(".png") for g in GROUPS for f in g.files}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown figure(s) {', '.join(unknown)}: use one of "
                         + ", ".join(g.name for g in GROUPS))
    return [g for g in GROUPS
            if g.name in wanted or any(f.removesuffix(".png") in wanted for f in g.files)]
