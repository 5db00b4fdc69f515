"""The book's hyperparameter search (chapter 6) on Optuna, able to outgrow one process or machine.

Random search over the learning rate and the weight-decay strength, both log-uniform, each trial
a short training run scored on a validation split carved from the training data (never the test
set). The study lives in a storage that several processes can share: by default a journal file
in the output directory (one machine; safe under parallel writers, where SQLite locks), or a
database URL that Optuna accepts, PostgreSQL above all, so that other machines can join.

Several machines on one study. `zerodl search --storage postgresql://... --study NAME --trials N`
started on several machines (or several times on one) works on one study:

- each command adds its N trials to the study's target (recorded under its own key, so that
  commands starting at the same moment do not overwrite each other's), and every worker runs
  trials until the study holds the target of finished trials: all the commands' trials end up
  in the one study, whichever worker ran them;
- each worker draws its parameters from its own random stream, so that no two draw alike;
- a running trial sends a heartbeat to the database; a trial silent for three heartbeats (its
  worker was killed, or its machine lost) is marked failed by the next worker that looks, so
  that the study never keeps a trial running for ever, and the trials still missing from the
  target are run by the others;
- a command that joins an existing study must search the same way (epochs, samples, split,
  seed, the same data): otherwise its trials could not be compared with the others.

Every trial's model is saved in the --out folder of the machine that ran it (trials/trial-N),
and recorded in the trial as host:path; retrain_trial() trains trial N again from the study
alone (its parameters and seed), on any machine, into the same name.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import socket
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from zerodl.errors import ZerodlError

JOURNAL_NAME = "study.journal"
STUDY_NAME = "zerodl-search"
TRIALS_DIR = "trials"
# The book's search space.
LR_RANGE = (1e-6, 1e-2)
WEIGHT_DECAY_RANGE = (1e-8, 1e-4)
# a command's trials are recorded in the study's user attributes under this prefix + its id
CONTRIBUTION = "trials:"
# what makes two commands' trials comparable: they must agree on all of it to share a study
COMPARABLE = ("epochs", "train_samples", "val_ratio", "seed")
# a trial whose last heartbeat is older than this many heartbeats is taken as abandoned
GRACE_HEARTBEATS = 3


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
    study: str = STUDY_NAME
    heartbeat: int = 10
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


def database_url(url: str) -> str:
    """The URL as SQLAlchemy should open it. A PostgreSQL URL without a driver goes through
    psycopg 3 (the `cluster` extra's driver), where SQLAlchemy would look for psycopg2; the
    short scheme postgres:// that many services print is accepted as postgresql://."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return url


@contextmanager
def _experimental_features():
    """Heartbeats are an experimental feature of Optuna, which says so at every use."""
    optuna = require_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _open_database(url: str, heartbeat: int, attempts: int = 5):
    """Optuna's storage in the database at `url`. Workers that meet a new database at the same
    moment all create Optuna's tables: the losers of that race get a duplicate-key error from
    the database, and find the tables made when they try again."""
    import sqlalchemy.exc

    optuna = require_optuna()

    def storage():
        # heartbeats let other workers tell a running trial from one whose worker died
        with _experimental_features():
            return optuna.storages.RDBStorage(url, heartbeat_interval=heartbeat,
                                              grace_period=GRACE_HEARTBEATS * heartbeat)

    for attempt in range(attempts - 1):
        try:
            return storage()
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            time.sleep(0.2 * (attempt + 1))
    return storage()


def storage_for(config: SearchConfig):
    optuna = require_optuna()
    if config.storage:
        url = database_url(config.storage)
        try:
            return _open_database(url, config.heartbeat)
        except ModuleNotFoundError as e:
            raise ZerodlError(f"--storage {config.storage}: no driver for this database ({e.name}"
                              " is not installed; for PostgreSQL: pip install 'zerodl[cluster]')"
                              ) from None
        except Exception as e:  # SQLAlchemy's many errors: a bad URL, no server, a refused login
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ZerodlError(f"--storage {config.storage}: cannot open the database ({reason})"
                              ) from None
    from optuna.storages.journal import JournalFileBackend

    path = Path(config.out_dir) / JOURNAL_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def make_sampler(config: SearchConfig, stream: tuple[int, ...]):
    """A sampler whose seed is spawned from the run's seed and the worker's stream, so that no
    two workers, on this machine or another, draw the same parameters."""
    optuna = require_optuna()
    seed = int(np.random.SeedSequence(config.seed, spawn_key=stream).generate_state(1)[0])
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
    from zerodl.nets import MultiLayerNet
    from zerodl.trainer import Trainer

    (x_train, t_train), (x_val, t_val) = data
    seed = trial_seed(config, number)
    net = MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=params["weight_decay"], seed=seed)
    trainer = Trainer(net, x_train, t_train, x_val, t_val, epochs=config.epochs,
                      mini_batch_size=100, optimizer="sgd", optimizer_param={"lr": params["lr"]},
                      verbose=False, seed=seed)
    trainer.train()
    return trainer, net


