import numpy as np
import pytest

from zerodl.experiments import EXPERIMENTS
from zerodl.experiments.optimizers_2d import OPTIMIZERS, df, optimize_path, path_summary
from zerodl.experiments.overfit import summary
from zerodl.experiments.weight_init import activations
from zerodl.functions import relu, sigmoid
from zerodl.optimizers import SGD, Momentum, RMSprop


def test_first_steps_on_the_2d_function_match_the_update_rules():
    assert df(-7.0, 2.0) == (-0.7, 4.0)
    # SGD: (x, y) - 0.95 * (-0.7, 4): the y step overshoots to the other side of the valley
    np.testing.assert_allclose(optimize_path(SGD(lr=0.95), 1)[1], [-6.335, -1.8])
    # Momentum starts like SGD with its own rate: v = -0.1 * grad
    np.testing.assert_allclose(optimize_path(Momentum(lr=0.1), 1)[1], [-6.93, 1.6])
    # RMSprop's first h is 0.01 g^2, so each coordinate moves 10 * lr, whatever its gradient
    np.testing.assert_allclose(optimize_path(RMSprop(lr=0.15), 1)[1], [-5.5, 0.5], atol=1e-5)


def test_path_summary_by_hand():
    path = np.array([[-7.0, 2.0], [-4.0, -2.0], [0.0, 1.0], [0.0, 0.0]])
    assert path_summary(path) == {"final_f": 0.0, "path_length": 5 + 5 + 1,
                                  "steps_to_f_below_0.1": 3}
    assert path_summary(path[:2])["steps_to_f_below_0.1"] is None


def test_optimizers_2d_shows_zigzag_and_convergence(tmp_path):
    results = EXPERIMENTS["optimizers-2d"](tmp_path)
    for name in ("optimizers-2d.png", "optimizers-2d-gradients.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert list(results) == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]
    assert list(results) == list(OPTIMIZERS)
    sgd_y = optimize_path(SGD(lr=0.95))[:10, 1]
    assert np.all(sgd_y[:-1] * sgd_y[1:] < 0), "SGD crosses the valley at every step"
    assert all(results["SGD"]["path_length"] > 2.5 * r["path_length"]
               for name, r in results.items() if name != "SGD")
    assert results["Nesterov"]["path_length"] < results["Momentum"]["path_length"]
    assert results["AdaGrad"]["final_f"] < 0.01 and results["RMSprop"]["final_f"] < 0.01
    assert all(r["final_f"] < 0.2 for r in results.values())


def test_weight_scale_shapes_activations():
    he = activations(relu, "he", np.random.default_rng(0))
    small = activations(relu, 0.01, np.random.default_rng(0))
    xavier_relu = activations(relu, "xavier", np.random.default_rng(0))
    assert he[-1].std() > 100 * small[-1].std()
    assert 0.7 < he[0].std() < he[-1].std() < 1.2  # He keeps the spread in every layer
    assert xavier_relu[-1].std() < 0.5 * xavier_relu[0].std()  # Xavier shrinks it with ReLU
    saturated = activations(sigmoid, 1.0, np.random.default_rng(0))[-1]
    assert np.mean((saturated < 0.05) | (saturated > 0.95)) > 0.5
    xavier = activations(sigmoid, "xavier", np.random.default_rng(0))[-1]
    assert np.mean((xavier < 0.05) | (xavier > 0.95)) < 0.05
    collapsed = activations(sigmoid, 0.01, np.random.default_rng(0))[-1]
    assert np.abs(collapsed - 0.5).max() < 0.1  # every unit says about the same


def test_overfit_summary_is_the_last_epoch():
    assert summary([0.5, 1.0], [0.4, 0.75]) == {"train_acc": 1.0, "test_acc": 0.75, "gap": 0.25}


@pytest.mark.parametrize(("name", "kwargs", "figures"), [
    ("optimizers-mnist", {"iterations": 30}, ["optimizers-mnist.png"]),
    ("weight-init", {"iterations": 20},
     ["weight-init-sigmoid.png", "weight-init-relu.png", "weight-init-training.png"]),
    ("batchnorm", {"epochs": 2}, ["batchnorm.png"]),
    ("overfit", {"epochs": 3}, ["overfit.png", "overfit-weight-decay.png", "overfit-dropout.png"]),
])
def test_data_experiments_run_and_write_figures(mnist10k, tmp_path, name, kwargs, figures):
    results = EXPERIMENTS[name](tmp_path, dataset=str(mnist10k), **kwargs)
    assert results
    for figure in figures:
        assert (tmp_path / figure).stat().st_size > 5_000


def test_optimizer_comparison_on_mnist_names_all_five(mnist10k, tmp_path):
    results = EXPERIMENTS["optimizers-mnist"](tmp_path, dataset=str(mnist10k), iterations=60)
    assert list(results) == ["SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"]
    sgd = results["SGD"]["mean_loss_last_50"]
    assert all(r["mean_loss_last_50"] < sgd for name, r in results.items() if name != "SGD")


def test_batchnorm_reports_divergence_and_learns_at_small_scales(mnist10k, tmp_path):
    results = EXPERIMENTS["batchnorm"](tmp_path, dataset=str(mnist10k), epochs=5)
    assert list(results) == ["w = 1", "w = 0.3", "w = 0.1", "w = 0.03", "w = 0.01", "w = 0.001"]
    assert results["w = 1"]["without"] == "diverged in epoch 1"
    for small in ("w = 0.03", "w = 0.01", "w = 0.001"):
        # without BN the signal dies out and the net stays at chance; with BN it learns
        assert results[small]["without"] < 0.2 < 0.5 < results[small]["Batch Normalization"]


def test_search_experiment_keeps_its_study_where_asked(mnist10k, tmp_path):
    study = tmp_path / "study"
    results = EXPERIMENTS["hyperparameter-search"](tmp_path / "out", dataset=str(mnist10k),
                                                   trials=3, epochs=1, study_dir=study)
    assert results["finished trials"] == 3
    assert len([k for k in results if k.startswith("trial ")]) == 3
    assert (tmp_path / "out" / "hyperparameter-search.png").stat().st_size > 5_000
    assert (study / "study.journal").is_file()
    assert not (tmp_path / "out" / "search").exists()
