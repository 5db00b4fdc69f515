"""`zerodl figures`: every figure of the notes, chapter by chapter, in either layout."""

from __future__ import annotations

import logging
import os
import time
from functools import cache
from pathlib import Path

from zerodl.cli.common import add_data_options, count, out_dir, print_results
from zerodl.datasets import find_dataset, load_mnist
from zerodl.datasets.sources import FILES
from zerodl.errors import DataError
from zerodl.figures.catalog import draw_group, select
from zerodl.plotting import language

log = logging.getLogger("zerodl")


def add_parser(sub, parents) -> None:
    p = sub.add_parser("figures", parents=parents,
                       help="every figure of the notes, chapter by chapter")
    p.add_argument("--out", type=out_dir, default=Path("runs/figures"),
                   help="folder for the PNG files (default: runs/figures)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="figure groups or file names")
    p.add_argument("--quick", action="store_true", help="shorter training for the data figures")
    p.add_argument("--layout", choices=["flat", "seed"], default="flat",
                   help="flat: one folder (docs/figures); seed: the slide deck's chapter folders"
                   " (docs/slides/figures)")
    p.add_argument("--lang", choices=["en", "ja"],
                   help="language of the labels (default: ja for --layout seed, else en)")
    p.add_argument("--dataset", help="digits for the data figures (default: mnist, else an"
                   " mnist-* subset folder in the data folder)")
    p.add_argument("--seed", type=count(0), default=0)
    add_data_options(p)
    p.set_defaults(func=run)


def figure_dataset(args) -> str:
    """The digits the figures use: --dataset if given, else MNIST, else an MNIST subset folder
    (mnist-*, e.g. mnist-10k) under the data folder, since any real digits serve a figure."""
    if args.dataset:
        return args.dataset
    try:
        find_dataset("mnist", args.data_dir, download=not args.offline)
        return "mnist"
    except DataError:
        root = args.data_dir or os.environ.get("ZERODL_DATA_DIR")
        subsets = sorted(p for p in Path(root).glob("mnist-*")
                         if all((p / f).is_file() for f in FILES)) if root else []
        if not subsets:
            raise
        log.info("MNIST not found; the figures use the digits in %s", subsets[0])
        return str(subsets[0])


def run(args) -> int:
    out = Path(args.out)
    lang = args.lang or ("ja" if args.layout == "seed" else "en")
    groups = select(args.only)
    if any(g.needs_data for g in groups):
        try:
            args.dataset = figure_dataset(args)
        except DataError:
            args.dataset = "mnist"  # each data figure below reports that it is missing

    @cache
    def data():
        return load_mnist(dataset=args.dataset, data_dir=args.data_dir, download=not args.offline)

    missing = []
    with language(lang):
        for group in groups:
            start = time.perf_counter()
            try:
                results = draw_group(group, out, args.layout, data=data, quick=args.quick,
                                     seed=args.seed, dataset=args.dataset, data_dir=args.data_dir,
                                     download=not args.offline)
            except DataError as e:
                missing.append(group.name)
                print(f"chapter {group.chapter} {group.name}: not drawn, it needs the dataset"
                      f" '{args.dataset}': {str(e).splitlines()[0]}")
                continue
            files = group.files.values() if args.layout == "seed" else group.files
            print(f"chapter {group.chapter} {group.name}: {', '.join(files)}"
                  f" ({time.perf_counter() - start:.0f} s)")
            if isinstance(results, dict):
                print_results(results, indent="    ")
    print(f"figures in {out}/")
    if missing:
        print(f"{len(missing)} group(s) need data: set ZERODL_DATA_DIR or --dataset (see"
              " 'zerodl data')")
        return 1
    return 0