def trial_model_path(out_dir, number: int) -> Path:
    return Path(out_dir) / TRIALS_DIR / f"trial-{number}.safetensors"


def save_trial_model(config: SearchConfig, net, number: int, params: dict) -> Path:
    from zerodl.datasets.mnist import dataset_metadata

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


@contextmanager
def _heartbeat(storage, trial_id: int):
    """Record that the trial is alive, now and every heartbeat interval, until it ends (a
    database storage only; a journal is one machine's, and --resume settles its trials)."""
    interval = getattr(storage, "heartbeat_interval", None)
    if not interval:
        yield
        return
    storage.record_heartbeat(trial_id)  # at once: a trial that never beat is never found stale
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            storage.record_heartbeat(trial_id)

    thread = threading.Thread(target=beat, name=f"heartbeat-{trial_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def fail_abandoned_trials(study) -> None:
    """Mark failed the running trials whose heartbeat stopped (no-op for a journal)."""
    optuna = require_optuna()
    with _experimental_features():
        optuna.storages.fail_stale_trials(study)


def target_trials(study) -> int:
    """The finished trials that the study is to hold: the sum of every command's trials."""
    return sum(int(v) for k, v in study.user_attrs.items() if k.startswith(CONTRIBUTION))


def _worker(config_dict: dict, stream: tuple[int, ...]) -> None:
    """Run trials until the study holds its target of trials that did not fail (shared with
    every other worker, on this machine or another)."""
    config = SearchConfig(**config_dict)
    optuna = require_optuna()
    FAIL = optuna.trial.TrialState.FAIL
    storage = storage_for(config)
    study = optuna.load_study(study_name=config.study, storage=storage,
                              sampler=make_sampler(config, stream))
    objective = make_objective(config, validation_data(config))
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def counted(before: int | None = None) -> int:
        return sum(1 for t in study.get_trials(deepcopy=False)
                   if t.state != FAIL and (before is None or t.number < before))

    heartbeat = getattr(storage, "heartbeat_interval", None)
    while True:
        fail_abandoned_trials(study)
        # read again every time: a command that joins raises the target
        target = target_trials(study)
        if counted() >= target:
            finished = len(completed(study))
            if finished >= target or not heartbeat:
                break
            # the rest are running elsewhere: wait until they finish, or go silent and fail
            time.sleep(heartbeat)
            continue
        with warnings.catch_warnings():
            # Optuna's own heartbeat runs inside Study.optimize; ours runs around ask and tell
            warnings.filterwarnings("ignore", "Heartbeat of storage", UserWarning)
            trial = study.ask()
        with _heartbeat(storage, trial._trial_id):
            trial.set_user_attr("worker", worker)
            if counted(before=trial.number) >= target:
                # another worker took the last trial between our count and our ask
                trial.set_user_attr("surplus", True)
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


def _where(config: SearchConfig) -> str:
    return f"study '{config.study}' in {config.storage or config.out_dir}"


def _settle_search(study, config: SearchConfig, fingerprint: str) -> dict:
    """Record how this study searches, or check that this command searches the same way."""
    ours = {**{k: getattr(config, k) for k in COMPARABLE}, "data": fingerprint}
    if "search" not in study.user_attrs:
        study.set_user_attr("search", ours)
    # read back: of commands starting together, one wrote last, and all compare with it
    recorded = study.user_attrs["search"]
    different = [f"{k} {recorded.get(k)!r} (here {v!r})" for k, v in ours.items()
                 if recorded.get(k) != v]
    if different:
        raise ZerodlError(f"{_where(config)} runs its trials with {', '.join(different)}: they"
                          " would not be comparable; join it with the same settings and data, or"
                          " choose another --study")
    return recorded


def run_search(config: SearchConfig, resume: bool = False):
    """Create, join or resume the study, add this command's trials to its target, and run
    trials until it holds that many finished ones.

    A journal (no --storage) is one run's folder: a second run there needs resume. A database
    is shared: a command joins the study of its name if it exists."""
    optuna = require_optuna()
    storage = storage_for(config)
    existing = config.study in {s.study_name for s in optuna.get_all_study_summaries(storage)}
    if existing and not resume and not config.storage:
        raise ZerodlError(f"a study already exists in {config.out_dir}: add --resume to continue"
                          " it, or choose another --out")
    study = optuna.create_study(study_name=config.study, storage=storage, direction="maximize",
                                load_if_exists=True)
    _settle_search(study, config, data_fingerprint(validation_data(config)))
    if resume and not config.storage:
        # one machine's journal: the trials still running when the run was killed never finish
        TrialState = optuna.trial.TrialState
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    fail_abandoned_trials(study)
    command = uuid.uuid4().hex[:12]
    study.set_user_attr(CONTRIBUTION + command, config.trials)
    # Failed trials do not count: the study ends with its target of finished ones.
    if len(completed(study)) < target_trials(study):
        # the streams: this command's (random: commands on many machines start at once), then
        # the worker's
        key = int(command, 16)
        if config.workers <= 1:
            _worker(asdict(config), (key, 0))
        else:
            ctx = multiprocessing.get_context("spawn")
            procs = [ctx.Process(target=_worker, args=(asdict(config), (key, i)))
                     for i in range(config.workers)]
            with _blas_threads(max(1, (os.cpu_count() or 1) // config.workers)):
                for p in procs:
                    p.start()
            for p in procs:
                p.join()
            if any(p.exitcode for p in procs):
                raise ZerodlError(f"a search worker failed (exit codes {[p.exitcode for p in procs]})")
    return optuna.load_study(study_name=config.study, storage=storage)


def open_study(config: SearchConfig):
    """The existing study of config.study in its storage, for reading."""
    optuna = require_optuna()
    try:
        return optuna.load_study(study_name=config.study, storage=storage_for(config))
    except KeyError:
        raise ZerodlError(f"no {_where(config)}") from None


def retrain_trial(config: SearchConfig, number: int | None = None):
    """Train a finished trial again (default: the best) from the study alone, with the study's
    settings, its parameters and its seed, and save its model under trials/ in config.out_dir.

    Returns (trial, validation accuracy now, path): the accuracy equals the one the study
    recorded, unless the data or the machine's arithmetic differ."""
    study = open_study(config)
    done = {t.number: t for t in completed(study)}
    if number is None:
        if not done:
            raise ZerodlError(f"{_where(config)} has no finished trial")
        number = max(done.values(), key=lambda t: t.value).number
    if number not in done:
        raise ZerodlError(f"{_where(config)} has no finished trial {number}"
                          f" (finished: {', '.join(map(str, sorted(done))) or 'none'})")
    recorded = study.user_attrs["search"]
    config = SearchConfig(**{**asdict(config), **{k: recorded[k] for k in COMPARABLE}})
    data = validation_data(config)
    if data_fingerprint(data) != recorded["data"]:
        raise ZerodlError(f"{_where(config)} was searched on other data than {config.dataset}")
    trial = done[number]
    trainer, net = train_trial(config, data, number, trial.params)
    return trial, trainer.final_test_acc, save_trial_model(config, net, number, trial.params)


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

