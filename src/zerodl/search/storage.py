"""Where a study lives (a journal file, or a database that several machines share), and the
sampler each worker draws its trials' parameters with."""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zerodl.errors import ZerodlError

JOURNAL_NAME = "study.journal"

STUDY_NAME = "zerodl-search"

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
        # optional: pip install 'zerodl[search]'
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
def experimental_features():
    """Heartbeats are an experimental feature of Optuna, which says so at every use."""
    optuna = require_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def _open_database(url: str, heartbeat: int, attempts: int = 5):
    """Optuna's storage in the database at `url`. Workers that meet a new database at the same
    moment all create Optuna's tables: the losers of that race get a duplicate-key error from
    the database, and find the tables made when they try again."""
    # optional: Optuna's database storage (pip install 'zerodl[search]')
    import sqlalchemy.exc

    optuna = require_optuna()

    def storage():
        # heartbeats let other workers tell a running trial from one whose worker died
        with experimental_features():
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
    # optional: pip install 'zerodl[search]'
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
