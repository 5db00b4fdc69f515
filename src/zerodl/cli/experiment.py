"""`zerodl experiment NAME`: one of chapter 6's experiments, its figures and its numbers."""

from __future__ import annotations

import time
from pathlib import Path

from zerodl.cli.common import add_data_options, out_dir, print_results
from zerodl.experiments import EXPERIMENTS


def add_parser(sub, parents) -> None:
    p = sub.add_parser("experiment", parents=parents, help="chapter 6's experiments, with figures")
    p.add_argument("name", choices=list(EXPERIMENTS), metavar="NAME",
                   help=", ".join(EXPERIMENTS))
    p.add_argument("--out", type=out_dir,
                   help="folder for the PNG figures (default: runs/experiment-NAME)")
    p.add_argument("--full", action="store_true", help="the book-scale version (slower)")
    add_data_options(p, dataset=True)
    p.set_defaults(func=run)


def run(args) -> int:
    out = args.out if args.out is not None else Path("runs") / f"experiment-{args.name}"
    start = time.perf_counter()
    results = EXPERIMENTS[args.name](out, full=args.full, seed=args.seed, dataset=args.dataset,
                                     data_dir=args.data_dir, download=not args.offline)
    print(f"{args.name} ({time.perf_counter() - start:.0f} s); figures in {out}/")
    print_results(results)
    return 0
