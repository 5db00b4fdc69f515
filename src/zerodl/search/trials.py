"""One trial of the search: the data it is scored on, the network it trains and saves, and the
figure of all of them."""

from __future__ import annotations

import hashlib
import reprlib
import socket
from pathlib import Path

import numpy as np

from zerodl.datasets import load_mnist, split_validation
from zerodl.datasets.mnist import dataset_metadata
from zerodl.errors import ZerodlError
from zerodl.nets import MultiLayerNet
from zerodl.parallel import blas_thread_count, numpy_blas
from zerodl.plotting import plt, save_figure
from zerodl.search.storage import SearchConfig, require_optuna
from zerodl.trainer import Trainer

TRIALS_DIR = "trials"

# The book's search space.
LR_RANGE = (1e-6, 1e-2)

WEIGHT_DECAY_RANGE = (1e-8, 1e-4)
# a retrain takes a trial's BLAS threads from the study: within reason
MAX_BLAS_THREADS = 1024


def validation_data(config: SearchConfig):
    (x, t), _ = load_mnist(dataset=config.dataset, data_dir=config.data_dir,
                           download=config.download)
    x, t = x[:config.train_samples], t[:config.train_samples]
    return split_validation(x, t, config.val_ratio, seed=config.seed)


def data_fingerprint(data) -> str:
    """A digest of the training and validation arrays: the same data on every machine, whatever
    folder it was loaded from."""
    digest = hashlib.sha256()
    for part in data:
        for array in part:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def trial_seed(config: SearchConfig, number: int) -> int:
    """The seed of trial `number`'s initialisation and shuffling, spawned from the run's seed."""
    return int(np.random.SeedSequence(config.seed, spawn_key=(1 << 20, number)).generate_state(1)[0])


def train_trial(config: SearchConfig, data, number: int, params: dict):
    """Train trial `number` with its parameters: (the trained Trainer, its network)."""
    (x_train, t_train), (x_val, t_val) = data
    seed = trial_seed(config, number)
    net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=params["weight_decay"], seed=seed)
    trainer = Trainer(net, x_train, t_train, x_val, t_val, epochs=config.epochs,
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": params["lr"]},
                      verbose=False, seed=seed)
    trainer.train()
    return trainer, net


def recorded_blas(trial) -> tuple[str | None, int | None]:
    """The BLAS that a finished trial ran on and its number of threads, as its worker recorded
    them (None for what it did not record); nonsense from the study is refused."""
    blas = trial.user_attrs.get("blas", {})
    library, threads = (blas.get("library"), blas.get("threads")) if isinstance(blas, dict) else (0, 0)
    if not (library is None or isinstance(library, str)) or not (
            threads is None or (type(threads) is int and 1 <= threads <= MAX_BLAS_THREADS)):
        raise ZerodlError(f"trial {trial.number} records its BLAS as {reprlib.repr(blas)}: expected a library"
                          f" and a whole number of threads from 1 to {MAX_BLAS_THREADS}")
    return library, threads


def trial_model_path(out_dir, number: int) -> Path:
    return Path(out_dir) / TRIALS_DIR / f"trial-{number}.safetensors"


def save_trial_model(config: SearchConfig, net, number: int, params: dict) -> Path:
    path = trial_model_path(config.out_dir, number)
    path.parent.mkdir(parents=True, exist_ok=True)
    net.save(path, **dataset_metadata(config.dataset),
             search={"study": config.study, "trial": number, **params})
    return path


def make_objective(config: SearchConfig, data):
    host = socket.gethostname()

    def objective(trial) -> float:
        params = {"lr": trial.suggest_float("lr", *LR_RANGE, log=True),
                  "weight_decay": trial.suggest_float("weight_decay", *WEIGHT_DECAY_RANGE, log=True)}
        trainer, net = train_trial(config, data, trial.number, params)
        path = save_trial_model(config, net, trial.number, params)
        trial.set_user_attr("train_acc", trainer.train_acc_list[-1])
        trial.set_user_attr("model", f"{host}:{path.resolve()}")
        # what a retrain needs to repeat the trial's arithmetic (retrain_trial)
        trial.set_user_attr("blas", {"library": numpy_blas(), "threads": blas_thread_count()})
        return trainer.final_test_acc  # the Trainer's "test" data here is the validation split

    return objective


def completed(study) -> list:
    optuna = require_optuna()
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def best_trials(study, n: int = 5) -> list:
    return sorted(completed(study), key=lambda t: t.value, reverse=True)[:n]


def plot_search(study, path) -> None:
    """Validation accuracy over (learning rate, weight decay), log axes."""
    trials = completed(study)
    lr = [t.params["lr"] for t in trials]
    wd = [t.params["weight_decay"] for t in trials]
    acc = [t.value for t in trials]
    fig, ax = plt.subplots(figsize=(6, 5))
    points = ax.scatter(lr, wd, c=acc, cmap="viridis", vmin=0, vmax=1, s=40)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("weight decay")
    fig.colorbar(points, label="validation accuracy")
    ax.set_title(f"{len(trials)} trials")
    save_figure(fig, path)
