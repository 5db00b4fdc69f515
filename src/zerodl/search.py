"""The book's hyperparameter search (chapter 6) on Optuna, able to outgrow one process or machine.

Random search over the learning rate and the weight-decay strength, both log-uniform, each trial
a short training run scored on a validation split carved from the training data (never the test
set). The study lives in a storage that several processes can share: by default a journal file
in the output directory (safe under parallel writers, where SQLite locks), or any database URL
that Optuna accepts, so that other machines can join with the same command.
"""

from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from zerodl.errors import ZerodlError

JOURNAL_NAME = "study.journal"
STUDY_NAME = "zerodl-search"
# The book's search space.
LR_RANGE = (1e-6, 1e-2)
WEIGHT_DECAY_RANGE = (1e-8, 1e-4)


@dataclass
class SearchConfig:
    out_dir: str
    trials: int = 20
    workers: int = 1
    epochs: int = 50
    train_samples: int = 500
    val_ratio: float = 0.2
    seed: int = 0
    sampler: str = "random"
    storage: str | None = None
    dataset: str = "mnist"
    data_dir: str | None = None
    download: bool = True


def require_optuna():
    try:
        import optuna
    except ImportError:
        raise ZerodlError("hyperparameter search needs Optuna: pip install 'zerodl[search]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def storage_for(config: SearchConfig):
    optuna = require_optuna()
    if config.storage:
        try:
            return optuna.storages.RDBStorage(config.storage)
        except Exception as e:  # SQLAlchemy's many errors: a bad URL, no driver, no server
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ZerodlError(f"--storage {config.storage}: cannot open the database ({reason})"
                              ) from None
    from optuna.storages.journal import JournalFileBackend

    path = Path(config.out_dir) / JOURNAL_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def make_sampler(config: SearchConfig, stream: int):
    """A sampler whose seed is spawned from the run's seed, so parallel workers never repeat."""
    optuna = require_optuna()
    seed = int(np.random.SeedSequence(config.seed, spawn_key=(stream,)).generate_state(1)[0])
    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if config.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ZerodlError(f"unknown sampler '{config.sampler}': use random or tpe")


def validation_data(config: SearchConfig):
    from zerodl.datasets import load_mnist, split_validation

    (x, t), _ = load_mnist(dataset=config.dataset, data_dir=config.data_dir,
                           download=config.download)
    x, t = x[:config.train_samples], t[:config.train_samples]
    return split_validation(x, t, config.val_ratio, seed=config.seed)


def make_objective(config: SearchConfig, data):
    from zerodl.nets import MultiLayerNet
    from zerodl.trainer import Trainer

    (x_train, t_train), (x_val, t_val) = data

    def objective(trial) -> float:
        lr = trial.suggest_float("lr", *LR_RANGE, log=True)
        weight_decay = trial.suggest_float("weight_decay", *WEIGHT_DECAY_RANGE, log=True)
        # each trial's initialisation and shuffling come from its own spawned seed
        seed = int(np.random.SeedSequence(config.seed, spawn_key=(1 << 20, trial.number))
                   .generate_state(1)[0])
        net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay, seed=seed)
        trainer = Trainer(net, x_train, t_train, x_val, t_val, epochs=config.epochs,
                          mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": lr},
                          verbose=False, seed=seed)
        trainer.train()
        trial.set_user_attr("train_acc", trainer.train_acc_list[-1])
        return trainer.final_test_acc  # the Trainer's "test" data here is the validation split

    return objective


# BLAS's own threads, and zerodl's (zerodl.parallel)
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "ZERODL_NUM_THREADS")


@contextmanager
def _blas_threads(threads: int):
    """Cap BLAS's and zerodl's threads for processes started inside (BLAS reads it when NumPy
    loads), so that workers do not oversubscribe the cores; this process's environment is
    restored after."""
    saved = {var: os.environ.get(var) for var in BLAS_THREAD_VARIABLES}
    os.environ.update({var: str(threads) for var in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _worker(config_dict: dict, target: int, stream: int) -> None:
    """Run trials until the study holds `target` trials that did not fail (shared with others)."""
    config = SearchConfig(**config_dict)
    optuna = require_optuna()
    FAIL = optuna.trial.TrialState.FAIL
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage_for(config),
                              sampler=make_sampler(config, stream))
    objective = make_objective(config, validation_data(config))

    def counted(before: int | None = None) -> int:
        return sum(1 for t in study.get_trials(deepcopy=False)
                   if t.state != FAIL and (before is None or t.number < before))

    while counted() < target:
        trial = study.ask()
        if counted(before=trial.number) >= target:
            # another worker took the last trial between our count and our ask
            study.tell(trial, state=FAIL)
            break
        try:
            value = objective(trial)
        except BaseException:
            study.tell(trial, state=FAIL)
            raise
        study.tell(trial, value)


def completed(study) -> list:
    optuna = require_optuna()
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def run_search(config: SearchConfig, resume: bool = False):
    """Create or resume the study and run trials until it holds its target of finished trials."""
    optuna = require_optuna()
    storage = storage_for(config)
    existing = STUDY_NAME in {s.study_name for s in optuna.get_all_study_summaries(storage)}
    resume = resume and existing
    if existing and not resume:
        raise ZerodlError(f"a study already exists in {config.storage or config.out_dir}: add"
                          " --resume to continue it, or choose another --out")
    study = optuna.create_study(study_name=STUDY_NAME, storage=storage, direction="maximize",
                                load_if_exists=True)
    TrialState = optuna.trial.TrialState
    if resume:
        # trials that were running when the study was killed will never finish
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    target = int(study.user_attrs.get("target_trials", 0))
    target = target + config.trials if (resume and target and config.trials) else (target or config.trials)
    study.set_user_attr("target_trials", target)
    study.set_user_attr("config", {k: v for k, v in asdict(config).items() if k != "storage"})
    # Failed trials do not count: the study ends with `target` finished ones.
    if len(completed(study)) < target:
        stream_base = len(study.trials)
        if config.workers <= 1:
            _worker(asdict(config), target, stream_base)
        else:
            ctx = multiprocessing.get_context("spawn")
            procs = [ctx.Process(target=_worker, args=(asdict(config), target,
                                                       stream_base + i))
                     for i in range(config.workers)]
            with _blas_threads(max(1, (os.cpu_count() or 1) // config.workers)):
                for p in procs:
                    p.start()
            for p in procs:
                p.join()
            if any(p.exitcode for p in procs):
                raise ZerodlError(f"a search worker failed (exit codes {[p.exitcode for p in procs]})")
    return optuna.load_study(study_name=STUDY_NAME, storage=storage)


def best_trials(study, n: int = 5) -> list:
    return sorted(completed(study), key=lambda t: t.value, reverse=True)[:n]


def plot_search(study, path) -> None:
    """Validation accuracy over (learning rate, weight decay), log axes."""
    from zerodl.figures.style import plt, save_figure

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
