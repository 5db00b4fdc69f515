"""Running a study: workers that run trials until the study holds its target, on one machine
or many, with heartbeats, so that no trial stays running for ever."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import asdict
from functools import partial

from threadpoolctl import threadpool_limits

from zerodl.errors import ZerodlError
from zerodl.search.storage import (
    SearchConfig,
    experimental_features,
    make_sampler,
    require_optuna,
    storage_for,
)
from zerodl.search.trials import (
    completed,
    data_fingerprint,
    make_objective,
    recorded_blas,
    save_trial_model,
    train_trial,
    validation_data,
)

# a command's trials are recorded in the study's user attributes under this prefix + its id
CONTRIBUTION = "trials:"

# what makes two commands' trials comparable: they must agree on all of it to share a study
COMPARABLE = ("epochs", "train_samples", "val_ratio", "seed")
# BLAS's own threads, and zerodl's (zerodl.parallel)
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "ZERODL_NUM_THREADS")


@contextmanager
def blas_threads(threads: int):
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
    with experimental_features():
        optuna.storages.fail_stale_trials(study)


def target_trials(study) -> int:
    """The finished trials that the study is to hold: the sum of every command's trials."""
    return sum(int(v) for k, v in study.user_attrs.items() if k.startswith(CONTRIBUTION))


class _Rendezvous:
    """A worker process's call, once it has read its data, to its command: it says it is
    ready, and waits until every worker is and the command has added its trials to the
    target."""

    def __init__(self, ctx):
        self.ready, self.go = ctx.Semaphore(0), ctx.Event()

    def __call__(self) -> None:
        self.ready.release()
        while not self.go.wait(timeout=1):
            if not multiprocessing.parent_process().is_alive():
                raise ZerodlError("the search command that started this worker has ended")


def _start_workers(ctx, config: SearchConfig, key: int, when_ready: Callable[[], None]) -> list:
    """Start the command's worker processes, and call when_ready once they all are, or stop
    them all and fail if one ends first."""
    rendezvous = _Rendezvous(ctx)
    procs = [ctx.Process(target=_worker, args=(asdict(config), (key, i), rendezvous))
             for i in range(config.workers)]
    with blas_threads(max(1, (os.cpu_count() or 1) // config.workers)):
        for p in procs:
            p.start()
    waiting = len(procs)
    while waiting:
        if rendezvous.ready.acquire(timeout=0.2):
            waiting -= 1
        elif any(p.exitcode is not None for p in procs):
            for p in procs:
                p.terminate()
                p.join()
            raise ZerodlError("a search worker failed before its first trial (exit codes"
                              f" {[p.exitcode for p in procs]})")
    when_ready()
    rendezvous.go.set()
    return procs


def _worker(config_dict: dict, stream: tuple[int, ...], when_ready: Callable[[], None]) -> None:
    """Run trials until the study holds its target of trials that did not fail (shared with
    every other worker, on this machine or another). when_ready is called once the worker
    has read its data: then its command adds its trials to the target, and not before, since
    the workers already running would otherwise take them all meanwhile."""
    config = SearchConfig(**config_dict)
    optuna = require_optuna()
    FAIL = optuna.trial.TrialState.FAIL
    storage = storage_for(config)
    study = optuna.load_study(study_name=config.study, storage=storage,
                              sampler=make_sampler(config, stream))
    objective = make_objective(config, validation_data(config))
    worker = f"{socket.gethostname()}:{os.getpid()}"
    when_ready()

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
    earlier = sum(1 for k in study.user_attrs if k.startswith(CONTRIBUTION))
    # the streams: this command's, then the worker's. Commands on many machines may start at
    # the same moment, so on a shared database each takes a random stream; on one machine's
    # journal the commands come one after another, and the same seed gives the same search
    key = int(command, 16) if config.storage else earlier
    # Failed trials do not count: the study ends with its target of finished ones.
    contribute = partial(study.set_user_attr, CONTRIBUTION + command, config.trials)
    if config.workers <= 1:
        _worker(asdict(config), (key, 0), contribute)
    elif len(completed(study)) < target_trials(study) + config.trials:
        procs = _start_workers(multiprocessing.get_context("spawn"), config, key, contribute)
        for p in procs:
            p.join()
        if any(p.exitcode for p in procs):
            raise ZerodlError(f"a search worker failed (exit codes {[p.exitcode for p in procs]})")
    else:
        contribute()
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

    Returns (trial, validation accuracy now, path). It runs on as many BLAS threads as the trial
    did, so that on the same BLAS and kernels (the trial's user attribute "blas") the model is
    the trial's, bit for bit, and so is the accuracy; another BLAS rounds differently."""
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
    # on as many BLAS threads as the trial had, whatever this machine's cores: the rounding
    # depends on it (zerodl.parallel.blas_thread_count)
    _, threads = recorded_blas(trial)
    with threadpool_limits(limits=threads, user_api="blas") if threads else nullcontext():
        trainer, net = train_trial(config, data, number, trial.params)
    return trial, trainer.final_test_acc, save_trial_model(config, net, number, trial.params)
