"""`zerodl search`: the book's random search of learning rate and weight decay, on Optuna."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from zerodl.cli.common import add_data_options, count, out_dir
from zerodl.search import SearchConfig, best_trials, completed, plot_search, run_search

DATABASES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def storage_url(text: str) -> str:
    """A database URL that Optuna's storage (SQLAlchemy) can open: DIALECT[+DRIVER]://..."""
    m = re.match(r"^([a-z][a-z0-9]*)(\+[a-z0-9_]+)?://", text)
    if not m or m.group(1) not in DATABASES:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a database URL: use e.g. sqlite:///search.db or"
            " postgresql://user@host/db (databases: " + ", ".join(DATABASES) + ")")
    return text


def add_parser(sub, parents) -> None:
    p = sub.add_parser("search", parents=parents,
                       help="random search of lr and weight decay (Optuna)")
    p.add_argument("--trials", type=count(0), default=20,
                   help="trials (with --resume: trials to add)")
    p.add_argument("--workers", type=count(1), default=1, help="local worker processes")
    p.add_argument("--epochs", type=count(1), default=50, help="epochs per trial")
    p.add_argument("--sampler", choices=["random", "tpe"], default="random")
    p.add_argument("--storage", type=storage_url, help="database URL shared by several machines"
                   " (default: a journal file in --out)")
    p.add_argument("--out", type=out_dir, default=Path("search"), help="output folder")
    p.add_argument("--resume", action="store_true", help="continue the study in --out/--storage")
    add_data_options(p, dataset=True)
    p.set_defaults(func=run)


def run(args) -> int:
    config = SearchConfig(out_dir=str(args.out), trials=args.trials, workers=args.workers,
                          epochs=args.epochs, seed=args.seed, sampler=args.sampler,
                          storage=args.storage, dataset=args.dataset,
                          data_dir=None if args.data_dir is None else str(args.data_dir),
                          download=not args.offline)
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
    return 0
