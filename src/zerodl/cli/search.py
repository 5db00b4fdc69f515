"""`zerodl search`: the book's random search of learning rate and weight decay, on Optuna."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from zerodl.cli.common import add_data_options, count, out_dir
from zerodl.parallel import numpy_blas
from zerodl.search import (
    STUDY_NAME,
    SearchConfig,
    best_trials,
    completed,
    plot_search,
    recorded_blas,
    retrain_trial,
    run_search,
)

DATABASES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def storage_url(text: str) -> str:
    """A database URL that Optuna's storage (SQLAlchemy) can open: DIALECT[+DRIVER]://..."""
    m = re.match(r"^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?://", text)
    if not m or m.group(1) not in DATABASES:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a database URL: use e.g. sqlite:///search.db or"
            " postgresql://user@host/db (databases: " + ", ".join(DATABASES) + ")")
    return text


def study_name(text: str) -> str:
    if not text.strip() or not text.isprintable() or len(text) > 512:
        raise argparse.ArgumentTypeError(f"{text!r} is not a study name: printable text of at"
                                         " most 512 characters")
    return text


def trial_number(text: str) -> int | None:
    """A trial's number, or 'best' (None): the best finished trial."""
    if text == "best":
        return None
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a trial's number or best, got '{text}'")
    return int(text)


def add_parser(sub, parents) -> None:
    p = sub.add_parser("search", parents=parents,
                       help="random search of lr and weight decay (Optuna)")
    p.add_argument("--trials", type=count(0), default=20,
                   help="trials (with --resume: trials to add)")
    p.add_argument("--workers", type=count(1), default=1, help="local worker processes")
    p.add_argument("--epochs", type=count(1), default=50, help="epochs per trial")
    p.add_argument("--sampler", choices=["random", "tpe"], default="random")
    p.add_argument("--storage", type=storage_url, help="database URL shared by several machines,"
                   " e.g. postgresql://user@host/db (default: a journal file in --out)")
    p.add_argument("--study", type=study_name, default=STUDY_NAME,
                   help="the study's name: commands that give the same one share it")
    p.add_argument("--heartbeat", type=count(1), default=10, metavar="SECONDS",
                   help="with --storage: how often a running trial says it is alive; one silent"
                   " for three heartbeats is marked failed")
    p.add_argument("--retrain", type=trial_number, metavar="TRIAL", default=argparse.SUPPRESS,
                   help="train a finished trial again (a number, or best) from the study, and save"
                   " its model in --out/trials/")
    p.add_argument("--out", type=out_dir, default=Path("search"), help="output folder")
    p.add_argument("--resume", action="store_true", help="continue the study in --out/--storage")
    add_data_options(p, dataset=True)
    p.set_defaults(func=run)


def run(args) -> int:
    config = SearchConfig(out_dir=str(args.out), trials=args.trials, workers=args.workers,
                          epochs=args.epochs, seed=args.seed, sampler=args.sampler,
                          storage=args.storage, study=args.study, heartbeat=args.heartbeat,
                          dataset=args.dataset,
                          data_dir=None if args.data_dir is None else str(args.data_dir),
                          download=not args.offline)
    if "retrain" in args:
        return retrain(config, args.retrain)
    start = time.perf_counter()
    study = run_search(config, resume=args.resume)
    done = completed(study)
    print(f"{len(done)} finished trials ({time.perf_counter() - start:.0f} s this run)")
    print(f"  {'trial':>5} {'val acc':>8} {'train acc':>9} {'lr':>10} {'weight decay':>12}")
    for t in best_trials(study):
        print(f"  {t.number:5d} {t.value:8.4f} {t.user_attrs.get('train_acc', float('nan')):9.4f}"
              f" {t.params['lr']:10.3e} {t.params['weight_decay']:12.3e}")
    plot_search(study, Path(args.out) / "search.png")
    print(f"best validation accuracy {study.best_value:.4f}; plot: {Path(args.out) / 'search.png'}")
    best = study.best_trial
    host, _, path = best.user_attrs.get("model", "?:?").partition(":")
    print(f"best trial {best.number}: model {path} on {host} (or: zerodl search --retrain"
          f" {best.number} with this --storage and --study)")
    return 0


def retrain(config: SearchConfig, number: int | None) -> int:
    start = time.perf_counter()
    trial, accuracy, path = retrain_trial(config, number)
    print(f"trial {trial.number} trained again in {time.perf_counter() - start:.0f} s: validation"
          f" accuracy {accuracy:.4f} (the study recorded {trial.value:.4f}); model: {path}")
    recorded, _ = recorded_blas(trial)
    if recorded is not None and recorded != numpy_blas():
        print(f"  the trial ran on {recorded}, and this machine's NumPy on {numpy_blas()}:"
              " they may round differently, and the model differ")
    return 0
