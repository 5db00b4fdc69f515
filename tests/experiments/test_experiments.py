import numpy as np
import pytest

from zerodl.experiments import EXPERIMENTS
from zerodl.experiments.weight_init import activations
from zerodl.functions import relu, sigmoid


def test_optimizers_2d_shows_zigzag_and_convergence(tmp_path):
    results = EXPERIMENTS["optimizers-2d"](tmp_path)
    assert (tmp_path / "optimizers-2d.png").stat().st_size > 10_000
    assert results["SGD"]["path_length"] > 2 * results["Adam"]["path_length"]
    assert results["AdaGrad"]["final_f"] < 0.01
    assert all(r["final_f"] < 0.2 for r in results.values())


def test_weight_scale_shapes_activations():
    rng = np.random.default_rng(0)
    he = activations(relu, "he", rng)
    small = activations(relu, 0.01, np.random.default_rng(0))
    assert he[-1].std() > 100 * small[-1].std()
    saturated = activations(sigmoid, 1.0, np.random.default_rng(0))[-1]
    assert np.mean((saturated < 0.05) | (saturated > 0.95)) > 0.5
    xavier = activations(sigmoid, "xavier", np.random.default_rng(0))[-1]
    assert np.mean((xavier < 0.05) | (xavier > 0.95)) < 0.05


@pytest.mark.parametrize(("name", "kwargs", "figures"), [
    ("optimizers-mnist", {"iterations": 30}, ["optimizers-mnist.png"]),
    ("weight-init", {"iterations": 20},
     ["weight-init-sigmoid.png", "weight-init-relu.png", "weight-init-training.png"]),
    ("batchnorm", {"epochs": 2}, ["batchnorm.png"]),
    ("overfit", {"epochs": 3}, ["overfit.png"]),
    ("hyperparameter-search", {"trials": 3, "epochs": 2}, ["hyperparameter-search.png"]),
])
def test_data_experiments_run_and_write_figures(mnist10k, tmp_path, name, kwargs, figures):
    results = EXPERIMENTS[name](tmp_path, dataset=str(mnist10k), **kwargs)
    assert results
    for figure in figures:
        assert (tmp_path / figure).stat().st_size > 5_000
